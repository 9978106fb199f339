"""The ASGI edge: a plain ASGI3 callable around App.handle, delivering a StreamReply chunk by chunk.

Why no framework: the edge needs one route-less callable (the router already matches paths), a body read with a
bound, a worker thread per blocking step and a disconnect watch; Starlette would add a dependency and a layer for
none of those. The App's work is synchronous (the SDK's requests), so `App.handle` and each `next()` of a stream
run in a bounded thread pool (STREAM_WORKERS threads, config.py; a stream holds one only while it waits for its next
chunk), all in one `contextvars.Context` per request so a request's context variables stay its own across threads.

Backpressure: one chunk is in flight per stream. The next is pulled only after uvicorn took the previous one, and
uvicorn's `send` waits while the socket's write buffer is full, so a slow reader pauses the upstream read (and the
service, through TCP) instead of growing memory. A client that goes away (`http.disconnect`), or a reader so slow
that the invocation's deadline passes, ends the stream: its chunks iterator is closed, which closes the upstream
response (cancelling the generation), and the log line records `closed_early`.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from .. import lazy
from ..app import App
from ..caller import CALLER_HEADER
from ..config import PLATFORM_BODY_LIMIT, Settings
from ..errors import ConfigError
from ..http import Invocation, Reply, StreamReply, with_headers
from ..logs import RequestLog

if TYPE_CHECKING:
    from . import usage as edge_usage
else:  # loaded only when the edge posts usage metrics: its import set is unchanged without them
    edge_usage = lazy("genai_fn.edges.usage")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
T = TypeVar("T")

log = logging.getLogger("genai_fn")

USAGE_METRICS_MODES = ("", "edge", "off")


def posts_usage_metrics(environ: Mapping[str, str]) -> bool:
    """USAGE_METRICS=edge, or (unset) the usage function's USAGE_METRICS_COMPARTMENT_OCID given; `off`: never. The
    metrics' own settings are the usage function's (UsageSettings, read by edges/usage.py)."""
    mode = environ.get("USAGE_METRICS", "").strip().lower()
    if mode not in USAGE_METRICS_MODES:
        raise ConfigError("USAGE_METRICS must be edge or off (unset: on when USAGE_METRICS_COMPARTMENT_OCID is set)")
    return mode == "edge" or (not mode and bool(environ.get("USAGE_METRICS_COMPARTMENT_OCID", "").strip()))


class StreamingEdge:
    """The ASGI application: built once, it answers every HTTP request through `App.handle`."""

    def __init__(self, app: App, usage: edge_usage.EdgeUsage | None = None) -> None:
        self.app = app
        state = app.state
        self.settings: Settings | None = None if isinstance(state, ConfigError) else state.settings
        """None when the configuration is broken: every call is then a 500 at once, and Settings' defaults apply."""
        self.usage = usage
        """Usage metrics posted by the edge itself (edges/usage.py), when configured; fed by the App's RequestLog."""
        workers = Settings.stream_workers if self.settings is None else self.settings.stream_workers
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="genai-edge")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StreamingEdge:
        """Never raises, like App.from_env: a bad setting (the edge's included) is answered (as a 500) on every call."""
        environ = os.environ if environ is None else environ
        try:
            usage = edge_usage.EdgeUsage.from_env(environ) if posts_usage_metrics(environ) else None
        except ConfigError as error:
            log.error("configuration error: %s", error.message)
            return cls(App(error))
        request_log = RequestLog(sink=usage.record) if usage is not None else None
        return cls(App.from_env(environ, request_log=request_log), usage)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        # websocket: not served; returning without accepting makes the server refuse the handshake

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.usage is not None:
                    self.usage.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._pool.shutdown(wait=False, cancel_futures=True)
                if self.usage is not None:  # the last lines: posted before the process ends (its own thread)
                    await asyncio.get_running_loop().run_in_executor(None, self.usage.close)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        context = contextvars.copy_context()
        settings = self.settings
        seconds = Settings.stream_deadline_seconds if settings is None else settings.stream_deadline_seconds
        deadline = started + seconds
        # One over the configured limit, so the router answers 413 (its contract's error) without more being read.
        limit = (PLATFORM_BODY_LIMIT if settings is None else settings.max_body_bytes) + 1
        timed_out = False
        try:
            body = await _read_body(receive, limit, deadline)
        except TimeoutError:  # a client too slow to send its request: the router answers 408, in the route's shape
            body, timed_out = b"", True
        if body is None:  # the client left before sending its whole request: nothing to answer
            return
        invocation = Invocation(
            method=scope["method"].upper(),
            path=scope.get("path") or "/",
            headers=_headers(scope, trusted=settings is not None and settings.stream_trust_caller_header),
            body=body,
            call_id=uuid.uuid4().hex,
            deadline=deadline,
            via_gateway=True,
            streaming=True,
            body_timed_out=timed_out,
        )
        reply = await self._in_thread(context, self.app.handle, invocation)
        if isinstance(reply, Reply):
            if timed_out or len(body) >= limit:  # the rest of the body is unread: the server closes the connection
                reply = with_headers(reply, {"connection": "close"})
            await _send_reply(send, reply)
        else:
            await self._send_stream(context, send, receive, reply, invocation.deadline)

    async def _in_thread(self, context: contextvars.Context, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, context.run, call, *args)

    async def _send_stream(
        self, context: contextvars.Context, send: Send, receive: Receive, reply: StreamReply, deadline: float
    ) -> None:
        gone = asyncio.ensure_future(_disconnected(receive))
        chunks = reply.chunks
        finished = False
        try:
            await send({"type": "http.response.start", "status": reply.status, "headers": _wire_headers(reply)})
            while True:
                pulling = asyncio.ensure_future(self._in_thread(context, _next, chunks))
                await asyncio.wait((pulling, gone), return_when=asyncio.FIRST_COMPLETED)
                chunk = await pulling  # a chunk being made is let finish: a generator cannot be closed mid-step
                if gone.done() or chunk is None:
                    finished = chunk is None
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                sending = asyncio.ensure_future(send({"type": "http.response.body", "body": chunk, "more_body": True}))
                await asyncio.wait((sending, gone), timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                if not sending.done():  # the reader went away, or read too slowly for the deadline
                    sending.cancel()
                    break
        finally:
            gone.cancel()
            if not finished:  # closes the upstream response; the App's wrapper writes the log line either way
                await self._in_thread(context, _close, chunks)
        if finished:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


def _next(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)


def _close(chunks: Iterator[bytes]) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


async def _disconnected(receive: Receive) -> None:
    """Returns when the client has gone away (after the body, `receive` yields only http.disconnect)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def _read_body(receive: Receive, limit: int, deadline: float) -> bytes | None:
    """The request body, or its first `limit` bytes as soon as it reaches them: the rest is never read (the router
    answers 413 and the server closes the connection), so neither memory nor time goes to an over-long body. None
    when the client went away first; TimeoutError when the body has not arrived by the deadline."""
    parts: list[bytes] = []
    kept = 0
    while True:
        message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
        if message["type"] == "http.disconnect":
            return None
        piece: bytes = message.get("body", b"")[: limit - kept]
        parts.append(piece)
        kept += len(piece)
        if kept >= limit or not message.get("more_body", False):
            return b"".join(parts)


def _headers(scope: Scope, *, trusted: bool) -> dict[str, str]:
    """Lower-cased names, the first value of a repeated header (as the fdk edge keeps it), latin-1 as HTTP has it.
    X-Genai-Caller is dropped unless the deployment vouches that only the gateway reaches the edge and sets or
    blocks it (STREAM_TRUST_CALLER_HEADER): any client can send it, and it chooses whose budget a call spends."""
    headers: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    if not trusted:
        headers.pop(CALLER_HEADER.lower(), None)
    return headers


def _wire_headers(reply: Reply | StreamReply) -> list[tuple[bytes, bytes]]:
    headers = {"content-type": reply.content_type, **{k.lower(): v for k, v in reply.headers.items()}}
    if isinstance(reply, StreamReply):
        headers.setdefault("cache-control", "no-cache")
        headers.setdefault("x-accel-buffering", "no")  # proxies that buffer by default (nginx) pass chunks on
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


async def _send_reply(send: Send, reply: Reply) -> None:
    headers = [*_wire_headers(reply), (b"content-length", str(len(reply.body)).encode())]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body, "more_body": False})


def build() -> StreamingEdge:
    """uvicorn's app factory (`uvicorn --factory genai_fn.edges.asgi:build`): configuration from the environment."""
    return StreamingEdge.from_env()


__all__ = ["StreamingEdge", "build"]
