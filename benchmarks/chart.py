"""The benchmark's picture: benchmarks/results/latest.png from latest.json (and load.json, idle.json and
streaming.json where present).

    python -m benchmarks.chart [--results benchmarks/results]

Panels: per warm scenario, the latency distributions (CDF) of the direct SDK call, the minimal fdk function, the
project and the blog's function; start-up (imports and cold start); peak memory; and, from load.json, the
function's own overhead and requests per second by concurrency; from streaming.json, time to first token and total
per edge, the streaming edge's memory and first token by concurrent streams, and its CPU per chunk. matplotlib is
a benchmark-only dependency (benchmarks/requirements-bench.txt): installed into this interpreter on first use,
imported only here.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.report import CHART, RESULTS_DIR

REQUIREMENTS = Path(__file__).resolve().parent / "requirements-bench.txt"
COLOURS = {"direct": "#7f7f7f", "minimal": "#2ca02c", "project": "#1f77b4", "blog": "#d62728"}
LABELS = {
    "direct": "direct SDK call",
    "minimal": "minimal fdk function",
    "project": "project",
    "blog": "blog's function",
}


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, installing benchmarks/requirements-bench.txt first if needed."""
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        print(f"installing {REQUIREMENTS.name} (benchmark-only) ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)], check=True)
    matplotlib = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    return importlib.import_module("matplotlib.pyplot")


def latency_panel(ax: Any, scenario: dict[str, Any]) -> None:
    warm = scenario["warm"]
    for name in ("direct", "minimal", "project", "blog"):
        if name not in warm or "quantiles_ms" not in warm[name]:
            continue
        values = warm[name]["quantiles_ms"]
        ax.plot(values, [q / 100 for q in range(len(values))], color=COLOURS[name], label=LABELS[name], lw=1.6)
    ax.set_xscale("log")
    ticker = importlib.import_module("matplotlib.ticker")
    ax.xaxis.set_major_locator(ticker.FixedLocator([1, 2, 3, 5, 10, 20, 30, 50, 100, 200]))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xlabel("latency per call (ms, log scale)")
    ax.set_ylabel("fraction of calls")
    overhead = warm["project"]["median_ms"] - warm["direct"]["median_ms"]
    ax.set_title(f"warm calls, {scenario['name']}: project +{overhead:.2f} ms over direct (median)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")


def start_up_panel(ax: Any, latest: dict[str, Any]) -> None:
    imports, cold = latest["imports"], latest["cold_start"]
    bars = [
        ("SDK floor\nimport", imports["floor"], COLOURS["direct"]),
        ("import func\nproject", imports["project"], COLOURS["project"]),
        ("import func\nblog", imports["blog"], COLOURS["blog"]),
        ("cold start\nminimal", cold.get("minimal"), COLOURS["minimal"]),
        ("cold start\nproject", cold["project"], COLOURS["project"]),
        ("cold start\nblog", cold["blog"], COLOURS["blog"]),
    ]
    bars = [bar for bar in bars if bar[1]]
    xs = range(len(bars))
    medians = [bar[1]["median_ms"] for bar in bars]
    low = [bar[1]["median_ms"] - bar[1]["min_ms"] for bar in bars]
    high = [bar[1]["p95_ms"] - bar[1]["median_ms"] for bar in bars]
    ax.bar(xs, medians, color=[bar[2] for bar in bars], yerr=[low, high], capsize=3)
    for x, value in zip(xs, medians, strict=True):
        ax.text(x, value, f"{value:.0f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs), [bar[0] for bar in bars], fontsize=8)
    ratio = cold["project"]["median_ms"] / cold["blog"]["median_ms"]
    ax.set_title(f"start-up (ms; median, min–p95): cold start {ratio:.2f}× the blog's", fontsize=10)
    ax.set_ylabel("ms")


def memory_panel(ax: Any, latest: dict[str, Any]) -> None:
    scenarios = latest["scenarios"]
    names = [n for n in ("minimal", "project", "blog") if n in scenarios[0]["peak_rss_kib"]]
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [s["peak_rss_kib"][name] / 1024 for s in scenarios]
        xs = [j + i * width for j in range(len(scenarios))]
        ax.bar(xs, values, width, color=COLOURS[name], label=LABELS[name])
    ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(scenarios))], [s["name"] for s in scenarios])
    ax.axhline(128 * 1e6 / 2**20, color="black", lw=0.8, ls="--")
    ax.text(0, 128 * 1e6 / 2**20, " 128 MB function shape", va="bottom", fontsize=8)
    ax.set_ylabel("peak RSS (MiB)")
    ax.set_title("memory of a hot function (peak RSS)", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")


def load_panel(ax: Any, load: dict[str, Any]) -> None:
    for guardrails, style in ((False, "-"), (True, "--")):
        rows = sorted((r for r in load["levels"] if r["guardrails"] == guardrails), key=lambda r: r["concurrency"])
        if not rows:
            continue
        xs = [r["concurrency"] for r in rows]
        tag = "guardrails on" if guardrails else "guardrails off"
        for stat, colour in (("p50_ms", "#1f77b4"), ("p99_ms", "#9467bd")):
            values = [r["overhead_header"][stat] for r in rows]
            ax.plot(xs, values, style, marker="o", color=colour, label=f"own overhead {stat[:3]}, {tag}")
    ax.set_xscale("log")
    levels = sorted({r["concurrency"] for r in load["levels"]})
    ax.set_xticks(levels, [str(level) for level in levels])
    ax.xaxis.set_minor_formatter(importlib.import_module("matplotlib.ticker").NullFormatter())
    ax.set_xlabel("concurrent callers")
    ax.set_ylabel("x-genai-overhead-ms (ms)")
    ax.grid(True, which="both", alpha=0.3)
    top = max((r for r in load["levels"] if not r["guardrails"]), key=lambda r: r["concurrency"])
    ax.set_title(
        f"under load, {load['containers']} containers: {top['rps']:.0f} req/s at {top['concurrency']} callers",
        fontsize=10,
    )
    ax.legend(fontsize=7)


def idle_panel(ax: Any, idle: dict[str, Any]) -> None:
    names = list(dict.fromkeys(row["variant"] for row in idle["rows"]))
    kinds = list(dict.fromkeys(row["kind"] for row in idle["rows"]))
    colours = {"project": COLOURS["project"], "blog baseline": COLOURS["blog"]}
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [
            next(r["cpu_seconds"] for r in idle["rows"] if r["variant"] == name and r["kind"] == k) for k in kinds
        ]
        xs = [j + i * width for j in range(len(kinds))]
        ax.bar(xs, values, width, label=name, color=colours.get(name, "#ff7f0e"))
        for x, value in zip(xs, values, strict=True):
            ax.text(x, value, f"{value:.2f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(kinds))], kinds)
    ax.set_ylabel(f"CPU seconds in {idle['window_s']:g} s idle")
    ax.set_title("idle CPU after each kind of call, once fdk's keep-alive timer fired", fontsize=10)
    ax.legend(fontsize=8)


def edges_panel(ax: Any, streaming: dict[str, Any]) -> None:
    """Time to first token and total per edge: the fdk edge's first token is its whole reply."""
    edges = streaming["edges"]
    names = (("fdk", "fdk edge\n(buffered)", COLOURS["blog"]), ("streaming", "streaming edge", COLOURS["project"]))
    for i, (name, _, colour) in enumerate(names):
        first, total = edges[name]["ttft_p50_ms"] / 1000, edges[name]["total_p50_s"]
        ax.barh(i, total, color=colour, alpha=0.3)
        ax.barh(i, first, color=colour)
        ax.text(first, i, f" first token {first * 1000:.0f} ms", va="center", fontsize=8)
    ax.set_yticks([0, 1], [label for _, label, _ in names], fontsize=8)
    ax.set_xlabel("seconds (solid: first token, light: whole reply; p50)")
    ax.set_title(f"streaming a {streaming['seconds']:g} s generation: time to first token", fontsize=10)


def concurrency_panel(ax: Any, streaming: dict[str, Any]) -> None:
    rows = streaming["concurrency"]
    xs = [r["streams"] for r in rows]
    ax.plot(xs, [r["rss_peak_mib"] for r in rows], marker="o", color=COLOURS["project"], label="peak RSS (MiB)")
    ax.plot(xs, [r["rss_idle_mib"] for r in rows], ls="--", color=COLOURS["direct"], label="idle RSS (MiB)")
    ax.set_xscale("log")
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.xaxis.set_minor_formatter(importlib.import_module("matplotlib.ticker").NullFormatter())
    ax.set_xlabel("concurrent streams through one edge process")
    ax.set_ylabel("MiB")
    ax.set_ylim(bottom=0)
    right = ax.twinx()
    right.plot(xs, [r["ttft_p50_ms"] for r in rows], marker="s", color=COLOURS["minimal"], label="first token p50")
    right.set_ylabel("first token p50 (ms)")
    right.set_ylim(bottom=0)
    lines = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + right.get_legend_handles_labels()[1]
    ax.legend(lines, labels, fontsize=7, loc="upper left")
    per_chunk = streaming["per_chunk"]["edge_own_cpu_us_per_chunk"]
    ax.set_title(f"streaming edge under concurrent streams; its own CPU {per_chunk} µs per chunk", fontsize=10)


def per_chunk_panel(ax: Any, streaming: dict[str, Any]) -> None:
    p = streaming["per_chunk"]
    bars = [
        ("SDK reading\nthe stream", p["direct_sdk"], COLOURS["direct"]),
        ("streaming edge\n(its process)", p["streaming_edge"], COLOURS["project"]),
    ]
    values = [bar[1]["cpu_us_per_chunk"] for bar in bars]
    ax.bar(range(len(bars)), values, color=[bar[2] for bar in bars])
    for x, (_, figures, _) in enumerate(bars):
        text = f"{figures['cpu_us_per_chunk']} µs\n{figures['chunks_per_s']} chunks/s"
        ax.text(x, figures["cpu_us_per_chunk"], text, ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(bars)), [bar[0] for bar in bars], fontsize=8)
    ax.set_ylabel("CPU per chunk (µs)")
    ax.set_ylim(top=max(values) * 1.3)
    ax.set_title("CPU per chunk, the emulator answering at once", fontsize=10)


def draw(results: Path) -> Path:
    latest = json.loads((results / "latest.json").read_text())
    load_file = results / "load.json"
    load = json.loads(load_file.read_text()) if load_file.exists() else None
    idle_file = results / "idle.json"
    idle = json.loads(idle_file.read_text()) if idle_file.exists() else None
    streaming_file = results / "streaming.json"
    streaming = json.loads(streaming_file.read_text()) if streaming_file.exists() else None
    plt = pyplot()
    warm = [s for s in latest["scenarios"] if not s["latency_s"]][:2]
    rows = 3 if streaming else 2
    fig, axes = plt.subplots(rows, 3, figsize=(16, 4.5 * rows))
    for ax, scenario in zip(axes[0][:2], warm, strict=False):
        latency_panel(ax, scenario)
    start_up_panel(axes[0][2], latest)
    memory_panel(axes[1][0], latest)
    if load:
        load_panel(axes[1][1], load)
    else:
        axes[1][1].axis("off")
    if idle:
        idle_panel(axes[1][2], idle)
    else:
        axes[1][2].axis("off")
    if streaming:
        edges_panel(axes[2][0], streaming)
        concurrency_panel(axes[2][1], streaming)
        per_chunk_panel(axes[2][2], streaming)
    fig.text(
        0.01,
        0.005,
        f"{latest.get('date', '')}; {latest['machine']}; Python {latest['python']}; load average "
        f"{latest.get('load_before')} before.\nAgainst the local emulator, under the real fdk, interleaved in one run; "
        "the minimal fdk function is a reused client and nothing else. Every figure: benchmarks/results/latest.md",
        fontsize=8,
    )
    fig.suptitle("oci-genai-fn: the project vs the blog's function vs a direct SDK call", fontsize=13)
    fig.tight_layout(rect=(0, 0.035, 1, 1))
    out = results / CHART
    fig.savefig(out, dpi=90)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    print(f"wrote {draw(args.results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
