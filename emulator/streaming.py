"""Chat replies as the service streams them (`isStream: true`): the events of each apiFormat, spaced in time.

The pinned SDK has no models for stream events: `GenerativeAiInferenceClient.chat` sends
`accept: application/json, text/event-stream`, and `BaseClient.call_api` hands a `text/event-stream` reply to
`oci._vendor.sseclient.SSEClient` (`response.data.events()`, each `event.data` one JSON object). The shapes below
come from the clients that parse the real service's events; docs/emulator.md#streaming lists each with its source:

- COHERE: text deltas `{"apiFormat": "COHERE", "text": "tok"}`; an event restating the whole text with `toolCalls`;
  the terminal event restating the text with `chatHistory` and `finishReason` (LiteLLM
  `litellm/llms/oci/chat/cohere.py` `handle_cohere_stream_chunk`, `litellm/types/llms/oci.py` `CohereStreamChunk`),
  usage on that terminal event (langchain-oracle `libs/oci/langchain_oci/chat_models/providers/base.py`
  `chat_stream_usage`).
- COHEREV2: `message.content[0]` deltas of type TEXT (`text`) or THINKING (`thinking`), a final event with
  `finishReason` (cohere-python `src/cohere/oci_client.py` `transform_stream_event`).
- GENERIC: `{"index": 0, "message": {"role": "ASSISTANT", "content": [{"type": "TEXT", "text": "tok"}]}}` deltas,
  tool-call arguments accumulating per choice (NVIDIA NeMo Relay `OCIGenAIStreamingCodec`), a final
  `{"index": 0, "finishReason": ...}` event, then a usage-only event (langchain-oracle, as above).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from emulator.responses import Completion, chat_result

STREAM_FAULTS = frozenset({"stream_cut", "stream_stall", "stream_error"})
"""Faults carried out while a stream is sent (faults.FAULT_PARAMS holds their parameters)."""
STREAM_ERROR = {"code": "InternalServerError", "message": "The model stopped while streaming."}
"""The error event of `stream_error`. Unverified: no source shows what the service sends when it fails mid-stream."""
ARGUMENT_PIECE = 8
"""Characters of a Generic tool call's arguments per event."""


@dataclass
class StreamRecord:
    """When each event of one streamed reply left the emulator (time.monotonic()), for tests of pacing."""

    total: int
    sent: list[float] = field(default_factory=list)
    closed_early: bool = False


class StreamLog:
    """Every streamed reply, in the order they started: thread-safe append, snapshot and clear."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[StreamRecord] = []

    def start(self, total: int) -> StreamRecord:
        record = StreamRecord(total)
        with self._lock:
            self._items.append(record)
        return record

    def snapshot(self) -> list[StreamRecord]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass
class StreamPlan:
    """The events of one reply and how to send them: `gap` seconds between events; `cut_after`, `stall_after`
    and `error_after` (event counts) carry out a stream fault."""

    events: list[bytes]
    record: StreamRecord
    gap: float = 0.0
    cut_after: int | None = None
    stall_after: int | None = None
    stall: float = 0.0
    error_after: int | None = None


def encode(event: dict[str, Any]) -> bytes:
    """One data-only server-sent event (the SDK's docs: "sent as data-only server-sent events")."""
    return f"data: {json.dumps(event)}\n\n".encode()


def _pieces(text: str) -> list[str]:
    """The text as the model emits it: one word per event, the space before it kept."""
    words = text.split(" ")
    return [word if i == 0 else " " + word for i, word in enumerate(words) if word or i == 0] if text else []


def _usage(request: dict[str, Any], completion: Completion) -> dict[str, Any] | None:
    """Usage only when asked for (`streamOptions.isIncludeUsage`, the SDK's `StreamOptions.is_include_usage`)."""
    return completion.usage() if (request.get("streamOptions") or {}).get("isIncludeUsage") else None


def _cohere_events(request: dict[str, Any], completion: Completion) -> list[dict[str, Any]]:
    final = chat_result("", "COHERE", request, completion)["chatResponse"]
    events: list[dict[str, Any]] = [{"apiFormat": "COHERE", "text": piece} for piece in _pieces(completion.text)]
    if "toolCalls" in final:
        events.append({"apiFormat": "COHERE", "text": completion.text, "toolCalls": final["toolCalls"]})
    last: dict[str, Any] = {
        "apiFormat": "COHERE",
        "text": completion.text,
        "chatHistory": final["chatHistory"],
        "finishReason": final["finishReason"],
    }
    if "citations" in final:  # unverified: where the service puts V1 citations on a stream
        last["citations"] = final["citations"]
    usage = _usage(request, completion)
    if usage is not None:
        last["usage"] = usage
    return [*events, last]


def _cohere_v2_events(request: dict[str, Any], completion: Completion) -> list[dict[str, Any]]:
    final = chat_result("", "COHEREV2", request, completion)["chatResponse"]
    message = final["message"]

    def delta(**fields: Any) -> dict[str, Any]:
        return {"apiFormat": "COHEREV2", "message": {"role": "ASSISTANT", **fields}}

    events = [delta(content=[{"type": "THINKING", "thinking": piece}]) for piece in _pieces(completion.reasoning or "")]
    events += [delta(content=[{"type": "TEXT", "text": piece}]) for piece in _pieces(completion.text)]
    if "toolCalls" in message:  # unverified: V2 tool calls arrive whole, with the plan, as in the reply
        events.append(delta(toolPlan=message["toolPlan"], toolCalls=message["toolCalls"]))
    if "citations" in message:  # unverified: V2 citations after the text they cite
        events.append(delta(citations=message["citations"]))
    last: dict[str, Any] = {"apiFormat": "COHEREV2", "finishReason": final["finishReason"]}
    usage = _usage(request, completion)
    if usage is not None:
        last["usage"] = usage
    return [*events, last]


def _generic_events(request: dict[str, Any], completion: Completion) -> list[dict[str, Any]]:
    final = chat_result("", "GENERIC", request, completion)["chatResponse"]["choices"][0]

    def delta(**fields: Any) -> dict[str, Any]:
        return {"index": 0, "message": {"role": "ASSISTANT", **fields}}

    events = [delta(reasoningContent=piece) for piece in _pieces(completion.reasoning or "")]  # unverified name
    events += [delta(content=[{"type": "TEXT", "text": piece}]) for piece in _pieces(completion.text)]
    for call in final["message"].get("toolCalls", []):
        arguments = call["arguments"]
        pieces = [arguments[i : i + ARGUMENT_PIECE] for i in range(0, len(arguments), ARGUMENT_PIECE)] or [""]
        events.append(delta(toolCalls=[{**call, "arguments": pieces[0]}]))
        events += [delta(toolCalls=[{"type": "FUNCTION", "arguments": piece}]) for piece in pieces[1:]]
    events.append({"index": 0, "finishReason": final["finishReason"]})
    usage = _usage(request, completion)
    if usage is not None:
        events.append({"usage": usage})
    return events


def chat_events(request: dict[str, Any], completion: Completion) -> list[dict[str, Any]]:
    """The events of a streamed reply in the request's apiFormat."""
    api_format = request["apiFormat"]
    if api_format == "COHERE":
        return _cohere_events(request, completion)
    if api_format == "COHEREV2":
        return _cohere_v2_events(request, completion)
    return _generic_events(request, completion)


def plan(
    events: list[dict[str, Any]], seconds: float, log: StreamLog, fault: str | None, params: dict[str, float]
) -> StreamPlan:
    """Spread the events over about `seconds` (the emulator's `stream_seconds`), with a stream fault if queued."""
    encoded = [encode(event) for event in events]
    gap = seconds / (len(encoded) - 1) if seconds > 0 and len(encoded) > 1 else 0.0
    result = StreamPlan(encoded, log.start(len(encoded)), gap)
    after = int(params.get("after", 0))
    if fault == "stream_cut":
        result.cut_after = after
    elif fault == "stream_stall":
        result.stall_after, result.stall = after, params.get("stall", 0.0)
    elif fault == "stream_error":
        result.error_after = after
    return result


__all__ = ["STREAM_ERROR", "STREAM_FAULTS", "StreamLog", "StreamPlan", "StreamRecord", "chat_events", "plan"]
