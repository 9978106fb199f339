"""Cohere at full strength through the real fdk and the local gateway (issue 23): tools on cohere.command-a-03-2025
kept on Cohere V1 (apiFormat COHERE, MODEL_API_FORMATS; its default is COHEREV2) with the openai SDK (plain and
streamed), LangChain's bind_tools and the Responses API; the schemas V1 cannot hold refused before any call;
documents with citations on V1 and V2 in every contract; the docs' own MODEL_API_FORMATS example; a retired model
answered with its replacement, before the call when its retirement date has passed, after the service's refusal when
no page dates it. The emulator enforces the service's V1 round-trip rules (emulator/cohere_v1.py), so a wrong
history fails here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from localfn.gateway import LocalGateway
from tests.conftest import RunningFunction, function_config
from tests.constants import COHERE_MODEL, LLAMA_MODEL, V1_PIN

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "The city"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer"},
    },
    "required": ["city", "unit"],
}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather", "parameters": WEATHER}}]
QUESTION = {"role": "user", "content": "What is the weather in Paris?"}
DOCUMENTS = [
    "Paris is the capital of France.",
    {"id": "faq-7", "title": "Rome", "text": "Rome is the capital of Italy."},
]
RETIRED = "cohere.command-r-plus"
"""Retired on demand on 2025-01-16; the page names cohere.command-r-plus-08-2024 as its replacement."""
RETIRING = "cohere.command-r-08-2024"
"""No longer on the newer retirement page, but never dated: passed to the service (the emulator no longer serves it)."""


def _sent(upstream: Any) -> dict[str, Any]:
    return upstream.requests[-1].json["chatRequest"]


@pytest.fixture(scope="module")
def fn(start_module_function, emulator) -> RunningFunction:
    """Every test here but the V2 ones runs Command A on V1, pinned by configuration."""
    return start_module_function(function_config(emulator, **V1_PIN))


@pytest.fixture(scope="module")
def gateway(fn) -> Iterator[LocalGateway]:
    running = LocalGateway([fn.process.socket_path], port=0).start()
    yield running
    running.stop()


@pytest.fixture
def client(gateway, upstream) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{gateway.url}/genai/v1", api_key="unused", max_retries=0) as sdk:
        yield sdk


@pytest.fixture(scope="module")
def v2_function(start_module_function, emulator) -> RunningFunction:
    """Command A moved to Cohere's V2 API by name, as docs/configuration.md's MODEL_API_FORMATS example does; a
    retired model is still allowed in its configuration."""
    config = function_config(
        emulator,
        ALLOWED_MODELS=f"{COHERE_MODEL},{RETIRED},{RETIRING}",
        MODEL_API_FORMATS=f"{COHERE_MODEL}:COHEREV2",
    )
    return start_module_function(config)


@pytest.fixture(scope="module")
def v2_gateway(v2_function) -> Iterator[LocalGateway]:
    running = LocalGateway([v2_function.process.socket_path], port=0).start()
    yield running
    running.stop()


@pytest.fixture
def v2_client(v2_gateway, emulator) -> Iterator[openai.OpenAI]:
    emulator.reset()
    with openai.OpenAI(base_url=f"{v2_gateway.url}/genai/v1", api_key="unused", max_retries=0) as sdk:
        yield sdk
    emulator.reset()


# --- tools on V1 ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_openai_sdk_tool_round_trip_on_v1(client, upstream, stream):
    def complete(messages: list[dict[str, Any]]) -> Any:
        if not stream:
            return client.chat.completions.create(model=COHERE_MODEL, messages=messages, tools=TOOLS)
        with client.chat.completions.stream(model=COHERE_MODEL, messages=messages, tools=TOOLS) as events:
            return events.get_final_completion()

    asked = complete([QUESTION])
    choice = asked.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.function.name == "get_weather" and call.id.startswith("call_")
    # V1 has no enum: the model reads the allowed values in the description, and so does the emulated model
    assert json.loads(call.function.arguments) == {"city": "Paris", "unit": "celsius", "days": 1}
    sent = _sent(upstream)
    assert sent["apiFormat"] == "COHERE" and sent["message"] == QUESTION["content"]
    definitions = sent["tools"][0]["parameterDefinitions"]
    assert definitions["unit"]["description"] == 'one of: ["celsius", "fahrenheit"]'
    assert {name: (d["type"], d["isRequired"]) for name, d in definitions.items()} == {
        "city": ("str", True),
        "unit": ("str", True),
        "days": ("int", False),
    }

    assistant = choice.message.model_dump(exclude_none=True)
    final = complete([QUESTION, assistant, {"role": "tool", "tool_call_id": call.id, "content": '{"temp": 18}'}])
    assert final.choices[0].message.content == "Emulated reply to: What is the weather in Paris?"
    assert final.choices[0].finish_reason == "stop" and not final.choices[0].message.tool_calls
    sent = _sent(upstream)
    assert sent["message"] == ""  # V1: the current turn's results go in toolResults, with no message
    assert sent["chatHistory"] == [
        {"role": "USER", "message": QUESTION["content"]},
        {
            "role": "CHATBOT",
            "message": "",
            "toolCalls": [{"name": "get_weather", "parameters": json.loads(call.function.arguments)}],
        },
    ]
    assert sent["toolResults"] == [
        {"call": {"name": "get_weather", "parameters": json.loads(call.function.arguments)}, "outputs": [{"temp": 18}]}
    ]


@tool
def get_weather(city: str, unit: str = "celsius") -> str:
    """Weather for a city."""
    return f"18 degrees {unit} and sunny in {city}"


def test_langchain_bind_tools_round_trip_on_v1(gateway, upstream):
    llm = ChatOpenAI(model=COHERE_MODEL, base_url=f"{gateway.url}/genai/v1", api_key="unused", max_retries=0)
    with_tools = llm.bind_tools([get_weather])
    question = HumanMessage("What is the weather in Paris?")

    asked = with_tools.invoke([question])
    (call,) = asked.tool_calls
    assert call["name"] == "get_weather" and call["args"]["city"] == "Paris"
    definitions = _sent(upstream)["tools"][0]["parameterDefinitions"]
    assert definitions["city"]["isRequired"] is True and definitions["unit"]["isRequired"] is False

    result = get_weather.invoke(call["args"])
    final = with_tools.invoke([question, asked, ToolMessage(result, tool_call_id=call["id"])])
    assert final.tool_calls == [] and final.content == "Emulated reply to: What is the weather in Paris?"
    sent = _sent(upstream)
    assert sent["apiFormat"] == "COHERE" and sent["toolResults"][0]["outputs"] == [{"output": result}]


def test_responses_function_tool_round_trip_on_v1(client, upstream):
    tool_spec = {"type": "function", "name": "get_weather", "description": "Weather", "parameters": WEATHER}
    first = client.responses.create(model=COHERE_MODEL, input="What is the weather in Paris?", tools=[tool_spec])
    (call,) = [item for item in first.output if item.type == "function_call"]
    assert call.name == "get_weather" and json.loads(call.arguments)["city"] == "Paris"

    final = client.responses.create(
        model=COHERE_MODEL,
        tools=[tool_spec],
        input=[
            {"role": "user", "content": "What is the weather in Paris?"},
            call.model_dump(exclude_none=True),
            {"type": "function_call_output", "call_id": call.call_id, "output": "18 degrees and sunny"},
            {"role": "user", "content": "Thanks, summarise it."},
        ],
    )
    assert final.output_text == "Emulated reply to: Thanks, summarise it."
    history = _sent(upstream)["chatHistory"]
    # The tool's output was the answer: V1 needs a CHATBOT turn between the TOOL entry and the user's next turn.
    assert [entry["role"] for entry in history] == ["USER", "CHATBOT", "TOOL", "CHATBOT"]
    assert history[-1]["message"] == "18 degrees and sunny"


@pytest.mark.parametrize(
    ("parameters", "construct"),
    [
        (
            {"type": "object", "properties": {"place": {"type": "object", "properties": {"city": {"type": "string"}}}}},
            "nested object",
        ),
        (
            {"type": "object", "properties": {"rows": {"type": "array", "items": {"type": "object"}}}},
            "array of objects",
        ),
        ({"type": "object", "properties": {"id": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}}, "union"),
        ({"$defs": {"P": {"type": "string"}}, "type": "object", "properties": {"p": {"$ref": "#/$defs/P"}}}, "$ref"),
    ],
)
def test_a_schema_v1_cannot_hold_is_a_400_before_any_call(client, upstream, parameters, construct):
    tools = [{"type": "function", "function": {"name": "plan_trip", "parameters": parameters}}]
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model=COHERE_MODEL, messages=[QUESTION], tools=tools)
    body = raised.value.body
    assert body["param"] == "tools[0]" and "(plan_trip)" in body["message"] and construct in body["message"]
    assert len(upstream.requests) == 0
    assert client.chat.completions.create(model=LLAMA_MODEL, messages=[QUESTION], tools=tools).choices[0]  # Generic


def test_what_v1_has_no_field_for_is_a_400(client, upstream):
    for extra, param in (
        ({"tool_choice": "required"}, "tool_choice"),
        ({"parallel_tool_calls": False}, "parallel_tool_calls"),
    ):
        with pytest.raises(openai.BadRequestError) as raised:
            client.chat.completions.create(model=COHERE_MODEL, messages=[QUESTION], tools=TOOLS, **extra)
        assert raised.value.body["param"] == param
    none = client.chat.completions.create(model=COHERE_MODEL, messages=[QUESTION], tools=TOOLS, tool_choice="none")
    assert none.choices[0].message.content and "tools" not in _sent(upstream)  # none: the tools are not sent
    assert len(upstream.requests) == 1


# --- documents and citations, V1 and V2, in every contract ---------------------------------------------------------


def _simple(function: RunningFunction, **body: Any) -> dict[str, Any]:
    reply = function.invoke(
        {"input": "Capital of France?", **body}, gateway=True, url="/genai/chat", headers={"Accept": "application/json"}
    )
    assert reply.status == 200, reply.body
    return json.loads(reply.body)


EXPECTED = [{"start": 19, "end": 37, "text": "Capital of France?", "document_ids": ["doc_0", "faq-7"]}]
"""The emulated model cites every document for the echoed question (docs/emulator.md)."""


@pytest.mark.parametrize("api_format", ["COHERE", "COHEREV2"])
def test_documents_get_citations_in_every_contract(fn, v2_function, v2_client, gateway, emulator, api_format):
    function = fn if api_format == "COHERE" else v2_function
    emulator.reset()
    grounded = {"documents": DOCUMENTS, "citation_quality": "accurate", "safety_mode": "strict"}

    assert _simple(function, **grounded)["citations"] == EXPECTED
    sent = _sent(emulator)
    assert sent["apiFormat"] == api_format and sent["safetyMode"] == "STRICT"
    if api_format == "COHERE":
        assert sent["documents"] == [
            {"id": "doc_0", "text": DOCUMENTS[0]},
            {"id": "faq-7", "title": "Rome", "text": "Rome is the capital of Italy."},
        ]
        assert sent["citationQuality"] == "ACCURATE"
    else:
        assert sent["documents"][1] == {
            "id": "faq-7",
            "data": {"title": "Rome", "text": "Rome is the capital of Italy."},
        }
        assert sent["citationOptions"] == {"mode": "ACCURATE"}

    url = f"{gateway.url}/genai/v1" if api_format == "COHERE" else str(v2_client.base_url)
    with openai.OpenAI(base_url=url, api_key="unused", max_retries=0) as sdk:
        question = [{"role": "user", "content": "Capital of France?"}]
        completion = sdk.chat.completions.create(model=COHERE_MODEL, messages=question, extra_body=grounded)
        assert completion.choices[0].message.model_extra["citations"] == EXPECTED
        with sdk.chat.completions.stream(model=COHERE_MODEL, messages=question, extra_body=grounded) as events:
            streamed = events.get_final_completion()
        assert streamed.choices[0].message.model_extra["citations"] == EXPECTED
        response = sdk.responses.create(model=COHERE_MODEL, input="Capital of France?", extra_body=grounded)
        text = response.output[0].content[0]
        assert text.annotations == [] and text.model_extra["citations"] == EXPECTED


def test_documents_on_a_family_without_them_are_a_400(client, upstream):
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model=LLAMA_MODEL, messages=[QUESTION], extra_body={"documents": DOCUMENTS})
    assert raised.value.body["param"] == "documents" and "GENERIC" in raised.value.body["message"]
    assert len(upstream.requests) == 0


# --- the catalogue --------------------------------------------------------------------------------------------------


def test_the_docs_model_api_formats_example_works(v2_client, emulator):
    completion = v2_client.chat.completions.create(model=COHERE_MODEL, messages=[QUESTION], tools=TOOLS)
    assert completion.choices[0].finish_reason == "tool_calls"
    assert _sent(emulator)["apiFormat"] == "COHEREV2"


def test_a_retired_model_is_a_400_naming_its_replacement(v2_client, emulator):
    with pytest.raises(openai.BadRequestError) as raised:
        v2_client.chat.completions.create(model=RETIRED, messages=[QUESTION])
    message = raised.value.body["message"]
    assert raised.value.body["param"] == "model" and "retired" in message and "on 2025-01-16" in message
    assert "use cohere.command-r-plus-08-2024" in message and f"{COHERE_MODEL} as its replacement in turn" in message
    assert len(emulator.requests) == 0


def test_a_model_retired_without_a_date_is_the_services_to_refuse(v2_client, emulator):
    """The page gives no date: the call is made, and the service's refusal names the replacement."""
    with pytest.raises(openai.APIStatusError) as raised:
        v2_client.chat.completions.create(model=RETIRING, messages=[QUESTION])
    assert [r.json["servingMode"]["modelId"] for r in emulator.requests] == [RETIRING]
    assert f"OCI lists {RETIRING} as retiring: use {COHERE_MODEL}" in raised.value.body["message"]
