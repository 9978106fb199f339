"""A deterministic example value for a JSON Schema: what the emulated model puts in a tool call's arguments and in a
reply asked for in JSON, so a client that validates them (LangChain's `bind_tools`, the Agents SDK, `parse`) gets
a value its own schema accepts.

Covers what tool and response schemas use in practice (OpenAI's function-calling subset, Pydantic's output):
`type` (or a list of types), `properties`/`required`, `items`/`prefixItems`, `enum`, `const`, `examples`,
`anyOf`/`oneOf` (the first non-null branch), `allOf` (merged), `$ref` into `$defs`/`definitions`, string `format`,
`minLength`/`maxLength`, number bounds and `multipleOf`, `minItems`/`maxItems`. Not `pattern` (no regex is inverted
here) nor `uniqueItems` with `minItems` above 1. `default` is not used: loosely written models declare defaults
their own schema refuses (`x: int = None`). The rules are in docs/emulator.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

EXAMPLE_STRING = "Paris"
"""Any string without an enum, const, default or format: the emulated model answers weather questions."""
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
MAX_DEPTH = 4
"""Past this nesting depth only what the schema requires is filled in (a recursive schema ends in empty objects)."""


def example_value(schema: Mapping[str, Any] | bool) -> Any:
    """A value that validates against `schema` (the whole schema: `$ref`s resolve against its `$defs`)."""
    root = schema if isinstance(schema, Mapping) else {}
    return _Example(root).value(schema, 0)


class _Example:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def value(self, schema: Mapping[str, Any] | bool, depth: int) -> Any:
        if not isinstance(schema, Mapping):  # `true` / `false` schemas: anything (false cannot be met)
            return EXAMPLE_STRING
        schema = self._resolve(schema)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            return schema["examples"][0]
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self.value(_first_not_null(schema[key]), depth)
        if isinstance(schema.get("allOf"), list):
            return self.value(_merge([schema, *schema["allOf"]]), depth)
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
        return None  # "null"

    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow `$ref`s (local ones: `#/$defs/Name`, `#/definitions/Name`, `#`), merging sibling keywords."""
        seen = 0
        while isinstance(schema.get("$ref"), str) and seen < MAX_DEPTH:
            target: Any = self.root
            for part in schema["$ref"].removeprefix("#").strip("/").split("/"):
                if part:
                    target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            seen += 1
        return schema

    def _object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        # Every declared property while shallow (a model fills in what it knows), only the required ones past
        # MAX_DEPTH, so a recursive schema ends.
        names = [name for name in properties if depth < MAX_DEPTH or name in required]
        value = {name: self.value(properties[name], depth + 1) for name in names}
        for name in sorted(required - set(value)):  # required but not declared: any value
            value[name] = EXAMPLE_STRING
        return value

    def _array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        prefix = [self.value(item, depth + 1) for item in schema.get("prefixItems") or []]
        items = schema.get("items")
        count = max(int(schema.get("minItems") or 0), 0 if depth >= MAX_DEPTH else 1) - len(prefix)
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]) - len(prefix))
        if items is False or (items is None and prefix):
            count = 0
        tail = [self.value(items if items is not None else {}, depth + 1) for _ in range(max(count, 0))]
        return prefix + tail


def _first_not_null(branches: list[Any]) -> Any:
    for branch in branches:
        if not (isinstance(branch, Mapping) and branch.get("type") == "null"):
            return branch
    return branches[0]


def _merge(schemas: list[Any]) -> dict[str, Any]:
    """allOf: properties and required lists combined, other keywords from the last schema that has them."""
    merged: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for schema in schemas:
        if not isinstance(schema, Mapping):
            continue
        merged.update({k: v for k, v in schema.items() if k not in ("allOf", "properties", "required")})
        properties.update(schema.get("properties") or {})
        required += [name for name in schema.get("required") or () if name not in required]
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
    low, high = int(schema.get("minLength") or 0), schema.get("maxLength")
    if len(text) < low:
        text += "x" * (low - len(text))
    return text[: int(high)] if high is not None else text


def _number(schema: Mapping[str, Any], *, integer: bool) -> int | float:
    """1 when allowed; else the lowest allowed value (above an exclusive minimum), on a multipleOf step."""
    low, high = schema.get("minimum"), schema.get("maximum")
    exclusive_low, exclusive_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(exclusive_low, bool):  # draft 4 / OpenAPI 3.0: a flag on minimum
        low, exclusive_low = (None, low) if exclusive_low else (low, None)
    if isinstance(exclusive_high, bool):
        high, exclusive_high = (None, high) if exclusive_high else (high, None)
    step = schema.get("multipleOf") or (1 if integer else None)
    candidate: float = 1
    if low is not None and candidate < low:
        candidate = low
    if exclusive_low is not None and candidate <= exclusive_low:
        candidate = exclusive_low + (step or 0.5)
    if high is not None and candidate > high:
        candidate = high
    if exclusive_high is not None and candidate >= exclusive_high:
        candidate = exclusive_high - (step or 0.5)
    if step:
        candidate = math.ceil(candidate / step) * step
        if (high is not None and candidate > high) or (exclusive_high is not None and candidate >= exclusive_high):
            candidate -= step
    return int(candidate) if integer else candidate
