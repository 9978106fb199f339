"""Retries are bounded by attempts and by the invocation deadline (Fn-Deadline); a slow service is a 504."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import function_config


@pytest.fixture(scope="module")
def patient_fn(start_module_function, emulator):
    """A function allowed many attempts, so only the deadline can stop its retries."""
    return start_module_function(function_config(emulator, MAX_ATTEMPTS="8"))


def test_retries_stop_before_the_deadline(patient_fn, emulator):
    emulator.reset()
    emulator.fail_next(status=503, code="ServiceUnavailable", times=100)
    started = time.monotonic()
    reply = patient_fn.invoke({"input": "Hi"}, gateway=True, url="/chat", deadline_seconds=5)
    elapsed = time.monotonic() - started

    assert reply.status == 502
    assert json.loads(reply.body)["error"]["type"] == "upstream_error"
    assert elapsed < 5.0, "answered before the deadline"
    assert 2 <= len(emulator.requests) < 8, "retried, but the deadline cut the attempts short"
    emulator.reset()


def test_a_slow_service_past_the_deadline_is_504(fn, upstream):
    upstream.inject("delay", delay=6)
    started = time.monotonic()
    reply = fn.invoke({"input": "Hi"}, gateway=True, url="/chat", deadline_seconds=2)
    elapsed = time.monotonic() - started

    error = json.loads(reply.body)["error"]
    assert (reply.status, error["type"]) == (504, "upstream_timeout")
    assert elapsed < 2.0
    assert len(upstream.requests) <= 1, "a read timeout is not retried: the model may already be generating"


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
    emulator.reset()
    emulator.inject("delay", delay=10)
    started = time.monotonic()
    reply = function.invoke({"input": "Hi"}, gateway=True, url="/chat", deadline_seconds=30)

    assert reply.status == 504
    assert time.monotonic() - started < 7, "cut by the 1 s read timeout, not by the 10 s reply"
    emulator.reset()
