"""Cohere V2 (apiFormat COHEREV2, `CohereChatRequestV2`): the whole conversation as typed messages, with tools,
images, thinking, documents and citations.

`toolsChoice` is only REQUIRED or NONE (auto is the default): `required` is every tool and REQUIRED, a tool_choice
naming one function is that one tool alone and REQUIRED ("the model will be forced to use at least one of the user-
defined tools", CohereChatRequestV2.tools_choice; "only compatible with models Command-r7b and newer"), so the model
can call nothing else; `none` is NONE. `parallel_tool_calls` has no V2 field (CohereChatRequestV2 has none, nor has
V1's CohereChatRequest: `isForceSingleStep` is not that switch), so `false` is honoured on the reply: only the
model's first tool call is returned (docs/openai.md). A reasoning effort maps to `thinking` (CohereThinkingV2:
ENABLED / DISABLED), since V2 has no effort scale. Documents go as Cohere's V2 document objects, `{"id", "data":
{fields}}` (Cohere's V2 chat API; its OCI client passes them to COHEREV2 unchanged, cohere-ai/cohere-python
src/cohere/oci_client.py); `citation_quality` is `citationOptions.mode` (ACCURATE, FAST, OFF); a citation's sources
(a document or a tool result) become the ids it cites.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from oci.generative_ai_inference import models as m

from .. import lazy
from ..errors import UpstreamFailed
from ..neutral.chat import ChatReply, ChatRequest, Message
from ._base import (
    JSON,
    MEDIA_URL,
    NAME,
    STOP_SEQUENCES,
    Family,
    Reading,
    anchored,
    content,
    finish_reason,
    sampling,
    stream_cut,
    stream_list,
    stream_text,
    stream_usage,
    unreadable,
    usage,
    well_formed_call,
)
from .cohere import CohereV1, safety, stop_and_format

if TYPE_CHECKING:  # feature types load on first use (neutral/features.py)
    pass

if TYPE_CHECKING:
    from ..neutral import features
    from ..neutral import stream as neutral_stream
else:  # loaded on first use: not every call needs them
    features = lazy("genai_fn.neutral.features")
    neutral_stream = lazy("genai_fn.neutral.stream")


class CohereV2(Family):
    api_format = "COHEREV2"
    ranges = CohereV1.ranges  # the SDK's CohereChatRequestV2 docstrings repeat V1's

    features = frozenset(
        {
            "tools",
            "tool_choice_required",
            "named_tool_choice",
            "images",
            "json_object",
            "json_schema",
            "reasoning_effort",
            "stop",
            "seed",
            "documents",
            "citation_quality",
            "safety_mode",
        }
    )

    reading = Reading(
        not_text={("CohereChatRequestV2", "stop_sequences"): STOP_SEQUENCES, ("CohereImageUrlV2", "url"): MEDIA_URL},
        kinds={
            ("Function", "name"): NAME,
            ("CohereToolCallV2", "id"): NAME,
            ("CohereToolMessageV2", "tool_call_id"): NAME,
            ("CohereCitationDocument", "id"): NAME,
            ("CohereCitationToolV2", "id"): NAME,
        },
        keys={
            ("CohereChatRequestV2", "documents"): {"id": NAME},  # what citations name it by: screened, never masked
            ("CohereToolCallV2", "function"): {"name": NAME, "arguments": JSON},
        },
        json_parts=frozenset({"CohereToolMessageV2"}),
        joined=frozenset({"CohereTextContentV2"}),  # a turn's text parts: one text to the model
    )

    def to_sdk(self, request: ChatRequest) -> m.CohereChatRequestV2:
        extra = {**stop_and_format(request), **safety(request)}
        if request.documents:
            extra["documents"] = [{"id": d.id, "data": dict(d.fields)} for d in request.documents]
        if request.citation_quality:
            extra["citation_options"] = m.CitationOptionsV2(mode=request.citation_quality.upper())
        extra.update(_tools(request))
        effort = request.reasoning.effort if request.reasoning else None
        if effort is not None:
            extra["thinking"] = m.CohereThinkingV2(type="DISABLED" if effort in ("none", "minimal") else "ENABLED")
        return m.CohereChatRequestV2(
            messages=[_message(msg) for msg in request.messages],
            is_stream=False,
            **sampling(request),
            **extra,
        )

    def from_sdk(self, response: Any, request: ChatRequest, model: str, opc_request_id: str | None) -> ChatReply:
        if not isinstance(response, m.CohereChatResponseV2) or response.message is None:
            raise unreadable(opc_request_id)
        if response.finish_reason == "ERROR":
            raise UpstreamFailed(
                "the model stopped with an error before finishing its reply", opc_request_id=opc_request_id
            )
        message = response.message
        parts = message.content or []
        calls: list[features.ToolCall] = []
        for raw in message.tool_calls or []:
            call = _reply_call(request, len(calls), raw.id, raw.function)
            if call is not None:
                calls.append(call)
        thinking = [p.thinking for p in parts if isinstance(p, m.CohereThinkingContentV2) and p.thinking]
        text = "".join(p.text for p in parts if isinstance(p, m.CohereTextContentV2) and p.text)
        return ChatReply(
            text=text,
            model=model,
            finish_reason=finish_reason(response.finish_reason),
            usage=usage(response.usage, opc_request_id),
            opc_request_id=opc_request_id,
            tool_calls=tuple(calls),
            reasoning="".join(thinking) or None,
            citations=anchored(text, _citations(message.citations or [])),
        )

    def stream_deltas(
        self, events: Iterable[dict[str, Any]], request: ChatRequest, model: str
    ) -> Iterator[neutral_stream.ChatDelta]:
        """V2 events: `message.content[]` TEXT (`text`) and THINKING (`thinking`) pieces, `message.toolCalls`
        and `message.citations` whole, then `finishReason` (and `usage`) (docs/emulator.md#streaming). Each call is
        read as a whole reply's is (`_reply_call`) and well formed as one (upstream/chat.py) before it is released."""

        text: list[str] = []
        calls = 0
        for event in events:
            message = event.get("message")
            if isinstance(message, dict):
                parts = [p for p in stream_list(message.get("content")) if isinstance(p, dict)]
                piece = "".join(stream_text(p.get("text")) for p in parts if p.get("type") == "TEXT")
                text.append(piece)
                pieces = []
                for raw in stream_list(message.get("toolCalls")):
                    fields = raw if isinstance(raw, dict) else {}
                    call = _reply_call(request, calls, fields.get("id"), fields.get("function"))
                    if call is not None:
                        call = well_formed_call(call)
                        pieces.append(neutral_stream.ToolCallDelta(calls, call.id, call.name, call.arguments))
                        calls += 1
                delta = neutral_stream.ChatDelta(
                    text=piece,
                    reasoning="".join(stream_text(p.get("thinking")) for p in parts if p.get("type") == "THINKING"),
                    tool_calls=tuple(pieces),
                    citations=anchored("".join(text), _stream_citations(message.get("citations"))),
                )
                if delta.has_content:
                    yield delta
            raw_finish = event.get("finishReason")
            if isinstance(raw_finish, str):
                if raw_finish == "ERROR":
                    raise UpstreamFailed("the model stopped with an error before finishing its reply")
                yield neutral_stream.ChatDelta(
                    finish_reason=finish_reason(raw_finish), usage=stream_usage(event.get("usage"))
                )
                return
        raise stream_cut()


NO_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}
"""The schema of a function that takes no arguments. The SDK's Function marks `parameters` **[Required]** (oci
2.189.0 `models/function.py`) and the service refuses a tool without it, while OpenAI's function tool makes it
optional ("omitting parameters defines a function with an empty parameter list"): that list is sent."""


def _reply_call(request: ChatRequest, position: int, call_id: Any, function: Any) -> features.ToolCall | None:
    """The reply's call at `position` (among the calls kept, in a whole reply or a stream): its function's name and
    arguments (JSON text; none reads as "{}"), its id or `call_<position>`. None for an entry that names no function,
    and for every call after the first when the caller set parallel_tool_calls false: V2 cannot be told so, so only
    the model's first call is returned."""
    if request.parallel_tool_calls is False and position > 0:
        return None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        return None
    arguments = function.get("arguments")
    return features.ToolCall(
        id=call_id if isinstance(call_id, str) and call_id else f"call_{position}",
        name=function["name"],
        arguments=arguments if isinstance(arguments, str) else "{}",
    )


def _tools(request: ChatRequest) -> dict[str, Any]:
    """`tools` and `toolsChoice`: auto is the default (not sent); a named function is sent as the only tool, with
    REQUIRED, since V2 cannot name one; a tool without parameters takes none (NO_PARAMETERS)."""
    named = request.tool_choice not in (None, "auto", "none", "required")
    tools = [t for t in request.tools if not named or t.name == request.tool_choice]
    extra: dict[str, Any] = {}
    if tools:
        extra["tools"] = [
            m.CohereToolV2(
                type="FUNCTION",
                function=m.Function(
                    name=t.name,
                    description=t.description,
                    parameters=t.parameters if t.parameters is not None else NO_PARAMETERS,
                ),
            )
            for t in tools
        ]
    if request.tool_choice == "none":
        extra["tools_choice"] = "NONE"
    elif request.tool_choice == "required" or named:
        extra["tools_choice"] = "REQUIRED"
    return extra


def _citations(citations: list[m.CohereCitationV2]) -> list[features.Citation]:
    """Citations of the reply's text (not of its thinking or tool plan), each naming the documents and tool results
    it cites by their ids."""
    found = []
    for citation in citations:
        if citation.type not in (None, "TEXT_CONTENT") or not isinstance(citation.start, int):
            continue
        if not isinstance(citation.end, int) or not isinstance(citation.text, str):
            continue
        ids = []
        for source in citation.sources or []:
            origin = source.document if source.type == "DOCUMENT" else source.tool
            if isinstance(getattr(origin, "id", None), str):
                ids.append(origin.id)

        found.append(features.Citation(citation.start, citation.end, citation.text, tuple(ids)))
    return found


def _content(message: Message) -> list[m.CohereContentV2]:
    return content(
        message,
        lambda text: m.CohereTextContentV2(text=text),
        lambda url, detail: m.CohereImageContentV2(image_url=m.CohereImageUrlV2(url=url, detail=detail)),
    )


def _message(message: Message) -> m.CohereMessageV2:
    content = _content(message)
    if message.role == "system":
        return m.CohereSystemMessageV2(content=content)
    if message.role == "user":
        return m.CohereUserMessageV2(content=content)
    if message.role == "tool":
        return m.CohereToolMessageV2(content=content, tool_call_id=message.tool_call_id)
    calls = [
        m.CohereToolCallV2(id=c.id, type="FUNCTION", function={"name": c.name, "arguments": c.arguments})
        for c in message.tool_calls
    ]
    # CohereMessageV2 marks content required: an assistant turn that only calls tools sends an empty list.
    return m.CohereAssistantMessageV2(content=content if message.content or not calls else [], tool_calls=calls or None)


def _stream_citations(raw: Any) -> Iterator[features.Citation]:
    """V2 citations as a stream event carries them (the reply's JSON names), of the reply's text only."""
    for citation in stream_list(raw):
        if not isinstance(citation, dict) or citation.get("type") not in (None, "TEXT_CONTENT"):
            continue
        start, end, text = citation.get("start"), citation.get("end"), citation.get("text")
        if isinstance(start, int) and isinstance(end, int) and isinstance(text, str):
            ids = []
            for source in stream_list(citation.get("sources")):
                origin = (
                    source.get("document" if source.get("type") == "DOCUMENT" else "tool")
                    if isinstance(source, dict)
                    else None
                )
                if isinstance(origin, dict) and isinstance(origin.get("id"), str):
                    ids.append(origin["id"])
            yield features.Citation(start, end, text, tuple(ids))


FAMILY = CohereV2()
