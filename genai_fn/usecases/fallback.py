"""A chat call with its configured fallbacks (FALLBACKS): the model the caller chose, then its targets in order,
within the one deadline. Loaded only for a model that has a chain.

- A target cooling down (fallbacks/cooldown.py) is skipped; when every target is cooling, the chosen model is tried
  anyway (a cooldown is advice, never a refusal). A cooldown store that fails is logged and ignored.
- A target whose family cannot carry the request (its features, its rules, its ranges, a text-only model and an
  image) is skipped before anything is sent to it, and the log line says why.
- A target with another target after it gets one attempt: on a failure another target may answer (upstream.failures.
  may_fall_back: 429, 5xx, 404, no answer, no connection) it cools down and the next is tried at once. The last one
  gets MAX_ATTEMPTS, as a call without fallbacks does. Any other failure is the answer.
- A target of another family gets the same neutral request mapped by its own family; the input guardrails screened
  the chosen model's request, and their outcome per text is reused (guardrails/screening.py `memory`).
- Every attempt's CallFacts go into the request's record, so the budget (usecases/metering.py) charges the answer
  plus what the failed attempts may have been billed, once, by `charge`'s rule.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from .. import families
from ..admission import check_chat
from ..cache import StoreFailure
from ..errors import InvalidRequest, UpstreamError
from ..fallbacks.config import Target
from ..families._base import SAMPLING_PARAMETERS, Family
from ..logs import current_record
from ..neutral.chat import ChatReply, ChatRequest
from ..upstream.retry import MIN_ATTEMPT_SECONDS, RESPONSE_MARGIN_SECONDS
from . import Configured
from .guarded import screened_chat


def chat_with_fallbacks(
    configured: Configured, request: ChatRequest, family: Family, deadline: float
) -> tuple[ChatReply, Family, Any]:
    """The reply of the first target that answers, with that target's family and the SDK request it was sent (as
    screened); the last failure when none does."""
    policy = configured.settings.fallbacks
    assert policy is not None  # usecases/chat.py calls this only for a model with a chain
    record = current_record()
    notes: dict[str, Any] = {}
    primary = Target(request.model, request.api_format)
    chain = (primary, *policy.chain(request.model))
    try:
        order = targets_to_try(configured, request, chain, deadline, notes)
        screened: dict[str, str] = {}
        failure: UpstreamError | None = None
        for index, target in enumerate(order):
            if failure is not None and deadline - time.monotonic() - RESPONSE_MARGIN_SECONDS < MIN_ATTEMPT_SECONDS:
                break  # no time for another target: the last failure is the answer
            asked = request if target is primary else _for_target(request, target)
            asked_family = family if target is primary else families.get(target.api_format)
            chat_request = screened_chat(configured, asked_family, asked, deadline, screened)
            with record.upstream_call() as facts:
                try:
                    reply = configured.upstream.chat(
                        asked,
                        asked_family,
                        chat_request,
                        deadline,
                        facts,
                        endpoint_id=target.name if target.endpoint else None,
                        max_attempts=None if index == len(order) - 1 else 1,
                    )
                except UpstreamError as error:
                    if not facts.may_fall_back:
                        raise
                    failure = error
                    notes.setdefault("failed", []).append(target.name)
                    _cool(configured, target.name, deadline, notes)
                    continue
            record.served_by, record.selected_region = facts.served_by, facts.selected_region
            if target is not primary:
                record.fallback_from = request.model
            return reply, asked_family, chat_request
        assert failure is not None  # the chosen model is always in `order`
        raise failure
    finally:
        record.fallback = notes or None


def targets_to_try(
    configured: Configured, request: ChatRequest, chain: tuple[Target, ...], deadline: float, notes: dict[str, Any]
) -> list[Target]:
    """The targets to try, in order: those not cooling down whose family can carry the request (the chosen model
    was checked while parsing); the chosen model alone when none is left."""
    cooldowns = configured.cooldowns
    cooling: frozenset[str] = frozenset()
    if cooldowns is not None:
        try:
            cooling = cooldowns.cooling([target.name for target in chain], deadline)
        except StoreFailure as failure:
            notes["store_error"] = str(failure)
    if cooling:
        notes["cooling"] = [target.name for target in chain if target.name in cooling]
    order: list[Target] = []
    for index, target in enumerate(chain):
        if target.name in cooling:
            continue
        refusal = None if index == 0 else unfit(_for_target(request, target))
        if refusal is not None:
            notes.setdefault("skipped", []).append({"target": target.name, "why": refusal})
            continue
        order.append(target)
    return order or [chain[0]]


def senders(request: ChatRequest, chain: tuple[Target, ...]) -> list[Family]:
    """The families of the chain's targets that can carry the request: those that may build its SDK request."""
    return [families.get(t.api_format) for t in chain if unfit(_for_target(request, t)) is None]


def unfit(request: ChatRequest) -> str | None:
    """Why the request's model (a fallback target) cannot carry it, as its family and the catalogue say (what the
    parser would have refused had the caller named it); None when it can."""
    family = families.get(request.api_format)
    for name in SAMPLING_PARAMETERS:
        value = getattr(request.params, name)
        if value is None:
            continue
        if name not in family.ranges:
            return f"{family.api_format} models take no {name}"
        low, high = family.ranges[name]
        if not low <= value <= high:
            return f"{name} is outside {family.api_format}'s range {low}..{high}"
    try:
        check_chat(request)
    except InvalidRequest as refusal:
        return refusal.message
    return None


def _for_target(request: ChatRequest, target: Target) -> ChatRequest:
    """The same neutral request, for the target's model (or endpoint) and in its format."""
    return dataclasses.replace(request, model=target.name, api_format=target.api_format)


def _cool(configured: Configured, target: str, deadline: float, notes: dict[str, Any]) -> None:
    """Start `target`'s cooldown; a store that fails is noted, never raised (the answer matters more)."""
    if configured.cooldowns is None:
        return
    try:
        configured.cooldowns.cool(target, deadline)
    except StoreFailure as failure:
        notes["store_error"] = str(failure)
