"""Cached prompt tokens and reasoning tokens: read from each family's reply (the SDK's one `Usage` model, through the
SDK's own deserializer) into the neutral Usage, and rendered in every chat contract's usage."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

from genai_fn.contracts import chat_completions, responses, simple
from genai_fn.http import Invocation
from genai_fn.neutral.chat import ChatReply, Message, Usage
from tests.constants import COHERE_MODEL, LLAMA_MODEL

from .conftest import make_settings
from .test_chat_mapping import CODEC, request, to_reply

DETAILS = {"promptTokensDetails": {"cachedTokens": 1200}, "completionTokensDetails": {"reasoningTokens": 7}}
COUNTS = {"promptTokens": 1500, "completionTokens": 20, "totalTokens": 1520}
REPLIES: dict[str, dict[str, Any]] = {
    "COHERE": {"apiFormat": "COHERE", "text": "Hi", "finishReason": "COMPLETE"},
    "COHEREV2": {
        "apiFormat": "COHEREV2",
        "finishReason": "COMPLETE",
        "message": {"role": "ASSISTANT", "content": [{"type": "TEXT", "text": "Hi"}]},
    },
    "GENERIC": {
        "apiFormat": "GENERIC",
        "choices": [
            {
                "index": 0,
                "finishReason": "stop",
                "message": {"role": "ASSISTANT", "content": [{"type": "TEXT", "text": "Hi"}]},
            }
        ],
    },
}
SETTINGS = make_settings()
MODELS = {"COHERE": COHERE_MODEL, "COHEREV2": COHERE_MODEL, "GENERIC": LLAMA_MODEL}
INVOCATION = Invocation(method="POST", path="/x", headers={"accept": "application/json"}, body=b"", call_id="c1",
                        deadline=0.0, via_gateway=True)  # fmt: skip


def read(api_format: str, usage: dict[str, Any] | None) -> ChatReply:
    response = {**REPLIES[api_format], **({"usage": usage} if usage is not None else {})}
    result = CODEC.deserialize_response_data(
        json.dumps({"modelId": MODELS[api_format], "chatResponse": response}).encode(), "ChatResult"
    )
    return to_reply(result, "opc-1", request(api_format, Message("user", "Hi"), model=MODELS[api_format]))


@pytest.mark.parametrize("api_format", sorted(REPLIES))
def test_each_family_reads_cached_and_reasoning_tokens(api_format: str) -> None:
    assert read(api_format, {**COUNTS, **DETAILS}).usage == Usage(
        1500, 20, 1520, reasoning_tokens=7, cached_tokens=1200
    )


@pytest.mark.parametrize("api_format", sorted(REPLIES))
def test_each_family_leaves_unreported_details_unknown(api_format: str) -> None:
    assert read(api_format, COUNTS).usage == Usage(1500, 20, 1520)
    assert read(api_format, {**COUNTS, "promptTokensDetails": {}}).usage.cached_tokens is None
    assert read(api_format, None).usage == Usage()


def test_generic_reads_the_choices_usage_when_the_reply_has_none() -> None:
    response = json.loads(json.dumps(REPLIES["GENERIC"]))
    response["choices"][0]["usage"] = {**COUNTS, **DETAILS}
    result = CODEC.deserialize_response_data(
        json.dumps({"modelId": LLAMA_MODEL, "chatResponse": response}).encode(), "ChatResult"
    )
    reply = to_reply(result, "opc-1", request("GENERIC", Message("user", "Hi"), model=LLAMA_MODEL))
    assert (reply.usage.cached_tokens, reply.usage.reasoning_tokens) == (1200, 7)


def reply_with(usage: Usage) -> ChatReply:
    return ChatReply("Hi", LLAMA_MODEL, "stop", usage)


COUNT = st.integers(min_value=0, max_value=10**9)
MAYBE = st.none() | COUNT


@given(prompt=COUNT, completion=COUNT, cached=MAYBE, reasoning=MAYBE)
def test_every_contract_renders_the_services_counts(
    prompt: int, completion: int, cached: int | None, reasoning: int | None
) -> None:
    usage = Usage(prompt, completion, prompt + completion, reasoning_tokens=reasoning, cached_tokens=cached)
    reply = reply_with(usage)

    openai = chat_completions.usage_json(reply.usage)
    assert openai.get("prompt_tokens_details") == (None if cached is None else {"cached_tokens": cached})
    assert openai.get("completion_tokens_details") == (None if reasoning is None else {"reasoning_tokens": reasoning})
    completion_body = {"id": "x", "object": "chat.completion", "created": 0, "model": LLAMA_MODEL, "choices": [],
                       "usage": openai}  # fmt: skip
    parsed = ChatCompletion.model_validate(completion_body).usage
    assert parsed is not None and parsed.total_tokens == prompt + completion

    plain = simple.usage_json(reply.usage)
    assert plain.get("cached_tokens") == cached and plain.get("reasoning_tokens") == reasoning
    assert plain["prompt_tokens"] == prompt and plain["completion_tokens"] == completion


@given(cached=MAYBE, reasoning=MAYBE)
def test_responses_reports_the_details_and_zero_when_unreported(cached: int | None, reasoning: int | None) -> None:
    usage = Usage(2000, 30, 2030, reasoning_tokens=reasoning, cached_tokens=cached)
    call = responses.RESPONSES.parse({"model": LLAMA_MODEL, "input": "Hi"}, SETTINGS)
    body = json.loads(responses.RESPONSES.render(reply_with(usage), call, INVOCATION).body)
    parsed = Response.model_validate(body).usage
    assert parsed is not None
    assert parsed.input_tokens_details.cached_tokens == (cached or 0)
    assert parsed.output_tokens_details.reasoning_tokens == (reasoning or 0)
