"""Security review, as tests: nothing sensitive in logs or errors, and no caller input can override configuration.

See docs/security.md for the threat model these rows come from.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator import Emulator
from tests.conftest import RunningFunction, function_config
from tests.constants import COHERE_MODEL, COMPARTMENT

from .conftest import InProcess

SECRET_PROMPT = "PROMPT-SECRET-7c1e"
SECRET_BEARER = "Bearer CALLER-TOKEN-93ab"
SECRET_SYSTEM = "SYSTEM-SECRET-55d0"


@pytest.fixture(scope="module")
def debug_fn(start_module_function, emulator: Emulator) -> RunningFunction:
    """The function with fdk's own debug logging switched on, as an operator might do while troubleshooting."""
    return start_module_function({**function_config(emulator), "FDK_DEBUG": "1"})


def test_fdk_debug_logs_the_cold_requests_headers_before_func_py_loads(
    debug_fn: RunningFunction, emulator: Emulator
) -> None:
    """A known fdk behaviour the function cannot prevent: fdk imports func.py lazily, on the first call, and logs
    that call's headers at debug level before genai_fn can quiet its logger. docs/security.md: never set
    FDK_DEBUG in production. If this starts failing, fdk changed: update docs/security.md (T7)."""
    emulator.reset()
    debug_fn.invoke({"input": "cold"}, gateway=True, url="/genai/chat", headers={"Authorization": SECRET_BEARER})

    assert "CALLER-TOKEN-93ab" in debug_fn.new_log()


def test_nothing_sensitive_is_logged_once_warm_even_with_fdk_debug(
    debug_fn: RunningFunction, emulator: Emulator, rp_env: dict[str, str]
) -> None:
    """After the first call genai_fn has set fdk's logger to WARNING: no header, prompt, reply or key is logged."""
    emulator.reset()
    debug_fn.invoke({"input": "warm-up"})
    debug_fn.new_log()
    headers = {"Authorization": SECRET_BEARER, "Cookie": f"session={SECRET_BEARER}", "Accept": "application/json"}
    body = {"input": SECRET_PROMPT, "system": SECRET_SYSTEM}
    ok = debug_fn.invoke(body, gateway=True, url="/genai/chat", headers=headers)
    emulator.fail_next(status=400, code="InvalidParameter", message=f"bad message {SECRET_PROMPT}")
    rejected = debug_fn.invoke(body, gateway=True, url="/genai/chat", headers=headers)
    emulator.fail_next(status=500, code="InternalServerError", times=3)
    failed = debug_fn.invoke(body, headers={"Authorization": SECRET_BEARER})
    invalid = debug_fn.invoke({**body, "temperature": SECRET_PROMPT}, gateway=True, url="/genai/chat", headers=headers)

    assert (ok.status, rejected.status, invalid.status) == (200, 400, 400)
    assert json.loads(failed.body)["error"]["status"] == 502
    log = debug_fn.new_log()
    token = Path(rp_env["OCI_RESOURCE_PRINCIPAL_RPST"]).read_text()
    for secret in (
        SECRET_PROMPT,
        SECRET_SYSTEM,
        "CALLER-TOKEN-93ab",
        "Emulated reply",
        token[:40],
        "PRIVATE KEY",
        'keyId="ST$',
    ):
        assert secret not in log, f"{secret!r} reached the logs"
    lines = [line for line in log.splitlines() if line.strip()]
    assert [json.loads(line)["status"] for line in lines] == [200, 400, 502, 400], "only the request lines"


def test_content_is_not_in_the_request_log_for_any_outcome(inproc: InProcess, emulator: Emulator) -> None:
    """In-process, every error class the app can answer: the log line never carries the prompt."""
    from .test_fuzz_handler import invoke

    inproc.log.truncate(0)
    emulator.reset()
    for fault in (
        {"status": 400, "code": "InvalidParameter"},
        {"status": 401, "code": "NotAuthenticated", "times": 2},
        {"status": 429, "code": "TooManyRequests", "times": 3, "headers": {"retry-after": "0"}},
    ):
        emulator.fail_next(message=SECRET_PROMPT, **fault)
        invoke(inproc, json.dumps({"input": SECRET_PROMPT}).encode())
    invoke(inproc, json.dumps({"input": SECRET_PROMPT, "top_k": SECRET_PROMPT}).encode())
    invoke(inproc, json.dumps({"input": SECRET_PROMPT}).encode())
    log = inproc.log.getvalue()
    assert len(log.splitlines()) == 5 and SECRET_PROMPT not in log and "Emulated reply" not in log


BROKEN_CREDENTIALS = [
    pytest.param({"AUTH_MODE": "api_key", "OCI_CONFIG_FILE": "/run/secrets/oci/config-missing"}, id="api-key-missing"),
    pytest.param({"AUTH_MODE": "api_key", "OCI_CONFIG_FILE": "{dir}/config"}, id="api-key-broken-key"),
    pytest.param({"OCI_RESOURCE_PRINCIPAL_RPST": "{dir}/no-such-token"}, id="rp-token-missing"),
    pytest.param({"OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM": "{dir}/config"}, id="rp-key-garbage"),
]


@pytest.mark.parametrize("override", BROKEN_CREDENTIALS)
def test_credential_errors_name_the_cause_not_paths_or_secrets(
    start_function, emulator: Emulator, tmp_path: Path, override: dict[str, str]
) -> None:
    (tmp_path / "config").write_text(
        f"[DEFAULT]\nuser=ocid1.user.oc1..u\nfingerprint=aa:bb\ntenancy=ocid1.tenancy.oc1"
        f"..t\nregion=us-chicago-1\nkey_file={tmp_path}/config\n"
    )
    config = {k: v.format(dir=tmp_path) for k, v in override.items()}
    function = start_function({**function_config(emulator), **config})
    emulator.reset()
    reply = function.invoke({"input": "Hi"}, gateway=True, url="/chat")

    error = json.loads(reply.body)["error"]
    assert (reply.status, error["type"]) == (502, "upstream_auth_failed"), error
    assert "credentials" in error["message"]
    for leak in (str(tmp_path), "/run/secrets", "config-missing", "no-such-token", "fingerprint", "ocid1.user"):
        assert leak not in error["message"], error["message"]
    assert len(emulator.requests) == 0


CALLER_OVERRIDES = [
    {"compartment_id": "ocid1.compartment.oc1..attacker"},
    {"compartmentId": "ocid1.compartment.oc1..attacker"},
    {"servingMode": {"servingType": "DEDICATED", "endpointId": "ocid1.generativeaiendpoint.oc1..x"}},
    {"endpoint": "http://attacker.example"},
    {"service_endpoint": "http://attacker.example"},
    {"chatRequest": {"apiFormat": "GENERIC"}},
    {"model": "ocid1.generativeaimodel.oc1..other"},
    {"model": "meta.llama-3.1-405b-instruct"},
    {"model": COHERE_MODEL.upper()},
    {"model": f" {COHERE_MODEL}"},
]


@pytest.mark.parametrize("override", CALLER_OVERRIDES, ids=lambda o: f"{next(iter(o))}={next(iter(o.values()))}")
def test_caller_cannot_pick_compartment_endpoint_or_model(
    fn: RunningFunction, upstream: Emulator, override: dict[str, object]
) -> None:
    reply = fn.invoke({"input": "Hi", **override}, gateway=True, url="/genai/chat")

    error = json.loads(reply.body)["error"]
    assert reply.status == 400 and error["type"] in ("invalid_request", "model_not_allowed"), error
    assert len(upstream.requests) == 0


SPOOFED_HEADERS = [
    # (client headers, method, url, expected status): each name collides with something Fn or config uses
    pytest.param({"Fn-Intent": "cloudevent"}, "GET", "/genai/nothing", 404, id="fn-intent"),
    pytest.param({"Fn-Intent": "cloudevent"}, "POST", "/genai/v1/unknown", 404, id="fn-intent-post"),
    pytest.param({"Fn-Http-Method": "POST"}, "GET", "/genai/chat", 405, id="fn-http-method"),
    pytest.param({"Fn-Http-Request-Url": "/chat"}, "POST", "/genai/nothing", 404, id="fn-http-request-url"),
    pytest.param({"Fn-Http-Status": "200"}, "POST", "/genai/nothing", 404, id="fn-http-status"),
    pytest.param(
        {
            "Compartment-Ocid": "ocid1.compartment.oc1..attacker",
            "Model-Id": "openai.gpt-4o",
            "Service-Endpoint": "http://attacker.example",
            "Max-Tokens-Limit": "99999",
            "Host": "attacker.example",
            "X-Forwarded-Host": "attacker.example",
        },
        "POST",
        "/genai/chat",
        200,
        id="config-names",
    ),
    pytest.param(
        {"Authorization": 'Signature keyId="ST$forged",signature="x"', "Opc-Request-Id": "forged"},
        "POST",
        "/genai/chat",
        200,
        id="upstream-auth-headers",
    ),
]


@pytest.mark.parametrize(("headers", "method", "url", "status"), SPOOFED_HEADERS)
def test_gateway_headers_cannot_override_routing_or_configuration(
    fn: RunningFunction, upstream: Emulator, headers: dict[str, str], method: str, url: str, status: int
) -> None:
    reply = fn.invoke({"input": "Hi"}, gateway=True, method=method, url=url, headers=headers)

    if status != 200:
        # The envelope, not Fn-Http-Status: with a spoofed Fn-Intent fdk itself stops wrapping response headers
        # (its own gateway check reads the merged headers), so only the body is the function's to get right.
        assert reply.headers["content-type"] == "application/json", (reply.raw_headers, reply.body[:200])
        assert json.loads(reply.body)["error"]["status"] == status
        assert len(upstream.requests) == 0, "routing was bypassed: the call reached the model"
        return
    assert reply.status == 200, reply.body[:200]
    (sent,) = upstream.requests.snapshot()
    assert sent.json["compartmentId"] == COMPARTMENT
    assert sent.json["servingMode"]["modelId"] == COHERE_MODEL
    assert sent.json["chatRequest"]["maxTokens"] == 600
    assert sent.principal and sent.status == 200, "signed by the function's own principal"
    assert "forged" not in sent.headers["authorization"]


def test_a_caller_deadline_header_cannot_extend_the_fn_deadline(fn: RunningFunction, upstream: Emulator) -> None:
    upstream.inject("delay", delay=6)
    reply = fn.invoke(
        {"input": "Hi"},
        gateway=True,
        url="/chat",
        deadline_seconds=2,
        headers={"Fn-Deadline": "2099-01-01T00:00:00Z", "Fn-Call-Id": "spoofed-call"},
    )

    assert reply.status == 504, "cut by Fn's 2 s deadline: the caller's 2099 one would have let the 6 s reply in"
    (log,) = fn.request_logs()
    assert log["call_id"] != "spoofed-call"
    assert log["latency_ms"] < 2000, "answered within Fn's deadline by the function's own clock"
