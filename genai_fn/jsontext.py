"""JSON text inside a string field: tool-call arguments, tool results, anything a caller sends as JSON in a string.

One home for reading it and writing it back. Reading bounds the text before any decoder recurses (its nesting,
by a linear scan of its brackets; its size, by a count of its values) and then decodes it as strictly as the body
itself (body.strict_json: no NaN or Infinity, no number a double cannot hold, no duplicate key, no lone
surrogate). Writing is RFC 8259 JSON (no NaN or Infinity). Every refusal names the caller's field, never the text.

Loaded on first use: a plain chat carries no JSON in its strings (tests/integration/test_import_budget.py).
"""

from __future__ import annotations

import json
from typing import Any

from . import limits
from .body import NotJSONError, StrictJSONError, strict_json
from .errors import InvalidRequest

MAX_DEPTH = limits.DEFAULT_MAX_JSON_DEPTH
"""Nesting depth of JSON text in a string (64): deep enough for any tool's arguments or result, far from Python's
recursion limit, so nothing that walks the decoded value (the SDK's serialiser, guardrails) can overflow."""
MAX_VALUES = limits.DEFAULT_MAX_JSON_VALUES
"""JSON values in one such text (100,000, as in a body): ~20 MiB decoded at worst. Its characters are bounded by
the body's own byte limit (MAX_BODY_BYTES)."""


class NotJSONText(InvalidRequest):
    """The text is not JSON at all: a reader that takes plain text too (a tool's output) may take it as text."""


def decode_json_text(text: str, field: str, *, param: str | None = None) -> Any:
    """The JSON value of `text`, or a 400 naming `field` (the caller's own path) saying what is wrong with it:
    NotJSONText when it is not JSON at all, InvalidRequest when it is JSON refused for its depth, size or a value
    (NaN, Infinity, 1e400, a duplicate key, a lone surrogate). `param`: the error's `param` when it is not
    `field` itself (a field described in words: "messages (the output of tool call 'c1')")."""
    param = param or field
    _bound(text, field, param)
    try:
        return strict_json(text)
    except NotJSONError as exc:
        raise NotJSONText(f"{field} {exc}", param=param) from None
    except StrictJSONError as exc:
        raise InvalidRequest(f"{field} {exc}", param=param) from None


def _bound(text: str, field: str, param: str) -> None:
    """Refuses a text too large or too deep to decode, before any decoder recurses."""
    if limits.json_values(text.encode("utf-8", "surrogatepass"), MAX_VALUES) > MAX_VALUES:  # first: it bounds
        raise InvalidRequest(f"{field} holds more than {MAX_VALUES} JSON values", param=param)  # the scan below
    if limits.too_deep(text, MAX_DEPTH):
        raise InvalidRequest(f"{field} nests deeper than {MAX_DEPTH} levels", param=param)


def decode_as_clients_do(text: str) -> Any:
    """The value a client's JSON parser reads from a reply's `text` (never a request's) that strict JSON refused:
    a duplicate key's last value wins, as in the common parsers (Python's json, JavaScript's JSON.parse).
    ValueError when it cannot be read within the same bounds, or holds what RFC 8259 JSON cannot write back
    (NaN, Infinity, 1e400)."""

    def refuse(constant: str) -> Any:
        raise ValueError(constant)

    try:
        _bound(text, "the text", "text")
        value = json.loads(text, parse_constant=refuse)
        encode_json(value)  # 1e400 reads as inf: no JSON holds it
    except (InvalidRequest, RecursionError):
        raise ValueError("the text is too large or too deep") from None
    return value


def encode_json(value: Any) -> str:
    """`value` as RFC 8259 JSON text, non-ASCII kept; ValueError for NaN or an infinity (never written as the
    bare words Python's json writes by default)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False)
