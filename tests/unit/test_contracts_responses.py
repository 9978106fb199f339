"""The Responses contract's pure parts: parsing into the internal chat request, the `response` object and the event
stream checked against the official SDK's own types, the stateful refusals, and the router's `{id}` segment."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest
from openai.types.responses import Response, ResponseStreamEvent

from genai_fn import router
from genai_fn.config import Settings
from genai_fn.contracts import responses
from genai_fn.errors import InvalidRequest, ModelNotAllowed
from genai_fn.http import Invocation
from genai_fn.neutral.chat import ChatReply, ImagePart, Message, Reasoning, ToolCall, Usage
from tests.constants import COHERE_MODEL, LLAMA_MODEL, MODEL_OCID

INVOCATION = Invocation(
    method="POST", path="/v1/responses", headers={}, body=b"", call_id="c1", deadline=0.0, via_gateway=True
)
EVENTS: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(ResponseStreamEvent)
TOOL = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
REPLY = ChatReply("Paris.", LLAMA_MODEL, "stop", Usage(5, 2, 7))
VISION_MODEL = "meta.llama-4-maverick-17b-128e-instruct-fp8"
PIXEL = "data:image/png;base64,iVBORw0KGgo="
THINKING_REPLY = ChatReply(
    "Paris.", VISION_MODEL, "stop", Usage(5, 9, 14, reasoning_tokens=4), reasoning="Capital: Paris"
)
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
        ({"reasoning": {"effort": "low", "budget": 3}}, "reasoning"),
        ({"reasoning": "low"}, "reasoning"),
        ({"reasoning": {"effort": "max"}}, "reasoning.effort"),
        ({"reasoning": {"summary": "all"}}, "reasoning.summary"),
        ({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": PIXEL}]}]}, "input"),
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
        parse(settings, model=COHERE_MODEL, tools=[TOOL], tool_choice="required")
    with pytest.raises(ModelNotAllowed):
        parse(settings, model="gpt-4o")


def test_input_image_parts_become_the_chat_contracts_image_parts(settings_factory):
    settings = settings_factory(ALLOWED_MODELS=f"{VISION_MODEL},{LLAMA_MODEL}")
    image = {"type": "input_image", "image_url": PIXEL, "detail": "low"}
    call = parse(
        settings,
        model=VISION_MODEL,
        input=[{"role": "user", "content": [{"type": "input_text", "text": "What?"}, image]}],
    )

    assert call.messages == (Message("user", "What?", parts=("What?", ImagePart(PIXEL, "low"))),)
    only_image = parse(settings, model=VISION_MODEL, input=[{"role": "user", "content": [image]}])
    assert only_image.messages[0].images == (ImagePart(PIXEL, "low"),)
    assert parse(settings, model=VISION_MODEL).messages == (Message("user", "Hi"),)  # text: no parts


@pytest.mark.parametrize(
    ("model", "api_format", "words"),
    [(COHERE_MODEL, "COHERE", "images are not supported for COHERE models"), (LLAMA_MODEL, "GENERIC", "text only")],
)
def test_images_for_models_without_them_are_refused(settings, model, api_format, words):
    image = {"type": "input_image", "image_url": PIXEL, "detail": "auto"}
    with pytest.raises(InvalidRequest, match=words):
        parse(settings, model=model, input=[{"role": "user", "content": [image]}])


@pytest.mark.parametrize(
    ("model", "max_output_tokens", "expected"),
    [
        (LLAMA_MODEL, None, Reasoning(effort="high")),
        (LLAMA_MODEL, 200, Reasoning(effort="high", completion_limit=True)),
    ],
)
def test_reasoning_effort_maps_as_the_chat_contracts(settings, model, max_output_tokens, expected):
    call = parse(
        settings, model=model, reasoning={"effort": "high", "summary": "auto"}, max_output_tokens=max_output_tokens
    )
    assert call.reasoning == expected and call.echo["reasoning"] == {"effort": "high", "summary": None}


def test_reasoning_summary_alone_sends_nothing_and_cohere_v1_refuses_an_effort(settings, settings_factory):
    assert parse(settings, reasoning={"summary": "detailed"}).reasoning is None
    with pytest.raises(InvalidRequest, match="reasoning.effort is not supported for COHERE models"):
        parse(settings, model=COHERE_MODEL, reasoning={"effort": "low"})
    v2 = settings_factory(MODEL_ID=MODEL_OCID, ALLOWED_MODELS=None, API_FORMAT="COHEREV2")
    assert parse(v2, model=MODEL_OCID, reasoning={"effort": "low"}).reasoning == Reasoning(effort="low")


def test_cohere_v2_refuses_a_tool_choice_naming_one_function(settings_factory):
    """Cohere V2's toolsChoice is only REQUIRED or NONE: a named function is a 400, as on the chat route."""
    v2 = settings_factory(MODEL_ID=MODEL_OCID, ALLOWED_MODELS=None, API_FORMAT="COHEREV2")
    assert parse(v2, model=MODEL_OCID, tools=[TOOL], tool_choice="required").tool_choice == "required"
    with pytest.raises(InvalidRequest, match="COHEREV2") as caught:
        parse(v2, model=MODEL_OCID, tools=[TOOL], tool_choice={"type": "function", "name": "get_weather"})
    assert caught.value.param == "tool_choice"


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


def test_reasoning_becomes_a_reasoning_item_before_the_message(settings):
    body = _rendered(THINKING_REPLY, parse(settings, reasoning={"effort": "low"}))

    response = Response.model_validate(body)
    assert [item.type for item in response.output] == ["reasoning", "message"]
    thought = response.output[0]
    assert thought.type == "reasoning" and thought.content is not None
    assert [part.text for part in thought.content] == ["Capital: Paris"] and thought.summary == []
    assert response.output_text == "Paris."
    assert response.usage is not None and response.usage.output_tokens_details.reasoning_tokens == 4
    assert response.reasoning is not None and response.reasoning.effort == "low"


def test_reasoning_tokens_are_zero_when_unknown(settings):
    assert _rendered(REPLY, parse(settings))["usage"]["output_tokens_details"] == {"reasoning_tokens": 0}


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


def _events(reply: ChatReply, call: responses.ResponsesCall) -> list[Any]:
    body = responses.RESPONSES.render(reply, call, INVOCATION).body.decode()
    return [
        EVENTS.validate_python(json.loads(b.split("\n")[1].removeprefix("data: "))) for b in body.strip().split("\n\n")
    ]


def test_a_reasoning_item_streams_as_its_own_output_item(settings):
    events = _events(THINKING_REPLY, parse(settings, stream=True))

    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert [(e.type, e.output_index) for e in events if hasattr(e, "output_index")][:4] == [
        ("response.output_item.added", 0),
        ("response.reasoning_text.delta", 0),
        ("response.reasoning_text.done", 0),
        ("response.output_item.done", 0),
    ]
    added, delta, done = events[2], events[3], events[5]
    assert added.item.type == "reasoning" and added.item.status == "in_progress" and added.item.content == []
    assert delta.delta == "Capital: Paris"
    assert done.item.content[0].text == "Capital: Paris" and done.item.status == "completed"
    assert {e.output_index for e in events[6:] if hasattr(e, "output_index")} == {1}
    assert events[-1].response.output[0].type == "reasoning"


def test_the_router_matches_an_id_segment():
    assert router._ends_with("/genai/v1/responses/resp_1", "/v1/responses/{id}".removeprefix("/v1"))
    assert not router._ends_with("/genai/v1/responses", "/responses/{id}")
    assert not router._ends_with("/genai/v1/responses/", "/responses/{id}")
    assert not router._ends_with("/genai/v1/responses/a/b", "/responses/{id}")
    assert router._ends_with("/genai/v1/responses", "/responses")
