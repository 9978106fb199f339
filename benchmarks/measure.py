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

OVERHEAD_HEADER = "x-genai-overhead-ms"
"""genai_fn.http.OVERHEAD_HEADER, named here so this process never imports fdk: fdk's import sets the root
logger to DEBUG, and the direct SDK call measured here would then pay for urllib3's debug lines."""


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
    overhead_ms: list[float] = field(default_factory=list)
    """x-genai-overhead-ms of each reply that carried it (the project's own figure for the call)."""

    def call(self, body: bytes) -> float:
        started = time.perf_counter()
        reply = self.client.invoke(body)
        elapsed = (time.perf_counter() - started) * 1000
        if reply.status != 200:
            raise RuntimeError(f"{self.fut.name}: {reply.status} {reply.body[:300]!r}\n{self.process.stderr()[-2000:]}")
        if OVERHEAD_HEADER in reply.headers:
            self.overhead_ms.append(float(reply.headers[OVERHEAD_HEADER]))
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


def percentile(ordered: list[float], q: float) -> float:
    """The q-quantile (0..1) of sorted samples, nearest rank."""
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def summary(samples: list[float]) -> dict[str, Any]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(percentile(ordered, 0.95), 3),
        "p99_ms": round(percentile(ordered, 0.99), 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "min_ms": round(ordered[0], 3),
        "quantiles_ms": [round(percentile(ordered, q / 100), 3) for q in range(0, 101)],
    }


def cold_starts(functions: list[FunctionUnderTest], body: bytes, repetitions: int) -> dict[str, dict[str, Any]]:
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
) -> dict[str, dict[str, Any]]:
    """Alternate one call to each function and one direct SDK call per round; the order rotates every round."""
    calls: list[tuple[str, Callable[[], float]]] = [(r.fut.name, functools.partial(r.call, body)) for r in runners]
    calls.append(("direct", direct))
    for _ in range(warmup):
        for _, call in calls:
            call()
    for runner in runners:
        runner.overhead_ms.clear()
    samples: dict[str, list[float]] = {name: [] for name, _ in calls}
    for i in range(invocations):
        shift = i % len(calls)
        for name, call in calls[shift:] + calls[:shift]:
            samples[name].append(call())
    result = {name: summary(values) for name, values in samples.items()}
    for runner in runners:
        if runner.overhead_ms:
            result[runner.fut.name]["overhead_header"] = summary(runner.overhead_ms)
    return result


FLOOR_IMPORTS = "import fdk, oci.generative_ai_inference"
"""The SDK floor: what any fdk function calling Generative AI imports (the issue's yardstick)."""
IMPORT_PROBE = (
    "import time; t = time.perf_counter(); {first}; f = time.perf_counter(); {second}; e = time.perf_counter(); "
    "print(round((f - t) * 1000, 3), round((e - f) * 1000, 3))"
)


def _probe(fut: FunctionUnderTest, first: str, second: str = "pass") -> tuple[float, float]:
    """(ms of `first`, ms of `second` after it) in a fresh `python -S`, as the image runs it."""
    code = IMPORT_PROBE.format(first=first, second=second)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": fut.pythonpath(), **fut.env}
    out = subprocess.run(
        [base_python(), "-S", "-c", code], cwd=fut.function_dir, env=env, check=True, capture_output=True, text=True
    ).stdout
    first_ms, second_ms = out.strip().splitlines()[-1].split()
    return float(first_ms), float(second_ms)


def import_times(project: FunctionUnderTest, blog: FunctionUnderTest, repetitions: int) -> dict[str, Any]:
    """Fresh processes, interleaved: `import func` of each function (the project's also builds its App from the
    environment), the SDK floor alone in the project's tree (as Python runs it, and with the garbage collector
    paused as func.py pauses it), and, in one process, the floor then `import func` (our own modules' cost over the
    floor, paired so the machine's drift cancels)."""
    samples: dict[str, list[float]] = {"project": [], "blog": [], "floor": [], "floor_gc_paused": [], "own": []}
    for _ in range(repetitions):
        samples["project"].append(_probe(project, "import func")[0])
        samples["blog"].append(_probe(blog, "import func")[0])
        samples["floor"].append(_probe(project, FLOOR_IMPORTS)[0])
        samples["floor_gc_paused"].append(_probe(project, f"import gc; gc.disable(); {FLOOR_IMPORTS}")[0])
        samples["own"].append(_probe(project, FLOOR_IMPORTS, "import func")[1])
    return {name: summary(values) for name, values in samples.items()}


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
