"""The neutral stream: a chat reply as the deltas the model writes it in, independent of wire format and family.

A family maps its service's stream events to ChatDeltas (families/*: `stream_deltas`); a contract renders deltas as
its own stream (`render_stream`). The buffered path renders a whole reply through the same renderer, as the deltas
a stream of it would have had (`deltas_of`), so one renderer serves both edges. Loaded only by streaming paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .chat import ChatReply, Usage
from .features import Citation, ToolCall


@dataclass(frozen=True)
class ToolCallDelta:
    """A piece of a tool call, as OpenAI streams them: `id` and `name` on the first piece of call `index`, then
    fragments of its JSON `arguments`, to be joined."""

    index: int
    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True)
class ChatDelta:
    """What the model added since the last delta; the last delta of a stream carries `finish_reason` (OpenAI's
    vocabulary) and, when the service reported it, `usage`."""

    text: str = ""
    reasoning: str = ""
    tool_calls: tuple[ToolCallDelta, ...] = ()
    citations: tuple[Citation, ...] = ()
    finish_reason: str | None = None
    usage: Usage | None = None

    @property
    def has_content(self) -> bool:
        """The delta carries something the caller reads (time to first token counts to the first of these)."""
        return bool(self.text or self.reasoning or self.tool_calls or self.citations)


def deltas_of(reply: ChatReply) -> Iterator[ChatDelta]:
    """The deltas a stream of this whole reply would have: reasoning, text, citations, each tool call, the end."""
    if reply.reasoning:
        yield ChatDelta(reasoning=reply.reasoning)
    if reply.text:
        yield ChatDelta(text=reply.text)
    if reply.citations:
        yield ChatDelta(citations=reply.citations)
    for index, call in enumerate(reply.tool_calls):
        yield ChatDelta(tool_calls=(ToolCallDelta(index, call.id, call.name, call.arguments),))
    yield ChatDelta(finish_reason=reply.finish_reason, usage=reply.usage)


def joined(deltas: Iterable[ChatDelta], model: str, opc_request_id: str | None = None) -> ChatReply:
    """The whole reply a stream of deltas adds up to (the inverse of deltas_of): tool-call pieces joined by index,
    the usage None when no delta reported it (unknown, never read as 0)."""
    text: list[str] = []
    reasoning: list[str] = []
    citations: list[Citation] = []
    calls: dict[int, list[str]] = {}
    heads: dict[int, tuple[str, str]] = {}
    finish: str = "stop"
    usage: Usage | None = None
    for delta in deltas:
        text.append(delta.text)
        reasoning.append(delta.reasoning)
        citations.extend(delta.citations)
        for piece in delta.tool_calls:
            calls.setdefault(piece.index, []).append(piece.arguments)
            if piece.id is not None or piece.name is not None:
                heads[piece.index] = (piece.id or f"call_{piece.index}", piece.name or "")
        finish = delta.finish_reason or finish
        usage = delta.usage or usage
    tool_calls = tuple(
        ToolCall(heads.get(index, (f"call_{index}", ""))[0], heads.get(index, ("", ""))[1], "".join(parts))
        for index, parts in sorted(calls.items())
    )
    return ChatReply(
        text="".join(text),
        model=model,
        finish_reason=finish,
        usage=usage,
        opc_request_id=opc_request_id,
        tool_calls=tool_calls,
        reasoning="".join(reasoning) or None,
        citations=tuple(citations),
    )
