"""Every upstream fault, one row each: what the caller gets, how many attempts were made, the deadline, recovery.

Run through the real fdk with the gateway's protocol, against the emulator's fault injection. Defaults of the
`fn` fixture apply: MAX_ATTEMPTS=3, READ_TIMEOUT_SECONDS=60, so the Fn-Deadline is what bounds slow calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from emulator import Emulator
from emulator.faults import hostile_message
from tests.conftest import RunningFunction, function_config
from tests.constants import V1_PIN


@dataclass(frozen=True)
class Row:
    name: str
    inject: Callable[[Emulator], None]
    status: int
    error: str | None
    attempts: int
    deadline: float = 8.0
    retry_after: str | None = None


def _error(status: int, code: str, times: int = 10, **headers: str) -> Callable[[Emulator], None]:
    return lambda e: e.fail_next(status=status, code=code, message="emulated", times=times, headers=headers)


def _fault(kind: str, times: int = 10, delay: float = 0.0) -> Callable[[Emulator], None]:
    return lambda e: e.inject(kind, times=times, delay=delay)


_BAD, _RL = "upstream_bad_request", "rate_limited"


ROWS = [
    Row(
        "429-sustained", _error(429, "TooManyRequests", **{"retry-after": "1"}), 429, "rate_limited", 3, retry_after="1"
    ),
    Row(
        "429-retry-after-past-deadline",
        _error(429, "TooManyRequests", **{"retry-after": "30"}),
        429,
        "rate_limited",
        1,
        deadline=4.0,
        retry_after="30",
    ),
    Row("500-sustained", _error(500, "InternalServerError"), 502, "upstream_error", 3),
    Row("501-not-retried", _error(501, "NotImplemented"), 502, "upstream_error", 1),
    Row("503-sustained", _error(503, "ServiceUnavailable"), 502, "upstream_error", 3),
    Row("504-from-service", _error(504, "GatewayTimeout"), 504, "upstream_timeout", 3),
    Row("slow-near-deadline", _fault("delay", 1, delay=2.0), 200, None, 1, deadline=4.0),
    Row("slow-past-deadline", _fault("delay", 1, delay=8.0), 504, "upstream_timeout", 1, deadline=3.0),
    Row("latency-past-deadline", lambda e: e.set_latency(8.0), 504, "upstream_timeout", 1, deadline=3.0),
    Row("dropped-connection", _fault("drop"), 502, "upstream_error", 3),
    Row("reset-connection", _fault("reset"), 502, "upstream_error", 3),
    Row("truncated-reply", _fault("truncated"), 502, "upstream_error", 1),
    Row("non-json-reply", _fault("malformed"), 502, "upstream_error", 1),
    Row("empty-object-reply", _fault("empty"), 502, "upstream_error", 1),
    Row("html-error-page", _fault("html"), 502, "upstream_error", 3),
    Row("wrong-api-format", _fault("wrong_format"), 502, "upstream_error", 1),
    Row("recovers-after-2x503", _error(503, "ServiceUnavailable", times=2), 200, None, 3),
    Row("recovers-after-2x429", _error(429, "TooManyRequests", times=2, **{"retry-after": "0"}), 200, None, 3),
    Row("recovers-after-drop", _fault("drop", times=2), 200, None, 3),
    Row("recovers-after-reset", _fault("reset", times=1), 200, None, 2),
    Row("recovers-after-html", _fault("html", times=1), 200, None, 2),
    Row("trickling-reply", lambda e: e.inject("trickle", times=10, interval=0.2), 504, "upstream_timeout", 1, 4.0),
    Row("stalled-reply", lambda e: e.inject("stalled", times=10, stall=30), 504, "upstream_timeout", 1, 4.0),
    Row("closed-mid-body", _fault("closed_mid_body"), 502, "upstream_error", 1),
    Row("huge-reply", _fault("huge_reply"), 502, "upstream_error", 1),
    Row("huge-echoed-history", _fault("huge_history"), 502, "upstream_error", 1),
    Row("hostile-400-message", lambda e: e.fail_next(400, "InvalidParameter", hostile_message()), 400, _BAD, 1),
    Row("5mb-400-message", lambda e: e.fail_next(400, "InvalidParameter", hostile_message(5)), 400, _BAD, 1),
    Row(
        "retry-after-unicode-digit", _error(429, "TooManyRequests", **{"retry-after": "\u00b2"}), 429, _RL, 3, 8.0, "2"
    ),
    Row("retry-after-garbage", _error(429, "TooManyRequests", **{"retry-after": "soon"}), 429, _RL, 3, 8.0, "2"),
    Row("retry-after-over-backoff-cap", _error(429, "TooManyRequests", **{"retry-after": "5"}), 429, _RL, 1, 30.0, "5"),
    Row(
        "recovers-after-500-then-drop",
        lambda e: (_error(500, "InternalServerError", times=1)(e), _fault("drop", 1)(e)),
        200,
        None,
        3,
    ),
]


@pytest.fixture(scope="module")
def fn(start_module_function: Callable[..., RunningFunction], emulator: Emulator) -> RunningFunction:
    """Command A kept on Cohere V1, the format whose replies echo the history (the huge-echoed-history row)."""
    return start_module_function(function_config(emulator, **V1_PIN))


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_fault(fn: RunningFunction, upstream: Emulator, row: Row) -> None:
    row.inject(upstream)
    reply = fn.invoke(
        {"input": "fault row"},
        gateway=True,
        url="/genai/chat",
        deadline_seconds=row.deadline,
        headers={"Accept": "application/json"},
        call_id=f"fault-{row.name}",
    )

    assert reply.status == row.status, reply.body[:300]
    body = json.loads(reply.body)
    if row.error:
        assert body["error"]["type"] == row.error and body["error"]["status"] == row.status
    else:
        assert body["text"] == "Emulated reply to: fault row"
    if row.retry_after:
        assert reply.headers["retry-after"] == row.retry_after, "the service's Retry-After reaches the caller"

    attempts = upstream.requests.snapshot()
    assert len(attempts) == row.attempts, [r.status for r in attempts]
    tokens = {r.headers.get("opc-retry-token") for r in attempts}
    assert len(tokens) == 1 and None not in tokens, "every attempt of one call carries one idempotency token"
    (log,) = fn.request_logs()
    assert (log["call_id"], log["status"], log["attempts"]) == (f"fault-{row.name}", row.status, row.attempts)
    # Timed by the function's own clock: the test process also runs the emulator, so its own stalls are not the
    # function's. The function keeps 0.5 s of its deadline back to answer (genai_fn/upstream/retry.py).
    assert log["latency_ms"] < row.deadline * 1000, f"answered after the Fn-Deadline ({log['latency_ms']} ms)"

    upstream.reset()
    after = fn.invoke({"input": "after the fault"}, gateway=True, url="/genai/chat")
    assert (after.status, after.body) == (200, b"Emulated reply to: after the fault"), "served once the fault clears"
    (retry_token,) = {r.headers.get("opc-retry-token") for r in upstream.requests}
    assert retry_token not in tokens, "a new call is a new side effect: it must not reuse the token"
