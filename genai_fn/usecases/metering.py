"""Token budgets around a model call: reserve the request's bound before it, settle with what it may have cost after.

With TOKEN_BUDGETS off (`configured.budgets` is None) this is a no-op that imports nothing more. With it on, the
caller (the request record's `caller`, from the gateway) must have room left in every window, or the request is a
429 (BudgetExceeded) before anything is sent; whatever happens to the call, the reservation is settled by `charge`
(the service's count, the whole reservation per attempt that may have been billed, or nothing) and the log line's
`budget` says what was reserved and charged.
"""

from __future__ import annotations

import contextlib
import datetime
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring  # json.dumps' own string escaper (ensure_ascii=False)
from typing import TYPE_CHECKING

from ..caller import FN_INVOKE_CALLER
from ..logs import CallFacts, current_record
from ..neutral.chat import ChatRequest, Usage
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


def counted(meter: Meter, usage: Usage | None) -> None:
    """The service's usage of a call, into the budget's meter and the request's log line; None (not reported)
    leaves both unknown, so the whole reservation is kept (`charge`)."""
    if usage is None:
        return
    record = current_record()
    meter.used, meter.cached = usage.total_tokens, usage.cached_tokens or 0
    record.prompt_tokens, record.completion_tokens = usage.prompt_tokens, usage.completion_tokens
    record.total_tokens = usage.total_tokens
    record.cached_tokens, record.reasoning_tokens = usage.cached_tokens, usage.reasoning_tokens


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
    size = max(sent_size(family.to_sdk(request)) for family in senders)
    return size + request.params.max_tokens


def sent_size(value: object) -> int:
    """The UTF-8 bytes of `value` (an SDK request) as compact JSON without its unset (None) fields, as the SDK's
    serialiser leaves them out: `len(json.dumps(to_dict(value) without its None fields, ensure_ascii=False,
    separators=(",", ":")).encode())`, counted by a walk that builds neither the dict nor the text (on a 6 MB body
    those copies cost more memory than the request itself). It follows oci.util.to_dict (oci 2.189.0 `util.py`:
    strings, NONE_SENTINEL as None, mappings with `filter_key`, iterables as lists, models by `swagger_types`) and
    json.dumps (its own string escaper, its number texts, NaN and Infinity as it writes them)."""
    from oci.util import NONE_SENTINEL, filter_key, to_dict

    def size(item: object) -> int:
        """to_dict's cases in its order (a list, tuple or dict first: the common ones)."""
        if isinstance(item, str):
            return _string_size(item)
        if item is None or item is NONE_SENTINEL:
            return 4  # null
        if isinstance(item, (list, tuple)):
            return 2 + sum(map(size, item)) + max(len(item) - 1, 0)
        if isinstance(item, (datetime.date, datetime.time)):
            return _string_size(to_dict(item))
        if isinstance(item, Mapping):
            return members((_key_text(filter_key(key)), inner) for key, inner in item.items())
        if isinstance(item, Iterable):
            sizes = [size(inner) for inner in item]
            return 2 + sum(sizes) + max(len(sizes) - 1, 0)
        if hasattr(item, "swagger_types"):
            return members((filter_key(key), getattr(item, key, None)) for key in item.swagger_types)
        if isinstance(item, (bool, int, float)):
            return len(_scalar_text(item))
        raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")

    def members(items: Iterable[tuple[str, object]]) -> int:
        """A JSON object's bytes, its None members left out."""
        count = total = 0
        for key, inner in items:
            if inner is not None and inner is not NONE_SENTINEL:
                count += 1
                total += _string_size(key) + 1 + size(inner)
        return 2 + total + max(count - 1, 0)

    return size(value)


_PIECE = 1 << 16
"""Characters of a long string escaped and encoded at a time: the walk's only copies are this small."""


def _string_size(text: str) -> int:
    """A string's bytes as json.dumps(ensure_ascii=False) writes it, its quotes included."""
    if len(text) <= _PIECE:
        escaped = encode_basestring(text)
        return len(escaped) if text.isascii() else len(escaped.encode())
    pieces = range(0, len(text), _PIECE)
    return 2 + sum(_string_size(text[start : start + _PIECE]) - 2 for start in pieces)


def _key_text(key: object) -> str:
    """A mapping key as json.dumps writes it (numbers, booleans and None as their JSON text)."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return _scalar_text(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _scalar_text(value: bool | int | float | None) -> str:
    """A scalar's JSON text, as json.dumps writes it (allow_nan: NaN, Infinity, -Infinity)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def text_bound(texts: tuple[str, ...]) -> int:
    """An upper bound of the tokens of texts to embed: their UTF-8 bytes."""
    return sum(len(text.encode()) for text in texts)
