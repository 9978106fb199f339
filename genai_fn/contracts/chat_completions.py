"""OpenAI chat completions (`POST /v1/chat/completions`, plain and `stream: true`) onto the neutral chat request.

Replies and errors use OpenAI's shapes so the official SDKs work unchanged; a streamed reply is sent as it comes on
the streaming edge (render_stream), and as the whole event sequence in one body on the fdk edge (OCI Functions
cannot stream), by the same renderer. Every accepted, ignored and refused field is in docs/openai.md.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import admission, lazy, validate
from ..config import Settings
from ..errors import InvalidRequest, ProxyError
from ..http import Invocation, Reply, StreamReply, json_bytes, json_reply
from ..neutral.chat import ChatReply, ChatRequest, ImagePart, JsonSchema, Message, Tool, ToolCall, Usage
from . import grounding
from . import openai_fields as fields
from .openai_errors import OpenAIErrors

if TYPE_CHECKING:  # stream types load with the first streamed reply
    from ..neutral.stream import ChatDelta, ToolCallDelta

if TYPE_CHECKING:
    from ..neutral import stream as neutral_stream
else:  # loaded on first use: not every call needs them
    neutral_stream = lazy("genai_fn.neutral.stream")

SSE = "text/event-stream; charset=utf-8"
CHAT_FIELDS = (
    frozenset(
        {
            "model",
            "messages",
            "max_tokens",
            "max_completion_tokens",
            "temperature",
            "top_p",
            "frequency_penalty",
            "presence_penalty",
            "seed",
            "stop",
            "n",
            "stream",
            "stream_options",
            "response_format",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "logprobs",
            "reasoning_effort",
            "verbosity",
            "logit_bias",
        }
    )
    | grounding.FIELDS
)
"""OpenAI's fields, plus the grounding fields (documents, citation_quality, safety_mode) an OpenAI client sends as
extra body fields (contracts/grounding.py)."""
IGNORED_CHAT_FIELDS = frozenset(
    {"user", "store", "metadata", "service_tier", "prompt_cache_key", "safety_identifier", "prediction", "modalities"}
)
"""Accepted for compatibility and not forwarded: they change nothing about the answer (docs/openai.md)."""


@dataclass(frozen=True)
class ChatCall(ChatRequest):
    """The chat request plus how the caller wants it delivered (the use case reads only the ChatRequest part)."""

    stream: bool = False
    include_usage: bool = False


def _messages(value: Any) -> tuple[Message, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidRequest("messages must be a non-empty list", param="messages")
    return tuple(_message(item, f"messages[{index}]") for index, item in enumerate(value))


def _message(item: Any, where: str) -> Message:
    if not isinstance(item, dict):
        raise InvalidRequest(f"{where} must be an object", param=where)
    raw_role = item.get("role")
    role = fields.ROLES.get(raw_role) if isinstance(raw_role, str) else None
    if role is None:
        raise InvalidRequest(f"{where}.role must be one of {', '.join(fields.ROLES)}", param=f"{where}.role")
    calls = _tool_calls(item.get("tool_calls"), where) if role == "assistant" else ()
    # An assistant turn may be empty (e.g. beside tool_calls) and a tool may have returned "" (agent loops).
    content, parts = _content(
        item.get("content"), f"{where}.content", optional=role in ("assistant", "tool"), images=role == "user"
    )
    tool_call_id = None
    if role == "tool":
        tool_call_id = fields.call_id(item.get("tool_call_id"), f"{where}.tool_call_id")
    return Message(role, content, calls, tool_call_id, parts)


def _content(value: Any, where: str, *, optional: bool, images: bool) -> tuple[str, tuple[str | ImagePart, ...]]:
    """A string, or a list of text and image_url parts: (the text joined, the parts in order if any is an image).
    Other parts are refused, not dropped; images only in user turns. `optional`: the turn may be empty or null."""
    if value is None and optional:
        return "", ()
    parts: list[str | ImagePart] = []
    if isinstance(value, list):
        for index, part in enumerate(value):
            at = f"{where}[{index}]"
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "image_url" and images:
                parts.append(_image(part, at))
            elif kind == "image_url":
                raise InvalidRequest(f"{at}: images are only supported in user messages", param=at)
            elif kind == "text":
                parts.append(validate.text(part.get("text"), f"{at}.text", allow_empty=True))
            else:
                raise InvalidRequest(f"{at} must be a text or image_url part", param=at)
        value = "".join(part for part in parts if isinstance(part, str))
        if any(isinstance(part, ImagePart) for part in parts):
            return validate.text(value, where, allow_empty=True), tuple(parts)
    return validate.text(value, where, allow_empty=optional), ()


def _image(part: dict[str, Any], where: str) -> ImagePart:
    """`{"type": "image_url", "image_url": {"url", "detail"?}}`; some clients send the URL itself as image_url."""
    spec = part.get("image_url")
    if isinstance(spec, str):
        spec = {"url": spec}
    if not isinstance(spec, dict):
        raise InvalidRequest(f"{where}.image_url.url must be a string", param=f"{where}.image_url.url")
    return fields.image(spec.get("url"), spec.get("detail"), where)


def _tool_calls(value: Any, where: str) -> tuple[ToolCall, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRequest(f"{where}.tool_calls must be a list", param=f"{where}.tool_calls")
    calls = []
    for index, call in enumerate(value):
        path = f"{where}.tool_calls[{index}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or call.get("type", "function") != "function":
            raise InvalidRequest(f"{path} must be a function call", param=path)
        calls.append(
            ToolCall(
                fields.call_id(call.get("id"), f"{path}.id"),
                validate.text(function.get("name"), f"{path}.function.name"),
                fields.arguments(function.get("arguments"), f"{path}.function.arguments"),
            )
        )
    return tuple(calls)


def _function_of(tool: Any, where: str) -> dict[str, Any]:
    """`{"type": "function", "function": {name, description, parameters}}`."""
    function = tool.get("function") if isinstance(tool, dict) else None
    if not isinstance(function, dict) or tool.get("type") != "function":
        raise InvalidRequest(f'{where} must be {{"type": "function", "function": {{...}}}}', param=where)
    return function


def _tool_choice(value: Any, tools: tuple[Tool, ...]) -> str | None:
    if value is None:
        return None
    if not tools:
        raise InvalidRequest("tool_choice needs tools", param="tool_choice")
    function = value.get("function") if isinstance(value, dict) and value.get("type") == "function" else None
    named = function.get("name") if isinstance(function, dict) else None
    return fields.tool_choice(value, named, tools, "one of the tools by name")


def _response_format(value: Any) -> tuple[bool, JsonSchema | None]:
    """(json mode, schema): json_object and json_schema are JSON; text (or nothing) is the default."""
    kind = value.get("type") if isinstance(value, dict) else None
    if value is None or kind == "text":
        return False, None
    if kind == "json_object":
        return True, None
    if kind == "json_schema":
        assert isinstance(value, dict)
        return True, fields.json_schema(value.get("json_schema"), "response_format.json_schema", "response_format")
    raise InvalidRequest("response_format type must be text, json_object or json_schema", param="response_format")


def _parallel_tool_calls(body: dict[str, Any], tools: tuple[Tool, ...]) -> bool | None:
    """Forwarded with tools (Generic isParallelToolCalls); without tools it changes nothing."""
    value = body.get("parallel_tool_calls")
    if value is None or not tools:
        return None
    if not isinstance(value, bool):
        raise InvalidRequest("parallel_tool_calls must be true or false", param="parallel_tool_calls")
    return value


def _chunks(deltas: Iterator[ChatDelta], call: ChatCall, completion_id: str, created: int) -> Iterator[dict[str, Any]]:
    """Deltas as chat.completion.chunk events: the role, each delta as it comes (reasoning_content, content,
    citations as the plain reply names them, tool calls as OpenAI streams them), the finish, then usage when asked
    (`stream_options.include_usage`: a last chunk with no choices)."""

    def chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": call.model,
            "system_fingerprint": None,
            "choices": choices,
            **extra,
        }

    def delta(content: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return chunk([{"index": 0, "delta": content, "logprobs": None, "finish_reason": finish}])

    yield delta({"role": "assistant", "content": ""})
    called, finish, usage = False, "stop", Usage()
    for piece in deltas:
        content: dict[str, Any] = {}
        if piece.reasoning:
            content["reasoning_content"] = piece.reasoning
        if piece.text:
            content["content"] = piece.text
        if piece.citations:
            content["citations"] = grounding.citations_json(piece.citations)
        if piece.tool_calls:
            called = True
            content["tool_calls"] = [_tool_call_piece(p) for p in piece.tool_calls]
        if content:
            yield delta(content)
        finish, usage = piece.finish_reason or finish, piece.usage or usage
    yield delta({}, "tool_calls" if called else finish)
    if call.include_usage:
        yield chunk([], usage=usage_json(usage))


def _tool_call_piece(piece: ToolCallDelta) -> dict[str, Any]:
    """OpenAI's streamed tool call: index, then id, type and name on a call's first piece; argument fragments."""
    if piece.id is None and piece.name is None:
        return {"index": piece.index, "function": {"arguments": piece.arguments}}
    function = {"name": piece.name or "", "arguments": piece.arguments}
    return {"index": piece.index, "id": piece.id or f"call_{piece.index}", "type": "function", "function": function}


def _sse(events: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    for event in events:
        yield b"data: " + json_bytes(event) + b"\n\n"
    yield b"data: [DONE]\n\n"


def _finish(reply: ChatReply) -> str:
    return "tool_calls" if reply.tool_calls else reply.finish_reason


def _tool_call_json(call: ToolCall) -> dict[str, Any]:
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


def usage_json(usage: Usage) -> dict[str, Any]:
    counts: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }
    if usage.cached_tokens is not None:
        counts["prompt_tokens_details"] = {"cached_tokens": usage.cached_tokens}
    if usage.reasoning_tokens is not None:
        counts["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    return counts


class ChatCompletions(OpenAIErrors):
    """/v1/chat/completions, and a plain `fn invoke` whose body has `messages` (and no `input`)."""

    def parse(self, body: dict[str, Any], settings: Settings) -> ChatCall:
        fields.reject_unknown(body, CHAT_FIELDS | IGNORED_CHAT_FIELDS)
        model, family = admission.resolve_model(body.get("model"), settings)
        if body.get("n") is not None and (type(body["n"]) is not int or body["n"] != 1):
            raise InvalidRequest("n must be 1: the service returns one choice per request", param="n")
        if body.get("logprobs"):
            raise InvalidRequest("logprobs are not supported", param="logprobs")
        stream = fields.flag(body, "stream")
        options = body.get("stream_options")
        if options is not None and (
            not isinstance(options, dict) or set(options) - {"include_usage", "include_obfuscation"}
        ):
            raise InvalidRequest(
                "stream_options may only hold include_usage and include_obfuscation", param="stream_options"
            )
        modalities = body.get("modalities")
        if modalities is not None and modalities != ["text"]:
            raise InvalidRequest('modalities must be ["text"]: only text output is supported', param="modalities")
        tools = fields.tools(body.get("tools"), _function_of)
        json_mode, json_schema = _response_format(body.get("response_format"))
        completion_limit = body.get("max_completion_tokens") is not None and body.get("max_tokens") is None
        return admission.check_chat(
            ChatCall(
                model=model,
                api_format=family.api_format,
                messages=_messages(body.get("messages")),
                params=admission.params(
                    body, settings, family, max_tokens_fields=("max_tokens", "max_completion_tokens")
                ),
                tools=tools,
                tool_choice=_tool_choice(body.get("tool_choice"), tools),
                json_mode=json_mode,
                json_schema=json_schema,
                parallel_tool_calls=_parallel_tool_calls(body, tools),
                reasoning=fields.reasoning(
                    body.get("reasoning_effort"),
                    body.get("verbosity"),
                    completion_limit,
                    ("reasoning_effort", "verbosity"),
                ),
                logit_bias=fields.logit_bias(body.get("logit_bias")),
                **grounding.parse(body),
                stream=stream,
                include_usage=bool(options and fields.flag(options, "include_usage", "stream_options.include_usage")),
            )
        )

    def render(self, reply: ChatReply, call: ChatCall, invocation: Invocation) -> Reply:
        if call.stream:  # the whole stream in one body (the fdk edge), by the streaming renderer
            return self.render_stream(neutral_stream.deltas_of(reply), call, invocation).buffered()
        completion_id = f"chatcmpl-{invocation.call_id or uuid.uuid4().hex}"
        created = int(time.time())
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None, "refusal": None}
        if reply.tool_calls:
            message["tool_calls"] = [_tool_call_json(c) for c in reply.tool_calls]
        if reply.reasoning:
            message["reasoning_content"] = reply.reasoning
        if reply.citations:
            message["citations"] = grounding.citations_json(reply.citations)
        body = {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": call.model,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(reply)}],
            "usage": usage_json(reply.usage or Usage()),
            "system_fingerprint": None,
        }
        return json_reply(200, body)

    def render_stream(self, deltas: Iterator[ChatDelta], call: ChatCall, invocation: Invocation) -> StreamReply:
        """Server-sent events as OpenAI streams them: `data: <chunk>` each, `data: [DONE]` at the end."""
        completion_id = f"chatcmpl-{invocation.call_id or uuid.uuid4().hex}"
        chunks = _sse(_chunks(deltas, call, completion_id, int(time.time())))
        return StreamReply(200, SSE, chunks, {"Cache-Control": "no-cache"})

    def stream_error(self, error: ProxyError, invocation: Invocation) -> bytes:
        """An error after the first chunk: an event holding OpenAI's error object (the openai SDK raises APIError
        on an event with `error`), then no [DONE]."""
        return b"data: " + self.render_error(error, invocation).body + b"\n\n"


CHAT = ChatCompletions()
