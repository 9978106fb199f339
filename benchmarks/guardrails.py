"""The added latency of guardrails screening per request, next to the plain path, against the emulator.

Two hot functions under the real fdk (plain, and the README's GUARDRAILS line), called interleaved with the same
prompt (an e-mail address, so the masking path runs); timed on the client side of the unix socket. Also reports
each function's peak RSS. Reports, never asserts:

    python -m benchmarks.guardrails [--calls 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from emulator import Emulator, mint_resource_principal
from localfn.client import FnClient
from localfn.config import emulated_config
from localfn.fdk_process import FdkProcess

README_GUARDRAILS = "content_moderation:block,prompt_injection:block,pii:mask"
BODY = json.dumps({"messages": [{"role": "user", "content": "Zoë 🙂 please mail bob@example.com the summary"}]})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        rp = mint_resource_principal(Path(tmp))
        with Emulator(Path(tmp)) as emulator:
            configs = {"plain": {}, "guardrails": {"GUARDRAILS": README_GUARDRAILS}}
            processes = {
                name: FdkProcess({**rp, **emulated_config(emulator.url, **extra)}, inherit_env=False).start()
                for name, extra in configs.items()
            }
            clients = {name: FnClient(process.socket_path) for name, process in processes.items()}
            samples: dict[str, list[float]] = {name: [] for name in processes}
            try:
                for _ in range(5):  # warm both
                    for client in clients.values():
                        client.invoke(BODY.encode(), gateway=True, url="/genai/v1/chat/completions")
                for _ in range(args.calls):
                    for name, client in clients.items():
                        started = time.perf_counter()
                        reply = client.invoke(BODY.encode(), gateway=True, url="/genai/v1/chat/completions")
                        samples[name].append((time.perf_counter() - started) * 1000)
                        assert reply.status == 200, reply.body
                    emulator.requests.clear()
                report = {name: _summary(values) for name, values in samples.items()}
                for name, process in processes.items():
                    report[name]["peak_rss_mib"] = round(process.rss_kib() / 1024, 1)
            finally:
                for client in clients.values():
                    client.close()
                for process in processes.values():
                    process.stop()
    plain, screened = report["plain"]["p50_ms"], report["guardrails"]["p50_ms"]
    comparison = {"ratio_p50": round(screened / plain, 2), "added_p50_ms": round(screened - plain, 2)}
    print(json.dumps({**report, **comparison}, indent=2))
    return 0


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


if __name__ == "__main__":
    raise SystemExit(main())
