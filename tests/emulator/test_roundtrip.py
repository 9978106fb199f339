"""The real oci SDK client against the emulator: replies deserialize into the SDK's models."""

from __future__ import annotations

import json
import math
from pathlib import Path

import oci
from oci.generative_ai_inference import models

from emulator import Emulator
from tests.emulator.conftest import COMPARTMENT, make_client


def _details(model: str, request: object) -> models.ChatDetails:
    return models.ChatDetails(
        compartment_id=COMPARTMENT,
        serving_mode=models.OnDemandServingMode(model_id=model),
        chat_request=request,
    )


def test_cohere_chat_round_trip(client, emu: Emulator) -> None:
    request = models.CohereChatRequest(
        message="What is OCI?",
        chat_history=[models.CohereUserMessage(message="hi"), models.CohereChatBotMessage(message="hello you")],
        max_tokens=100,
    )
    response = client.chat(_details("cohere.command-a-03-2025", request))
    result = response.data
    assert isinstance(result, models.ChatResult)
    assert result.model_id == "cohere.command-a-03-2025"
    assert result.model_version == "1.6"
    chat = result.chat_response
    assert isinstance(chat, models.CohereChatResponse)
    assert chat.text == "Emulated reply to: What is OCI?"
    assert chat.finish_reason == "COMPLETE"
    assert (chat.usage.prompt_tokens, chat.usage.completion_tokens, chat.usage.total_tokens) == (6, 6, 12)
    assert [type(m).__name__ for m in chat.chat_history] == [
        "CohereUserMessage",
        "CohereChatBotMessage",
        "CohereUserMessage",
        "CohereChatBotMessage",
    ]
    assert chat.chat_history[-1].message == chat.text
    recorded = emu.requests[-1]
    assert recorded.status == 200 and recorded.principal == "ocid1.fnfunc.oc1..emulator"
    assert recorded.json["chatRequest"]["message"] == "What is OCI?"
    assert response.headers["content-type"] == "application/json"


def test_generic_chat_round_trip_truncates_at_max_tokens(client) -> None:
    request = models.GenericChatRequest(
        messages=[
            models.SystemMessage(content=[models.TextContent(text="be brief")]),
            models.UserMessage(content=[models.TextContent(text="tell me a long story please")]),
        ],
        max_tokens=4,
    )
    result = client.chat(_details("meta.llama-3.3-70b-instruct", request)).data
    chat = result.chat_response
    assert isinstance(chat, models.GenericChatResponse)
    assert result.model_version == "1.0.0"
    choice = chat.choices[0]
    assert isinstance(choice, models.ChatChoice)
    assert isinstance(choice.message, models.AssistantMessage)
    assert choice.message.content[0].text == "Emulated reply to: tell"
    assert choice.finish_reason == "length"
    assert chat.usage.prompt_tokens == 8 and chat.usage.completion_tokens == 4
    assert chat.time_created is not None and chat.time_created.tzinfo is not None


def test_generic_tool_call(client) -> None:
    parameters = {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}
    request = models.GenericChatRequest(
        messages=[models.UserMessage(content=[models.TextContent(text="What's the weather in Paris?")])],
        tools=[models.FunctionDefinition(name="get_weather", parameters=parameters)],
    )
    choice = client.chat(_details("meta.llama-4-maverick-17b-128e-instruct-fp8", request)).data.chat_response.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    assert isinstance(call, models.FunctionCall)
    assert call.name == "get_weather" and call.id.startswith("call_")
    assert json.loads(call.arguments) == {"location": "Paris"}


def test_a_message_naming_two_tools_gets_two_calls(client) -> None:
    tools = [models.FunctionDefinition(name=name, parameters={"type": "object"}) for name in ("get_time", "get_news")]
    request = models.GenericChatRequest(
        messages=[models.UserMessage(content=[models.TextContent(text="Call get_news and get_time")])], tools=tools
    )
    choice = client.chat(_details("meta.llama-4-maverick-17b-128e-instruct-fp8", request)).data.chat_response.choices[0]
    assert [call.name for call in choice.message.tool_calls] == ["get_time", "get_news"]  # in the order offered
    assert len({call.id for call in choice.message.tool_calls}) == 2


def test_embed_round_trip_is_deterministic(client) -> None:
    details = models.EmbedTextDetails(
        inputs=["alpha beta", "gamma"],
        serving_mode=models.OnDemandServingMode(model_id="cohere.embed-v4.0"),
        compartment_id=COMPARTMENT,
        is_echo=True,
    )
    first = client.embed_text(details).data
    second = client.embed_text(details).data
    assert isinstance(first, models.EmbedTextResult)
    assert [len(v) for v in first.embeddings] == [1536, 1536]
    assert first.embeddings == second.embeddings
    assert first.embeddings[0] != first.embeddings[1]
    assert math.isclose(sum(x * x for x in first.embeddings[0]), 1.0, abs_tol=1e-3)
    assert first.inputs == ["alpha beta", "gamma"]
    assert first.usage.prompt_tokens == 3 and first.model_version == "4.0"


def test_streaming_answers_server_sent_events(client, chat_details) -> None:
    response = client.chat(chat_details(isStream=True, streamOptions={"isIncludeUsage": True}))
    events = [json.loads(event.data) for event in response.data.events()]
    assert "".join(e["text"] for e in events[:-1]) == "Emulated reply to: hello there"
    assert events[-1]["finishReason"] == "COMPLETE" and events[-1]["usage"]["totalTokens"] == 7


def test_opc_request_id_is_echoed_as_prefix(client, chat_details) -> None:
    response = client.chat(chat_details(), opc_request_id="CALLER123")
    assert response.headers["opc-request-id"].startswith("CALLER123/")
    assert response.request_id == response.headers["opc-request-id"]


def test_api_key_config_signer(emu: Emulator, creds: Path, chat_details) -> None:
    config = oci.config.from_file(str(creds / "config"))
    oci.config.validate_config(config)
    client = make_client(emu.url, oci.signer.Signer.from_config(config), config)
    assert client.chat(chat_details()).data.chat_response.text == "Emulated reply to: hello there"
    assert emu.requests[-1].principal == "ocid1.user.oc1..emulator"


def test_dedicated_endpoint_accepts_either_format(client, chat_details) -> None:
    body = chat_details("meta.llama-3.3-70b-instruct")
    body["servingMode"] = {"servingType": "DEDICATED", "endpointId": "ocid1.generativeaiendpoint.oc1..e"}
    assert client.chat(body).data.chat_response.api_format == "GENERIC"
    body = chat_details()
    body["servingMode"] = {"servingType": "DEDICATED", "endpointId": "ocid1.generativeaiendpoint.oc1..e"}
    body["chatRequest"]["maxTokens"] = 10000
    assert client.chat(body).data.chat_response.api_format == "COHERE"
