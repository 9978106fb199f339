"""Read the service's reply within a byte budget and the invocation deadline, while it arrives.

The SDK reads a reply whole (requests' `Response.content`) and then deserializes all of it into model objects, with
only per-read socket timeouts: a huge reply costs memory several times its size, and a reply trickling one byte per
read never times out. A response hook on the client's session (requests' public hook, run before the body is read,
for streamed and non-streamed calls alike) refuses a Content-Length over the budget at once and swaps the urllib3
body for a reader that counts bytes and checks a monotonic deadline before every socket read, shrinking the socket
timeout to the time left. Over either bound it closes the connection and raises the ProxyError the caller gets; the
retry checker and failures.translate pass ProxyErrors through untouched, so neither is retried.

A reply that echoes the request back (Cohere V1's chatHistory and documents: the family's `echoed_reply_fields`)
has those fields dropped while read (echo.EchoSkipper), so only what the service adds counts against the budget:
the caller's own prompt never makes its reply "too large". Streaming the echo through costs time, not memory; its
raw size is still bounded, by what the request could make the service repeat (ECHO_FACTOR).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from urllib3.exceptions import ReadTimeoutError

from ..errors import UpstreamFailed, UpstreamTimeout
from .echo import EchoSkipper

READ_SIZE = 64 * 1024
"""At most this much per socket read; each read returns what one recv() delivered, so the deadline is checked
between the bytes of a trickle, not only after a full chunk."""
ERROR_BODY_BYTES = 64 * 1024
"""An error reply (status 300 and up) is read this far and cut there, not refused: its status still reaches the
caller, and only the first few hundred characters of its message are ever shown (service_message)."""
ECHO_FACTOR = 2
"""An echoing reply's raw size may reach ECHO_FACTOR x (the request's body + max_bytes): the echo repeats the
request's history, documents and tool results and the reply's own text once more, escaped its own way."""


@dataclass(frozen=True)
class ReplyBudget:
    """What one attempt's reply may cost: its size in bytes, and the monotonic time by which all of it has arrived;
    `echo_fields`: members of chatResponse that only echo the request, dropped while read."""

    max_bytes: int
    deadline: float
    echo_fields: tuple[str, ...] = ()
    stream_idle: float | None = None
    """A streamed reply (server-sent events): the longest silence between two reads, in seconds. Its bytes are
    then bounded per event (`max_bytes` each), not in total: the events are read one at a time, never kept."""


BUDGET: ContextVar[ReplyBudget | None] = ContextVar("genai_fn_reply_budget", default=None)
"""The budget of the attempt being read; the retry strategy sets it around each attempt (scope.scoped)."""


def install(session: Any) -> None:
    """Hook the bound into a requests session (the SDK client's `base_client.session`); idempotent.

    The SDK replaces its session on some errors with a shallow copy, which shares this hook list."""
    hooks = session.hooks.setdefault("response", [])
    if bound_reply not in hooks:
        hooks.append(bound_reply)


def bound_reply(response: Any, **_: Any) -> Any:
    """requests response hook: refuse an announced oversize reply, bound the reading of any other."""
    budget = BUDGET.get()
    raw = response.raw
    if budget is None or not hasattr(raw, "read1"):
        return response
    failed = not 200 <= (response.status_code or 0) <= 299
    if budget.stream_idle is not None and not failed:
        response.raw = BoundedBody(raw, budget, event_cap=budget.max_bytes + ECHO_FACTOR * _request_bytes(response))
        return response
    echo = budget.echo_fields if not failed else ()
    raw_cap = ECHO_FACTOR * (_request_bytes(response) + budget.max_bytes) if echo else budget.max_bytes
    length = _content_length(response.headers.get("content-length"))
    if not failed and length is not None and length > raw_cap:
        _abort(raw)
        raise reply_too_large(budget)
    response.raw = BoundedBody(
        raw,
        budget,
        cut_at=min(budget.max_bytes, ERROR_BODY_BYTES) if failed else None,
        raw_cap=raw_cap,
        skipper=EchoSkipper(echo) if echo else None,
    )
    return response


def reply_too_large(budget: ReplyBudget) -> UpstreamFailed:
    return UpstreamFailed(
        f"the Generative AI service's reply was too large (over MAX_REPLY_BYTES, {budget.max_bytes} bytes); "
        "ask for fewer tokens or send less chat history"
    )


def _request_bytes(response: Any) -> int:
    """The size of the request this reply answers (the SDK sends JSON with ASCII escapes: characters are bytes)."""
    body = getattr(getattr(response, "request", None), "body", None)
    return len(body) if isinstance(body, str | bytes) else 0


def reply_too_slow() -> UpstreamTimeout:
    return UpstreamTimeout("the Generative AI service's reply did not arrive before the invocation deadline")


def stream_stalled(seconds: float) -> UpstreamTimeout:
    return UpstreamTimeout(f"the Generative AI service sent nothing for {seconds:g} s (STREAM_IDLE_SECONDS)")


class BoundedBody:
    """A urllib3 response whose `stream()` (what requests reads the body with) keeps to a ReplyBudget.

    Over the byte budget it raises, or with `cut_at` (an error reply) it ends the body there. With a `skipper` the
    echoed fields are dropped first: what is kept counts against the budget, what arrives against `raw_cap`. With
    `event_cap` (a stream of server-sent events) each event, not the whole body, is bounded, and a silence longer
    than the budget's `stream_idle` ends it. Everything else (close, release_conn, headers, ...) is the wrapped
    response's own."""

    def __init__(
        self,
        raw: Any,
        budget: ReplyBudget,
        *,
        cut_at: int | None = None,
        raw_cap: int | None = None,
        skipper: EchoSkipper | None = None,
        event_cap: int | None = None,
    ) -> None:
        self._raw = raw
        self._event_cap = event_cap
        self._event_bytes = 0
        self._budget = budget
        self._cut_at = cut_at
        self._raw_cap = budget.max_bytes if raw_cap is None else raw_cap
        self._skipper = skipper
        self._sock = _socket_of(raw)
        self._read_timeout = self._sock.gettimeout() if self._sock is not None else None
        self.bytes_read = 0
        self.bytes_kept = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        while True:
            self._before_read()
            try:
                data: bytes = self._raw.read1(READ_SIZE, decode_content=decode_content)
            except ReadTimeoutError:
                if time.monotonic() >= self._budget.deadline:
                    self._abort_with(reply_too_slow())
                if self._budget.stream_idle is not None:
                    self._abort_with(stream_stalled(self._budget.stream_idle))
                raise
            if not data:
                return
            if self._event_cap is not None:
                self._count_events(data)
                yield data
                continue
            if self._cut_at is not None and self.bytes_read + len(data) >= self._cut_at:
                yield data[: self._cut_at - self.bytes_read]
                self.bytes_read = self._cut_at
                _abort(self._raw)
                return
            self.bytes_read += len(data)
            if self.bytes_read > self._raw_cap:
                self._abort_with(reply_too_large(self._budget))
            if self._skipper is not None:
                data = self._skipper.feed(data)
            self.bytes_kept += len(data)
            if self.bytes_kept > self._budget.max_bytes:
                self._abort_with(reply_too_large(self._budget))
            if data:
                yield data

    def read(self, amt: int | None = None, decode_content: bool | None = None, **_: Any) -> bytes:
        """The whole rest of the body (or `amt` bytes of it), within the budget."""
        chunks: list[bytes] = []
        size = 0
        for chunk in self.stream(decode_content=decode_content):
            chunks.append(chunk)
            size += len(chunk)
            if amt is not None and size >= amt:
                break
        return b"".join(chunks)

    def _count_events(self, data: bytes) -> None:
        """The bytes of the event being received: an event over the cap is never gathered (the SSE reader would
        hold it whole). Events end at a blank line (`\n\n`, `\r\n\r\n`)."""
        end = max(data.rfind(b"\n\n"), data.rfind(b"\r\n\r\n"))
        self._event_bytes = len(data) - end if end >= 0 else self._event_bytes + len(data)
        if self._event_cap is not None and self._event_bytes > self._event_cap:
            self._abort_with(reply_too_large(self._budget))

    def _before_read(self) -> None:
        left = self._budget.deadline - time.monotonic()
        if left <= 0:
            self._abort_with(reply_too_slow())
        if self._sock is not None:
            limit = self._read_timeout if self._budget.stream_idle is None else self._budget.stream_idle
            timeout = left if limit is None else min(limit, left)
            with contextlib.suppress(OSError):  # a socket already closed by the peer: the read reports it
                self._sock.settimeout(timeout)

    def _abort_with(self, error: Exception) -> None:
        _abort(self._raw)
        raise error


def _abort(raw: Any) -> None:
    """Close the connection (its unread rest is never read) and hand it back to the pool, which reconnects."""
    with contextlib.suppress(Exception):
        raw.close()
    with contextlib.suppress(Exception):
        raw.release_conn()


def _content_length(value: str | None) -> int | None:
    if value is None or not value.strip().isascii() or not value.strip().isdigit():
        return None
    return int(value.strip())


def _socket_of(raw: Any) -> Any:
    """The socket the body arrives on: the pooled connection's, or (for a `Connection: close` reply, whose
    connection urllib3 has already let go of) the one under http.client's buffered reader."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is None:
        buffered = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(buffered, "raw", None), "_sock", None)
    return sock if hasattr(sock, "settimeout") else None
