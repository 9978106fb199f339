"""Cohere V2, images, reasoning and logit_bias: the family rules, the parse, and the SDK models they become
(checked on the wire with the SDK's own serializer, read back with its deserializer)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from genai_fn.catalog import vision
from genai_fn.contracts import openai_fields
from genai_fn.contracts.chat_completions import CHAT
from genai_fn.errors import InvalidRequest
from genai_fn.neutral.chat import ChatRequest, ImagePart, Message, Params, Reasoning, Tool, ToolCall
from tests.constants import COHERE_MODEL, LLAMA_MODEL, MODEL_OCID, V1_PIN

from .conftest import make_settings
from .test_chat_mapping import CODEC, to_chat_details, to_reply, wire

PIXEL = "data:image/png;base64,iVBORw0KGgo="


def v2_request(*messages: Message, **extra: Any) -> ChatRequest:
    return ChatRequest(model=MODEL_OCID, api_format="COHEREV2", messages=messages, params=Params(max_tokens=9), **extra)


def chat_request(request: ChatRequest) -> dict[str, Any]:
    return wire(to_chat_details(request, make_settings()))["chatRequest"]


def read(payload: dict[str, Any]) -> Any:
    return CODEC.deserialize_response_data(json.dumps(payload).encode(), "ChatResult")


def test_api_format_for_cohere_v2_models() -> None:
    settings = make_settings()
    assert settings.api_format_for("cohere.command-a-vision-07-2025") == "COHEREV2"
    assert settings.api_format_for("cohere.command-a-reasoning-08-2025") == "COHEREV2"
    assert settings.api_format_for(COHERE_MODEL) == "COHEREV2"
    assert settings.api_format_for("cohere.command-r-08-2024") == "COHERE"
    assert settings.api_format_for(LLAMA_MODEL) == "GENERIC"


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("meta.llama-4-maverick-17b-128e-instruct-fp8", True),
        ("meta.llama-3.2-90b-vision-instruct", True),
        ("cohere.command-a-vision-07-2025", True),
        (LLAMA_MODEL, False),
        (COHERE_MODEL, False),
        ("xai.grok-4", None),
        (MODEL_OCID, None),
    ],
)
def test_vision(model: str, expected: bool | None) -> None:
    assert vision(model) is expected


def test_cohere_v2_request_with_tools_history_and_images() -> None:
    request = v2_request(
        Message("system", "Be brief."),
        Message("user", "Weather?", parts=("Weather?", ImagePart(PIXEL, "low"))),
        Message("assistant", "", (ToolCall("call_1", "weather", '{"city": "Paris"}'),)),
        Message("tool", "", tool_call_id="call_1"),
        tools=(Tool("weather", "Weather for a city", {"type": "object"}),),
        tool_choice="required",
        reasoning=Reasoning(effort="high"),
    )

    sent = chat_request(request)

    assert sent["apiFormat"] == "COHEREV2"
    assert sent["messages"] == [
        {"role": "SYSTEM", "content": [{"type": "TEXT", "text": "Be brief."}]},
        {
            "role": "USER",
            "content": [
                {"type": "TEXT", "text": "Weather?"},
                {"type": "IMAGE_URL", "imageUrl": {"url": PIXEL, "detail": "LOW"}},
            ],
        },
        {
            "role": "ASSISTANT",
            "content": [],
            "toolCalls": [
                {"id": "call_1", "type": "FUNCTION", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}
            ],
        },
        {"role": "TOOL", "toolCallId": "call_1", "content": [{"type": "TEXT", "text": ""}]},
    ]
    assert sent["tools"] == [
        {
            "type": "FUNCTION",
            "function": {"name": "weather", "description": "Weather for a city", "parameters": {"type": "object"}},
        }
    ]
    assert sent["toolsChoice"] == "REQUIRED"
    assert sent["thinking"] == {"type": "ENABLED"}


def test_cohere_v2_reply_with_tool_calls_thinking_and_reasoning_tokens() -> None:
    result = read(
        {
            "modelId": MODEL_OCID,
            "chatResponse": {
                "apiFormat": "COHEREV2",
                "finishReason": "TOOL_CALL",
                "message": {
                    "role": "ASSISTANT",
                    "content": [{"type": "THINKING", "thinking": "Need the weather."}],
                    "toolCalls": [{"id": "c1", "type": "FUNCTION", "function": {"name": "weather", "arguments": "{}"}}],
                },
                "usage": {
                    "promptTokens": 3,
                    "completionTokens": 5,
                    "totalTokens": 8,
                    "completionTokensDetails": {"reasoningTokens": 3},
                },
            },
        }
    )

    reply = to_reply(result, "opc-1", v2_request(Message("user", "Weather?")))

    assert reply.tool_calls == (ToolCall("c1", "weather", "{}"),)
    assert (reply.finish_reason, reply.reasoning, reply.text) == ("tool_calls", "Need the weather.", "")
    assert reply.usage.reasoning_tokens == 3


@pytest.mark.parametrize(
    ("parallel", "names"), [(False, ["weather"]), (None, ["weather", "time"]), (True, ["weather", "time"])]
)
def test_cohere_v2_parallel_tool_calls_false_keeps_the_first_call(parallel: bool | None, names: list[str]) -> None:
    """V2 has no field for it, so `parallel_tool_calls: false` is honoured on the reply: the model's first call only."""
    calls = [
        {"id": f"c{i}", "type": "FUNCTION", "function": {"name": name, "arguments": "{}"}}
        for i, name in enumerate(["weather", "time"])
    ]
    result = read(
        {
            "modelId": MODEL_OCID,
            "chatResponse": {
                "apiFormat": "COHEREV2",
                "finishReason": "TOOL_CALL",
                "message": {"role": "ASSISTANT", "content": [], "toolCalls": calls},
            },
        }
    )
    tools = (Tool("weather", "", {"type": "object"}), Tool("time", "", {"type": "object"}))
    request = v2_request(Message("user", "Weather?"), tools=tools, parallel_tool_calls=parallel)

    reply = to_reply(result, "opc-1", request)

    assert [call.name for call in reply.tool_calls] == names
    assert reply.finish_reason == "tool_calls"


def test_generic_request_with_images_reasoning_and_logit_bias() -> None:
    request = ChatRequest(
        model=LLAMA_MODEL,
        api_format="GENERIC",
        messages=(
            Message("user", "What?", parts=(ImagePart("https://example.com/a.png"), "What?")),
            Message("assistant", ""),
            Message("user", "Again"),
        ),
        params=Params(max_tokens=50),
        reasoning=Reasoning(effort="minimal", verbosity="low", completion_limit=True),
        logit_bias={"12": -100.0},
    )

    sent = chat_request(request)

    assert sent["messages"][0]["content"] == [
        {"type": "IMAGE", "imageUrl": {"url": "https://example.com/a.png"}},
        {"type": "TEXT", "text": "What?"},
    ]
    assert sent["messages"][1] == {"role": "ASSISTANT", "content": [{"type": "TEXT", "text": ""}]}
    assert (sent["reasoningEffort"], sent["verbosity"], sent["maxCompletionTokens"]) == ("MINIMAL", "LOW", 50)
    assert "maxTokens" not in sent
    assert sent["logitBias"] == {"12": -100.0}


def test_generic_reply_reasoning_content() -> None:
    result = read(
        {
            "chatResponse": {
                "apiFormat": "GENERIC",
                "choices": [
                    {
                        "index": 0,
                        "finishReason": "stop",
                        "message": {
                            "role": "ASSISTANT",
                            "content": [{"type": "TEXT", "text": "Blue."}],
                            "reasoningContent": "Rayleigh.",
                        },
                    }
                ],
            }
        }
    )
    request = ChatRequest(LLAMA_MODEL, "GENERIC", (Message("user", "Sky?"),), Params(max_tokens=5))

    reply = to_reply(result, None, request)

    assert (reply.text, reply.reasoning) == ("Blue.", "Rayleigh.")


@pytest.mark.parametrize(
    ("url", "detail", "param"),
    [
        ("http://a/b.png", None, "x.image_url.url"),
        ("data:image/png;base64,%%", None, "x.image_url.url"),
        ("data:text/html;base64,AAAA", None, "x.image_url.url"),
        (PIXEL, "ultra", "x.image_url"),
        (None, None, "x.image_url.url"),
    ],
)
def test_image_refusals(url: Any, detail: Any, param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        openai_fields.image(url, detail, "x")
    assert caught.value.param == param


def test_image_accepts_data_and_https_urls() -> None:
    assert openai_fields.image(PIXEL, "auto", "x") == ImagePart(PIXEL, "auto")
    assert openai_fields.image("https://a/b.jpg", None, "x") == ImagePart("https://a/b.jpg")


@pytest.mark.parametrize(
    ("body", "model", "settings_env", "param"),
    [
        ({"reasoning_effort": "huge"}, LLAMA_MODEL, {}, "reasoning_effort"),
        ({"reasoning_effort": "low"}, COHERE_MODEL, V1_PIN, "reasoning_effort"),
        ({"verbosity": "low"}, MODEL_OCID, {"ALLOWED_MODELS": MODEL_OCID, "API_FORMAT": "COHEREV2"}, "verbosity"),
        ({"verbosity": 3}, LLAMA_MODEL, {}, "verbosity"),
    ],
)
def test_reasoning_refusals(body: dict[str, Any], model: str, settings_env: dict[str, str], param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        CHAT.parse(
            {"model": model, "messages": [{"role": "user", "content": "Hi"}], **body}, make_settings(**settings_env)
        )
    assert caught.value.param == param


def test_reasoning_completion_limit_only_with_reasoning() -> None:
    def parse(**body: Any) -> Reasoning | None:
        return CHAT.parse(
            {"model": LLAMA_MODEL, "messages": [{"role": "user", "content": "Hi"}], **body}, make_settings()
        ).reasoning

    assert parse(max_completion_tokens=5) is None
    assert parse(max_completion_tokens=5, reasoning_effort="low") == Reasoning("low", None, True)
    assert parse(max_tokens=5, max_completion_tokens=5, verbosity="high") == Reasoning(None, "high", False)


@pytest.mark.parametrize("bias", [{"a": 1}, {"1": True}, {"1": -101}, [1]])
def test_logit_bias_refusals(bias: Any) -> None:
    with pytest.raises(InvalidRequest):
        openai_fields.logit_bias(bias)


def test_openai_parse_tolerates_hints_and_refuses_what_changes_the_answer() -> None:
    settings = make_settings()
    body = {
        "model": LLAMA_MODEL,
        "messages": [{"role": "user", "content": "Hi"}],
        "prompt_cache_key": "k",
        "safety_identifier": "s",
        "prediction": {"type": "content", "content": "Hi"},
        "modalities": ["text"],
        "stream_options": {"include_obfuscation": True},
    }
    assert CHAT.parse(body, settings).messages == (Message("user", "Hi"),)
    with pytest.raises(InvalidRequest) as caught:
        CHAT.parse({**body, "modalities": ["text", "audio"]}, settings)
    assert caught.value.param == "modalities"


def test_openai_parse_empty_tool_result_and_image_on_text_only_model() -> None:
    settings = make_settings()
    messages = [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "tool_calls": [{"id": "c", "type": "function", "function": {"name": "w", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c", "content": ""},
    ]
    tools = [{"type": "function", "function": {"name": "w"}}]
    call = CHAT.parse({"model": LLAMA_MODEL, "messages": messages, "tools": tools}, settings)
    assert call.messages[2] == Message("tool", "", tool_call_id="c")

    image = [{"type": "image_url", "image_url": {"url": PIXEL}}]
    with pytest.raises(InvalidRequest, match=LLAMA_MODEL):
        CHAT.parse({"model": LLAMA_MODEL, "messages": [{"role": "user", "content": image}]}, settings)
