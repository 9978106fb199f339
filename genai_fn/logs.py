"""Structured logging: exactly one JSON line per request, never the prompt or the reply unless LOG_CONTENT is on."""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any, TextIO

NOISY_LOGGERS = ("oci", "urllib3", "oci._vendor.urllib3", "fdk", "asyncio")
"""fdk sets the root logger to DEBUG; these would otherwise write several lines per call, some with headers."""


def quiet_libraries(level: int = logging.WARNING) -> None:
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(level)


@dataclass
class RequestRecord:
    """Filled in while a request is handled; written once from App.handle's finally block."""

    call_id: str
    route: str
    method: str
    via_gateway: bool
    cold_start: bool
    model: str | None = None
    api_format: str | None = None
    status: int = 0
    code: str | None = None
    opc_request_id: str | None = None
    attempts: int = 0
    latency_ms: float = 0.0
    upstream_ms: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    content: dict[str, Any] | None = None
    """Only with LOG_CONTENT=true: the request and reply text."""


class RequestLog:
    """Writes RequestRecords as JSON lines to a stream (stderr in production, a buffer in tests)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def write(self, record: RequestRecord) -> None:
        line = {"ts": _utc_now(), "level": "INFO" if record.status < 500 else "ERROR", "event": "request"}
        line.update((key, value) for key, value in asdict(record).items() if value is not None)
        line["latency_ms"] = round(record.latency_ms, 1)
        if record.upstream_ms is not None:
            line["upstream_ms"] = round(record.upstream_ms, 1)
        stream = self._stream or sys.stderr
        stream.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        stream.flush()


def _utc_now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
