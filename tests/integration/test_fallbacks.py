"""Ordered fallbacks, end to end: two containers of one function under the real fdk share one real cache server
(redis-server, TLS, an ACL user) for their budgets and their cooldowns; the emulator throttles the chosen model.
The first call is answered by its fallback (another family: Cohere V1 -> GENERIC), says so, and puts the chosen
model in cooldown; the next call, in the other container, never asks the cooling model; the budget is charged
once per call, for what answered."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from emulator import Emulator
from genai_fn.budgets.config import Budget
from genai_fn.budgets.store import counter_key
from localfn.config import COHERE_MODEL, LLAMA_MODEL
from tests.conftest import FunctionPool, RunningFunction, function_config
from tests.usage.redis_server import ACL, COOLDOWN_ACL, RedisServer

V1 = f"{COHERE_MODEL}:COHERE"
"""Command A as Cohere V1 (the catalogue sends it as COHEREV2): a chain across two families."""

CALLER = "team-fallback"
BUDGET = Budget(CALLER, 100_000, "hour")
PROFILE = "ocid1.generativeairoutingprofile.oc1.us-chicago-1.local"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("fallback-cache"), acl=ACL + COOLDOWN_ACL).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def functions(module_functions: FunctionPool, emulator: Emulator, cache: RedisServer) -> list[RunningFunction]:
    """Two containers of one function: they share nothing but the cache (budgets and cooldowns)."""
    config = function_config(
        emulator,
        MODEL_API_FORMATS=V1,
        FALLBACKS=f"{COHERE_MODEL}>{LLAMA_MODEL}",
        TOKEN_BUDGETS=f"{CALLER}:{BUDGET.tokens}/{BUDGET.window}",
        BUDGET_STORE_URL=cache.url,
        FALLBACK_COOLDOWN_SECONDS="300",
    )
    return [module_functions.start(config), module_functions.start(config)]


def call(function: RunningFunction, body: dict[str, Any]) -> tuple[int, dict[str, str], Any, dict[str, Any]]:
    """(status, reply headers, body, the request's log line), called as the gateway calls it for CALLER."""
    function.new_log()
    headers = {"X-Genai-Caller": f"gw:{CALLER}", "Accept": "application/json"}
    reply = function.invoke(body, gateway=True, url="/chat", headers=headers)
    return reply.status, reply.headers, json.loads(reply.body), function.request_logs()[-1]


def asked(emulator: Emulator) -> list[tuple[str, str, int]]:
    """(model named, apiFormat, status) of every chat request the emulator received."""
    return [
        (r.json["servingMode"]["modelId"], r.json["chatRequest"]["apiFormat"], r.status)
        for r in emulator.requests
        if r.path.endswith("/actions/chat")
    ]


def test_a_throttled_model_is_answered_by_its_fallback_and_cools_down_for_every_container(
    functions, emulator, cache
) -> None:
    first, second = functions
    store = redis.Redis.from_url(cache.url)
    key = counter_key(CALLER, BUDGET, time.time())
    before = int(store.get(key) or 0)
    emulator.reset()
    emulator.fail_next(status=429, times=2, model=COHERE_MODEL)

    status, headers, body, line = call(first, {"input": "Which way to the station?"})
    assert status == 200, body
    assert headers["x-genai-served-by"] == LLAMA_MODEL
    assert asked(emulator) == [(COHERE_MODEL, "COHERE", 429), (LLAMA_MODEL, "GENERIC", 200)]
    assert (line["served_by"], line["fallback_from"]) == (LLAMA_MODEL, COHERE_MODEL)
    assert line["fallback"] == {"failed": [COHERE_MODEL]} and line["attempts"] == 2
    assert line["budget"]["charged"] == line["total_tokens"] > 0, "the 429 billed nothing: only the answer counts"

    emulator.requests.clear()
    status, headers, body, line = call(second, {"input": "And back?"})
    assert status == 200, body
    assert headers["x-genai-served-by"] == LLAMA_MODEL
    assert asked(emulator) == [(LLAMA_MODEL, "GENERIC", 200)], "the cooling model was not asked"
    assert line["fallback"] == {"cooling": [COHERE_MODEL]} and line["fallback_from"] == COHERE_MODEL
    assert line["budget"]["charged"] == line["total_tokens"] > 0
    charged = int(store.get(key) or 0) - before
    first_line = [x for x in first.process.stderr().splitlines() if x.startswith("{")][-1]
    assert charged == json.loads(first_line)["total_tokens"] + line["total_tokens"], "each call charged once"


def test_a_refusal_the_fallback_would_repeat_is_the_answer(functions, emulator) -> None:
    emulator.reset()
    emulator.fail_next(status=400, code="InvalidParameter", message="bad request", model=LLAMA_MODEL)
    status, headers, body, line = call(functions[0], {"input": "hi", "model": LLAMA_MODEL})
    assert status == 400 and "x-genai-served-by" not in headers
    assert asked(emulator) == [(LLAMA_MODEL, "GENERIC", 400)]
    assert "served_by" not in line and "fallback" not in line


def test_a_reply_says_who_served_it_without_fallbacks_and_passes_on_the_selected_region(
    module_functions: FunctionPool, emulator: Emulator
) -> None:
    """A routing profile is an allowed model (its OCID with API_FORMAT); the service's region header is passed on."""
    function = module_functions.start(
        function_config(emulator, MODEL_ID=PROFILE, ALLOWED_MODELS=None, API_FORMAT="GENERIC")
    )
    emulator.reset()
    status, headers, body, line = call(function, {"input": "hi"})
    assert status == 200, body
    assert asked(emulator) == [(PROFILE, "GENERIC", 200)]
    assert headers["x-genai-served-by"] == PROFILE == line["served_by"]
    assert headers["x-genai-selected-region"] == "us-chicago-1" == line["selected_region"]
    assert "fallback_from" not in line


def test_a_fallback_of_another_family_is_not_screened_again_and_sends_the_masked_text(
    module_functions: FunctionPool, emulator: Emulator
) -> None:
    """Input guardrails run once: the fallback's request (GENERIC, mapped from the same neutral request) reuses the
    chosen model's screening, masks included."""
    function = module_functions.start(
        function_config(
            emulator, MODEL_API_FORMATS=V1, FALLBACKS=f"{COHERE_MODEL}>{LLAMA_MODEL}", GUARDRAILS="pii:mask"
        )
    )
    emulator.reset()
    emulator.fail_next(status=503, code="ServiceUnavailable", message="busy", model=COHERE_MODEL)
    status, headers, body, line = call(function, {"input": "Write to jane.doe@example.com about the station"})
    assert status == 200, body
    assert headers["x-genai-served-by"] == LLAMA_MODEL
    assert [(model, status) for model, _, status in asked(emulator)] == [(COHERE_MODEL, 503), (LLAMA_MODEL, 200)]
    screened = [r for r in emulator.requests if r.path.endswith("/actions/applyGuardrails")]
    assert len(screened) == 1, "the input was screened once for both targets"
    sent = json.dumps(emulator.requests[-1].json["chatRequest"])
    assert "jane.doe@example.com" not in sent and "<EMAIL>" in sent
    assert line["guardrails"]["input"]["outcome"] == "masked" and line["guardrails"]["input"]["reused"] == 1


def test_a_cooldown_store_that_cannot_be_reached_never_fails_a_request(
    module_functions: FunctionPool, emulator: Emulator, cache: RedisServer
) -> None:
    """The cooldowns are advice: with their cache unreachable the chain is walked as if nothing were cooling, and the
    log says the store failed."""
    with socket.socket() as probe:  # a port nothing listens on: every connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"rediss://user:pw@localhost:{port}/0?ssl_ca_certs={cache.ca_file}"
    function = module_functions.start(
        function_config(
            emulator, MODEL_API_FORMATS=V1, FALLBACKS=f"{COHERE_MODEL}>{LLAMA_MODEL}", FALLBACK_STORE_URL=url
        )
    )
    emulator.reset()
    emulator.fail_next(status=429, model=COHERE_MODEL)
    status, headers, body, line = call(function, {"input": "hi"})
    assert status == 200, body
    assert headers["x-genai-served-by"] == LLAMA_MODEL
    assert asked(emulator) == [(COHERE_MODEL, "COHERE", 429), (LLAMA_MODEL, "GENERIC", 200)]
    assert line["fallback"]["failed"] == [COHERE_MODEL] and "store_error" in line["fallback"]


def test_a_fallback_after_a_target_that_may_have_billed_is_charged_its_whole_bound_too(
    module_functions: FunctionPool, emulator: Emulator, tmp_path
) -> None:
    """A 5xx may come after generation: the answer's fallback does not make the first target's cost disappear. (A
    cache of its own: the module's has the other tests' cooldowns.)"""
    own = RedisServer(tmp_path / "cache", acl=ACL + COOLDOWN_ACL).start()
    try:
        function = module_functions.start(
            function_config(
                emulator,
                MODEL_API_FORMATS=V1,
                FALLBACKS=f"{LLAMA_MODEL}>{COHERE_MODEL}",
                TOKEN_BUDGETS=f"{CALLER}:{BUDGET.tokens}/{BUDGET.window}",
                BUDGET_STORE_URL=own.url,
            )
        )
        _served_after_a_5xx(function, emulator)
    finally:
        own.stop()


def _served_after_a_5xx(function: RunningFunction, emulator: Emulator) -> None:
    emulator.reset()
    emulator.fail_next(status=500, code="InternalServerError", message="failed after generating", model=LLAMA_MODEL)
    status, headers, body, line = call(function, {"input": "hi", "model": LLAMA_MODEL, "max_tokens": 50})
    assert status == 200, body
    assert headers["x-genai-served-by"] == COHERE_MODEL
    assert asked(emulator) == [(LLAMA_MODEL, "GENERIC", 500), (COHERE_MODEL, "COHERE", 200)]
    assert line["budget"]["charged"] == line["budget"]["reserved"] + line["total_tokens"], "a bound for the 5xx"


def test_only_the_texts_the_first_screening_never_saw_are_screened_for_a_fallback(
    module_functions: FunctionPool, emulator: Emulator
) -> None:
    """Cohere V1 sends a tool's parameters as its own definitions, GENERIC as the JSON schema: the schema's keywords
    are new texts, screened in a second call that holds nothing else; the turns reuse the first screening."""
    function = module_functions.start(
        function_config(
            emulator, MODEL_API_FORMATS=V1, FALLBACKS=f"{COHERE_MODEL}>{LLAMA_MODEL}", GUARDRAILS="pii:mask"
        )
    )
    emulator.reset()
    emulator.fail_next(status=429, model=COHERE_MODEL)
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "the city"}}},
        },
    }
    body = {
        "model": COHERE_MODEL,
        "messages": [{"role": "user", "content": "Mail jane.doe@example.com"}],
        "tools": [tool],
    }
    function.new_log()
    reply = function.invoke(body, gateway=True, url="/v1/chat/completions", headers={"Accept": "application/json"})
    line = function.request_logs()[-1]
    assert reply.status == 200, reply.body
    assert reply.headers["x-genai-served-by"] == LLAMA_MODEL
    screened = [r.json["input"]["content"] for r in emulator.requests if r.path.endswith("/actions/applyGuardrails")]
    assert len(screened) == 2
    assert "jane.doe@example.com" in screened[0] and "properties" not in screened[0]
    assert "properties" in screened[1] and "jane.doe" not in screened[1] and "Weather for a city" not in screened[1]
    sent = json.dumps(emulator.requests[-1].json["chatRequest"])
    assert "jane.doe@example.com" not in sent and "<EMAIL>" in sent
    assert line["guardrails"]["input"]["reused"] == 1 and line["guardrails"]["input_fallback"]["outcome"] == "passed"


def test_a_fallback_served_call_logs_content_from_what_its_target_was_sent(module_functions, emulator) -> None:
    """LOG_CONTENT with a chain: the debugging copy is what the target that answered read, masks applied (the
    use case once referred to a request only the chain-less path had built, and answered 500)."""
    function = module_functions.start(
        function_config(
            emulator,
            FALLBACKS=f"{COHERE_MODEL}>{LLAMA_MODEL}",
            GUARDRAILS="pii:mask",
            LOG_CONTENT="true",
        )
    )
    emulator.reset()
    emulator.fail_next(status=429, times=3, model=COHERE_MODEL)
    function.new_log()
    reply = function.invoke({"input": "Mail alice@example.com the plan"}, gateway=True, url="/chat")

    assert reply.status == 200, reply.body
    line = function.request_logs()[-1]
    assert line["served_by"] == LLAMA_MODEL
    logged = " ".join(line["content"]["messages"])
    assert "the plan" in logged and "alice@example.com" not in logged
