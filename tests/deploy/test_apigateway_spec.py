"""The generated API Gateway specs are valid for the oci SDK's models, complete, and never drift."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import generate_spec as gen
import pytest
import validate_spec as val

REPO = Path(__file__).resolve().parents[2]
APIGATEWAY_DIR = REPO / "deploy" / "apigateway"

VARIANTS = sorted(gen.EXAMPLE_OPTIONS)
CONTRACT_ROUTES = {
    ("POST", "/chat"),
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/embeddings"),
    ("GET", "/v1/models"),
}


def _spec(name: str) -> dict:
    return gen.build_spec(gen.EXAMPLE_OPTIONS[name])


@pytest.mark.parametrize("path", sorted(gen.example_files()), ids=lambda p: p.name)
def test_committed_examples_match_the_generator(path) -> None:
    assert path.exists(), f"run: python deploy/apigateway/generate_spec.py --write-examples ({path} missing)"
    assert path.read_text(encoding="utf-8") == gen.example_files()[path], (
        f"{path.name} drifted from generate_spec.py; run it with --write-examples"
    )


def test_every_variant_has_a_committed_example() -> None:
    committed = {p.stem for p in (APIGATEWAY_DIR / "examples").glob("*.json")}
    assert committed == set(VARIANTS)
    assert set(gen.AUTH_MODES) <= committed


@pytest.mark.parametrize("name", VARIANTS)
def test_example_round_trips_through_sdk_models(name) -> None:
    assert val.validate(_spec(name)) == []


@pytest.mark.parametrize("name", VARIANTS)
def test_routes_cover_every_contract_with_explicit_methods(name) -> None:
    spec = _spec(name)
    routes = {(m, r["path"]) for r in spec["routes"] for m in r["methods"]}
    assert routes == CONTRACT_ROUTES
    for route in spec["routes"]:
        assert "ANY" not in route["methods"]
        assert route["backend"] == {"type": "ORACLE_FUNCTIONS_BACKEND", "functionId": gen.EXAMPLE_FUNCTION_ID}


@pytest.mark.parametrize("name", VARIANTS)
def test_safe_defaults(name) -> None:
    spec = _spec(name)
    assert spec["requestPolicies"]["rateLimiting"] == {"rateInRequestsPerSecond": 10, "rateKey": "CLIENT_IP"}
    assert spec["loggingPolicies"] == {"executionLog": {"logLevel": "WARN"}}
    assert ("cors" in spec["requestPolicies"]) == (name == "cors")
    for route in spec["routes"]:
        body = route.get("requestPolicies", {}).get("bodyValidation")
        if route["methods"] == ["POST"]:
            assert body["content"] == {"application/json": {"validationType": "NONE"}}
            assert body["validationMode"] == "ENFORCING"
        else:
            assert body is None


def test_auth_variants_use_the_documented_policy_types() -> None:
    assert "authentication" not in _spec("none")["requestPolicies"]
    jwt = _spec("jwt")["requestPolicies"]["authentication"]
    assert jwt["type"] == "JWT_AUTHENTICATION" and jwt["publicKeys"]["type"] == "REMOTE_JWKS"
    assert (jwt["tokenHeader"], jwt["tokenAuthScheme"]) == ("Authorization", "Bearer")
    custom = _spec("authorizer")["requestPolicies"]["authentication"]
    assert custom["type"] == "CUSTOM_AUTHENTICATION"
    assert custom["parameters"] == {"apiKey": "request.headers[X-Api-Key]"}
    assert set(custom["cacheKey"]) <= set(custom["parameters"])
    plans = _spec("usage-plan")["requestPolicies"]
    assert plans["usagePlans"] == {"tokenLocations": ["request.headers[X-Api-Key]"]} and "authentication" not in plans


def test_rate_limit_zero_turns_it_off_and_still_validates() -> None:
    spec = gen.build_spec(gen.SpecOptions(function_id=gen.EXAMPLE_FUNCTION_ID, rate_limit=0))
    assert "requestPolicies" not in spec
    assert val.validate(spec) == []


def test_no_body_validation_and_info_logs_still_validate() -> None:
    opts = gen.SpecOptions(function_id=gen.EXAMPLE_FUNCTION_ID, body_validation=False, log_level="INFO")
    spec = gen.build_spec(opts)
    assert all("requestPolicies" not in r for r in spec["routes"])
    assert val.validate(spec) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"function_id": ""}, "--function-id"),
        ({"auth": "jwt"}, "--jwks-uri"),
        ({"auth": "jwt", "jwks_uri": "http://x", "issuers": ("i",), "audiences": ("a",)}, "https://"),
        ({"auth": "authorizer"}, "--authorizer-function-id"),
        ({"rate_limit": -1}, "--rate-limit"),
        ({"cors_origins": ("*",)}, "'*'"),
        ({"log_level": "DEBUG"}, "--log-level"),
        ({"cors_origins": ("https://${x}",)}, "templatefile"),
    ],
)
def test_generator_refuses_bad_options(options, message) -> None:
    with pytest.raises(gen.SpecError, match=message.replace("*", r"\*")):
        gen.build_spec(gen.SpecOptions(**{"function_id": gen.EXAMPLE_FUNCTION_ID, **options}))


def test_cli_prints_valid_json_and_reports_errors_on_stderr() -> None:
    script = str(APIGATEWAY_DIR / "generate_spec.py")
    ok = subprocess.run(
        [
            sys.executable,
            script,
            "--function-id",
            "ocid1.fnfunc.oc1..x",
            "--auth",
            "jwt",
            "--jwks-uri",
            "https://idcs.example/jwk",
            "--issuer",
            "i",
            "--audience",
            "a",
            "--cors-origin",
            "https://a.example",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    assert val.validate(json.loads(ok.stdout)) == []
    bad = subprocess.run(
        [sys.executable, script, "--auth", "authorizer", "--function-id", "x"], capture_output=True, text=True, cwd=REPO
    )
    assert bad.returncode == 2 and "--authorizer-function-id" in bad.stderr and bad.stdout == ""


def test_validator_cli_exit_codes(tmp_path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_spec("none")))
    broken = copy.deepcopy(_spec("none"))
    broken["routes"][0]["backend"]["readTimeoutInSeconds"] = 30
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken))
    assert val.main([str(good)]) == 0
    assert val.main([str(good), str(bad)]) == 1


# ---- the validator itself must catch what the SDK silently accepts


def _mutated(mutate: Callable[[dict], object]) -> list[str]:
    spec = copy.deepcopy(_spec("jwt"))
    mutate(spec)
    return val.validate(spec)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda s: s.update(bogusTopLevelPolicy={}), "$.bogusTopLevelPolicy: unknown key"),
        (lambda s: s["routes"][0]["backend"].update(readTimeoutInSeconds=30), "readTimeoutInSeconds: unknown key"),
        (lambda s: s["requestPolicies"]["rateLimiting"].update(rateKey="IP"), "'IP' is not a value"),
        (lambda s: s["routes"][1].update(methods=["FETCH"]), "'FETCH' is not a value"),
        (lambda s: s["routes"][0]["backend"].update(type="FOO"), "UNKNOWN_ENUM_VALUE"),
        (lambda s: s["routes"][0].pop("backend"), "$.routes[0].backend: required"),
        (lambda s: s["routes"][0].pop("path"), "$.routes[0].path: required"),
        (lambda s: s["routes"][0]["backend"].pop("functionId"), "functionId: required"),
        (lambda s: s["requestPolicies"]["authentication"].pop("issuers"), "issuers: required"),
        (lambda s: s["requestPolicies"]["authentication"]["publicKeys"].pop("uri"), "uri: required"),
        (lambda s: s["requestPolicies"]["rateLimiting"].pop("rateKey"), "rateKey: required"),
        (lambda s: s["requestPolicies"]["authentication"].pop("tokenAuthScheme"), "tokenAuthScheme"),
        (
            lambda s: s["routes"][0]["backend"].update(function_id=s["routes"][0]["backend"].pop("functionId")),
            "function_id: unknown key",
        ),
        (
            lambda s: s["requestPolicies"].update(rate_limiting=s["requestPolicies"].pop("rateLimiting")),
            "rate_limiting: unknown key",
        ),
        (lambda s: s["routes"][0]["backend"].pop("type"), "cannot deserialize"),
        (lambda s: s["requestPolicies"]["rateLimiting"].update(rateInRequestsPerSecond="ten"), "cannot deserialize"),
        (lambda s: s.update(routes=[]), "at least one route"),
        (lambda s: s["routes"].extend([s["routes"][0]] * 50), "the gateway allows 50"),
    ],
    ids=[
        "unknown-top-key",
        "http-only-timeout",
        "bad-rate-key",
        "bad-method",
        "bad-backend-type",
        "no-backend",
        "no-path",
        "no-function-id",
        "jwt-no-issuers",
        "jwks-no-uri",
        "rate-no-key",
        "bearer-no-scheme",
        "snake-case-leaf",
        "snake-case-policy",
        "no-discriminator",
        "bad-number",
        "no-routes",
        "too-many-routes",
    ],
)
def test_validator_catches(mutate, expected) -> None:
    problems = _mutated(mutate)
    assert any(expected in p for p in problems), problems
