"""The function under load, the way AI gateways publish it: its own overhead at p50/p95/p99, errors and requests per
second at 1, 10 and 50 concurrent callers, with guardrails off and on. Reports, never asserts.

    python -m benchmarks.load [--containers 4] [--seconds 8] [--levels 1,10,50] [--out benchmarks/results]

Each configuration is README command 1 in its own process (`python -m localfn --containers N --port 0`): the
emulator answering at once, N function containers under the real fdk, run-local's gateway in front (one call per
container at a time, as Fn's agent does). This process only calls: one kept-alive connection per caller thread,
POST /genai/chat, for --seconds per level after a one-second warm-up. Per reply it keeps the latency, the status and
x-genai-overhead-ms (the function's own time); afterwards the functions' log lines, matched by x-request-id, give
each call's upstream time, so the whole path's overhead (gateway, agent hop, fdk and the function) is the latency
minus the emulator's time too. Guardrails on is the README's line (one apply_guardrails call per request). Writes
load.json and load.md to --out; progress on stderr.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import report

RESULTS_DIR = report.RESULTS_DIR
README_GUARDRAILS = "content_moderation:block,prompt_injection:block,pii:mask"
BODY = json.dumps({"input": "What is the capital of France?"}).encode()
HEADERS = {"Content-Type": "application/json"}
START_TIMEOUT_S = 120.0


def progress(message: str) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"[{time.strftime('%H:%M:%S')}] {message} (load {load})", file=sys.stderr, flush=True)


@dataclass
class Sample:
    latency_ms: float
    status: int
    overhead_ms: float | None
    call_id: str


@dataclass
class LocalRun:
    """`python -m localfn` in its own process group: emulator, containers, gateway."""

    containers: int
    env: dict[str, str]
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="load-")))
    process: subprocess.Popen[str] | None = None
    host: str = "127.0.0.1"
    port: int = 0
    extra: tuple[str, ...] = ()
    """More run-local flags, e.g. ("--stream-seconds", "5")."""
    stream_url: str = ""
    """The streaming edge's OpenAI base URL, as run-local prints it."""
    emulator_url: str = ""

    def __enter__(self) -> LocalRun:
        command = [sys.executable, "-m", "localfn", "--containers", str(self.containers), "--port", "0"]
        self.process = subprocess.Popen(
            [*command, "--dir", str(self.directory), *self.extra],
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        ends = time.monotonic() + START_TIMEOUT_S
        for line in self.process.stdout:
            if ": emulator: http://" in line:
                self.emulator_url = line.split(": emulator: ")[1].strip()
            if line.startswith("streaming edge: http://"):
                self.stream_url = line.split()[2]
            if line.startswith("Gateway: http://"):
                address = line.split()[1].removeprefix("http://").rstrip("/")
                self.host, port = address.rsplit(":", 1)
                self.port = int(port)
                break
            if time.monotonic() > ends:
                break
        if not self.port:
            self.__exit__()
            raise RuntimeError(f"run-local did not start; its files are in {self.directory}")
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for _ in self.process.stdout:
            pass

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log_lines(self) -> dict[str, dict[str, Any]]:
        """The functions' request-log lines so far, by call id."""
        lines: dict[str, dict[str, Any]] = {}
        for log in self.directory.glob("function-*.log"):
            for text in log.read_text(errors="replace").splitlines():
                if text.startswith("{"):
                    line = json.loads(text)
                    lines[line.get("call_id", "")] = line
        return lines


def drive(run: LocalRun, concurrency: int, seconds: float, warmup: float = 1.0) -> list[Sample]:
    """`concurrency` callers in a closed loop for warmup + seconds; the samples after the warm-up."""
    samples: list[Sample] = []
    failures: list[str] = []
    lock = threading.Lock()
    started = time.monotonic()
    measure_from, ends = started + warmup, started + warmup + seconds

    def caller() -> None:
        conn = http.client.HTTPConnection(run.host, run.port, timeout=60)
        try:
            while (now := time.monotonic()) < ends:
                begun = time.perf_counter()
                try:
                    conn.request("POST", "/genai/chat", body=BODY, headers=HEADERS)
                    reply = conn.getresponse()
                    reply.read()
                    status, headers = reply.status, reply.headers
                except (OSError, http.client.HTTPException) as exc:  # status 0: the connection failed
                    with lock:
                        failures.append(f"{type(exc).__name__}: {exc}"[:200])
                    conn.close()
                    conn = http.client.HTTPConnection(run.host, run.port, timeout=60)
                    status, headers = 0, None
                latency = (time.perf_counter() - begun) * 1000
                if now < measure_from:
                    continue
                overhead = headers.get("x-genai-overhead-ms") if headers else None
                sample = Sample(
                    latency,
                    status,
                    float(overhead) if overhead else None,
                    (headers.get("x-request-id") or "") if headers else "",
                )
                with lock:
                    samples.append(sample)
        finally:
            conn.close()

    threads = [threading.Thread(target=caller) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        print(f"  {len(failures)} connection failures, e.g. {sorted(set(failures))[:3]}", file=sys.stderr, flush=True)
    return samples


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values) or [0.0]

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 3)

    return {"p50_ms": round(statistics.median(ordered), 3), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def level(run: LocalRun, concurrency: int, seconds: float, guardrails: bool) -> dict[str, Any]:
    load = [round(x, 2) for x in os.getloadavg()]
    samples = drive(run, concurrency, seconds)
    logs = run.log_lines()
    ok = [s for s in samples if s.status == 200]
    outside, screening = [], []
    for sample in ok:
        line = logs.get(sample.call_id)
        if line is None:
            continue
        stages = [stage.get("ms", 0.0) for stage in (line.get("guardrails") or {}).values()]
        outside.append(sample.latency_ms - line.get("upstream_ms", 0.0) - sum(stages))
        screening.append(sum(stages))
    row: dict[str, Any] = {
        "concurrency": concurrency,
        "guardrails": guardrails,
        "requests": len(samples),
        "errors": len(samples) - len(ok),
        "error_statuses": dict(Counter(str(s.status) for s in samples if s.status != 200)),
        "rps": len(samples) / seconds,
        "latency": percentiles([s.latency_ms for s in ok]),
        "overhead_header": percentiles([s.overhead_ms for s in ok if s.overhead_ms is not None]),
        "latency_minus_upstream": percentiles(outside),
        "matched_log_lines": len(outside),
        "load": load,
    }
    if guardrails:
        row["guardrails_round_trip"] = percentiles(screening)
    print(
        f"  concurrency {concurrency}, guardrails {'on' if guardrails else 'off'}: {row['rps']:.0f} req/s, "
        f"{row['errors']} errors, latency p50 {row['latency']['p50_ms']:.2f} ms, own overhead p50 "
        f"{row['overhead_header']['p50_ms']:.2f} / p99 {row['overhead_header']['p99_ms']:.2f} ms",
        file=sys.stderr,
        flush=True,
    )
    return row


def markdown(results: dict[str, Any]) -> str:
    return "# Load through the local gateway\n\n" + "\n".join(report.load_section(results)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--containers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per level")
    parser.add_argument("--levels", default="1,10,50", help="concurrent callers, comma-separated")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",")]
    started = time.monotonic()
    results: dict[str, Any] = {
        "command": " ".join(["python -m benchmarks.load", *(argv if argv is not None else sys.argv[1:])]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": report.machine(),
        "containers": args.containers,
        "seconds_per_level": args.seconds,
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "levels": [],
    }
    for guardrails in (False, True):
        env = {"GUARDRAILS": README_GUARDRAILS} if guardrails else {}
        progress(f"starting run-local with {args.containers} containers, guardrails {'on' if guardrails else 'off'}")
        with LocalRun(args.containers, env) as run:
            for concurrency in levels:
                progress(f"{concurrency} concurrent callers for {args.seconds:g} s")
                results["levels"].append(level(run, concurrency, args.seconds, guardrails))
    off = {r["concurrency"]: r for r in results["levels"] if not r["guardrails"]}
    on = {r["concurrency"]: r for r in results["levels"] if r["guardrails"]}
    base = min(set(off) & set(on))
    results["guardrails"] = {
        "config": README_GUARDRAILS,
        "concurrency": base,
        "added_p50_ms": round(on[base]["latency"]["p50_ms"] - off[base]["latency"]["p50_ms"], 3),
        "round_trip_p50_ms": on[base]["guardrails_round_trip"]["p50_ms"],
        "extra_own_ms": round(on[base]["overhead_header"]["p50_ms"] - off[base]["overhead_header"]["p50_ms"], 3),
    }
    results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    report.write_json(results, args.out / "load.json")
    (args.out / "load.md").write_text(markdown(results))
    progress(f"done in {results['elapsed_s']} s; wrote {args.out / 'load.json'} and load.md")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
