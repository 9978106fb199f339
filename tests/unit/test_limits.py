"""limits.py: the JSON value count before decoding, the iterative depth check and the list counts."""

from __future__ import annotations

import json
import sys

import pytest

from genai_fn import limits
from genai_fn.errors import InvalidRequest, PayloadTooLarge


@pytest.mark.parametrize(
    "value",
    [{"a": 1}, {"a": [1, 2, {"b": None}]}, [[], {}, "x"], {"t": "a, b: [c] {d}", "n": [1.5, True]}],
)
def test_the_count_is_over_any_limit_the_real_count_is_over(value: object) -> None:
    real = _values(value)
    body = json.dumps(value).encode()
    for limit in range(real + 2):
        assert (limits.json_values(body, limit) > limit) >= (real > limit), limit


def test_many_tiny_strings_are_refused_from_the_quote_count() -> None:
    body = b'{"input":"x","x":[' + b'"a",' * 5000 + b'"a"]}'
    assert limits.json_values(body, 1000) > 1000


def test_punctuation_inside_strings_is_not_structure() -> None:
    body = json.dumps({"input": "a,b:[c]{d}" * 50_000}).encode()
    assert limits.json_values(body, 1000) <= 5
    limits.check_body(body, 1000)


def test_many_small_objects_are_refused_naming_the_variable() -> None:
    with pytest.raises(PayloadTooLarge, match="MAX_JSON_VALUES"):
        limits.check_body(b"[" + b"{}," * 5000 + b"{}]", 1000)


@pytest.mark.parametrize(
    "body", [b'"\\' * 100_000, b'{"a":"x\\', b'{"a":"unterminated', b"," * 2000 + b'"\\"' * 100_000]
)
def test_malformed_strings_are_counted_in_linear_time_without_error(body: bytes) -> None:
    assert limits.json_values(body, 10) >= 1


def test_depth_is_found_by_a_linear_scan_before_any_decoding() -> None:
    deep = "[" * (sys.getrecursionlimit() * 100)  # unclosed, and far past any recursive reader
    assert limits.too_deep('{"x": ' + deep, 64)
    assert not limits.too_deep('{"x": [[[{"a": [1]}]]]}', 6)
    assert limits.too_deep('{"x": [[[{"a": [1]}]]]}', 5)
    assert not limits.too_deep('{"x": "' + "[{" * 50 + '", "y": [1, 2]}', 5), "brackets inside strings are text"
    assert not limits.too_deep('{"x": "\\"' + "[" * 50 + '"}', 2), "an escaped quote does not end the string"
    assert limits.too_deep("[" * 10 + "]" * 10, 9) and not limits.too_deep("[" * 10 + "]" * 10, 10)


@pytest.mark.parametrize(
    ("field", "variable"), [("messages", "MAX_MESSAGES"), ("history", "MAX_MESSAGES"), ("input", "MAX_MESSAGES")]
)
def test_lists_that_become_sdk_objects_are_counted(field: str, variable: str) -> None:
    limits.check_counts({field: [{}] * 10}, 10, 1)
    with pytest.raises(InvalidRequest, match=variable) as refused:
        limits.check_counts({field: [{}] * 11}, 10, 1)
    assert refused.value.param == field


def test_tools_are_counted() -> None:
    limits.check_counts({"tools": [{}] * 3}, 10, 3)
    with pytest.raises(InvalidRequest, match="MAX_TOOLS"):
        limits.check_counts({"tools": [{}] * 4}, 10, 3)


def _values(value: object) -> int:
    """Values, keys included."""
    if isinstance(value, dict):
        return 1 + sum(1 + _values(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_values(v) for v in value)
    return 1
