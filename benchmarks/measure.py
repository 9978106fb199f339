"""Measurements on functions served by the real fdk: cold start, interleaved warm calls, import time, memory.

Everything is timed on the client side of the unix socket (as Fn's agent sees it); nothing is subtracted here.
"""

from __future__ import annotations

import functools
import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localfn.client import FnClient
from localfn.fdk_process import FdkProcess, memory_kib
from scripts.slim_tree import base_python, isolated_fdk_command


@dataclass(frozen=True)
class FunctionUnderTest:
    """A function directory, the dependency tree it ships with, and its environment (config + credentials)."""

    name: str
    function_dir: Path
    tree: Path
    env: dict[str, str]

    def pythonpath(self) -> str:
        return f"{self.function_dir}:{self.tree}"

    def process(self) -> FdkProcess:
        """As in the image: python -S, PYTHONPATH = function + tree, no inherited environment."""
        return FdkProcess(
            self.env,
            func_dir=self.function_dir,
            pythonpath=self.pythonpath(),
            inherit_env=False,
            command=isolated_fdk_command(self.tree, self.function_dir / "func.py"),
        )


@dataclass
class Running:
    fut: FunctionUnderTest
    process: FdkProcess
    client: FnClient
    samples_ms: list[float] = field(default_factory=list)

    def call(self, body: bytes) -> float:
        started = time.perf_counter()
        reply = self.client.invoke(body)
        elapsed = (time.perf_counter() - started) * 1000
        if reply.status != 200:
            raise RuntimeError(f"{self.fut.name}: {reply.status} {reply.body[:300]!r}\n{self.process.stderr()[-2000:]}")
        return elapsed

    def rss_kib(self) -> int:
        """Current resident memory (VmRSS); FdkProcess.rss_kib() is the peak (VmHWM)."""
        return memory_kib(self.process.pid)

    def stop(self) -> None:
        self.client.close()
        self.process.stop()


def start(fut: FunctionUnderTest) -> Running:
    process = fut.process().start()
    return Running(fut, process, FnClient(process.socket_path))


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "min_ms": round(ordered[0], 3),
    }


def cold_starts(functions: list[FunctionUnderTest], body: bytes, repetitions: int) -> dict[str, dict[str, float]]:
    """Spawn -> first reply complete, alternating the functions so drift hits both alike."""
    samples: dict[str, list[float]] = {fut.name: [] for fut in functions}
    for i in range(repetitions):
        for fut in functions if i % 2 == 0 else reversed(functions):
            process = fut.process()
            client = None
            try:
                process.start()
                client = FnClient(process.socket_path)
                reply = client.invoke(body)
                samples[fut.name].append((time.perf_counter() - process.started_at) * 1000)
                if reply.status != 200:
                    raise RuntimeError(f"{fut.name} cold start: {reply.status} {reply.body[:300]!r}")
            finally:
                if client:
                    client.close()
                process.stop()
    return {name: summary(values) for name, values in samples.items()}


def interleaved(
    runners: list[Running], direct: Callable[[], float], body: bytes, invocations: int, warmup: int = 10
) -> dict[str, dict[str, float]]:
    """Alternate one call to each function and one direct SDK call per round; the order rotates every round."""
    calls: list[tuple[str, Callable[[], float]]] = [(r.fut.name, functools.partial(r.call, body)) for r in runners]
    calls.append(("direct", direct))
    for _ in range(warmup):
        for _, call in calls:
            call()
    samples: dict[str, list[float]] = {name: [] for name, _ in calls}
    for i in range(invocations):
        shift = i % len(calls)
        for name, call in calls[shift:] + calls[:shift]:
            samples[name].append(call())
    return {name: summary(values) for name, values in samples.items()}


def import_time(fut: FunctionUnderTest, repetitions: int = 5) -> dict[str, float]:
    """Fresh `python -S`, `import func` (which for the project also builds the App from the environment)."""
    code = "import time; t = time.perf_counter(); import func; print(round((time.perf_counter() - t) * 1000, 2))"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": fut.pythonpath(), **fut.env}
    values = []
    for _ in range(repetitions):
        out = subprocess.run(
            [base_python(), "-S", "-c", code], cwd=fut.function_dir, env=env, check=True, capture_output=True, text=True
        ).stdout
        values.append(float(out.strip().splitlines()[-1]))
    return {"median_ms": round(statistics.median(values), 1), "min_ms": min(values)}


def sustained(runner: Running, invocations: int, sizes: tuple[int, ...], every: int) -> dict[str, Any]:
    """Many calls with prompts cycling through `sizes` bytes; current RSS sampled every `every` calls."""
    bodies = [json.dumps({"input": ("lorem ipsum " * (size // 12 + 1))[:size]}).encode() for size in sizes]
    samples_kib: list[int] = [runner.rss_kib()]
    latencies: list[float] = []
    for i in range(1, invocations + 1):
        latencies.append(runner.call(bodies[i % len(bodies)]))
        if i % every == 0:
            samples_kib.append(runner.rss_kib())
    return {
        "invocations": invocations,
        "prompt_bytes": list(sizes),
        "rss_samples_kib": samples_kib,
        "rss_first_kib": samples_kib[1] if len(samples_kib) > 1 else samples_kib[0],
        "rss_last_kib": samples_kib[-1],
        "peak_rss_kib": runner.process.rss_kib(),
        "latency": summary(latencies),
    }
