"""The HTTP types both edges share: an Invocation in, a Reply (or, on an edge that can deliver it, a StreamReply) out.

Nothing here knows fdk or ASGI: `envelope.py` converts fdk's context and Response, `edges/asgi.py` ASGI's scope and
messages.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from .errors import UpstreamFailed

MAX_RESPONSE_BYTES = 6 * 1024 * 1024
"""The largest reply body the function sends. OCI Functions documents 6 MB for a request ("This limit is currently
6MB", InvokeFunction's body); the response's limit is not documented and is taken to be the same (UNVERIFIED). A
reply over it is answered as an error instead (router.dispatch), never cut or left to the platform."""


@dataclass(frozen=True)
class Invocation:
    """One call, independent of the edge: what the app needs and nothing that could override configuration."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    call_id: str
    deadline: float
    """time.monotonic() value by which the answer must be written."""
    via_gateway: bool
    malformed_url: bool = False
    """Fn-Http-Request-Url did not parse (`//[x/chat`): the router answers 400, in the route's contract."""
    body_timed_out: bool = False
    """The streaming edge stopped waiting for the body at the call's deadline: the router answers 408, in the
    route's contract (`body` is then empty)."""
    streaming: bool = False
    """The edge can deliver a reply as it comes (the ASGI edge): a request with `stream: true` is then answered by a
    StreamReply. The fdk edge buffers every reply, so it never sets this."""

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    def wants_json(self) -> bool:
        return "application/json" in self.header("accept").lower()


@dataclass(frozen=True)
class Reply:
    """What the function answers: status, body, content type and extra headers (edge-independent)."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StreamReply:
    """A reply delivered as it is generated: the status and headers go first, then each chunk as it comes.

    `chunks` is a sync iterator (Chunks): the edge pulls one chunk at a time (a slow reader never grows memory),
    and closes it when the client goes away, which closes the upstream response (cancelling the generation). The
    request's log line is written when the iterator ends or is closed, even before its first chunk.
    """

    status: int
    content_type: str
    chunks: Iterator[bytes]
    headers: dict[str, str] = field(default_factory=dict)

    def buffered(self) -> Reply:
        """The whole stream as one reply: what an edge that cannot stream (the fdk edge) sends for `stream: true`."""
        return Reply(self.status, b"".join(self.chunks), self.content_type, self.headers)


class Chunks(Iterator[bytes]):
    """A stream's chunks whose `ending` runs exactly once, however they end: exhausted, failed, or closed (`ending`
    gets True), even before the first chunk was pulled, when a generator's `finally` would never run (a client gone
    between the headers and the body). Each step, and the closing of `chunks`, runs inside `scope()`."""

    def __init__(
        self,
        chunks: Iterator[bytes],
        ending: Callable[[bool], None],
        scope: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext,
    ) -> None:
        self._chunks, self._ending, self._scope = chunks, ending, scope
        self._ended = False

    def __next__(self) -> bytes:
        if self._ended:
            raise StopIteration
        try:
            with self._scope():
                return next(self._chunks)
        except BaseException:  # StopIteration too: the end
            self._end(early=False)
            raise

    def close(self) -> None:
        """The edge is done with the stream (a client gone, a reader too slow): `chunks` closed, then the ending."""
        self._end(early=True)

    def _end(self, early: bool) -> None:
        if self._ended:
            return
        self._ended = True
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                with self._scope():
                    close()
        finally:
            self._ending(early)


JSON = "application/json"


COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
"""Built once: json.dumps with options builds a new encoder on every call. RFC 8259 JSON only: no NaN, no
Infinity (Python's default would write them as bare words no JSON parser reads)."""


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON that always encodes: a lone surrogate (text that cannot be UTF-8) becomes U+FFFD, never a
    \\ud800 escape a strict parser refuses. A NaN or an infinity can only have come from the service (every request
    number is finite: body.strict_json), so it is the service's failure, a 502, never a reply that is not JSON."""
    try:
        text = COMPACT_JSON.encode(value)
    except ValueError:  # "Out of range float values are not JSON compliant"
        raise UpstreamFailed("the service returned a number that is not JSON (NaN or Infinity)") from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # surrogates appear in a JSON text only inside its strings: replaced in place
        return well_formed(text).encode("utf-8")


def well_formed(text: str) -> str:
    """`text` with every lone surrogate (what a \\ud800 escape in the service's JSON decodes to) replaced by
    U+FFFD; the same text, not a copy, when it has none. One character for one, so offsets into it still hold."""
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""A Python str holds a surrogate only when it is lone: the JSON decoder pairs escaped halves into one code point."""


def json_reply(status: int, value: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json_bytes(value), JSON, headers or {})


OVERHEAD_HEADER = "x-genai-overhead-ms"
"""The function's own milliseconds for this call, upstream excluded (as gateways publish theirs: LiteLLM's
`x-litellm-overhead-duration-ms`); docs/operations.md#overhead."""

AnyReply = TypeVar("AnyReply", Reply, StreamReply)


def with_request_ids(
    reply: AnyReply, call_id: str, opc_request_id: str | None, overhead_ms: float | None = None
) -> AnyReply:
    """The reply with `x-request-id` (the call id, what the openai SDK reads as `_request_id`), when the service
    answered `opc-request-id` (what Oracle support asks for) and, when given, `x-genai-overhead-ms`; a header the
    reply already set is kept."""
    ids = {"x-request-id": call_id, "opc-request-id": opc_request_id or ""}
    if overhead_ms is not None:
        ids[OVERHEAD_HEADER] = f"{overhead_ms:.2f}"
    return with_headers(reply, ids)


SERVED_BY_HEADER = "x-genai-served-by"
"""Every chat reply: the model id or dedicated endpoint that answered (a fallback's, when one did: FALLBACKS)."""


def with_headers(reply: AnyReply, headers: Mapping[str, str | None]) -> AnyReply:
    """The reply with each of `headers` that has a value and that the reply does not set already."""
    present = {name.lower() for name in reply.headers}
    added = {name: value for name, value in headers.items() if value and name not in present}
    return replace(reply, headers={**reply.headers, **added}) if added else reply
