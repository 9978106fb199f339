"""The one place that talks to OCI Generative AI: the client, deadline-bounded retries, error translation.

The client (with its connection pool) is built once per container, on first use, with the signer from
credentials.py; the SDK's default retry strategy (8 attempts over up to 600 s) and its per-container circuit
breaker are replaced by a policy bounded by the invocation's deadline; every attempt's reply is read within
MAX_REPLY_BYTES and that deadline (bounded_reply.py), Retry-After is read as RFC 9110 says (retry_after.py) and the
service's 4xx message is passed on bounded and cleaned (service_message.py). Attempts, time spent and the service's
request id go into the request's log record (logs.current_record), not into the errors.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import oci
from oci._vendor.requests import exceptions as http_errors
from oci.generative_ai_inference import GenerativeAiInferenceClient
from oci.retry.retry import ExponentialBackoffRetryStrategyBase
from oci.retry.retry_checkers import BaseRetryChecker, LimitBasedRetryChecker, RetryCheckerContainer
from urllib3.exceptions import ReadTimeoutError

from . import retry_after, service_message
from .bounded_reply import ReplyBudget, install, reply_budget
from .config import Settings
from .credentials import ExpiringTokenReloader, load_signer
from .errors import (
    ProxyError,
    UpstreamAuthFailed,
    UpstreamFailed,
    UpstreamRejected,
    UpstreamThrottled,
    UpstreamTimeout,
)
from .logs import current_record

RESPONSE_MARGIN_SECONDS = 0.5
"""Time kept back from the deadline to write the answer."""
MIN_ATTEMPT_SECONDS = 1.0
"""An attempt with less time than this left is not started: it would only turn into a timeout."""
BACKOFF_BASE_SECONDS = 0.25
BACKOFF_MAX_SECONDS = 4.0
DEFAULT_RETRY_AFTER_SECONDS = 2
"""What a 429 tells the caller when the service's own Retry-After is missing or not a valid value."""

AUTH_HINT = (
    "check the function's dynamic group and the policy 'allow dynamic-group <group> to use generative-ai-chat "
    "in compartment <compartment>' (generative-ai-text-embedding for embeddings), and that the model is offered "
    "in this region and COMPARTMENT_OCID is right (docs/iam.md)"
)


@dataclass(frozen=True)
class UpstreamResult:
    data: Any
    opc_request_id: str | None


class RetryableFailure(BaseRetryChecker):  # type: ignore[misc]  # oci ships no type information
    """Retry throttling (429), server errors (5xx but 501) and failed connections; never a read timeout or a 4xx,
    because the service may already be generating the reply."""

    def should_retry(self, exception: Exception | None = None, response: Any = None, **kwargs: Any) -> bool:
        if isinstance(exception, oci.exceptions.ServiceError):
            status: int = exception.status
            return status == 429 or (status >= 500 and status != 501)
        return _is_connection_failure(exception)


def _cause(exception: BaseException | None) -> BaseException | None:
    """The SDK wraps requests' exceptions in its own RequestException; look through it."""
    if (
        isinstance(exception, oci.exceptions.RequestException)
        and exception.args
        and isinstance(exception.args[0], BaseException)
    ):
        return exception.args[0]
    return exception


def _is_read_timeout(exception: BaseException | None) -> bool:
    """A read timeout, including one hit while the SDK reads a streamed body (it surfaces as a ConnectionError)."""
    cause = _cause(exception)
    if isinstance(cause, http_errors.ReadTimeout):
        return True
    return (
        isinstance(cause, http_errors.ConnectionError)
        and bool(cause.args)
        and isinstance(cause.args[0], ReadTimeoutError)
    )


def _is_connection_failure(exception: BaseException | None) -> bool:
    cause = _cause(exception)
    return isinstance(cause, http_errors.ConnectionError | oci.exceptions.ConnectTimeout) and not _is_read_timeout(
        exception
    )


class DeadlineRetryStrategy(ExponentialBackoffRetryStrategyBase):  # type: ignore[misc]  # oci is untyped
    """The SDK's retry loop with jittered exponential backoff, bounded by attempts and by the invocation deadline.

    Before each attempt the client's read timeout is cut to the time left, and a backoff that would leave less
    than MIN_ATTEMPT_SECONDS before the deadline is not slept: the last failure is raised instead. Setting the
    shared client's timeout is safe because fdk runs a synchronous handler one invocation at a time.
    """

    def __init__(
        self,
        client: GenerativeAiInferenceClient,
        settings: Settings,
        deadline: float,
        reply_cap: int | None = None,
    ) -> None:
        checkers = RetryCheckerContainer([LimitBasedRetryChecker(settings.max_attempts), RetryableFailure()])
        super().__init__(BACKOFF_BASE_SECONDS, 2, BACKOFF_MAX_SECONDS, checkers)
        self._base_client = client.base_client
        self._settings = settings
        self._deadline = deadline
        self._reply_cap = settings.max_reply_bytes if reply_cap is None else reply_cap
        self.attempts = 0

    def remaining(self) -> float:
        return self._deadline - time.monotonic() - RESPONSE_MARGIN_SECONDS

    def make_retrying_call(self, func_ref: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def attempt(*a: Any, **kw: Any) -> Any:
            left = self.remaining()
            if left < MIN_ATTEMPT_SECONDS and self.attempts:
                raise UpstreamTimeout("the invocation deadline was reached while retrying")
            if left <= 0:
                raise UpstreamTimeout("the invocation deadline leaves no time to call the service")
            self._base_client.timeout = (
                min(self._settings.connect_timeout, left),
                min(self._settings.read_timeout, left),
            )
            self.attempts += 1
            budget = ReplyBudget(self._reply_cap, self._deadline - RESPONSE_MARGIN_SECONDS)
            with reply_budget(budget):
                return func_ref(*a, **kw)

        return super().make_retrying_call(attempt, *args, **kwargs)

    def do_sleep(self, attempt: int, exception: Exception) -> None:
        """Back off, or wait as long as the service's Retry-After asks; a wait past the backoff cap or the time
        left is not slept: the failure is answered at once (a 429 with the service's Retry-After)."""
        delay = min(
            BACKOFF_BASE_SECONDS * 2 ** (attempt - 1) + random.uniform(0, BACKOFF_BASE_SECONDS), BACKOFF_MAX_SECONDS
        )
        asked = _retry_after(exception) if isinstance(exception, oci.exceptions.ServiceError) else None
        if asked is not None:
            if asked > BACKOFF_MAX_SECONDS:
                raise exception
            delay = max(delay, asked)
        if self.remaining() - delay < MIN_ATTEMPT_SECONDS:
            raise exception
        time.sleep(delay)


class Upstream:
    """One per container. The client is built on first use, so a broken credential is answered, not a crash."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: GenerativeAiInferenceClient | None = None
        self._tokens = ExpiringTokenReloader()

    @property
    def client(self) -> GenerativeAiInferenceClient:
        if self._client is None:
            config, signer = load_signer(self._settings)
            self._client = GenerativeAiInferenceClient(
                config,
                signer=signer,
                service_endpoint=self._settings.service_endpoint,
                retry_strategy=oci.retry.NoneRetryStrategy(),
                circuit_breaker_strategy=oci.circuit_breaker.NoCircuitBreakerStrategy(),
                timeout=(self._settings.connect_timeout, self._settings.read_timeout),
            )
            install(self._client.base_client.session)
        return self._client

    def chat(self, details: Any, deadline: float) -> UpstreamResult:
        return self._call(self.client.chat, details, deadline)

    def embed_text(self, details: Any, deadline: float) -> UpstreamResult:
        return self._call(self.client.embed_text, details, deadline, self._settings.max_embeddings_reply_bytes)

    def rerank_text(self, details: Any, deadline: float) -> UpstreamResult:
        return self._call(self.client.rerank_text, details, deadline)

    def apply_guardrails(self, details: Any, deadline: float) -> UpstreamResult:
        """Same client, deadline and retry policy as the model call (guardrails.py screens with it)."""
        return self._call(self.client.apply_guardrails, details, deadline)

    def _call(
        self, operation: Callable[..., Any], details: Any, deadline: float, reply_cap: int | None = None
    ) -> UpstreamResult:
        """One deadline-bounded, retried, translated call; the reply is capped at MAX_REPLY_BYTES unless told."""
        client = self.client
        self._tokens.before_call(client.base_client.signer)
        strategy = DeadlineRetryStrategy(client, self._settings, deadline, reply_cap)
        record = current_record()
        started = time.perf_counter()
        try:
            response = operation(details, retry_strategy=strategy)
        except ProxyError:
            raise
        except Exception as exc:
            raise translate_service_error(exc) from exc
        finally:
            record.attempts, record.upstream_ms = strategy.attempts, (time.perf_counter() - started) * 1000
        record.opc_request_id = response.request_id
        return UpstreamResult(response.data, response.request_id)


def _retry_after(error: oci.exceptions.ServiceError) -> int | None:
    """The service's Retry-After in seconds (RFC 9110: ASCII digits or an HTTP-date); None if absent or invalid."""
    value = (error.headers or {}).get("retry-after")
    return retry_after.parse(value if isinstance(value, str) else None, time.time())


def translate_service_error(exc: BaseException) -> ProxyError:
    """Map an SDK or transport failure to the error the caller sees. The only reader of oci exceptions."""
    if isinstance(exc, oci.exceptions.ServiceError):
        rid = exc.request_id
        if exc.status == 429:
            asked = _retry_after(exc)
            return UpstreamThrottled(
                "the Generative AI service is throttling requests; retry later",
                retry_after=DEFAULT_RETRY_AFTER_SECONDS if asked is None else asked,
                opc_request_id=rid,
            )
        if exc.status in (401, 403, 404):
            return UpstreamAuthFailed(
                f"the Generative AI service refused the function ({exc.status} {exc.code}): {AUTH_HINT}",
                opc_request_id=rid,
            )
        if exc.status in (400, 409, 413, 422):
            message = exc.message if isinstance(exc.message, str) else ""
            current_record().upstream_message_chars = len(message)
            return UpstreamRejected(
                f"the Generative AI service rejected the request: {service_message.sanitize(message)}",
                opc_request_id=rid,
            )
        if exc.status == 504:
            return UpstreamTimeout("the Generative AI service timed out", opc_request_id=rid)
        return UpstreamFailed(f"the Generative AI service failed ({exc.status} {exc.code})", opc_request_id=rid)
    cause = _cause(exc)
    if _is_read_timeout(exc):
        return UpstreamTimeout("the Generative AI service did not answer in time")
    if _is_connection_failure(exc):
        return UpstreamFailed("could not connect to the Generative AI service")
    if isinstance(exc, oci.exceptions.ClientError | oci.exceptions.InvalidPrivateKey):
        return UpstreamAuthFailed(f"the function's OCI credentials are not usable ({type(exc).__name__})")
    return UpstreamFailed(f"the Generative AI service returned an unreadable reply ({type(cause).__name__})")
