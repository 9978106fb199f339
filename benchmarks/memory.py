"""Peak memory (VmHWM of the fdk process) for the largest accepted request of each route and the largest accepted
upstream reply, next to the 128 MB function shape. Reports, never asserts (tests/hardening/test_memory.py asserts).

    python -m benchmarks.memory [--out benchmarks/results]

Each case runs in a fresh fdk process with the default configuration against the local emulator, warmed by one
call first, so the figure is that request's peak and nothing else's. Writes memory.json and memory.md to --out.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from emulator import Emulator, mint_resource_principal
from genai_fn.config import DEFAULT_MAX_REPLY_BYTES
from localfn.client import FnClient
from localfn.config import emulated_config
from localfn.fdk_process import REPO_ROOT, FdkProcess
from tests.hardening.test_memory import REFUSED, largest_requests

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
SHAPE_MIB = 128
CEILING_MIB = 110
ECHO_ENTRY_BYTES = 45
"""About what one echoed Cohere `{"role": "USER", "message": "turn 12345"}` costs on the wire."""

REPLIES: dict[str, tuple[str, dict[str, float]]] = {
    "reply: Cohere echoing history just under MAX_REPLY_BYTES": (
        "huge_history",
        {"entries": float(DEFAULT_MAX_REPLY_BYTES // ECHO_ENTRY_BYTES - 500)},
    ),
    "reply: Cohere text just under MAX_REPLY_BYTES": (
        "huge_reply",
        {"megabytes": DEFAULT_MAX_REPLY_BYTES / 2 / 1_000_000 - 0.01},
    ),
}


def measure(emulator: Emulator, rp_env: dict[str, str], call: Callable[[FnClient], int]) -> tuple[int, float]:
    """(status, peak MiB) of one call in a fresh, warmed fdk process."""
    process = FdkProcess({**rp_env, **emulated_config(emulator.url)}, inherit_env=False).start()
    client = FnClient(process.socket_path)
    try:
        client.invoke(b'{"input": "warm up"}', gateway=True, url="/genai/chat")
        emulator.reset()
        status = call(client)
        return status, process.rss_kib() / 1024
    finally:
        emulator.reset()
        client.close()
        process.stop()


def _post(client: FnClient, *, url: str, body: bytes) -> int:
    return int(client.invoke(body, gateway=True, url=url, deadline_seconds=60).status)


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rp_env = mint_resource_principal(Path(tmp))
        with Emulator(Path(tmp)) as emulator:
            for name, (path, body) in largest_requests().items():
                status, peak = measure(emulator, rp_env, partial(_post, url=path, body=body))
                rows.append({"case": name, "body_bytes": len(body), "status": status, "peak_mib": round(peak, 1)})
            for name, (body, _status, _variable) in REFUSED.items():
                status, peak = measure(emulator, rp_env, partial(_post, url="/v1/chat/completions", body=body))
                rows.append(
                    {"case": f"refused: {name}", "body_bytes": len(body), "status": status, "peak_mib": round(peak, 1)}
                )
            for name, (kind, params) in REPLIES.items():

                def reply_call(c: FnClient, kind: str = kind, params: dict[str, float] = params) -> int:
                    inject: Any = emulator.inject  # its fault parameters are keyword-only floats
                    inject(kind, **params)
                    return c.invoke(
                        b'{"input": "bounded"}', gateway=True, url="/genai/chat", deadline_seconds=60
                    ).status

                status, peak = measure(emulator, rp_env, reply_call)
                rows.append({"case": name, "body_bytes": 0, "status": status, "peak_mib": round(peak, 1)})
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"# Peak memory (fdk VmHWM) per case; function shape {SHAPE_MIB} MB, ceiling {CEILING_MIB} MiB",
        "",
        "| case | request body | status | peak RSS (MiB) | of the 128 MB shape |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        body = f"{row['body_bytes'] / 2**20:.2f} MiB" if row["body_bytes"] else "—"
        share = row["peak_mib"] * 2**20 / (SHAPE_MIB * 10**6)
        lines.append(f"| {row['case']} | {body} | {row['status']} | {row['peak_mib']:.1f} | {share:.0%} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    rows = run()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "memory.json").write_text(
        json.dumps({"shape_mb": SHAPE_MIB, "ceiling_mib": CEILING_MIB, "rows": rows}, indent=2) + "\n"
    )
    table = markdown(rows)
    (args.out / "memory.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
