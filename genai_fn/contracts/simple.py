"""The simple contract: `{"input": "..."}` in, the reply text out (JSON with `Accept: application/json`).

Compatible with the original blog function's request; see docs/api.md for every field. With `"stream": true` the
reply is plain text sent as the model writes it (JSON lines with `Accept: application/json`) on the streaming edge;
the fdk edge sends the same bytes in one body.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import admission, lazy, validate
from ..config import Settings
from ..errors import InvalidRequest, ProxyError
from ..http import Invocation, Reply, StreamReply, json_bytes, json_reply
from ..neutral.chat import ChatReply, ChatRequest, Message, Usage
from . import grounding

if TYPE_CHECKING:  # stream types load with the first streamed reply
    from ..neutral.stream import ChatDelta

if TYPE_CHECKING:
    from ..neutral import stream as neutral_stream
else:  # loaded on first use: not every call needs them
    neutral_stream = lazy("genai_fn.neutral.stream")

FIELDS = (
    frozenset(
        {
            "input",
            "system",
            "history",
            "model",
            "max_tokens",
            "temperature",
            "top_p",
            "top_k",
            "frequency_penalty",
            "presence_penalty",
            "seed",
            "stop",
            "stream",
        }
    )
    | grounding.FIELDS
)
HISTORY_ROLES = ("user", "assistant")
TEXT = "text/plain; charset=utf-8"
JSON_LINES = "application/x-ndjson; charset=utf-8"
"""A streamed reply with `Accept: application/json`: one JSON object per line (docs/api.md#streaming)."""


@dataclass(frozen=True)
class SimpleCall(ChatRequest):
    """The chat request, and whether the caller asked for the reply as it is written (`stream`)."""

    stream: bool = False


class SimpleChat:
    """/chat, and a plain `fn invoke` whose body is not an OpenAI chat completion."""

    def parse(self, body: dict[str, Any], settings: Settings) -> ChatRequest:
        unknown = validate.unknown_field(body, FIELDS)
        if unknown is not None:
            raise InvalidRequest(f"unknown field {unknown!r}; accepted: {', '.join(sorted(FIELDS))}", param=unknown)
        if "input" not in body:
            raise InvalidRequest("input is required: the user's message as a string", param="input")
        model, family = admission.resolve_model(body.get("model"), settings)
        messages: list[Message] = []
        if body.get("system") is not None:
            messages.append(Message("system", validate.text(body["system"], "system")))
        messages.extend(_history(body.get("history")))
        messages.append(Message("user", validate.text(body["input"], "input")))
        stream = body.get("stream", False)
        if not isinstance(stream, bool):
            raise InvalidRequest("stream must be true or false", param="stream")
        return admission.check_chat(
            SimpleCall(
                model=model,
                api_format=family.api_format,
                messages=tuple(messages),
                params=admission.params(body, settings, family),
                **grounding.parse(body),
                stream=stream,
            )
        )

    def render(self, reply: ChatReply, request: ChatRequest, invocation: Invocation) -> Reply:
        """Plain text by default (as the blog function answered); JSON when the caller accepts it."""
        if isinstance(request, SimpleCall) and request.stream:  # in one body (the fdk edge), by the stream renderer
            return self.render_stream(neutral_stream.deltas_of(reply), request, invocation).buffered()
        if not invocation.wants_json():
            return Reply(200, reply.text.encode("utf-8", "replace"), TEXT)
        body: dict[str, Any] = {
            "text": reply.text,
            "model": reply.model,
            "finish_reason": reply.finish_reason,
            "usage": usage_json(reply.usage or Usage()),
            "opc_request_id": reply.opc_request_id,
            "request_id": invocation.call_id or None,
        }
        if reply.reasoning:
            body["reasoning_content"] = reply.reasoning
        if reply.citations:
            body["citations"] = grounding.citations_json(reply.citations)
        return json_reply(200, body)

    def render_stream(self, deltas: Iterator[ChatDelta], request: ChatRequest, invocation: Invocation) -> StreamReply:
        """The reply's text as it comes; with `Accept: application/json`, JSON lines: `{"text": ...}` (and
        `reasoning_content`, `citations`) per delta, then one line with finish_reason, usage and the ids."""
        if not invocation.wants_json():
            return StreamReply(200, TEXT, (d.text.encode("utf-8", "replace") for d in deltas if d.text))
        return StreamReply(200, JSON_LINES, _json_lines(deltas, request, invocation))

    def stream_error(self, error: ProxyError, invocation: Invocation) -> bytes:
        """An error after the first chunk: the error object as one more JSON line, or, in plain text, a last line
        `[error <type>] <message>` after a blank line."""
        if invocation.wants_json():
            return self.render_error(error, invocation).body + b"\n"
        return f"\n\n[error {error.code}] {error.message}\n".encode("utf-8", "replace")

    def render_error(self, error: ProxyError, invocation: Invocation) -> Reply:
        """One envelope for every error; the status is in the body too, since `fn invoke` cannot carry it."""
        detail: dict[str, Any] = {
            "type": error.code,
            "message": error.message,
            "status": error.status,
            "request_id": invocation.call_id or None,
        }
        if error.param:
            detail["param"] = error.param
        if error.opc_request_id:
            detail["opc_request_id"] = error.opc_request_id
        return json_reply(error.status, {"error": detail}, error.headers())


CHAT = SimpleChat()


def _history(value: Any) -> list[Message]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRequest("history must be a list of {role, content} objects", param="history")
    turns = []
    for index, turn in enumerate(value):
        where = f"history[{index}]"
        if not isinstance(turn, dict) or set(turn) != {"role", "content"}:
            raise InvalidRequest(f"{where} must be an object with exactly role and content", param=where)
        if turn["role"] not in HISTORY_ROLES:
            raise InvalidRequest(f"{where}.role must be user or assistant", param=f"{where}.role")
        turns.append(Message(turn["role"], validate.text(turn["content"], f"{where}.content")))
    return turns


def _json_lines(deltas: Iterator[ChatDelta], request: ChatRequest, invocation: Invocation) -> Iterator[bytes]:
    finish, usage = "stop", Usage()
    for delta in deltas:
        line: dict[str, Any] = {}
        if delta.text:
            line["text"] = delta.text
        if delta.reasoning:
            line["reasoning_content"] = delta.reasoning
        if delta.citations:
            line["citations"] = grounding.citations_json(delta.citations)
        if line:
            yield json_bytes(line) + b"\n"
        finish, usage = delta.finish_reason or finish, delta.usage or usage
    end = {
        "model": request.model,
        "finish_reason": finish,
        "usage": usage_json(usage),
        "request_id": invocation.call_id or None,
    }
    yield json_bytes(end) + b"\n"


def usage_json(usage: Usage) -> dict[str, int]:
    """The service's counts; `cached_tokens` (of the prompt's) and `reasoning_tokens` (of the completion's) only
    when the service reports them, named as in the log line."""
    counts = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "cached_tokens": usage.cached_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
    }
    return {name: count for name, count in counts.items() if count is not None}
