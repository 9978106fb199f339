"""Every numeric variable, any string: either a valid configuration or a ConfigError naming that variable, through
App.from_env (what func.py builds at import), never another exception."""

from __future__ import annotations

import io
import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from genai_fn.app import App
from genai_fn.config_numbers import decimal, whole
from genai_fn.errors import ConfigError
from genai_fn.logs import RequestLog

from .conftest import BASE_ENV

STORE = "rediss://user:secret@cache.example:6379/0"
NUMERIC = {
    "MAX_TOKENS_LIMIT": "{}",
    "DEFAULT_MAX_TOKENS": "{}",
    "DEFAULT_TEMPERATURE": "{}",
    "DEFAULT_TOP_P": "{}",
    "CONNECT_TIMEOUT_SECONDS": "{}",
    "READ_TIMEOUT_SECONDS": "{}",
    "MAX_ATTEMPTS": "{}",
    "MAX_BODY_BYTES": "{}",
    "MAX_REPLY_BYTES": "{}",
    "MAX_EMBEDDINGS_REPLY_BYTES": "{}",
    "MAX_JSON_VALUES": "{}",
    "MAX_JSON_DEPTH": "{}",
    "MAX_MESSAGES": "{}",
    "MAX_TOOLS": "{}",
    "GUARDRAILS_THRESHOLD": "{}",
    "GUARDRAILS_MAX_CHARS": "{}",
    "TOKEN_BUDGETS": "team-a:{}/day",
    "BUDGET_STORE_URL": STORE + "?socket_timeout={}",
}
"""Variable -> where the generated value goes in it (a budget's count, a URL's timeout option)."""
COMPANIONS = {
    "GUARDRAILS_THRESHOLD": {"GUARDRAILS": "pii:mask"},
    "GUARDRAILS_MAX_CHARS": {"GUARDRAILS": "pii:mask"},
    "TOKEN_BUDGETS": {"BUDGET_STORE_URL": STORE},
    "BUDGET_STORE_URL": {"TOKEN_BUDGETS": "team-a:1000/day"},
}
UNICODE_DIGITS = "²³¹⁰¹⁰⁰⁰٣۳߃३০੩૩୩௩౩೩൩๓໓༣၃႓៣᠓᥉᧓᪃᭓᮳᱃᱓꘣꣓꤃꧓꩓꯳０１２３"
numbers = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789._-+eE ", max_size=40),
    st.text(alphabet="0123456789" + UNICODE_DIGITS, min_size=1, max_size=12),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),
    st.sampled_from(["inf", "nan", "1_000", "1e3", "0x10", "¹⁰⁰⁰", "²", "1.", ".5", " 7 ", "1\n"]),
)


def app_for(variable: str, value: str) -> App:
    env = {**BASE_ENV, **COMPANIONS.get(variable, {}), variable: NUMERIC[variable].format(value)}
    return App.from_env(env, request_log=RequestLog(io.StringIO()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variable=st.sampled_from(sorted(NUMERIC)), value=numbers)
@example(variable="TOKEN_BUDGETS", value="²")
@example(variable="TOKEN_BUDGETS", value="9" * 5000)
@example(variable="GUARDRAILS_MAX_CHARS", value="¹⁰⁰⁰")
@example(variable="MAX_ATTEMPTS", value="٣")
@example(variable="BUDGET_STORE_URL", value="١")
def test_any_value_is_a_configuration_or_an_error_naming_its_variable(variable: str, value: str) -> None:
    state = app_for(variable, value).state
    if isinstance(state, ConfigError):
        assert variable in state.message
    elif value.strip():  # accepted: the value was ASCII digits (and one point) within the documented range
        assert value.strip().isascii() and value.strip().replace(".", "", 1).isdigit()


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("MAX_ATTEMPTS", "5", "max_attempts", 5),
        ("READ_TIMEOUT_SECONDS", "1.5", "read_timeout", 1.5),
        ("DEFAULT_TOP_P", ".5", "default_top_p", 0.5),
    ],
)
def test_valid_values_are_read(variable: str, value: str, field: str, expected: float) -> None:
    state = app_for(variable, value).state
    assert not isinstance(state, ConfigError) and getattr(state.settings, field) == expected


def test_the_helper_takes_ascii_digits_within_the_range_only() -> None:
    assert whole("X", "0042", 1, 100) == 42 and decimal("Y", "0.25", 0, 1) == 0.25
    for raw in ("²", "٣", "1_0", "1e3", "-1", "101", "", "9" * 5000, "0x10"):
        with pytest.raises(ConfigError, match="^X "):
            whole("X", raw, 1, 100)
    for raw in ("inf", "nan", "1e-1", "١.٥", "0", "1.5"):
        with pytest.raises(ConfigError, match="Y must be a decimal number above 0 to 1"):
            decimal("Y", raw, 0, 1, low_open=True)
    assert math.isclose(decimal("Y", "1.", 0, 1), 1.0)
