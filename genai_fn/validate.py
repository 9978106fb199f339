"""Field primitives shared by the contracts: strings, integers and numbers in range, stop sequences, unknown fields.

Every failure is an InvalidRequest naming the field; values are never echoed back (they may be secrets).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .errors import InvalidRequest

MAX_STOP_SEQUENCES = 5
MAX_ECHOED_NAME = 64
INT64 = 2**63 - 1


def text(value: Any, field: str, *, allow_empty: bool = False) -> str:
    """A string that is valid Unicode (no lone surrogates) and, unless allowed, not blank."""
    if not isinstance(value, str):
        raise InvalidRequest(f"{field} must be a string", param=field)
    if not allow_empty and not value.strip():
        raise InvalidRequest(f"{field} must not be empty", param=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(f"{field} is not valid Unicode text", param=field) from None
    return value


def integer(value: Any, field: str, low: float, high: float) -> int:
    """An integer in range; 100.0 counts as 100, true and 1.5 do not."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"{field} must be an integer", param=field)
    if not low <= value <= high:
        raise InvalidRequest(f"{field} must be between {_fmt(low)} and {_fmt(high)}", param=field)
    return value


def number(value: Any, field: str, low: float, high: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or isinstance(value, float)
        and not math.isfinite(value)
    ):
        raise InvalidRequest(f"{field} must be a number", param=field)  # (math.isfinite overflows on huge ints)
    if not low <= value <= high:
        raise InvalidRequest(f"{field} must be between {_fmt(low)} and {_fmt(high)}", param=field)
    return float(value)


def _fmt(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def stop_sequences(value: Any, field: str = "stop") -> tuple[str, ...]:
    """A string or a list of up to five non-empty strings."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) and item for item in items):
        raise InvalidRequest(f"{field} must be a non-empty string or a list of non-empty strings", param=field)
    if len(items) > MAX_STOP_SEQUENCES:
        raise InvalidRequest(f"{field} accepts at most {MAX_STOP_SEQUENCES} sequences", param=field)
    return tuple(text(item, field, allow_empty=True) for item in items)


def unknown_field(body: Mapping[str, Any], known: frozenset[str]) -> str | None:
    """The first field the contract does not know, shortened for echoing back in an error."""
    unknown = sorted(set(body) - known)
    return unknown[0][:MAX_ECHOED_NAME] if unknown else None
