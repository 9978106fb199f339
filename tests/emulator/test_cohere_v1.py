"""The emulated service's Cohere V1 tool round trip and grounded answers (docs/emulator.md), driven with the real oci
SDK client: V1 calls in the service's shape (name and parameters, no id), the rules a wrong history breaks, and
citations of the request's documents in V1 and V2."""

from __future__ import annotations

from typing import Any

import oci
import pytest
from oci.generative_ai_inference import models as m

from tests.emulator.conftest import COMPARTMENT

COMMAND_A = "cohere.command-a-03-2025"
WEATHER = m.CohereTool(
    name="get_weather",
    description="Weather in a city",
    parameter_definitions={
        "city": m.CohereParameterDefinition(type="str", is_required=True),
        "days": m.CohereParameterDefinition(type="int"),
    },
)
CALL = m.CohereToolCall(name="get_weather", parameters={"city": "Paris", "days": 1})
RESULT = m.CohereToolResult(call=CALL, outputs=[{"temperature": 21}])


def _chat(client: Any, request: Any, model: str = COMMAND_A) -> Any:
    details = m.ChatDetails(
        compartment_id=COMPARTMENT, serving_mode=m.OnDemandServingMode(model_id=model), chat_request=request
    )
    return client.chat(details).data.chat_response


def _refused(client: Any, request: Any, words: str) -> None:
    with pytest.raises(oci.exceptions.ServiceError) as raised:
        _chat(client, request)
    assert raised.value.status == 400 and words in raised.value.message, raised.value.message


def test_a_v1_tool_round_trip(client) -> None:
    """Call in the service's shape, then a text answer once the results come back in toolResults."""
    asked = _chat(client, m.CohereChatRequest(message="What is the weather in Paris?", tools=[WEATHER]))
    assert isinstance(asked, m.CohereChatResponse) and asked.finish_reason == "COMPLETE"
    (call,) = asked.tool_calls
    assert (call.name, call.parameters) == ("get_weather", {"city": "Paris", "days": 1})
    assert asked.chat_history[-1].tool_calls[0].name == "get_weather"  # the echo holds the call too

    history = [m.CohereUserMessage(message="What is the weather in Paris?"), m.CohereChatBotMessage(tool_calls=[CALL])]
    answered = _chat(
        client, m.CohereChatRequest(message="", chat_history=history, tools=[WEATHER], tool_results=[RESULT])
    )
    assert answered.text == "Emulated reply to: What is the weather in Paris?" and not answered.tool_calls


@pytest.mark.parametrize(
    ("request_", "words"),
    [
        (  # a message beside the current turn's results
            m.CohereChatRequest(
                message="and?",
                chat_history=[m.CohereUserMessage(message="Hi"), m.CohereChatBotMessage(tool_calls=[CALL])],
                tool_results=[RESULT],
            ),
            "cannot specify message if the last entry in chat history contains tool results",
        ),
        (  # a message after a history ending in tool results
            m.CohereChatRequest(
                message="and?",
                chat_history=[
                    m.CohereUserMessage(message="Hi"),
                    m.CohereChatBotMessage(tool_calls=[CALL]),
                    m.CohereToolMessage(tool_results=[RESULT]),
                ],
            ),
            "cannot specify message if the last entry in chat history contains tool results",
        ),
        (  # a call in the history with no TOOL entry after it
            m.CohereChatRequest(
                message="and?",
                chat_history=[
                    m.CohereUserMessage(message="Hi"),
                    m.CohereChatBotMessage(tool_calls=[CALL]),
                    m.CohereChatBotMessage(message="Done"),
                ],
            ),
            "must be followed by tool messages responding to each 'tool_call_id'",
        ),
        (  # a result for another call than the one asked
            m.CohereChatRequest(
                message="",
                chat_history=[m.CohereUserMessage(message="Hi"), m.CohereChatBotMessage(tool_calls=[CALL])],
                tool_results=[
                    m.CohereToolResult(call=m.CohereToolCall(name="get_weather", parameters={}), outputs=[{"t": 1}])
                ],
            ),
            "must be followed by tool messages",
        ),
        (  # results that follow no call
            m.CohereChatRequest(message="", chat_history=[m.CohereUserMessage(message="Hi")], tool_results=[RESULT]),
            "toolResults must answer the tool calls",
        ),
        (  # an empty message without results
            m.CohereChatRequest(message=" "),
            "chatRequest.message: must not be blank",
        ),
        (  # a parameter type that is not a Python type
            m.CohereChatRequest(
                message="Hi",
                tools=[
                    m.CohereTool(
                        name="f",
                        description="d",
                        parameter_definitions={"x": m.CohereParameterDefinition(type="string")},
                    )
                ],
            ),
            "must be a valid Python type",
        ),
        (
            m.CohereChatRequest(message="Hi", tools=[m.CohereTool(name="get-weather", description="d")]),
            "tools[0].name",
        ),
    ],
)
def test_a_history_the_service_refuses_is_refused(client, request_: Any, words: str) -> None:
    _refused(client, request_, words)


def test_tool_outputs_must_be_objects(client) -> None:
    result = m.CohereToolResult(call=CALL, outputs=["21 degrees"])
    history = [m.CohereUserMessage(message="Hi"), m.CohereChatBotMessage(tool_calls=[CALL])]
    _refused(client, m.CohereChatRequest(message="", chat_history=history, tool_results=[result]), "must be an object")


def test_documents_are_cited_and_echoed_in_v1(client) -> None:
    documents = [{"id": "doc_0", "text": "Paris is the capital of France."}, {"id": "faq", "text": "x"}]
    reply = _chat(client, m.CohereChatRequest(message="Capital of France?", documents=documents))
    (citation,) = reply.citations
    assert reply.text[citation.start : citation.end] == citation.text == "Capital of France?"
    assert citation.document_ids == ["doc_0", "faq"]
    assert reply.documents == documents  # echoed, as chatHistory is


def test_documents_are_cited_in_v2(client) -> None:
    request = m.CohereChatRequestV2(
        messages=[m.CohereUserMessageV2(content=[m.CohereTextContentV2(text="Capital of France?")])],
        documents=[{"id": "doc_0", "data": {"text": "Paris"}}],
        citation_options=m.CitationOptionsV2(mode="ACCURATE"),
    )
    reply = _chat(client, request)  # Command A takes V2 too (emulator/catalog.py CHAT_FORMATS)
    (citation,) = reply.message.citations
    assert citation.text == "Capital of France?" and [s.document.id for s in citation.sources] == ["doc_0"]
    assert _chat(client, request, model="cohere.command-a-vision").message.citations[0].sources[0].type == "DOCUMENT"
