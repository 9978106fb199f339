"""The emulated model's example values validate against the schema they come from (checked by `jsonschema`, the
reference validator), for hand-written schemas and for what Pydantic (LangChain, the Agents SDK, `parse`) emits."""

from __future__ import annotations

import datetime
import enum
import json
import uuid
from typing import Any, Literal

import jsonschema
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.schema_example import EXAMPLE_STRING, example_value


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Place(pydantic.BaseModel):
    city: str
    country_code: str = pydantic.Field(min_length=2, max_length=2)


class Forecast(pydantic.BaseModel):
    place: Place
    unit: Unit
    days: int = pydantic.Field(ge=3, le=10)
    probability: float = pydantic.Field(gt=0, lt=1)
    start: datetime.date
    at: datetime.datetime
    request_id: uuid.UUID
    tags: list[str] = pydantic.Field(min_length=2)
    note: str | None = None
    mode: Literal["fast", "exact"]
    alternatives: list[Place] = []


class Tree(pydantic.BaseModel):
    name: str
    children: list[Tree] = []


HAND_WRITTEN: list[dict[str, Any]] = [
    {"type": "object"},
    {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
    {"type": "object", "properties": {"n": {"type": "integer", "exclusiveMinimum": 5, "multipleOf": 4}}},
    {"type": "object", "properties": {"x": {"type": "number", "minimum": 2.5, "maximum": 3}}, "required": ["x"]},
    {"type": "object", "properties": {"flag": {"type": ["null", "boolean"]}, "c": {"const": 7}}},
    {"type": "object", "properties": {"pair": {"type": "array", "prefixItems": [{"type": "integer"}, {}]}}},
    {"type": "object", "properties": {"none": {"type": "array", "maxItems": 0}}, "required": ["none"]},
    {"type": "object", "properties": {"e": {"type": "string", "format": "email"}, "u": {"format": "uri"}}},
    {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"required": ["a", "b"]}]},
    {"type": "object", "properties": {"s": {"type": "string", "maxLength": 3}}, "additionalProperties": False},
    {"type": "object", "properties": {"x": {"oneOf": [{"type": "null"}, {"enum": ["a", "b"]}]}}},
    {"type": "object", "properties": {"x": {"type": "string", "examples": ["Lyon"]}}, "required": ["x"]},
]


@pytest.mark.parametrize("schema", HAND_WRITTEN, ids=lambda schema: str(schema)[:60])
def test_hand_written_schemas(schema: dict[str, Any]) -> None:
    value = example_value(schema)
    jsonschema.validate(value, schema)


def test_draft_4_exclusive_bounds() -> None:
    """OpenAPI 3.0 / draft 4 spell an exclusive bound as a flag beside minimum / maximum."""
    schema = {"type": "object", "properties": {"x": {"type": "number", "maximum": 0, "exclusiveMaximum": True}}}
    value = example_value(schema)
    jsonschema.Draft4Validator(schema).validate(value)
    assert value["x"] < 0


@pytest.mark.parametrize("model", [Place, Forecast, Tree], ids=lambda model: model.__name__)
def test_pydantic_models_accept_the_example(model: type[pydantic.BaseModel]) -> None:
    """What a framework does with a tool call's arguments: validate them into the model it derived the schema from."""
    schema = model.model_json_schema()
    value = example_value(schema)

    jsonschema.validate(value, schema)
    model.model_validate(value)


def test_values_are_deterministic_and_read_as_documented() -> None:
    schema = Forecast.model_json_schema()
    assert example_value(schema) == example_value(schema)
    value = example_value(schema)
    assert value["place"] == {"city": EXAMPLE_STRING, "country_code": "Pa"}
    assert (value["unit"], value["days"], value["mode"]) == ("celsius", 3, "fast")
    assert value["tags"] == [EXAMPLE_STRING, EXAMPLE_STRING] and value["note"] == EXAMPLE_STRING


def test_a_recursive_schema_ends() -> None:
    value = example_value(Tree.model_json_schema())
    depth = 0
    while value.get("children"):
        value, depth = value["children"][0], depth + 1
    assert 0 < depth < 10


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
KEYWORDS = st.sampled_from(
    ["type", "properties", "required", "items", "prefixItems", "minItems", "maxItems", "minLength", "maxLength",
     "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "enum", "const", "anyOf", "oneOf",
     "allOf", "$ref", "$defs", "format"]
)  # fmt: skip
SCHEMAS = st.recursive(
    st.dictionaries(KEYWORDS, JSON_VALUES, max_size=4),
    lambda children: st.dictionaries(KEYWORDS, children | st.lists(children, max_size=3) | JSON_VALUES, max_size=5),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(schema=SCHEMAS | JSON_VALUES)
def test_any_json_as_a_schema_gives_a_small_value_and_no_exception(schema: object) -> None:
    """A caller's schema reaches the emulator unchecked: whatever it is, it answers (no 500, no huge reply)."""
    text = json.dumps(example_value(schema))
    assert len(text) < 1_000_000


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#"},
        {"anyOf": [{"$ref": "#"}]},
        {"$defs": {"N": {"type": "object", "properties": {"c": {"$ref": "#/$defs/N"}}, "required": ["c"]}},
         "$ref": "#/$defs/N"},
        {"type": "array", "minItems": 10**12, "items": {"type": "string", "minLength": 10**12}},
        {"type": "number", "multipleOf": 1e-300, "minimum": 1e300},
        {"type": "integer", "multipleOf": 0},
    ],
    ids=["self-ref", "branch-self-ref", "required-cycle", "huge-sizes", "tiny-step", "zero-step"],
)  # fmt: skip
def test_hostile_schemas_end(schema: dict[str, Any]) -> None:
    assert len(json.dumps(example_value(schema))) < 1_000_000
