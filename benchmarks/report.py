"""The benchmark report: latest.md from every results file, and README's figures, regenerated in one command.

    python -m benchmarks.report [--results benchmarks/results] [--no-readme]

Reads latest.json (benchmarks.run, required) and, where present, load.json (benchmarks.load), idle.json
(benchmarks.idle), image.json (benchmarks.image measure) and memory.json (benchmarks.memory); writes latest.md and
rewrites the block between README.md's benchmark markers. Each figure keeps the command and the load average it was
measured under: the machine is shared, so ratios against a baseline measured in the same run are what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
README = REPO_ROOT / "README.md"
README_START = "<!-- benchmark:start (python -m benchmarks.report writes this block) -->"
README_END = "<!-- benchmark:end -->"
CHART = "latest.png"

GOAL_OWN_IMPORT_MS = 15.0
GOAL_COLD_RATIO = 0.95
GOAL_OVERHEAD_MEDIAN_MS = 1.0
GOAL_OVERHEAD_P99_MS = 3.0
GOAL_GUARDRAILS_EXTRA_MS = 1.0
GOAL_IMAGE_FIRST_REPLY_S = 0.4


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


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")


def _read(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def overhead(warm: dict[str, dict[str, Any]], name: str, stat: str = "median_ms") -> float:
    """A function's own time per call at `stat`: its figure minus the direct SDK call's measured with it."""
    reference = warm[name].get("direct") or warm["direct"]
    return float(warm[name][stat] - reference[stat])


def _load(values: list[float] | None) -> str:
    return "/".join(f"{x:.1f}" for x in values) if values else "?"


def _yes(met: bool) -> str:
    return "**met**" if met else "**not met**"


def goals(latest: dict[str, Any], load: dict[str, Any] | None, image: dict[str, Any] | None) -> list[str]:
    imports, cold = latest["imports"], latest["cold_start"]
    own = imports["own"]["median_ms"]
    shipped = imports["project"]["median_ms"] - imports["floor"]["median_ms"]
    ratio = cold["project"]["median_ms"] / cold["blog"]["median_ms"]
    rows = [
        "| goal (issue 24) | measured | |",
        "|---|---|---|",
        f"| our own modules add ≤ {GOAL_OWN_IMPORT_MS:g} ms to `import func` over the SDK floor | {own:.1f} ms "
        f"(floor then `import func` in one process, median) | {_yes(own <= GOAL_OWN_IMPORT_MS)} |",
        f"| `import func` as shipped vs `{'import fdk, oci.generative_ai_inference'}` | {shipped:+.1f} ms "
        f"({imports['project']['median_ms']:.0f} vs {imports['floor']['median_ms']:.0f} ms, medians; func.py pauses "
        "the garbage collector while it imports) | " + _yes(shipped <= GOAL_OWN_IMPORT_MS) + " |",
        f"| cold start (spawn → first reply) ≤ {GOAL_COLD_RATIO}× the blog's | {ratio:.3f}× "
        f"({cold['project']['median_ms']:.0f} vs {cold['blog']['median_ms']:.0f} ms) | "
        + _yes(ratio <= GOAL_COLD_RATIO)
        + " |",
    ]
    for s in latest["scenarios"]:
        if s["latency_s"]:
            continue
        med, p99 = overhead(s["warm"], "project"), overhead(s["warm"], "project", "p99_ms")
        met = med <= GOAL_OVERHEAD_MEDIAN_MS and p99 <= GOAL_OVERHEAD_P99_MS
        rows.append(
            f"| {s['name']}: warm overhead over a direct SDK call ≤ {GOAL_OVERHEAD_MEDIAN_MS:g} ms median, "
            f"≤ {GOAL_OVERHEAD_P99_MS:g} ms p99 | {med:.2f} ms median, {p99:.2f} ms p99 | {_yes(met)} |"
        )
    if load and load.get("guardrails"):
        extra = load["guardrails"]["extra_own_ms"]
        rows.append(
            f"| guardrails on: one service round trip + ≤ {GOAL_GUARDRAILS_EXTRA_MS:g} ms | "
            f"+{load['guardrails']['added_p50_ms']:.2f} ms at p50 of which the function's own +{extra:.2f} ms "
            f"(round trip {load['guardrails']['round_trip_p50_ms']:.2f} ms) | "
            f"{_yes(extra <= GOAL_GUARDRAILS_EXTRA_MS)} |"
        )
    if image and image.get("first_reply_s") is not None:
        first = image["first_reply_s"]
        rows.append(
            f"| real image, `--memory 128m`: container start → first reply ≤ {GOAL_IMAGE_FIRST_REPLY_S} s | "
            f"{first:.2f} s (median of {image.get('starts', 1)}; a bare `python3 -c pass` container of the same "
            f"image takes {image.get('container_floor_s', float('nan')):.2f} s) | "
            f"{_yes(first <= GOAL_IMAGE_FIRST_REPLY_S)} |"
        )
    elif image is None:
        rows.append(
            f"| real image, `--memory 128m`: container start → first reply ≤ {GOAL_IMAGE_FIRST_REPLY_S} s | "
            "not measured (no image.json: needs a Docker engine) | |"
        )
    return rows


def start_up(latest: dict[str, Any]) -> list[str]:
    imports, cold = latest["imports"], latest["cold_start"]
    blog_import, blog_cold = imports["blog"]["median_ms"], cold["blog"]["median_ms"]
    rows = [
        f"Load average {_load(imports.get('load_before'))} before the imports, "
        f"{_load(cold.get('load_after'))} after the cold starts.",
        "",
        "| start-up (ms) | median | min | p95 | / blog's median |",
        "|---|---:|---:|---:|---:|",
    ]
    labels = [
        ("project", "`import func`, project (builds its App too)"),
        ("blog", "`import func`, blog"),
        ("floor", "SDK floor: `import fdk, oci.generative_ai_inference`"),
        ("floor_gc_paused", "SDK floor with the garbage collector paused"),
        ("own", "our own modules: the floor, then `import func`, one process"),
    ]
    for key, label in labels:
        x = imports[key]
        ratio = f"{x['median_ms'] / blog_import:.3f}" if key in ("project", "blog") else ""
        rows.append(f"| {label} | {x['median_ms']:.1f} | {x['min_ms']:.1f} | {x['p95_ms']:.1f} | {ratio} |")
    for key in ("project", "blog", "minimal"):
        if key in cold:
            x = cold[key]
            rows.append(
                f"| cold start, {key}: spawn → first reply | {x['median_ms']:.1f} | {x['min_ms']:.1f} | "
                f"{x['p95_ms']:.1f} | {x['median_ms'] / blog_cold:.3f} |"
            )
    return rows


def warm(latest: dict[str, Any]) -> list[str]:
    rows = [
        "Per call, client side of the unix socket (as Fn's agent sees it); overhead = the function's figure minus "
        "the direct SDK call's at the same percentile. `minimal` is benchmarks/minimal/func.py, the least any fdk "
        "function does (a reused client, nothing else): its overhead is what fdk and the socket hop cost. "
        "`x-genai-overhead-ms` is the project's own figure from its replies (fdk and the hop not included).",
        "",
        "| scenario (load before/after) | direct median | function | median | p95 | p99 | overhead median "
        "| overhead p95 | overhead p99 | peak RSS (MiB) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in latest["scenarios"]:
        w = s["warm"]
        first = True
        for name in ("project", "minimal", "blog"):
            if name not in w:
                continue
            x = w[name]
            head = (
                f"| {s['name']} ({_load(s.get('load_before'))} / {_load(s.get('load_after'))}) | "
                f"{w['direct']['median_ms']:.2f}"
                if first
                else "| | "
            )
            first = False
            rows.append(
                f"{head} | {name} | {x['median_ms']:.2f} | {x['p95_ms']:.2f} | {x['p99_ms']:.2f} | "
                f"{overhead(w, name):.2f} | {overhead(w, name, 'p95_ms'):.2f} | {overhead(w, name, 'p99_ms'):.2f} | "
                f"{s['peak_rss_kib'][name] / 1024:.1f} |"
            )
        header = w["project"].get("overhead_header")
        if header:
            rows.append(
                f"| | | project's `x-genai-overhead-ms` | {header['median_ms']:.2f} | {header['p95_ms']:.2f} | "
                f"{header['p99_ms']:.2f} | | | | |"
            )
    return rows


def load_section(load: dict[str, Any]) -> list[str]:
    rows = [
        f"`{load['command']}`: {load['containers']} function containers behind run-local's gateway "
        f"(localfn.gateway), the emulator answering at once, {load['seconds_per_level']:g} s per level after a "
        "warm-up. Overhead from the replies' `x-genai-overhead-ms` (the function's own time), and as the whole "
        "call's latency minus the emulator's time for it (gateway, agent hop and fdk included; with more callers than "
        "containers, mostly waiting for a free container: Fn sends a container one call at a time).",
        "",
        "| concurrency | guardrails | requests | errors | req/s | latency p50 / p95 / p99 (ms) | "
        "x-genai-overhead-ms p50 / p95 / p99 | latency − emulator p50 / p95 / p99 | load avg |",
        "|---:|---|---:|---:|---:|---|---|---|---|",
    ]
    for row in load["levels"]:
        lat, own, outside = row["latency"], row["overhead_header"], row["latency_minus_upstream"]
        rows.append(
            f"| {row['concurrency']} | {'on' if row['guardrails'] else 'off'} | {row['requests']} | {row['errors']} | "
            f"{row['rps']:.0f} | {lat['p50_ms']:.2f} / {lat['p95_ms']:.2f} / {lat['p99_ms']:.2f} | "
            f"{own['p50_ms']:.2f} / {own['p95_ms']:.2f} / {own['p99_ms']:.2f} | "
            f"{outside['p50_ms']:.2f} / {outside['p95_ms']:.2f} / {outside['p99_ms']:.2f} | "
            f"{_load(row.get('load'))} |"
        )
    g = load.get("guardrails")
    if g:
        rows += [
            "",
            f"Guardrails on (`{g['config']}`, one apply_guardrails call per request) vs off at concurrency "
            f"{g['concurrency']}: +{g['added_p50_ms']:.2f} ms at p50; the guardrails round trip (the log's `ms`) "
            f"{g['round_trip_p50_ms']:.2f} ms; the function's own time +{g['extra_own_ms']:.2f} ms "
            "(x-genai-overhead-ms, on minus off).",
        ]
    return rows


def idle_section(idle: dict[str, Any]) -> list[str]:
    return [
        f"`{idle['command']}`; load average {_load(idle.get('load_before'))} before, {_load(idle.get('load_after'))} "
        f"after. CPU seconds a hot function used over {idle['window_s']:g} idle seconds once fdk's keep-alive timer "
        "had fired, after one call of each kind ([docs/fdk-keepalive.md](../../docs/fdk-keepalive.md)).",
        "",
        *idle_table(idle),
    ]


def idle_table(idle: dict[str, Any]) -> list[str]:
    """One row per kind of call, one column per function: CPU seconds, share of the window, the caller's status."""
    window = idle["window_s"]
    names = list(dict.fromkeys(row["variant"] for row in idle["rows"]))
    kinds = list(dict.fromkeys(row["kind"] for row in idle["rows"]))
    rows = ["| after | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for kind in kinds:
        cells = []
        for name in names:
            (row,) = [r for r in idle["rows"] if r["variant"] == name and r["kind"] == kind]
            cells.append(f"{row['cpu_seconds']:.2f} s ({row['cpu_seconds'] / window:.0%}), {row['status']}")
        rows.append(f"| {kind} | " + " | ".join(cells) + " |")
    return rows


def image_section(image: dict[str, Any]) -> list[str]:
    return [
        f"`{image.get('command', 'python -m benchmarks.image measure')}`; load average "
        f"{_load(image.get('load_before'))}. The real image (./Dockerfile on a base made from Debian's packages), "
        "run as Functions runs it (user 1000, read-only root, `--memory 128m`):",
        "",
        f"- image {image['image_mb']} MB (base {image['base_mb']} MB, /python {image['python_mb']} MB), "
        f"{image['layers']} layers;",
        f"- container start → first reply: {image['first_reply_s']:.2f} s median "
        f"(all: {', '.join(f'{x:.2f}' for x in image.get('first_reply_all_s', [image['first_reply_s']]))}); "
        f"of which the container itself (`docker run` → exit of `python3 -S -c pass` in the same image, same "
        f"limits) {image.get('container_floor_s', float('nan')):.2f} s;",
        f"- {image['answered']}/{image['requests']} requests with 100 KB prompts answered; cgroup peak "
        f"{image['peak_mib']} MiB; OOM killed: {image['oom_killed']}.",
    ]


def streaming_section(streaming: dict[str, Any]) -> list[str]:
    """benchmarks.streaming's figures: first token per edge, the edge's cost per chunk, concurrent streams, and the
    fdk edge's figures before and after the streaming work."""
    e, p = streaming["edges"], streaming["per_chunk"]
    lines = [
        f"`{streaming['command']}`, {streaming['date']}; load average {_load(streaming.get('load_before'))} before, "
        f'{_load(streaming.get("load_after"))} after. README\'s "Tell me a story" (chat completions, '
        f"`stream: true`), a {streaming['seconds']:g} s emulated generation: paced events for a stream; for the fdk "
        "edge, which calls the service unstreamed (a function's reply is buffered), the emulator answers after the "
        "same time.",
        "",
        "| edge | time to first token (p50) | total (p50) | content chunks |",
        "|---|---:|---:|---:|",
    ]
    for name, label in (("fdk", "fdk edge, run-local's gateway (buffered)"), ("streaming", "streaming edge")):
        lines.append(
            f"| {label} | {e[name]['ttft_p50_ms']:.0f} ms | {e[name]['total_p50_s']:.2f} s | {e[name]['chunks']} |"
        )
    direct, edge = p["direct_sdk"], p["streaming_edge"]
    lines += [
        "",
        f"Per chunk, the emulator answering at once, {p['streams']} streams one after another (load "
        f"{_load(p.get('load_before'))}): the edge's own CPU per chunk is its process's CPU per chunk less the SDK's "
        "reading the same stream directly.",
        "",
        "| reader | chunks/s | CPU per chunk |",
        "|---|---:|---:|",
        f"| the SDK directly (`events()`, the reading thread's CPU) | {direct['chunks_per_s']} | "
        f"{direct['cpu_us_per_chunk']} µs |",
        f"| through the streaming edge (the edge process's CPU) | {edge['chunks_per_s']} | "
        f"{edge['cpu_us_per_chunk']} µs |",
        f"| the edge's own | | {p['edge_own_cpu_us_per_chunk']} µs |",
        "",
        f"Concurrent {streaming['seconds']:g} s streams through one streaming edge process (started together; RSS "
        "sampled every 20 ms, CPU from /proc):",
        "",
        "| streams | completed | first token p50 / p95 | total p50 | RSS idle → peak | per stream | CPU per stream "
        "| load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in streaming["concurrency"]:
        lines.append(
            f"| {r['streams']} | {r['completed']} | {r['ttft_p50_ms']:.0f} / {r['ttft_p95_ms']:.0f} ms | "
            f"{r['total_p50_s']:.2f} s | {r['rss_idle_mib']:.1f} → {r['rss_peak_mib']:.1f} MiB | "
            f"{r['kib_per_stream']:.0f} KiB | {r['cpu_ms_per_stream']:.0f} ms | {r['load_before'][0]:.1f} |"
        )
    fdk = streaming.get("fdk_unchanged")
    if fdk:
        lines += [
            "",
            f"The fdk edge's figures unchanged: `{fdk['after']}` (load {_load(fdk['after_load'])}) against the "
            f"published `{fdk['before']}`; on a shared machine the comparable figure is the ratio to a floor measured "
            "in the same run (the minimal fdk function; for `import func` the SDK's own import).",
            "",
            "| figure | before (ms) | after (ms) | before / floor | after / floor |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in fdk["rows"]:
            lines.append(
                f"| {r['figure']} | {r['before_ms']:.2f} | {r['after_ms']:.2f} | {r['before_per_floor']:.3f} | "
                f"{r['after_per_floor']:.3f} |"
            )
    return lines


def markdown(results_dir: Path) -> str:
    latest = _read(results_dir / "latest.json")
    if latest is None:
        raise SystemExit(f"no {results_dir / 'latest.json'}: run python -m benchmarks.run first")
    load, idle = _read(results_dir / "load.json"), _read(results_dir / "idle.json")
    image, memory = _read(results_dir / "image.json"), _read(results_dir / "memory.json")
    streaming = _read(results_dir / "streaming.json")
    lines = [
        "# Benchmarks: the latest run",
        "",
        f"`{latest['command']}` on {latest['machine']}, Python {latest['python']}, {latest.get('date', '')}, "
        f"{latest['elapsed_s']} s; load average {_load(latest.get('load_before'))} before, "
        f"{_load(latest.get('load_after'))} after (2 cores shared with other work: compare ratios and figures "
        "measured in the same run, not absolute times across runs). Regenerate: see "
        "[benchmarks/README.md](../README.md).",
        "",
        f"![latency distributions, start-up, memory and load]({CHART})",
        "",
        "## Goals",
        "",
        *goals(latest, load, image),
        "",
        "## Start-up",
        "",
        *start_up(latest),
        "",
        "## Warm calls",
        "",
        *warm(latest),
    ]
    deps = latest["dependency_bytes"]
    lines += ["", f"Dependencies: project {deps['project'] / 1e6:.1f} MB, blog {deps['blog'] / 1e6:.1f} MB."]
    sustained = latest.get("sustained")
    if sustained:
        lines += [
            "",
            f"Sustained (project): {sustained['invocations']} calls, prompts "
            f"{'/'.join(str(n) for n in sustained['prompt_bytes'])} bytes: RSS "
            f"{sustained['rss_first_kib'] / 1024:.1f} MiB after the first sample, "
            f"{sustained['rss_last_kib'] / 1024:.1f} MiB at the end, peak {sustained['peak_rss_kib'] / 1024:.1f} MiB; "
            f"median {sustained['latency']['median_ms']:.2f} ms, p95 {sustained['latency']['p95_ms']:.2f} ms.",
        ]
    for title, data, section in (
        ("Load through the local gateway", load, load_section),
        ("Idle cost", idle, idle_section),
        ("The real image", image, image_section),
        ("The streaming edge", streaming, streaming_section),
    ):
        if data:
            lines += ["", f"## {title}", "", *section(data)]
    if memory:
        lines += ["", "## Memory", "", "Peak RSS per request kind: [memory.md](memory.md)."]
    return "\n".join(lines) + "\n"


def readme_block(results_dir: Path) -> str:
    latest = _read(results_dir / "latest.json")
    assert latest is not None
    load, idle, image = (_read(results_dir / f"{name}.json") for name in ("load", "idle", "image"))
    imports, cold = latest["imports"], latest["cold_start"]
    rows = [
        f"Measured {latest.get('date', '')} on a shared 2-core machine against the local emulator, the project next "
        "to the blog's function and a direct SDK call in the same run (`python -m benchmarks.run`; every figure, "
        "its command and load average: [benchmarks/results/latest.md](benchmarks/results/latest.md)).",
        "",
        f"![latency distributions, start-up, memory and load](benchmarks/results/{CHART})",
        "",
        "| | project | blog's function | project / blog |",
        "|---|---:|---:|---:|",
    ]

    def row(label: str, project: float, blog: float, digits: int = 0) -> None:
        rows.append(f"| {label} | {project:.{digits}f} | {blog:.{digits}f} | {project / blog:.2f} |")

    row("`import func` (ms, median)", imports["project"]["median_ms"], imports["blog"]["median_ms"])
    row("cold start: spawn → first reply (ms, median)", cold["project"]["median_ms"], cold["blog"]["median_ms"])
    for s in latest["scenarios"]:
        if s["latency_s"]:
            continue
        w = s["warm"]
        label = f"{s['name']}: warm call (ms, median; direct SDK call {w['direct']['median_ms']:.2f})"
        row(label, w["project"]["median_ms"], w["blog"]["median_ms"], 2)
        row(f"{s['name']}: warm call (ms, p99)", w["project"]["p99_ms"], w["blog"]["p99_ms"], 2)
        row(f"{s['name']}: overhead over the direct call (ms, median)", overhead(w, "project"), overhead(w, "blog"), 2)
        peak = s["peak_rss_kib"]
        row(f"{s['name']}: peak RSS (MiB)", peak["project"] / 1024, peak["blog"] / 1024, 1)
    deps = latest["dependency_bytes"]
    row("dependencies (MB)", deps["project"] / 1e6, deps["blog"] / 1e6, 1)
    if idle:
        by = {(r["variant"], r["kind"]): r["cpu_seconds"] for r in idle["rows"]}
        project = max(v for (n, _), v in by.items() if n == "project")
        blog = max(v for (n, _), v in by.items() if n == "blog baseline")
        window = idle["window_s"]
        rows.append(f"| idle CPU over {window:g} s after a call (s, worst kind) | {project:.2f} | {blog:.2f} | |")
    if load:
        top = max((r for r in load["levels"] if not r["guardrails"]), key=lambda r: r["concurrency"])
        rows += [
            "",
            f"Under load ({load['containers']} containers behind the local gateway, {top['concurrency']} concurrent "
            f"callers): {top['rps']:.0f} requests/s, {top['errors']} errors, the function's own overhead "
            f"(`x-genai-overhead-ms`) p50 {top['overhead_header']['p50_ms']:.2f} ms, p99 "
            f"{top['overhead_header']['p99_ms']:.2f} ms "
            "([load](benchmarks/results/latest.md#load-through-the-local-gateway)).",
        ]
    if image:
        rows.append("")
        rows.append(
            f"The real image starts and answers its first request {image['first_reply_s']:.2f} s after `docker run` "
            f"at `--memory 128m` (cgroup peak {image['peak_mib']} MiB)."
        )
    streaming = _read(results_dir / "streaming.json")
    if streaming:
        rows += ["", *streaming_readme(streaming)]
    return "\n".join(rows)


def streaming_readme(streaming: dict[str, Any]) -> list[str]:
    """README's lines on the streaming edge: first token and total per edge, memory and CPU at the most streams."""
    e, top = streaming["edges"], max(streaming["concurrency"], key=lambda r: r["streams"])
    return [
        f"Streaming ({streaming['seconds']:g} s emulated generation, `python -m benchmarks.streaming`; "
        "[every figure](benchmarks/results/latest.md#the-streaming-edge)):",
        "",
        "| edge | time to first token (p50) | total (p50) |",
        "|---|---:|---:|",
        f"| fdk edge, local gateway (buffered, as on OCI Functions) | {e['fdk']['ttft_p50_ms']:.0f} ms | "
        f"{e['fdk']['total_p50_s']:.2f} s |",
        f"| streaming edge | {e['streaming']['ttft_p50_ms']:.0f} ms | {e['streaming']['total_p50_s']:.2f} s |",
        "",
        f"One streaming edge process held {top['streams']} concurrent streams ({top['completed']} completed) at "
        f"{top['rss_peak_mib']:.0f} MiB peak RSS ({top['rss_idle_mib']:.0f} MiB idle), "
        f"{top['cpu_ms_per_stream']:.0f} ms of CPU per stream; its own CPU per chunk "
        f"{streaming['per_chunk']['edge_own_cpu_us_per_chunk']} µs.",
    ]


def update_readme(results_dir: Path, readme: Path = README) -> None:
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        raise SystemExit(f"README.md has no benchmark markers ({README_START} ... {README_END})")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{readme_block(results_dir)}\n{README_END}{tail}")


def summary_line(results: dict[str, Any]) -> str:
    plain = results["scenarios"][0]["warm"]
    imports, cold = results["imports"], results["cold_start"]
    return (
        f"own modules {imports['own']['median_ms']:.1f} ms over the SDK floor; cold start "
        f"{cold['project']['median_ms']:.0f} vs {cold['blog']['median_ms']:.0f} ms "
        f"({cold['project']['median_ms'] / cold['blog']['median_ms']:.3f}x the blog's); warm overhead "
        f"{overhead(plain, 'project'):.2f} ms median, {overhead(plain, 'project', 'p99_ms'):.2f} ms p99 "
        f"(blog {overhead(plain, 'blog'):.2f} ms)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-readme", action="store_true", help="write latest.md only")
    args = parser.parse_args(argv)
    (args.results / "latest.md").write_text(markdown(args.results))
    if not args.no_readme:
        update_readme(args.results)
    print(f"wrote {args.results / 'latest.md'}" + ("" if args.no_readme else " and README.md's benchmark block"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
