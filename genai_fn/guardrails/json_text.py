"""JSON inside a string (a tool call's arguments), decoded for screening: strict RFC 8259, with its depth bounded
before the parser recurses, so no text can make screening crash or read something other than what a JSON parser
(the service's, the client's) will.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..errors import InvalidRequest

MAX_DEPTH = 64
"""The deepest nesting of objects and arrays a JSON text may have (far below the parser's recursion limit)."""


def _depth(text: str) -> int:
    """The deepest nesting of `text`'s objects and arrays, in one pass (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


class NotJson(InvalidRequest):
    """The text is no JSON at all (a syntax error): what a parser reads of it is the text itself."""


class _NotFinite(Exception):
    """Raised inside the parser (not a ValueError, which it would report as a syntax error)."""


def _finite(number: str) -> float:
    value = float(number)
    if not math.isfinite(value):
        raise _NotFinite(f"{number} is not a finite number")
    return value


def _constant(name: str) -> Any:
    raise _NotFinite(f"{name} is not JSON")


def decode_json_text(text: str, field: str) -> Any:
    """The value of a JSON text; InvalidRequest naming `field` when it nests deeper than MAX_DEPTH or holds a number
    JSON cannot carry (NaN, Infinity, one too large for a double); NotJson when it is not JSON at all."""
    if _depth(text) > MAX_DEPTH:
        raise InvalidRequest(f"{field} nests deeper than {MAX_DEPTH} levels", param=field)
    try:
        return json.loads(text, parse_constant=_constant, parse_float=_finite)
    except _NotFinite as error:
        raise InvalidRequest(f"{field} must be JSON: {error}", param=field) from None
    except ValueError as error:
        raise NotJson(f"{field} must be a JSON text: {error}", param=field) from None


def encode_json_text(value: Any) -> str:
    """A decoded (and masked) value as JSON again, as a parser reads it: characters as they are, never escaped."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False)
