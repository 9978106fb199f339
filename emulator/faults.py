"""Queued faults and latency, consumed one per chat/embed request in the order they were queued."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

FAULT_KINDS = frozenset({"delay", "drop", "reset", "malformed", "truncated", "html", "wrong_format", "empty"})


@dataclass
class Fault:
    """`kind` is "error" (from fail_next) or one of FAULT_KINDS."""

    kind: str
    remaining: int
    status: int = 200
    code: str = ""
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FaultPlan:
    """Thread-safe FIFO of faults plus a constant latency."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()
        self.latency = 0.0

    def add(self, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be at least 1")
        if fault.kind != "error" and fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; expected one of {sorted(FAULT_KINDS)}")
        with self._lock:
            self._queue.append(fault)

    def take(self) -> Fault | None:
        """The fault for this request, if any; each call uses up one of its `times`."""
        with self._lock:
            if not self._queue:
                return None
            fault = self._queue[0]
            fault.remaining -= 1
            if fault.remaining == 0:
                self._queue.popleft()
            return fault

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self.latency = 0.0
