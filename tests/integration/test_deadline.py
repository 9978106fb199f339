"""Retries are bounded by attempts and by the invocation deadline (Fn-Deadline); a slow service is a 504.

Nothing here races the clock: each property is read from what the emulator received and from which answer came
back (a reply the emulator holds back longer than the cut can only be missed by a cut), and every function is
warm before a deadline starts, so importing func.py on a loaded machine cannot spend the deadline.
"""

from __future__ import annotations

import json
import math
import time

import pytest

from genai_fn.upstream.retry import BACKOFF_BASE_SECONDS, MIN_ATTEMPT_SECONDS, RESPONSE_MARGIN_SECONDS
from tests.conftest import function_config
from tests.tokens import warm_up

MAX_ATTEMPTS = 8


def attempts_that_fit(deadline_seconds: float) -> int:
    """The most attempts the retry policy can start within a deadline: another attempt is started only while the
    shortest backoffs so far still leave MIN_ATTEMPT_SECONDS before the deadline (less the answer's margin)."""
    attempts, backoff = 1, 0.0
    while attempts < MAX_ATTEMPTS:
        backoff += BACKOFF_BASE_SECONDS * 2 ** (attempts - 1)
        if backoff > deadline_seconds - RESPONSE_MARGIN_SECONDS - MIN_ATTEMPT_SECONDS:
            break
        attempts += 1
    return attempts


@pytest.fixture(scope="module")
def patient_fn(start_module_function, emulator):
    """A function allowed many attempts, so only the deadline can stop its retries; warm, client built."""
    function = start_module_function(function_config(emulator, MAX_ATTEMPTS=str(MAX_ATTEMPTS)))
    emulator.reset()
    assert function.invoke({"input": "warm"}).status == 200
    return function


def test_retries_stop_before_the_deadline(patient_fn, emulator):
    emulator.reset()
    started = time.monotonic()
    assert patient_fn.invoke({"input": "one attempt"}).status == 200
    step = time.monotonic() - started
    deadline = min(12.0, max(5.0, math.ceil(4 * step) + 2.0))  # room for two attempts even on a slow machine
    emulator.reset()
    emulator.fail_next(status=503, code="ServiceUnavailable", times=100)
    reply = patient_fn.invoke({"input": "Hi"}, gateway=True, url="/chat", deadline_seconds=deadline)

    assert reply.status == 502
    assert json.loads(reply.body)["error"]["type"] == "upstream_error", "the last failure, not a deadline timeout"
    assert 2 <= len(emulator.requests) <= attempts_that_fit(deadline) < MAX_ATTEMPTS, (
        "retried, but no attempt was started that the deadline could not fit"
    )
    log = patient_fn.request_logs()[-1]
    assert log["attempts"] == len(emulator.requests)
    assert log["latency_ms"] < deadline * 1000, "answered within the deadline by the function's own clock"
    emulator.reset()


def test_a_slow_service_past_the_deadline_is_504(fn, upstream):
    upstream.inject("delay", delay=3)  # one second past the deadline: only a cut at the deadline misses the reply
    reply = fn.invoke({"input": "Hi"}, gateway=True, url="/chat", deadline_seconds=2)

    error = json.loads(reply.body)["error"]
    assert (reply.status, error["type"]) == (504, "upstream_timeout")
    assert len(upstream.requests) <= 1, "a read timeout is not retried: the model may already be generating"
    assert fn.last_request_log()["latency_ms"] < 2000, "answered within the deadline by the function's own clock"


def test_plain_invoke_carries_504_in_the_body(fn, upstream):
    upstream.inject("delay", delay=6)
    reply = fn.invoke({"input": "Hi"}, deadline_seconds=1.5)

    assert reply.socket_status == 200, "Fn's agent would drop the body of a container 504"
    assert json.loads(reply.body)["error"]["status"] == 504


def test_no_time_left_means_no_upstream_call(fn, upstream):
    reply = fn.invoke({"input": "Hi"}, gateway=True, url="/chat", deadline_seconds=0.2)

    assert reply.status == 504
    assert len(upstream.requests) == 0


def test_read_timeout_setting_bounds_each_attempt(start_function, emulator):
    function = start_function(function_config(emulator, READ_TIMEOUT_SECONDS="1"))
    warm_up(function)
    emulator.reset()
    emulator.inject("delay", delay=7)
    reply = function.invoke({"input": "Hi"}, gateway=True, url="/chat", deadline_seconds=30)

    assert reply.status == 504, "cut by the 1 s read timeout: the deadline (30 s) would have let the 7 s reply in"
    assert len(emulator.requests) == 1, "a read timeout is not retried"
    emulator.reset()
