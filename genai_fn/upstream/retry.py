"""The retry policy: the SDK's retry loop, bounded by attempts and by the invocation's deadline.

The SDK's default strategy (8 attempts over up to 600 s) and its per-container circuit breaker are replaced by this
one (client.py); Retry-After is read as RFC 9110 says (failures.requested_wait) and every attempt's reply is read
within its byte and time budget (bounded_reply.py).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from oci.retry.retry import ExponentialBackoffRetryStrategyBase
from oci.retry.retry_checkers import BaseRetryChecker, LimitBasedRetryChecker, RetryCheckerContainer

from .. import lazy
from ..errors import UpstreamTimeout
from ..scope import scoped
from . import bounded_reply

if TYPE_CHECKING:
    from . import failures
else:  # loaded on first use: not every call needs them
    failures = lazy("genai_fn.upstream.failures")

RESPONSE_MARGIN_SECONDS = 0.5
"""Time kept back from the deadline to write the answer."""
MIN_ATTEMPT_SECONDS = 1.0
"""An attempt with less time than this left is not started: it would only turn into a timeout."""
BACKOFF_BASE_SECONDS = 0.25
BACKOFF_MAX_SECONDS = 4.0


class RetryableFailure(BaseRetryChecker):  # type: ignore[misc]  # oci ships no type information
    """Retry throttling (429), server errors (5xx but 501) and failed connections; never a read timeout or a 4xx,
    because the service may already be generating the reply."""

    def should_retry(self, exception: Exception | None = None, response: Any = None, **kwargs: Any) -> bool:
        code = failures.status(exception)
        if code is not None:
            return code == 429 or (code >= 500 and code != 501)
        return failures.is_connection_failure(exception)


@cache
def retry_checkers(max_attempts: int) -> RetryCheckerContainer:
    """Whether a failed attempt is retried: stateless checks, built once per container (not once per call)."""
    return RetryCheckerContainer([LimitBasedRetryChecker(max_attempts), RetryableFailure()])


class DeadlineRetryStrategy(ExponentialBackoffRetryStrategyBase):  # type: ignore[misc]  # oci is untyped
    """Jittered exponential backoff, bounded by attempts and by the invocation deadline.

    Before each attempt the client's timeouts are cut to the time left, and a backoff that would leave less than
    MIN_ATTEMPT_SECONDS before the deadline is not slept: the last failure is raised instead. The SDK sends with
    `base_client.timeout` (BaseClient.request passes `timeout=self.timeout` to the session; it takes none per call),
    so the client must be this thread's own (client.py): one thread runs one attempt at a time.
    """

    def __init__(
        self,
        base_client: Any,
        *,
        max_attempts: int,
        timeouts: tuple[float, float],
        deadline: float,
        reply_cap: int,
        echo_fields: tuple[str, ...] = (),
        stream_idle: float | None = None,
    ) -> None:
        super().__init__(BACKOFF_BASE_SECONDS, 2, BACKOFF_MAX_SECONDS, retry_checkers(max_attempts))
        self._stream_idle = stream_idle
        self._base_client = base_client
        self._timeouts = timeouts
        self._deadline = deadline
        self._reply_cap = reply_cap
        self._echo_fields = echo_fields
        self.attempts = 0
        self.billable_attempts = 0
        """Attempts the service may have billed: those answered, and failed ones whose outcome is unknown."""

    def remaining(self) -> float:
        return self._deadline - time.monotonic() - RESPONSE_MARGIN_SECONDS

    def make_retrying_call(self, func_ref: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def attempt(*a: Any, **kw: Any) -> Any:
            left = self.remaining()
            if left < MIN_ATTEMPT_SECONDS and self.attempts:
                raise UpstreamTimeout("the invocation deadline was reached while retrying")
            if left <= 0:
                raise UpstreamTimeout("the invocation deadline leaves no time to call the service")
            connect, read = self._timeouts
            self._base_client.timeout = (min(connect, left), min(read, left))
            self.attempts += 1
            budget = bounded_reply.ReplyBudget(
                self._reply_cap, self._deadline - RESPONSE_MARGIN_SECONDS, self._echo_fields, self._stream_idle
            )
            with scoped(bounded_reply.BUDGET, budget):
                try:
                    result = func_ref(*a, **kw)
                except Exception as exc:
                    self.billable_attempts += failures.may_have_billed(exc)
                    raise
            self.billable_attempts += 1
            return result

        return super().make_retrying_call(attempt, *args, **kwargs)

    def do_sleep(self, attempt: int, exception: Exception) -> None:
        """Back off, or wait as long as the service's Retry-After asks; a wait past the backoff cap or the time
        left is not slept: the failure is answered at once (a 429 with the service's Retry-After)."""
        delay = min(
            BACKOFF_BASE_SECONDS * 2 ** (attempt - 1) + random.uniform(0, BACKOFF_BASE_SECONDS), BACKOFF_MAX_SECONDS
        )
        asked = failures.requested_wait(exception)
        if asked is not None:
            if asked > BACKOFF_MAX_SECONDS:
                raise exception
            delay = max(delay, asked)
        if self.remaining() - delay < MIN_ATTEMPT_SECONDS:
            raise exception
        time.sleep(delay)
