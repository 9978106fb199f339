"""Queued faults and latency, consumed one per chat/embed request in the order they were queued.

Each kind takes the parameters listed in FAULT_PARAMS (with their defaults); every kind also takes `delay`, a
wait before anything is sent. Helpers build the hostile inputs tests feed through `fail_next`.
"""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

FAULT_PARAMS: dict[str, dict[str, float]] = {
    "delay": {},  # answer normally after `delay` seconds
    "drop": {},  # close the connection without a reply
    "reset": {},  # close with a TCP RST
    "malformed": {},  # 200 with a body that is not JSON
    "truncated": {},  # the whole body, but Content-Length claims 64 bytes more, then close
    "closed_mid_body": {},  # the right Content-Length, half the body, then close
    "html": {},  # a load balancer's HTML 502
    "wrong_format": {},  # a reply in the other apiFormat
    "empty": {},  # 200 with `{}`
    "trickle": {"interval": 0.2},  # headers, then the body one byte every `interval` seconds
    "stalled": {"stall": 30.0},  # headers, then nothing for `stall` seconds, then close
    "huge_reply": {"megabytes": 50.0},  # a valid chat reply whose text is that many MB (10**6 bytes)
    "huge_history": {"entries": 300_000.0},  # a Cohere V1 reply echoing that many chatHistory entries
    "stream_cut": {"after": 3.0},  # a streamed reply: `after` events, then the connection closes
    "stream_stall": {"after": 3.0, "stall": 30.0},  # a streamed reply: `after` events, `stall` s of silence, the rest
    "stream_error": {"after": 3.0},  # a streamed reply: `after` events, an error event, then the connection closes
}
"""Fault kind -> its parameters and their defaults."""
FAULT_KINDS = frozenset(FAULT_PARAMS)
COMMON_PARAMS = {"delay": 0.0}


@dataclass
class Fault:
    """`kind` is "error" (from fail_next) or one of FAULT_KINDS; `params` holds every parameter, defaults filled."""

    kind: str
    remaining: int
    status: int = 200
    code: str = ""
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, float] = field(default_factory=lambda: dict(COMMON_PARAMS))
    patch: dict[str, str] = field(default_factory=dict)
    """kind "patch" (from patch_next): dotted path in the ChatResult -> raw JSON text written there."""
    model: str | None = None
    """Only requests naming this model id or endpoint OCID (servingMode) get the fault; None: any request."""

    @classmethod
    def injected(cls, kind: str, times: int, params: dict[str, float]) -> Fault:
        """A transport/reply fault; refuses unknown kinds, unknown parameters and negative or non-finite values."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        allowed = {**COMMON_PARAMS, **FAULT_PARAMS[kind]}
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise ValueError(f"fault {kind!r} takes no parameter {unknown[0]!r}; it takes {sorted(allowed)}")
        merged = {**allowed, **params}
        for name, value in merged.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ValueError(f"fault parameter {name!r} must be a finite number >= 0")
        return cls(kind, times, params=merged)


def patched_json(data: Any, patch: dict[str, str]) -> bytes:
    """`data` as JSON with the raw JSON text of `patch` at each dotted path (`chatResponse.toolCalls.0.parameters`,
    list items by index): what a faulty service may write, e.g. `1e400`, `NaN` or a `\\ud800` escape, which no
    Python value serialises to. A missing last key is added; the rest of the path must exist."""
    marks = {}
    for number, (path, raw) in enumerate(patch.items()):
        *parents, last = path.split(".")
        target = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        mark = f"@@patch{number}@@"
        target[int(last) if isinstance(target, list) else last] = mark
        marks[json.dumps(mark)] = raw
    text = json.dumps(data)
    for mark, raw in marks.items():
        text = text.replace(mark, raw)
    return text.encode()


class FaultPlan:
    """Thread-safe FIFO of faults plus a constant latency."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()
        self.latency = 0.0

    def add(self, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._queue.append(fault)

    def take(self, operation: str = "chat", model: str | None = None) -> Fault | None:
        """The first queued fault for a request naming `model` (a fault without a model applies to any request), if
        any; each call uses up one of its `times`. A reply patch waits for the next chat request (a guardrails call
        before it leaves it queued)."""
        with self._lock:
            fault = next((f for f in self._queue if f.model is None or f.model == model), None)
            if fault is None or fault.kind == "patch" and operation != "chat":
                return None
            fault.remaining -= 1
            if fault.remaining == 0:
                self._queue.remove(fault)
            return fault

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self.latency = 0.0


HOSTILE_TEXT = (
    "failed reading /etc/oci/keys/tenancy-admin.pem:\n-----BEGIN RSA " + "PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA\x00\x07\x1b[31m\r\x7f\u202e"
)
"""A service message a function must not pass on verbatim: a file path, a PEM header, control characters."""


def hostile_message(megabytes: float = 0.0) -> str:
    """HOSTILE_TEXT, padded to `megabytes` MB (10**6 characters each) when asked; for `fail_next(message=...)`."""
    size = int(megabytes * 1_000_000)
    if size <= len(HOSTILE_TEXT):
        return HOSTILE_TEXT
    return HOSTILE_TEXT + "A" * (size - len(HOSTILE_TEXT))


def retry_after_forms(now: float) -> dict[str, str]:
    """`Retry-After` values of every form, for `fail_next(status=429, headers={"retry-after": value})`.

    RFC 9110 section 10.2.3 allows only delay-seconds (ASCII digits) and an HTTP-date; the rest are what a broken
    upstream sends. A value outside Latin-1 goes on the wire as UTF-8 bytes, which a client decodes as Latin-1.
    """
    return {
        "seconds": "30",
        "zero": "0",
        "http_date": formatdate(now + 30, usegmt=True),
        "past_http_date": formatdate(now - 30, usegmt=True),
        "unicode_superscript": "\u00b2",
        "unicode_arabic_digit": "\u0663",
        "garbage": "soon, maybe",
        "negative": "-5",
        "fraction": "1.5",
        "huge": "9" * 40,
        "empty": "",
    }


__all__ = ["FAULT_KINDS", "FAULT_PARAMS", "Fault", "FaultPlan", "hostile_message", "retry_after_forms"]
