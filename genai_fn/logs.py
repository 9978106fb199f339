"""Request facts and the one log line per request: never the prompt or the reply unless LOG_CONTENT is on.

Whoever learns a fact about the current request (the router its route, a use case its model and tokens) writes it
into `current_record()`; each upstream call fills its own CallFacts, which the use case keeps in the record, and
RequestLog.write, the one formatter, adds them up into the JSON line. App.handle opens the record. Errors carry
only what the caller sees.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from pathlib import PurePath
from traceback import extract_tb
from typing import Any, TextIO

NOISY_LOGGERS = ("oci", "urllib3", "oci._vendor.urllib3", "fdk", "asyncio", "redis")
"""fdk sets the root logger to DEBUG; these would otherwise write several lines per call, some with headers (redis-py,
loaded only with budgets on, logs its connection's handshake at DEBUG)."""


def quiet_libraries(level: int = logging.WARNING) -> None:
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(level)


@dataclass
class CallFacts:
    """What one upstream call cost, filled by the upstream layer into the caller's own object (never shared)."""

    attempts: int = 0
    ms: float = 0.0
    opc_request_id: str | None = None
    """The service's request id of the last attempt that got an answer (success or error)."""
    message_chars: int | None = None
    """Only for a service 4xx: its message's full length (the caller gets it cut and cleaned; never the text)."""
    billable_attempts: int = 0
    """Attempts the service may have billed: each answered one, and each failed one whose outcome is unknown
    (upstream.failures.may_have_billed); the budgets charge by it (usecases/metering.py)."""
    served_by: str | None = None
    """The model id or dedicated endpoint OCID the call named."""
    selected_region: str | None = None
    """The service's `x-genai-selected-region` answer header, when it sent one (a routing profile's serving region)."""
    may_fall_back: bool = False
    """Set on failure: another target may answer what this one could not (upstream.failures.may_fall_back)."""


@dataclass
class RequestRecord:
    """The facts about one request, filled in while it is handled and written once by RequestLog."""

    call_id: str
    route: str
    method: str
    via_gateway: bool
    cold_start: bool
    caller: str | None = None
    """Who is calling (genai_fn/caller.py): the gateway's X-Genai-Caller, or fn-invoke; accounting and budgets only."""
    model: str | None = None
    api_format: str | None = None
    status: int = 0
    code: str | None = None
    latency_ms: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    cached_tokens: int | None = None
    """Of prompt_tokens, those the service read from its prompt cache; only when the service reports them."""
    reasoning_tokens: int | None = None
    """Of completion_tokens, those spent reasoning; only when the service reports them."""
    ttft_ms: float | None = None
    """Only for a streamed reply: milliseconds from the request to the first delta with content (time to first
    token, as the caller's client sees it less the network)."""
    error_type: str | None = None
    """Only for a bug (an exception that is not a ProxyError): its class name."""
    traceback: list[str] | None = None
    """Only for a bug: its frames as file:line:function, innermost last; never its message or locals."""
    content: dict[str, Any] | None = None
    """Only with LOG_CONTENT=true: the request and reply text."""
    budget: dict[str, Any] | None = None
    """Only with TOKEN_BUDGETS: the tokens reserved, whether a budget applied, a store failure (fail-open)."""
    closed_early: bool | None = None
    """Only on the streaming edge: true when the stream was closed before its end, because the client went away or
    read too slowly for the deadline (the upstream call was closed then, cancelling the generation)."""
    guardrails: dict[str, Any] | None = None
    """Per stage (input, output, embeddings): checks run and fired, scores, PII labels and counts; never the text."""
    served_by: str | None = None
    """The model id or endpoint that answered the chat call (the reply's `x-genai-served-by`)."""
    fallback_from: str | None = None
    """The model the caller chose, when a fallback target answered instead (FALLBACKS)."""
    selected_region: str | None = None
    """The region the service says served the call (`x-genai-selected-region`, routing profiles)."""
    fallback: dict[str, Any] | None = None
    """Only with FALLBACKS, when a chain was walked: targets cooling, skipped (and why), failed; a cooldown store
    error."""

    calls: list[CallFacts] = field(default_factory=list)
    """The model calls made for this request (chat, embed, rerank); guardrails calls log in their own entries."""

    @contextlib.contextmanager
    def upstream_call(self) -> Iterator[CallFacts]:
        """Facts for one model call, kept in this record whether the call succeeds or fails."""
        facts = CallFacts()
        try:
            yield facts
        finally:
            self.calls.append(facts)

    @property
    def service_ms(self) -> float:
        """Time spent waiting on OCI Generative AI: every model call, and each guardrails stage's call (its `ms`)."""
        stages = (self.guardrails or {}).values()
        screening: float = sum(stage.get("ms", 0.0) for stage in stages if isinstance(stage, dict))
        return sum(call.ms for call in self.calls) + screening

    @property
    def overhead_ms(self) -> float:
        """The function's own time: its latency minus the time spent waiting on the service (x-genai-overhead-ms)."""
        return max(self.latency_ms - self.service_ms, 0.0)

    @property
    def opc_request_id(self) -> str | None:
        """The service's request id of the last model call that got one (what Oracle support asks for)."""
        return next((call.opc_request_id for call in reversed(self.calls) if call.opc_request_id), None)

    def note_bug(self, exc: BaseException) -> None:
        """Keep what locates a bug (type and frames) and nothing it holds: its message may quote the request."""
        self.error_type = type(exc).__name__
        self.traceback = [
            f"{_short_path(frame.filename)}:{frame.lineno}:{frame.name}" for frame in extract_tb(exc.__traceback__)
        ]


def _short_path(filename: str) -> str:
    """The file's package and name (usecases/chat.py), without the host's directories."""
    return "/".join(PurePath(filename).parts[-2:])


CURRENT: ContextVar[RequestRecord] = ContextVar("genai_fn_request")
"""The record of the request being handled; App.handle sets it for the request (scope.scoped)."""


def current_record() -> RequestRecord:
    """The record of the request being handled; outside a request (a unit test) a detached one, discarded."""
    try:
        return CURRENT.get()
    except LookupError:
        return RequestRecord(call_id="", route="", method="", via_gateway=False, cold_start=False)


class RequestLog:
    """Writes RequestRecords as JSON lines to a stream (stderr in production, a buffer in tests), and hands each
    line's dict to `sink` when one is given (the streaming edge's usage metrics, genai_fn/edges/usage.py)."""

    def __init__(self, stream: TextIO | None = None, sink: Callable[[dict[str, Any]], None] | None = None) -> None:
        self._stream = stream
        self._sink = sink

    def write(self, record: RequestRecord) -> None:
        line: dict[str, Any] = {
            "ts": utc_now(),
            "level": "INFO" if record.status < 500 else "ERROR",
            "event": "request",
        }
        for name in _RECORD_FIELDS:
            value = getattr(record, name)
            if value is not None:
                line[name] = value
        line["latency_ms"] = round(record.latency_ms, 1)
        line["overhead_ms"] = round(record.overhead_ms, 2)
        line["attempts"] = sum(call.attempts for call in record.calls)
        if record.calls:
            line["upstream_ms"] = round(sum(call.ms for call in record.calls), 1)
        if record.opc_request_id:
            line["opc_request_id"] = record.opc_request_id
        chars = [call.message_chars for call in record.calls if call.message_chars is not None]
        if chars:
            line["upstream_message_chars"] = chars[-1]
        if self._sink is not None:
            self._sink(line)
        stream = self._stream or sys.stderr
        stream.write(_LINE_JSON.encode(line) + "\n")
        stream.flush()


_RECORD_FIELDS = tuple(item.name for item in fields(RequestRecord) if item.name != "calls")
"""The record's fields in order, read once (dataclasses.fields() walks the class on every call)."""
_LINE_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def utc_now() -> str:
    """The log lines' `ts`: UTC, milliseconds, a Z suffix."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
