"""The HTTP types both edges share: an Invocation in, a Reply (or, on an edge that can deliver it, a StreamReply) out.

Nothing here knows fdk or ASGI: `envelope.py` converts fdk's context and Response, `edges/asgi.py` ASGI's scope and
messages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

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

    `chunks` is a sync iterator (a generator): the edge pulls one chunk at a time (a slow reader never grows
    memory), and closes it when the client goes away, which closes the upstream response (cancelling the
    generation). The request's log line is written when the iterator ends or is closed.
    """

    status: int
    content_type: str
    chunks: Iterator[bytes]
    headers: dict[str, str] = field(default_factory=dict)


JSON = "application/json"


COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""Built once: json.dumps with options builds a new encoder on every call."""


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON that always encodes: text that cannot (a lone surrogate) falls back to \\u escapes."""
    try:
        return COMPACT_JSON.encode(value).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode("ascii")


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
    present = {name.lower() for name in reply.headers}
    added = {name: value for name, value in ids.items() if value and name not in present}
    return replace(reply, headers={**reply.headers, **added}) if added else reply
