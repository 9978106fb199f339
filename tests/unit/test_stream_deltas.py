"""Each family's stream events as neutral deltas (shapes: docs/emulator.md#streaming), and deltas_of/joined."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genai_fn.errors import UpstreamFailed
from genai_fn.families import cohere, coherev2, generic
from genai_fn.neutral.chat import ChatReply, ChatRequest, Message, Params, Usage
from genai_fn.neutral.features import Citation, ToolCall
from genai_fn.neutral.stream import ChatDelta, ToolCallDelta, deltas_of, joined

REQUEST = ChatRequest("m", "GENERIC", (Message("user", "hi"),), Params(max_tokens=10))
USAGE = {"promptTokens": 3, "completionTokens": 2, "totalTokens": 5}


def generic_text(text: str) -> dict[str, Any]:
    return {"index": 0, "message": {"role": "ASSISTANT", "content": [{"type": "TEXT", "text": text}]}}


def test_generic_text_then_finish_then_usage() -> None:
    events = [generic_text("Hello"), generic_text(" world"), {"index": 0, "finishReason": "stop"}, {"usage": USAGE}]
    deltas = list(generic.FAMILY.stream_deltas(events, REQUEST, "m"))
    assert [d.text for d in deltas] == ["Hello", " world", ""]
    assert deltas[-1] == ChatDelta(finish_reason="stop", usage=Usage(3, 2, 5))


def test_stream_texts_are_well_formed_and_usage_carries_its_details() -> None:
    details = {"promptTokensDetails": {"cachedTokens": 2}, "completionTokensDetails": {"reasoningTokens": 1}}
    events = [generic_text("a\ud800b"), {"index": 0, "finishReason": "stop"}, {"usage": {**USAGE, **details}}]
    deltas = list(generic.FAMILY.stream_deltas(events, REQUEST, "m"))
    assert deltas[0].text == "a\ufffdb", "a lone surrogate is U+FFFD, as in a whole reply"
    assert deltas[-1].usage == Usage(3, 2, 5, reasoning_tokens=1, cached_tokens=2)


def test_generic_tool_call_pieces_keep_their_call() -> None:
    def call(**fields: Any) -> dict[str, Any]:
        return {"index": 0, "message": {"role": "ASSISTANT", "toolCalls": [{"type": "FUNCTION", **fields}]}}

    events = [
        call(id="c1", name="f", arguments='{"a":'),
        call(arguments="1}"),
        call(id="c2", name="g", arguments="{}"),
        {"index": 0, "finishReason": "tool_calls"},
    ]
    deltas = list(generic.FAMILY.stream_deltas(events, REQUEST, "m"))
    pieces = [piece for d in deltas for piece in d.tool_calls]
    assert pieces == [ToolCallDelta(0, "c1", "f", '{"a":1}'), ToolCallDelta(1, "c2", "g", "{}")], (
        "a call's fragments are held and joined, released whole once checked"
    )
    reply = joined(deltas, "m")
    assert reply.tool_calls == (ToolCall("c1", "f", '{"a":1}'), ToolCall("c2", "g", "{}"))
    assert reply.finish_reason == "tool_calls"


@pytest.mark.parametrize(
    ("family", "events"),
    [
        (generic.FAMILY, [generic_text("cut")]),
        (cohere.FAMILY, [{"apiFormat": "COHERE", "text": "cut"}]),
        (coherev2.FAMILY, [{"apiFormat": "COHEREV2", "message": {"content": [{"type": "TEXT", "text": "x"}]}}]),
    ],
)
def test_a_stream_that_ends_before_its_finish_is_a_failure(family: Any, events: list[dict[str, Any]]) -> None:
    with pytest.raises(UpstreamFailed, match="ended before"):
        list(family.stream_deltas(events, REQUEST, "m"))


def test_cohere_v1_does_not_repeat_the_restated_text_and_reads_calls_citations_usage() -> None:
    events = [
        {"apiFormat": "COHERE", "text": "Paris"},
        {"apiFormat": "COHERE", "text": " is"},
        {"apiFormat": "COHERE", "text": "Paris is", "toolCalls": [{"name": "f", "parameters": {"x": 1}}]},
        {
            "apiFormat": "COHERE",
            "text": "Paris is",
            "chatHistory": [],
            "finishReason": "COMPLETE",
            "citations": [{"start": 0, "end": 5, "text": "Paris", "documentIds": ["d1"]}],
            "usage": USAGE,
        },
    ]
    deltas = list(cohere.FAMILY.stream_deltas(events, REQUEST, "m"))
    reply = joined(deltas, "m")
    assert reply.text == "Paris is"
    assert reply.tool_calls == (ToolCall(cohere.call_id(0, "f", {"x": 1}), "f", json.dumps({"x": 1})),)
    assert reply.citations == (Citation(0, 5, "Paris", ("d1",)),)
    assert deltas[-1] == ChatDelta(finish_reason="tool_calls", usage=Usage(3, 2, 5))


def generic_call(**fields: Any) -> dict[str, Any]:
    return {"index": 0, "message": {"role": "ASSISTANT", "toolCalls": [{"type": "FUNCTION", **fields}]}}


def v2_calls(*calls: tuple[str, str]) -> list[dict[str, Any]]:
    tool_calls = [
        {"id": f"t{i}", "type": "FUNCTION", "function": {"name": name, "arguments": arguments}}
        for i, (name, arguments) in enumerate(calls)
    ]
    return [
        {"apiFormat": "COHEREV2", "message": {"role": "ASSISTANT", "toolCalls": tool_calls}},
        {"apiFormat": "COHEREV2", "finishReason": "TOOL_CALL"},
    ]


REFUSED_ARGUMENTS = ('{"a": NaN}', '{"a": 1e400}', "[1, -Infinity]", "[" * 65 + "]" * 65)
"""Arguments upstream/chat.py `well_formed_reply` refuses in a whole reply: a number no JSON reader takes, too deep."""


@pytest.mark.parametrize("arguments", REFUSED_ARGUMENTS)
def test_generic_and_v2_streams_refuse_the_arguments_a_whole_reply_refuses(arguments: str) -> None:
    split = len(arguments) // 2
    generic_events = [
        generic_call(id="c1", name="f", arguments=arguments[:split]),
        generic_call(arguments=arguments[split:]),
        {"index": 0, "finishReason": "tool_calls"},
    ]
    released: list[ChatDelta] = []
    with pytest.raises(UpstreamFailed, match="tool call whose arguments"):
        for delta in generic.FAMILY.stream_deltas(generic_events, REQUEST, "m"):
            released.append(delta)
    assert not [d for d in released if d.tool_calls], "no fragment of the refused call was released"
    v2_request = replace(REQUEST, api_format="COHEREV2")
    with pytest.raises(UpstreamFailed, match="tool call whose arguments"):
        list(coherev2.FAMILY.stream_deltas(v2_calls(("f", arguments)), v2_request, "m"))


@pytest.mark.parametrize(
    "parameters", ['{"a": NaN}', '{"b": 1e400}', '{"c": -Infinity}', '{"d": ' + "[" * 64 + "]" * 64 + "}"]
)
def test_cohere_v1_stream_refuses_parameters_that_are_no_json(parameters: str) -> None:
    event = json.loads('{"toolCalls": [{"name": "f", "parameters": ' + parameters + "}]}")
    events = [event, {"finishReason": "COMPLETE"}]
    with pytest.raises(UpstreamFailed):
        list(cohere.FAMILY.stream_deltas(events, replace(REQUEST, api_format="COHERE"), "m"))


def test_cohere_v2_stream_keeps_only_the_first_call_without_parallel_calls() -> None:
    request = replace(REQUEST, api_format="COHEREV2", parallel_tool_calls=False)
    deltas = list(coherev2.FAMILY.stream_deltas(v2_calls(("f", "{}"), ("g", "{}")), request, "m"))
    assert [c.name for c in joined(deltas, "m").tool_calls] == ["f"]


def _sdk_reply(family: Any, events: list[dict[str, Any]], request: ChatRequest) -> ChatReply:
    """The whole reply the SDK's reader makes of the same calls (the reply's JSON, deserialized as the SDK does)."""
    from oci.generative_ai_inference import models as m

    from genai_fn.upstream.chat import well_formed_reply

    calls = [call for event in events for call in (event.get("message") or event).get("toolCalls", [])]
    if family is cohere.FAMILY:
        response: Any = m.CohereChatResponse(
            text="", finish_reason="COMPLETE", tool_calls=[m.CohereToolCall(**call) for call in calls]
        )
    else:
        message = m.CohereAssistantMessageV2(
            content=[], tool_calls=[m.CohereToolCallV2(id=c.get("id"), function=c["function"]) for c in calls]
        )
        response = m.CohereChatResponseV2(message=message, finish_reason="TOOL_CALL")
    return well_formed_reply(family.from_sdk(response, request, "m", None))


V1_CALLS = [
    {"toolCalls": [{"name": "f", "parameters": {"x": [1, "é"]}}, {"name": "g", "parameters": None}]},
    {"finishReason": "COMPLETE"},
]
V2_CALLS = [
    {
        "message": {
            "toolCalls": [
                {"function": {"name": "f", "arguments": '{"x": 1}'}},
                {"id": "t", "function": {"name": "g"}},
                {"id": "u", "function": {"arguments": "{}"}},
                {"id": "v", "function": {"name": "h", "arguments": "{}"}},
            ]
        }
    },
    {"finishReason": "TOOL_CALL"},
]


@pytest.mark.parametrize(
    ("family", "events", "parallel"),
    [(cohere.FAMILY, V1_CALLS, None), (coherev2.FAMILY, V2_CALLS, None), (coherev2.FAMILY, V2_CALLS, False)],
)
def test_a_stream_reads_its_calls_as_the_whole_reply_does(
    family: Any, events: list[dict[str, Any]], parallel: bool | None
) -> None:
    """One per-call reader per family serves both paths (an id-less call, a nameless entry, parallel calls off)."""
    request = replace(REQUEST, api_format=family.api_format, parallel_tool_calls=parallel)
    streamed = joined(family.stream_deltas(events, request, "m"), "m").tool_calls
    assert streamed == _sdk_reply(family, events, request).tool_calls
    assert len(streamed) == (1 if parallel is False else 3 if family is coherev2.FAMILY else 2)


def test_cohere_v1_error_finish_is_a_failure() -> None:
    with pytest.raises(UpstreamFailed, match="error"):
        list(cohere.FAMILY.stream_deltas([{"text": "x", "finishReason": "ERROR"}], REQUEST, "m"))


def test_cohere_v2_thinking_text_calls_citations_and_finish() -> None:
    def message(**fields: Any) -> dict[str, Any]:
        return {"apiFormat": "COHEREV2", "message": {"role": "ASSISTANT", **fields}}

    events = [
        message(content=[{"type": "THINKING", "thinking": "hm"}]),
        message(content=[{"type": "TEXT", "text": "Rome"}]),
        message(
            toolPlan="p", toolCalls=[{"id": "t1", "type": "FUNCTION", "function": {"name": "f", "arguments": "{}"}}]
        ),
        message(
            citations=[
                {
                    "start": 0,
                    "end": 4,
                    "text": "Rome",
                    "type": "TEXT_CONTENT",
                    "sources": [{"type": "DOCUMENT", "document": {"id": "d9"}}],
                }
            ]
        ),
        {"apiFormat": "COHEREV2", "finishReason": "TOOL_CALL", "usage": USAGE},
    ]
    reply = joined(coherev2.FAMILY.stream_deltas(events, REQUEST, "m"), "m")
    assert (reply.reasoning, reply.text) == ("hm", "Rome")
    assert reply.tool_calls == (ToolCall("t1", "f", "{}"),)
    assert reply.citations == (Citation(0, 4, "Rome", ("d9",)),)
    assert (reply.finish_reason, reply.usage) == ("tool_calls", Usage(3, 2, 5))


@pytest.mark.parametrize(
    "usage",
    [
        {"promptTokens": -4},
        {"completionTokens": True},
        {"totalTokens": 1.5},
        {"promptTokens": "7"},
        {"promptTokens": 2**53},
        {"promptTokensDetails": {"cachedTokens": -1}},
        {"completionTokensDetails": 3},
        [1],
    ],
)
def test_a_usage_whose_counts_cannot_be_true_is_the_services_failure(usage: Any) -> None:
    """As in a whole reply (families/_base.py read_usage): never read as 0, which would refund the reservation."""
    events = [{"index": 0, "finishReason": "stop"}, {"usage": usage}]
    with pytest.raises(UpstreamFailed):
        list(generic.FAMILY.stream_deltas(events, REQUEST, "m"))


def test_deltas_of_a_reply_join_back_to_it() -> None:
    reply = ChatReply(
        text="Rome",
        model="m",
        finish_reason="tool_calls",
        usage=Usage(1, 2, 3),
        tool_calls=(ToolCall("a", "f", "{}"), ToolCall("b", "g", '{"x":1}')),
        reasoning="why",
        citations=(Citation(0, 4, "Rome", ("d",)),),
    )
    deltas = list(deltas_of(reply))
    assert deltas[-1].finish_reason == "tool_calls" and not deltas[-1].has_content
    assert joined(deltas, "m") == reply


ARGUMENT_PIECES = st.sampled_from(['{"a": ', "1", "NaN", "1e400", "-Infinity", "[", "]", "}", '"x"', ", ", "not json"])


def _generic_reply(arguments: str) -> ChatReply:
    from oci.generative_ai_inference import models as m

    from genai_fn.upstream.chat import well_formed_reply

    message = m.AssistantMessage(tool_calls=[m.FunctionCall(id="c1", name="f", arguments=arguments)])
    response = m.GenericChatResponse(choices=[m.ChatChoice(index=0, message=message, finish_reason="tool_calls")])
    return well_formed_reply(generic.FAMILY.from_sdk(response, REQUEST, "m", None))


@given(pieces=st.lists(ARGUMENT_PIECES, max_size=8), depth=st.integers(0, 70))
def test_streamed_arguments_pass_exactly_when_the_whole_reply_would(pieces: list[str], depth: int) -> None:
    """Any arguments, in any fragments: a Generic stream releases the call the whole reply would hold, or fails
    where the whole reply fails (the one check, upstream/chat.py well_formed_call)."""
    arguments = "[" * depth + "".join(pieces) + "]" * depth
    events = [generic_call(id="c1", name="f", arguments="[" * depth)]
    events += [generic_call(arguments=piece) for piece in (*pieces, "]" * depth)]
    events.append({"index": 0, "finishReason": "tool_calls"})
    try:
        whole: tuple[ToolCall, ...] | None = _generic_reply(arguments).tool_calls
    except UpstreamFailed:
        whole = None
    try:
        streamed: tuple[ToolCall, ...] | None = joined(
            generic.FAMILY.stream_deltas(events, REQUEST, "m"), "m"
        ).tool_calls
    except UpstreamFailed:
        streamed = None
    assert streamed == whole
