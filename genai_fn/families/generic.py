"""Generic (apiFormat GENERIC, `GenericChatRequest`): Meta Llama, xAI Grok, OpenAI gpt-oss, Google Gemini and every
other non-Cohere model, in OpenAI-like messages.

Ranges from the SDK's GenericChatRequest docstrings: top_k -1 (all) .. 500, top_p 0..1, frequency and presence
penalties -2..2; temperature 0..2 as every family. Reasoning knobs (reasoningEffort, verbosity,
maxCompletionTokens), logitBias and named tool choice are Generic's alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from oci.generative_ai_inference import models as m

from .. import lazy
from ..neutral.chat import ChatReply, ChatRequest, Message
from ._base import (
    JSON,
    MEDIA_URL,
    NAME,
    STOP_SEQUENCES,
    Family,
    Reading,
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

if TYPE_CHECKING:  # feature and stream types load on first use (neutral/features.py, neutral/stream.py)
    pass

if TYPE_CHECKING:
    from ..neutral import features
    from ..neutral import stream as neutral_stream
else:  # loaded on first use: not every call needs them
    features = lazy("genai_fn.neutral.features")
    neutral_stream = lazy("genai_fn.neutral.stream")


class Generic(Family):
    api_format = "GENERIC"
    ranges = {
        "temperature": (0, 2),
        "top_p": (0, 1),
        "top_k": (-1, 500),
        "frequency_penalty": (-2, 2),
        "presence_penalty": (-2, 2),
    }
    features = frozenset(
        {
            "tools",
            "tool_choice_required",
            "named_tool_choice",
            "images",
            "json_object",
            "json_schema",
            "reasoning_effort",
            "verbosity",
            "logit_bias",
            "stop",
            "seed",
        }
    )

    reading = Reading(
        not_text={
            ("GenericChatRequest", "stop"): STOP_SEQUENCES,
            ("GenericChatRequest", "logit_bias"): "token ids (digits) mapped to numbers",
            ("ImageUrl", "url"): MEDIA_URL,
            ("AudioUrl", "url"): MEDIA_URL,
            ("DocumentUrl", "url"): MEDIA_URL,
            ("VideoUrl", "url"): MEDIA_URL,
            ("Annotation", "type"): "the kind of a reply's annotation (url_citation)",
        },
        kinds={
            ("FunctionDefinition", "name"): NAME,
            ("ToolChoiceFunction", "name"): NAME,
            ("ResponseJsonSchema", "name"): NAME,
            ("FunctionCall", "id"): NAME,
            ("FunctionCall", "name"): NAME,
            ("ToolCall", "id"): NAME,
            ("ToolMessage", "tool_call_id"): NAME,
            ("FunctionCall", "arguments"): JSON,
        },
        json_parts=frozenset({"ToolMessage"}),
        joined=frozenset({"TextContent"}),  # a turn's text parts: one text to the model
    )

    def to_sdk(self, request: ChatRequest) -> m.GenericChatRequest:
        extra: dict[str, Any] = {}
        if request.params.stop:
            extra["stop"] = list(request.params.stop)
        if request.json_schema:
            schema = request.json_schema
            extra["response_format"] = m.JsonSchemaResponseFormat(
                json_schema=m.ResponseJsonSchema(
                    name=schema.name, description=schema.description, schema=schema.schema, is_strict=schema.strict
                )
            )
        elif request.json_mode:
            extra["response_format"] = m.JsonObjectResponseFormat()
        if request.parallel_tool_calls is not None:
            extra["is_parallel_tool_calls"] = request.parallel_tool_calls
        if request.tools:
            extra["tools"] = [
                m.FunctionDefinition(name=t.name, description=t.description, parameters=t.parameters)
                for t in request.tools
            ]
        if request.tool_choice:
            extra["tool_choice"] = _tool_choice(request.tool_choice)
        if request.logit_bias:
            extra["logit_bias"] = request.logit_bias
        params = sampling(request)
        if request.reasoning:
            if request.reasoning.effort:
                extra["reasoning_effort"] = request.reasoning.effort.upper()
            if request.reasoning.verbosity:
                extra["verbosity"] = request.reasoning.verbosity.upper()
            if request.reasoning.completion_limit:  # it bounds reasoning plus answer on a reasoning model
                extra["max_completion_tokens"] = params.pop("max_tokens")
        return m.GenericChatRequest(
            messages=[_message(msg) for msg in request.messages],
            is_stream=False,
            num_generations=None,
            **params,
            **extra,
        )

    def from_sdk(self, response: Any, request: ChatRequest, model: str, opc_request_id: str | None) -> ChatReply:
        if not isinstance(response, m.GenericChatResponse) or not response.choices:
            raise unreadable(opc_request_id)
        choice = response.choices[0]
        parts = getattr(choice.message, "content", None) or []
        calls = getattr(choice.message, "tool_calls", None) or []
        return ChatReply(
            text="".join(part.text for part in parts if isinstance(part, m.TextContent) and part.text),
            model=model,
            finish_reason=finish_reason(choice.finish_reason),
            usage=usage(response.usage or choice.usage, opc_request_id),
            opc_request_id=opc_request_id,
            tool_calls=_tool_calls(calls),
            reasoning=getattr(choice.message, "reasoning_content", None) or None,
        )

    def stream_deltas(
        self, events: Iterable[dict[str, Any]], request: ChatRequest, model: str
    ) -> Iterator[neutral_stream.ChatDelta]:
        """Generic events: `message` pieces (TEXT content, `reasoningContent`, `toolCalls` whose first piece has
        the call's id and name, then argument fragments), `finishReason`, then a usage-only event
        (docs/emulator.md#streaming). A call's fragments are held and joined: each call is read as a whole reply's is
        (`_reply_call`) and well formed as one (upstream/chat.py) before it is released, at the finish."""

        finish: str | None = None
        reported = None
        heads: list[tuple[str, str]] = []  # each call's (id, name), in order
        arguments: list[list[str]] = []  # each call's argument fragments
        for event in events:
            reported = stream_usage(event.get("usage")) or reported
            message = event.get("message")
            if isinstance(message, dict):
                parts = stream_list(message.get("content"))
                for raw in stream_list(message.get("toolCalls")):
                    if not isinstance(raw, dict):
                        continue
                    if raw.get("id") is not None or raw.get("name") is not None or not heads:
                        heads.append((stream_text(raw.get("id")), stream_text(raw.get("name"))))
                        arguments.append([])
                    arguments[-1].append(stream_text(raw.get("arguments")))
                delta = neutral_stream.ChatDelta(
                    text="".join(stream_text(p.get("text")) for p in parts if isinstance(p, dict)),
                    reasoning=stream_text(message.get("reasoningContent")),
                )
                if delta.has_content:
                    yield delta
            if isinstance(event.get("finishReason"), str):
                finish = finish_reason(event["finishReason"])
        if finish is None:
            raise stream_cut()
        calls = [
            well_formed_call(_reply_call(i, call_id, name, "".join(pieces)))
            for i, ((call_id, name), pieces) in enumerate(zip(heads, arguments, strict=True))
        ]
        if calls:
            yield neutral_stream.ChatDelta(
                tool_calls=tuple(
                    neutral_stream.ToolCallDelta(i, c.id, c.name, c.arguments) for i, c in enumerate(calls)
                )
            )
        yield neutral_stream.ChatDelta(finish_reason=finish, usage=reported)


def _tool_choice(choice: str) -> m.ToolChoice:
    fixed = {"auto": m.ToolChoiceAuto, "none": m.ToolChoiceNone, "required": m.ToolChoiceRequired}
    if choice in fixed:
        return fixed[choice]()
    return m.ToolChoiceFunction(name=choice)


def _content(message: Message) -> list[m.ChatContent]:
    return content(
        message,
        lambda text: m.TextContent(text=text),
        lambda url, detail: m.ImageContent(image_url=m.ImageUrl(url=url, detail=detail)),
    )


def _message(message: Message) -> m.Message:
    # Only an assistant turn that calls tools may go without content: the service refuses `content: null`
    # elsewhere, so an empty assistant turn or an empty tool result is sent as one empty text part.
    empty_allowed = message.role == "assistant" and bool(message.tool_calls)
    content = _content(message) if message.content or message.parts or not empty_allowed else None
    if message.role == "system":
        return m.SystemMessage(content=content)
    if message.role == "user":
        return m.UserMessage(content=content)
    if message.role == "tool":
        return m.ToolMessage(content=content, tool_call_id=message.tool_call_id)
    calls = [m.FunctionCall(id=c.id, name=c.name, arguments=c.arguments) for c in message.tool_calls]
    return m.AssistantMessage(content=content, tool_calls=calls or None)


def _tool_calls(calls: list[Any]) -> tuple[features.ToolCall, ...]:
    functions = [c for c in calls if isinstance(c, m.FunctionCall)]
    return tuple(_reply_call(i, c.id, c.name, c.arguments) for i, c in enumerate(functions))


def _reply_call(position: int, call_id: str | None, name: str | None, arguments: str | None) -> features.ToolCall:
    """The reply's call at `position` (in a whole reply, or joined from a stream's fragments): its id or
    `call_<position>`, and its arguments, none reading as "{}"."""

    return features.ToolCall(id=call_id or f"call_{position}", name=name or "", arguments=arguments or "{}")


FAMILY = Generic()
