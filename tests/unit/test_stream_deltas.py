"""Each family's stream events as neutral deltas (shapes: docs/emulator.md#streaming), and deltas_of/joined."""

from __future__ import annotations

import json
from typing import Any

import pytest

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
    assert pieces == [
        ToolCallDelta(0, "c1", "f", '{"a":'),
        ToolCallDelta(0, None, None, "1}"),
        ToolCallDelta(1, "c2", "g", "{}"),
    ]
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
