"""The project vs the blog's function vs a direct SDK call, under the real fdk against the emulator. Reports, never
asserts.

    python -m benchmarks.run [--invocations 300] [--imports 9] [--cold 9] [--latency 0.3] [--sustained 3000]

Each function ships with its own dependency tree, as its image would: the project's on the `scripts/build-deps`
tree, the blog's (benchmarks/baseline/func.py) on a full `pip install --target` of the same requirements (with
bytecode, as Fn's build makes it), and the minimal fdk function (benchmarks/minimal/func.py: one reused client, the
least any fdk function does) on the project's tree. All run under `python -S` with nothing else importable.

Phases, each reported on stderr as it starts, with the machine's load average (the machine is shared):
1. imports: fresh processes, interleaved: `import func` of the project and the blog; the SDK floor
   (`import fdk, oci.generative_ai_inference`); and in one process the floor then `import func` (our own modules).
2. cold starts: spawn -> first reply, the functions alternating.
3. warm scenarios: plain HTTP and TLS (and, with --latency, both with the emulator answering that late); per round
   one call to each function of a group and one direct SDK call (a reused client in this process: the floor), the
   order rotating; the project with the minimal fdk function, then the blog's function (GROUPS).
   The project's replies carry x-genai-overhead-ms, its own figure for each call; it is summarised too.
Writes benchmarks/results/latest.json (benchmarks.report turns it, with the load, idle and image results, into
latest.md and README's table) and prints one summary line.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import measure, report
from emulator import Emulator, mint_resource_principal
from localfn.config import COHERE_MODEL, COMPARTMENT, emulated_config
from scripts.build_cache import build_once
from scripts.slim_tree import ALLOWLIST_FILE, REPO_ROOT, stage_function, tree_size

BASELINE_DIR = REPO_ROOT / "benchmarks" / "baseline"
MINIMAL_DIR = REPO_ROOT / "benchmarks" / "minimal"
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
CACHE_DIR = Path(tempfile.gettempdir()) / "oci-genai-fn-bench"
PROMPT = b'{"input": "What is the capital of France?"}'
SUSTAINED_SIZES = (16, 1_000, 10_000, 100_000)
GROUPS = (("project", "minimal"), ("blog",))
"""Interleaved together per warm scenario, each group with the direct call. The blog's function apart: after each
reply it tears down a client, a connection pool and a signer, CPU that would land on the next call of the round."""


def progress(message: str) -> None:
    """One line per phase on stderr, with the load average the figures were taken under."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"[{time.strftime('%H:%M:%S')}] {message} (load {load})", file=sys.stderr, flush=True)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def dependency_trees() -> tuple[Path, Path]:
    """(slim, full), built once per requirements + allow-list and cached under the temp directory."""
    key = hashlib.sha256((REPO_ROOT / "requirements.txt").read_bytes() + ALLOWLIST_FILE.read_bytes()).hexdigest()[:12]
    trees = []
    for name, extra in (("slim", []), ("full", ["--no-prune"])):
        tree = CACHE_DIR / f"{name}-{key}"
        if not tree.is_dir():
            progress(f"building the {name} dependency tree (once; cached in {tree})")

        def build(into: Path, extra: list[str] = extra) -> None:
            subprocess.run(
                [sys.executable, str(REPO_ROOT / "scripts" / "build-deps"), str(into), *extra],
                check=True,
                stdout=subprocess.DEVNULL,
            )

        trees.append(build_once(tree, build))  # atomic: two runs on one machine never share a half-built tree
    return trees[0], trees[1]


def trust_bundle(emulator: Emulator, roots: Path, dest: Path) -> Path:
    """certifi's public roots plus the emulator's CA: the same bundle a real service would be checked against,
    so a client that rebuilds its TLS context per call pays for loading the whole bundle, as in production."""
    assert emulator.ca_bundle is not None
    dest.write_bytes(roots.read_bytes() + emulator.ca_bundle.read_bytes())
    return dest


def direct_call(emulator: Emulator, rp_env: dict[str, str], ca_bundle: str | None) -> Any:
    """The floor: one reused SDK client in this process making the same chat call."""
    os.environ.update(rp_env)
    import oci
    from oci.generative_ai_inference import GenerativeAiInferenceClient
    from oci.generative_ai_inference import models as m

    if ca_bundle:  # as the functions get it: requests reads it per request (the SDK's session trusts env)
        os.environ["REQUESTS_CA_BUNDLE"] = ca_bundle
    client = GenerativeAiInferenceClient(
        {},
        signer=oci.auth.signers.get_resource_principals_signer(),
        service_endpoint=emulator.url,
        retry_strategy=oci.retry.NoneRetryStrategy(),
    )
    details = m.ChatDetails(
        compartment_id=COMPARTMENT,
        serving_mode=m.OnDemandServingMode(model_id=COHERE_MODEL),
        chat_request=m.CohereChatRequest(message="What is the capital of France?", max_tokens=600),
    )

    def call() -> float:
        started = time.perf_counter()
        client.chat(details)
        return (time.perf_counter() - started) * 1000

    return call


def scenario(
    name: str,
    emulator: Emulator,
    functions: list[measure.FunctionUnderTest],
    rp_env: dict[str, str],
    invocations: int,
    latency: float,
) -> dict[str, Any]:
    load_before = load_average()
    emulator.set_latency(latency)
    runners = {fut.name: measure.start(fut) for fut in functions}
    warm: dict[str, dict[str, Any]] = {}
    try:
        direct = direct_call(emulator, rp_env, functions[0].env.get("REQUESTS_CA_BUNDLE"))
        for group in GROUPS:
            progress(f"warm scenario {name}: {invocations} rounds of {', '.join(group)} and direct")
            measured = measure.interleaved(
                [runners[n] for n in group], direct, PROMPT, invocations, warmup=3 if latency else 10
            )
            reference = {stat: measured["direct"][stat] for stat in ("median_ms", "p95_ms", "p99_ms")}
            for key, value in measured.items():
                if key == "direct":
                    warm.setdefault("direct", value)  # the first group's: the chart's and the tables' floor
                else:
                    warm[key] = {**value, "direct": reference}  # its own group's direct call, for its overhead
        peak = {n: r.process.rss_kib() for n, r in runners.items()}
    finally:
        for runner in runners.values():
            runner.stop()
        emulator.set_latency(0)
    print(f"  {name}: " + ", ".join(f"{k} {v['median_ms']:.2f} ms" for k, v in warm.items()), file=sys.stderr)
    return {
        "name": name,
        "tls": emulator.tls,
        "latency_s": latency,
        "invocations": invocations,
        "load_before": load_before,
        "load_after": load_average(),
        "warm": warm,
        "peak_rss_kib": peak,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--invocations", type=int, default=300, help="warm rounds per scenario")
    parser.add_argument("--imports", type=int, default=9, help="fresh processes per import measure")
    parser.add_argument("--cold", type=int, default=9, help="cold starts per function")
    parser.add_argument("--latency", type=float, default=0.0, help="also run with this emulated upstream delay (s)")
    parser.add_argument("--latency-invocations", type=int, default=40)
    parser.add_argument("--sustained", type=int, default=0, help="sustained calls (prompts up to 100 KB)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    started = time.monotonic()
    slim, full = dependency_trees()
    results: dict[str, Any] = {
        "command": "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": report.machine(),
        "python": platform.python_version(),
        "load_before": load_average(),
        "dependency_bytes": {"project": tree_size(slim), "blog": tree_size(full)},
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        rp_env = mint_resource_principal(work / "creds")
        project_dir = stage_function(work / "project")
        with Emulator(work / "creds") as plain, Emulator(work / "creds", tls=True) as tls:
            bundle = trust_bundle(tls, slim / "certifi" / "cacert.pem", work / "trust.pem")

            def functions(emulator: Emulator) -> list[measure.FunctionUnderTest]:
                # The minimal config (one model): what the blog-style baseline reads too.
                env = {**rp_env, **emulated_config(emulator.url, ALLOWED_MODELS=None, EMBEDDING_MODELS=None)}
                if emulator.tls:
                    env["REQUESTS_CA_BUNDLE"] = str(bundle)
                return [
                    measure.FunctionUnderTest("project", project_dir, slim, env),
                    measure.FunctionUnderTest("blog", BASELINE_DIR, full, env),
                    measure.FunctionUnderTest("minimal", MINIMAL_DIR, slim, env),
                ]

            project, blog, _ = functions(plain)
            progress(f"imports: {args.imports} fresh processes each (project, blog, SDK floor, floor + func)")
            results["imports"] = {"load_before": load_average(), **measure.import_times(project, blog, args.imports)}
            results["imports"]["load_after"] = load_average()
            progress(f"cold starts: {args.cold} each, alternating")
            results["cold_start"] = {
                "load_before": load_average(),
                **measure.cold_starts(functions(plain), PROMPT, args.cold),
                "load_after": load_average(),
            }
            runs = [("plain", plain, args.invocations, 0.0), ("tls", tls, args.invocations, 0.0)]
            if args.latency:
                runs += [
                    (f"plain+{args.latency:g}s", plain, args.latency_invocations, args.latency),
                    (f"tls+{args.latency:g}s", tls, args.latency_invocations, args.latency),
                ]
            results["scenarios"] = [
                scenario(name, emulator, functions(emulator), rp_env, n, latency) for name, emulator, n, latency in runs
            ]
            if args.sustained:
                progress(f"sustained: {args.sustained} calls on the project")
                runner = measure.start(functions(plain)[0])
                try:
                    results["sustained"] = measure.sustained(
                        runner, args.sustained, SUSTAINED_SIZES, every=max(1, args.sustained // 12)
                    )
                finally:
                    runner.stop()
    results["load_after"] = load_average()
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    report.write_json(results, args.out / "latest.json")
    progress(f"done in {results['elapsed_s']} s; wrote {args.out / 'latest.json'} (python -m benchmarks.report)")
    print(report.summary_line(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
