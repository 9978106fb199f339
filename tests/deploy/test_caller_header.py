"""X-Genai-Caller in the generated specs: set with OVERWRITE from the configured claim on authenticated routes,
blocked elsewhere, never both; and the validator flags any spec that would let a client's own value through."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import generate_spec as gen
import pytest
import validate_spec as val
from oci.apigateway.models import FilterHeaderPolicy, SetHeaderPolicyItem

from genai_fn import caller

VARIANTS = sorted(gen.EXAMPLE_OPTIONS)


def _spec(name: str, **overrides: object) -> dict:
    return gen.build_spec(gen.SpecOptions(**{**gen.EXAMPLE_OPTIONS[name].__dict__, **overrides}))


def test_the_generator_and_the_function_agree_on_the_header_and_prefix() -> None:
    assert (gen.CALLER_HEADER, gen.CALLER_PREFIX) == (caller.CALLER_HEADER, caller.GATEWAY_PREFIX)


@pytest.mark.parametrize("name", ["token", "jwt"])
def test_token_routes_overwrite_the_header_from_the_claim_and_the_claim_is_required(name: str) -> None:
    spec = _spec(name, caller_claim="email")
    for route in spec["routes"]:
        assert route["requestPolicies"]["headerTransformations"] == {
            "setHeaders": {
                "items": [{"name": "X-Genai-Caller", "values": ["gw:${request.auth[email]}"], "ifExists": "OVERWRITE"}]
            }
        }
    auth = spec["requestPolicies"]["authentication"]
    claims = (
        auth["verifyClaims"]
        if name == "jwt"
        else auth["validationPolicy"]["additionalValidationPolicy"]["verifyClaims"]
    )
    assert claims == [{"key": "email", "isRequired": True}]
    assert val.validate(spec) == []


def test_token_authentication_is_the_sdk_model_and_the_default_claim_is_sub() -> None:
    spec = _spec("token", caller_claim=gen.DEFAULT_CALLER_CLAIM)
    auth = spec["requestPolicies"]["authentication"]
    assert auth["type"] == "TOKEN_AUTHENTICATION" and auth["validationPolicy"]["type"] == "REMOTE_JWKS"
    assert spec["routes"][0]["requestPolicies"]["headerTransformations"]["setHeaders"]["items"][0]["values"] == [
        "gw:${request.auth[sub]}"
    ]


def test_an_authorizer_function_context_key_names_the_caller() -> None:
    spec = _spec("authorizer")
    item = spec["routes"][0]["requestPolicies"]["headerTransformations"]["setHeaders"]["items"][0]
    assert item["values"] == ["gw:${request.auth[team]}"]
    assert "verifyClaims" not in spec["requestPolicies"]["authentication"]


@pytest.mark.parametrize("name", ["none", "usage-plan", "cors"])
def test_routes_without_authentication_block_a_client_sent_header(name: str) -> None:
    for route in _spec(name)["routes"]:
        assert route["requestPolicies"]["headerTransformations"] == {
            "filterHeaders": {"type": "BLOCK", "items": [{"name": "X-Genai-Caller"}]}
        }


@pytest.mark.parametrize("name", VARIANTS)
def test_the_header_is_in_exactly_one_transformation_policy_per_route(name: str) -> None:
    for route in _spec(name)["routes"]:
        policies = route["requestPolicies"]["headerTransformations"]
        assert len(policies) == 1, "SetHeaderPolicyItem/FilterHeaderPolicyItem: a name is unique across them"
    assert "unique across transformation policies" in (SetHeaderPolicyItem.name.__doc__ or "")
    assert "BLOCK drops any headers" in (FilterHeaderPolicy.type.__doc__ or "")


@pytest.mark.parametrize("claim", ["", "a b", "x]", "${x}", "%{x}", "a" * 129, "sub,team"])
def test_a_claim_that_could_break_the_expression_is_refused(claim: str) -> None:
    with pytest.raises(gen.SpecError, match="--caller-claim"):
        _spec("token", caller_claim=claim)


def test_the_terraform_template_escapes_the_gateways_expressions_only() -> None:
    text = gen.render_terraform(_spec("token", function_id=gen.TERRAFORM_FUNCTION_ID))
    assert "gw:$${request.auth[sub]}" in text and '"${function_id}"' in text
    assert "${request" not in text.replace("$${request", "")


def test_the_cli_takes_the_claim(tmp_path) -> None:
    assert gen.main(["--function-id", "ocid1.fnfunc.oc1..x", "--auth", "authorizer", "--authorizer-function-id",
                     "ocid1.fnfunc.oc1..a", "--caller-claim", "principal"]) == 0  # fmt: skip


# ---- the validator flags every way a client's value could get through


def _mutated(name: str, mutate: Callable[[dict], object]) -> list[str]:
    spec = copy.deepcopy(_spec(name))
    mutate(spec)
    return val.validate(spec)


def _transforms(spec: dict, i: int = 0) -> dict:
    return spec["routes"][i]["requestPolicies"]["headerTransformations"]


def _set_item(spec: dict, i: int = 0) -> dict:
    return _transforms(spec, i)["setHeaders"]["items"][0]


@pytest.mark.parametrize(
    ("name", "mutate", "expected"),
    [
        ("none", lambda s: s["routes"][0]["requestPolicies"].pop("headerTransformations"), "reaches the function"),
        ("token", lambda s: s["routes"][2]["requestPolicies"].pop("headerTransformations"), "reaches the function"),
        ("token", lambda s: _set_item(s).update(ifExists="SKIP"), "OVERWRITE"),
        ("token", lambda s: _set_item(s).update(ifExists="APPEND"), "OVERWRITE"),
        ("token", lambda s: _set_item(s).pop("ifExists"), "OVERWRITE"),
        ("token", lambda s: _set_item(s).update(values=["${request.auth[sub]}"]), "prefix"),
        ("token", lambda s: _set_item(s).update(values=["gw:${request.headers[X-User]}"]), "prefix"),
        ("token", lambda s: _set_item(s).update(values=["gw:${request.auth[sub]}", "gw:x"]), "prefix"),
        ("token", lambda s: _set_item(s).update(name="X-Genai-User"), "reaches the function"),
        (
            "none",
            lambda s: _transforms(s).update(filterHeaders={"type": "BLOCK", "items": [{"name": "X-Other"}]}),
            "reaches the function",
        ),  # fmt: skip
        (
            "none",
            lambda s: _transforms(s).update(filterHeaders={"type": "ALLOW", "items": [{"name": "X-Genai-Caller"}]}),
            "reaches the function",
        ),  # fmt: skip
        (
            "token",
            lambda s: _transforms(s).update(filterHeaders={"type": "BLOCK", "items": [{"name": "x-genai-caller"}]}),
            "two transformation policies",
        ),  # fmt: skip
        (
            "none",
            lambda s: _transforms(s).update(renameHeaders={"items": [{"from": "X-Team", "to": "X-GENAI-CALLER"}]}),
            "renamed",
        ),  # fmt: skip
        ("none", lambda s: _transforms(s).update(setHeaders={"items": [_set_item(_spec("token"))]}), "without auth"),
        (
            "token",
            lambda s: s["routes"][0]["requestPolicies"].update(authorization={"type": "ANONYMOUS"}),
            "without authentication",
        ),  # fmt: skip
    ],
)
def test_the_validator_flags_a_spec_that_lets_a_client_choose_the_caller(
    name: str, mutate: Callable[[dict], object], expected: str
) -> None:
    problems = _mutated(name, mutate)
    assert any(expected in p for p in problems), problems
    assert any("headerTransformations" in p for p in problems), problems


def test_an_allow_list_without_the_header_also_keeps_it_out() -> None:
    spec = copy.deepcopy(_spec("none"))
    _transforms(spec)["filterHeaders"] = {"type": "ALLOW", "items": [{"name": "Content-Type"}]}
    assert val.validate(spec) == []


def test_openid_connect_access_token_claims_are_accepted() -> None:
    spec = copy.deepcopy(_spec("token"))
    for i in range(len(spec["routes"])):
        _set_item(spec, i)["values"] = ["gw:${request.auth[access_token_claims][sub]}"]
    assert val.validate(spec) == []


def test_committed_examples_pass_and_the_cli_flags_a_bad_one(tmp_path) -> None:
    bad = copy.deepcopy(_spec("token"))
    _set_item(bad)["ifExists"] = "SKIP"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    assert val.main([str(path)]) == 1
    assert val.main([str(p) for p in sorted(gen.EXAMPLES_DIR.glob("*.json"))]) == 0
