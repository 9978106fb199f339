"""What output guardrails cost a stream: time to first token and total time of a streamed chat completion ("Tell me a
story" over `--seconds`) through the router, without guardrails, with `pii:mask` on output (windowed screening)
and with `content_moderation:block` on output (the whole reply buffered), against the emulator.

    .venv/bin/python -m benchmarks.stream_guardrails [--seconds 5] [--runs 3]

The emulator answers ApplyGuardrails at once: on OCI each screening adds the service's latency, and the windowed mode
makes about (reply characters / GUARDRAILS_STREAM_WINDOW_CHARS) of them. Results: docs/streaming.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

MODES: dict[str, dict[str, str]] = {
    "none": {},
    "pii:mask (window 400)": {"GUARDRAILS": "pii:mask", "GUARDRAILS_SCOPE": "output"},
    "pii:mask (window 256)": {
        "GUARDRAILS": "pii:mask",
        "GUARDRAILS_SCOPE": "output",
        "GUARDRAILS_STREAM_WINDOW_CHARS": "256",
    },
    "content_moderation:block (buffer)": {
        "GUARDRAILS": "content_moderation:block,pii:mask",
        "GUARDRAILS_SCOPE": "output",
    },
}


def one(app: Any, body: bytes) -> tuple[float, float, int]:
    from genai_fn.http import Invocation, StreamReply

    started = time.perf_counter()
    invocation = Invocation("POST", "/v1/chat/completions", {}, body, "b", time.monotonic() + 120, True, streaming=True)
    reply = app.handle(invocation)
    assert isinstance(reply, StreamReply)
    first, chunks = 0.0, 0
    for chunk in reply.chunks:
        if b'"content":"' in chunk and b'"content":""' not in chunk and not first:
            first = time.perf_counter() - started
        chunks += 1
    return first, time.perf_counter() - started, chunks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    from emulator import Emulator, mint_resource_principal
    from genai_fn.app import App
    from genai_fn.config import Settings
    from genai_fn.logs import RequestLog
    from localfn.config import emulated_config

    body = json.dumps(
        {
            "model": "meta.llama-3.3-70b-instruct",
            "messages": [{"role": "user", "content": "Tell me a story"}],
            "stream": True,
        }
    ).encode()
    with tempfile.TemporaryDirectory() as work:
        os.environ.update(mint_resource_principal(Path(work)))
        with Emulator(Path(work), stream_seconds=args.seconds) as emulator:
            for mode, config in MODES.items():
                log = io.StringIO()
                app = App.configured(
                    Settings.from_env(emulated_config(emulator.url, **config)), request_log=RequestLog(log)
                )
                one(app, body)  # warm: client, signer, modules
                runs = [one(app, body) for _ in range(args.runs)]
                lines = [json.loads(line) for line in log.getvalue().splitlines()[1:]]
                screenings = [(line.get("guardrails") or {}).get("output", {}).get("screenings", 1) for line in lines]
                row = {
                    "mode": mode,
                    "ttft_ms": round(statistics.median(r[0] for r in runs) * 1000, 1),
                    "total_s": round(statistics.median(r[1] for r in runs), 2),
                    "chunks": runs[0][2],
                    "screenings": screenings[0] if config else 0,
                }
                print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
