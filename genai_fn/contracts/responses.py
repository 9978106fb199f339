"""The OpenAI Responses contract (`POST /v1/responses`), stateless: items in, one `response` object (or its events) out.

A Responses request maps onto the same internal chat request as a chat completion (so the same use case, family
rules and guardrails apply); the reply is rendered as OpenAI's `response` object, or, with `stream: true`, as the
event sequence the SDK's stream parser expects: as it comes on the streaming edge, in one body on the fdk edge.
Anything that needs server-side state (`previous_response_id`, `conversation`, `store: true`, `background: true`)
is refused: the caller sends the prior items in `input` instead. Errors reuse the OpenAI contract's renderer. Every
field is listed in docs/responses.md.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import admission, lazy, validate
from ..config import Settings
from ..errors import InvalidRequest, PayloadTooLarge, ProxyError
from ..http import MAX_RESPONSE_BYTES, Invocation, Reply, StreamReply, json_bytes, json_reply
from ..neutral.chat import (
    ChatReply,
    ChatRequest,
    ImagePart,
    JsonSchema,
    Message,
    Reasoning,
    Tool,
    ToolCall,
    Usage,
)
from . import grounding
from . import openai_fields as fields
from .chat_completions import SSE
from .openai_errors import OpenAIErrors

if TYPE_CHECKING:  # stream types load with the first streamed reply
    from ..neutral.stream import ChatDelta

if TYPE_CHECKING:
    from ..neutral import stream as neutral_stream
else:  # loaded on first use: not every call needs them
    neutral_stream = lazy("genai_fn.neutral.stream")

FIELDS = (
    frozenset(
        {
            "model",
            "input",
            "instructions",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "text",
            "reasoning",
            "max_output_tokens",
            "temperature",
            "top_p",
            "stream",
            "stream_options",
            "include",
            "truncation",
        }
    )
    | grounding.FIELDS
)
"""OpenAI's fields, plus the grounding fields an OpenAI client sends as extra body fields (contracts/grounding.py)."""
IGNORED_FIELDS = frozenset({"metadata", "user", "safety_identifier", "prompt_cache_key", "service_tier"})
"""Accepted and not forwarded: they change nothing about the answer (`metadata` and `user` are echoed back)."""
STATEFUL_FIELDS = ("previous_response_id", "conversation", "store", "background")
"""Fields that need state the function does not keep: refused when they ask for it (a null or false is fine)."""
TEXT_FORMATS = ("text", "json_object", "json_schema")
SUMMARIES = ("auto", "concise", "detailed")
"""reasoning.summary values: accepted and ignored (the service returns the reasoning text itself, not a summary)."""
METADATA_PAIRS, METADATA_KEY_CHARS, METADATA_VALUE_CHARS = 16, 64, 512
"""OpenAI's limits on `metadata`: "Set of 16 key-value pairs ... Keys are strings with a maximum length of 64
characters. Values are strings with a maximum length of 512 characters." (the openai SDK's
ResponseCreateParams.metadata docstring); `metadata` is echoed back, so it is held to them."""
SNAPSHOT_LEFT_OUT = ("instructions", "text", "metadata", "user")
"""Request echoes the in-progress snapshots (`response.created`, `response.in_progress`) leave out, so each large
request field is streamed once, in the final `response.completed` (or `.incomplete`), the one clients keep
(the openai SDK's `get_final_response()`): each is optional in the SDK's `Response` model. `tools` is required
there, so the snapshots carry `tools: []`."""
RESPONSE_RESERVE = 64 * 1024
"""Room the `response` object and its event sequence need beside the echoed request fields and the reply."""
STREAMED_REPLY_COPIES = 5
"""How often a streamed response carries the reply's text: the delta, output_text.done, content_part.done,
output_item.done and response.completed (stream_events); a plain response carries it once."""
INCOMPLETE_REASONS = {"length": "max_output_tokens", "content_filter": "content_filter"}
"""Internal finish reasons that make a response `incomplete`, with OpenAI's incomplete_details.reason."""
NAMES = {
    "messages": "input",
    "response_format": "text.format",
    "reasoning_effort": "reasoning.effort",
    "verbosity": "text.verbosity",
}
"""What this contract calls the parts of a chat request whose neutral names differ, for a family's refusal."""


@dataclass(frozen=True)
class ResponsesCall(ChatRequest):
    """The chat request plus what the `response` object echoes back (the use case reads only the ChatRequest)."""

    stream: bool = False
    instructions: str | None = None
    echo: dict[str, Any] = field(default_factory=dict)
    """Request settings the `response` object repeats: tools, tool_choice, text, metadata, user, ..."""


def _stateless(body: dict[str, Any]) -> None:
    for name in STATEFUL_FIELDS:
        value = body.get(name)
        if value is None or value is False:
            continue
        if name in ("store", "background") and not isinstance(value, bool):
            raise InvalidRequest(f"{name} must be true or false", param=name)
        raise InvalidRequest(
            f"{name} needs server-side state, which this function does not keep (it stores no responses): "
            "send the prior items (messages, function_call and function_call_output items) in `input` instead",
            param=name,
        )


def _text(value: Any, where: str) -> str:
    return validate.text(value, where, allow_empty=True)


def _parts(
    value: Any, where: str, allowed: tuple[str, ...], images: bool = False
) -> tuple[str, tuple[str | ImagePart, ...]]:
    """A string, or a list of parts of the allowed types: (the text joined, the parts in order if any is an image).

    `images` only for user turns: there `input_image` parts become ImageParts (checked as the chat contract checks
    them). Files, and images anywhere else, are refused, not dropped.
    """
    if isinstance(value, str):
        return _text(value, where), ()
    if not isinstance(value, list):
        raise InvalidRequest(f"{where} must be a string or a list of content parts", param=where)
    parts: list[str | ImagePart] = []
    for index, part in enumerate(value):
        path = f"{where}[{index}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "input_image" and images:
            parts.append(_image(part, path))
            continue
        if kind == "input_file":
            raise InvalidRequest(f"{path}: input_file parts are not supported; send the text as input_text", param=path)
        if kind == "input_image":
            raise InvalidRequest(f"{path}: images are only supported in user messages", param=path)
        if kind not in allowed:
            raise InvalidRequest(f"{path} must be one of the part types {', '.join(allowed)}", param=path)
        parts.append(_text(part.get("text"), f"{path}.text"))
    text = "".join(part for part in parts if isinstance(part, str))
    return text, tuple(parts) if any(isinstance(part, ImagePart) for part in parts) else ()


def _image(part: dict[str, Any], path: str) -> ImagePart:
    """An `input_image` part (`image_url` a string, `detail` beside it), checked as the chat contract checks one."""
    if part.get("file_id") is not None:
        raise InvalidRequest(
            f"{path}: file_id is not supported (no files are stored here); send image_url as a data: or https: URL",
            param=f"{path}.file_id",
        )
    return fields.image(part.get("image_url"), part.get("detail"), path)


def _messages(value: Any, instructions: str | None) -> tuple[tuple[Message, ...], list[str]]:
    """`input` (a string or a list of items) as internal messages; `instructions` first, as the system message.
    Beside them, the field each message came from (`input[3]`), for a refusal that names one (`_namer`)."""
    messages: list[Message] = [Message("system", instructions)] if instructions else []
    sources = ["instructions"] if instructions else []
    if isinstance(value, str):
        messages.append(Message("user", validate.text(value, "input")))
        return tuple(messages), [*sources, "input"]
    if not isinstance(value, list) or not value:
        raise InvalidRequest("input must be a string or a non-empty list of items", param="input")
    for index, item in enumerate(value):
        where = f"input[{index}]"
        if not isinstance(item, dict):
            raise InvalidRequest(f"{where} must be an object", param=where)
        kind = item.get("type", "message")
        if kind == "message":
            messages.append(_message(item, where))
        elif kind == "function_call":
            call = ToolCall(
                fields.call_id(item.get("call_id"), f"{where}.call_id"),
                validate.text(item.get("name"), f"{where}.name"),
                fields.arguments(item.get("arguments"), f"{where}.arguments"),
            )
            last = messages[-1] if messages else None
            if last is not None and last.role == "assistant":  # one assistant turn: its text and all its calls
                messages[-1] = Message("assistant", last.content, (*last.tool_calls, call))
            else:
                messages.append(Message("assistant", "", (call,)))
        elif kind == "function_call_output":
            output, _ = _parts(item.get("output"), f"{where}.output", ("input_text", "output_text"))
            messages.append(Message("tool", output, (), fields.call_id(item.get("call_id"), f"{where}.call_id")))
        elif kind == "reasoning":
            continue  # a prior reasoning item: context for stateful servers, nothing a stateless model can take
        else:
            shown = kind[: validate.MAX_ECHOED_NAME] if isinstance(kind, str) else "unknown"
            raise InvalidRequest(
                f"{where}: items of type {shown} are not supported; send message, function_call and "
                "function_call_output items",
                param=where,
            )
        sources.extend([where] * (len(messages) - len(sources)))  # a call joined to the turn before adds none
    return tuple(messages), sources


def _namer(sources: list[str]) -> Callable[[str], str]:
    """This contract's name for a neutral path: `messages[i]...` is the item message i came from, `messages` is
    `input`, and so on (NAMES)."""

    def name(path: str) -> str:
        index, dot, rest = path.removeprefix("messages[").partition("]")
        if path.startswith("messages[") and dot and index.isdigit():
            return sources[int(index)] + rest
        return NAMES.get(path, path)

    return name


def _message(item: dict[str, Any], where: str) -> Message:
    raw_role = item.get("role")
    role = fields.ROLES.get(raw_role) if isinstance(raw_role, str) and raw_role != "tool" else None
    if role is None:
        raise InvalidRequest(f"{where}.role must be one of user, assistant, system, developer", param=f"{where}.role")
    allowed = ("output_text",) if role == "assistant" else ("input_text",)
    text, parts = _parts(item.get("content"), f"{where}.content", allowed, images=role == "user")
    if role != "assistant" and not text.strip() and not parts:
        raise InvalidRequest(f"{where}.content must not be empty", param=f"{where}.content")
    return Message(role, text, parts=parts)


def _function_of(tool: Any, where: str) -> dict[str, Any]:
    """`{"type": "function", "name", "description", "parameters", "strict"}`: only function tools."""
    kind = tool.get("type") if isinstance(tool, dict) else None
    if kind != "function":
        shown = kind[: validate.MAX_ECHOED_NAME] if isinstance(kind, str) else "without a type"
        raise InvalidRequest(
            f"{where}: tools of type {shown} are not supported; only function tools are", param=f"{where}.type"
        )
    assert isinstance(tool, dict)
    strict = tool.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise InvalidRequest(f"{where}.strict must be true or false", param=f"{where}.strict")
    return tool


def _tool_choice(value: Any, tools: tuple[Tool, ...]) -> str | None:
    if value is None:
        return None
    if value in ("auto", "none") and not tools:
        return None  # nothing to choose from: the same answer either way
    if not tools:
        raise InvalidRequest("tool_choice needs tools", param="tool_choice")
    named = value.get("name") if isinstance(value, dict) and value.get("type") == "function" else None
    return fields.tool_choice(value, named, tools, '{"type": "function", "name": <one of the tools>}')


def _text_format(value: Any) -> tuple[bool, JsonSchema | None]:
    """`text.format`: (json mode, schema); `text` (or nothing) is plain text."""
    if value is None:
        return False, None
    if not isinstance(value, dict) or set(value) - {"format"}:
        raise InvalidRequest("text may only hold format", param="text")
    spec = value.get("format")
    kind = spec.get("type") if isinstance(spec, dict) else None
    if spec is None or kind == "text":
        return False, None
    if kind == "json_object":
        return True, None
    if kind != "json_schema":
        raise InvalidRequest(f"text.format.type must be one of {', '.join(TEXT_FORMATS)}", param="text.format")
    return True, fields.json_schema(spec, "text.format")


def _reasoning(body: dict[str, Any]) -> Reasoning | None:
    """`reasoning.effort` mapped exactly as the chat contract maps `reasoning_effort` (`max_output_tokens` in the
    place of max_completion_tokens: both bound reasoning plus answer). `reasoning.summary` is accepted and ignored:
    the service returns the reasoning text, not a summary of it."""
    value = body.get("reasoning")
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"effort", "summary", "generate_summary"}:
        raise InvalidRequest("reasoning may only hold effort and summary", param="reasoning")
    for name in ("summary", "generate_summary"):
        if value.get(name) is not None and value[name] not in SUMMARIES:
            raise InvalidRequest(f"reasoning.{name} must be one of {', '.join(SUMMARIES)}", param=f"reasoning.{name}")
    limited = body.get("max_output_tokens") is not None
    return fields.reasoning(value.get("effort"), None, limited, ("reasoning.effort", "text.verbosity"))


def _small_options(body: dict[str, Any]) -> None:
    include = body.get("include")
    if include is not None and include != []:
        raise InvalidRequest("include is not supported: the response carries everything it has", param="include")
    if body.get("truncation") not in (None, "disabled"):
        raise InvalidRequest("truncation must be disabled: the input is never truncated here", param="truncation")
    options = body.get("stream_options")
    if options is not None and (not isinstance(options, dict) or set(options) - {"include_obfuscation"}):
        raise InvalidRequest("stream_options may only hold include_obfuscation", param="stream_options")
    metadata = body.get("metadata")
    if metadata is not None and not (isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())):
        raise InvalidRequest("metadata must be an object of strings", param="metadata")
    if metadata and (
        len(metadata) > METADATA_PAIRS
        or any(len(key) > METADATA_KEY_CHARS or len(value) > METADATA_VALUE_CHARS for key, value in metadata.items())
    ):
        raise InvalidRequest(
            f"metadata holds at most {METADATA_PAIRS} pairs, keys of at most {METADATA_KEY_CHARS} characters and "
            f"values of at most {METADATA_VALUE_CHARS}",
            param="metadata",
        )


def _echo_fits(call: ResponsesCall, settings: Settings) -> None:
    """The request fields the `response` object repeats (once, stream or not) leave room for the largest reply the
    function reads (MAX_REPLY_BYTES, as often as the response carries it) under the response limit: otherwise a 413
    before the model is called, rather than an answer the platform cannot carry after the tokens are spent."""
    echoed = len(json_bytes(call.echo)) + len(json_bytes(call.instructions))
    copies = STREAMED_REPLY_COPIES if call.stream else 1
    if echoed > MAX_RESPONSE_BYTES - RESPONSE_RESERVE - copies * settings.max_reply_bytes:
        raise PayloadTooLarge(
            f"the response repeats instructions, tools, text.format, metadata and user ({echoed} bytes), leaving no "
            f"room for a reply under the {MAX_RESPONSE_BYTES}-byte response limit of OCI Functions: send them shorter"
        )


class Responses(OpenAIErrors):
    """/v1/responses: a Responses request as the internal chat request, the reply as a `response` object."""

    def parse(self, body: dict[str, Any], settings: Settings) -> ResponsesCall:
        _stateless(body)
        fields.reject_unknown(body, FIELDS | IGNORED_FIELDS | frozenset(STATEFUL_FIELDS))
        _small_options(body)
        model, family = admission.resolve_model(body.get("model"), settings)
        call_reasoning = _reasoning(body)
        raw_instructions = body.get("instructions")
        instructions = validate.text(raw_instructions, "instructions") if raw_instructions is not None else None
        tools = fields.tools(body.get("tools"), _function_of)
        json_mode, json_schema = _text_format(body.get("text"))
        parallel = fields.flag(body, "parallel_tool_calls") if body.get("parallel_tool_calls") is not None else None
        messages, sources = _messages(body.get("input"), instructions)
        call = ResponsesCall(
            model=model,
            api_format=family.api_format,
            messages=messages,
            params=admission.params(
                {k: body[k] for k in ("temperature", "top_p", "max_output_tokens") if k in body},
                settings,
                family,
                max_tokens_fields=("max_output_tokens",),
            ),
            tools=tools,
            tool_choice=_tool_choice(body.get("tool_choice"), tools),
            json_mode=json_mode,
            json_schema=json_schema,
            parallel_tool_calls=parallel if tools else None,
            reasoning=call_reasoning,
            **grounding.parse(body),
            stream=fields.flag(body, "stream"),
            instructions=instructions,
            echo={
                "tools": body.get("tools") or [],
                "tool_choice": body.get("tool_choice") or "auto",
                "parallel_tool_calls": True if parallel is None else parallel,
                "text": {"format": (body.get("text") or {}).get("format") or {"type": "text"}},
                "metadata": body.get("metadata") or {},
                "user": body.get("user"),
                "max_output_tokens": body.get("max_output_tokens"),
                "reasoning": {"effort": call_reasoning.effort if call_reasoning else None, "summary": None},
            },
        )
        _echo_fits(call, settings)
        return admission.check_chat(call, _namer(sources))

    def render(self, reply: ChatReply, call: ResponsesCall, invocation: Invocation) -> Reply:
        if call.stream:  # the whole stream in one body (the fdk edge), by the streaming renderer
            return self.render_stream(neutral_stream.deltas_of(reply), call, invocation).buffered()
        response_id = f"resp_{invocation.call_id or uuid.uuid4().hex}"
        return json_reply(200, response_object(reply, call, response_id, int(time.time())))

    def render_stream(self, deltas: Iterator[ChatDelta], call: ResponsesCall, invocation: Invocation) -> StreamReply:
        """Server-sent events named by their type (`event: response.output_text.delta`), as OpenAI streams them."""
        response_id = f"resp_{invocation.call_id or uuid.uuid4().hex}"
        events = stream_events(deltas, call, response_id, int(time.time()))
        chunks = (b"event: " + e["type"].encode() + b"\ndata: " + json_bytes(e) + b"\n\n" for e in events)
        return StreamReply(200, SSE, chunks, {"Cache-Control": "no-cache"})

    def stream_error(self, error: ProxyError, invocation: Invocation) -> bytes:
        """An error after the first event: Responses' `error` event (code, message, param), which the openai SDK
        raises as APIError."""
        event = {"type": "error", "code": error.code, "message": error.message, "param": error.param}
        return b"event: error\ndata: " + json_bytes(event) + b"\n\n"


def output_items(reply: ChatReply, response_id: str, status: str) -> list[dict[str, Any]]:
    """The reply as output items: its reasoning (if the model returned any), a message with its output_text (if there
    is text or nothing else), then calls."""
    base = response_id.removeprefix("resp_")
    items: list[dict[str, Any]] = []
    if reply.reasoning:
        items.append(
            {
                "id": f"rs_{base}",
                "type": "reasoning",
                "status": status,
                "summary": [],
                "content": [{"type": "reasoning_text", "text": reply.reasoning}],
            }
        )
    if reply.text or not reply.tool_calls:
        text: dict[str, Any] = {"type": "output_text", "text": reply.text, "annotations": [], "logprobs": []}
        if reply.citations:  # no annotation type of OpenAI's names documents: an extra field (docs/responses.md)
            text["citations"] = grounding.citations_json(reply.citations)
        items.append({"id": f"msg_{base}", "type": "message", "status": status, "role": "assistant", "content": [text]})
    for index, call in enumerate(reply.tool_calls):
        items.append(
            {
                "id": f"fc_{base}_{index}",
                "type": "function_call",
                "status": "completed",
                "call_id": call.id,
                "name": call.name,
                "arguments": call.arguments,
            }
        )
    return items


def response_object(reply: ChatReply, call: ResponsesCall, response_id: str, created_at: int) -> dict[str, Any]:
    """OpenAI's `response` object for a finished reply (the SDKs derive `output_text` from `output`)."""
    reason = None if reply.tool_calls else INCOMPLETE_REASONS.get(reply.finish_reason)
    status = "incomplete" if reason else "completed"
    counts = reply.usage or Usage()  # a stream that reported none: zeros, as the other contracts render it
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": {"reason": reason} if reason else None,
        "instructions": call.instructions,
        "model": call.model,
        "output": output_items(reply, response_id, status),
        "previous_response_id": None,
        "store": False,
        "temperature": call.params.temperature,
        "top_p": call.params.top_p,
        "truncation": "disabled",
        "usage": {
            "input_tokens": counts.prompt_tokens,
            "input_tokens_details": {"cached_tokens": counts.cached_tokens or 0, "cache_write_tokens": 0},
            "output_tokens": counts.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": counts.reasoning_tokens or 0},
            "total_tokens": counts.total_tokens,
        },
        **call.echo,
    }


def stream_events(
    deltas: Iterator[ChatDelta], call: ResponsesCall, response_id: str, created_at: int
) -> Iterator[dict[str, Any]]:
    """Deltas as the Responses event sequence, each event numbered (`sequence_number`): response.created and
    .in_progress, then per output item (reasoning, message, function calls, in the order they come) its `added`,
    its deltas and its `done` events, then response.completed (or .incomplete) with the whole response and usage.
    The request fields the response echoes are streamed once, in the final event (SNAPSHOT_LEFT_OUT)."""
    events = _Events(response_id)
    empty = ChatReply("", call.model, "stop", Usage())
    pending = {
        **response_object(empty, call, response_id, created_at),
        "status": "in_progress",
        "output": [],
        "usage": None,
        "incomplete_details": None,
    }
    for name in SNAPSHOT_LEFT_OUT:  # streamed once, in the final event
        pending.pop(name, None)
    pending["tools"] = []
    yield events.event("response.created", response=pending)
    yield events.event("response.in_progress", response=pending)
    seen: list[ChatDelta] = []
    for delta in deltas:
        seen.append(delta)
        yield from events.add(delta)
    response = response_object(neutral_stream.joined(seen, call.model), call, response_id, created_at)
    yield from events.finish(response["output"])
    final = "response.completed" if response["status"] == "completed" else "response.incomplete"
    yield events.event(final, response=response)


class _Events:
    """The output items of one streamed response as they open, grow and close."""

    def __init__(self, response_id: str) -> None:
        self.base = response_id.removeprefix("resp_")
        self.sequence = 0
        self.index = -1
        self.open: dict[str, Any] | None = None
        """The item being streamed (its final shape so far); None between items."""
        self.opened: list[str] = []

    def event(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.sequence += 1
        return {"type": kind, "sequence_number": self.sequence - 1, **fields}

    def add(self, delta: ChatDelta) -> Iterator[dict[str, Any]]:
        if delta.reasoning:
            if self.open is None or self.open["type"] != "reasoning":
                yield from self._start(
                    {"id": f"rs_{self.base}", "type": "reasoning", "summary": [], "content": [], "text": ""}
                )
            if self.open is not None and self.open["type"] == "reasoning":
                self.open["text"] += delta.reasoning
                yield self.event(
                    "response.reasoning_text.delta", **self._place(), content_index=0, delta=delta.reasoning
                )
        if delta.text:
            if (self.open is None or self.open["type"] != "message") and f"msg_{self.base}" not in self.opened:
                yield from self._start(
                    {"id": f"msg_{self.base}", "type": "message", "role": "assistant", "content": [], "text": ""}
                )
                part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
                yield self.event("response.content_part.added", **self._place(), content_index=0, part=part)
            if self.open is not None and self.open["type"] == "message":  # text after a call: in the final event
                self.open["text"] += delta.text
                yield self.event(
                    "response.output_text.delta", **self._place(), content_index=0, delta=delta.text, logprobs=[]
                )
        for piece in delta.tool_calls:
            if piece.id is not None or piece.name is not None:
                call_id = piece.id or f"call_{piece.index}"
                item = {"id": f"fc_{self.base}_{piece.index}", "type": "function_call", "call_id": call_id}
                yield from self._start({**item, "name": piece.name or "", "arguments": ""})
            if self.open is not None and self.open["type"] == "function_call" and piece.arguments:
                self.open["arguments"] += piece.arguments
                yield self.event("response.function_call_arguments.delta", **self._place(), delta=piece.arguments)

    def finish(self, output: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Close the open item and add any item of the whole response not streamed (an empty message), each
        closed with its final shape."""
        for item in output:
            if item["id"] not in self.opened:
                yield from self._start({**item, "content": [], "text": ""} if item["type"] == "message" else item)
                if item["type"] == "message":
                    part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
                    yield self.event("response.content_part.added", **self._place(), content_index=0, part=part)
            if self.open is not None and self.open["id"] == item["id"]:
                yield from self._close(item)
        if self.open is not None:  # an item the whole response does not hold (text after a call, say)
            self.open = None

    def _place(self) -> dict[str, Any]:
        assert self.open is not None
        return {"item_id": self.open["id"], "output_index": self.index}

    def _start(self, item: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if self.open is not None:
            yield from self._close(self._shape(self.open, "completed"))
        self.index += 1
        self.open = item
        self.opened.append(item["id"])
        shown = {k: v for k, v in item.items() if k != "text"}
        yield self.event("response.output_item.added", output_index=self.index, item={**shown, "status": "in_progress"})

    def _close(self, item: dict[str, Any]) -> Iterator[dict[str, Any]]:
        place = self._place()
        if item["type"] == "message":
            for content_index, part in enumerate(item["content"]):
                yield self.event(
                    "response.output_text.done", **place, content_index=content_index, text=part["text"], logprobs=[]
                )
                yield self.event("response.content_part.done", **place, content_index=content_index, part=part)
        elif item["type"] == "reasoning":
            for content_index, part in enumerate(item["content"]):
                yield self.event(
                    "response.reasoning_text.done", **place, content_index=content_index, text=part["text"]
                )
        elif item["type"] == "function_call":
            yield self.event(
                "response.function_call_arguments.done", **place, name=item["name"], arguments=item["arguments"]
            )
        yield self.event("response.output_item.done", output_index=self.index, item=item)
        self.open = None

    @staticmethod
    def _shape(item: dict[str, Any], status: str) -> dict[str, Any]:
        """An item closed before the stream's end, in the shape output_items gives it."""
        text = item.get("text", "")
        shaped = {k: v for k, v in item.items() if k != "text"}
        if item["type"] == "reasoning":
            shaped["content"] = [{"type": "reasoning_text", "text": text}]
        elif item["type"] == "message":
            shaped["content"] = [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
        return {**shaped, "status": status}


class StoredResponses(OpenAIErrors):
    """GET /v1/responses/{id}: nothing is stored, so every lookup is OpenAI's 404 (raised by the use case)."""

    def parse(self, body: dict[str, Any], settings: Settings) -> None:
        return None

    def render(self, result: None, request: None, invocation: Invocation) -> Reply:  # pragma: no cover - never ok
        raise AssertionError("the stored-response use case always raises")


RESPONSES = Responses()
STORED_RESPONSES = StoredResponses()
