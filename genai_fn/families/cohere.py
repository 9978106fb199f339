"""Cohere V1 (apiFormat COHERE, `CohereChatRequest`): the last user turn as `message`, earlier turns as history.

Ranges from the SDK's CohereChatRequest docstrings: top_k 0 (off) or 1..500, top_p 0..1, frequency and presence
penalties 0..1 (0 = off); temperature 0..2 is the project's documented choice (docs/api.md), the narrowest range
every family accepts.
"""

from __future__ import annotations

from typing import Any

from oci.generative_ai_inference import models as m

from ..errors import InvalidRequest, UpstreamFailed
from ..neutral.chat import ChatReply, ChatRequest, Message
from ._base import Family, finish_reason, sampling, unreadable, usage


def stop_and_format(request: ChatRequest) -> dict[str, Any]:
    """Stop sequences and the JSON response format: the same fields in Cohere V1 and V2."""
    extra: dict[str, Any] = {}
    if request.params.stop:
        extra["stop_sequences"] = list(request.params.stop)
    if request.json_schema:
        extra["response_format"] = m.CohereResponseJsonFormat(schema=request.json_schema.schema)
    elif request.json_mode:
        extra["response_format"] = m.CohereResponseJsonFormat()
    return extra


class CohereV1(Family):
    api_format = "COHERE"
    ranges = {
        "temperature": (0, 2),
        "top_p": (0, 1),
        "top_k": (0, 500),
        "frequency_penalty": (0, 1),
        "presence_penalty": (0, 1),
    }
    features = frozenset({"json_object", "json_schema", "stop", "seed"})

    def check(self, request: ChatRequest) -> None:
        """The last turn (after any system messages) is the user's: it is sent as `message`."""
        turns = [msg for msg in request.messages if msg.role != "system"]
        if not turns or turns[-1].role != "user":
            raise InvalidRequest("the last message must come from the user", param=request.names.messages)

    def to_sdk(self, request: ChatRequest) -> m.CohereChatRequest:
        system = [msg.content for msg in request.messages if msg.role == "system"]
        turns = [msg for msg in request.messages if msg.role != "system"]
        return m.CohereChatRequest(
            message=turns[-1].content,
            chat_history=[_turn(msg) for msg in turns[:-1]] or None,
            preamble_override="\n\n".join(system) if system else None,
            is_stream=False,
            **sampling(request),
            **stop_and_format(request),
        )

    def from_sdk(self, response: Any, request: ChatRequest, model: str, opc_request_id: str | None) -> ChatReply:
        if not isinstance(response, m.CohereChatResponse) or not isinstance(response.text, str):
            raise unreadable(opc_request_id)
        if response.finish_reason == "ERROR":
            raise UpstreamFailed(
                "the model stopped with an error before finishing its reply", opc_request_id=opc_request_id
            )
        return ChatReply(
            text=response.text,
            model=model,
            finish_reason=finish_reason(response.finish_reason),
            usage=usage(response.usage),
            opc_request_id=opc_request_id,
        )


def _turn(message: Message) -> m.CohereMessage:
    if message.role == "user":
        return m.CohereUserMessage(message=message.content)
    return m.CohereChatBotMessage(message=message.content)


FAMILY = CohereV1()
