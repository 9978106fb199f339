"""Read the wire format from the `oci` SDK's own generated model classes, so the emulator cannot drift from it.

Everything comes from the SDK's model modules (`oci.generative_ai_inference.models`, and `oci.monitoring.models` for
the telemetry-ingestion stand-in; no class name is in both):
- field names and types: each model's `attribute_map` (snake_case -> camelCase) and `swagger_types`;
- required fields: the generator writes "**[Required]**" into the getter docstring of a required property
  (the constructors do not enforce it);
- enums: the `allowed_values = [...]` literal in the property setter, read with `ast` (response models map an
  unknown value to 'UNKNOWN_ENUM_VALUE' instead of raising, so calling the setter would not reveal the list);
- polymorphism: a base class's `get_subtype`, whose source names the discriminator key and its values; each
  value is then resolved by calling `get_subtype` itself, so the mapping is the SDK's own.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import dataclass
from functools import cache
from typing import Any

from oci.generative_ai_inference import models
from oci.monitoring import models as monitoring_models

REQUIRED_MARKER = "**[Required]**"
MODEL_MODULES = (models, monitoring_models)
ModelClass = type


@dataclass(frozen=True)
class Field:
    """One property of a model: `type` is the swagger type ("str", "list[Message]", "dict(str, X)", a model name)."""

    attr: str
    wire: str
    type: str
    required: bool
    enum: tuple[str, ...] | None


@dataclass(frozen=True)
class Schema:
    """A model class as the wire sees it. `subtypes` maps a discriminator value to its class (polymorphic bases)."""

    cls: ModelClass
    fields: dict[str, Field]
    discriminator: str | None
    subtypes: dict[str, ModelClass]


def model_class(name: str) -> ModelClass:
    """The SDK model class named by a swagger type."""
    for module in MODEL_MODULES:
        cls = getattr(module, name, None)
        if isinstance(cls, type):
            return cls
    raise LookupError(f"no model class {name!r} in {', '.join(m.__name__ for m in MODEL_MODULES)}")


def _function_tree(function: Any) -> ast.AST:
    return ast.parse(textwrap.dedent(inspect.getsource(function)))


def _enum(prop: property) -> tuple[str, ...] | None:
    if prop.fset is None:
        return None
    for node in ast.walk(_function_tree(prop.fset)):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "allowed_values" for t in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    return None


def _required(prop: property) -> bool:
    return REQUIRED_MARKER in (prop.fget.__doc__ or "") if prop.fget else False


def _discriminator(cls: ModelClass) -> tuple[str | None, dict[str, ModelClass]]:
    """(wire key, {value: subclass}) from `get_subtype`; (None, {}) for a class that is not polymorphic."""
    get_subtype = getattr(cls, "get_subtype", None)
    if get_subtype is None:
        return None, {}
    key: str | None = None
    values: list[str] = []
    for node in ast.walk(_function_tree(get_subtype)):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key = str(node.slice.value)
        elif isinstance(node, ast.Compare):
            values += [str(c.value) for c in node.comparators if isinstance(c, ast.Constant)]
    if key is None:
        raise LookupError(f"{cls.__name__}.get_subtype names no discriminator key")
    subtypes = {}
    for value in values:
        subclass = model_class(get_subtype({key: value}))
        if issubclass(subclass, cls):  # a concrete class keeps its own tag; the fallback never matches a listed one
            subtypes[value] = subclass
    return key, subtypes


@cache
def schema(cls: ModelClass) -> Schema:
    """The wire view of `cls`, read once per class."""
    instance = cls()
    fields = {}
    for attr, wire in instance.attribute_map.items():
        prop = inspect.getattr_static(cls, attr)
        assert isinstance(prop, property), f"{cls.__name__}.{attr} is not a property"
        fields[wire] = Field(attr, wire, instance.swagger_types[attr], _required(prop), _enum(prop))
    key, subtypes = _discriminator(cls)
    return Schema(cls, fields, key, subtypes)


def wire_to_attr(cls: ModelClass) -> dict[str, str]:
    """camelCase wire name -> snake_case attribute name, the SDK's own mapping."""
    return {wire: f.attr for wire, f in schema(cls).fields.items()}


__all__ = ["Field", "Schema", "model_class", "schema", "wire_to_attr"]
