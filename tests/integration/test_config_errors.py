"""A missing or invalid configuration variable is named in a 500 JSON error and in the start-up log; no crash."""

from __future__ import annotations

import json

import pytest

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
]


@pytest.mark.parametrize(("overrides", "variable"), BAD_CONFIGS, ids=[v for _, v in BAD_CONFIGS])
def test_config_error_names_the_variable(start_function, emulator, overrides, variable):
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
