"""The fdk edge: turn fdk's context and body into an Invocation, and a Reply into fdk's Response.

fdk-python puts everything on InvokeContext. Through API Gateway (Fn-Intent: httprequest) the client's method,
URL and headers arrive as Fn-Http-*; fdk turns Response.status_code into Fn-Http-Status there. On a plain
`fn invoke` there is no method or URL and no HTTP status reaches the caller, so error bodies carry the status too.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from fdk import response

from .errors import UpstreamFailed

DEFAULT_DEADLINE_SECONDS = 30.0
"""fdk's own default when Fn sends no Fn-Deadline."""
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
"""The largest reply body the function sends. OCI Functions documents 6 MB for a request ("This limit is currently
6MB", InvokeFunction's body); the response's limit is not documented and is taken to be the same (UNVERIFIED). A
reply over it is answered as an error instead (router.dispatch), never cut or left to the platform."""


@dataclass(frozen=True)
class Invocation:
    """One call, independent of fdk: what the app needs and nothing that could override configuration."""

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

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    def wants_json(self) -> bool:
        return "application/json" in self.header("accept").lower()


@dataclass(frozen=True)
class Reply:
    """What the function answers: status, body, content type and extra headers (fdk-independent)."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


JSON = "application/json"


COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
"""Built once: json.dumps with options builds a new encoder on every call. RFC 8259 JSON only: no NaN, no
Infinity (Python's default would write them as bare words no JSON parser reads)."""


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON that always encodes: a lone surrogate (text that cannot be UTF-8) becomes U+FFFD, never a
    \\ud800 escape a strict parser refuses. A NaN or an infinity can only have come from the service (every request
    number is finite: validate.strict_json), so it is the service's failure, a 502, never a reply that is not JSON."""
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


def with_request_ids(reply: Reply, call_id: str, opc_request_id: str | None, overhead_ms: float | None = None) -> Reply:
    """The reply with `x-request-id` (the Fn call id, what the openai SDK reads as `_request_id`), when the service
    answered `opc-request-id` (what Oracle support asks for) and, when given, `x-genai-overhead-ms`; a header the
    reply already set is kept."""
    ids = {"x-request-id": call_id, "opc-request-id": opc_request_id or ""}
    if overhead_ms is not None:
        ids[OVERHEAD_HEADER] = f"{overhead_ms:.2f}"
    return with_headers(reply, ids)


SERVED_BY_HEADER = "x-genai-served-by"
"""Every chat reply: the model id or dedicated endpoint that answered (a fallback's, when one did: FALLBACKS)."""


def with_headers(reply: Reply, headers: Mapping[str, str | None]) -> Reply:
    """The reply with each of `headers` that has a value and that the reply does not set already."""
    present = {name.lower() for name in reply.headers}
    added = {name: value for name, value in headers.items() if value and name not in present}
    return Reply(reply.status, reply.body, reply.content_type, {**reply.headers, **added}) if added else reply


def from_fdk(ctx: Any, data: Any) -> Invocation:
    # fdk fills HTTPHeaders() only when the raw Fn-Intent header says httprequest; ctx.Headers() alone could be
    # swayed by a caller's own "Fn-Intent" header, which the gateway forwards as Fn-Http-H-Fn-Intent.
    via_gateway = bool(ctx.HTTPHeaders()) or ctx.Headers().get("fn-intent") == "httprequest"
    raw_headers = ctx.HTTPHeaders() if via_gateway else ctx.Headers()
    body = data.getvalue() if hasattr(data, "getvalue") else (data or b"")
    url = (ctx.RequestURL() or "") if via_gateway else ""
    path, malformed_url = request_path(url)
    return Invocation(
        method=(ctx.Method() or "POST").upper() if via_gateway else "POST",
        path=path,
        headers=_flatten(raw_headers),
        body=body if isinstance(body, bytes) else str(body).encode(),
        call_id=ctx.CallID() or "",
        deadline=monotonic_deadline(ctx.Deadline()),
        via_gateway=via_gateway,
        malformed_url=malformed_url,
    )


def request_path(url: str) -> tuple[str, bool]:
    """The path of Fn-Http-Request-Url and whether the URL was malformed, never raising.

    urlsplit refuses an invalid bracketed host (`//[x/genai/chat`) with ValueError; that is the caller's doing, not
    a bug, and must not escape before the router's one error path: the authority is cut off by hand so the path
    still picks the route (and so the contract the 400 is rendered in).
    """
    try:
        return urlsplit(url).path, False
    except ValueError:
        rest = url.split("?", 1)[0].split("#", 1)[0]
        if "://" in rest:
            rest = rest.split("://", 1)[1]
        elif not rest.startswith("//"):
            return rest, True
        rest = rest.lstrip("/")
        return ("/" + rest.split("/", 1)[1] if "/" in rest else "/"), True


def _flatten(headers: Mapping[str, Any]) -> dict[str, str]:
    """fdk merges repeated headers into lists; keep the first value, lower-case names."""
    flat: dict[str, str] = {}
    for name, value in (headers or {}).items():
        flat[name.lower()] = str(value[0] if isinstance(value, list) and value else value)
    return flat


def monotonic_deadline(deadline: str | None) -> float:
    """Fn-Deadline (RFC 3339 wall clock) as a time.monotonic() value, so clock changes cannot move it."""
    remaining = DEFAULT_DEADLINE_SECONDS
    if deadline:
        try:
            when = datetime.fromisoformat(deadline)
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            remaining = (when - datetime.now(UTC)).total_seconds()
        except ValueError:
            pass
    return time.monotonic() + remaining


CONTAINER_STATUS = 200
"""What the container answers Fn on the socket, always: Fn's agent drops the body and headers of a 502 or 504 from
the container and answers with its own generic error (fnproject/fn api/agent/agent.go, hotSlot.writeResp)."""


def to_fdk(ctx: Any, reply: Reply) -> response.Response:
    """fdk's Response with the reply's status as Fn-Http-Status (through a gateway), then a container status of 200.

    Through API Gateway the caller sees reply.status; on a plain `fn invoke` it sees 200 and the status in the body.
    """
    headers = {"Content-Type": reply.content_type, **reply.headers}
    fdk_response = response.Response(ctx, response_data=reply.body, headers=headers, status_code=reply.status)
    fdk_response.status_code = CONTAINER_STATUS  # fdk already wrote reply.status into Fn-Http-Status above
    return fdk_response
