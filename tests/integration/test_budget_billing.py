"""Budgets charge what the service may bill: a call whose outcome is unknown keeps its whole reservation, a call that
cannot have been billed releases it. Real fdk, the real SDK against the emulator, a real cache server (TLS, ACL user).

Each test has a caller of its own with `1000/day`: one request's bound (`max_tokens` 1000 plus its prompt's bytes)
fills that budget, so whether the next request is admitted shows what the first one was charged."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from emulator import Emulator
from tests.conftest import FunctionPool, RunningFunction, function_config
from tests.usage.redis_server import PASSWORD, USER, RedisServer

BUDGETS = (
    ",".join(f"team-{name}:1000/day" for name in ("timeout", "refused", "closed", "broken", "5xx"))
    + ",team-served:100000/day,team-retry:3000/day"
)
BODY = {"input": "How long is a piece of string?", "max_tokens": 1000}


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("billing-cache")).start()
    try:
        yield server
    finally:
        server.stop()


def budget_config(emulator: Emulator, cache: RedisServer, **overrides: str) -> dict[str, str]:
    url = f"rediss://{USER}:{PASSWORD}@localhost:{cache.port}/0?ssl_ca_certs={cache.ca_file}"
    return function_config(emulator, TOKEN_BUDGETS=BUDGETS, BUDGET_STORE_URL=url, **overrides)


@pytest.fixture(scope="module")
def function(module_functions: FunctionPool, emulator: Emulator, cache: RedisServer) -> RunningFunction:
    return module_functions.start(budget_config(emulator, cache, READ_TIMEOUT_SECONDS="1", MAX_ATTEMPTS="1"))


def call(function: RunningFunction, caller: str) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """(status, error or reply, the request's log line)."""
    function.new_log()
    headers = {"X-Genai-Caller": f"gw:{caller}", "Accept": "application/json"}
    reply = function.invoke(BODY, gateway=True, url="/chat", headers=headers)
    return reply.status, json.loads(reply.body), function.request_logs()[-1]


def test_a_call_that_timed_out_after_it_was_sent_keeps_its_reservation(function, emulator) -> None:
    emulator.reset()
    emulator.inject("delay", delay=3)  # the service runs (and bills) the call; the reply comes after the read timeout
    status, body, line = call(function, "team-timeout")
    assert (status, body["error"]["type"]) == (504, "upstream_timeout")
    assert len(emulator.requests) == 1, "the request reached the service"
    assert line["budget"]["charged"] == line["budget"]["reserved"] > 1000
    emulator.reset()
    status, body, _ = call(function, "team-timeout")
    assert (status, body["error"]["type"]) == (429, "budget_exceeded")
    assert len(emulator.requests) == 0, "refused before anything was sent"


def test_a_connection_broken_mid_reply_keeps_its_reservation(function, emulator) -> None:
    emulator.reset()
    emulator.inject("closed_mid_body")  # the right Content-Length, half the body, then close: the call ran
    status, body, line = call(function, "team-broken")
    assert (status, body["error"]["type"]) == (502, "upstream_error")
    assert line["budget"]["charged"] == line["budget"]["reserved"]
    status, body, _ = call(function, "team-broken")
    assert (status, body["error"]["type"]) == (429, "budget_exceeded")


def test_a_5xx_keeps_its_reservation(function, emulator) -> None:
    emulator.reset()
    emulator.fail_next(status=500, code="InternalServerError", message="failed after generating")
    status, body, line = call(function, "team-5xx")
    assert (status, body["error"]["type"]) == (502, "upstream_error")
    assert line["budget"]["charged"] == line["budget"]["reserved"]
    assert call(function, "team-5xx")[0] == 429


def test_a_4xx_from_the_service_releases_the_reservation(function, emulator) -> None:
    emulator.reset()
    emulator.fail_next(status=400, code="InvalidParameter", message="the service refused it")
    status, body, line = call(function, "team-refused")
    assert (status, body["error"]["type"]) == (400, "upstream_bad_request")
    assert line["budget"]["charged"] == 0 and line["budget"]["reserved"] > 1000
    status, _, line = call(function, "team-refused")  # nothing was charged: the caller's budget is all there
    assert status == 200 and len(emulator.requests) == 2


def test_a_served_call_is_charged_the_services_count(function, emulator) -> None:
    emulator.reset()
    status, body, line = call(function, "team-served")
    assert status == 200
    assert line["budget"]["charged"] == line["total_tokens"] > 0 and line["budget"]["reserved"] > 1000


def test_a_refused_connection_releases_the_reservation(module_functions, emulator, cache) -> None:
    with socket.socket() as probe:  # a port nothing listens on: the connection is refused, nothing is sent
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    function = module_functions.start(budget_config(emulator, cache, SERVICE_ENDPOINT=f"http://127.0.0.1:{closed}"))
    for _ in range(2):  # charged nothing: the caller is never refused for calls the service never saw
        status, body, line = call(function, "team-closed")
        assert (status, body["error"]["type"]) == (502, "upstream_error")
        assert line["budget"]["charged"] == 0 and line["budget"]["enforced"], json.dumps(line)


def test_each_retried_attempt_that_may_have_been_billed_is_charged_its_bound(module_functions, emulator, cache) -> None:
    """MAX_ATTEMPTS=3: two 5xx (each may have run a generation), then a reply: charged two bounds plus the reply's
    count, more than the one bound reserved; a 3000-token budget then admits one more such request, not two."""
    function = module_functions.start(budget_config(emulator, cache, MAX_ATTEMPTS="3"))
    emulator.reset()
    emulator.fail_next(status=500, code="InternalServerError", message="failed after generating", times=2)
    status, _, line = call(function, "team-retry")
    reserved = line["budget"]["reserved"]
    assert status == 200 and len(emulator.requests) == 3
    assert line["budget"]["charged"] == 2 * reserved + line["total_tokens"] > reserved, json.dumps(line)
    emulator.fail_next(status=500, code="InternalServerError", message="failed after generating", times=2)
    assert call(function, "team-retry")[0] == 200  # admitted: the budget still had room
    assert call(function, "team-retry")[0] == 429  # two such requests filled it
