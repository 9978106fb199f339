"""Token budgets around a model call: reserve the request's bound before it, settle with what it may have cost after.

With TOKEN_BUDGETS off (`configured.budgets` is None) this is a no-op that imports nothing more. With it on, the
caller (the request record's `caller`, from the gateway) must have room left in every window, or the request is a
429 (BudgetExceeded) before anything is sent; whatever happens to the call, the reservation is settled by `charge`
(the service's count, the whole reservation, or nothing) and the log line's `budget` says what was reserved and
charged.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..caller import FN_INVOKE_CALLER
from ..logs import CallFacts, current_record
from ..neutral.chat import ChatRequest
from . import Configured


@dataclass
class Meter:
    """What the call really used: the use case sets it from the service's usage once the reply is read.
    `unknown`: the call reached the service and how it ended is not known (a stream cut, stalled, closed by the
    client, or ended without usage): the service may have billed all of it, so the whole reservation is kept."""

    used: int | None = None
    unknown: bool = False


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
        calls = record.calls[first_call:]
        charged = reservation.tokens if meter.unknown else charge(meter.used, calls, reservation.tokens)
        store.settle(reservation, charged, deadline)
        record.budget = {**reservation.log_fields(), "charged": charged if reservation.enforced else 0}


def charge(used: int | None, calls: Sequence[CallFacts], reserved: int) -> int:
    """What a request costs its caller's budget: the service's count (`used`) when its one billable attempt was
    read; the whole reservation when an attempt may have been billed without a count read (a timeout after the
    request was sent, a connection broken mid-reply, a 5xx, an unreadable reply: upstream.failures.may_have_billed),
    or when a retry followed one; nothing when no attempt can have been billed (refused before sending, a 4xx,
    connection refused). The reservation is the request's upper bound, so the caller is never charged less than the
    service may have billed for one generation (docs/usage.md: the rule and its worst case)."""
    billable = sum(call.billable_attempts for call in calls)
    if billable == 0:
        return 0
    if used is not None and billable == 1:
        return used
    return max(reserved, used or 0)


def chat_bound(request: ChatRequest) -> int:
    """An upper bound of the tokens a chat request can use: the UTF-8 bytes of everything the model reads (a
    byte-level tokenizer's token takes at least one byte) plus the most it may generate."""
    size = sum(len(message.content.encode()) for message in request.messages)
    size += sum(len(image.url) for message in request.messages for image in message.images)
    size += sum(len(call.name) + len(call.arguments.encode()) for m in request.messages for call in m.tool_calls)
    for tool in request.tools:
        size += len(json.dumps([tool.name, tool.description, tool.parameters], ensure_ascii=False).encode())
    if request.json_schema is not None:
        size += len(json.dumps(request.json_schema.schema, ensure_ascii=False).encode())
    size += sum(len(name.encode()) + len(value.encode()) for doc in request.documents for name, value in doc.fields)
    return size + request.params.max_tokens


def text_bound(texts: tuple[str, ...]) -> int:
    """An upper bound of the tokens of texts to embed: their UTF-8 bytes."""
    return sum(len(text.encode()) for text in texts)
