"""The guardrails step of the use cases: a no-op without GUARDRAILS, and the only place that loads the screening
code, on the first call that needs it (a function without guardrails never imports them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeVar

from ..neutral.chat import ChatReply
from . import Configured

if TYPE_CHECKING:
    from ..neutral.stream import ChatDelta

T = TypeVar("T")


def screened_input(configured: Configured, request: T, deadline: float, stage: str) -> T:
    """`request` with every text its model reads screened at `stage` (input, embeddings, rerank): the one to send."""
    policy = configured.settings.guardrails
    if policy is None:
        return request
    from ..guardrails import screening

    return screening.screen_input(configured, policy, request, deadline, stage)


def screened_output(configured: Configured, reply: ChatReply, deadline: float) -> ChatReply:
    """The model's reply screened before it leaves (withheld when blocked, masked where configured)."""
    policy = configured.settings.guardrails
    if policy is None:
        return reply
    from ..guardrails import screening

    return screening.screen_chat_output(configured, policy, reply, deadline)


def screened_stream(
    configured: Configured, deltas: Iterator[ChatDelta], model: str, deadline: float
) -> Iterator[ChatDelta]:
    """The model's streamed reply screened before each piece leaves (guardrails/streaming.py says how)."""
    policy = configured.settings.guardrails
    if policy is None:
        return deltas
    from ..guardrails import streaming

    return streaming.screened_stream(configured, policy, deltas, model, deadline)
