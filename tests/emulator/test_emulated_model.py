"""The emulated model's documented behaviours (docs/emulator.md), driven with the real oci SDK client: when it calls
a tool, which one, with arguments that follow the tool's schema, and JSON replies that fit the requested schema."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from oci.generative_ai_inference import models

from emulator.responses import REPLY_PREFIX
from emulator.schema_example import example_value
from tests.emulator.conftest import COMPARTMENT

LLAMA = "meta.llama-3.3-70b-instruct"
COHERE = "cohere.command-a-03-2025"
COHERE_V2_OCID = "ocid1.generativeaimodel.oc1.us-chicago-1.amaaaaaacoherev2"
FORECAST = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "hours": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 23}},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}
LOOKUP = {"type": "object", "properties": {"order_id": {"type": "string", "format": "uuid"}}, "required": ["order_id"]}


def _chat(client: Any, model: str, request: object) -> Any:
    details = models.ChatDetails(
        compartment_id=COMPARTMENT, serving_mode=models.OnDemandServingMode(model_id=model), chat_request=request
    )
    return client.chat(details).data.chat_response


def _generic(text: str, **fields: Any) -> models.GenericChatRequest:
    return models.GenericChatRequest(messages=[models.UserMessage(content=[models.TextContent(text=text)])], **fields)


def _tools() -> list[models.FunctionDefinition]:
    return [
        models.FunctionDefinition(name="get_forecast", parameters=FORECAST),
        models.FunctionDefinition(name="lookup_order", parameters=LOOKUP),
    ]


def _call(response: Any) -> models.FunctionCall:
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls", choice
    (call,) = choice.message.tool_calls
    return call


def _text(response: Any) -> str:
    choice = response.choices[0]
    assert choice.finish_reason == "stop" and not choice.message.tool_calls, choice
    return str(choice.message.content[0].text)


def test_the_word_weather_calls_the_first_tool_with_arguments_of_its_schema(client) -> None:
    call = _call(_chat(client, LLAMA, _generic("What's the weather in Paris?", tools=_tools())))

    assert call.name == "get_forecast"
    arguments = json.loads(call.arguments)
    jsonschema.validate(arguments, FORECAST)
    assert arguments == example_value(FORECAST)


def test_a_tool_named_in_the_message_is_the_one_called(client) -> None:
    call = _call(_chat(client, LLAMA, _generic("Please run lookup_order for me", tools=_tools())))

    assert call.name == "lookup_order"
    jsonschema.validate(json.loads(call.arguments), LOOKUP, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize(
    ("choice", "called"),
    [
        (models.ToolChoiceRequired(), "get_forecast"),
        (models.ToolChoiceFunction(name="lookup_order"), "lookup_order"),
    ],
)
def test_a_forcing_tool_choice_calls_without_a_trigger_word(client, choice: models.ToolChoice, called: str) -> None:
    call = _call(_chat(client, LLAMA, _generic("Hello", tools=_tools(), tool_choice=choice)))
    assert call.name == called


def test_no_trigger_or_tool_choice_none_answers_in_text(client) -> None:
    assert _text(_chat(client, LLAMA, _generic("Hello", tools=_tools()))) == REPLY_PREFIX + "Hello"
    none = _generic("What's the weather?", tools=_tools(), tool_choice=models.ToolChoiceNone())
    assert _text(_chat(client, LLAMA, none)) == REPLY_PREFIX + "What's the weather?"


def test_after_the_tools_result_it_answers_in_text(client) -> None:
    question = models.UserMessage(content=[models.TextContent(text="What's the weather in Paris?")])
    call = models.FunctionCall(id="call_1", name="get_forecast", arguments=json.dumps(example_value(FORECAST)))
    request = models.GenericChatRequest(
        messages=[
            question,
            models.AssistantMessage(tool_calls=[call]),
            models.ToolMessage(tool_call_id="call_1", content=[models.TextContent(text="18 degrees")]),
        ],
        tools=_tools(),
        tool_choice=models.ToolChoiceRequired(),
    )
    assert _text(_chat(client, LLAMA, request)).startswith(REPLY_PREFIX)


def test_cohere_v2_tool_call_follows_the_schema(client) -> None:
    request = models.CohereChatRequestV2(
        messages=[models.CohereUserMessageV2(content=[models.CohereTextContentV2(text="Weather in Paris?")])],
        tools=[
            models.CohereToolV2(type="FUNCTION", function=models.Function(name="get_forecast", parameters=FORECAST))
        ],
    )
    response = _chat(client, COHERE_V2_OCID, request)

    assert response.finish_reason == "TOOL_CALL"
    (call,) = response.message.tool_calls
    assert call.function["name"] == "get_forecast"  # the SDK types CohereToolCallV2.function as a plain object
    jsonschema.validate(json.loads(call.function["arguments"]), FORECAST)


def test_json_schema_reply_fits_the_schema(client) -> None:
    response_format = models.JsonSchemaResponseFormat(
        json_schema=models.ResponseJsonSchema(name="forecast", schema=FORECAST, is_strict=True)
    )
    text = _text(_chat(client, LLAMA, _generic("Forecast for Paris", response_format=response_format)))

    jsonschema.validate(json.loads(text), FORECAST)


def test_json_object_reply_is_an_object_holding_the_echo(client) -> None:
    response_format = models.JsonObjectResponseFormat()
    text = _text(_chat(client, LLAMA, _generic("Hi", response_format=response_format)))
    assert json.loads(text) == {"reply": REPLY_PREFIX + "Hi"}


def test_a_json_prompt_is_answered_as_is(client) -> None:
    """Lets a test choose the exact JSON reply."""
    response_format = models.JsonSchemaResponseFormat(json_schema=models.ResponseJsonSchema(name="f", schema=FORECAST))
    prompt = '{"city": "Lyon", "unit": "celsius"}'
    assert _text(_chat(client, LLAMA, _generic(prompt, response_format=response_format))) == prompt


def test_cohere_json_reply_fits_the_schema(client) -> None:
    request = models.CohereChatRequest(
        message="Forecast for Paris", response_format=models.CohereResponseJsonFormat(schema=FORECAST)
    )
    jsonschema.validate(json.loads(_chat(client, COHERE, request).text), FORECAST)


def test_text_response_format_is_plain_text(client) -> None:
    request = _generic('{"a": 1}', response_format=models.TextResponseFormat())
    assert _text(_chat(client, LLAMA, request)) == REPLY_PREFIX + '{"a": 1}'
