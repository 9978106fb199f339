"""failures.translate, the retry decision, the deadline-bounded retry loop, Upstream._call and the token reload."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import oci
import pytest
from oci._vendor.requests import exceptions as http_errors
from oci._vendor.requests.structures import CaseInsensitiveDict
from urllib3.exceptions import ReadTimeoutError

from genai_fn.config import Settings
from genai_fn.errors import (
    ProxyError,
    UpstreamAuthFailed,
    UpstreamFailed,
    UpstreamRejected,
    UpstreamThrottled,
    UpstreamTimeout,
)
from genai_fn.logs import CallFacts
from genai_fn.upstream import credentials, failures, retry
from genai_fn.upstream.client import Upstream
from genai_fn.upstream.retry import (
    BACKOFF_MAX_SECONDS,
    MIN_ATTEMPT_SECONDS,
    RESPONSE_MARGIN_SECONDS,
    DeadlineRetryStrategy,
    RetryableFailure,
)

from .conftest import make_settings


def translate_service_error(exc: BaseException) -> ProxyError:
    return failures.translate(exc, CallFacts())


def strategy_for(client: Any, settings: Settings, deadline: float) -> DeadlineRetryStrategy:
    """The strategy Upstream._call builds from the settings."""
    return DeadlineRetryStrategy(
        client.base_client,
        max_attempts=settings.max_attempts,
        timeouts=(settings.connect_timeout, settings.read_timeout),
        deadline=deadline,
        reply_cap=settings.max_reply_bytes,
    )


def service_error(
    status: int, code: str = "Code", message: str = "service says no", **headers: str
) -> oci.exceptions.ServiceError:
    """As BaseClient.raise_service_error builds it: the response's case-insensitive headers."""
    return oci.exceptions.ServiceError(
        status, code, CaseInsensitiveDict({"opc-request-id": "opc-1", **headers}), message
    )


def wrapped(cause: Exception) -> oci.exceptions.RequestException:
    """As BaseClient.request wraps requests' exceptions (other than ConnectTimeout)."""
    cause.args = (*cause.args, "Request Endpoint: POST https://inference.example.com/20231130/actions/chat")
    return oci.exceptions.RequestException(cause)


def connection_error() -> oci.exceptions.RequestException:
    return wrapped(http_errors.ConnectionError("Failed to establish a new connection: [Errno 111] refused"))


def read_timeout() -> oci.exceptions.RequestException:
    return wrapped(http_errors.ReadTimeout("Read timed out. (read timeout=60)"))


def connect_timeout() -> oci.exceptions.ConnectTimeout:
    """BaseClient.request raises its own ConnectTimeout around requests' one."""
    return oci.exceptions.ConnectTimeout(http_errors.ConnectTimeout("Connection to host timed out"))


def body_read_timeout() -> http_errors.ConnectionError:
    """chat() is sent with stream=True (accept: text/event-stream), so BaseClient reads response.content outside its
    try block; a read timeout there surfaces as requests' ConnectionError(ReadTimeoutError), unwrapped."""
    return http_errors.ConnectionError(ReadTimeoutError(None, "/20231130/actions/chat", "Read timed out."))


# --- translate_service_error --------------------------------------------------------------------------------------

TRANSLATIONS: list[Any] = [
    # exception, class, status, code, opc_request_id
    (service_error(400, "InvalidParameter"), UpstreamRejected, 400, "upstream_bad_request", "opc-1"),
    (service_error(401, "NotAuthenticated"), UpstreamAuthFailed, 502, "upstream_auth_failed", "opc-1"),
    (service_error(403, "NotAllowed"), UpstreamAuthFailed, 502, "upstream_auth_failed", "opc-1"),
    (service_error(404, "NotAuthorizedOrNotFound"), UpstreamAuthFailed, 502, "upstream_auth_failed", "opc-1"),
    (service_error(409, "Conflict"), UpstreamRejected, 400, "upstream_bad_request", "opc-1"),
    (service_error(413, "RequestEntityTooLarge"), UpstreamRejected, 400, "upstream_bad_request", "opc-1"),
    (service_error(422, "Unprocessable"), UpstreamRejected, 400, "upstream_bad_request", "opc-1"),
    (service_error(429, "TooManyRequests"), UpstreamThrottled, 429, "rate_limited", "opc-1"),
    (service_error(500, "InternalServerError"), UpstreamFailed, 502, "upstream_error", "opc-1"),
    (service_error(501, "MethodNotImplemented"), UpstreamFailed, 502, "upstream_error", "opc-1"),
    (service_error(503, "ServiceUnavailable"), UpstreamFailed, 502, "upstream_error", "opc-1"),
    (service_error(504, "GatewayTimeout"), UpstreamTimeout, 504, "upstream_timeout", "opc-1"),
    (connection_error(), UpstreamFailed, 502, "upstream_error", None),
    (http_errors.ConnectionError("refused"), UpstreamFailed, 502, "upstream_error", None),
    (read_timeout(), UpstreamTimeout, 504, "upstream_timeout", None),
    (connect_timeout(), UpstreamFailed, 502, "upstream_error", None),
    (wrapped(http_errors.ChunkedEncodingError("connection broken")), UpstreamFailed, 502, "upstream_error", None),
    (TypeError("'NoneType' object is not subscriptable"), UpstreamFailed, 502, "upstream_error", None),
    (oci.exceptions.InvalidPrivateKey("bad key"), UpstreamAuthFailed, 502, "upstream_auth_failed", None),
    (oci.exceptions.ConfigFileNotFound("no config"), UpstreamAuthFailed, 502, "upstream_auth_failed", None),
    pytest.param(body_read_timeout(), UpstreamTimeout, 504, "upstream_timeout", None, id="body-read-timeout"),
]


@pytest.mark.parametrize(
    ("exc", "cls", "status", "code", "opc_request_id"),
    TRANSLATIONS,
    ids=lambda value: getattr(value, "__name__", None) if isinstance(value, type) else None,
)
def test_translate_service_error(
    exc: BaseException, cls: type[ProxyError], status: int, code: str, opc_request_id: str | None
) -> None:
    error = translate_service_error(exc)
    assert type(error) is cls
    assert (error.status, error.code, error.opc_request_id) == (status, code, opc_request_id)


@pytest.mark.parametrize(
    "exc",
    [
        connection_error(),
        read_timeout(),
        connect_timeout(),
        TypeError("secret-ish"),
        service_error(500, "InternalServerError", message="stack trace at host-17"),
    ],
)
def test_transport_details_are_not_passed_on(exc: BaseException) -> None:
    message = translate_service_error(exc).message
    assert "inference.example.com" not in message and "host-17" not in message and "secret-ish" not in message


def test_rejection_passes_on_the_services_message() -> None:
    error = translate_service_error(service_error(400, "InvalidParameter", message="maxTokens must be <= 4000"))
    assert error.message.endswith(": maxTokens must be <= 4000")


def test_rejection_passes_on_a_bounded_clean_message() -> None:
    hostile = "bad /k.pem:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\x1b[31m" + "A" * 5_000_000
    error = translate_service_error(service_error(400, "InvalidParameter", message=hostile))
    assert error.message.startswith("the Generative AI service rejected the request: bad /k.pem: [redacted]")
    assert len(error.message) < 400 and "\x1b" not in error.message and "MIIE" not in error.message


def test_auth_failure_names_the_status_and_the_fix() -> None:
    message = translate_service_error(service_error(404, "NotAuthorizedOrNotFound")).message
    assert "404 NotAuthorizedOrNotFound" in message and "generative-ai-chat" in message


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [
        ({}, 2),
        ({"retry-after": "7"}, 7),
        ({"Retry-After": "30"}, 30),
        ({"Retry-After": "0"}, 0),
        ({"Retry-After": "1.5"}, 2),
        ({"Retry-After": "-3"}, 2),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0),  # an HTTP-date in the past: retry now
        ({"Retry-After": "\u00b2"}, 2),  # a Unicode digit is not delay-seconds (issue 10 row 5)
        ({"Retry-After": "9" * 40}, 86_400),
    ],
)
def test_throttled_retry_after(headers: dict[str, str], retry_after: int) -> None:
    error = translate_service_error(service_error(429, "TooManyRequests", **headers))
    assert isinstance(error, UpstreamThrottled)
    assert error.headers() == {"Retry-After": str(retry_after)}


# --- RetryableFailure ---------------------------------------------------------------------------------------------

RETRY = [
    (service_error(400), False),
    (service_error(401), False),
    (service_error(404), False),
    (service_error(409), False),
    (service_error(429), True),
    (service_error(500), True),
    (service_error(501), False),
    (service_error(502), True),
    (service_error(503), True),
    (service_error(504), True),
    (connection_error(), True),
    (http_errors.ConnectionError("refused"), True),
    (connect_timeout(), True),
    (read_timeout(), False),
    (http_errors.ReadTimeout("raw"), False),
    (wrapped(http_errors.ChunkedEncodingError("broken")), False),
    (UpstreamTimeout("deadline"), False),
    (TypeError("bug"), False),
    (None, False),
    pytest.param(body_read_timeout(), False, id="body-read-timeout"),
]


@pytest.mark.parametrize(("exc", "retry"), RETRY)
def test_retryable_failure(exc: BaseException | None, retry: bool) -> None:
    assert RetryableFailure().should_retry(exception=exc) is retry


# --- DeadlineRetryStrategy ----------------------------------------------------------------------------------------


class FlakyCall:
    """Fails with the given exceptions in turn, then answers; records the client timeout of every attempt."""

    def __init__(self, client: SimpleNamespace, *failures: BaseException) -> None:
        self.client = client
        self.failures = list(failures)
        self.timeouts: list[tuple[float, float]] = []

    def __call__(self, details: Any, **kwargs: Any) -> str:
        self.timeouts.append(self.client.base_client.timeout)
        if self.failures:
            raise self.failures.pop(0)
        return f"answer to {details}"


def fake_client() -> SimpleNamespace:
    return SimpleNamespace(base_client=SimpleNamespace(timeout=(10.0, 60.0), signer=None))


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(retry.time, "sleep", recorded.append)
    return recorded


def far() -> float:
    return time.monotonic() + 600


@pytest.mark.parametrize("failures", [0, 1, 2])
def test_retries_until_success(failures: int, sleeps: list[float]) -> None:
    client = fake_client()
    call = FlakyCall(client, *[service_error(503)] * failures)
    strategy = strategy_for(client, make_settings(MAX_ATTEMPTS="3"), far())
    assert strategy.make_retrying_call(call, "q") == "answer to q"
    assert strategy.attempts == failures + 1 == len(call.timeouts)
    assert len(sleeps) == failures
    for attempt, delay in enumerate(sleeps, start=1):
        assert 0.25 * 2 ** (attempt - 1) <= delay <= 0.25 * 2 ** (attempt - 1) + 0.25


@pytest.mark.parametrize("max_attempts", [1, 3, 8])
def test_stops_after_max_attempts(max_attempts: int, sleeps: list[float]) -> None:
    client = fake_client()
    errors = [service_error(500, f"E{i}") for i in range(10)]
    call = FlakyCall(client, *errors)
    strategy = strategy_for(client, make_settings(MAX_ATTEMPTS=str(max_attempts)), far())
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        strategy.make_retrying_call(call, "q")
    assert caught.value is errors[max_attempts - 1]
    assert strategy.attempts == max_attempts and len(sleeps) == max_attempts - 1
    assert all(delay <= BACKOFF_MAX_SECONDS for delay in sleeps)


@pytest.mark.parametrize("failure", [service_error(400), service_error(404), read_timeout(), TypeError("bug")])
def test_does_not_retry_what_is_not_retryable(failure: BaseException, sleeps: list[float]) -> None:
    client = fake_client()
    strategy = strategy_for(client, make_settings(), far())
    with pytest.raises(type(failure)):
        strategy.make_retrying_call(FlakyCall(client, failure), "q")
    assert (strategy.attempts, sleeps) == (1, [])


@pytest.mark.parametrize(
    ("retry_after", "low", "high"), [("3", 3, BACKOFF_MAX_SECONDS), ("0", 0.25, 0.5), ("x", 0.25, 0.5)]
)
def test_throttling_waits_for_retry_after_up_to_the_cap(
    retry_after: str, low: float, high: float, sleeps: list[float]
) -> None:
    client = fake_client()
    call = FlakyCall(client, service_error(429, "TooManyRequests", **{"Retry-After": retry_after}))
    strategy = strategy_for(client, make_settings(), far())
    assert strategy.make_retrying_call(call, "q") == "answer to q"
    assert len(sleeps) == 1 and low <= sleeps[0] <= high


@pytest.mark.parametrize("retry_after", [str(int(BACKOFF_MAX_SECONDS) + 1), "86400"])
def test_a_retry_after_past_the_cap_is_answered_not_retried(retry_after: str, sleeps: list[float]) -> None:
    client = fake_client()
    failure = service_error(429, "TooManyRequests", **{"Retry-After": retry_after})
    strategy = strategy_for(client, make_settings(MAX_ATTEMPTS="8"), far())
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        strategy.make_retrying_call(FlakyCall(client, failure), "q")
    assert caught.value is failure and (strategy.attempts, sleeps) == (1, [])
    assert translate_service_error(failure).headers() == {"Retry-After": retry_after}


def test_a_retry_after_past_the_deadline_is_answered_not_retried(sleeps: list[float]) -> None:
    client = fake_client()
    failure = service_error(429, "TooManyRequests", **{"Retry-After": "3"})
    deadline = time.monotonic() + RESPONSE_MARGIN_SECONDS + MIN_ATTEMPT_SECONDS + 2
    strategy = strategy_for(client, make_settings(MAX_ATTEMPTS="8"), deadline)
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        strategy.make_retrying_call(FlakyCall(client, failure), "q")
    assert caught.value is failure and (strategy.attempts, sleeps) == (1, [])


def test_no_sleep_when_the_deadline_is_near(sleeps: list[float]) -> None:
    client = fake_client()
    failure = service_error(503)
    deadline = time.monotonic() + RESPONSE_MARGIN_SECONDS + MIN_ATTEMPT_SECONDS + 0.2
    strategy = strategy_for(client, make_settings(MAX_ATTEMPTS="8"), deadline)
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        strategy.make_retrying_call(FlakyCall(client, failure), "q")
    assert caught.value is failure
    assert (strategy.attempts, sleeps) == (1, [])


def test_no_attempt_once_the_deadline_has_passed(sleeps: list[float]) -> None:
    client = fake_client()
    call = FlakyCall(client)
    strategy = strategy_for(client, make_settings(), time.monotonic() + RESPONSE_MARGIN_SECONDS - 0.1)
    with pytest.raises(UpstreamTimeout):
        strategy.make_retrying_call(call, "q")
    assert (strategy.attempts, call.timeouts, sleeps) == (0, [], [])


def test_timeouts_untouched_when_time_is_plentiful() -> None:
    client = fake_client()
    call = FlakyCall(client)
    strategy_for(
        client, make_settings(CONNECT_TIMEOUT_SECONDS="3", READ_TIMEOUT_SECONDS="45"), far()
    ).make_retrying_call(call, "q")
    assert call.timeouts == [(3.0, 45.0)]


def test_read_timeout_is_cut_to_the_time_left() -> None:
    client = fake_client()
    call = FlakyCall(client)
    deadline = time.monotonic() + RESPONSE_MARGIN_SECONDS + 5
    strategy_for(client, make_settings(CONNECT_TIMEOUT_SECONDS="2"), deadline).make_retrying_call(call, "q")
    ((connect, read),) = call.timeouts
    assert connect == 2.0
    assert 4.5 < read <= 5.0


def test_time_spent_failing_shrinks_later_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a fake clock: each failure takes 3 s; the second attempt gets what is left, a third is not started."""
    clock = [1000.0]
    monkeypatch.setattr(retry.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(retry.time, "sleep", lambda seconds: clock.__setitem__(0, clock[0] + seconds))
    client = fake_client()

    def slow_failure(details: Any) -> None:
        timeouts.append(client.base_client.timeout)
        clock[0] += 3
        raise service_error(503)

    timeouts: list[tuple[float, float]] = []
    strategy = strategy_for(client, make_settings(MAX_ATTEMPTS="8"), 1000.0 + RESPONSE_MARGIN_SECONDS + 7)
    with pytest.raises(oci.exceptions.ServiceError):
        strategy.make_retrying_call(slow_failure, "q")
    assert strategy.attempts == 2
    assert timeouts[0] == (7.0, 7.0)
    assert 3.5 <= timeouts[1][0] == timeouts[1][1] <= 3.75


# --- GenAIService._call with a stand-in client --------------------------------------------------------------------


class StandInClient:
    """Drives the retry strategy as the SDK's chat() does; fails with the given exceptions first."""

    def __init__(self, *failures: BaseException) -> None:
        self.base_client = SimpleNamespace(timeout=(10.0, 60.0), signer=object())
        self.failures = list(failures)
        self.retry_tokens: list[str] = []

    def chat(self, details: Any, *, retry_strategy: DeadlineRetryStrategy, opc_retry_token: str) -> SimpleNamespace:
        def send() -> SimpleNamespace:
            self.retry_tokens.append(opc_retry_token)
            if self.failures:
                raise self.failures.pop(0)
            return SimpleNamespace(data={"echo": details}, request_id="opc-ok", headers={})

        return retry_strategy.make_retrying_call(send)


def stand_in_upstream(client: StandInClient, **env: str) -> Upstream:
    return Upstream(make_settings(**env), lambda: client)  # type: ignore[arg-type,return-value]


def call(genai: Upstream, deadline: float, facts: CallFacts) -> Any:
    return genai._call(genai.client.chat, "d", deadline, facts)


def test_call_returns_data_and_fills_the_callers_facts(sleeps: list[float]) -> None:
    facts = CallFacts()
    assert call(stand_in_upstream(StandInClient(connection_error())), far(), facts) == {"echo": "d"}
    assert (facts.attempts, facts.opc_request_id) == (2, "opc-ok") and facts.ms >= 0


def test_call_translates_and_counts(sleeps: list[float]) -> None:
    errors = [service_error(503), service_error(429, "TooManyRequests", **{"retry-after": "1"})]
    facts = CallFacts()
    client = StandInClient(*errors)
    with pytest.raises(UpstreamThrottled) as caught:
        call(stand_in_upstream(client, MAX_ATTEMPTS="2"), far(), facts)
    assert (facts.attempts, facts.opc_request_id) == (2, "opc-1") and facts.ms >= 0
    assert caught.value.__cause__ is errors[1]
    (token,) = set(client.retry_tokens)  # one idempotency token for both attempts, as the SDK would make
    assert len(client.retry_tokens) == 2 and len(token) == 32 and token.isalnum()


def test_each_call_has_its_own_retry_token() -> None:
    client = StandInClient()
    genai = stand_in_upstream(client)
    call(genai, far(), CallFacts())
    call(genai, far(), CallFacts())
    assert len(set(client.retry_tokens)) == 2


def test_a_rejection_notes_the_service_messages_length_in_the_facts_not_the_error(sleeps: list[float]) -> None:
    facts = CallFacts()
    with pytest.raises(UpstreamRejected) as caught:
        call(stand_in_upstream(StandInClient(service_error(400, message="x" * 900))), far(), facts)
    assert facts.message_chars == 900 and len(caught.value.message) < 500


def test_call_passes_deadline_errors_through(sleeps: list[float]) -> None:
    facts = CallFacts()
    with pytest.raises(UpstreamTimeout) as caught:
        call(stand_in_upstream(StandInClient()), time.monotonic(), facts)
    assert facts.attempts == 0 and caught.value.__cause__ is None


# --- ExpiringTokenReloader ---------------------------------------------------------------------------------------


class Token:
    def __init__(self, valid: bool) -> None:
        self.valid = valid

    def valid_with_jitter(self, jitter: int = 60) -> bool:
        return self.valid


class Signer:
    """A resource principal signer: refresh_security_token() reads the token files again (here: a valid token)."""

    def __init__(self, token: Token | None, refresh: Callable[[], None] | None = None, renewed: bool = True) -> None:
        self.security_token = token
        self.refreshed = 0
        self._refresh = refresh
        self._renewed = renewed

    def refresh_security_token(self) -> None:
        self.refreshed += 1
        if self._refresh:
            self._refresh()
        self.security_token = Token(valid=self._renewed)


@pytest.mark.parametrize(
    ("signer", "refreshes"),
    [
        (Signer(Token(valid=True)), 0),
        (Signer(Token(valid=False)), 1),
        (Signer(None), 0),
    ],
)
def test_reload_only_an_expiring_token(signer: Signer, refreshes: int) -> None:
    credentials.ExpiringTokenReloader().before_call(signer)
    assert signer.refreshed == refreshes


@pytest.mark.parametrize("signer", [None, object(), SimpleNamespace(security_token=Token(valid=False))])
def test_signers_without_tokens_are_left_alone(signer: Any) -> None:
    """An API key's signer, a test's stand-in, or a token holder that cannot refresh: nothing is reloaded, and the
    reloader remembers no token of it."""
    reloader = credentials.ExpiringTokenReloader()
    before = vars(signer).copy() if hasattr(signer, "__dict__") else None
    reloader.before_call(signer)
    assert reloader._reloaded is None
    assert (vars(signer) if hasattr(signer, "__dict__") else None) == before


def test_failed_reload_is_an_auth_failure() -> None:
    def broken() -> None:
        raise FileNotFoundError("/.oci-credentials/rpst")

    with pytest.raises(UpstreamAuthFailed) as caught:
        credentials.ExpiringTokenReloader().before_call(Signer(Token(valid=False), refresh=broken))
    assert "FileNotFoundError" in caught.value.message and "/.oci-credentials" not in caught.value.message
    assert isinstance(caught.value.__cause__, FileNotFoundError)


def test_a_reload_that_brings_no_new_token_is_an_auth_failure() -> None:
    signer = Signer(Token(valid=False), renewed=False)
    with pytest.raises(UpstreamAuthFailed, match="has not issued a new one"):
        credentials.ExpiringTokenReloader().before_call(signer)
    assert signer.refreshed == 1


def test_a_reloaded_token_is_not_reloaded_again_while_it_lasts() -> None:
    """A token with less life than the SDK's 60 s jitter: reloaded once, then kept until it really expires."""

    class ShortLived(Token):
        def valid_with_jitter(self, jitter: int = 60) -> bool:
            return jitter < 60

    class ShortLivedSigner(Signer):
        def refresh_security_token(self) -> None:
            self.refreshed += 1
            self.security_token = ShortLived(valid=True)

    signer = ShortLivedSigner(ShortLived(valid=True))
    reloader = credentials.ExpiringTokenReloader()
    for _ in range(3):
        reloader.before_call(signer)
    assert signer.refreshed == 1


@pytest.mark.parametrize(
    ("exc", "model", "named"),
    [
        (service_error(404, "NotAuthorizedOrNotFound"), "cohere.command-r-08-2024", True),
        (service_error(400, "InvalidParameter", "Entity with key cohere.command-r-08-2024 not found"), None, True),
        (service_error(400, "InvalidParameter", "temperature is out of range"), "cohere.command-r-08-2024", False),
        (service_error(404, "NotAuthorizedOrNotFound"), "cohere.command-a-03-2025", False),  # not retiring
        (service_error(500, "InternalServerError"), "cohere.command-r-08-2024", False),
    ],
)
def test_the_services_refusal_of_a_retiring_model_names_its_replacement(
    exc: oci.exceptions.ServiceError, model: str | None, named: bool
) -> None:
    """No page dates Command R 08-2024's retirement, so the call is made; when the service refuses the model (a 404,
    or a 400 naming it), the error says what OCI names instead."""
    called = model or "cohere.command-r-08-2024"
    error = failures.translate(exc, CallFacts(), called, make_settings().retirement)
    assert ("use cohere.command-a-03-2025, the replacement OCI names" in error.message) is named


def test_concurrent_calls_keep_their_own_deadlines() -> None:
    """Two threads' calls overlap: the later one's short deadline cuts its own client's timeouts, never the earlier
    one's (under a shared client the first call would send with the second's cut: the streaming edge's race)."""
    both_set = threading.Barrier(2, timeout=10)
    seen: dict[str, tuple[float, float]] = {}

    class Recording(StandInClient):
        def chat(self, details: Any, *, retry_strategy: DeadlineRetryStrategy, opc_retry_token: str) -> Any:
            def send() -> SimpleNamespace:
                both_set.wait()  # both attempts have set their timeouts before either sends
                seen[details] = self.base_client.timeout
                return SimpleNamespace(data=details, request_id="opc-ok", headers={})

            return retry_strategy.make_retrying_call(send)

    genai = Upstream(make_settings(CONNECT_TIMEOUT_SECONDS="3", READ_TIMEOUT_SECONDS="45"), Recording)  # type: ignore[arg-type]
    deadlines = {"long": far(), "short": time.monotonic() + RESPONSE_MARGIN_SECONDS + 2}

    def call_in_this_thread(name: str) -> None:
        genai._call(genai.client.chat, name, deadlines[name], CallFacts())

    threads = [threading.Thread(target=call_in_this_thread, args=(name,)) for name in deadlines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert seen["long"] == (3.0, 45.0)
    assert 0 < seen["short"][0] == seen["short"][1] <= 2.0
