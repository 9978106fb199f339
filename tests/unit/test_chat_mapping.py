"""The chat call's mapping (upstream/chat.py with each family's translations): the SDK's own models, checked on the
wire with the SDK's serializer, and replies read back."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import pytest
from oci.base_client import BaseClient, merge_type_mappings
from oci.generative_ai_inference import models as m
from oci.generative_ai_inference.models import generative_ai_inference_type_mapping

from genai_fn import families
from genai_fn.config import Settings
from genai_fn.errors import UpstreamFailed
from genai_fn.families._base import FINISH_REASONS
from genai_fn.neutral.chat import ChatReply, ChatRequest, JsonSchema, Message, Params, Tool, ToolCall, Usage
from genai_fn.upstream import chat as chat_mapping
from tests.constants import COHERE_MODEL, COMPARTMENT, ENDPOINT_OCID, LLAMA_MODEL, MODEL_OCID

from .conftest import make_settings


def to_chat_details(request: ChatRequest, settings: Settings) -> m.ChatDetails:
    """The ChatDetails the upstream layer sends: ChatDetails around the request's family's own chat request."""
    return chat_mapping.to_details(request, families.get(request.api_format).to_sdk(request), settings)


def to_reply(result: Any, opc_request_id: str | None, request: ChatRequest) -> ChatReply:
    """The neutral reply the upstream layer reads, with the request's family."""
    return chat_mapping.to_reply(result, families.get(request.api_format), request, opc_request_id)


def _sdk_codec() -> BaseClient:
    """The SDK's serializer without a client: BaseClient.__init__ would want config and credentials."""
    codec = object.__new__(BaseClient)
    codec.complex_type_mappings = generative_ai_inference_type_mapping
    codec.type_mappings = merge_type_mappings(BaseClient.primitive_type_map, generative_ai_inference_type_mapping)
    codec.skip_deserialization, codec._allow_control_chars = False, None
    codec.logger = logging.getLogger("tests.sdk_codec")
    return codec


CODEC = _sdk_codec()


def wire(model: Any) -> Any:
    """What the SDK would send: camelCase JSON built by its own serializer."""
    return json.loads(json.dumps(CODEC.sanitize_for_serialization(model)))


def from_wire(payload: dict[str, Any]) -> m.ChatResult:
    """A ChatResult as the SDK deserializes it from the service's JSON."""
    return CODEC.deserialize_response_data(json.dumps(payload).encode(), "ChatResult")


def request(api_format: str = "COHERE", *messages: Message, model: str = COHERE_MODEL, **kwargs: Any) -> ChatRequest:
    return ChatRequest(
        model=model,
        api_format=api_format,
        messages=messages or (Message("user", "Hi"),),
        params=kwargs.pop("params", Params(max_tokens=600)),
        **kwargs,
    )


# --- to_chat_details: Cohere --------------------------------------------------------------------------------------


def test_cohere_request_models(settings: Settings) -> None:
    chat = request(
        "COHERE",
        Message("system", "Be brief."),
        Message("user", "Hi"),
        Message("assistant", "Hello"),
        Message("system", "Use French."),
        Message("user", "Again"),
    )
    details = to_chat_details(chat, settings)
    assert isinstance(details, m.ChatDetails)
    assert isinstance(details.serving_mode, m.OnDemandServingMode)
    inner = details.chat_request
    assert isinstance(inner, m.CohereChatRequest)
    assert inner.message == "Again"
    assert inner.preamble_override == "Be brief.\n\nUse French."
    assert [type(turn) for turn in inner.chat_history] == [m.CohereUserMessage, m.CohereChatBotMessage]
    assert [turn.message for turn in inner.chat_history] == ["Hi", "Hello"]


def test_cohere_request_on_the_wire(settings: Settings) -> None:
    params = Params(
        max_tokens=50,
        temperature=0.0,
        top_p=0.9,
        top_k=0,
        frequency_penalty=0.5,
        presence_penalty=0.0,
        seed=42,
        stop=("END", "\n\n"),
    )
    chat = request(
        "COHERE",
        Message("system", "Sys"),
        Message("user", "Hi"),
        Message("assistant", "Yo"),
        Message("user", "Go"),
        params=params,
    )
    assert wire(to_chat_details(chat, settings)) == {
        "compartmentId": COMPARTMENT,
        "servingMode": {"servingType": "ON_DEMAND", "modelId": COHERE_MODEL},
        "chatRequest": {
            "apiFormat": "COHERE",
            "message": "Go",
            "chatHistory": [{"role": "USER", "message": "Hi"}, {"role": "CHATBOT", "message": "Yo"}],
            "preambleOverride": "Sys",
            "isStream": False,
            "maxTokens": 50,
            "temperature": 0.0,
            "topP": 0.9,
            "topK": 0,
            "frequencyPenalty": 0.5,
            "presencePenalty": 0.0,
            "seed": 42,
            "stopSequences": ["END", "\n\n"],
        },
    }


def test_cohere_minimal_request_sends_only_what_was_set(settings: Settings) -> None:
    assert wire(to_chat_details(request("COHERE"), settings))["chatRequest"] == {
        "apiFormat": "COHERE",
        "message": "Hi",
        "isStream": False,
        "maxTokens": 600,
    }


def test_cohere_json_mode(settings: Settings) -> None:
    chat = request("COHERE", json_mode=True)
    assert wire(to_chat_details(chat, settings))["chatRequest"]["responseFormat"] == {"type": "JSON_OBJECT"}


# --- to_chat_details: Generic -------------------------------------------------------------------------------------


def test_generic_request_models(settings: Settings) -> None:
    chat = request(
        "GENERIC",
        Message("system", "Sys"),
        Message("user", "Hi"),
        Message("assistant", "Yo"),
        Message("user", "Go"),
        model=LLAMA_MODEL,
    )
    inner = to_chat_details(chat, settings).chat_request
    assert isinstance(inner, m.GenericChatRequest)
    assert [type(msg) for msg in inner.messages] == [m.SystemMessage, m.UserMessage, m.AssistantMessage, m.UserMessage]
    assert all(isinstance(part, m.TextContent) for msg in inner.messages for part in msg.content)
    assert [msg.content[0].text for msg in inner.messages] == ["Sys", "Hi", "Yo", "Go"]


def test_generic_request_on_the_wire(settings: Settings) -> None:
    params = Params(max_tokens=10, temperature=1.5, top_k=-1, frequency_penalty=-2.0, seed=1, stop=("x",))
    chat = request(
        "GENERIC", Message("system", "Sys"), Message("user", "Hi"), model=LLAMA_MODEL, params=params, json_mode=True
    )
    assert wire(to_chat_details(chat, settings)) == {
        "compartmentId": COMPARTMENT,
        "servingMode": {"servingType": "ON_DEMAND", "modelId": LLAMA_MODEL},
        "chatRequest": {
            "apiFormat": "GENERIC",
            "messages": [
                {"role": "SYSTEM", "content": [{"type": "TEXT", "text": "Sys"}]},
                {"role": "USER", "content": [{"type": "TEXT", "text": "Hi"}]},
            ],
            "isStream": False,
            "maxTokens": 10,
            "temperature": 1.5,
            "topK": -1,
            "frequencyPenalty": -2.0,
            "seed": 1,
            "stop": ["x"],
            "responseFormat": {"type": "JSON_OBJECT"},
        },
    }


def test_generic_tools_on_the_wire(settings: Settings) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    chat = request(
        "GENERIC",
        Message("user", "Weather?"),
        Message("assistant", "", tool_calls=(ToolCall("call_1", "weather", '{"city":"Paris"}'),)),
        Message("tool", "sunny", tool_call_id="call_1"),
        model=LLAMA_MODEL,
        tools=(Tool("weather", "Current weather", schema),),
        tool_choice="weather",
    )
    body = wire(to_chat_details(chat, settings))["chatRequest"]
    assert body["messages"][1:] == [
        {
            "role": "ASSISTANT",
            "toolCalls": [{"type": "FUNCTION", "id": "call_1", "name": "weather", "arguments": '{"city":"Paris"}'}],
        },
        {"role": "TOOL", "content": [{"type": "TEXT", "text": "sunny"}], "toolCallId": "call_1"},
    ]
    assert body["tools"] == [
        {"type": "FUNCTION", "name": "weather", "description": "Current weather", "parameters": schema}
    ]
    assert body["toolChoice"] == {"type": "FUNCTION", "name": "weather"}


@pytest.mark.parametrize(("choice", "wire_type"), [("auto", "AUTO"), ("none", "NONE"), ("required", "REQUIRED")])
def test_generic_fixed_tool_choices(choice: str, wire_type: str, settings: Settings) -> None:
    chat = request("GENERIC", model=LLAMA_MODEL, tools=(Tool("f"),), tool_choice=choice)
    assert wire(to_chat_details(chat, settings))["chatRequest"]["toolChoice"] == {"type": wire_type}


# --- compartment and serving mode ---------------------------------------------------------------------------------


def test_compartment_and_serving_mode_come_from_settings_only() -> None:
    settings = make_settings(COMPARTMENT_OCID="ocid1.compartment.oc1..billing")
    details = wire(to_chat_details(request("GENERIC", model=LLAMA_MODEL), settings))
    assert details["compartmentId"] == "ocid1.compartment.oc1..billing"
    assert details["servingMode"] == {"servingType": "ON_DEMAND", "modelId": LLAMA_MODEL}


def test_dedicated_endpoint_replaces_on_demand() -> None:
    settings = make_settings(DEDICATED_ENDPOINT_ID=ENDPOINT_OCID, API_FORMAT="COHERE", ALLOWED_MODELS=None)
    details = to_chat_details(request("COHERE"), settings)
    assert isinstance(details.serving_mode, m.DedicatedServingMode)
    assert wire(details)["servingMode"] == {"servingType": "DEDICATED", "endpointId": ENDPOINT_OCID}


def test_model_ocid_is_sent_as_is() -> None:
    settings = make_settings(ALLOWED_MODELS=MODEL_OCID, API_FORMAT="GENERIC")
    details = wire(to_chat_details(request("GENERIC", model=MODEL_OCID), settings))
    assert details["servingMode"] == {"servingType": "ON_DEMAND", "modelId": MODEL_OCID}


# --- to_reply -----------------------------------------------------------------------------------------------------


def cohere_result(
    text: Any = "Bonjour",
    finish_reason: str | None = "COMPLETE",
    usage: m.Usage | None = None,
    model_id: str | None = "cohere.command-a-03-2025-v1",
) -> m.ChatResult:
    response = m.CohereChatResponse(text=text, finish_reason=finish_reason, usage=usage)
    return m.ChatResult(model_id=model_id, model_version="1.0", chat_response=response)


def generic_result(
    parts: list[Any] | None = None,
    finish_reason: str | None = "stop",
    usage: m.Usage | None = None,
    choice_usage: m.Usage | None = None,
    tool_calls: list[Any] | None = None,
) -> m.ChatResult:
    message = m.AssistantMessage(
        content=parts if parts is not None else [m.TextContent(text="Hello")], tool_calls=tool_calls
    )
    choice = m.ChatChoice(index=0, message=message, finish_reason=finish_reason, usage=choice_usage)
    response = m.GenericChatResponse(choices=[choice], usage=usage)
    return m.ChatResult(model_id=LLAMA_MODEL, model_version="1.0", chat_response=response)


def test_cohere_reply() -> None:
    usage = m.Usage(prompt_tokens=10, completion_tokens=5, total_tokens=15)
    reply = to_reply(cohere_result(usage=usage), "opc-1", request("COHERE"))
    assert reply == ChatReply(
        text="Bonjour",
        model="cohere.command-a-03-2025-v1",
        finish_reason="stop",
        usage=Usage(10, 5, 15),
        opc_request_id="opc-1",
    )


def test_cohere_reply_from_the_wire() -> None:
    result = from_wire(
        {
            "modelId": COHERE_MODEL,
            "modelVersion": "1",
            "chatResponse": {
                "apiFormat": "COHERE",
                "text": "Hi",
                "finishReason": "MAX_TOKENS",
                "toolCalls": [{"name": "weather", "parameters": {"city": "Paris"}}],
                "usage": {"promptTokens": 1, "completionTokens": 2, "totalTokens": 3},
            },
        }
    )
    reply = to_reply(result, None, request("COHERE"))
    assert (reply.text, reply.finish_reason, reply.usage) == ("Hi", "length", Usage(1, 2, 3))
    (call,) = reply.tool_calls  # V1 calls carry no id: one derived from position, name and parameters
    assert (call.name, json.loads(call.arguments)) == ("weather", {"city": "Paris"})
    assert call.id.startswith("call_") and call.id != "weather"


def test_generic_reply() -> None:
    parts = [m.TextContent(text="Hel"), m.ImageContent(), m.TextContent(text=None), m.TextContent(text="lo")]
    result = generic_result(parts=parts, usage=m.Usage(prompt_tokens=4, completion_tokens=2))
    reply = to_reply(result, "opc-2", request("GENERIC", model=LLAMA_MODEL))
    assert reply == ChatReply(
        text="Hello", model=LLAMA_MODEL, finish_reason="stop", usage=Usage(4, 2, 6), opc_request_id="opc-2"
    )


def test_generic_reply_from_the_wire() -> None:
    result = from_wire(
        {
            "modelId": LLAMA_MODEL,
            "modelVersion": "1",
            "chatResponse": {
                "apiFormat": "GENERIC",
                "timeCreated": "2025-01-01T00:00:00Z",
                "choices": [
                    {
                        "index": 0,
                        "finishReason": "tool_calls",
                        "message": {
                            "role": "ASSISTANT",
                            "content": None,
                            "toolCalls": [
                                {"type": "FUNCTION", "id": "call_9", "name": "weather", "arguments": '{"city":"Oslo"}'},
                                {"type": "FUNCTION", "name": "noargs"},
                            ],
                        },
                    }
                ],
                "usage": {"promptTokens": 7, "completionTokens": 3, "totalTokens": 10},
            },
        }
    )
    reply = to_reply(result, "opc", request("GENERIC", model=LLAMA_MODEL))
    assert (reply.text, reply.finish_reason, reply.usage) == ("", "tool_calls", Usage(7, 3, 10))
    assert reply.tool_calls == (ToolCall("call_9", "weather", '{"city":"Oslo"}'), ToolCall("call_1", "noargs", "{}"))


def test_generic_usage_falls_back_to_the_choice() -> None:
    result = generic_result(usage=None, choice_usage=m.Usage(prompt_tokens=1, completion_tokens=1, total_tokens=2))
    assert to_reply(result, None, request("GENERIC", model=LLAMA_MODEL)).usage == Usage(1, 1, 2)


def test_missing_usage_is_zero() -> None:
    assert to_reply(cohere_result(usage=None), None, request("COHERE")).usage == Usage(0, 0, 0)


def test_reply_model_falls_back_to_the_requested_one() -> None:
    assert to_reply(cohere_result(model_id=None), None, request("COHERE")).model == COHERE_MODEL


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("COMPLETE", "stop"),
        ("MAX_TOKENS", "length"),
        ("ERROR_TOXIC", "content_filter"),
        ("ERROR_LIMIT", "length"),
        ("USER_CANCEL", "stop"),
        (None, "stop"),
    ],
)
def test_cohere_finish_reasons(reason: str | None, expected: str) -> None:
    assert to_reply(cohere_result(finish_reason=reason), None, request("COHERE")).finish_reason == expected


def test_cohere_error_finish_is_an_upstream_failure() -> None:
    with pytest.raises(UpstreamFailed, match="stopped with an error"):
        to_reply(cohere_result(finish_reason="ERROR"), "opc-1", request("COHERE"))


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("stop", "stop"),
        ("length", "length"),
        ("tool_calls", "tool_calls"),
        ("content_filter", "content_filter"),
        ("something_new", "something_new"),  # passed on, not guessed
        (None, "stop"),
    ],
)
def test_generic_finish_reasons(reason: str | None, expected: str) -> None:
    result = generic_result(finish_reason=reason)
    assert to_reply(result, None, request("GENERIC", model=LLAMA_MODEL)).finish_reason == expected


def test_finish_reasons_only_use_openai_vocabulary() -> None:
    assert set(FINISH_REASONS.values()) <= {"stop", "length", "tool_calls", "content_filter"}


UNREADABLE = [
    ("cohere reply for a generic request", lambda: cohere_result(), "GENERIC"),
    ("generic reply for a cohere request", lambda: generic_result(), "COHERE"),
    ("no chat_response", lambda: m.ChatResult(model_id=COHERE_MODEL), "COHERE"),
    ("None", lambda: None, "COHERE"),
    ("a dict", lambda: {"chat_response": {"text": "hi"}}, "COHERE"),
    ("cohere text missing", lambda: cohere_result(text=None), "COHERE"),
    ("generic no choices", lambda: m.ChatResult(chat_response=m.GenericChatResponse(choices=[])), "GENERIC"),
    ("generic choices None", lambda: m.ChatResult(chat_response=m.GenericChatResponse()), "GENERIC"),
    ("base ChatResponse", lambda: m.ChatResult(chat_response=m.BaseChatResponse(api_format="COHERE")), "COHERE"),
]


@pytest.mark.parametrize(("case", "make", "api_format"), UNREADABLE, ids=[case for case, _, _ in UNREADABLE])
def test_unreadable_reply_is_an_upstream_failure(case: str, make: Any, api_format: str) -> None:
    with pytest.raises(UpstreamFailed) as caught:
        to_reply(make(), "opc-x", request(api_format))
    assert (caught.value.status, caught.value.code, caught.value.opc_request_id) == (502, "upstream_error", "opc-x")


def test_json_schema_maps_to_each_family() -> None:
    schema = JsonSchema(name="city", schema={"type": "object"}, strict=True)
    settings = make_settings()
    cohere = wire(to_chat_details(replace(request("COHERE"), json_mode=True, json_schema=schema), settings))
    assert cohere["chatRequest"]["responseFormat"] == {"type": "JSON_OBJECT", "schema": {"type": "object"}}
    generic_request = replace(request("GENERIC", model=LLAMA_MODEL), json_mode=True, json_schema=schema)
    generic = wire(to_chat_details(generic_request, settings))
    assert generic["chatRequest"]["responseFormat"] == {
        "type": "JSON_SCHEMA",
        "jsonSchema": {"name": "city", "schema": {"type": "object"}, "isStrict": True},
    }
