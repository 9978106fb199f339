"""The streaming edge against the fdk edge (issue 30 item 7). Reports, never asserts.

    python -m benchmarks.streaming [--seconds 5] [--rounds 5] [--counts 1,10,50,200] [--chunk-streams 20]
                                   [--fdk-rerun DIR/latest.json]

Phases, each with the load average it ran under (the machine is shared: compare the ratios within one run):
1. **edges**: README command 1 with `--stream-seconds` (`python -m localfn`: one emulator, the function under the
   real fdk behind run-local's gateway, and the streaming edge), the README's "Tell me a story" streamed
   (`stream: true`, chat completions) through each edge in turn, `--rounds` times: time to first token and total.
   The fdk edge buffers (OCI Functions does), so its first token comes with the whole reply.
2. **concurrency**: the same run, 1/10/50/200 streams started together through the streaming edge: its peak RSS
   (sampled every 20 ms) and idle RSS, its CPU seconds (/proc/<pid>/stat) per stream, the first token's p50/p95
   and whether every stream got every chunk.
3. **per chunk**: the emulator answering at once (no pacing), `--chunk-streams` streams one after another read
   directly by the SDK (`GenerativeAiInferenceClient.chat`, `events()`: the floor), then through the streaming edge:
   chunks per second and CPU per chunk (the reading thread's for the SDK, the edge process's for the edge). The
   edge's own cost per chunk is its CPU per chunk less the floor's.
4. with --fdk-rerun, the fdk edge's figures unchanged: a `python -m benchmarks.run --out DIR` made after a change,
   against the published latest.json, each figure as a ratio to its floor in the same run (FDK_FIGURES).
Writes benchmarks/results/streaming.json and streaming.md (benchmarks.report and benchmarks.chart read them).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks import report
from benchmarks.load import LocalRun, progress
from benchmarks.stream_clients import STORY, served
from benchmarks.stream_transport import PeakRss, rss_kib
from localfn.config import COHERE_MODEL

RESULTS_DIR = report.RESULTS_DIR
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


BODY = json.dumps({"model": COHERE_MODEL, "messages": [{"role": "user", "content": STORY}], "stream": True}).encode()


def stream_once(url: str) -> tuple[float, float, int]:
    """POST a streamed chat completion to `url` (…/v1/chat/completions): (seconds to the first content chunk,
    seconds to the end, content chunks)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
    try:
        started = time.perf_counter()
        connection.request("POST", parts.path, BODY, {"Content-Type": "application/json"})
        response = connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status} {response.read()[:500]!r}")
        first, chunks = 0.0, 0
        while line := response.readline():
            if not line.startswith(b"data: {"):
                continue
            choices = json.loads(line[6:]).get("choices") or [{}]
            if choices[0].get("delta", {}).get("content"):
                chunks += 1
                if chunks == 1:
                    first = time.perf_counter() - started
        return first, time.perf_counter() - started, chunks
    finally:
        connection.close()


def pid_listening(port: int) -> int:
    """The pid of the streaming edge serving `port` (run-local's child)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"genai_fn.edges.serve" in argv and str(port).encode() in argv:
            return int(entry.name)
    raise RuntimeError(f"no streaming edge process on port {port}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of `pid` so far (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def emulator_latency(run: LocalRun, seconds: float) -> None:
    """run-local's emulator answers an unstreamed call `seconds` late (its /_emulator/latency control)."""
    parts = urlsplit(run.emulator_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        connection.request("POST", "/_emulator/latency", json.dumps({"seconds": seconds}).encode())
        if connection.getresponse().status != 200:
            raise RuntimeError("the emulator refused its latency control")
    finally:
        connection.close()


def edges(run: LocalRun, rounds: int, seconds: float) -> dict[str, Any]:
    """The fdk edge calls the service unstreamed (a function's reply is buffered anyway): the emulator then answers
    `seconds` late, the time a real service takes to generate the whole reply; a stream is paced over `seconds`."""
    urls = {
        "fdk": f"http://{run.host}:{run.port}/genai/v1/chat/completions",
        "streaming": f"{run.stream_url}/chat/completions",
    }
    for url in urls.values():  # warm: first request of each edge (SDK client, route modules)
        stream_once(url)
    samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in urls}
    for i in range(rounds):
        for name in list(urls)[i % 2 :] + list(urls)[: i % 2]:  # alternate which goes first
            emulator_latency(run, seconds if name == "fdk" else 0.0)
            samples[name].append(stream_once(urls[name]))
    emulator_latency(run, 0.0)
    return {
        name: {
            "ttft_p50_ms": round(statistics.median(s[0] for s in rows) * 1000, 1),
            "total_p50_s": round(statistics.median(s[1] for s in rows), 3),
            "chunks": rows[0][2],
            "rounds": len(rows),
        }
        for name, rows in samples.items()
    }


def concurrency(run: LocalRun, counts: list[int]) -> list[dict[str, Any]]:
    url = f"{run.stream_url}/chat/completions"
    pid = pid_listening(urlsplit(run.stream_url).port or 0)
    expected = stream_once(url)[2]
    rows = []
    for count in counts:
        progress(f"concurrency: {count} streams together")
        idle = rss_kib(pid)
        results: list[tuple[float, float, int] | None] = [None] * count
        gate = threading.Barrier(count + 1)

        def one(i: int, gate: threading.Barrier = gate, results: list[Any] = results) -> None:
            gate.wait()
            try:
                results[i] = stream_once(url)
            except (OSError, RuntimeError) as exc:
                print(f"  stream {i}: {exc}", file=sys.stderr)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        load_before, cpu_before = load_average(), cpu_seconds(pid)
        with PeakRss(pid) as peak:
            gate.wait()
            for thread in threads:
                thread.join()
        cpu = cpu_seconds(pid) - cpu_before
        done = [r for r in results if r is not None]
        firsts = [r[0] for r in done] or [float("nan")]
        rows.append(
            {
                "streams": count,
                "completed": sum(1 for r in done if r[2] == expected),
                "ttft_p50_ms": round(statistics.median(firsts) * 1000, 1),
                "ttft_p95_ms": round(nearest_rank(firsts, 0.95) * 1000, 1),
                "total_p50_s": round(statistics.median(r[1] for r in done), 2) if done else None,
                "rss_idle_mib": round(idle / 1024, 1),
                "rss_peak_mib": round(peak.peak / 1024, 1),
                "kib_per_stream": round(max(peak.peak - idle, 0) / count, 1),
                "cpu_s": round(cpu, 2),
                "cpu_ms_per_stream": round(cpu * 1000 / count, 1),
                "load_before": load_before,
                "load_after": load_average(),
            }
        )
        print(f"  {json.dumps(rows[-1])}", file=sys.stderr)
    return rows


def direct_reader(emulator_url: str, principal: dict[str, str]) -> Any:
    """The floor: a reused SDK client in this process reading the emulator's stream with `events()`."""
    os.environ.update(principal)
    import oci
    from oci.generative_ai_inference import GenerativeAiInferenceClient
    from oci.generative_ai_inference import models as m

    from localfn.config import COMPARTMENT

    client = GenerativeAiInferenceClient(
        {},
        signer=oci.auth.signers.get_resource_principals_signer(),
        service_endpoint=emulator_url,
        retry_strategy=oci.retry.NoneRetryStrategy(),
    )
    details = m.ChatDetails(
        compartment_id=COMPARTMENT,
        serving_mode=m.OnDemandServingMode(model_id=COHERE_MODEL),
        chat_request=m.CohereChatRequest(message=STORY, is_stream=True, max_tokens=600),
    )

    def read() -> int:
        return sum(1 for event in client.chat(details).data.events() if '"text"' in event.data)

    return read


def per_chunk(streams: int) -> dict[str, Any]:
    with served(0.0) as (emulator, edge, principal):
        read = direct_reader(emulator.url, principal)
        read()  # warm: client, signer
        load_before = load_average()
        chunks, wall, cpu = 0, time.perf_counter(), time.thread_time()
        for _ in range(streams):
            chunks += read()
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        direct = {"chunks": chunks, "chunks_per_s": round(chunks / wall), "cpu_us_per_chunk": round(cpu * 1e6 / chunks)}
        url = f"{edge.url}/genai/v1/chat/completions"
        stream_once(url)  # warm
        chunks, wall, edge_cpu = 0, time.perf_counter(), cpu_seconds(edge.pid)
        for _ in range(streams):
            chunks += stream_once(url)[2]
        wall, edge_cpu = time.perf_counter() - wall, cpu_seconds(edge.pid) - edge_cpu
        through = {
            "chunks": chunks,
            "chunks_per_s": round(chunks / wall),
            "cpu_us_per_chunk": round(edge_cpu * 1e6 / chunks),
        }
    return {
        "streams": streams,
        "direct_sdk": direct,
        "streaming_edge": through,
        "edge_own_cpu_us_per_chunk": through["cpu_us_per_chunk"] - direct["cpu_us_per_chunk"],
        "load_before": load_before,
        "load_after": load_average(),
    }


FDK_FIGURES = (
    ("plain: warm call, project (median)", ("scenarios", "plain", "project", "median_ms"), "minimal"),
    ("plain: warm call, project (p99)", ("scenarios", "plain", "project", "p99_ms"), "minimal"),
    ("tls: warm call, project (median)", ("scenarios", "tls", "project", "median_ms"), "minimal"),
    ("tls: warm call, project (p99)", ("scenarios", "tls", "project", "p99_ms"), "minimal"),
    ("import func, project (median)", ("imports", "", "project", "median_ms"), "floor"),
    ("cold start, project (median)", ("cold_start", "", "project", "median_ms"), "minimal"),
)
"""(figure, where in latest.json, its floor in the same run): the minimal fdk function for calls and cold starts (fdk
and the socket hop, as loaded as the project), the SDK's own import for `import func`."""


def fdk_unchanged(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """The fdk edge's figures, a re-run of `python -m benchmarks.run` (`after`) against the published latest.json
    (`before`): each figure and its ratio to its floor measured in the same run (the machine's load moves both)."""

    def value(run: dict[str, Any], where: tuple[str, str, str, str], name: str) -> float:
        section, scenario, _, stat = where
        if section == "scenarios":
            return float(next(s["warm"] for s in run["scenarios"] if s["name"] == scenario)[name][stat])
        return float(run[section][name][stat])

    rows = []
    for figure, where, floor in FDK_FIGURES:
        b, a = value(before, where, where[2]), value(after, where, where[2])
        rows.append(
            {
                "figure": f"{figure}; floor: {floor}",
                "before_ms": b,
                "after_ms": a,
                "before_per_floor": round(b / value(before, where, floor), 3),
                "after_per_floor": round(a / value(after, where, floor), 3),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="emulated generation length (default 5)")
    parser.add_argument("--rounds", type=int, default=5, help="streams per edge for the first-token comparison")
    parser.add_argument("--counts", default="1,10,50,200", help="concurrent streams through the streaming edge")
    parser.add_argument("--chunk-streams", type=int, default=20, help="streams per reader for the per-chunk figures")
    parser.add_argument(
        "--fdk-rerun",
        type=Path,
        help="a latest.json written by `python -m benchmarks.run --out DIR` after this work: compared with the "
        "published one (the fdk edge's figures unchanged)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "command": "python -m benchmarks.streaming " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": report.machine(),
        "seconds": args.seconds,
        "load_before": load_average(),
    }
    with LocalRun(1, {}, extra=("--stream-seconds", str(args.seconds))) as run:
        progress(f"edges: {args.rounds} streams through each, {args.seconds:g} s generation")
        results["edges"] = edges(run, args.rounds, args.seconds)
        print(f"  {json.dumps(results['edges'])}", file=sys.stderr)
        results["concurrency"] = concurrency(run, [int(c) for c in args.counts.split(",")])
    progress(f"per chunk: {args.chunk_streams} streams read directly, then through the edge")
    results["per_chunk"] = per_chunk(args.chunk_streams)
    results["load_after"] = load_average()
    if args.fdk_rerun:
        rerun = json.loads(args.fdk_rerun.read_text())
        published = json.loads((RESULTS_DIR / "latest.json").read_text())
        results["fdk_unchanged"] = {
            "before": published["command"] + ", " + published["date"],
            "after": rerun["command"] + ", " + rerun["date"],
            "after_load": rerun["load_before"],
            "rows": fdk_unchanged(published, rerun),
        }
    args.out.mkdir(parents=True, exist_ok=True)
    report.write_json(results, args.out / "streaming.json")
    (args.out / "streaming.md").write_text(
        "\n".join(["# The streaming edge, measured", "", *report.streaming_section(results)]) + "\n", encoding="utf-8"
    )
    progress(f"wrote {args.out / 'streaming.json'} and streaming.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
