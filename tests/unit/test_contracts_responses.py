"""The Responses contract's pure parts: parsing into the internal chat request, the `response` object and the event
stream checked against the official SDK's own types, the stateful refusals, and the router's `{id}` segment."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest
from openai.types.responses import Response, ResponseStreamEvent

from genai_fn import router
from genai_fn.chat import ChatReply, Message, ToolCall, Usage
from genai_fn.config import Settings
from genai_fn.contracts import responses
from genai_fn.envelope import Invocation
from genai_fn.errors import InvalidRequest, ModelNotAllowed
from tests.constants import COHERE_MODEL, LLAMA_MODEL

INVOCATION = Invocation(
    method="POST", path="/v1/responses", headers={}, body=b"", call_id="c1", deadline=0.0, via_gateway=True
)
EVENTS: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(ResponseStreamEvent)
TOOL = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
REPLY = ChatReply("Paris.", LLAMA_MODEL, "stop", Usage(5, 2, 7))
CALL_REPLY = ChatReply(
    "", LLAMA_MODEL, "tool_calls", Usage(5, 8, 13), tool_calls=(ToolCall("call_1", "get_weather", '{"c": "P"}'),)
)


def parse(settings: Settings, **body: Any) -> responses.ResponsesCall:
    return responses.RESPONSES.parse({"model": LLAMA_MODEL, "input": "Hi", **body}, settings)


def test_a_string_input_with_instructions(settings):
    call = parse(settings, instructions="Be brief.", max_output_tokens=64, temperature=0.2)

    assert call.messages == (Message("system", "Be brief."), Message("user", "Hi"))
    assert (call.params.max_tokens, call.params.temperature) == (64, 0.2)
    assert call.api_format == "GENERIC" and call.stream is False


def test_items_make_one_assistant_turn_with_its_calls_and_tool_results(settings):
    call = parse(
        settings,
        input=[
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Weather?"}]},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Checking."}]},
            {"type": "function_call", "call_id": "a", "name": "get_weather", "arguments": "{}"},
            {"type": "function_call", "call_id": "b", "name": "get_weather", "arguments": "{}"},
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "function_call_output", "call_id": "a", "output": "sunny"},
            {"type": "function_call_output", "call_id": "b", "output": [{"type": "input_text", "text": "rain"}]},
        ],
        tools=[TOOL],
    )

    assert [m.role for m in call.messages] == ["user", "assistant", "tool", "tool"]
    assert [c.id for c in call.messages[1].tool_calls] == ["a", "b"] and call.messages[1].content == "Checking."
    assert (call.messages[3].tool_call_id, call.messages[3].content) == ("b", "rain")


def test_tools_choice_and_text_format(settings):
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    call = parse(
        settings,
        tools=[TOOL],
        tool_choice={"type": "function", "name": "get_weather"},
        parallel_tool_calls=False,
        text={"format": {"type": "json_schema", "name": "city", "schema": schema, "strict": True}},
    )

    assert call.tools[0].name == "get_weather" and call.tool_choice == "get_weather"
    assert call.parallel_tool_calls is False
    assert call.json_mode and call.json_schema is not None and call.json_schema.strict is True
    assert parse(settings, text={"format": {"type": "json_object"}}).json_schema is None


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"previous_response_id": "resp_1"}, "previous_response_id"),
        ({"conversation": {"id": "conv_1"}}, "conversation"),
        ({"store": True}, "store"),
        ({"background": True}, "background"),
        ({"tools": [{"type": "web_search_preview"}]}, "tools[0].type"),
        ({"tools": [TOOL], "tool_choice": {"type": "function", "name": "other"}}, "tool_choice"),
        ({"reasoning": {"effort": "low"}}, "reasoning"),
        ({"include": ["reasoning.encrypted_content"]}, "include"),
        ({"truncation": "auto"}, "truncation"),
        ({"text": {"format": {"type": "json_schema", "name": "x"}}}, "text.format.schema"),
        ({"text": {"verbosity": "low"}}, "text"),
        ({"input": []}, "input"),
        ({"input": [{"role": "tool", "content": "x"}]}, "input[0].role"),
        ({"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]}, "input[0].content[0]"),
        ({"input": [{"type": "function_call", "name": "f", "arguments": "{}"}]}, "input[0].call_id"),
        ({"prompt": {"id": "p"}}, "prompt"),
        ({"max_output_tokens": 0}, "max_output_tokens"),
        ({"stop": ["END"]}, "stop"),
        ({"tool_choice": "required"}, "tool_choice"),
        ({"max_tool_calls": 2}, "max_tool_calls"),
        ({"stream_options": {"include_usage": True}}, "stream_options"),
        ({"metadata": {"k": 1}}, "metadata"),
    ],
)
def test_refusals_name_the_field(settings, body, param):
    with pytest.raises(InvalidRequest) as caught:
        parse(settings, **body)
    assert caught.value.param == param


def test_state_refusals_say_to_send_the_items(settings):
    with pytest.raises(InvalidRequest, match="send the prior items"):
        parse(settings, previous_response_id="resp_1")
    accepted = parse(
        settings,
        store=False,
        background=False,
        previous_response_id=None,
        conversation=None,
        include=[],
        tool_choice="none",
        truncation="disabled",
        reasoning={},
        safety_identifier="u1",
        prompt_cache_key="k",
        stream_options={"include_obfuscation": False},
    )
    assert accepted.messages == (Message("user", "Hi"),)


def test_family_rules_and_the_allow_list_apply(settings):
    with pytest.raises(InvalidRequest, match="COHERE"):
        parse(settings, model=COHERE_MODEL, tools=[TOOL])
    with pytest.raises(ModelNotAllowed):
        parse(settings, model="gpt-4o")


def _rendered(reply: ChatReply, call: responses.ResponsesCall) -> Any:
    return json.loads(responses.RESPONSES.render(reply, call, INVOCATION).body)


@pytest.mark.parametrize("reply", [REPLY, CALL_REPLY], ids=["text", "tool_call"])
def test_the_response_object_validates_as_the_sdks_response(settings, reply):
    call = parse(settings, tools=[TOOL], metadata={"k": "v"})
    body = _rendered(reply, call)

    response = Response.model_validate(body)
    assert response.id == "resp_c1" and response.status == "completed"
    assert response.usage is not None and response.usage.total_tokens == reply.usage.total_tokens
    assert response.metadata == {"k": "v"} and response.tools[0].name == "get_weather"  # type: ignore[union-attr]
    if reply.tool_calls:
        assert [i.type for i in response.output] == ["function_call"] and response.output_text == ""
    else:
        assert response.output_text == "Paris."


@pytest.mark.parametrize(("finish", "reason"), [("length", "max_output_tokens"), ("content_filter", "content_filter")])
def test_a_cut_reply_is_incomplete(settings, finish, reason):
    body = _rendered(ChatReply("Par", LLAMA_MODEL, finish, Usage(5, 1, 6)), parse(settings))

    assert body["status"] == "incomplete" and body["incomplete_details"] == {"reason": reason}
    assert body["output"][0]["status"] == "incomplete"
    assert Response.model_validate(body).incomplete_details is not None


@pytest.mark.parametrize(
    ("reply", "finish"),
    [(REPLY, "response.completed"), (ChatReply("P", LLAMA_MODEL, "length", Usage(1, 1, 2)), "response.incomplete")],
)
def test_every_streamed_event_validates_as_an_sdk_event(settings, reply, finish):
    rendered = responses.RESPONSES.render(reply, parse(settings, stream=True), INVOCATION)
    assert rendered.content_type.startswith("text/event-stream")
    blocks = rendered.body.decode().strip().split("\n\n")
    events = []
    for block in blocks:
        name, data = block.split("\n")
        event = EVENTS.validate_python(json.loads(data.removeprefix("data: ")))
        assert name == f"event: {event.type}"
        events.append(event)

    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].type == "response.created" and events[-1].type == finish
    assert events[-1].response.output[0].content[0].text == reply.text


def test_the_router_matches_an_id_segment():
    assert router._ends_with("/genai/v1/responses/resp_1", "/v1/responses/{id}".removeprefix("/v1"))
    assert not router._ends_with("/genai/v1/responses", "/responses/{id}")
    assert not router._ends_with("/genai/v1/responses/", "/responses/{id}")
    assert not router._ends_with("/genai/v1/responses/a/b", "/responses/{id}")
    assert router._ends_with("/genai/v1/responses", "/responses")
