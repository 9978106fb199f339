"""Issue 28's configuration promise as a property: any value of any numeric variable is a valid configuration or a
ConfigError naming the variable (the documented 500 `config_error`), never another exception at import, where fdk
would answer every call with a 502 and a traceback. Runs against whatever Settings.from_env does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from genai_fn.config import Settings
from genai_fn.errors import ConfigError
from localfn.config import emulated_config

from .scale import SCALE, fuzz

STORE_URL = "rediss://cache.example.com:6379/0"
NUMERIC = {
    "MAX_TOKENS_LIMIT": "int",
    "DEFAULT_MAX_TOKENS": "int",
    "DEFAULT_TEMPERATURE": "float",
    "DEFAULT_TOP_P": "float",
    "CONNECT_TIMEOUT_SECONDS": "float",
    "READ_TIMEOUT_SECONDS": "float",
    "MAX_ATTEMPTS": "int",
    "MAX_BODY_BYTES": "int",
    "MAX_REPLY_BYTES": "int",
    "MAX_EMBEDDINGS_REPLY_BYTES": "int",
    "MAX_JSON_VALUES": "int",
    "MAX_JSON_DEPTH": "int",
    "MAX_MESSAGES": "int",
    "MAX_TOOLS": "int",
    "GUARDRAILS_THRESHOLD": "float",
    "GUARDRAILS_MAX_CHARS": "int",
    "TOKEN_BUDGETS": "int",
}
"""Every numeric variable of the chat function (docs/configuration.md), by the kind of number it holds; a token
budget's count is the number inside `TOKEN_BUDGETS=team-a:<count>/day`."""
COMPANIONS = {
    "GUARDRAILS_THRESHOLD": {"GUARDRAILS": "pii:mask"},
    "GUARDRAILS_MAX_CHARS": {"GUARDRAILS": "pii:mask"},
    "TOKEN_BUDGETS": {"BUDGET_STORE_URL": STORE_URL},
}
"""What a variable needs beside it to be read at all."""

values = (
    st.integers(-5, 200_000).map(str)
    | st.floats(allow_nan=True, allow_infinity=True).map(str)
    | st.sampled_from(
        [
            "²",
            "¹⁰⁰⁰",
            "١٠٠",
            "١٠٠٠",
            "𝟗𝟗",
            "٣.٥",
            "1" + "0" * 400,
            "9" * 5000,
            "1e400",
            "-1e400",
            "NaN",
            "nan",
            "inf",
            "-Infinity",
            "1_000",
            "+5",
            " 7 ",
            "0x10",
            "1.",
            ".5",
            "0.5e1",
            "",
            " ",
            "\x00",
            "5\x00",
            "\ud800",
        ]
    )
    | st.text(max_size=12)
)
"""ASCII numbers in and out of range, Unicode digits (superscripts, Arabic-Indic, mathematical), huge and
non-finite numbers, what Python's int() and float() accept beyond ASCII digits, and any text."""


def _environ(name: str, value: str) -> dict[str, str]:
    """The local rig's configuration (nothing is called: Settings only parses) with `name` set to `value`."""
    environ = {**emulated_config("http://127.0.0.1:9"), **COMPANIONS.get(name, {})}
    environ[name] = f"team-a:{value}/day" if name == "TOKEN_BUDGETS" else value
    return environ


def _outcome(name: str, value: str) -> str:
    """'valid' or 'config_error'; any other exception, or an error not naming the variable, fails."""
    try:
        Settings.from_env(_environ(name, value))
    except ConfigError as error:
        assert name in str(error), f"{name}={value!r}: the error does not name the variable: {error}"
        return "config_error"
    return "valid"


def test_any_numeric_value_is_a_config_or_a_config_error(cases: Counter[str]) -> None:
    @fuzz(SCALE.property_examples * 4)
    @given(name=st.sampled_from(sorted(NUMERIC)), value=values)
    def run(name: str, value: str) -> None:
        cases["cases"] += 1
        note(f"{name}={value!r}")
        cases[_outcome(name, value)] += 1

    run()


NAMED = {
    "superscript-2": "²",
    "superscripts-1000": "¹⁰⁰⁰",
    "arabic-indic-1000": "١٠٠٠",
    "5000-digits": "9" * 5000,
    "underscore": "1_000",
    "1e400": "1e400",
    "nan": "NaN",
}


@pytest.mark.parametrize(
    ("name", "value"),
    [pytest.param(name, value, id=f"{name}-{label}") for name in sorted(NUMERIC) for label, value in NAMED.items()],
)
def test_named_values_of_every_numeric_variable(name: str, value: str) -> None:
    """Issue 28's cases (a Unicode digit, superscripts, a 5000-digit count) on every variable, reported one by one."""
    _outcome(name, value)


def test_only_ascii_numbers_are_accepted(cases: Counter[str]) -> None:
    """Issue 28 item 5: a numeric variable takes ASCII digits (int() also reads `١٠٠٠` and `1_000`: not numbers an
    operator wrote on purpose; a typo must not become a setting)."""

    @fuzz(SCALE.property_examples * 4)
    @given(name=st.sampled_from(sorted(NUMERIC)), value=values)
    def run(name: str, value: str) -> None:
        cases["cases"] += 1
        if _outcome(name, value) == "valid" and value.strip():
            assert value.strip().isascii() and "_" not in value, f"{name}={value!r} was accepted"
            cases["valid and ASCII"] += 1

    run()


TEXT_VARIABLES = (
    "ALLOWED_MODELS",
    "API_FORMAT",
    "AUTH_MODE",
    "BUDGET_ON_STORE_ERROR",
    "BUDGET_STORE_URL",
    "CALLER_CLAIM",
    "COMPARTMENT_OCID",
    "DEDICATED_ENDPOINT_ID",
    "EMBEDDING_MODELS",
    "FALLBACKS",
    "FALLBACK_COOLDOWN_SECONDS",
    "FALLBACK_STORE_URL",
    "GUARDRAILS",
    "GUARDRAILS_CATEGORIES",
    "GUARDRAILS_ON_ERROR",
    "GUARDRAILS_PII_TYPES",
    "GUARDRAILS_SCOPE",
    "LOG_CONTENT",
    "MODEL_API_FORMATS",
    "MODEL_ID",
    "MODEL_RETIREMENTS",
    "RERANK_ENDPOINT_ID",
    "RERANK_MODELS",
    "SERVICE_ENDPOINT",
    "TOKEN_BUDGETS",
)
"""The chat function's other variables (docs/configuration.md): text, lists, choices, URLs."""
USAGE_VARIABLES = (
    "USAGE_METRICS_COMPARTMENT_OCID",
    "USAGE_METRICS_ENDPOINT",
    "USAGE_METRICS_NAMESPACE",
    "USAGE_PRICES",
)
"""The usage function's variables (its own configuration)."""
hostile = (
    st.sampled_from(
        [
            "https://[::1",
            "https://[zz]",
            "https://[::1]:99999",
            "https://host:port",
            "https://host:-1",
            "rediss://[::1",
            "rediss://cache.example.com:99999/0",
            "http://[",
            "]",
            "a:b>c;d",
            "x:" * 50,
            "z" * 100_000,
        ]
    )
    | st.text(max_size=40)
    | st.text(alphabet="[]:/@%?#;,>=.0123456789abhst", max_size=40)
)
"""URLs with a bracket that is no IPv6 host or a port out of range (urlsplit's ValueError), list syntax, a huge
value, and any text."""
MAX_QUOTE = 80
"""What a configuration error may quote of a value (errors.ConfigError.cut)."""


def _settled(read: Callable[[], object], value: str) -> str:
    """'valid' or 'config_error'; any other exception fails, and so does an error quoting much of a long value."""
    try:
        read()
    except ConfigError as error:
        assert len(str(error)) < 400 + MAX_QUOTE, "a configuration error quotes the whole value"
        return "config_error"
    return "valid"


def test_any_value_of_any_variable_is_a_config_or_a_config_error(cases: Counter[str]) -> None:
    """Issue 28's configuration promise over every variable, text ones too: no ValueError from urlsplit (`https://[::1`),
    no error echoing a 100 kB value into the log."""
    from genai_fn.usage.config import UsageSettings

    @fuzz(SCALE.property_examples * 4)
    @given(name=st.sampled_from(TEXT_VARIABLES + USAGE_VARIABLES), value=hostile)
    def run(name: str, value: str) -> None:
        cases["cases"] += 1
        note(f"{name}={value!r}")
        if name in USAGE_VARIABLES:
            usage = {"USAGE_METRICS_COMPARTMENT_OCID": "ocid1.compartment.oc1..example", name: value}
            cases[_settled(lambda: UsageSettings.from_env(usage), value)] += 1
        else:
            environ = {**emulated_config("http://127.0.0.1:9"), name: value}
            cases[_settled(lambda: Settings.from_env(environ), value)] += 1

    run()


@pytest.mark.parametrize("endpoint", ["https://[::1", "https://[zz]", "https://host:99999", "https://host:port"])
@pytest.mark.parametrize("name", ["SERVICE_ENDPOINT", "USAGE_METRICS_ENDPOINT"])
def test_a_malformed_endpoint_is_a_config_error_naming_it(name: str, endpoint: str) -> None:
    from genai_fn.usage.config import UsageSettings

    with pytest.raises(ConfigError, match=name):
        if name == "SERVICE_ENDPOINT":
            Settings.from_env({**emulated_config("http://127.0.0.1:9"), name: endpoint})
        else:
            UsageSettings.from_env({"USAGE_METRICS_COMPARTMENT_OCID": "ocid1.compartment.oc1..example", name: endpoint})


@pytest.mark.parametrize("name", ["GUARDRAILS", "FALLBACKS"])
def test_a_huge_bad_value_is_quoted_cut_short(name: str) -> None:
    """A 100 kB value is refused with an error that quotes at most MAX_QUOTE characters of it (one log line)."""
    with pytest.raises(ConfigError) as error:
        Settings.from_env({**emulated_config("http://127.0.0.1:9"), name: "z" * 100_000})
    assert "z" * (MAX_QUOTE + 1) not in str(error.value)
