"""Turn a benchmark result into latest.json, a small Markdown table (latest.md) and one summary line."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} x {cpu}, {platform.system()} {platform.release()}"


def overhead(warm: dict[str, dict[str, float]], name: str) -> float:
    """The function's own time per call: its median minus the direct SDK call's median."""
    return max(warm[name]["median_ms"] - warm["direct"]["median_ms"], 0.0)


def _ratio(project: float, blog: float) -> str:
    return f"{project / blog:.3f}" if blog else "n/a"


def rows(results: dict[str, Any]) -> list[tuple[str, float, float]]:
    deps = results["dependency_bytes"]
    table = [
        ("dependencies (MB)", deps["project"] / 1e6, deps["blog"] / 1e6),
        (
            "import func (ms, median)",
            results["import_ms"]["project"]["median_ms"],
            results["import_ms"]["blog"]["median_ms"],
        ),
        (
            "cold start: spawn to first reply (ms, median)",
            results["cold_start"]["project"]["median_ms"],
            results["cold_start"]["blog"]["median_ms"],
        ),
    ]
    for s in results["scenarios"]:
        warm, label = s["warm"], s["name"]
        table += [
            (f"{label}: warm median (ms)", warm["project"]["median_ms"], warm["blog"]["median_ms"]),
            (f"{label}: warm p95 (ms)", warm["project"]["p95_ms"], warm["blog"]["p95_ms"]),
            (
                f"{label}: overhead = median - direct {warm['direct']['median_ms']:.2f} ms",
                overhead(warm, "project"),
                overhead(warm, "blog"),
            ),
            (f"{label}: peak RSS (MiB)", s["peak_rss_kib"]["project"] / 1024, s["peak_rss_kib"]["blog"] / 1024),
        ]
    return table


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"`{results['command']}` on {results['machine']}, Python {results['python']}, {results['elapsed_s']} s.",
        "",
        "| measure | project | blog | project / blog |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {name} | {p:.2f} | {b:.2f} | {_ratio(p, b)} |" for name, p, b in rows(results)]
    sustained = results.get("sustained")
    if sustained:
        lines += [
            "",
            f"Sustained (project): {sustained['invocations']} calls, prompts "
            f"{'/'.join(str(n) for n in sustained['prompt_bytes'])} bytes: RSS "
            f"{sustained['rss_first_kib'] / 1024:.1f} MiB after the first sample, "
            f"{sustained['rss_last_kib'] / 1024:.1f} MiB at the end, "
            f"peak {sustained['peak_rss_kib'] / 1024:.1f} MiB; "
            f"median {sustained['latency']['median_ms']:.2f} ms, p95 {sustained['latency']['p95_ms']:.2f} ms.",
        ]
    return "\n".join(lines) + "\n"


def summary_line(results: dict[str, Any]) -> str:
    plain = results["scenarios"][0]["warm"]
    dep, cold = results["dependency_bytes"], results["cold_start"]
    return (
        f"overhead project {overhead(plain, 'project'):.2f} ms vs blog {overhead(plain, 'blog'):.2f} ms "
        f"({_ratio(overhead(plain, 'project'), overhead(plain, 'blog'))}x); cold start "
        f"{cold['project']['median_ms']:.0f} vs {cold['blog']['median_ms']:.0f} ms; "
        f"deps {dep['project'] / 1e6:.1f} vs {dep['blog'] / 1e6:.1f} MB; peak RSS "
        f"{results['scenarios'][0]['peak_rss_kib']['project'] / 1024:.1f} vs "
        f"{results['scenarios'][0]['peak_rss_kib']['blog'] / 1024:.1f} MiB"
    )


def write(results: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "latest.md").write_text(markdown(results))
