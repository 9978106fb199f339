"""Check a JSON value against an SDK model class, recursively: the 400s the service gives for a malformed body.

Unknown keys, wrong types, values outside an enum and missing required fields are refused with the service's
error shape (`errors.invalid`); what the SDK models cannot express (ranges, model ids) is `validation`'s job.
"""

from __future__ import annotations

import math
import re
from typing import Any

from emulator.errors import invalid
from emulator.sdk_schema import ModelClass, model_class, schema

_LIST = re.compile(r"list\[(.+)\]$")
_DICT = re.compile(r"dict\(str, (.+)\)$")
_SCALARS: dict[str, tuple[str, Any]] = {
    "str": ("a string", lambda v: isinstance(v, str)),
    "datetime": ("a string", lambda v: isinstance(v, str)),
    "bool": ("a boolean", lambda v: isinstance(v, bool)),
    "int": ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "float": (
        "a number",
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v),
    ),
    "object": ("an object", lambda v: isinstance(v, dict)),
}
"""Swagger scalar type -> (what the error says, test). JSON NaN/Infinity are not numbers to the service."""


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def validate(value: Any, model: ModelClass | str, path: str = "") -> None:
    """Raise `ApiError` (400) unless `value` is a valid wire form of `model` (a class or a swagger type)."""
    if not isinstance(model, str):
        _validate_model(value, model, path)
        return
    if model in _SCALARS:
        what, ok = _SCALARS[model]
        if not ok(value):
            raise invalid(f"Invalid value for {path or 'request body'}: must be {what}.")
        return
    if match := _LIST.match(model):
        if not isinstance(value, list):
            raise invalid(f"Invalid value for {path}: must be an array.")
        for i, item in enumerate(value):
            validate(item, match.group(1), f"{path}[{i}]")
        return
    if match := _DICT.match(model):
        if not isinstance(value, dict):
            raise invalid(f"Invalid value for {path}: must be an object.")
        for key, item in value.items():
            validate(item, match.group(1), join(path, key))
        return
    _validate_model(value, model_class(model), path)


def resolve(value: dict[str, Any], cls: ModelClass, path: str) -> ModelClass:
    """The concrete class a polymorphic value names through its discriminator (e.g. `servingType`)."""
    shape = schema(cls)
    if shape.discriminator is None:
        return cls
    key = join(path, shape.discriminator)
    tag = value.get(shape.discriminator)
    if tag is None:
        raise invalid(f"Missing required parameter: {key}.")
    if not isinstance(tag, str) or tag not in shape.subtypes:
        raise invalid(f"Invalid value for {key}: {tag!r} is not one of {', '.join(shape.subtypes)}.")
    return shape.subtypes[tag]


def _validate_model(value: Any, cls: ModelClass, path: str) -> None:
    if not isinstance(value, dict):
        raise invalid(f"Invalid value for {path or 'request body'}: must be an object.")
    shape = schema(resolve(value, cls, path))
    unknown = sorted(set(value) - set(shape.fields))
    if unknown:
        raise invalid(f"Unknown parameter: {join(path, unknown[0])}.")
    for wire, field in shape.fields.items():
        item = value.get(wire)
        if item is None:
            if field.required:
                raise invalid(f"Missing required parameter: {join(path, wire)}.")
            continue
        validate(item, field.type, join(path, wire))
        if field.enum is not None and wire != shape.discriminator:
            for choice in item if isinstance(item, list) else [item]:
                if choice not in field.enum:
                    raise invalid(f"Invalid value for {join(path, wire)}: must be one of {', '.join(field.enum)}.")


__all__ = ["join", "resolve", "validate"]
