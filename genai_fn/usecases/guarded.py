"""The guardrails step of the use cases: a no-op without GUARDRAILS, and the only place that loads the screening
code, on the first call that needs it (a function without guardrails never imports them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from .. import lazy
from ..neutral.chat import ChatReply, ChatRequest
from . import Configured

if TYPE_CHECKING:
    from ..families._base import Family
    from ..neutral.stream import ChatDelta

if TYPE_CHECKING:
    from ..guardrails import plan as guardrails_plan
    from ..guardrails import screening, streaming
else:  # loaded on first use: not every call needs them
    guardrails_plan = lazy("genai_fn.guardrails.plan")
    screening = lazy("genai_fn.guardrails.screening")
    streaming = lazy("genai_fn.guardrails.streaming")

T = TypeVar("T")


def screened_chat(
    configured: Configured,
    family: Family,
    request: ChatRequest,
    deadline: float,
    screened: dict[str, str] | None = None,
) -> Any:
    """The family's SDK chat request for `request`, with every text its model reads screened as it will be sent (the
    family's Reading): the one object to send. `screened` (a fallback chain's: text -> as screened) remembers what
    this request's screening passed, so a target of another family is not screened again for the same texts."""
    chat_request = family.to_sdk(request)
    policy = configured.settings.guardrails
    if policy is None:
        return chat_request

    return screening.screen_input(
        configured.upstream.apply_guardrails, policy, chat_request, deadline, "input", family.reading, screened
    )


def logged_input(configured: Configured, family: Family, request: ChatRequest, chat_request: Any) -> list[Any]:
    """What LOG_CONTENT logs of the request: with guardrails, the texts the model read as sent (masks applied), so
    a debugging log never holds what a mask kept from the model; without, each turn's role and text."""
    if configured.settings.guardrails is None:
        return [[message.role, message.content] for message in request.messages]

    return list(guardrails_plan.sent_texts(chat_request, family.reading))


def screened_input(configured: Configured, request: T, deadline: float, stage: str) -> T:
    """`request` with every text its model reads screened at `stage` (embeddings, rerank): the one to send."""
    policy = configured.settings.guardrails
    if policy is None:
        return request

    return screening.screen_input(configured.upstream.apply_guardrails, policy, request, deadline, stage)


def screened_output(configured: Configured, reply: ChatReply, deadline: float, json_mode: bool = False) -> ChatReply:
    """The model's reply screened before it leaves (withheld when blocked, masked where configured); `json_mode`:
    the request asked for JSON, so its text is screened as the caller's parser reads it."""
    policy = configured.settings.guardrails
    if policy is None:
        return reply

    return screening.screen_chat_output(configured.upstream.apply_guardrails, policy, reply, deadline, json_mode)


def screened_stream(
    configured: Configured, deltas: Iterator[ChatDelta], model: str, deadline: float, json_mode: bool = False
) -> Iterator[ChatDelta]:
    """The model's streamed reply screened before each piece leaves (guardrails/streaming.py says how); `json_mode`
    as for `screened_output`."""
    policy = configured.settings.guardrails
    if policy is None:
        return deltas

    return streaming.screened_stream(configured.upstream.apply_guardrails, policy, deltas, model, deadline, json_mode)
