"""README.md's curl examples, read from the README itself (the one place they are written), sent to a running
`scripts/run-local`, each answer checked for status and shape. `python -m localfn` prints them; the integration test
and CI (`.ci/run`) send them all.

    python3 -m localfn.readme_examples [--port 28090]

starts README command 1 (`scripts/run-local --port PORT`, which sets up `.venv` itself), waits for the gateway,
sends every example, stops run-local and everything it started, and exits non-zero if any example failed. Standard
library only: CI runs it on a fresh clone before anything installs the test requirements.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localfn.ports import free_instance_port

REPO_ROOT = Path(__file__).resolve().parent.parent
README = REPO_ROOT / "README.md"
README_BASE_URL = "http://127.0.0.1:8080"
"""The gateway URL the README's examples name: run-local's default port; replaced by the URL under test."""
README_STREAM_URL = "http://127.0.0.1:8090"
"""The streaming edge's URL the README's examples name: run-local's default (the gateway's port + 10)."""
GATEWAY_LINE = re.compile(r"^Gateway: (http://\S+)")
"""The line `python -m localfn` prints once the gateway serves."""
STREAM_LINE = re.compile(r"^streaming edge: (http://[^/\s]+)")
"""The line `python -m localfn` prints, before the gateway's, once the streaming edge serves (its base URL)."""
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
REPLY_PREFIX = "Emulated reply to: "
"""The emulator's answer starts so (emulator/responses.py; not imported: this check runs on the standard library)."""
SETUP_TIMEOUT_SECONDS = 900.0
"""A first run-local installs .venv (about a minute alone; far longer on a loaded CI machine)."""


class ExampleError(Exception):
    """A README example that does not parse, or whose answer is not what the route answers."""


@dataclass(frozen=True)
class CurlExample:
    """One `curl` command of the README, parsed the way the shell would split it."""

    command: str
    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    @property
    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.url)

    @property
    def streaming_edge(self) -> bool:
        """The example calls run-local's streaming edge rather than its gateway."""
        return self.url.startswith(README_STREAM_URL + "/")

    def send(self, base_url: str, timeout: float = 60.0) -> tuple[int, dict[str, str], bytes]:
        """Send it to `base_url` instead of the README's gateway: (status, lower-cased headers, body)."""
        request = urllib.request.Request(base_url + self.path, data=self.body, headers=self.headers, method=self.method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - a loopback URL
                return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def shell_commands(markdown: str) -> Iterator[str]:
    """Each command of the README's sh code blocks, continuation lines and multi-line quoted strings joined."""
    for language, block in FENCE.findall(markdown):
        if language not in ("sh", "bash", "shell", "console"):
            continue
        pending = ""
        for line in block.splitlines():
            pending = f"{pending}\n{line}" if pending else line
            if pending.endswith("\\"):
                pending = pending[:-1]
                continue
            try:
                shlex.split(pending, comments=True)
            except ValueError:  # a quoted string goes on over the next line
                continue
            if pending.strip():
                yield pending
            pending = ""
        if pending.strip():
            raise ExampleError(f"unfinished command in a code block: {pending!r}")


def curl_examples(markdown: str | None = None) -> list[CurlExample]:
    """Every `curl` command in README.md's shell code blocks."""
    text = README.read_text(encoding="utf-8") if markdown is None else markdown
    return [parse_curl(command) for command in shell_commands(text) if command.lstrip().startswith("curl ")]


def parse_curl(command: str) -> CurlExample:
    """The curl options the README may use: -s/-S/-N, -H, -d (implies POST), -X. Anything else is refused, so an
    example that this check cannot send faithfully fails instead of being half-checked."""
    words = shlex.split(command, comments=True)
    url, method, headers, body = None, None, {}, None
    flags = iter(words[1:])
    for word in flags:
        if word in ("-s", "-S", "-sS", "-Ss", "-N", "--silent", "--show-error", "--no-buffer"):
            continue
        if word in ("-H", "--header"):
            name, _, value = next(flags).partition(":")
            headers[name.strip()] = value.strip()
        elif word in ("-d", "--data", "--data-raw"):
            body = next(flags).encode()
        elif word in ("-X", "--request"):
            method = next(flags)
        elif word.startswith("-"):
            raise ExampleError(f"curl option {word} is not understood by this check: {command}")
        elif url is None:
            url = word
        else:
            raise ExampleError(f"two URLs in one curl command: {command}")
    if url is None:
        raise ExampleError(f"no URL in: {command}")
    if not url.startswith((README_BASE_URL + "/", README_STREAM_URL + "/")):
        raise ExampleError(
            f"an example must call run-local's gateway ({README_BASE_URL}) or streaming edge ({README_STREAM_URL}): "
            f"{command}"
        )
    return CurlExample(command, url, method or ("POST" if body is not None else "GET"), headers, body)


# --- what each route answers -------------------------------------------------------------------------------------


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ExampleError(f"the answer is not JSON: {body[:200]!r}") from exc


def _expect(condition: bool, what: str, value: object) -> None:
    if not condition:
        raise ExampleError(f"{what}; got {str(value)[:300]}")


def _simple(example: CurlExample, headers: dict[str, str], body: bytes) -> None:
    sent = json.loads(example.body or b"{}")
    wanted = REPLY_PREFIX + sent["input"]
    if "json" in {k.lower(): v for k, v in example.headers.items()}.get("accept", ""):
        reply = _json(body)
        _expect(reply.get("text") == wanted and reply.get("finish_reason") == "stop", f"text {wanted!r}", reply)
        _expect(reply.get("usage", {}).get("total_tokens", 0) > 0, "usage.total_tokens > 0", reply)
    else:
        _expect(headers.get("content-type", "").startswith("text/plain"), "a text/plain answer", headers)
        _expect(body.decode() == wanted, f"the text {wanted!r}", body)


def _chat_completion(example: CurlExample, headers: dict[str, str], body: bytes) -> None:
    if json.loads(example.body or b"{}").get("stream"):
        _expect(headers.get("content-type", "").startswith("text/event-stream"), "an event stream", headers)
        events = [line[len("data: ") :] for line in body.decode().splitlines() if line.startswith("data: ")]
        _expect(len(events) > 1 and events[-1] == "[DONE]", "data: events ending in data: [DONE]", events)
        chunks = [json.loads(event) for event in events[:-1]]
        _expect(all(c.get("object") == "chat.completion.chunk" for c in chunks), "chat.completion.chunk events", chunks)
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
        _expect(text.startswith(REPLY_PREFIX), f"streamed text starting {REPLY_PREFIX!r}", text)
        return
    reply = _json(body)
    _expect(reply.get("object") == "chat.completion", "object chat.completion", reply)
    message = reply["choices"][0]["message"]
    _expect(
        (message.get("content") or "").startswith(REPLY_PREFIX) or bool(message.get("tool_calls")),
        "an answer or a tool call",
        message,
    )


def _responses(example: CurlExample, headers: dict[str, str], body: bytes) -> None:
    reply = _json(body)
    _expect(reply.get("object") == "response" and reply.get("status") == "completed", "a completed response", reply)
    kinds = [item.get("type") for item in reply.get("output", [])]
    _expect("message" in kinds or "function_call" in kinds, "a message or a function_call in output", reply)


def _embeddings(example: CurlExample, headers: dict[str, str], body: bytes) -> None:
    reply = _json(body)
    data = reply.get("data") or [{}]
    vectors = [item.get("embedding") for item in data]
    _expect(reply.get("object") == "list", "object list", reply)
    _expect(all(isinstance(v, list) and len(v) > 0 for v in vectors), "an embedding vector per input", data)


def _rerank(example: CurlExample, headers: dict[str, str], body: bytes) -> None:
    reply = _json(body)
    results = reply.get("results") or []
    scores = [r.get("relevance_score") for r in results]
    _expect(bool(results) and all(isinstance(r.get("index"), int) for r in results), "ranked results", reply)
    _expect(scores == sorted(scores, reverse=True), "results in order of relevance", scores)


def _models(example: CurlExample, headers: dict[str, str], body: bytes) -> None:
    reply = _json(body)
    _expect(reply.get("object") == "list" and bool(reply.get("data")), "a non-empty model list", reply)
    _expect(all(m.get("object") == "model" and m.get("id") for m in reply["data"]), "model entries", reply)


def _model(example: CurlExample, headers: dict[str, str], body: bytes) -> None:
    reply = _json(body)
    wanted = example.path.rsplit("/", 1)[1]
    _expect(reply.get("object") == "model" and reply.get("id") == wanted, f"the model {wanted}", reply)


CHECKS: list[tuple[str, str, Callable[[CurlExample, dict[str, str], bytes], None]]] = [
    ("POST", r"/genai/chat", _simple),
    ("POST", r"/genai/v1/chat/completions", _chat_completion),
    ("POST", r"/genai/v1/responses", _responses),
    ("POST", r"/genai/v1/embeddings", _embeddings),
    ("POST", r"/genai/v1/rerank", _rerank),
    ("GET", r"/genai/v1/models", _models),
    ("GET", r"/genai/v1/models/[^/]+", _model),
]
"""(method, path, check) for every route a README example may call; an example elsewhere fails until it has one."""


def check(example: CurlExample, base_url: str, stream_url: str | None = None) -> None:
    """Send one example and check its answer: 200 and the route's shape (the emulator answers deterministically).
    An example for the streaming edge goes to `stream_url`."""
    path = example.path.split("?")[0]
    checks = [route for method, pattern, route in CHECKS if example.method == method and re.fullmatch(pattern, path)]
    if not checks:
        raise ExampleError(f"no check for {example.method} {example.path}: add one to localfn/readme_examples.py")
    route_check = checks[0]
    if example.streaming_edge and stream_url is None:
        raise ExampleError("run-local printed no streaming edge URL")
    status, headers, body = example.send(stream_url if example.streaming_edge and stream_url else base_url)
    _expect(status == 200, "status 200", f"{status}: {body[:300]!r}")
    route_check(example, headers, body)


def check_all(base_url: str, examples: list[CurlExample] | None = None, stream_url: str | None = None) -> list[str]:
    """Every example against `base_url` (the streaming edge's against `stream_url`): one line per failure (empty
    when all answered as they should)."""
    failures = []
    for example in curl_examples() if examples is None else examples:
        try:
            check(example, base_url, stream_url)
        except (ExampleError, OSError, KeyError, IndexError, TypeError, ValueError) as exc:
            failures.append(f"{' '.join(example.command.split())}\n    -> {type(exc).__name__}: {exc}")
    return failures


# --- README command 1, started and stopped as a newcomer would -----------------------------------------------------


def wait_for_gateway(
    process: subprocess.Popen[str], timeout: float, echo: bool = True, urls: dict[str, str] | None = None
) -> str:
    """Read run-local's output until it prints the gateway URL; keep echoing the rest in the background. `urls`,
    when given, gets the streaming edge's base URL under "streaming" (printed before the gateway's)."""
    assert process.stdout is not None
    stdout = process.stdout
    found: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        with stdout:  # closed here, at run-local's end, by the only reader
            for line in stdout:
                if echo:
                    print(f"  | {line}", end="", flush=True)
                edge = STREAM_LINE.match(line)
                if edge and urls is not None:
                    urls["streaming"] = edge.group(1)
                match = GATEWAY_LINE.match(line)
                if match and not found:
                    found.append(match.group(1))
                    ready.set()
        ready.set()  # run-local ended

    threading.Thread(target=pump, name="run-local-output", daemon=True).start()
    if not ready.wait(timeout) or not found:
        code = process.poll()
        raise ExampleError(
            f"run-local did not print its gateway URL within {timeout:.0f} s"
            if code is None
            else f"run-local exited with {code} before its gateway served"
        )
    return found[0]


def stop(process: subprocess.Popen[str], timeout: float = 30.0) -> int:
    """SIGTERM, as a newcomer's Ctrl-C or a supervisor would; then make sure nothing of its session is left."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_session(process.pid)
            process.wait()
            raise ExampleError(f"run-local did not stop within {timeout:.0f} s of SIGTERM") from None
    leftovers = session_members(process.pid)
    if leftovers:
        kill_session(process.pid)
        raise ExampleError(f"run-local left processes behind after it stopped: {leftovers}")
    return process.returncode


def session_members(session: int) -> list[int]:
    """Live processes of a session (Linux /proc). run-local is started as the leader of its own session; its
    children lead process groups of their own inside it, so the session, not the group, holds all it started."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # state, ppid, pgrp, session, ...
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def kill_session(session: int) -> None:
    for pid in session_members(session):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start_run_local(port: int) -> subprocess.Popen[str]:
    """README command 1 on `port`, its output piped for `wait_for_gateway`; stopped by `stop`."""
    return subprocess.Popen(
        [str(REPO_ROOT / "scripts" / "run-local"), "--port", str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own session: what it leaves behind can be found
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m localfn.readme_examples", description=__doc__)
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="gateway port (default: a free one from 28090, localfn.ports.free_instance_port)",
    )
    parser.add_argument("--timeout", type=float, default=SETUP_TIMEOUT_SECONDS, help="seconds to wait for the gateway")
    args = parser.parse_args(argv)

    examples = curl_examples()
    port = args.port if args.port is not None else free_instance_port()
    if port is None:
        print("no free ports from 28090 on: pass --port", file=sys.stderr)
        return 1
    print(f"README.md: {len(examples)} curl examples; starting README command 1: scripts/run-local --port {port}")
    started = time.monotonic()
    process = start_run_local(port)
    failures: list[str] = []
    failed_examples = 0
    try:
        urls: dict[str, str] = {}
        url = wait_for_gateway(process, args.timeout, urls=urls)
        print(f"run-local served at {url} after {time.monotonic() - started:.0f} s; sending the examples")
        failures = check_all(url, examples, urls.get("streaming"))
        failed_examples = len(failures)
    except ExampleError as exc:
        failures, failed_examples = [str(exc)], len(examples)
    finally:
        try:
            code = stop(process)
            if code != 0:
                failures.append(f"run-local exited with {code} on SIGTERM (expected 0)")
        except ExampleError as exc:
            failures.append(str(exc))
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    verdict = "all answered" if not failures else f"{len(failures)} problem(s)"
    print(
        f"README examples: {len(examples) - failed_examples} of {len(examples)} answered as documented; "
        f"{verdict} ({time.monotonic() - started:.0f} s)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
