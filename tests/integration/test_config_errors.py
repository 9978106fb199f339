"""A missing or invalid configuration variable is named in a 500 JSON error and in the start-up log; no crash.

Every bad configuration is checked on the app as func.py builds it (App.from_env, in this process: configuration
is read once, at import, so that is the whole path); two of them also run under the real fdk, through both entry
paths, where a configuration error must still be an answer rather than a crashed container.
"""

from __future__ import annotations

import io
import json
import logging
import time

import pytest

from genai_fn.app import App
from genai_fn.http import Invocation
from genai_fn.logs import RequestLog
from tests.conftest import function_config

BAD_CONFIGS = [
    ({"MODEL_ID": None}, "MODEL_ID"),
    ({"COMPARTMENT_OCID": None}, "COMPARTMENT_OCID"),
    ({"COMPARTMENT_OCID": "my-compartment"}, "COMPARTMENT_OCID"),
    ({"SERVICE_ENDPOINT": None}, "SERVICE_ENDPOINT"),
    ({"SERVICE_ENDPOINT": "inference.example.com/path"}, "SERVICE_ENDPOINT"),
    ({"MAX_ATTEMPTS": "many"}, "MAX_ATTEMPTS"),
    ({"AUTH_MODE": "password"}, "AUTH_MODE"),
    ({"MODEL_ID": "ocid1.generativeaimodel.oc1..abc", "ALLOWED_MODELS": None}, "API_FORMAT"),
    ({"TOKEN_BUDGETS": "team-a:\u00b2/day", "BUDGET_STORE_URL": "rediss://cache.example:6379/0"}, "TOKEN_BUDGETS"),
    ({"GUARDRAILS": "pii:mask", "GUARDRAILS_MAX_CHARS": "\u00b9\u2070\u2070\u2070"}, "GUARDRAILS_MAX_CHARS"),
    ({"MAX_ATTEMPTS": "\u0663"}, "MAX_ATTEMPTS"),
]
UNDER_FDK = [BAD_CONFIGS[0], BAD_CONFIGS[4], BAD_CONFIGS[8]]
"""One missing and one invalid value through the real fdk, and a Unicode digit (`str.isdigit()` is true for `²`,
which `int()` refuses: it crashed the import before)."""


@pytest.mark.parametrize(("overrides", "variable"), BAD_CONFIGS, ids=[v for _, v in BAD_CONFIGS])
def test_config_error_names_the_variable(emulator, caplog, overrides, variable):
    with caplog.at_level(logging.ERROR, logger="genai_fn"):
        app = App.from_env(function_config(emulator, **overrides), request_log=RequestLog(io.StringIO()))

    for gateway in (True, False):
        invocation = Invocation(
            method="POST",
            path="/chat" if gateway else "",
            headers={},
            body=b'{"input": "Hi"}',
            call_id="config",
            deadline=time.monotonic() + 30,
            via_gateway=gateway,
        )
        error = json.loads(app.handle(invocation).body)["error"]
        assert (error["type"], error["status"]) == ("config_error", 500)
        assert variable in error["message"]
    (logged,) = caplog.records  # once, at start-up, not per call
    assert logged.getMessage() == f"configuration error: {error['message']}"
    assert logged.getMessage().startswith(f"configuration error: {variable}") and logged.exc_info is None


@pytest.mark.parametrize(("overrides", "variable"), UNDER_FDK, ids=[v for _, v in UNDER_FDK])
def test_config_error_under_fdk(start_function, emulator, overrides, variable):
    function = start_function(function_config(emulator, **overrides))

    for gateway in (True, False):
        reply = function.invoke({"input": "Hi"}, gateway=gateway, url="/chat")
        error = json.loads(reply.body)["error"]
        assert (error["type"], error["status"]) == ("config_error", 500)
        assert variable in error["message"]
        assert reply.status == (500 if gateway else 200)

    log = function.new_log()
    assert f"configuration error: {variable}" in log
    assert "Traceback" not in log
