"""Time to first token through the streaming edge, as four real clients see it: the openai SDK (Python and npm),
the Vercel AI SDK's `streamText` (npm `ai` + `@ai-sdk/openai-compatible`) and LangChain's `astream`.

    python -m benchmarks.stream_clients [--seconds 5]

starts the emulator with each streamed reply spread over `--seconds` (the README's "Tell me a story", about 120
events), the streaming edge (uvicorn, localfn/edge_process.py) in front of it, and prints one row per client: time
to first token, content chunks, their spread (first to last, as a share of the emulated generation), and whether
usage came at the end. Issue 30's bar: first token before 20 % of the generation, at least 20 chunks spread over
more than half of it, usage at the end. It reports and never asserts; tests/edges/test_stream_clients.py asserts
the ordering facts (first chunk before the emulator's last event, chunk count, usage last) without a clock.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator import Emulator, mint_resource_principal
from localfn.config import COHERE_MODEL, emulated_config
from localfn.edge_process import EdgeProcess, any_free_port
from localfn.fdk_process import REPO_ROOT

STORY = "Tell me a story"
"""The README's long answer (emulator/story.py)."""
JS_DIR = REPO_ROOT / "tests" / "edges" / "js"
JS_CLIENT = JS_DIR / "stream_client.mjs"
Progress = Callable[[], int]
"""How many events of the current stream the emulator has sent so far."""


@dataclass
class Run:
    """One streamed answer as a client received it; times are time.monotonic() values (the emulator's clock)."""

    client: str
    started: float = 0.0
    chunks: list[float] = field(default_factory=list)
    """When each chunk with text arrived."""
    usage: dict[str, Any] | None = None
    usage_at: float | None = None
    sent_at_first_chunk: int | None = None
    """Events the emulator had sent when the client saw its first text: fewer than all = the stream is live."""

    def first_chunk(self, progress: Progress, at: float) -> None:
        if not self.chunks:
            self.sent_at_first_chunk = progress()
        self.chunks.append(at)

    @property
    def usage_last(self) -> bool:
        """Usage arrived, after every text chunk."""
        return self.usage_at is not None and bool(self.chunks) and self.usage_at >= self.chunks[-1]


def openai_python(base_url: str, model: str, progress: Progress) -> Run:
    import openai

    run = Run("openai (Python)")
    with openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0) as client:
        run.started = time.monotonic()
        stream = client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": STORY}],
            stream=True,
            stream_options={"include_usage": True},
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                run.first_chunk(progress, time.monotonic())
            if chunk.usage:
                run.usage, run.usage_at = chunk.usage.model_dump(), time.monotonic()
    return run


def langchain_astream(base_url: str, model: str, progress: Progress) -> Run:
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    run = Run("LangChain astream")

    async def stream() -> None:
        llm = ChatOpenAI(model=model, base_url=base_url, api_key=SecretStr("unused"), max_retries=0, stream_usage=True)
        run.started = time.monotonic()
        async for chunk in llm.astream(STORY):
            if chunk.content:
                run.first_chunk(progress, time.monotonic())
            if chunk.usage_metadata:
                run.usage, run.usage_at = dict(chunk.usage_metadata), time.monotonic()

    asyncio.run(stream())
    return run


def npm_client(name: str, label: str) -> Callable[[str, str, Progress], Run]:
    """A client of tests/edges/js/stream_client.mjs, read line by line as it prints (so `progress` is live)."""

    def drive(base_url: str, model: str, progress: Progress) -> Run:
        ensure_npm_packages()
        run = Run(label)
        command = ["node", str(JS_CLIENT), name, base_url, model, STORY]
        with subprocess.Popen(command, cwd=JS_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as node:
            assert node.stdout is not None
            for line in node.stdout:
                record = json.loads(line)
                if record["kind"] == "start":
                    run.started = record["t"]
                elif record["kind"] == "chunk":
                    run.first_chunk(progress, record["t"])
                elif record["kind"] == "usage":
                    run.usage, run.usage_at = record["usage"], record["t"]
            errors = node.stderr.read() if node.stderr else ""
        if node.returncode != 0:
            raise RuntimeError(f"{label} failed ({node.returncode}): {errors[-2000:]}")
        return run

    return drive


CLIENTS: dict[str, Callable[[str, str, Progress], Run]] = {
    "openai-python": openai_python,
    "langchain": langchain_astream,
    "openai-npm": npm_client("openai", "openai (npm)"),
    "ai-sdk": npm_client("ai-sdk", "AI SDK streamText"),
}


def npm_missing() -> str | None:
    """Why the npm clients cannot run here, or None."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not installed" if missing else None


def ensure_npm_packages() -> None:
    """tests/edges/js/package.json's pinned packages, installed once (no lockfile is written)."""
    if (JS_DIR / "node_modules" / "ai").is_dir():
        return
    subprocess.run(
        ["npm", "install", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS_DIR, check=True
    )


def progress_of(emulator: Emulator) -> Progress:
    """Events sent so far of the emulator's newest stream (0 before it starts)."""

    def sent() -> int:
        streams = emulator.streams
        return len(streams[-1].sent) if streams else 0

    return sent


@contextlib.contextmanager
def served(seconds: float) -> Iterator[tuple[Emulator, EdgeProcess, dict[str, str]]]:
    """An emulator spreading each stream over `seconds` and the streaming edge in front of it: (emulator, edge, the
    resource principal's environment, for a direct SDK call to the emulator)."""
    with tempfile.TemporaryDirectory(prefix="stream-clients-") as scratch:
        directory = Path(scratch)
        principal = mint_resource_principal(directory)
        with Emulator(directory, stream_seconds=seconds) as emulator:
            env = {**principal, **emulated_config(emulator.url)}
            with EdgeProcess(env, any_free_port(), directory / "edge.log") as edge:
                yield emulator, edge, principal


def warm_up(base_url: str) -> None:
    """One unstreamed call first, so the first client does not pay for the edge's first request (SDK client,
    route modules)."""
    import openai

    with openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0) as client:
        client.chat.completions.create(model=COHERE_MODEL, messages=[{"role": "user", "content": "Hi"}])


def row(run: Run, emulator: Emulator) -> str:
    streams = emulator.streams
    if not streams or len(streams[-1].sent) < 2:
        return f"| {run.client} | the edge called the service without streaming | {len(run.chunks)} | | |"
    generation = streams[-1].sent[-1] - streams[-1].sent[0]
    ttft = run.chunks[0] - run.started if run.chunks else float("nan")
    spread = run.chunks[-1] - run.chunks[0] if run.chunks else 0.0
    share = spread / generation
    return (
        f"| {run.client} | {ttft * 1000:.0f} ms ({ttft / generation:.1%}) | {len(run.chunks)} | "
        f"{spread:.2f} s ({share:.0%}) | {'yes' if run.usage_last else 'no'} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stream_clients", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="emulated generation length (default 5)")
    parser.add_argument("--clients", nargs="*", default=list(CLIENTS), choices=list(CLIENTS))
    args = parser.parse_args(argv)
    skipped = npm_missing()
    with served(args.seconds) as (emulator, edge, _):
        base_url = f"{edge.url}/genai/v1"
        warm_up(base_url)
        print(f"streaming edge {base_url}, each stream spread over {args.seconds:g} s by the emulator\n")
        print("| client | time to first token (share of generation) | chunks | spread (share) | usage at the end |")
        print("|---|---|---|---|---|")
        for name in args.clients:
            if skipped and name.endswith(("npm", "sdk")):
                print(f"| {name} | skipped: {skipped} | | | |")
                continue
            emulator.reset()
            run = CLIENTS[name](base_url, COHERE_MODEL, progress_of(emulator))
            print(row(run, emulator), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
