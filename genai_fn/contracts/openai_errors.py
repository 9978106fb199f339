"""Errors in OpenAI's shape, for every /v1 route, so the official SDKs raise their usual exception classes."""

from __future__ import annotations

from ..errors import ProxyError
from ..http import Invocation, Reply, json_reply

ERROR_TYPES = {
    400: "invalid_request_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    408: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
}
"""OpenAI's error `type` per status; anything else (5xx) is `server_error`."""


class OpenAIErrors:
    """The render_error of every OpenAI-shaped contract."""

    def render_error(self, error: ProxyError, invocation: Invocation) -> Reply:
        """OpenAI's error shape; `status` is added so a plain `fn invoke` caller can see it too."""
        detail = {
            "message": error.message,
            "type": ERROR_TYPES.get(error.status, "server_error" if error.status >= 500 else "invalid_request_error"),
            "param": error.param,
            "code": error.code,
            "status": error.status,
        }
        return json_reply(error.status, {"error": detail}, error.headers())


ERRORS = OpenAIErrors()
"""Renders errors for a /v1 path no route serves."""
