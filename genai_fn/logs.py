"""Request facts and the one log line per request: never the prompt or the reply unless LOG_CONTENT is on.

Whoever learns a fact about the current request (the router its route, a use case its model and tokens, the
upstream layer its attempts and time) writes it into `current_record()`; App.handle opens the record, and
RequestLog.write is the one formatter that turns it into the JSON line. Errors carry only what the caller sees.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from pathlib import PurePath
from traceback import extract_tb
from typing import Any, TextIO

NOISY_LOGGERS = ("oci", "urllib3", "oci._vendor.urllib3", "fdk", "asyncio")
"""fdk sets the root logger to DEBUG; these would otherwise write several lines per call, some with headers."""


def quiet_libraries(level: int = logging.WARNING) -> None:
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(level)


@dataclass
class RequestRecord:
    """The facts about one request, filled in while it is handled and written once by RequestLog."""

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
    upstream_message_chars: int | None = None
    """Only for a service 4xx: its message's full length (the caller gets it cut and cleaned; never the text)."""
    error_type: str | None = None
    """Only for a bug (an exception that is not a ProxyError): its class name."""
    traceback: list[str] | None = None
    """Only for a bug: its frames as file:line:function, innermost last; never its message or locals."""
    content: dict[str, Any] | None = None
    """Only with LOG_CONTENT=true: the request and reply text."""
    guardrails: dict[str, Any] | None = None
    """Per stage (input, output, embeddings): checks run and fired, scores, PII labels and counts; never the text."""

    def note_bug(self, exc: BaseException) -> None:
        """Keep what locates a bug (type and frames) and nothing it holds: its message may quote the request."""
        self.error_type = type(exc).__name__
        self.traceback = [
            f"{_short_path(frame.filename)}:{frame.lineno}:{frame.name}" for frame in extract_tb(exc.__traceback__)
        ]


def _short_path(filename: str) -> str:
    """The file's package and name (genai_fn/usecases.py), without the host's directories."""
    return "/".join(PurePath(filename).parts[-2:])


_CURRENT: ContextVar[RequestRecord] = ContextVar("genai_fn_request")


def current_record() -> RequestRecord:
    """The record of the request being handled; outside a request (a unit test) a detached one, discarded."""
    try:
        return _CURRENT.get()
    except LookupError:
        return RequestRecord(call_id="", route="", method="", via_gateway=False, cold_start=False)


@contextlib.contextmanager
def recording(record: RequestRecord) -> Iterator[RequestRecord]:
    """Make `record` the current request's record for the duration of the block."""
    token = _CURRENT.set(record)
    try:
        yield record
    finally:
        _CURRENT.reset(token)


class RequestLog:
    """Writes RequestRecords as JSON lines to a stream (stderr in production, a buffer in tests)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def write(self, record: RequestRecord) -> None:
        line: dict[str, Any] = {
            "ts": _utc_now(),
            "level": "INFO" if record.status < 500 else "ERROR",
            "event": "request",
        }
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
