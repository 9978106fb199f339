"""The emulated model's tool arguments fit the caller's own schema on every format (issue 29 item 5).

On Cohere V1 the function folds what a parameter definition has no field for (enum, bounds, format, lengths, ...)
into the parameter's description; the emulator reads it back, as a model reading the description would. Each case
goes through the product's own V1 mapping (families/cohere.py) and the SDK's serializer, then the emulator's reading
of the wire tool, and the value it writes is checked by `jsonschema` against the schema the caller sent.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.cohere_v1 import tool_schema
from emulator.responses import complete
from emulator.schema_example import example_value
from genai_fn import admission, families
from genai_fn.neutral.chat import ChatRequest, Message, Params
from genai_fn.neutral.features import Tool
from tests.constants import COHERE_MODEL, LLAMA_MODEL
from tests.unit.test_chat_mapping import wire

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "The city"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city", "unit"],
}


def sent(schema: dict[str, Any], api_format: str) -> dict[str, Any]:
    """The chatRequest the function sends for a question offering one tool with `schema`."""
    model = LLAMA_MODEL if api_format == "GENERIC" else COHERE_MODEL
    request = ChatRequest(
        model=model,
        api_format=api_format,
        messages=(Message("user", "What is the weather in Paris?"),),
        params=Params(max_tokens=600),
        tools=(Tool("get_weather", "Weather for a city", schema),),
    )
    return wire(families.get(api_format).to_sdk(admission.check_chat(request)))  # type: ignore[no-any-return]


def arguments(schema: dict[str, Any], api_format: str) -> Any:
    completion = complete(sent(schema, api_format))
    assert completion.tool_name == "get_weather"
    return json.loads(completion.tool_arguments)


@pytest.mark.parametrize("api_format", ["COHERE", "COHEREV2", "GENERIC"])
def test_an_enum_is_honoured_on_every_format(api_format: str) -> None:
    """The issue's case: V1 folds the enum into the description, and the emulator used to answer `unit: "Paris"`."""
    value = arguments(WEATHER, api_format)
    jsonschema.validate(value, WEATHER)
    assert value["unit"] in ("celsius", "fahrenheit")


def test_v1_reads_every_folded_constraint_back() -> None:
    schema = {
        "type": "object",
        "properties": {
            "days": {"type": "integer", "minimum": 3, "maximum": 10, "multipleOf": 3},
            "p": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "code": {"type": "string", "minLength": 2, "maxLength": 2},
            "day": {"type": "string", "format": "date"},
            "mode": {"type": "string", "const": "fast"},
            "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "minItems": 2},
            "flag": {"type": ["boolean", "null"]},
        },
        "required": ["days", "p", "code", "day", "mode", "tags"],
    }
    definitions = sent(schema, "COHERE")["tools"][0]["parameterDefinitions"]
    assert "one of" in definitions["tags"]["description"]  # the constraint travels in the description
    read = tool_schema(sent(schema, "COHERE")["tools"][0])
    assert read["properties"]["tags"]["items"] == {"type": "string", "enum": ["a", "b"]}
    jsonschema.validate(arguments(schema, "COHERE"), schema)


SCALARS = st.sampled_from(["string", "integer", "number", "boolean"])
WORDS = st.text(alphabet="abcxyz. :", min_size=1, max_size=8)


@st.composite
def scalar_schema(draw: st.DrawFn) -> dict[str, Any]:
    """A parameter V1 can hold, with the constraints a caller's schema (Pydantic, hand-written) puts on it."""
    kind = draw(SCALARS)
    schema: dict[str, Any] = {"type": kind}
    if draw(st.booleans()):
        schema["description"] = draw(WORDS)
    if kind == "string":
        choice = draw(st.sampled_from(["enum", "const", "format", "lengths", "none"]))
        if choice == "enum":
            schema["enum"] = draw(st.lists(WORDS, min_size=1, max_size=4, unique=True))
        elif choice == "const":
            schema["const"] = draw(WORDS)
        elif choice == "format":
            schema["format"] = draw(st.sampled_from(["date", "date-time", "email", "uri", "uuid"]))
        elif choice == "lengths":
            low = draw(st.integers(0, 20))
            schema.update(minLength=low, maxLength=low + draw(st.integers(0, 5)))
    elif kind in ("integer", "number"):
        low = draw(st.integers(-50, 50))
        if draw(st.booleans()):
            schema["minimum"] = low
        if draw(st.booleans()):
            schema["maximum"] = low + draw(st.integers(2, 40))
        if draw(st.booleans()):
            schema["exclusiveMinimum"] = low - 1
        if kind == "integer" and draw(st.booleans()):
            schema["multipleOf"] = 1  # any other step may leave no value between bounds drawn independently
        bounded = {"minimum", "maximum", "exclusiveMinimum"} & schema.keys()
        if kind == "integer" and draw(st.booleans()) and not bounded:  # an enum outside the bounds fits nothing
            schema["enum"] = draw(st.lists(st.integers(-9, 9), min_size=1, max_size=3, unique=True))
    if draw(st.booleans()):  # "X or null": V1 reads it as an optional X
        schema = {"anyOf": [schema, {"type": "null"}]}
    return schema


@st.composite
def parameter_schema(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 3)) == 0:
        items = draw(scalar_schema())
        while "anyOf" in items:
            items = items["anyOf"][0]
        array: dict[str, Any] = {"type": "array", "items": items}
        if draw(st.booleans()):
            array["minItems"] = draw(st.integers(0, 3))
        return array
    return draw(scalar_schema())


TOOL_SCHEMAS = st.builds(
    lambda props, data: {
        "type": "object",
        "properties": props,
        "required": [name for name in props if data.draw(st.booleans())],
    },
    st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True), parameter_schema(), min_size=1, max_size=5),
    st.data(),
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(schema=TOOL_SCHEMAS, api_format=st.sampled_from(["COHERE", "COHEREV2", "GENERIC"]))
def test_the_emulated_arguments_fit_the_callers_schema(schema: dict[str, Any], api_format: str) -> None:
    """Any schema V1 can carry, on every format: the arguments the emulated model writes validate against it."""
    jsonschema.validate(arguments(schema, api_format), schema)


def test_an_unreadable_description_is_only_a_description() -> None:
    """A caller's description that happens to read like a folded note but holds no JSON changes nothing."""
    tool = {"name": "t", "parameterDefinitions": {"x": {"type": "str", "description": "one of: the big ones"}}}
    assert tool_schema(tool)["properties"]["x"] == {"type": "string"}
    assert example_value(tool_schema(tool)) == {"x": "Paris"}
