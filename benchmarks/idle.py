"""CPU an idle hot function uses once fdk's keep-alive timer has fired, after each kind of call. Reports, never asserts
(tests/integration/test_fdk_idle.py asserts).

    python -m benchmarks.idle [--keep-alive 1] [--window 10] [--out benchmarks/results]

Three functions, one at a time (a spinning one would take the CPU the next one is measured on): the project as
shipped (func.py applies genai_fn/fdk_keepalive.py), the project without that fix, and the blog's baseline
(benchmarks/baseline/func.py, as the blog wrote it). Each is one hot fdk process on one kept-alive connection, as
Fn's agent holds it. After each kind of call, the benchmark waits for fdk's keep-alive timer to fire (75 s in fdk;
--keep-alive seconds here, through localfn.fdk_launch, so a run takes minutes, not half an hour; --keep-alive 75
measures fdk's own), then reads the process's CPU time (/proc/<pid>/stat, user + system) over --window idle
seconds. Writes idle.json and idle.md to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import report
from emulator import Emulator, mint_resource_principal
from localfn.client import FnClient
from localfn.config import emulated_config
from localfn.fdk_launch import KEEPALIVE_FIRED
from localfn.fdk_process import REPO_ROOT, FdkProcess

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
BASELINE_DIR = REPO_ROOT / "benchmarks" / "baseline"
FIRED_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class Variant:
    name: str
    func_dir: Path
    keepalive_fix: bool


VARIANTS = (
    Variant("project", REPO_ROOT, True),
    Variant("project without the fix", REPO_ROOT, False),
    Variant("blog baseline", BASELINE_DIR, True),  # its func.py never imports the fix
)


def call(client: FnClient, emulator: Emulator, kind: str) -> int:
    """One call of `kind` on the kept-alive connection; the status the caller sees."""
    emulator.reset()
    if kind == "plain invoke":
        return client.invoke(b'{"input": "Hi"}').status
    if kind == "gateway call":
        return client.invoke(b'{"input": "Hi"}', gateway=True, url="/chat").status
    emulator.fail_next(status=500, code="InternalServerError", times=10)  # "error reply": the service fails
    try:
        return client.invoke(b'{"input": "Hi"}', gateway=True, url="/chat").status
    finally:
        emulator.reset()


KINDS = ("plain invoke", "gateway call", "error reply")


def wait_for_keepalive(process: FdkProcess, seen: int) -> int:
    """Wait until the launcher reports one more keep-alive timer firing than `seen`; the new count."""
    ends = time.monotonic() + FIRED_TIMEOUT_SECONDS
    while (fired := process.stderr().count(KEEPALIVE_FIRED)) <= seen:
        if time.monotonic() > ends:
            raise TimeoutError("fdk's keep-alive timer did not fire")
        time.sleep(0.05)
    return fired


def measure(
    variant: Variant, env: dict[str, str], emulator: Emulator, keep_alive: float, window: float
) -> list[dict[str, Any]]:
    process = FdkProcess(
        env,
        func_dir=variant.func_dir,
        inherit_env=False,
        fdk_timeouts={"keep_alive_timeout": keep_alive},
        keepalive_fix=variant.keepalive_fix,
    ).start()
    client = FnClient(process.socket_path)
    rows: list[dict[str, Any]] = []
    try:
        fired = 0
        for kind in KINDS:
            status = call(client, emulator, kind)
            fired = wait_for_keepalive(process, fired)
            before = process.cpu_seconds()
            time.sleep(window)
            used = process.cpu_seconds() - before
            rows.append({"variant": variant.name, "kind": kind, "status": status, "cpu_seconds": round(used, 2)})
            print(f"  {variant.name}, after the {kind} ({status}): {used:.2f} s of CPU in {window:g} s idle")
        assert client.connections_opened == 1, "one kept-alive connection throughout"
    finally:
        client.close()
        process.stop()
    return rows


def run(keep_alive: float, window: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="idle-") as tmp:
        rp_env = mint_resource_principal(Path(tmp))
        with Emulator(Path(tmp)) as emulator:
            # The minimal config (one model): what the blog-style baseline reads too.
            env = {**rp_env, **emulated_config(emulator.url, ALLOWED_MODELS=None, EMBEDDING_MODELS=None)}
            for variant in VARIANTS:
                rows += measure(variant, env, emulator, keep_alive, window)
    return rows


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"`{results['command']}` on {results['machine']}; load average {results['load_before']} before, "
        f"{results['load_after']} after (the machine is shared).",
        "",
        f"CPU seconds an idle hot function used over {results['window_s']:g} s, measured once fdk's keep-alive timer "
        f"had fired ({results['keep_alive_s']:g} s after the reply; 75 s in fdk), after one call of each kind on a "
        "kept-alive connection. The status is the caller's.",
        "",
        *report.idle_table(results),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--keep-alive", type=float, default=1.0, help="fdk's keep_alive_timeout (fdk: 75 s)")
    parser.add_argument("--window", type=float, default=10.0, help="idle seconds measured after the timer fired")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    load_before = [round(x, 2) for x in os.getloadavg()]
    rows = run(args.keep_alive, args.window)
    results = {
        "command": " ".join(["python -m benchmarks.idle", *(argv if argv is not None else sys.argv[1:])]),
        "machine": report.machine(),
        "load_before": load_before,
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "keep_alive_s": args.keep_alive,
        "window_s": args.window,
        "rows": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "idle.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (args.out / "idle.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
