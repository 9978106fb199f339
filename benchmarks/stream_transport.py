"""Which transport carries many concurrent streams: the SDK's sync client in threads, or an async httpx client signed
by Oracle's oci-genai-auth (issue 30 item 4). Time to first event and memory per stream at 1/10/50/200 concurrent
streams of a `--seconds` long emulated generation ("Tell me a story"), each (transport, count) in a fresh process.

    .venv/bin/python -m benchmarks.stream_transport [--seconds 5] [--counts 1,10,50,200]

The async worker needs httpx and oci-genai-auth (`pip install oci-genai-auth`: not a dependency of the function).
Results: docs/streaming.md#transport.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PROMPT = "Tell me a story"
MODEL = "meta.llama-3.3-70b-instruct"


def rss_kib(pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class PeakRss:
    """Samples a process's RSS (default: this one's) every 20 ms while the streams run."""

    def __init__(self, pid: int | str = "self") -> None:
        self.pid, self.peak = pid, rss_kib(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_kib(self.pid))

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def sync_worker(url: str, count: int) -> dict[str, Any]:
    """The core's own path: Upstream.chat_stream (SDK client, signer, retry, bounded reads) in `count` threads."""
    from genai_fn import families
    from genai_fn.config import Settings
    from genai_fn.logs import CallFacts
    from genai_fn.neutral.chat import ChatRequest, Message, Params
    from genai_fn.upstream.client import Upstream
    from localfn.config import emulated_config

    upstream = Upstream(Settings.from_env(emulated_config(url)))
    request = ChatRequest(MODEL, "GENERIC", (Message("user", PROMPT),), Params(max_tokens=600))
    family = families.get("GENERIC")
    warm = upstream.chat_stream(
        request, family.to_sdk(request), time.monotonic() + 60, CallFacts()
    )  # client and signer built
    for _ in warm:
        pass
    base = rss_kib()

    def one() -> tuple[float, float, int]:
        started = time.perf_counter()
        events = upstream.chat_stream(request, family.to_sdk(request), time.monotonic() + 120, CallFacts())
        next(events)
        first = time.perf_counter() - started
        n = 1 + sum(1 for _ in events)
        return first, time.perf_counter() - started, n

    with PeakRss() as peak, ThreadPoolExecutor(count) as pool:
        results = list(pool.map(lambda _: one(), range(count)))
    return summary(results, base, peak.peak, count)


def async_worker(url: str, count: int) -> dict[str, Any]:
    """httpx.AsyncClient signed by oci-genai-auth's resource principal auth (the SDK's signer inside), one task per
    stream, the same request body the SDK sends."""
    import asyncio
    from importlib import import_module

    import httpx
    from oci.generative_ai_inference import models as m

    from genai_fn import families
    from genai_fn.config import Settings
    from genai_fn.neutral.chat import ChatRequest, Message, Params
    from genai_fn.upstream.chat import streamed, to_details
    from localfn.config import emulated_config

    settings = Settings.from_env(emulated_config(url))
    request = ChatRequest(MODEL, "GENERIC", (Message("user", PROMPT),), Params(max_tokens=600))
    details: m.ChatDetails = to_details(request, streamed(families.get("GENERIC").to_sdk(request)), settings)
    from genai_fn.upstream.client import Upstream

    body = json.dumps(Upstream(settings).client.base_client.sanitize_for_serialization(details)).encode()
    endpoint = f"{settings.service_endpoint}/20231130/actions/chat"
    headers = {"content-type": "application/json", "accept": "application/json, text/event-stream"}

    async def one(client: httpx.AsyncClient) -> tuple[float, float, int]:
        started = time.perf_counter()
        first, n = 0.0, 0
        async with client.stream("POST", endpoint, content=body, headers=headers) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    n += 1
                    if n == 1:
                        first = time.perf_counter() - started
        return first, time.perf_counter() - started, n

    async def run() -> tuple[list[tuple[float, float, int]], int, int]:
        limits = httpx.Limits(max_connections=count + 1, max_keepalive_connections=count + 1)
        auth = import_module("oci_genai_auth").OciResourcePrincipalAuth()  # optional: pip install oci-genai-auth
        async with httpx.AsyncClient(auth=auth, timeout=120, limits=limits) as client:
            await one(client)  # warm
            base = rss_kib()
            with PeakRss() as peak:
                results = await asyncio.gather(*(one(client) for _ in range(count)))
            return list(results), base, peak.peak

    results, base, peak = asyncio.run(run())
    return summary(results, base, peak, count)


def summary(results: list[tuple[float, float, int]], base: int, peak: int, count: int) -> dict[str, Any]:
    firsts = sorted(r[0] for r in results)
    totals = sorted(r[1] for r in results)
    return {
        "streams": count,
        "ttft_p50_ms": round(statistics.median(firsts) * 1000, 1),
        "ttft_p95_ms": round(firsts[math.ceil(0.95 * len(firsts)) - 1] * 1000, 1),  # nearest rank
        "total_p50_s": round(statistics.median(totals), 2),
        "events_per_stream": results[0][2],
        "rss_base_mib": round(base / 1024, 1),
        "kib_per_stream": round(max(peak - base, 0) / count, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--counts", default="1,10,50,200")
    parser.add_argument("--transports", default="sync,async")
    parser.add_argument("--worker", choices=("sync", "async"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--streams", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker = sync_worker if args.worker == "sync" else async_worker
        print(json.dumps(worker(args.url, args.streams)))
        return 0
    from emulator import Emulator, mint_resource_principal

    with tempfile.TemporaryDirectory() as work:
        env = {**os.environ, **mint_resource_principal(Path(work)), "PYTHONPATH": str(REPO)}
        with Emulator(Path(work), stream_seconds=args.seconds) as emulator:
            for transport in args.transports.split(","):
                for count in (int(c) for c in args.counts.split(",")):
                    command = [sys.executable, "-m", "benchmarks.stream_transport", "--worker", transport]
                    command += ["--url", emulator.url, "--streams", str(count)]
                    out = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
                    if out.returncode:
                        raise SystemExit(f"{transport} x {count} failed:\n{out.stderr[-3000:]}")
                    row = {"transport": transport, **json.loads(out.stdout.strip().splitlines()[-1])}
                    print(json.dumps(row), flush=True)
                    emulator.reset()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
