"""Token budgets around a model call: reserve the request's bound before it, settle with what it may have cost after.

With TOKEN_BUDGETS off (`configured.budgets` is None) this is a no-op that imports nothing more. With it on, the
caller (the request record's `caller`, from the gateway) must have room left in every window, or the request is a
429 (BudgetExceeded) before anything is sent; whatever happens to the call, the reservation is settled by `charge`
(the service's count, the whole reservation per attempt that may have been billed, or nothing) and the log line's
`budget` says what was reserved and charged.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..caller import FN_INVOKE_CALLER
from ..logs import CallFacts, current_record
from ..neutral.chat import ChatRequest
from . import Configured

if TYPE_CHECKING:
    from ..families._base import Family


@dataclass
class Meter:
    """What the call really used: the use case sets it from the service's usage once the reply is read."""

    used: int | None = None
    cached: int = 0
    """Of `used`, the prompt tokens the service read from its cache (weighted by TOKEN_BUDGET_CACHED_WEIGHT)."""


@contextlib.contextmanager
def metered(configured: Configured, bound: Callable[[], int], deadline: float) -> Iterator[Meter]:
    """Reserve `bound()` (computed only when budgets are on) for the request's caller, settle on the way out."""
    meter = Meter()
    store = configured.budgets
    if store is None:
        yield meter
        return
    record = current_record()
    reservation = store.reserve(record.caller or FN_INVOKE_CALLER, bound(), deadline)
    first_call = len(record.calls)
    try:
        yield meter
    finally:
        used = weighted(meter, store.policy.cached_weight)
        charged = charge(used, record.calls[first_call:], reservation.tokens)
        store.settle(reservation, charged, deadline)
        record.budget = {**reservation.log_fields(), "charged": charged if reservation.enforced else 0}


def charge(used: int | None, calls: Sequence[CallFacts], reserved: int) -> int:
    """What a request costs its caller's budget: every attempt that may have been billed (summed over the request's
    calls: a fallback chain has one per target) costs the whole reservation, the request's upper bound per
    generation (a timeout after the request was sent, a connection broken mid-reply, a 5xx, an unreadable reply:
    upstream.failures.may_have_billed), but the attempt whose reply was read, which costs the service's count
    (`used`); nothing when no attempt can have been billed (refused before sending, a 4xx, connection refused).
    So a caller is never charged less than the service may have billed, retries included (docs/usage.md: the rule
    and its worst case); the charge may exceed the reservation, and settling adds the difference."""
    billable = sum(call.billable_attempts for call in calls)
    if billable == 0:
        return 0
    if used is None:
        return reserved * billable
    return reserved * (billable - 1) + used


def weighted(meter: Meter, cached_weight: float) -> int | None:
    """The service's count with its cached prompt tokens counted at `cached_weight` (TOKEN_BUDGET_CACHED_WEIGHT,
    0..1; 1 counts them like any token), rounded up so a weight never charges less than it says."""
    if meter.used is None or cached_weight >= 1 or meter.cached <= 0:
        return meter.used
    cached = min(meter.cached, meter.used)
    return meter.used - cached + math.ceil(cached * cached_weight)


def chat_bound(request: ChatRequest, senders: Iterable[Family]) -> int:
    """An upper bound of the tokens a chat request can use: the UTF-8 bytes of the SDK request as it is sent,
    serialised (every text the model reads and more: Cohere V1's CHATBOT copy of a tool output, schema names and
    descriptions, tool-call ids, JSON as re-encoded; a byte-level tokenizer's token takes at least one byte), the
    largest of the families that may send it (`senders`: a fallback chain's), plus the most it may generate. Masks
    that lengthen a text are written after this (docs/usage.md: what the bound leaves out)."""
    from oci.util import to_dict

    size = max(len(_compact(to_dict(family.to_sdk(request))).encode()) for family in senders)
    return size + request.params.max_tokens


def _compact(value: object) -> str:
    """An SDK request's dict as compact JSON without its unset (None) fields, as the SDK's serialiser leaves them
    out: what is sent, not the model's every attribute."""

    def present(item: object) -> object:
        if isinstance(item, dict):
            return {key: present(inner) for key, inner in item.items() if inner is not None}
        if isinstance(item, list):
            return [present(inner) for inner in item]
        return item

    return json.dumps(present(value), ensure_ascii=False, separators=(",", ":"))


def text_bound(texts: tuple[str, ...]) -> int:
    """An upper bound of the tokens of texts to embed: their UTF-8 bytes."""
    return sum(len(text.encode()) for text in texts)
