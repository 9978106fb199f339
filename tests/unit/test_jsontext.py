"""JSON text inside a string field (genai_fn/jsontext.py): bounded before any decoder recurses, strict, and every
refusal names the caller's field, never the text; and JSON written back is RFC 8259 JSON."""

from __future__ import annotations

import json
import math
import sys

import pytest

from genai_fn import jsontext
from genai_fn.errors import InvalidRequest
from genai_fn.jsontext import NotJSONText, decode_json_text, encode_json

FIELD = "messages[1].tool_calls[0].function.arguments"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * (jsontext.MAX_DEPTH + 1) + "]" * (jsontext.MAX_DEPTH + 1), "nests deeper than 64 levels"),
        ('{"a": ' + "[" * 50_000 + "1" + "]" * 50_000 + "}", "nests deeper than 64 levels"),
        ("[" * (sys.getrecursionlimit() * 10), "nests deeper than 64 levels"),  # unclosed: still found first
        ("[" + "1," * jsontext.MAX_VALUES + "1]", "more than 100000 JSON values"),
        ('{"a": NaN}', "holds a bare NaN: NaN is not valid JSON"),
        ('{"a": Infinity}', "Infinity is not valid JSON"),
        ('{"a": -Infinity}', "-Infinity is not valid JSON"),
        ('{"a": 1e400}', "too large for a double"),
        ('{"a": -2.5e308}', "too large for a double"),
        ('{"a": ' + "1" * 310 + "}", "too large for a double"),
        ('{"a": ' + "1" * 5000 + "}", "too large for a double"),  # never read by int(): no 4300-digit error
        ('{"a": 1, "a": 1}', "has a duplicate key"),
        ('{"a": "\\ud800"}', "lone surrogate"),
        ('{"a": "\\udc00x"}', "lone surrogate"),
    ],
)
def test_refused_with_the_field_named_and_the_text_never_echoed(text: str, words: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        decode_json_text(text, FIELD)
    assert not isinstance(caught.value, NotJSONText)
    assert caught.value.param == FIELD and caught.value.status == 400
    assert caught.value.message.startswith(FIELD) and words in caught.value.message
    assert "1111" not in caught.value.message


@pytest.mark.parametrize("text", ["not json", "{", '{"a": 1,}', "[1] [2]", "'a'"])
def test_text_that_is_not_json_at_all_is_told_apart(text: str) -> None:
    with pytest.raises(NotJSONText, match=f"^{FIELD.replace('[', '.').replace(']', '.')} is not valid JSON"):
        decode_json_text(text, FIELD)


def test_a_param_other_than_the_described_field() -> None:
    with pytest.raises(InvalidRequest) as caught:
        decode_json_text("[NaN]", "messages (the output of tool call 'c1')", param="messages")
    assert caught.value.param == "messages" and "output of tool call 'c1'" in caught.value.message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            '{"city": "Paris", "n": 1.5e3, "big": ' + "9" * 300 + "}",
            {"city": "Paris", "n": 1500.0, "big": int("9" * 300)},
        ),
        ('"\\ud83d\\ude00 \\u0041"', "\U0001f600 A"),  # a surrogate pair is one code point, not a lone half
        ("[" * 64 + "]" * 64, json.loads("[" * 64 + "]" * 64)),
        ('{"a": "' + "[" * 80 + '"}', {"a": "[" * 80}),
        ("1.7976931348623157e308", sys.float_info.max),
        ("-0", 0),
    ],
)
def test_strict_json_within_the_bounds_decodes(text: str, value: object) -> None:
    assert decode_json_text(text, FIELD) == value


def test_encode_json_writes_only_rfc_8259_json() -> None:
    assert encode_json({"a": "é", "b": [1, 2.5]}) == '{"a": "é", "b": [1, 2.5]}'
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            encode_json({"a": [bad]})
