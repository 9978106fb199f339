"""The request body, decoded strictly: within its byte, depth and count limits, valid UTF-8, RFC 8259 JSON with no
NaN, no number beyond a double, no duplicate key and no lone surrogate (jsontext.py shares the decoder for JSON
inside a string). Every failure says what is wrong, never the text (it may hold secrets)."""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any, Protocol

from . import limits
from .errors import InvalidJSON, PayloadTooLarge


class BodyLimits(Protocol):
    """The limits a body is read within (config.Settings has them). A protocol, not Settings itself: strict_json is
    also what the reply checks use (families/_base.py), and configuration must not be imported for it."""

    @property
    def max_body_bytes(self) -> int: ...
    @property
    def max_json_values(self) -> int: ...
    @property
    def max_json_depth(self) -> int: ...
    @property
    def max_messages(self) -> int: ...
    @property
    def max_tools(self) -> int: ...


def decode_object(body: bytes, settings: BodyLimits) -> dict[str, Any]:
    """Decode a request body into a JSON object, strictly: no NaN/Infinity, no duplicate keys, valid UTF-8."""
    if len(body) > settings.max_body_bytes:
        # Not the body's length: the streaming edge stops reading one byte past the limit (edges/asgi.py).
        raise PayloadTooLarge(f"request body is over the limit of {settings.max_body_bytes} bytes (MAX_BODY_BYTES)")
    if not body.strip():
        raise InvalidJSON("request body is empty; send a JSON object")
    limits.check_body(body, settings.max_json_values)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidJSON(f"request body is not valid UTF-8 (byte {exc.start})") from None
    if limits.too_deep(text, settings.max_json_depth):  # before the decoder recurses
        raise InvalidJSON(f"request body nests deeper than {settings.max_json_depth} levels (the MAX_JSON_DEPTH limit)")
    try:
        value = strict_json(text)
    except StrictJSONError as exc:
        raise InvalidJSON(f"request body {exc}") from None
    if not isinstance(value, dict):
        raise InvalidJSON("request body must be a JSON object")
    limits.check_counts(value, settings.max_messages, settings.max_tools)
    return value


def strict_json(text: str) -> Any:
    """RFC 8259 JSON, strictly: no NaN or Infinity, no number beyond a double's range (1e400 would be read as
    inf and sent on as Infinity), no duplicate key, no lone surrogate. The caller bounds its depth first (the C
    decoder recurses). StrictJSONError says what is wrong, never the text (it may hold secrets); its message reads
    after the field's name ("request body" + message)."""
    try:
        value = _STRICT_JSON.decode(text)
    except json.JSONDecodeError as exc:  # where, never what
        raise NotJSONError(
            f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} (char {exc.pos})"
        ) from None
    except StrictJSONError:
        raise
    except (ValueError, RecursionError):  # int() over 4300 digits; a depth the caller did not bound
        raise StrictJSONError("is not valid JSON") from None
    if _LONE_SURROGATE_ESCAPE.search(text) and not _valid_unicode(value):
        raise StrictJSONError("holds a \\u escape that is not valid Unicode (a lone surrogate)")
    return value


_LONE_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
"""Only a \\uD800-\\uDFFF escape can put a lone surrogate into decoded text; look deeper only then."""


def _valid_unicode(value: Any) -> bool:
    """Every string in the decoded value (keys included) is encodable: nothing we echo or forward can fail.

    Iterative, not recursive: a body nested deeper than Python's recursion limit must not escape as a 500.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


class StrictJSONError(ValueError):
    """What makes a text not strict JSON, phrased to follow the name of the field that held it."""


class NotJSONError(StrictJSONError):
    """The text is not JSON at all (a syntax error), rather than JSON refused for what it holds."""


class NotANumberError(StrictJSONError):
    """The text holds NaN, an infinity or a number a double cannot hold: no JSON reader reads it as written."""


def _reject_constant(name: str) -> Any:
    raise NotANumberError(f"holds a bare {name}: {name} is not valid JSON")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise NotANumberError("holds a number too large for a double (it would be sent as Infinity)")
    return value


def _bounded_int(literal: str) -> int:
    """An integer a double can hold the magnitude of: a longer literal is refused before int() reads it."""
    if len(literal) > MAX_INT_DIGITS + 1 or abs(value := int(literal)) > MAX_JSON_INT:
        raise NotANumberError("holds a number too large for a double (it would be sent as Infinity)")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise StrictJSONError("has a duplicate key")
    return result


MAX_JSON_INT = int(sys.float_info.max)
"""The largest integer magnitude accepted in JSON: beyond it a reader that takes numbers as doubles (most, and the
service's) gets Infinity. RFC 8259 section 6 leaves such numbers to the implementation; refusing is the safe one."""
MAX_INT_DIGITS = len(str(MAX_JSON_INT))
_STRICT_JSON = json.JSONDecoder(
    parse_constant=_reject_constant,
    parse_float=_finite_float,
    parse_int=_bounded_int,
    object_pairs_hook=_unique_keys,
)
"""Built once: json.loads with these options builds a new decoder on every call."""
