"""A deterministic example value for a JSON Schema: what the emulated model puts in a tool call's arguments and in a
reply asked for in JSON, so a client that validates them (LangChain's `bind_tools`, the Agents SDK, `parse`) gets
a value its own schema accepts.

Covers what tool and response schemas use in practice (OpenAI's function-calling subset, Pydantic's output):
`type` (or a list of types), `properties`/`required`, `items`/`prefixItems`, `enum`, `const`, `examples`,
`anyOf`/`oneOf` (the first non-null branch), `allOf` (merged), `$ref` into `$defs`/`definitions`, string `format`,
`minLength`/`maxLength`, number bounds and `multipleOf`, `minItems`/`maxItems`. Not `pattern` (no regex is inverted
here) nor `uniqueItems` with `minItems` above 1. `default` is not used: loosely written models declare defaults
their own schema refuses (`x: int = None`). The rules are in docs/emulator.md.

A caller's schema reaches the emulator unchecked, so any JSON value is taken as a schema without an exception:
keywords of the wrong type are ignored, sizes are capped and recursion ends.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

EXAMPLE_STRING = "Paris"
"""Any string without an enum, const, examples or format: the emulated model answers weather questions."""
FORMAT_EXAMPLES = {
    "date": "2025-01-01",
    "date-time": "2025-01-01T12:00:00Z",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
}
"""Valid values for the string formats clients emit (Pydantic: date, datetime, time, EmailStr, AnyUrl, UUID)."""
FILL_DEPTH = 4
"""Past this nesting depth only what the schema requires is filled in (a recursive schema ends in empty objects)."""
MAX_DEPTH = 32
"""Past this depth (of properties, items, branches and `$ref`s together) nothing more is built: only a schema that
no finite value meets goes this deep."""
MAX_ITEMS = 64
MAX_STRING = 4096
"""Caps on `minItems` and `minLength`, so a hostile schema cannot make the emulator build a huge reply."""


def example_value(schema: Any) -> Any:
    """A value that validates against `schema` (the whole schema: `$ref`s resolve against its `$defs`)."""
    return _Example(schema if isinstance(schema, Mapping) else {}).value(schema, 0)


class _Example:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def value(self, schema: Any, depth: int) -> Any:
        if not isinstance(schema, Mapping) or depth > MAX_DEPTH:  # `true`/`false` schemas, or no end in sight
            return EXAMPLE_STRING if depth <= MAX_DEPTH else None
        if isinstance(schema.get("$ref"), str):
            return self.value(self._resolve(schema), depth + 1)
        if "const" in schema:
            return schema["const"]
        for key in ("enum", "examples"):
            if isinstance(schema.get(key), list) and schema[key]:
                return schema[key][0]
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self.value(_first_not_null(schema[key]), depth + 1)
        if isinstance(schema.get("allOf"), list):
            return self.value(_merge([schema, *schema["allOf"]]), depth + 1)
        kind = _type(schema)
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, depth)
        if kind == "string":
            return _string(schema)
        if kind in ("integer", "number"):
            return _number(schema, integer=kind == "integer")
        if kind == "boolean":
            return True
        return None  # "null", or a type no value has

    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """One local `$ref` (`#/$defs/Name`, `#/definitions/Name`, `#`), merged with its sibling keywords."""
        target: Any = self.root
        for part in str(schema["$ref"]).removeprefix("#").strip("/").split("/"):
            if part:
                target = target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, Mapping) else None
        base = target if isinstance(target, Mapping) else {}
        return {**base, **{k: v for k, v in schema.items() if k != "$ref"}}

    def _object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        declared = schema.get("properties")
        properties: Mapping[str, Any] = declared if isinstance(declared, Mapping) else {}
        required = {name for name in _list(schema.get("required")) if isinstance(name, str)}
        # Every declared property while shallow (a model fills in what it knows), only the required ones past
        # FILL_DEPTH, so a recursive schema ends.
        names = [name for name in properties if depth < FILL_DEPTH or name in required]
        value = {name: self.value(properties[name], depth + 1) for name in names}
        for name in sorted(required - set(value)):  # required but not declared: any value
            value[name] = EXAMPLE_STRING
        return value

    def _array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        prefix = [self.value(item, depth + 1) for item in _list(schema.get("prefixItems"))[:MAX_ITEMS]]
        items = schema.get("items")
        wanted = max(_bounded(schema.get("minItems"), MAX_ITEMS), 0 if depth >= FILL_DEPTH else 1)
        if "maxItems" in schema:
            wanted = min(wanted, _bounded(schema.get("maxItems"), MAX_ITEMS))
        count = wanted - len(prefix)
        if items is False or (items is None and prefix):
            count = 0
        tail = [self.value(items if items is not None else {}, depth + 1) for _ in range(max(count, 0))]
        return prefix + tail


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _bounded(value: Any, cap: int) -> int:
    """A size keyword as a count in 0..cap; anything but a number counts as 0."""
    number = _finite(value)
    return 0 if number is None else max(0, min(int(number), cap))


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _first_not_null(branches: list[Any]) -> Any:
    for branch in branches:
        if not (isinstance(branch, Mapping) and branch.get("type") == "null"):
            return branch
    return branches[0]


def _merge(schemas: list[Any]) -> dict[str, Any]:
    """allOf: properties and required lists combined, other keywords from the last schema that has them."""
    merged: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    required: list[Any] = []
    for schema in schemas:
        if not isinstance(schema, Mapping):
            continue
        merged.update({k: v for k, v in schema.items() if k not in ("allOf", "properties", "required")})
        if isinstance(schema.get("properties"), Mapping):
            properties.update(schema["properties"])
        required += [name for name in _list(schema.get("required")) if name not in required]
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged


def _type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "required" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return "string"  # no type said: any value is valid; a string reads best


def _string(schema: Mapping[str, Any]) -> str:
    text = FORMAT_EXAMPLES.get(str(schema.get("format")), EXAMPLE_STRING)
    low = _bounded(schema.get("minLength"), MAX_STRING)
    if len(text) < low:
        text += "x" * (low - len(text))
    high = _finite(schema.get("maxLength"))
    return text[: max(int(high), 0)] if high is not None else text


def _number(schema: Mapping[str, Any], *, integer: bool) -> int | float:
    """1 when allowed; else the lowest allowed value (above an exclusive minimum), on a multipleOf step."""
    low, high = _finite(schema.get("minimum")), _finite(schema.get("maximum"))
    exclusive_low, exclusive_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(exclusive_low, bool):  # draft 4 / OpenAPI 3.0: a flag on minimum
        low, exclusive_low = (None, low) if exclusive_low else (low, None)
    if isinstance(exclusive_high, bool):
        high, exclusive_high = (None, high) if exclusive_high else (high, None)
    exclusive_low, exclusive_high = _finite(exclusive_low), _finite(exclusive_high)
    step = _finite(schema.get("multipleOf"))
    step = step if step is not None and step > 0 else (1.0 if integer else None)
    candidate = 1.0
    if low is not None and candidate < low:
        candidate = low
    if exclusive_low is not None and candidate <= exclusive_low:
        candidate = exclusive_low + (step or 0.5)
    if high is not None and candidate > high:
        candidate = high
    if exclusive_high is not None and candidate >= exclusive_high:
        candidate = exclusive_high - (step or 0.5)
    if step and math.isfinite(candidate / step) and abs(candidate / step) < 1e15:
        candidate = math.ceil(candidate / step) * step
        if (high is not None and candidate > high) or (exclusive_high is not None and candidate >= exclusive_high):
            candidate -= step
    if not math.isfinite(candidate):
        candidate = 1.0
    return int(candidate) if integer else candidate
