"""Strict JSON decoding, field types and ranges, the model allow-list and generation defaults."""

from __future__ import annotations

from typing import Any

import pytest

from genai_fn import admission, families, validate
from genai_fn.body import decode_object
from genai_fn.config import Settings
from genai_fn.errors import InvalidJSON, InvalidRequest, ModelNotAllowed, PayloadTooLarge
from genai_fn.neutral.chat import Params
from tests.constants import COHERE_MODEL, LLAMA_MODEL, MODEL_OCID

from .conftest import make_settings

# --- decode_object ------------------------------------------------------------------------------------------------

BAD_JSON = [
    ("empty", b""),
    ("blank", b" \r\n\t "),
    ("not json", b"input=hello"),
    ("truncated", b'{"input": "hi"'),
    ("trailing garbage", b'{"input": "hi"} x'),
    ("NaN", b'{"temperature": NaN}'),
    ("Infinity", b'{"temperature": Infinity}'),
    ("-Infinity", b'{"temperature": -Infinity}'),
    ("nested NaN", b'{"a": [1, {"b": NaN}]}'),
    ("duplicate key", b'{"input": "a", "input": "b"}'),
    ("nested duplicate key", b'{"history": [{"role": "user", "role": "assistant"}]}'),
    ("invalid utf-8", b'{"input": "\xff\xfe\xfa"}'),
    ("truncated utf-8", b'{"input": "\xe2\x82"}'),
    ("deep nesting", b"[" * 50_000 + b"]" * 50_000),  # past the recursion limit, under MAX_JSON_VALUES
    ("deep object nesting", b'{"a":' * 40_000 + b"1" + b"}" * 40_000),
    ("huge int", b'{"max_tokens": ' + b"9" * 5000 + b"}"),
    ("array", b'[{"input": "hi"}]'),
    ("string", b'"hi"'),
    ("number", b"42"),
    ("null", b"null"),
    ("single quotes", b"{'input': 'hi'}"),
    pytest.param("utf-16", '{"input":"hi"}'.encode("utf-16-le"), id="utf-16"),
    pytest.param("utf-32", '{"input":"hi"}'.encode("utf-32-be"), id="utf-32"),
]


@pytest.mark.parametrize(("case", "body"), BAD_JSON, ids=lambda value: value if isinstance(value, str) else "")
def test_decode_object_rejects(case: str, body: bytes, settings: Settings) -> None:
    with pytest.raises(InvalidJSON) as caught:
        decode_object(body, settings)
    assert (caught.value.status, caught.value.code) == (400, "invalid_json")
    assert "\ufffd" not in caught.value.message and "9999" not in caught.value.message


TOO_LARGE = r"request body holds a number too large for a double \(it would be sent as Infinity\)"
DEEPER = r"request body nests deeper than 64 levels \(the MAX_JSON_DEPTH limit\)"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"t": NaN}', "request body holds a bare NaN: NaN is not valid JSON"),
        (b'{"t": -Infinity}', "request body holds a bare -Infinity: -Infinity is not valid JSON"),
        (b'{"t": 1e400}', TOO_LARGE),
        (b'{"t": -1.5E+999}', TOO_LARGE),
        (b'{"t": ' + b"9" * 400 + b"}", TOO_LARGE),
        (b'{"t": "\\ud800"}', r"request body holds a \\u escape that is not valid Unicode \(a lone surrogate\)"),
        (b'{"t": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", DEEPER),
        (b'{"t": ' + b'[{"a":' * 40 + b"1" + b"}]" * 40 + b"}", DEEPER),
        (b'{"a": 1, "a": 1}', "request body has a duplicate key"),
        (b"[1]", "request body must be a JSON object"),
        (b"", "request body is empty; send a JSON object"),
        (
            b'{"input": 1,}',
            r"request body is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 13"
            r" \(char 12\)",
        ),
        (b'{"input": "\xff"}', r"request body is not valid UTF-8 \(byte 11\)"),
        (b'{"max_tokens": ' + b"9" * 5000 + b"}", TOO_LARGE),
    ],
)
def test_decode_object_says_why(body: bytes, reason: str, settings: Settings) -> None:
    with pytest.raises(InvalidJSON, match=f"^{reason}$"):
        decode_object(body, settings)


def test_decode_object_accepts_a_strict_object(settings: Settings) -> None:
    body = '{"input": "héllo ✓", "n": 1.5, "big": 12345678901234567890, "x": null, "l": [true]}'.encode()
    assert decode_object(body, settings) == {
        "input": "héllo ✓",
        "n": 1.5,
        "big": 12345678901234567890,
        "x": None,
        "l": [True],
    }


def test_decode_object_body_limit_is_inclusive() -> None:
    settings = make_settings(MAX_BODY_BYTES="16")
    assert decode_object(b'{"input": "abc"}', settings) == {"input": "abc"}  # exactly 16 bytes
    with pytest.raises(PayloadTooLarge) as caught:
        decode_object(b'{"input": "abcd"}', settings)
    assert (caught.value.status, caught.value.code) == (413, "payload_too_large")
    assert "16" in caught.value.message


def test_decode_object_checks_size_before_parsing() -> None:
    with pytest.raises(PayloadTooLarge):
        decode_object(b"not json at all", make_settings(MAX_BODY_BYTES="4"))


# --- text ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "must be a string"),
        (5, "must be a string"),
        (True, "must be a string"),
        (["hi"], "must be a string"),
        ({"text": "hi"}, "must be a string"),
        ("", "must not be empty"),
        ("  \n\t", "must not be empty"),
        ("\ud800", "is not valid Unicode text"),
        ("ok \udfff then", "is not valid Unicode text"),
    ],
)
def test_text_rejects(value: Any, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate.text(value, "messages[1].content")
    assert caught.value.param == "messages[1].content"
    assert caught.value.message == f"messages[1].content {message}"


@pytest.mark.parametrize("value", ["hi", " padded ", "emoji 😀", "\u0000nul", "x" * 100_000])
def test_text_accepts_and_keeps_the_value(value: str) -> None:
    assert validate.text(value, "input") == value


def test_text_allow_empty() -> None:
    assert validate.text("", "stop", allow_empty=True) == ""
    with pytest.raises(InvalidRequest, match="not valid Unicode"):
        validate.text("\ud83d", "stop", allow_empty=True)


# --- integer / number ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "must be an integer"),
        (False, "must be an integer"),
        (1.5, "must be an integer"),
        ("10", "must be an integer"),
        (None, "must be an integer"),
        ([10], "must be an integer"),
        (float("nan"), "must be an integer"),
        (float("inf"), "must be an integer"),
        (0, "must be between 1 and 100"),
        (101, "must be between 1 and 100"),
        (101.0, "must be between 1 and 100"),
        (10**30, "must be between 1 and 100"),
        (1e300, "must be between 1 and 100"),
    ],
)
def test_integer_rejects(value: Any, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate.integer(value, "max_tokens", 1, 100)
    assert (caught.value.param, caught.value.message) == ("max_tokens", f"max_tokens {message}")


@pytest.mark.parametrize(("value", "expected"), [(1, 1), (100, 100), (100.0, 100), (50.0, 50), (-0.0, 0)])
def test_integer_accepts(value: Any, expected: int) -> None:
    result = validate.integer(value, "n", 0, 100)
    assert result == expected and type(result) is int


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "must be a number"),
        ("0.5", "must be a number"),
        (None, "must be a number"),
        (float("nan"), "must be a number"),
        (float("inf"), "must be a number"),
        (float("-inf"), "must be a number"),
        (-0.01, "must be between 0 and 2"),
        (2.0001, "must be between 0 and 2"),
        (3, "must be between 0 and 2"),
    ],
)
def test_number_rejects(value: Any, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate.number(value, "temperature", 0, 2)
    assert (caught.value.param, caught.value.message) == ("temperature", f"temperature {message}")


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), (2, 2.0), (0.7, 0.7)])
def test_number_accepts_as_float(value: Any, expected: float) -> None:
    result = validate.number(value, "temperature", 0, 2)
    assert result == expected and type(result) is float


def test_range_message_formats_fractional_bounds() -> None:
    with pytest.raises(InvalidRequest, match=r"^p must be between -0.5 and 1.5$"):
        validate.number(2, "p", -0.5, 1.5)


# --- stop_sequences -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "",
        [""],
        ["ok", ""],
        [1],
        ["ok", None],
        [["nested"]],
        5,
        True,
        {"a": "b"},
        ["a", "b", "c", "d", "e", "f"],
        ["\ud800"],
        "\udc00",
    ],
)
def test_stop_sequences_reject(value: Any) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate.stop_sequences(value)
    assert caught.value.param == "stop"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("END", ("END",)),
        (["a", "b"], ("a", "b")),
        ([" "], (" ",)),
        (["1", "2", "3", "4", "5"], ("1", "2", "3", "4", "5")),
        ([], ()),
    ],
)
def test_stop_sequences_accept(value: Any, expected: tuple[str, ...]) -> None:
    assert validate.stop_sequences(value) == expected


def test_stop_sequences_name_the_field() -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate.stop_sequences(7, "stop_sequences")
    assert caught.value.param == "stop_sequences"


# --- resolve_model ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (None, (COHERE_MODEL, "COHEREV2")),
        (COHERE_MODEL, (COHERE_MODEL, "COHEREV2")),
        (LLAMA_MODEL, (LLAMA_MODEL, "GENERIC")),
    ],
)
def test_resolve_model_allowed(requested: str | None, expected: tuple[str, str], settings: Settings) -> None:
    model, family = admission.resolve_model(requested, settings)
    assert (model, family.api_format) == expected


@pytest.mark.parametrize(
    "requested",
    [
        "cohere.command-r-plus",
        COHERE_MODEL.upper(),
        f" {COHERE_MODEL}",
        COHERE_MODEL + "\n",
        "ocid1.generativeaimodel.oc1..sneaky",
    ],
)
def test_resolve_model_not_allowed(requested: str, settings: Settings) -> None:
    with pytest.raises(ModelNotAllowed) as caught:
        admission.resolve_model(requested, settings)
    error = caught.value
    assert (error.status, error.code, error.param) == (400, "model_not_allowed", "model")
    assert error.message == f"model is not allowed here; allowed: {COHERE_MODEL}, {LLAMA_MODEL}"  # never echoed


@pytest.mark.parametrize("requested", ["", "  ", 7, ["cohere"], {"id": COHERE_MODEL}])
def test_resolve_model_wrong_type(requested: Any, settings: Settings) -> None:
    with pytest.raises(InvalidRequest) as caught:
        admission.resolve_model(requested, settings)
    assert caught.value.param == "model"


def test_resolve_model_ocid_takes_api_format_from_settings() -> None:
    settings = make_settings(ALLOWED_MODELS=MODEL_OCID, API_FORMAT="GENERIC")
    model, family = admission.resolve_model(MODEL_OCID, settings)
    assert (model, family.api_format) == (MODEL_OCID, "GENERIC")


# --- params -------------------------------------------------------------------------------------------------------


def test_params_defaults(settings: Settings) -> None:
    assert admission.params({}, settings, families.get("COHERE")) == Params(max_tokens=600)


def test_params_configured_defaults_apply() -> None:
    settings = make_settings(DEFAULT_MAX_TOKENS="50", DEFAULT_TEMPERATURE="0.3", DEFAULT_TOP_P="0.8")
    assert admission.params({}, settings, families.get("GENERIC")) == Params(max_tokens=50, temperature=0.3, top_p=0.8)
    assert admission.params({"temperature": 1, "top_p": 0.1}, settings, families.get("GENERIC")) == Params(
        max_tokens=50, temperature=1.0, top_p=0.1
    )


def test_params_explicit_null_means_default() -> None:
    settings = make_settings(DEFAULT_TEMPERATURE="0.3")
    body = {"max_tokens": None, "temperature": None, "top_k": None, "seed": None, "stop": None}
    assert admission.params(body, settings, families.get("COHERE")) == Params(max_tokens=600, temperature=0.3)


def test_params_all_fields(settings: Settings) -> None:
    body = {
        "max_tokens": 100.0,
        "temperature": 0.5,
        "top_p": 0.9,
        "top_k": 40,
        "frequency_penalty": 0.5,
        "presence_penalty": 0.25,
        "seed": -(2**63),
        "stop": "END",
    }
    assert admission.params(body, settings, families.get("COHERE")) == Params(
        max_tokens=100,
        temperature=0.5,
        top_p=0.9,
        top_k=40,
        frequency_penalty=0.5,
        presence_penalty=0.25,
        seed=-(2**63),
        stop=("END",),
    )


@pytest.mark.parametrize(("value", "ok"), [(1, True), (4000, True), (0, False), (4001, False)])
def test_params_max_tokens_capped_by_limit(value: int, ok: bool, settings: Settings) -> None:
    if ok:
        assert admission.params({"max_tokens": value}, settings, families.get("GENERIC")).max_tokens == value
    else:
        with pytest.raises(InvalidRequest, match="^max_tokens must be between 1 and 4000$"):
            admission.params({"max_tokens": value}, settings, families.get("GENERIC"))


def test_params_max_tokens_limit_is_configurable() -> None:
    settings = make_settings(MAX_TOKENS_LIMIT="10", DEFAULT_MAX_TOKENS="5")
    with pytest.raises(InvalidRequest, match="between 1 and 10$"):
        admission.params({"max_tokens": 11}, settings, families.get("COHERE"))


def test_params_max_tokens_aliases_must_agree(settings: Settings) -> None:
    """max_tokens and max_completion_tokens name one limit: the same value twice is fine, two values are a 400."""
    fields = ("max_tokens", "max_completion_tokens")
    generic = families.get("GENERIC")
    assert admission.params({"max_completion_tokens": 20}, settings, generic, max_tokens_fields=fields).max_tokens == 20
    same = {"max_tokens": 20, "max_completion_tokens": 20}
    assert admission.params(same, settings, generic, max_tokens_fields=fields).max_tokens == 20
    with pytest.raises(InvalidRequest, match="disagree") as disagree:
        admission.params({"max_tokens": 10, "max_completion_tokens": 20}, settings, generic, max_tokens_fields=fields)
    assert disagree.value.param == "max_completion_tokens"
    with pytest.raises(InvalidRequest) as caught:
        admission.params({"max_completion_tokens": 0}, settings, families.get("GENERIC"), max_tokens_fields=fields)
    assert caught.value.param == "max_completion_tokens"


PER_FORMAT = [
    # field, value, COHERE accepts, GENERIC accepts
    ("temperature", 0, True, True),
    ("temperature", 2, True, True),
    ("temperature", 2.1, False, False),
    ("temperature", -0.1, False, False),
    ("top_p", 1, True, True),
    ("top_p", 1.1, False, False),
    ("top_k", 0, True, True),
    ("top_k", -1, False, True),
    ("top_k", 500, True, True),
    ("top_k", 501, False, False),
    ("top_k", 2.5, False, False),
    ("frequency_penalty", 1, True, True),
    ("frequency_penalty", -0.5, False, True),
    ("frequency_penalty", 1.5, False, True),
    ("frequency_penalty", 2.1, False, False),
    ("presence_penalty", -2, False, True),
    ("presence_penalty", 0, True, True),
    ("presence_penalty", -2.01, False, False),
    ("seed", 2**63 - 1, True, True),
    ("seed", 2**63, False, False),
    ("seed", -(2**63) - 1, False, False),
    ("seed", "1", False, False),
]


@pytest.mark.parametrize("api_format", ["COHERE", "GENERIC"])
@pytest.mark.parametrize(("field", "value", "cohere", "generic"), PER_FORMAT)
def test_params_ranges_per_format(
    field: str, value: Any, cohere: bool, generic: bool, api_format: str, settings: Settings
) -> None:
    accepted = cohere if api_format == "COHERE" else generic
    if accepted:
        assert getattr(admission.params({field: value}, settings, families.get(api_format)), field) == value
    else:
        with pytest.raises(InvalidRequest) as caught:
            admission.params({field: value}, settings, families.get(api_format))
        assert caught.value.param == field


@pytest.mark.parametrize(
    "field", ["max_tokens", "temperature", "top_p", "top_k", "frequency_penalty", "presence_penalty", "seed"]
)
def test_params_reject_booleans(field: str, settings: Settings) -> None:
    with pytest.raises(InvalidRequest) as caught:
        admission.params({field: True}, settings, families.get("GENERIC"))
    assert caught.value.param == field
