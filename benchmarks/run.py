"""Project function vs. the blog's function, both under the real fdk against the local emulator. Reports, never asserts.

    python benchmarks/run.py [--invocations 300] [--latency 0.3] [--sustained 3000]

Each function ships with its own dependency tree, as its image would: the project's on the `scripts/build-deps`
tree, the baseline (benchmarks/baseline/func.py) on a full `pip install --target` of the same requirements (with
bytecode, as Fn's build makes it). Both run under `python -S` with nothing else importable. Scenarios: plain HTTP
and TLS, each with the emulator answering at once and (with --latency) after a fixed delay. Per scenario the two
functions and a direct SDK call (a reused client in this process: the floor) are called in turn.
Writes benchmarks/results/latest.json and latest.md and prints one summary line.
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
from scripts.slim_tree import ALLOWLIST_FILE, REPO_ROOT, stage_function, tree_size

BASELINE_DIR = REPO_ROOT / "benchmarks" / "baseline"
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
CACHE_DIR = Path(tempfile.gettempdir()) / "oci-genai-fn-bench"
PROMPT = b'{"input": "What is the capital of France?"}'
SUSTAINED_SIZES = (16, 1_000, 10_000, 100_000)


def dependency_trees() -> tuple[Path, Path]:
    """(slim, full), built once per requirements + allow-list and cached under the temp directory."""
    key = hashlib.sha256((REPO_ROOT / "requirements.txt").read_bytes() + ALLOWLIST_FILE.read_bytes()).hexdigest()[:12]
    trees = []
    for name, extra in (("slim", []), ("full", ["--no-prune"])):
        tree = CACHE_DIR / f"{name}-{key}"
        if not (tree / "bin" / "fdk").exists():
            subprocess.run(["rm", "-rf", str(tree)], check=True)
            subprocess.run(
                [sys.executable, str(REPO_ROOT / "scripts" / "build-deps"), str(tree), *extra],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        trees.append(tree)
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
    emulator.set_latency(latency)
    runners = [measure.start(fut) for fut in functions]
    try:
        direct = direct_call(emulator, rp_env, functions[0].env.get("REQUESTS_CA_BUNDLE"))
        warm = measure.interleaved(runners, direct, PROMPT, invocations, warmup=3 if latency else 10)
        peak = {r.fut.name: r.process.rss_kib() for r in runners}
    finally:
        for runner in runners:
            runner.stop()
        emulator.set_latency(0)
    print(f"  {name}: " + ", ".join(f"{k} {v['median_ms']:.1f} ms" for k, v in warm.items()), file=sys.stderr)
    return {
        "name": name,
        "tls": emulator.tls,
        "latency_s": latency,
        "invocations": invocations,
        "warm": warm,
        "peak_rss_kib": peak,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--invocations", type=int, default=300, help="warm calls per function per scenario")
    parser.add_argument("--latency", type=float, default=0.0, help="also run with this emulated upstream delay (s)")
    parser.add_argument("--latency-invocations", type=int, default=40)
    parser.add_argument("--cold", type=int, default=5, help="cold starts per function")
    parser.add_argument("--sustained", type=int, default=0, help="sustained calls (prompts up to 100 KB)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    started = time.monotonic()
    slim, full = dependency_trees()
    results: dict[str, Any] = {
        "command": "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": report.machine(),
        "python": platform.python_version(),
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
                ]

            results["import_ms"] = {fut.name: measure.import_time(fut) for fut in functions(plain)}
            results["cold_start"] = measure.cold_starts(functions(plain), PROMPT, args.cold)
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
                runner = measure.start(functions(plain)[0])
                try:
                    results["sustained"] = measure.sustained(
                        runner, args.sustained, SUSTAINED_SIZES, every=max(1, args.sustained // 12)
                    )
                finally:
                    runner.stop()
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    report.write(results, args.out)
    print(report.summary_line(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
