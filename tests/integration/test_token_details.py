"""Cached prompt tokens and reasoning tokens, end to end: the emulator reports them (a long prompt sent again is
read from its prompt cache; a reasoning model reasons), and they reach both OpenAI APIs (the stream's usage chunk
too), the simple contract, the request's log line, the usage function's posted metrics (with cost from a price
table) and the budget, weighted by TOKEN_BUDGET_CACHED_WEIGHT. Real fdk, the real SDK, a real cache server."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from typing import Any

import pytest

from emulator import Emulator
from emulator.prompt_cache import MIN_CACHED_TOKENS
from localfn.fdk_process import FdkProcess, fdk_command
from tests.constants import VISION_MODEL
from tests.integration.test_budget_billing import cache  # noqa: F401 - the module's cache server fixture
from tests.usage.batches import batch, entry
from tests.usage.redis_server import PASSWORD, USER, RedisServer
from tests.usage.test_usage_function import COMPARTMENT, ENTRYPOINT, UsageFn, metric_posts

WEIGHT = 0.1
LONG = " ".join(f"word{i}" for i in range(MIN_CACHED_TOKENS + 100))
"""A prompt long enough for the prompt cache (its words are the emulator's tokens)."""
PRICES = f"{VISION_MODEL}:2:8:0.5"


@pytest.fixture(scope="module")
def function(module_functions: Any, emulator: Emulator, cache: RedisServer) -> Any:  # noqa: F811
    url = f"rediss://{USER}:{PASSWORD}@localhost:{cache.port}/0?ssl_ca_certs={cache.ca_file}"
    config = {
        "MODEL_ID": VISION_MODEL,
        "ALLOWED_MODELS": VISION_MODEL,
        "COMPARTMENT_OCID": "ocid1.compartment.oc1..local",
        "SERVICE_ENDPOINT": emulator.url,
        "TOKEN_BUDGETS": "*:10000000/day",
        "BUDGET_STORE_URL": url,
        "TOKEN_BUDGET_CACHED_WEIGHT": str(WEIGHT),
    }
    return module_functions.start(config)


@pytest.fixture(scope="module")
def usage_fn(emulator: Emulator, rp_env: dict[str, str]) -> Iterator[UsageFn]:
    env = {
        **rp_env,
        "USAGE_METRICS_COMPARTMENT_OCID": COMPARTMENT,
        "USAGE_METRICS_ENDPOINT": emulator.url,
        "USAGE_PRICES": PRICES,
    }
    process = FdkProcess(env, command=fdk_command(ENTRYPOINT, "handler")).start()
    running = UsageFn(process)
    try:
        yield running
    finally:
        running.client.close()
        process.stop()


def call(function: Any, url: str, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the reply, its log line), as team-a through the gateway."""
    function.new_log()
    headers = {"X-Genai-Caller": "gw:team-a", "Accept": "application/json"}
    reply = function.invoke(body, gateway=True, url=url, headers=headers)
    assert reply.status == 200, reply.body
    text = reply.body.decode()
    (line,) = function.request_logs()
    if text.startswith("data:"):
        events = [json.loads(e[len("data: ") :]) for e in text.split("\n\n") if e.startswith("data: {")]
        return events[-1], line
    return json.loads(text), line


def sent_twice(function: Any, emulator: Emulator, url: str, body: dict[str, Any]) -> tuple[dict, dict, dict]:
    """The first reply (nothing cached), then the second reply and its log line (the prompt read from the cache)."""
    emulator.reset()
    first, _ = call(function, url, body)
    second, line = call(function, url, body)
    assert len(emulator.requests) == 2
    return first, second, line


def charged(line: dict[str, Any]) -> int:
    return line["total_tokens"] - line["cached_tokens"] + math.ceil(line["cached_tokens"] * WEIGHT)


def test_chat_completions_report_cached_and_reasoning_tokens_and_the_budget_weights_them(function, emulator) -> None:
    body = {"messages": [{"role": "user", "content": LONG}], "reasoning_effort": "low"}
    first, second, line = sent_twice(function, emulator, "/v1/chat/completions", body)
    prompt = first["usage"]["prompt_tokens"]
    assert prompt >= MIN_CACHED_TOKENS and "prompt_tokens_details" not in first["usage"], "nothing cached yet"
    usage = second["usage"]
    assert usage["prompt_tokens_details"] == {"cached_tokens": prompt}
    assert usage["completion_tokens_details"]["reasoning_tokens"] == len(("Thinking about: " + LONG[:200]).split())
    assert (line["cached_tokens"], line["reasoning_tokens"]) == (
        prompt,
        usage["completion_tokens_details"]["reasoning_tokens"],
    )
    assert line["budget"]["charged"] == charged(line) < line["total_tokens"]
    sent = emulator.requests[-1].json["chatRequest"]
    assert sent["reasoningEffort"] == "LOW"


def test_the_streams_usage_chunk_carries_them(function, emulator) -> None:
    body = {
        "messages": [{"role": "user", "content": LONG}],
        "reasoning_effort": "low",
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    _, last, line = sent_twice(function, emulator, "/v1/chat/completions", body)
    assert last["choices"] == [] and last["usage"]["prompt_tokens_details"] == {"cached_tokens": line["cached_tokens"]}
    assert last["usage"]["completion_tokens_details"] == {"reasoning_tokens": line["reasoning_tokens"]}
    assert line["cached_tokens"] >= MIN_CACHED_TOKENS


def test_responses_report_them_in_the_token_details(function, emulator) -> None:
    body = {"input": LONG, "reasoning": {"effort": "low"}}
    first, second, line = sent_twice(function, emulator, "/v1/responses", body)
    assert first["usage"]["input_tokens_details"]["cached_tokens"] == 0
    usage = second["usage"]
    assert usage["input_tokens_details"]["cached_tokens"] == usage["input_tokens"] == line["cached_tokens"]
    assert usage["output_tokens_details"]["reasoning_tokens"] == line["reasoning_tokens"] > 0
    assert line["budget"]["charged"] == charged(line)


def test_the_simple_contract_reports_them(function, emulator) -> None:
    _, second, line = sent_twice(function, emulator, "/chat", {"input": LONG})
    assert second["usage"]["cached_tokens"] == line["cached_tokens"] == line["prompt_tokens"]
    assert "reasoning_tokens" not in second["usage"] and "reasoning_tokens" not in line, "not reported: not made up"


def test_short_prompts_report_no_cached_tokens(function, emulator) -> None:
    _, second, line = sent_twice(
        function, emulator, "/v1/chat/completions", {"messages": [{"role": "user", "content": "Hi"}]}
    )
    assert "prompt_tokens_details" not in second["usage"] and "cached_tokens" not in line
    assert line["budget"]["charged"] == line["total_tokens"]


def test_the_usage_function_posts_them_and_their_cost(function, emulator, usage_fn) -> None:
    body = {"messages": [{"role": "user", "content": LONG}], "reasoning_effort": "low"}
    _, _, line = sent_twice(function, emulator, "/v1/chat/completions", body)
    emulator.reset()
    now = time.time()
    status, summary = usage_fn.post(batch(entry(json.dumps(line), now)))
    assert status == 200 and summary["streams"] == 7, summary
    (post,) = metric_posts(emulator)
    sent = {m["name"]: m["datapoints"][0]["value"] for m in post.json["metricData"]}
    assert sent["cached_tokens"] == line["cached_tokens"] and sent["reasoning_tokens"] == line["reasoning_tokens"]
    fresh = line["prompt_tokens"] - line["cached_tokens"]
    cost = (fresh * 2 + line["cached_tokens"] * 0.5 + line["completion_tokens"] * 8) / 1e6
    assert sent["cost"] == pytest.approx(cost)
    assert {m["dimensions"]["caller"] for m in post.json["metricData"]} == {"team-a"}
