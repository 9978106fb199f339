"""The OpenAI contract's pure parts: request parsing tables, reply and stream rendering, models, embeddings, errors."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import pytest

from genai_fn.config import Settings
from genai_fn.contracts.chat_completions import CHAT, ChatCall
from genai_fn.contracts.embeddings import EMBEDDINGS, EmbeddingCall
from genai_fn.contracts.models import MODEL, MODELS
from genai_fn.errors import (
    InvalidRequest,
    ModelNotAllowed,
    ProxyError,
    RouteNotFound,
    UpstreamAuthFailed,
    UpstreamThrottled,
)
from genai_fn.http import Invocation
from genai_fn.neutral.chat import ChatReply, JsonSchema, Message, ToolCall, Usage
from genai_fn.neutral.embeddings import EmbeddingReply
from genai_fn.upstream import embeddings as embed_mapping
from genai_fn.upstream.client import Upstream
from genai_fn.usecases import Configured
from genai_fn.usecases.models import list_models
from tests.constants import COHERE_MODEL, EMBED_MODEL, LLAMA_MODEL, MODEL_OCID

from .conftest import make_settings

EMBED = EMBED_MODEL
USER = {"role": "user", "content": "Hi"}
INVOCATION = Invocation(
    method="POST", path="/v1/chat/completions", headers={}, body=b"", call_id="c1", deadline=0.0, via_gateway=True
)


@pytest.fixture
def settings() -> Settings:
    return make_settings(EMBEDDING_MODELS=f"{EMBED},{MODEL_OCID}")


def chat(settings: Settings, **fields: Any) -> ChatCall:
    return CHAT.parse({"messages": [USER], **fields}, settings)


def test_defaults(settings: Settings) -> None:
    call = chat(settings)
    assert (call.model, call.api_format, call.stream, call.include_usage) == (
        COHERE_MODEL,
        "COHERE",
        False,
        False,
    )
    assert call.messages == (Message("user", "Hi"),)
    assert call.params.max_tokens == 600


def test_roles_content_parts_and_tools_map_to_the_internal_model(settings: Settings) -> None:
    call = chat(
        settings,
        model=LLAMA_MODEL,
        messages=[
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Weather "}, {"type": "text", "text": "in Paris?"}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        ],
        tools=[{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}],
        tool_choice={"type": "function", "function": {"name": "weather"}},
        max_completion_tokens=77,
        response_format={"type": "json_object"},
        stream=True,
        stream_options={"include_usage": True},
        user="ignored",
    )
    assert call.messages == (
        Message("system", "Be brief."),
        Message("user", "Weather in Paris?"),
        Message("assistant", "", (ToolCall("call_1", "weather", "{}"),)),
        Message("tool", "sunny", tool_call_id="call_1"),
    )
    assert (call.tool_choice, call.json_mode, call.params.max_tokens) == ("weather", True, 77)
    assert (call.stream, call.include_usage) == (True, True)


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"messages": []}, "messages"),
    ({"messages": "Hi"}, "messages"),
    ({"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
    ({"messages": [{"role": ["user"], "content": "x"}]}, "messages[0].role"),
    ({"n": True}, "n"),
    ({"tool_choice": "auto"}, "tool_choice"),
    ({"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}}, "response_format"),
    (
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
        "messages[0].content[0].image_url.url",
    ),
    ({"messages": [{"role": "user", "content": None}]}, "messages[0].content"),
    ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0].tool_call_id"),
    ({"n": 2}, "n"),
    ({"logprobs": True}, "logprobs"),
    ({"stream": "yes"}, "stream"),
    ({"stream_options": {"include_secrets": True}}, "stream_options"),
    ({"response_format": {"type": "json_schema"}}, "response_format"),
    ({"tools": [{"type": "retrieval"}]}, "tools[0]"),
    ({"tool_choice": {"type": "function", "function": {"name": "absent"}}}, "tool_choice"),
    ({"functions": []}, "functions"),
    ({"max_tokens": 4001}, "max_tokens"),
    ({"max_completion_tokens": 0}, "max_completion_tokens"),
    ({"top_k": 5}, "top_k"),
    ({"frequency_penalty": 1.5}, "frequency_penalty"),
]


@pytest.mark.parametrize(("fields", "param"), INVALID)
def test_invalid_chat_requests_name_the_parameter(settings: Settings, fields: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        CHAT.parse({"messages": [USER], **fields}, settings)
    assert caught.value.param == param


def test_json_schema_parallel_tool_calls_and_empty_assistant_turns(settings: Settings) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    tools = [{"type": "function", "function": {"name": "weather"}}]
    call = chat(
        settings,
        model=LLAMA_MODEL,
        messages=[USER, {"role": "assistant", "content": ""}, USER],
        response_format={"type": "json_schema", "json_schema": {"name": "city", "schema": schema, "strict": True}},
        tools=tools,
        parallel_tool_calls=False,
    )
    assert call.json_mode is True
    assert call.json_schema == JsonSchema(name="city", schema=schema, strict=True)
    assert call.parallel_tool_calls is False
    assert call.messages[1] == Message("assistant", "")
    assert chat(settings, parallel_tool_calls=True).parallel_tool_calls is None, "no tools: nothing to say"


def test_generic_penalty_range_is_wider(settings: Settings) -> None:
    assert chat(settings, model=LLAMA_MODEL, frequency_penalty=-1.5).params.frequency_penalty == -1.5


def test_family_rules_apply_at_parse_time(settings: Settings) -> None:
    """Cohere V1 (the default model here) names no single tool to call: refused while parsing, before anything is
    translated; Llama (Generic) takes it."""
    tools = [{"type": "function", "function": {"name": "weather"}}]
    choice = {"type": "function", "function": {"name": "weather"}}
    with pytest.raises(InvalidRequest, match="COHERE") as caught:
        chat(settings, tools=tools, tool_choice=choice)
    assert caught.value.param == "tool_choice"
    assert chat(settings, model=LLAMA_MODEL, tools=tools, tool_choice=choice).tool_choice == "weather"


def test_model_outside_the_allow_list(settings: Settings) -> None:
    with pytest.raises(ModelNotAllowed):
        chat(settings, model="gpt-4o")


def reply(**overrides: Any) -> ChatReply:
    values = {"text": "Paris.", "model": COHERE_MODEL, "finish_reason": "stop", "usage": Usage(3, 2, 5)}
    return ChatReply(**{**values, **overrides})


def test_completion_object(settings: Settings) -> None:
    rendered = CHAT.render(reply(), chat(settings), INVOCATION)
    body = json.loads(rendered.body)
    assert (rendered.status, rendered.content_type) == (200, "application/json")
    assert body["id"] == "chatcmpl-c1" and body["object"] == "chat.completion" and body["model"] == COHERE_MODEL
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Paris.", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ]
    assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


def test_tool_calls_set_the_finish_reason(settings: Settings) -> None:
    calls = (ToolCall("call_9", "weather", '{"city": "Paris"}'),)
    body = json.loads(CHAT.render(reply(text="", tool_calls=calls), chat(settings), INVOCATION).body)
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    assert choice["message"]["tool_calls"] == [
        {"id": "call_9", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}
    ]


@pytest.mark.parametrize("include_usage", [False, True])
def test_stream_is_a_complete_event_stream(settings: Settings, include_usage: bool) -> None:
    call = chat(settings, stream=True, stream_options={"include_usage": include_usage})
    rendered = CHAT.render(reply(), call, INVOCATION)
    events = rendered.body.decode().split("\n\n")
    assert rendered.content_type.startswith("text/event-stream") and events[-2:] == ["data: [DONE]", ""]
    chunks = [json.loads(event.removeprefix("data: ")) for event in events[:-2]]
    assert [c["choices"][0]["delta"] for c in chunks if c["choices"]] == [
        {"role": "assistant", "content": ""},
        {"content": "Paris."},
        {},
    ]
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]] == [None, None, "stop"]
    assert ("usage" in chunks[-1]) is include_usage
    assert {c["id"] for c in chunks} == {"chatcmpl-c1"}


def test_models_list_chat_then_embedding_models(settings: Settings) -> None:
    models = list_models(Configured(settings, Upstream(settings)), None, 0.0)
    body = json.loads(MODELS.render(models, None, INVOCATION).body)
    assert [(m["id"], m["owned_by"]) for m in body["data"]] == [
        (COHERE_MODEL, "cohere"),
        (LLAMA_MODEL, "meta"),
        (EMBED, "cohere"),
        (MODEL_OCID, "oci"),
    ]


def test_embeddings_parse(settings: Settings) -> None:
    call = EMBEDDINGS.parse({"input": "one"}, settings)
    assert (call.model, call.inputs, call.encoding) == (EMBED, ("one",), "float")
    call = EMBEDDINGS.parse({"input": ["a", "b"], "encoding_format": "base64"}, settings)
    assert (call.inputs, call.encoding) == (("a", "b"), "base64")


@pytest.mark.parametrize(
    ("fields", "error", "param"),
    [
        ({"input": []}, InvalidRequest, "input"),
        ({"input": [1, 2]}, InvalidRequest, "input"),
        ({"input": ["x"] * 97}, InvalidRequest, "input"),
        ({"input": [""]}, InvalidRequest, "input[0]"),
        ({"input": "x", "model": COHERE_MODEL}, ModelNotAllowed, "model"),
        ({"input": "x", "model": MODEL_OCID, "dimensions": 256}, InvalidRequest, "dimensions"),
        ({"input": "x", "model": "cohere.embed-english-v3.0"}, InvalidRequest, "model"),
        ({"input": "x", "encoding_format": "int8"}, InvalidRequest, "encoding_format"),
        ({"input": "x", "truncate": "MIDDLE"}, InvalidRequest, "truncate"),
        ({"input": "x", "truncate": 1}, InvalidRequest, "truncate"),
        ({"input": "x", "input_type": "image"}, InvalidRequest, "input_type"),
        ({"input": "x", "model": "cohere.embed-v4.0", "dimensions": 768}, InvalidRequest, "dimensions"),
        ({"input": "x", "model": "cohere.embed-v4.0", "dimensions": "256"}, InvalidRequest, "dimensions"),
    ],
)
def test_invalid_embedding_requests(fields: dict, error: type, param: str) -> None:
    with pytest.raises(error) as caught:
        EMBEDDINGS.parse(fields, make_settings(EMBEDDING_MODELS=f"{EMBED},{MODEL_OCID},cohere.embed-english-v3.0"))
    assert caught.value.param == param


def test_embedding_options_map_to_oci_fields() -> None:
    settings = make_settings(EMBEDDING_MODELS=EMBED)
    fields = {"input": "x", "model": EMBED, "dimensions": 512, "input_type": "search_query"}
    call = EMBEDDINGS.parse({**fields, "truncate": "end"}, settings)
    assert (call.dimensions, call.input_type, call.truncate) == (512, "SEARCH_QUERY", "END")
    details = embed_mapping.to_details(call, settings)
    assert (details.output_dimensions, details.input_type, details.truncate) == (512, "SEARCH_QUERY", "END")
    default = EMBEDDINGS.parse({"input": "x"}, settings)
    assert (default.dimensions, default.input_type, default.truncate) == (None, None, "NONE")


def test_model_by_id_parses_the_path_parameter(settings: Settings) -> None:
    assert MODEL.parse({"model": COHERE_MODEL}, settings) == COHERE_MODEL
    body = json.loads(MODEL.render(COHERE_MODEL, COHERE_MODEL, INVOCATION).body)
    assert body == {"id": COHERE_MODEL, "object": "model", "created": 0, "owned_by": "cohere"}


def test_embeddings_need_configured_models() -> None:
    with pytest.raises(RouteNotFound, match="EMBEDDING_MODELS"):
        EMBEDDINGS.parse({"input": "x"}, make_settings())


def test_base64_embeddings_are_little_endian_float32() -> None:
    vectors = ([0.5, -1.25, 3.0],)
    call = EmbeddingCall(model=EMBED, inputs=("x",), encoding="base64")
    body = json.loads(EMBEDDINGS.render(EmbeddingReply(EMBED, vectors, Usage(2, 0, 2)), call, INVOCATION).body)
    encoded = body["data"][0]["embedding"]
    assert list(struct.unpack("<3f", base64.b64decode(encoded))) == [0.5, -1.25, 3.0]
    assert body["usage"] == {"prompt_tokens": 2, "total_tokens": 2} and body["model"] == EMBED


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (InvalidRequest("bad", param="n"), 400, "invalid_request_error"),
        (RouteNotFound("no"), 404, "invalid_request_error"),
        (UpstreamThrottled("slow down", retry_after=3), 429, "rate_limit_error"),
        (UpstreamAuthFailed("iam"), 502, "server_error"),
        (ProxyError("bug"), 500, "server_error"),
    ],
)
def test_errors_use_openai_shape(error: ProxyError, status: int, kind: str) -> None:
    rendered = CHAT.render_error(error, INVOCATION)
    body = json.loads(rendered.body)["error"]
    assert rendered.status == status
    assert body == {"message": error.message, "type": kind, "param": error.param, "code": error.code, "status": status}
    if status == 429:
        assert rendered.headers == {"Retry-After": "3"}
