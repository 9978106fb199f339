"""SDK and transport failures: what kind each is, and the error the caller sees. The only reader of oci exceptions.

The retry policy (retry.py) asks what kind a failure is; `translate` maps every failure the SDK raises to the one
ProxyError the caller gets, once, after the retries.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import oci
from oci._vendor.requests import exceptions as http_errors
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, ReadTimeoutError

from .. import catalog
from ..errors import (
    ProxyError,
    UpstreamAuthFailed,
    UpstreamFailed,
    UpstreamRejected,
    UpstreamThrottled,
    UpstreamTimeout,
)
from ..logs import CallFacts
from . import retry_after, service_message

CHAIN_LINKS = 8
"""How far an exception's chain (args, cause, context) is followed to find what failed underneath."""
DEFAULT_RETRY_AFTER_SECONDS = 2
"""What a 429 tells the caller when the service's own Retry-After is missing or not a valid value."""
Lookup = Callable[[str], "catalog.Retirement | None"]
AUTH_HINT = (
    "check the function's dynamic group and the policy 'allow dynamic-group <group> to use generative-ai-chat "
    "in compartment <compartment>' (generative-ai-text-embedding for embeddings), and that the model is offered "
    "in this region and COMPARTMENT_OCID is right (docs/iam.md)"
)


def cause(exception: BaseException | None) -> BaseException | None:
    """The SDK wraps requests' exceptions in its own RequestException; look through it."""
    if (
        isinstance(exception, oci.exceptions.RequestException)
        and exception.args
        and isinstance(exception.args[0], BaseException)
    ):
        return exception.args[0]
    return exception


def is_read_timeout(exception: BaseException | None) -> bool:
    """A read timeout, including one hit while the SDK reads a streamed body (it surfaces as a ConnectionError)."""
    found = cause(exception)
    if isinstance(found, http_errors.ReadTimeout):
        return True
    return (
        isinstance(found, http_errors.ConnectionError)
        and bool(found.args)
        and isinstance(found.args[0], ReadTimeoutError)
    )


def is_connection_failure(exception: BaseException | None) -> bool:
    found = cause(exception)
    return isinstance(found, http_errors.ConnectionError | oci.exceptions.ConnectTimeout) and not is_read_timeout(
        exception
    )


def is_service_error(exception: BaseException | None) -> bool:
    return isinstance(exception, oci.exceptions.ServiceError)


def status(exception: BaseException | None) -> int | None:
    """The HTTP status of a service error; None for any other failure."""
    return exception.status if isinstance(exception, oci.exceptions.ServiceError) else None


def requested_wait(exception: BaseException | None) -> int | None:
    """The service's Retry-After in seconds (RFC 9110: ASCII digits or an HTTP-date); None if absent or invalid."""
    if not isinstance(exception, oci.exceptions.ServiceError):
        return None
    value = (exception.headers or {}).get("retry-after")
    return retry_after.parse(value if isinstance(value, str) else None, time.time())


def may_have_billed(exception: BaseException) -> bool:
    """Whether an attempt that failed with `exception` may have run on the service (and so be billed), its token count
    unknown: the budgets then keep the call's whole reservation (usecases/metering.py, docs/usage.md).

    Definitely not billed: a 4xx from the service (429 included: a refusal, nothing generated), credentials that
    could not sign the request, and a connection never made (refused, unresolvable, connect timeout: urllib3's
    `Retry._is_connection_error` is "fairly sure that the server did not receive the request"; with requests' zero
    retries it arrives as a MaxRetryError whose reason is a ConnectTimeoutError, NewConnectionError included). Every
    other outcome may have been billed: a 5xx (it may come after generation), a read timeout after the request was
    sent, a connection broken mid-request or mid-reply, an unreadable or oversized reply, anything unknown."""
    if isinstance(exception, oci.exceptions.ServiceError):
        return not 400 <= exception.status <= 499
    if isinstance(exception, oci.exceptions.ClientError | oci.exceptions.InvalidPrivateKey):
        return False
    return not _never_connected(exception)


def may_fall_back(exception: BaseException) -> bool:
    """Whether another target (FALLBACKS) may answer what this one could not: throttled (429), a server error (5xx),
    no answer in time, no connection, an unreadable reply, or a 404 (this model is not found or not offered where it
    was asked: another may be). Never another 4xx: the next target would refuse the same request (400, 409, 413,
    422) or the same credentials (401, 403), nor credentials that cannot sign."""
    code = status(exception)
    if code is not None:
        return code in (404, 429) or code >= 500
    return not isinstance(exception, oci.exceptions.ClientError | oci.exceptions.InvalidPrivateKey)


def _never_connected(exception: BaseException) -> bool:
    """A MaxRetryError for a ConnectTimeoutError in the exception's chain. The SDK rewrites the args of requests'
    exception into strings (base_client.py, redact_sensitive_string_for_logs), so the chain is followed through
    `__cause__` and `__context__` (requests raises its ConnectionError inside `except MaxRetryError`) as well."""
    pending: list[BaseException] = [exception]
    for _ in range(CHAIN_LINKS):
        if not pending:
            return False
        found = pending.pop()
        if isinstance(found, MaxRetryError):
            return isinstance(found.reason, ConnectTimeoutError)
        links = (found.__cause__, found.__context__, *found.args[:1])
        pending += [link for link in links if isinstance(link, BaseException)]
    return False


def replacement_note(exc: oci.exceptions.ServiceError, model: str | None, lookup: Lookup) -> str:
    """For the service's refusal of a model the catalogue knows as retiring (a 404, or a 400 naming the model): what
    to use instead, since the service may stop serving a model before any Oracle page gives its date."""
    entry = lookup(model) if model else None
    if entry is None or model is None:
        return ""
    message = exc.message if isinstance(exc.message, str) else ""
    if exc.status == 404 or (exc.status == 400 and model.lower() in message.lower()):
        return f"; OCI lists {model} as retiring: {catalog.advice(model, lookup)}"
    return ""


def translate(
    exc: BaseException, facts: CallFacts, model: str | None = None, lookup: Lookup = catalog.retirement
) -> ProxyError:
    """The error the caller sees for any SDK or transport failure; facts get the request id and message length, and
    whether a fallback may answer instead. `model`: the model called, whose retirement (`lookup`, the catalogue as
    configured) a refusal may explain."""
    facts.may_fall_back = may_fall_back(exc)
    if isinstance(exc, oci.exceptions.ServiceError):
        rid = exc.request_id
        note = replacement_note(exc, model, lookup)
        facts.opc_request_id = rid or facts.opc_request_id
        if exc.status == 429:
            asked = requested_wait(exc)
            return UpstreamThrottled(
                "the Generative AI service is throttling requests; retry later",
                retry_after=DEFAULT_RETRY_AFTER_SECONDS if asked is None else asked,
                opc_request_id=rid,
            )
        if exc.status in (401, 403, 404):
            return UpstreamAuthFailed(
                f"the Generative AI service refused the function ({exc.status} {exc.code}): {AUTH_HINT}{note}",
                opc_request_id=rid,
            )
        if exc.status in (400, 409, 413, 422):
            message = exc.message if isinstance(exc.message, str) else ""
            facts.message_chars = len(message)
            return UpstreamRejected(
                f"the Generative AI service rejected the request: {service_message.sanitize(message)}{note}",
                opc_request_id=rid,
            )
        if exc.status == 504:
            return UpstreamTimeout("the Generative AI service timed out", opc_request_id=rid)
        return UpstreamFailed(f"the Generative AI service failed ({exc.status} {exc.code})", opc_request_id=rid)
    if is_read_timeout(exc):
        return UpstreamTimeout("the Generative AI service did not answer in time")
    if is_connection_failure(exc):
        return UpstreamFailed("could not connect to the Generative AI service")
    if isinstance(exc, oci.exceptions.ClientError | oci.exceptions.InvalidPrivateKey):
        return UpstreamAuthFailed(f"the function's OCI credentials are not usable ({type(exc).__name__})")
    return UpstreamFailed(f"the Generative AI service returned an unreadable reply ({type(cause(exc)).__name__})")
