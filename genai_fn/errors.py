"""The error tree. Every failure the caller can see is one of these; each carries its HTTP status and code.

    ProxyError                       500 internal_error
    ├── ConfigError                  500 config_error          names the variable
    ├── RequestError                 4xx: the caller can fix it
    │   ├── InvalidJSON              400 invalid_json
    │   ├── InvalidRequest           400 invalid_request       .param names the field; the value is never echoed
    │   ├── ModelNotAllowed          400 model_not_allowed
    │   ├── RouteNotFound            404 not_found
    │   ├── MethodNotAllowed         405 method_not_allowed
    │   ├── PayloadTooLarge          413 payload_too_large
    │   ├── ContentFiltered          400 content_filter        a guardrail blocked the input; the text is never echoed
    │   └── BudgetExceeded           429 budget_exceeded       the caller used its token budget; + Retry-After
    └── UpstreamError                carries opc_request_id
        ├── UpstreamRejected         400 upstream_bad_request  the service's own message
        ├── UpstreamAuthFailed       502 upstream_auth_failed  401/403/404: our IAM or configuration
        ├── UpstreamThrottled        429 rate_limited          + Retry-After
        ├── UpstreamFailed           502 upstream_error        5xx, malformed reply, connection failure
        ├── UpstreamTimeout          504 upstream_timeout      read timeout or the invocation deadline
        ├── GuardrailsUnavailable    503 guardrails_unavailable  guardrails call failed, fail-closed; + Retry-After
        └── BudgetStoreUnavailable   503 budget_unavailable    the budget store failed, fail-closed; + Retry-After

Contracts render these (contracts/*.py); only upstream/failures.py reads SDK exceptions.
What the request log needs (attempts, upstream time) is in logs.current_record(), never on the error.
"""

from __future__ import annotations


class ProxyError(Exception):
    """Base of every error the function answers with; `message` is safe to show the caller."""

    status: int = 500
    code: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        opc_request_id: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.opc_request_id = opc_request_id
        self.retry_after = retry_after
        """Seconds the caller should wait before retrying (the Retry-After header); None: no advice."""

    def headers(self) -> dict[str, str]:
        """Extra response headers this error needs (Retry-After when there is advice)."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class ConfigError(ProxyError):
    status, code = 500, "config_error"

    @staticmethod
    def cut(value: str, limit: int = 80) -> str:
        """A configuration value as an error quotes it: cut to `limit` characters, so a huge or hostile value
        never becomes a huge log line."""
        return value if len(value) <= limit else value[:limit] + "…"


class RequestError(ProxyError):
    status, code = 400, "invalid_request"


class InvalidJSON(RequestError):
    status, code = 400, "invalid_json"


class InvalidRequest(RequestError):
    status, code = 400, "invalid_request"


class ModelNotAllowed(RequestError):
    status, code = 400, "model_not_allowed"


class RouteNotFound(RequestError):
    status, code = 404, "not_found"


class MethodNotAllowed(RequestError):
    status, code = 405, "method_not_allowed"

    def __init__(self, message: str, *, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.allowed = allowed

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)} if self.allowed else {}


class PayloadTooLarge(RequestError):
    status, code = 413, "payload_too_large"


class RequestTimeout(RequestError):
    """The streaming edge only: the request's body did not arrive before the call's deadline."""

    status, code = 408, "request_timeout"


class ContentFiltered(RequestError):
    status, code = 400, "content_filter"


class BudgetExceeded(RequestError):
    """The caller has used its tokens for a window (TOKEN_BUDGETS): nothing was sent to the model; Retry-After is
    the time until that window resets."""

    status, code = 429, "budget_exceeded"


class UpstreamError(ProxyError):
    status, code = 502, "upstream_error"


class UpstreamRejected(UpstreamError):
    status, code = 400, "upstream_bad_request"


class UpstreamAuthFailed(UpstreamError):
    status, code = 502, "upstream_auth_failed"


class UpstreamThrottled(UpstreamError):
    status, code = 429, "rate_limited"

    def __init__(self, message: str, *, retry_after: int = 1, opc_request_id: str | None = None) -> None:
        super().__init__(message, opc_request_id=opc_request_id, retry_after=retry_after)


class UpstreamFailed(UpstreamError):
    status, code = 502, "upstream_error"


class UpstreamTimeout(UpstreamError):
    status, code = 504, "upstream_timeout"


class GuardrailsUnavailable(UpstreamError):
    """The guardrails call failed and GUARDRAILS_ON_ERROR=closed: nothing was sent to the model."""

    status, code = 503, "guardrails_unavailable"


class BudgetStoreUnavailable(UpstreamError):
    """The budget store could not be asked in time and BUDGET_ON_STORE_ERROR=closed: nothing was sent to the model."""

    status, code = 503, "budget_unavailable"
