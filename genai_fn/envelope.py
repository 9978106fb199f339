"""The fdk edge: turn fdk's context and body into an Invocation, and a Reply into fdk's Response (http.py).

fdk-python puts everything on InvokeContext. Through API Gateway (Fn-Intent: httprequest) the client's method,
URL and headers arrive as Fn-Http-*; fdk turns Response.status_code into Fn-Http-Status there. On a plain
`fn invoke` there is no method or URL and no HTTP status reaches the caller, so error bodies carry the status too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from fdk import response

from .http import Invocation, Reply

DEFAULT_DEADLINE_SECONDS = 30.0
"""fdk's own default when Fn sends no Fn-Deadline."""


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
