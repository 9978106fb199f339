"""TOKEN_BUDGETS, BUDGET_STORE_URL and BUDGET_ON_STORE_ERROR: parsed strictly, every error naming its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from genai_fn.budgets import Budget, parse_budgets
from genai_fn.errors import ConfigError

URL = "rediss://genai-budgets:pw@genai-cache.redis.us-chicago-1.oci.oraclecloud.com:6379/0"


def test_off_when_token_budgets_is_empty() -> None:
    assert parse_budgets({}) is None
    assert parse_budgets({"TOKEN_BUDGETS": "  "}) is None


def test_the_documented_example() -> None:
    policy = parse_budgets(
        {"TOKEN_BUDGETS": "*:200000/day,team-a:1000000/day,ci-bot:5000/hour", "BUDGET_STORE_URL": URL}
    )
    assert policy is not None
    assert policy.budgets == (
        Budget("*", 200000, "day"),
        Budget("team-a", 1000000, "day"),
        Budget("ci-bot", 5000, "hour"),
    )
    assert policy.on_store_error == "closed"
    assert policy.limits_for("team-a") == (Budget("team-a", 1000000, "day"),)
    assert policy.limits_for("someone-else") == (Budget("*", 200000, "day"),)
    assert policy.connection["host"] == "genai-cache.redis.us-chicago-1.oci.oraclecloud.com"
    assert (policy.connection["port"], policy.connection["db"], policy.connection["username"]) == (
        6379,
        0,
        "genai-budgets",
    )
    assert "pw" not in repr(policy), "the password never reaches a repr (or a log)"


def test_no_default_entry_means_unnamed_callers_are_unlimited_and_a_caller_may_have_several_windows() -> None:
    policy = parse_budgets({"TOKEN_BUDGETS": "team-a:100/minute, team-a:5000/day", "BUDGET_STORE_URL": URL})
    assert policy is not None
    assert policy.limits_for("team-b") == ()
    assert [b.window for b in policy.limits_for("team-a")] == ["minute", "day"]


def test_open_and_default_port_and_a_caller_with_colons() -> None:
    policy = parse_budgets(
        {
            "TOKEN_BUDGETS": "svc:ci/bot:10/hour",
            "BUDGET_STORE_URL": "rediss://cache.example.internal",
            "BUDGET_ON_STORE_ERROR": "OPEN",
        }
    )
    assert policy is not None
    assert policy.on_store_error == "open"
    assert policy.budgets == (Budget("svc:ci/bot", 10, "hour"),)
    assert policy.connection["port"] == 6379


def test_the_cached_weight_defaults_to_one_and_reads_a_decimal() -> None:
    base = {"TOKEN_BUDGETS": "*:1/day", "BUDGET_STORE_URL": URL}
    assert (parse_budgets(base) or pytest.fail()).cached_weight == 1.0
    assert (parse_budgets({**base, "TOKEN_BUDGET_CACHED_WEIGHT": " 0.25 "}) or pytest.fail()).cached_weight == 0.25


def test_timeout_ceilings_and_a_private_ca_from_the_url(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-")
    policy = parse_budgets(
        {
            "TOKEN_BUDGETS": "*:1/day",
            "BUDGET_STORE_URL": f"{URL}?ssl_ca_certs={ca}&socket_timeout=0.5&socket_connect_timeout=1.5",
        }
    )
    assert policy is not None
    assert (policy.store_timeout, policy.connect_timeout) == (0.5, 1.5)
    assert policy.connection["ssl_ca_certs"] == str(ca)
    assert "socket_timeout" not in policy.connection


@pytest.mark.parametrize(
    ("env", "variable", "says"),
    [
        ({"BUDGET_STORE_URL": URL}, "TOKEN_BUDGETS", "need TOKEN_BUDGETS"),
        ({"BUDGET_ON_STORE_ERROR": "open"}, "TOKEN_BUDGETS", "need TOKEN_BUDGETS"),
        ({"TOKEN_BUDGET_CACHED_WEIGHT": "0.5"}, "TOKEN_BUDGETS", "need TOKEN_BUDGETS"),
        (
            {"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": URL, "TOKEN_BUDGET_CACHED_WEIGHT": "1.5"},
            "CACHED_WEIGHT",
            "0 to 1",
        ),
        (
            {"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": URL, "TOKEN_BUDGET_CACHED_WEIGHT": "-0.1"},
            "CACHED_WEIGHT",
            "",
        ),
        (
            {"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": URL, "TOKEN_BUDGET_CACHED_WEIGHT": "nan"},
            "CACHED_WEIGHT",
            "",
        ),
        ({"TOKEN_BUDGETS": "*:10/day"}, "BUDGET_STORE_URL", "required"),
        ({"TOKEN_BUDGETS": "team-a:10/week", "BUDGET_STORE_URL": URL}, "TOKEN_BUDGETS", "minute, hour or day"),
        ({"TOKEN_BUDGETS": "team-a:ten/day", "BUDGET_STORE_URL": URL}, "TOKEN_BUDGETS", "caller:tokens/window"),
        ({"TOKEN_BUDGETS": "team-a:-5/day", "BUDGET_STORE_URL": URL}, "TOKEN_BUDGETS", "caller:tokens/window"),
        ({"TOKEN_BUDGETS": "10/day", "BUDGET_STORE_URL": URL}, "TOKEN_BUDGETS", "caller:tokens/window"),
        ({"TOKEN_BUDGETS": "team-a:0/day", "BUDGET_STORE_URL": URL}, "TOKEN_BUDGETS", "between 1"),
        ({"TOKEN_BUDGETS": "two words:5/day", "BUDGET_STORE_URL": URL}, "TOKEN_BUDGETS", "cannot be one"),
        ({"TOKEN_BUDGETS": "a:5/day,a:6/day", "BUDGET_STORE_URL": URL}, "TOKEN_BUDGETS", "same caller"),
        ({"TOKEN_BUDGETS": ",", "BUDGET_STORE_URL": URL}, "TOKEN_BUDGETS", "no entry"),
        ({"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": URL, "BUDGET_ON_STORE_ERROR": "maybe"}, "BUDGET_ON", ""),
        ({"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": "redis://cache.example:6379"}, "BUDGET_STORE_URL", "TLS"),
        ({"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": "https://cache.example"}, "BUDGET_STORE_URL", "a URL"),
        ({"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": "rediss://10.0.0.5:6379"}, "BUDGET_STORE_URL", "FQDN"),
        ({"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": "rediss://[fd00::5]:6379"}, "BUDGET_STORE_URL", "FQDN"),
        ({"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": "rediss://:6379"}, "BUDGET_STORE_URL", "no host"),
        ({"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": "rediss://c.example:99999"}, "BUDGET_STORE_URL", "URL"),
        (
            {"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": "rediss://c.example?ssl_cert_reqs=none"},
            "BUDGET_STORE_URL",
            "ssl_cert_reqs is not accepted",
        ),
        (
            {"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": "rediss://c.example?ssl_check_hostname=false"},
            "BUDGET_STORE_URL",
            "ssl_check_hostname is not accepted",
        ),
        (
            {"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": "rediss://c.example?ssl_ca_certs=/nonexistent.pem"},
            "BUDGET_STORE_URL",
            "readable PEM",
        ),
        (
            {"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": "rediss://c.example?socket_timeout=0"},
            "BUDGET_STORE_URL",
            "socket_timeout",
        ),
        (
            {"TOKEN_BUDGETS": "*:5/day", "BUDGET_STORE_URL": "rediss://c.example?socket_timeout=abc"},
            "BUDGET_STORE_URL",
            "URL",
        ),
    ],
)
def test_bad_values_name_their_variable(env: dict[str, str], variable: str, says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_budgets(env)
    assert variable in raised.value.message and says in raised.value.message
    assert "pw" not in raised.value.message
