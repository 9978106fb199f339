"""The streaming edge's variables: parsed like every other, a bad value a config_error naming the variable."""

from __future__ import annotations

import pytest

from genai_fn.config import Settings
from genai_fn.errors import ConfigError
from genai_fn.guardrails.policy import DEFAULT_STREAM_WINDOW_CHARS, parse_policy
from localfn.config import emulated_config


def settings(**overrides: str) -> Settings:
    return Settings.from_env(emulated_config("http://127.0.0.1:1", **overrides))


def test_stream_defaults() -> None:
    configured = settings()
    assert (configured.stream_idle_seconds, configured.stream_deadline_seconds) == (30.0, 300.0)
    assert settings(STREAM_IDLE_SECONDS="2.5", STREAM_DEADLINE_SECONDS="60").stream_idle_seconds == 2.5


@pytest.mark.parametrize(("name", "value"), [("STREAM_IDLE_SECONDS", "0"), ("STREAM_DEADLINE_SECONDS", "x")])
def test_a_bad_stream_variable_is_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        settings(**{name: value})


def test_the_stream_window() -> None:
    policy = parse_policy({"GUARDRAILS": "pii:mask"})
    assert policy is not None and policy.stream_window_chars == DEFAULT_STREAM_WINDOW_CHARS
    chosen = parse_policy({"GUARDRAILS": "pii:mask", "GUARDRAILS_STREAM_WINDOW_CHARS": "256"})
    assert chosen is not None and chosen.stream_window_chars == 256


@pytest.mark.parametrize("value", ["99", "255", "100001", "²⁰⁰", "4e2", "9" * 40])
def test_a_bad_stream_window_is_named(value: str) -> None:
    with pytest.raises(ConfigError, match="GUARDRAILS_STREAM_WINDOW_CHARS"):
        parse_policy({"GUARDRAILS": "pii:mask", "GUARDRAILS_STREAM_WINDOW_CHARS": value})
    with pytest.raises(ConfigError, match="GUARDRAILS_STREAM_WINDOW_CHARS is set but GUARDRAILS is not"):
        parse_policy({"GUARDRAILS_STREAM_WINDOW_CHARS": "400"})
