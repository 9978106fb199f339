"""Cohere V1 at full strength (issue 23): tools as CohereTool parameter definitions, the V1 round-trip layout of
calls and results, stable call ids, documents and citations (V1 and V2), each checked on the wire the SDK's own
serializer writes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from genai_fn import admission, families
from genai_fn.contracts import grounding
from genai_fn.contracts.chat_completions import CHAT
from genai_fn.errors import InvalidRequest
from genai_fn.families import cohere
from genai_fn.families.cohere import call_id
from genai_fn.neutral.chat import ChatRequest, Citation, Document, Message, Params, Tool, ToolCall
from tests.constants import COHERE_MODEL, LLAMA_MODEL, MODEL_OCID, V1_PIN

from .conftest import make_settings
from .test_chat_mapping import from_wire, to_reply, wire

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "The city"},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "hourly": {"type": "boolean"},
        "threshold": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "extra": {"type": "object"},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "description": "Optional"},
    },
    "required": ["city", "days"],
}


def request(*messages: Message, api_format: str = "COHERE", **kwargs: Any) -> ChatRequest:
    return ChatRequest(
        model=COHERE_MODEL,
        api_format=api_format,
        messages=messages or (Message("user", "Hi"),),
        params=Params(max_tokens=600),
        **kwargs,
    )


def v1(chat: ChatRequest) -> dict[str, Any]:
    """The chatRequest the SDK would send for a checked request."""
    checked = admission.check_chat(chat)
    return wire(families.get(chat.api_format).to_sdk(checked))


def calls(*pairs: tuple[str, str, dict[str, Any]]) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(identifier, name, json.dumps(arguments)) for identifier, name, arguments in pairs)


# --- tools ----------------------------------------------------------------------------------------------------------


def test_a_function_tool_becomes_parameter_definitions_with_python_types() -> None:
    sent = v1(request(tools=(Tool("get_weather", "Weather now", WEATHER), Tool("ping"))))
    weather, ping = sent["tools"]
    assert (weather["name"], weather["description"]) == ("get_weather", "Weather now")
    definitions = weather["parameterDefinitions"]
    assert {name: d["type"] for name, d in definitions.items()} == {
        "city": "str",
        "days": "int",
        "unit": "str",
        "hourly": "bool",
        "threshold": "float",
        "tags": "list",
        "extra": "dict",
        "note": "str",
    }
    assert [name for name, d in definitions.items() if d["isRequired"]] == ["city", "days"]
    assert definitions["city"]["description"] == "The city"
    assert "minimum: 1" in definitions["days"]["description"] and "maximum: 7" in definitions["days"]["description"]
    assert 'one of: ["celsius", "fahrenheit"]' in definitions["unit"]["description"]
    assert "a list of str" in definitions["tags"]["description"]
    assert definitions["note"]["description"].startswith("Optional")  # "string or null": optional, not required
    assert ping == {"name": "ping", "description": "ping"}  # CohereTool.description is required: the name


@pytest.mark.parametrize(
    ("schema", "construct"),
    [
        ({"type": "object", "properties": {"address": {"type": "object", "properties": {"zip": {}}}}}, "nested"),
        ({"properties": {"rows": {"type": "array", "items": {"type": "object"}}}}, "array of objects"),
        ({"properties": {"rows": {"type": "array", "items": {"type": "array"}}}}, "items are not"),
        ({"properties": {"city": {"$ref": "#/$defs/City"}}, "$defs": {"City": {"type": "string"}}}, r"\$ref"),
        ({"properties": {"id": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}}, "union"),
        ({"properties": {"id": {"type": ["string", "integer"]}}}, "union"),
        ({"anyOf": [{"properties": {}}]}, "anyOf"),
        ({"type": "array"}, "not an object schema"),
        ({"properties": {"x": {}}}, "without one of the types"),
    ],
)
def test_a_schema_v1_cannot_hold_is_a_400_naming_the_tool_and_the_construct(
    schema: dict[str, Any], construct: str
) -> None:
    with pytest.raises(InvalidRequest, match=construct) as caught:
        admission.check_chat(request(tools=(Tool("lookup", "Look up", schema),)))
    assert caught.value.param == "tools[0]" and "(lookup)" in caught.value.message
    admission.check_chat(request(tools=(Tool("lookup", "Look up", schema),), api_format="COHEREV2"))  # V2 takes it


def test_a_tool_name_v1_refuses() -> None:
    with pytest.raises(InvalidRequest, match="letters, digits and _") as caught:
        admission.check_chat(request(tools=(Tool("get-weather"),)))
    assert caught.value.param == "tools[0]"


@pytest.mark.parametrize(
    ("extra", "param", "words"),
    [
        ({"tool_choice": "required"}, "tool_choice", "tool_choice required is not supported for COHERE"),
        ({"tool_choice": "lookup"}, "tool_choice", "naming one function is not supported for COHERE"),
        ({"parallel_tool_calls": False}, "parallel_tool_calls", "several tools in one step"),
    ],
)
def test_what_v1_has_no_field_for_is_refused(extra: dict[str, Any], param: str, words: str) -> None:
    with pytest.raises(InvalidRequest, match=words) as caught:
        admission.check_chat(request(tools=(Tool("lookup"),), **extra))
    assert caught.value.param == param


def test_tool_choice_none_sends_no_tools_and_auto_sends_them() -> None:
    assert "tools" not in v1(request(tools=(Tool("lookup"),), tool_choice="none"))
    assert [t["name"] for t in v1(request(tools=(Tool("lookup"),), tool_choice="auto"))["tools"]] == ["lookup"]
    assert "isForceSingleStep" not in v1(request(tools=(Tool("lookup"),), parallel_tool_calls=True))


# --- the round trip: history, message and tool results ----------------------------------------------------------


def test_the_current_turns_results_go_in_tool_results_with_an_empty_message() -> None:
    asked = calls(("c1", "get_weather", {"city": "Paris"}), ("c2", "get_weather", {"city": "Rome"}))
    sent = v1(
        request(
            Message("system", "Be brief."),
            Message("user", "Weather in Paris and Rome?"),
            Message("assistant", "", tool_calls=asked),
            Message("tool", '{"temp": 21}', tool_call_id="c2"),
            Message("tool", "sunny", tool_call_id="c1"),
            tools=(Tool("get_weather", "Weather", WEATHER),),
        )
    )
    assert sent["message"] == "" and sent["preambleOverride"] == "Be brief."
    assert sent["chatHistory"] == [
        {"role": "USER", "message": "Weather in Paris and Rome?"},
        {
            "role": "CHATBOT",
            "message": "",
            "toolCalls": [
                {"name": "get_weather", "parameters": {"city": "Paris"}},
                {"name": "get_weather", "parameters": {"city": "Rome"}},
            ],
        },
    ]
    assert sent["toolResults"] == [  # in the order of the tool messages, each with the call it answers
        {"call": {"name": "get_weather", "parameters": {"city": "Rome"}}, "outputs": [{"temp": 21}]},
        {"call": {"name": "get_weather", "parameters": {"city": "Paris"}}, "outputs": [{"output": "sunny"}]},
    ]


def test_earlier_rounds_are_history_with_every_call_followed_by_its_results() -> None:
    asked = calls(("c1", "lookup", {"q": "a"}))
    sent = v1(
        request(
            Message("user", "Find a"),
            Message("assistant", "Looking.", tool_calls=asked),
            Message("tool", '[{"hit": 1}, {"hit": 2}]', tool_call_id="c1"),
            Message("assistant", "Found two."),
            Message("user", "Thanks"),
        )
    )
    assert sent["message"] == "Thanks" and "toolResults" not in sent
    assert [entry["role"] for entry in sent["chatHistory"]] == ["USER", "CHATBOT", "TOOL", "CHATBOT"]
    assert sent["chatHistory"][2]["toolResults"] == [
        {"call": {"name": "lookup", "parameters": {"q": "a"}}, "outputs": [{"hit": 1}, {"hit": 2}]}
    ]


def test_a_tool_output_that_was_the_answer_gets_a_chatbot_turn_before_the_next_user_turn() -> None:
    """V1 refuses a message after a history ending in tool results (oracle/langchain-oracle PR #9)."""
    sent = v1(
        request(
            Message("user", "Find a"),
            Message("assistant", "", tool_calls=calls(("c1", "lookup", {}))),
            Message("tool", "the answer", tool_call_id="c1"),
            Message("user", "And b?"),
        )
    )
    assert [entry["role"] for entry in sent["chatHistory"]] == ["USER", "CHATBOT", "TOOL", "CHATBOT"]
    assert sent["chatHistory"][-1] == {"role": "CHATBOT", "message": "the answer"}
    assert sent["message"] == "And b?"


def test_a_json_answer_is_repeated_as_its_decoded_value_so_no_escape_hides_a_character() -> None:
    """The CHATBOT copy is screened as plain text: it spells `\\u0040` as `@`, as the model reads it."""
    sent = v1(
        request(
            Message("user", "Find a"),
            Message("assistant", "", tool_calls=calls(("c1", "lookup", {}))),
            Message("tool", '{"r": "a\\u0040b.example", "n": [1, "\\u0069"]}', tool_call_id="c1"),
            Message("user", "And b?"),
        )
    )
    assert sent["chatHistory"][-1] == {"role": "CHATBOT", "message": '{"r": "a@b.example", "n": [1, "i"]}'}


@pytest.mark.parametrize(
    ("messages", "words"),
    [
        ((Message("user", "Hi"), Message("assistant", "Hello")), "last message must come from the user or be a tool"),
        (
            (Message("user", "Hi"), Message("assistant", "", tool_calls=calls(("c1", "f", {})))),
            "last message must come from the user or be a tool",
        ),
        (
            (
                Message("user", "Hi"),
                Message("assistant", "", tool_calls=calls(("c1", "f", {}), ("c2", "f", {}))),
                Message("tool", "1", tool_call_id="c1"),
            ),
            "'c2' .'f'. has no tool message answering it",
        ),
        (
            (
                Message("user", "Hi"),
                Message("assistant", "", tool_calls=calls(("c1", "f", {}))),
                Message("user", "never mind"),
            ),
            "has no tool message answering it",
        ),
        (
            (
                Message("user", "Hi"),
                Message("assistant", "", tool_calls=calls(("c1", "f", {}))),
                Message("tool", "1", tool_call_id="c9"),
            ),
            "'c9' matches no unanswered tool call",
        ),
        (
            (
                Message("user", "Hi"),
                Message("assistant", "", tool_calls=calls(("c1", "f", {}))),
                Message("tool", "1", tool_call_id="c1"),
                Message("tool", "1", tool_call_id="c1"),
            ),
            "'c1' matches no unanswered tool call",
        ),
        (
            (
                Message("user", "Hi"),
                Message("assistant", "", tool_calls=(ToolCall("c1", "f", "[1]"),)),
                Message("tool", "1", tool_call_id="c1"),
            ),
            "must be a JSON object",
        ),
        (
            (
                Message("user", "Hi"),
                Message("assistant", "", tool_calls=(ToolCall("c1", "f", '{"a": NaN}'),)),
                Message("tool", "1", tool_call_id="c1"),
            ),
            "arguments of tool call 'c1'.* NaN is not valid JSON",
        ),
    ],
)
def test_a_conversation_v1_cannot_carry_is_a_400(messages: tuple[Message, ...], words: str) -> None:
    with pytest.raises(InvalidRequest, match=words) as caught:
        admission.check_chat(request(*messages))
    assert (caught.value.status, caught.value.param) == (400, "messages")


def test_reply_calls_get_stable_distinct_ids_and_read_as_tool_calls() -> None:
    result = from_wire(
        {
            "modelId": COHERE_MODEL,
            "modelVersion": "1",
            "chatResponse": {
                "apiFormat": "COHERE",
                "text": "",
                "finishReason": "COMPLETE",
                "toolCalls": [
                    {"name": "get_weather", "parameters": {"city": "Paris"}},
                    {"name": "get_weather", "parameters": {"city": "Paris"}},
                ],
                "chatHistory": [{"role": "USER", "message": "echoed"}],
            },
        }
    )
    reply = to_reply(result, None, request())
    first, second = reply.tool_calls
    assert reply.finish_reason == "tool_calls"
    assert first.id != second.id and first.id == call_id(0, "get_weather", {"city": "Paris"})
    assert to_reply(result, None, request()).tool_calls == reply.tool_calls  # the same reply, the same ids
    assert json.loads(first.arguments) == {"city": "Paris"}


def test_the_openai_contract_round_trips_the_ids_it_answered() -> None:
    """The ids a reply carried resolve the caller's next turn: nothing is stored between the two requests."""
    settings = make_settings(**V1_PIN)
    first = call_id(0, "get_weather", {"city": "Paris"})
    body = {
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": first,
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": first, "content": "21 C"},
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}}],
    }
    sent = v1(CHAT.parse(body, settings))
    assert sent["toolResults"][0]["call"] == {"name": "get_weather", "parameters": {"city": "Paris"}}


def test_a_request_is_laid_out_and_its_tools_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the parse's check made of the request (its V1 layout, each tool's parameters) is what to_sdk sends:
    neither runs again when the call is made."""
    runs = {"_plan": 0, "_parameters": 0}
    for name in runs:
        real = getattr(cohere, name)

        def counted(*args: Any, _real: Any = real, _name: str = name) -> Any:
            runs[_name] += 1
            return _real(*args)

        monkeypatch.setattr(cohere, name, counted)
    body = {
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}}],
    }
    parsed = CHAT.parse(body, make_settings(**V1_PIN))
    sent = wire(families.get("COHERE").to_sdk(parsed))
    assert runs == {"_plan": 1, "_parameters": 1}
    assert sent["message"] == "Weather in Paris?" and sent["tools"][0]["parameterDefinitions"]["city"]["isRequired"]


# --- documents and citations ----------------------------------------------------------------------------------------

DOCUMENTS = (Document("doc_0", (("text", "Paris is in France."),)), Document("faq-7", (("title", "T"), ("text", "x"))))


def test_documents_go_to_v1_as_flat_objects_and_to_v2_as_id_and_data() -> None:
    grounded = {"documents": DOCUMENTS, "citation_quality": "fast", "safety_mode": "strict"}
    sent = v1(request(**grounded))
    assert sent["documents"] == [
        {"id": "doc_0", "text": "Paris is in France."},
        {"id": "faq-7", "title": "T", "text": "x"},
    ]
    assert (sent["citationQuality"], sent["safetyMode"]) == ("FAST", "STRICT")
    sent = v1(request(api_format="COHEREV2", **grounded))
    assert sent["documents"][1] == {"id": "faq-7", "data": {"title": "T", "text": "x"}}
    assert (sent["citationOptions"], sent["safetyMode"]) == ({"mode": "FAST"}, "STRICT")


@pytest.mark.parametrize(
    ("extra", "param"),
    [({"documents": DOCUMENTS}, "documents"), ({"safety_mode": "strict"}, "safety_mode")],
)
def test_generic_has_no_documents(extra: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequest, match="GENERIC") as caught:
        admission.check_chat(ChatRequest(LLAMA_MODEL, "GENERIC", (Message("user", "Hi"),), Params(9), **extra))
    assert caught.value.param == param


def test_citation_quality_off_is_v2s_alone() -> None:
    with pytest.raises(InvalidRequest, match="off is not supported for COHERE") as caught:
        admission.check_chat(request(documents=DOCUMENTS, citation_quality="off"))
    assert caught.value.param == "citation_quality"
    assert v1(request(api_format="COHEREV2", documents=DOCUMENTS, citation_quality="off"))["citationOptions"] == {
        "mode": "OFF"
    }


def test_citations_read_from_both_wire_shapes() -> None:
    v1_result = from_wire(
        {
            "modelId": COHERE_MODEL,
            "chatResponse": {
                "apiFormat": "COHERE",
                "text": "Paris is in France.",
                "finishReason": "COMPLETE",
                "citations": [{"start": 0, "end": 5, "text": "Paris", "documentIds": ["doc_0"]}],
            },
        }
    )
    assert to_reply(v1_result, None, request()).citations == (Citation(0, 5, "Paris", ("doc_0",)),)
    v2_result = from_wire(
        {
            "modelId": MODEL_OCID,
            "chatResponse": {
                "apiFormat": "COHEREV2",
                "id": "r1",
                "finishReason": "COMPLETE",
                "message": {
                    "role": "ASSISTANT",
                    "content": [{"type": "TEXT", "text": "Paris is in France."}],
                    "citations": [
                        {
                            "start": 0,
                            "end": 5,
                            "text": "Paris",
                            "type": "TEXT_CONTENT",
                            "sources": [
                                {"type": "DOCUMENT", "document": {"id": "doc_0", "document": {"text": "..."}}},
                                {"type": "TOOL", "tool": {"id": "get_weather_0", "toolOutput": {"t": 1}}},
                            ],
                        },
                        {"start": 0, "end": 3, "text": "Let", "type": "PLAN", "sources": []},
                    ],
                },
            },
        }
    )
    reply = to_reply(v2_result, None, request(api_format="COHEREV2"))
    assert reply.citations == (Citation(0, 5, "Paris", ("doc_0", "get_weather_0")),)


def test_documents_are_parsed_once_for_every_contract() -> None:
    parsed = grounding.documents(["plain", {"id": "mine", "title": "T", "text": "body"}])
    assert parsed == (Document("doc_0", (("text", "plain"),)), Document("mine", (("title", "T"), ("text", "body"))))


@pytest.mark.parametrize(
    ("body", "param", "words"),
    [
        ({"documents": "x"}, "documents", "must be a list"),
        ({"documents": [{"text": "a", "year": 2024}]}, "documents[0]", "must be a string"),
        ({"documents": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]}, "documents[1]", "repeats"),
        ({"documents": [{"id": "a"}]}, "documents[0]", "must hold some text"),
        ({"documents": [3]}, "documents[0]", "string or an object"),
        ({"safety_mode": "off"}, "safety_mode", "may not switch a safety setting off"),
        ({"safety_mode": "lenient"}, "safety_mode", "contextual, strict"),
        ({"citation_quality": "best"}, "citation_quality", "accurate, fast, off"),
    ],
)
def test_grounding_fields_are_checked(body: dict[str, Any], param: str, words: str) -> None:
    with pytest.raises(InvalidRequest, match=words) as caught:
        grounding.parse(body)
    assert caught.value.param == param
