"""genai_fn.caller: the identity is read only from a gateway call, only as the gateway writes it."""

from __future__ import annotations

import pytest

from genai_fn import caller
from genai_fn.errors import InvalidRequest

HEADER = caller.CALLER_HEADER.lower()


def test_plain_invoke_is_the_fixed_name_whatever_it_sends() -> None:
    assert caller.caller_from({}, via_gateway=False) == "fn-invoke"
    assert caller.caller_from({HEADER: "gw:team-a"}, via_gateway=False) == "fn-invoke"
    assert caller.caller_from({HEADER: "not even valid"}, via_gateway=False) == "fn-invoke"


def test_gateway_call_without_the_header_is_anonymous() -> None:
    assert caller.caller_from({"content-type": "application/json"}, via_gateway=True) == "anonymous"


@pytest.mark.parametrize(
    "identity",
    [
        "team-a",
        "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "alice@example.com",
        "auth0|5fe435b5cbbc85006b071eba",
        "ocid1.user.oc1..aaaaaaaexample",
        "service-account:ci/bot=1~x",
        "a" * caller.MAX_CALLER_CHARS,
    ],
)
def test_gateway_identities_are_read_after_the_prefix(identity: str) -> None:
    assert caller.caller_from({HEADER: f"gw:{identity}"}, via_gateway=True) == identity


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("team-a", "set only by the API gateway"),  # no prefix: a client's own header got through
        ("GW:team-a", "set only by the API gateway"),
        ("", "set only by the API gateway"),
        ("gw:", "lacks the configured claim"),  # the claim was missing: the gateway substituted ""
        ("gw:two words", "not usable"),
        ("gw:a,b", "not usable"),
        ("gw:*", "not usable"),
        ("gw:{team}", "not usable"),
        ("gw:x\r\nX-Injected: 1", "not usable"),
        ("gw:é", "not usable"),
        ("gw:" + "a" * (caller.MAX_CALLER_CHARS + 1), "not usable"),
        ("gw:fn-invoke", "not usable"),
        ("gw:anonymous", "not usable"),
    ],
)
def test_hostile_or_broken_values_are_a_clear_400(value: str, says: str) -> None:
    with pytest.raises(InvalidRequest, match=says) as raised:
        caller.caller_from({HEADER: value}, via_gateway=True)
    error = raised.value
    assert (error.status, error.code, error.param) == (400, "invalid_request", "X-Genai-Caller")
    if value.startswith("gw:") and len(value) > 3:
        assert value[3:] not in error.message, "the value is never echoed"


def test_is_valid_caller_is_the_same_rule() -> None:
    assert caller.is_valid_caller("team-a")
    assert not caller.is_valid_caller("")
    assert not caller.is_valid_caller("*")
