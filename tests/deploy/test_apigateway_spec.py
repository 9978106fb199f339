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
    ("GET", "/v1/models/{model}"),
    ("POST", "/v1/rerank"),
    ("POST", "/v1/responses"),
    ("GET", "/v1/responses/{id}"),
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
    assert all(set(r["requestPolicies"]) == {"headerTransformations"} for r in spec["routes"])
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


# ---- issue 11: the gateway's routes are the function's routes; the validator never crashes


def test_generated_routes_equal_the_function_route_table() -> None:
    from genai_fn.router import ROUTES

    expected = {(r.method, r.path) for r in ROUTES}
    for name in VARIANTS:
        spec = _spec(name)
        assert {(m, r["path"]) for r in spec["routes"] for m in r["methods"]} == expected
        assert len(spec["routes"]) == len(ROUTES)


MALFORMED: list[tuple[Callable[[dict], object], str]] = [
    (
        lambda s: s["requestPolicies"]["authentication"]["validationFailurePolicy"].update(responseCode=401),
        "wrong JSON type",
    ),
    (lambda s: s["routes"][0].update(path=5), "wrong JSON type"),
    (lambda s: s["routes"][0].update(methods="POST"), "$.routes[0].methods"),
    (lambda s: s["routes"].__setitem__(0, "x"), "$.routes[0]"),
    (lambda s: s.update(routes={"a": 1}), "$.routes"),
    (lambda s: s.update(requestPolicies=[]), "$.requestPolicies"),
    (lambda s: s["requestPolicies"].update(authentication="x"), "cannot deserialize"),
    (lambda s: s["routes"][0].update(requestPolicies="x"), "$.routes[0].requestPolicies"),
    (lambda s: s["routes"][0].update(path="chat"), "must start with '/'"),
    (lambda s: s["routes"].append(copy.deepcopy(s["routes"][0])), "duplicate route POST"),
    (
        lambda s: s["requestPolicies"]["authentication"]["parameters"].update(apiKey="request.headers[x"),
        "not a context variable",
    ),
    (
        lambda s: s["requestPolicies"]["authentication"]["parameters"].update(apiKey="headers[X-Api-Key]"),
        "not a context variable",
    ),
    (
        lambda s: s["requestPolicies"]["authentication"]["validationFailurePolicy"].update(
            responseMessage="bad key ${request.headers[x}"
        ),
        "malformed context variable",
    ),
    (lambda s: s["routes"][0]["backend"].update(functionId=None), "functionId"),
    (lambda s: s["routes"][0].update(backend=[]), "cannot deserialize"),
]


@pytest.mark.parametrize(("mutate", "expected"), MALFORMED, ids=[str(i) for i in range(len(MALFORMED))])
def test_validator_never_crashes_on_a_malformed_spec(mutate, expected) -> None:
    spec = copy.deepcopy(_spec("authorizer"))
    mutate(spec)
    problems = val.validate(spec)
    assert any(expected in p for p in problems), problems


def test_validator_accepts_well_formed_context_variables() -> None:
    spec = copy.deepcopy(_spec("authorizer"))
    spec["requestPolicies"]["authentication"]["validationFailurePolicy"]["responseMessage"] = (
        "no key for ${request.headers[Host]}"
    )
    assert val.validate(spec) == []
    assert val.validate(_spec("usage-plan")) == []


def test_validator_cli_reports_unreadable_json(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert val.main([str(bad)]) == 1


def test_documented_authorizer_reads_the_user_defined_envelope() -> None:
    """Row 9: a multi-argument authorizer receives {"type": "USER_DEFINED", "data": {...}}."""
    import hmac
    import io
    import os
    import re
    import textwrap
    import types

    docs = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(\s*def handler\(ctx, data=None\):.*?)```", docs, re.S)
    assert code, "docs/deploy.md must show the authorizer handler"
    sent: list[dict] = []

    class Response:
        def __init__(self, ctx, response_data, headers):
            sent.append(json.loads(response_data))

    namespace = {"json": json, "os": os, "hmac": hmac, "response": types.SimpleNamespace(Response=Response)}
    exec(textwrap.dedent(code.group(1)), namespace)  # noqa: S102 - the documented example, run as written
    os.environ["API_KEY"] = "s3cret"
    try:
        for body, active in [
            ({"type": "USER_DEFINED", "data": {"apiKey": "s3cret"}}, True),
            ({"type": "USER_DEFINED", "data": {"apiKey": "wrong"}}, False),
            ({"apiKey": "s3cret"}, False),
            ({"type": "USER_DEFINED", "data": {}}, False),
        ]:
            namespace["handler"](None, io.BytesIO(json.dumps(body).encode()))
            assert sent[-1] == {"active": active}, body
    finally:
        del os.environ["API_KEY"]


def test_generator_follows_the_route_table_not_a_copy(tmp_path) -> None:
    """A route added to the function's table appears in the gateway spec with no edit to the generator."""
    source = gen.ROUTER_SOURCE.read_text(encoding="utf-8")
    grown = source.replace(
        "ROUTES: tuple[Route, ...] = (",
        'ROUTES: tuple[Route, ...] = (\n    Route("extra", "GET", "/v1/extra", "usecases.x:y", "contracts.x:Y"),',
        1,
    )
    assert grown != source, "the ROUTES table in genai_fn/router.py changed shape; update this test"
    (tmp_path / "router.py").write_text(grown, encoding="utf-8")
    assert gen.routes_from_source(tmp_path / "router.py") == (("GET", "/v1/extra"), *gen.ROUTES)


@pytest.mark.parametrize(
    "table",
    ["ROUTES = (Route('x', METHOD, '/p', h, c),)", "OTHER = ()", "ROUTES = (Route('x', 'GET'),)"],
)
def test_an_unreadable_route_table_is_an_error_not_an_empty_spec(tmp_path, table: str) -> None:
    (tmp_path / "router.py").write_text(table + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="generate_spec: "):
        gen.routes_from_source(tmp_path / "router.py")


def test_the_generator_runs_on_a_bare_interpreter() -> None:
    """Cloud Shell's python3 has neither fdk nor this project installed: the generator must need nothing."""
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            str(APIGATEWAY_DIR / "generate_spec.py"),
            "--function-id",
            gen.EXAMPLE_FUNCTION_ID,
        ],
        capture_output=True,
        text=True,
        env={},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert {r["path"] for r in json.loads(result.stdout)["routes"]} == {path for _, path in gen.ROUTES}
