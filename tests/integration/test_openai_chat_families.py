"""Chat per model family through the local gateway and real fdk with the official `openai` client: Cohere V2
(COHEREV2) tools round trip, the empty-content defects, and the harmless hint fields newer clients send."""

from __future__ import annotations

import json
from collections.abc import Iterator

import openai
import pytest

from tests.constants import COHERE_MODEL, LLAMA_MODEL, MODEL_OCID, VISION_MODEL

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
        },
    }
]
QUESTION = {"role": "user", "content": "What is the weather in Paris?"}


@pytest.fixture
def v2_client(cohere_v2_url, emulator) -> Iterator[openai.OpenAI]:
    """A function serving one Cohere model OCID as COHEREV2 (API_FORMAT decides the format for OCIDs)."""
    emulator.reset()
    yield openai.OpenAI(base_url=cohere_v2_url, api_key="unused", max_retries=0)
    emulator.reset()


@pytest.fixture
def v1_client(v1_gateway, upstream) -> openai.OpenAI:
    """Command A kept on Cohere V1 by configuration (its default is COHEREV2)."""
    return openai.OpenAI(base_url=f"{v1_gateway.url}/genai/v1", api_key="unused", max_retries=0)


@pytest.fixture
def client(gateway, upstream) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/genai/v1", api_key="unused-behind-the-gateway", max_retries=0)


def test_cohere_v2_text_reply(v2_client, emulator):
    completion = v2_client.chat.completions.create(
        model=MODEL_OCID,
        messages=[{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Hello there"}],
        max_tokens=50,
        stop=["END"],
        seed=7,
        frequency_penalty=0.5,
    )

    assert completion.choices[0].message.content == "Emulated reply to: Hello there"
    assert completion.choices[0].finish_reason == "stop"
    sent = emulator.requests[-1].json["chatRequest"]
    assert sent["apiFormat"] == "COHEREV2"
    assert sent["messages"] == [
        {"role": "SYSTEM", "content": [{"type": "TEXT", "text": "Be brief."}]},
        {"role": "USER", "content": [{"type": "TEXT", "text": "Hello there"}]},
    ]
    assert (sent["stopSequences"], sent["seed"], sent["frequencyPenalty"]) == (["END"], 7, 0.5)


def test_cohere_v2_tool_round_trip(v2_client, emulator):
    completion = v2_client.chat.completions.create(model=MODEL_OCID, messages=[QUESTION], tools=TOOLS)

    call = completion.choices[0].message.tool_calls[0]
    assert completion.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather" and call.id
    assert json.loads(call.function.arguments) == {"location": "Paris"}
    sent = emulator.requests[-1].json["chatRequest"]
    assert sent["tools"][0] == {
        "type": "FUNCTION",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
        },
    }

    final = v2_client.chat.completions.create(
        model=MODEL_OCID,
        tools=TOOLS,
        messages=[
            QUESTION,
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": "18 degrees and sunny"},
        ],
    )
    assert final.choices[0].finish_reason == "stop" and final.choices[0].message.tool_calls is None
    messages = emulator.requests[-1].json["chatRequest"]["messages"]
    assert messages[1] == {
        "role": "ASSISTANT",
        "content": [],
        "toolCalls": [
            {
                "id": call.id,
                "type": "FUNCTION",
                "function": {"name": "get_weather", "arguments": call.function.arguments},
            }
        ],
    }
    assert messages[2] == {
        "role": "TOOL",
        "toolCallId": call.id,
        "content": [{"type": "TEXT", "text": "18 degrees and sunny"}],
    }


@pytest.mark.parametrize(("choice", "wire"), [("required", "REQUIRED"), ("none", "NONE")])
def test_cohere_v2_tool_choice(v2_client, emulator, choice, wire):
    v2_client.chat.completions.create(model=MODEL_OCID, messages=[QUESTION], tools=TOOLS, tool_choice=choice)

    assert emulator.requests[-1].json["chatRequest"]["toolsChoice"] == wire


def test_cohere_v2_named_tool_choice_is_that_tool_alone_and_required(v2_client, emulator):
    """V2 cannot name a function: the named one is sent alone, with toolsChoice REQUIRED (coherev2._tools)."""
    other = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}
    completion = v2_client.chat.completions.create(
        model=MODEL_OCID,
        messages=[QUESTION],
        tools=[other, *TOOLS],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    sent = emulator.requests[-1].json["chatRequest"]
    assert sent["toolsChoice"] == "REQUIRED" and [t["function"]["name"] for t in sent["tools"]] == ["get_weather"]
    assert [call.function.name for call in completion.choices[0].message.tool_calls] == ["get_weather"]


def test_cohere_v2_json_schema(v2_client, emulator):
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    v2_client.chat.completions.create(
        model=MODEL_OCID,
        messages=[{"role": "user", "content": '{"city": "Paris"}'}],
        response_format={"type": "json_schema", "json_schema": {"name": "city", "schema": schema}},
    )

    assert emulator.requests[-1].json["chatRequest"]["responseFormat"] == {"type": "JSON_OBJECT", "schema": schema}


@pytest.mark.parametrize("model", [COHERE_MODEL, LLAMA_MODEL])
def test_empty_assistant_turn_in_history_is_sent_as_empty_text(client, upstream, model):
    completion = client.chat.completions.create(
        model=model,
        messages=[
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": ""},
            {"role": "user", "content": "Still there?"},
        ],
    )

    assert completion.choices[0].message.content == "Emulated reply to: Still there?"
    sent = upstream.requests[-1].json["chatRequest"]
    assert sent["messages"][1] == {"role": "ASSISTANT", "content": [{"type": "TEXT", "text": ""}]}  # Generic, V2


def test_empty_tool_result_is_forwarded(client, upstream):
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    completion = client.chat.completions.create(
        model=LLAMA_MODEL,
        tools=TOOLS,
        messages=[
            QUESTION,
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": ""},
        ],
    )

    assert completion.choices[0].finish_reason == "stop"
    tool = upstream.requests[-1].json["chatRequest"]["messages"][2]
    assert tool == {"role": "TOOL", "toolCallId": "call_1", "content": [{"type": "TEXT", "text": ""}]}


def test_empty_tool_result_on_cohere_v2(v2_client, emulator):
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    v2_client.chat.completions.create(
        model=MODEL_OCID,
        tools=TOOLS,
        messages=[
            QUESTION,
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": ""},
        ],
    )

    tool = emulator.requests[-1].json["chatRequest"]["messages"][2]
    assert tool == {"role": "TOOL", "toolCallId": "call_1", "content": [{"type": "TEXT", "text": ""}]}


@pytest.mark.parametrize("model", [COHERE_MODEL, LLAMA_MODEL])
def test_harmless_hint_fields_are_accepted_and_not_forwarded(client, upstream, model):
    completion = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Hello"}],
        prompt_cache_key="session-42",
        safety_identifier="user-hash",
        modalities=["text"],
        prediction={"type": "content", "content": "Hello"},
        stream=True,
        stream_options={"include_usage": True, "include_obfuscation": False},
    )

    assert "".join(chunk.choices[0].delta.content or "" for chunk in completion if chunk.choices)
    sent = json.dumps(upstream.requests[-1].json)
    assert "session-42" not in sent and "user-hash" not in sent


@pytest.mark.parametrize(
    ("extra", "param"),
    [({"modalities": ["text", "audio"]}, "modalities"), ({"n": 2}, "n")],
)
def test_fields_that_would_change_the_answer_stay_refused(client, upstream, extra, param):
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model=LLAMA_MODEL, messages=[{"role": "user", "content": "Hi"}], **extra)

    assert raised.value.body["param"] == param
    assert len(upstream.requests) == 0


PIXEL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
"""A 1x1 PNG."""


@pytest.fixture
def vision_client(vision_url, emulator) -> Iterator[openai.OpenAI]:
    emulator.reset()
    yield openai.OpenAI(base_url=vision_url, api_key="unused", max_retries=0)
    emulator.reset()


def _image_question(url: str, detail: str | None = None) -> list[dict]:
    image: dict = {"url": url} if detail is None else {"url": url, "detail": detail}
    return [
        {
            "role": "user",
            "content": [{"type": "text", "text": "What is in this image?"}, {"type": "image_url", "image_url": image}],
        }
    ]


@pytest.mark.parametrize(("url", "detail"), [(PIXEL, "low"), ("https://example.com/cat.png", None)])
def test_image_for_a_generic_vision_model(vision_client, emulator, url, detail):
    completion = vision_client.chat.completions.create(model=VISION_MODEL, messages=_image_question(url, detail))

    assert completion.choices[0].message.content == "Emulated reply to: What is in this image?"
    content = emulator.requests[-1].json["chatRequest"]["messages"][0]["content"]
    image_url = {"url": url} if detail is None else {"url": url, "detail": detail.upper()}
    assert content == [{"type": "TEXT", "text": "What is in this image?"}, {"type": "IMAGE", "imageUrl": image_url}]


def test_image_for_cohere_v2(v2_client, emulator):
    v2_client.chat.completions.create(model=MODEL_OCID, messages=_image_question(PIXEL, "high"))

    content = emulator.requests[-1].json["chatRequest"]["messages"][0]["content"]
    assert content[1] == {"type": "IMAGE_URL", "imageUrl": {"url": PIXEL, "detail": "HIGH"}}


def test_image_for_a_text_only_model_is_a_400_naming_it(vision_client, emulator):
    with pytest.raises(openai.BadRequestError, match=LLAMA_MODEL):
        vision_client.chat.completions.create(model=LLAMA_MODEL, messages=_image_question(PIXEL))
    assert len(emulator.requests) == 0


def test_image_for_cohere_v1_is_a_400(v1_client, upstream):
    with pytest.raises(openai.BadRequestError, match="images are not supported for COHERE models"):
        v1_client.chat.completions.create(model=COHERE_MODEL, messages=_image_question(PIXEL))
    assert len(upstream.requests) == 0


@pytest.mark.parametrize(
    "url", ["http://example.com/cat.png", "data:image/png;base64,@@@", "file:///etc/passwd", "data:text/plain,hi"]
)
def test_bad_image_urls_are_refused(vision_client, emulator, url):
    with pytest.raises(openai.BadRequestError) as raised:
        vision_client.chat.completions.create(model=VISION_MODEL, messages=_image_question(url))
    assert raised.value.body["param"] == "messages[0].content[1].image_url.url"
    assert len(emulator.requests) == 0


def test_reasoning_fields_for_generic(vision_client, emulator):
    completion = vision_client.chat.completions.create(
        model=VISION_MODEL,
        messages=[{"role": "user", "content": "Why is the sky blue?"}],
        reasoning_effort="low",
        verbosity="high",
        max_completion_tokens=300,
    )

    sent = emulator.requests[-1].json["chatRequest"]
    assert (sent["reasoningEffort"], sent["verbosity"], sent["maxCompletionTokens"]) == ("LOW", "HIGH", 300)
    assert "maxTokens" not in sent
    message = completion.choices[0].message
    assert message.content == "Emulated reply to: Why is the sky blue?"
    assert message.model_extra["reasoning_content"] == "Thinking about: Why is the sky blue?"
    assert completion.usage.completion_tokens_details.reasoning_tokens == 7  # words of the thought


def test_reasoning_effort_turns_cohere_v2_thinking_on(v2_client, emulator):
    completion = v2_client.chat.completions.create(
        model=MODEL_OCID, messages=[{"role": "user", "content": "Why?"}], reasoning_effort="high"
    )

    assert emulator.requests[-1].json["chatRequest"]["thinking"] == {"type": "ENABLED"}
    assert completion.choices[0].message.content == "Emulated reply to: Why?"
    assert completion.choices[0].message.model_extra["reasoning_content"] == "Thinking about: Why?"


def test_reasoning_content_is_streamed(vision_client, emulator):
    stream = vision_client.chat.completions.create(
        model=VISION_MODEL, messages=[{"role": "user", "content": "Why?"}], reasoning_effort="medium", stream=True
    )

    deltas = [chunk.choices[0].delta for chunk in stream if chunk.choices]
    assert [d.model_extra.get("reasoning_content") for d in deltas if d.model_extra.get("reasoning_content")] == [
        "Thinking about: Why?"
    ]


def test_reasoning_on_cohere_v1_is_a_400(v1_client, upstream):
    with pytest.raises(openai.BadRequestError) as raised:
        v1_client.chat.completions.create(
            model=COHERE_MODEL, messages=[{"role": "user", "content": "Why?"}], reasoning_effort="low"
        )
    assert raised.value.body["param"] == "reasoning_effort"
    assert len(upstream.requests) == 0


def test_max_completion_tokens_without_reasoning_stays_max_tokens_for_cohere(client, upstream):
    client.chat.completions.create(
        model=COHERE_MODEL, messages=[{"role": "user", "content": "Hi"}], max_completion_tokens=42
    )

    assert upstream.requests[-1].json["chatRequest"]["maxTokens"] == 42


def test_logit_bias_is_forwarded_for_generic(client, upstream):
    client.chat.completions.create(
        model=LLAMA_MODEL, messages=[{"role": "user", "content": "Hi"}], logit_bias={"1234": -100, "42": 5}
    )

    assert upstream.requests[-1].json["chatRequest"]["logitBias"] == {"1234": -100, "42": 5}


@pytest.mark.parametrize(
    ("model", "bias"), [(COHERE_MODEL, {"1": 1}), (LLAMA_MODEL, {"x": 1}), (LLAMA_MODEL, {"1": 101})]
)
def test_logit_bias_refused_where_it_cannot_apply(client, upstream, model, bias):
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Hi"}], logit_bias=bias)
    assert raised.value.body["param"] == "logit_bias"
    assert len(upstream.requests) == 0
