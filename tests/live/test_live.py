"""One real call to OCI Generative AI through the real fdk; skipped unless live credentials are configured.

The live check (tests/live/check.py, scripts/live-check) runs here too. Set OCI_LIVE_SERVICE_ENDPOINT,
OCI_LIVE_COMPARTMENT_OCID and OCI_LIVE_MODEL_ID (and optionally OCI_LIVE_CONFIG_FILE / OCI_LIVE_CONFIG_PROFILE,
default ~/.oci/config / DEFAULT), then run `scripts/test tests/live -m live`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REQUIRED = ("OCI_LIVE_SERVICE_ENDPOINT", "OCI_LIVE_COMPARTMENT_OCID", "OCI_LIVE_MODEL_ID")
CONFIG_FILE = Path(os.environ.get("OCI_LIVE_CONFIG_FILE", "~/.oci/config")).expanduser()

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not all(os.environ.get(name) for name in REQUIRED) or not CONFIG_FILE.exists(),
        reason=f"live test: set {', '.join(REQUIRED)} and provide an OCI config file ({CONFIG_FILE})",
    ),
]


def test_real_service_answers_through_the_function(start_function):
    function = start_function(
        {
            "MODEL_ID": os.environ["OCI_LIVE_MODEL_ID"],
            "COMPARTMENT_OCID": os.environ["OCI_LIVE_COMPARTMENT_OCID"],
            "SERVICE_ENDPOINT": os.environ["OCI_LIVE_SERVICE_ENDPOINT"],
            "AUTH_MODE": "api_key",
            "OCI_CONFIG_FILE": str(CONFIG_FILE),
            "OCI_CONFIG_PROFILE": os.environ.get("OCI_LIVE_CONFIG_PROFILE", "DEFAULT"),
            "DEFAULT_MAX_TOKENS": "50",
        },
        with_principal=False,
    )
    reply = function.invoke(
        {"input": "Reply with the single word: pong"}, gateway=True, url="/chat", headers={"Accept": "application/json"}
    )

    body = json.loads(reply.body)
    assert reply.status == 200, body
    assert body["text"].strip() and body["usage"]["total_tokens"] > 0 and body["opc_request_id"]


def test_the_live_check_finds_every_row_as_expected(monkeypatch, capsys):
    """scripts/live-check in-process with the same credentials (docs/live-check.md); its table is printed."""
    from tests.live import check

    monkeypatch.setenv("SERVICE_ENDPOINT", os.environ["OCI_LIVE_SERVICE_ENDPOINT"])
    monkeypatch.setenv("COMPARTMENT_OCID", os.environ["OCI_LIVE_COMPARTMENT_OCID"])
    monkeypatch.setenv("MODEL_ID", os.environ["OCI_LIVE_MODEL_ID"])
    profile = os.environ.get("OCI_LIVE_CONFIG_PROFILE", "DEFAULT")
    code = check.main(["--oci-config", str(CONFIG_FILE), "--profile", profile])
    with capsys.disabled():
        print(capsys.readouterr().out)
    assert code == check.EXIT_OK
