"""The simple contract: `{"input": "..."}` in, the reply text out (JSON with `Accept: application/json`).

Compatible with the original blog function's request; see docs/api.md for every field.
"""

from __future__ import annotations

from typing import Any

from .. import validate
from ..config import Settings
from ..errors import InvalidRequest, ProxyError
from ..http import Invocation, Reply, json_reply
from ..neutral.chat import ChatReply, ChatRequest, Message
from . import grounding

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
        }
    )
    | grounding.FIELDS
)
HISTORY_ROLES = ("user", "assistant")


class SimpleChat:
    """/chat, and a plain `fn invoke` whose body is not an OpenAI chat completion."""

    def parse(self, body: dict[str, Any], settings: Settings) -> ChatRequest:
        unknown = validate.unknown_field(body, FIELDS)
        if unknown is not None:
            raise InvalidRequest(f"unknown field {unknown!r}; accepted: {', '.join(sorted(FIELDS))}", param=unknown)
        if "input" not in body:
            raise InvalidRequest("input is required: the user's message as a string", param="input")
        model, family = validate.resolve_model(body.get("model"), settings)
        messages: list[Message] = []
        if body.get("system") is not None:
            messages.append(Message("system", validate.text(body["system"], "system")))
        messages.extend(_history(body.get("history")))
        messages.append(Message("user", validate.text(body["input"], "input")))
        return validate.check_chat(
            ChatRequest(
                model=model,
                api_format=family.api_format,
                messages=tuple(messages),
                params=validate.params(body, settings, family),
                **grounding.parse(body),
            )
        )

    def render(self, reply: ChatReply, request: ChatRequest, invocation: Invocation) -> Reply:
        """Plain text by default (as the blog function answered); JSON when the caller accepts it."""
        if not invocation.wants_json():
            return Reply(200, reply.text.encode("utf-8", "replace"), "text/plain; charset=utf-8")
        body: dict[str, Any] = {
            "text": reply.text,
            "model": reply.model,
            "finish_reason": reply.finish_reason,
            "usage": {
                "prompt_tokens": reply.usage.prompt_tokens,
                "completion_tokens": reply.usage.completion_tokens,
                "total_tokens": reply.usage.total_tokens,
            },
            "opc_request_id": reply.opc_request_id,
            "request_id": invocation.call_id or None,
        }
        if reply.reasoning:
            body["reasoning_content"] = reply.reasoning
        if reply.citations:
            body["citations"] = grounding.citations_json(reply)
        return json_reply(200, body)

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
