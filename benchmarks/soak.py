"""Sustained load through the local gateway over several real fdk processes; reports, never asserts.

    python benchmarks/soak.py --invocations 5000 --concurrency 8 --containers 4 --prompt-kb 100

Each request carries a unique marker that its reply must echo (no cross-talk between concurrent calls); one
in ten is a deliberate caller error that must be a 400. Resident memory, open file descriptors and TCP
sockets of every container are sampled after a warm-up and at the end. tests/hardening/test_load.py runs
the same code at a small size and asserts on the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from emulator import Emulator, mint_resource_principal
from localfn.config import LLAMA_MODEL, emulated_config
from localfn.fdk_process import FdkProcess, memory_kib
from localfn.gateway import LocalGateway

WARMUP_FRACTION = 0.2
TCP_ESTABLISHED = "01"


@dataclass(frozen=True)
class Sample:
    """One container's resources at one moment."""

    rss_kib: int
    fds: int
    tcp_established: int


@dataclass
class SoakResult:
    invocations: int
    concurrency: int
    containers: int
    prompt_kb: int
    failures: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    warm: list[Sample] = field(default_factory=list)
    end: list[Sample] = field(default_factory=list)
    failure_examples: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rss = ", ".join(
            f"{w.rss_kib / 1024:.1f}->{e.rss_kib / 1024:.1f}" for w, e in zip(self.warm, self.end, strict=True)
        )
        fds = ", ".join(f"{w.fds}->{e.fds}" for w, e in zip(self.warm, self.end, strict=True))
        tcp = ", ".join(f"{w.tcp_established}->{e.tcp_established}" for w, e in zip(self.warm, self.end, strict=True))
        return (
            f"soak: {self.invocations} invocations, concurrency {self.concurrency}, {self.containers} containers, "
            f"{self.prompt_kb} KiB prompts: failures {self.failures}, statuses {self.statuses}, "
            f"{self.invocations / self.seconds:.0f} req/s, p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms; "
            f"per container after warm-up -> end: RSS MiB [{rss}], fds [{fds}], TCP established [{tcp}]"
        )


def sample(pid: int) -> Sample:
    """VmRSS, open descriptors and ESTABLISHED TCP sockets of one process, from /proc."""
    rss = memory_kib(pid)
    links = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            links.append(os.readlink(fd))
        except FileNotFoundError:  # closed while listing
            continue
    inodes = {link[len("socket:[") : -1] for link in links if link.startswith("socket:[")}
    established = 0
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            parts = line.split()
            if parts[3] == TCP_ESTABLISHED and parts[9] in inodes:
                established += 1
    return Sample(rss, len(links), established)


def _request(index: int, prompt_kb: int) -> tuple[bytes, dict[str, str], int, bytes]:
    """(body, headers, expected status, bytes the reply must contain)."""
    marker = f"soak-{index:07d}"
    if index % 10 == 9:
        return json.dumps({"input": marker, "temperature": "hot"}).encode(), {}, 400, b'"param":"temperature"'
    prompt = marker + " " + "lorem ipsum " * (prompt_kb * 1024 // 12)
    body: dict[str, object] = {"input": prompt, "max_tokens": 50}
    headers = {"Content-Type": "application/json"}
    if index % 3 == 1:
        body["model"] = LLAMA_MODEL
        headers["Accept"] = "application/json"
    return json.dumps(body).encode(), headers, 200, marker.encode()


def run_soak(invocations: int, concurrency: int, containers: int, prompt_kb: int) -> SoakResult:
    result = SoakResult(invocations, concurrency, containers, prompt_kb)
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    env = mint_resource_principal(work / "credentials")
    with Emulator(work / "credentials") as emulator:
        processes = [FdkProcess({**env, **emulated_config(emulator.url)}).start() for _ in range(containers)]
        gateway = LocalGateway([p.socket_path for p in processes], port=0).start()
        try:
            _drive(result, gateway, processes, emulator)
        finally:
            gateway.stop()
            for process in processes:
                process.stop()
    return result


def _drive(result: SoakResult, gateway: LocalGateway, processes: list[FdkProcess], emulator: Emulator) -> None:
    host, port = gateway.address
    local = threading.local()
    connections: list[http.client.HTTPConnection] = []
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    warm_at = max(1, int(result.invocations * WARMUP_FRACTION))

    def one(index: int) -> None:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(host, port, timeout=60)
            with lock:
                connections.append(local.conn)
        body, headers, expected, needle = _request(index, result.prompt_kb)
        started = time.perf_counter()
        try:
            local.conn.request("POST", "/genai/chat", body=body, headers=headers)
            reply = local.conn.getresponse()
            payload = reply.read()
            status = reply.status
        except (OSError, http.client.HTTPException) as exc:
            local.conn.close()
            del local.conn
            status, payload = 0, repr(exc).encode()
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            statuses[str(status)] += 1
            if status != expected or needle not in payload:
                result.failures += 1
                if len(result.failure_examples) < 5:
                    result.failure_examples.append(f"#{index}: {status} {payload[:200]!r}")

    started = time.perf_counter()
    with ThreadPoolExecutor(result.concurrency) as pool:
        list(pool.map(one, range(warm_at)))
        result.warm = [sample(p.pid) for p in processes]
        emulator.requests.clear()  # the emulator records every request; keep its memory out of the picture
        list(pool.map(one, range(warm_at, result.invocations)))
    result.seconds = time.perf_counter() - started
    for conn in connections:
        conn.close()
    result.end = [sample(p.pid) for p in processes]
    result.statuses = dict(statuses)
    ordered = sorted(latencies)
    result.p50_ms = statistics.median(ordered)
    result.p95_ms = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invocations", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--containers", type=int, default=4)
    parser.add_argument("--prompt-kb", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="print the full result as JSON too")
    args = parser.parse_args(argv)
    result = run_soak(args.invocations, args.concurrency, args.containers, args.prompt_kb)
    print(result.summary())
    for example in result.failure_examples:
        print("  failure", example)
    if args.json:
        print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
