"""The error tree, walked as httpx walks its exception hierarchy: statuses, unique codes, extra headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from genai_fn import errors
from genai_fn.errors import (
    BudgetExceeded,
    BudgetStoreUnavailable,
    InvalidRequest,
    MethodNotAllowed,
    ProxyError,
    RequestError,
    UpstreamError,
    UpstreamFailed,
    UpstreamThrottled,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
CONTRACT = DOCS / "api.md"
"""Holds the error-code table that must match the error tree."""


def subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(subclasses(sub))
    return found


TREE = [ProxyError, *subclasses(ProxyError)]
LEAVES = [cls for cls in TREE if not cls.__subclasses__()]
ANSWERED = [ProxyError, *LEAVES]
"""What a caller can see: every leaf, plus the root for bugs (internal_error)."""
SHARED_DEFAULTS = {RequestError: InvalidRequest, UpstreamError: UpstreamFailed}
"""Two bases carry the code of their default leaf on purpose: a bare RequestError is answered as an invalid request,
a bare UpstreamError as an upstream failure. They are never raised by the function itself."""


def test_tree_is_the_documented_one() -> None:
    names = {cls.__name__ for cls in TREE}
    assert names >= {
        "ProxyError",
        "ConfigError",
        "RequestError",
        "InvalidJSON",
        "InvalidRequest",
        "ModelNotAllowed",
        "RouteNotFound",
        "MethodNotAllowed",
        "PayloadTooLarge",
        "UpstreamError",
        "UpstreamRejected",
        "UpstreamAuthFailed",
        "UpstreamThrottled",
        "UpstreamFailed",
        "UpstreamTimeout",
    }
    assert all(cls.__module__ == errors.__name__ for cls in TREE)


@pytest.mark.parametrize("cls", TREE, ids=lambda cls: cls.__name__)
def test_every_class_has_an_error_status_and_a_snake_case_code(cls: type[ProxyError]) -> None:
    assert 400 <= cls.status <= 599
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", cls.code)


@pytest.mark.parametrize("cls", subclasses(RequestError), ids=lambda cls: cls.__name__)
def test_request_errors_are_the_callers_to_fix(cls: type[ProxyError]) -> None:
    assert 400 <= cls.status < 500


def test_answered_codes_are_unique() -> None:
    codes = [cls.code for cls in ANSWERED]
    assert len(codes) == len(set(codes)), codes


def test_only_the_documented_bases_share_a_code_and_status_with_their_default_leaf() -> None:
    shared = {cls: leaf for cls in TREE if cls not in ANSWERED for leaf in LEAVES if leaf.code == cls.code}
    assert shared == SHARED_DEFAULTS
    assert all(base.status == leaf.status for base, leaf in shared.items())


def documented_codes() -> dict[str, int]:
    """The error table's rows: `| code | status | ...`, code optionally in backticks."""
    rows = re.findall(r"^\| `?([a-z_]+)`? \| (\d{3}) \|", CONTRACT.read_text(encoding="utf-8"), re.MULTILINE)
    return {code: int(status) for code, status in rows}


def test_error_table_in_the_docs_matches_the_tree() -> None:
    assert documented_codes() == {cls.code: cls.status for cls in ANSWERED}


def test_base_error_carries_message_param_and_request_id() -> None:
    error = InvalidRequest("messages[2].role must be user", param="messages[2].role", opc_request_id="opc-1")
    assert (str(error), error.message, error.param, error.opc_request_id) == (
        "messages[2].role must be user",
        "messages[2].role must be user",
        "messages[2].role",
        "opc-1",
    )
    assert not hasattr(error, "attempts"), "what the log needs is in logs.current_record(), not on the error"
    assert error.headers() == {}


@pytest.mark.parametrize(("retry_after", "header"), [(1, "1"), (30, "30"), (0, "0")])
def test_throttled_sends_retry_after(retry_after: int, header: str) -> None:
    error = UpstreamThrottled("slow down", retry_after=retry_after, opc_request_id="opc-2")
    assert error.headers() == {"Retry-After": header}
    assert (error.status, error.code, error.opc_request_id) == (429, "rate_limited", "opc-2")


def test_throttled_defaults_to_one_second() -> None:
    assert UpstreamThrottled("slow down").headers() == {"Retry-After": "1"}


@pytest.mark.parametrize(
    ("allowed", "headers"),
    [
        (("POST",), {"Allow": "POST"}),
        (("GET", "POST"), {"Allow": "GET, POST"}),
        ((), {}),
    ],
)
def test_method_not_allowed_sends_allow(allowed: tuple[str, ...], headers: dict[str, str]) -> None:
    error = MethodNotAllowed("wrong method", allowed=allowed)
    assert error.headers() == headers
    assert (error.status, error.code) == (405, "method_not_allowed")


@pytest.mark.parametrize("cls", [BudgetExceeded, BudgetStoreUnavailable], ids=lambda cls: cls.__name__)
def test_budget_errors_say_when_to_retry(cls: type[BudgetExceeded | BudgetStoreUnavailable]) -> None:
    assert cls("x", retry_after=45).headers() == {"Retry-After": "45"}


@pytest.mark.parametrize(
    "cls",
    [cls for cls in TREE if cls not in (UpstreamThrottled, MethodNotAllowed, BudgetExceeded, BudgetStoreUnavailable)],
    ids=lambda cls: cls.__name__,
)
def test_other_errors_send_no_extra_headers(cls: type[ProxyError]) -> None:
    assert cls("x").headers() == {}
