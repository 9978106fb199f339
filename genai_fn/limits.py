"""Request limits beyond the byte cap: what keeps the function's memory under the 128 MB shape on any body.

A 6 MB body is small on the wire but not in memory: 6 MB of `{}` decodes into ~100 MiB of dicts, and 40,000
one-character messages become ~140 MiB of request objects, SDK models and their serialisation (issue 10, measured in
docs/security.md). So the body's JSON values are counted before it is decoded (C-speed byte counts; strings are cut
out only when the cheap count is over), then its nesting depth is found by a linear scan of its brackets before
the decoder recurses (so is that of JSON text inside its strings: jsontext.py), then the lists that multiply into
SDK objects (messages, history turns, Responses input items, documents, tools) are counted, all before the
contract builds anything. Every refusal names the limit and its variable.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

from .errors import InvalidRequest, PayloadTooLarge

DEFAULT_MAX_JSON_VALUES = 100_000
"""JSON values (objects, arrays, strings, numbers, ...; keys included) in one body; ~20 MiB decoded at worst."""
DEFAULT_MAX_JSON_DEPTH = 64
"""Nesting depth of the body: deep enough for any tool's JSON schema, far from Python's recursion limit."""
DEFAULT_MAX_MESSAGES = 2048
"""Messages (OpenAI), history turns (simple contract) or input items (Responses) in one request."""
DEFAULT_MAX_TOOLS = 128
"""Tools declared in one request."""

_STRING = re.compile(rb'"(?:[^"\\]++|\\.?)*+(?:"|\Z)', re.DOTALL)
"""A JSON string literal, whose punctuation is not structure. Possessive and ended by the closing quote or the end
of the body, so every match attempt succeeds and the scan is linear on any body."""
_COUNTED_LISTS = (
    ("messages", "MAX_MESSAGES"),
    ("history", "MAX_MESSAGES"),
    ("input", "MAX_MESSAGES"),
    ("documents", "MAX_MESSAGES"),
)
"""Each item becomes several objects (neutral, SDK model, serialisation): chat documents (and rerank documents, the
same key) are counted with the messages."""


def json_values(body: bytes, limit: int) -> int:
    """A count of the JSON values in body (keys included) that is over limit whenever the real count is; never decodes.

    Every value but the first follows a `,` or a `[`, or is the value of a key (one per `:`); objects and arrays add
    one each. Counted on the raw bytes first: an over-estimate (punctuation in text counts too), enough when it is
    within the limit. Over it, the string literals give a lower bound (every `"` not after a backslash opens or closes
    one): over the limit, that is the answer. Otherwise the punctuation inside the strings is counted one string at
    a time and taken off, so no copy of the body is made.
    """
    rough = _structure(body)
    if rough <= limit:
        return rough
    strings = (body.count(b'"') - body.count(b'\\"')) // 2
    if strings > limit:
        return strings
    inside = sum(_structure(match.group()) - 1 for match in _STRING.finditer(body))  # one at a time: no copy
    return rough - inside


def _structure(data: bytes) -> int:
    return 1 + data.count(b",") + data.count(b"[") + data.count(b"{") + data.count(b":")


def check_body(body: bytes, max_values: int) -> None:
    values = json_values(body, max_values)
    if values > max_values:
        raise PayloadTooLarge(
            f"request body holds more than {max_values} JSON values (the MAX_JSON_VALUES limit); send fewer items"
        )


def too_deep(text: str, max_depth: int) -> bool:
    """Whether the JSON text nests deeper than max_depth, found before anything recursive reads it: its brackets
    outside string literals are scanned once (regex and accumulate, C speed); a text with fewer openers than the
    limit is not scanned at all. Text that is not JSON gets an answer too (an unclosed string ends at the end)."""
    if text.count("[") + text.count("{") <= max_depth:
        return False
    outside = _TEXT_STRING.sub("", text) if '"' in text else text
    return max(accumulate(map(_STEP.__getitem__, _BRACKETS.findall(outside))), default=0) > max_depth


_TEXT_STRING = re.compile(_STRING.pattern.decode(), re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def check_counts(body: dict[str, Any], max_messages: int, max_tools: int) -> None:
    """The lists that become one SDK object each are within their limits, counted before anything is built."""
    for field, variable in _COUNTED_LISTS:
        items = body.get(field)
        if isinstance(items, list) and len(items) > max_messages:
            raise InvalidRequest(
                f"{field} holds {len(items)} items; the limit is {max_messages} ({variable})", param=field
            )
    tools = body.get("tools")
    if isinstance(tools, list) and len(tools) > max_tools:
        raise InvalidRequest(f"tools holds {len(tools)} tools; the limit is {max_tools} (MAX_TOOLS)", param="tools")
