"""Credentials on disk, TLS, the HTTP control paths and `python -m emulator`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jwt
import oci
import pytest
from oci._vendor import requests

from emulator import Emulator, mint_api_key_config, mint_resource_principal
from emulator.credentials import fingerprint
from emulator.keystore import KeyStore
from tests.emulator.conftest import make_client

ROOT = Path(__file__).resolve().parents[2]


def _claims(rpst: Path) -> dict:
    """Decoded as the SDK decodes it (`SecurityTokenContainer`): PyJWT, signature not verified."""
    return jwt.decode(rpst.read_text(), options={"verify_signature": False})


def test_resource_principal_files(tmp_path: Path) -> None:
    env = mint_resource_principal(tmp_path, ttl_seconds=60, compartment="ocid1.compartment.oc1..c")
    assert env["OCI_RESOURCE_PRINCIPAL_VERSION"] == "2.2" and env["OCI_RESOURCE_PRINCIPAL_REGION"] == "us-chicago-1"
    claims = _claims(Path(env["OCI_RESOURCE_PRINCIPAL_RPST"]))
    assert claims["res_compartment"] == "ocid1.compartment.oc1..c" and claims["exp"] - claims["iat"] == 60
    assert set(claims["jwk"]) >= {"kty", "n", "e", "kid"}
    signer = oci.auth.signers.EphemeralResourcePrincipalSigner(
        session_token=env["OCI_RESOURCE_PRINCIPAL_RPST"], private_key=env["OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM"]
    )
    assert signer.compartment_id == "ocid1.compartment.oc1..c"  # the SDK reads the claims we wrote
    key, issuer = (tmp_path / "private.pem").read_bytes(), (tmp_path / "issuer.pem").read_bytes()
    mint_resource_principal(tmp_path)
    assert (tmp_path / "private.pem").read_bytes() == key
    mint_resource_principal(tmp_path, rotate_key=True)
    assert (tmp_path / "private.pem").read_bytes() != key
    assert (tmp_path / "issuer.pem").read_bytes() == issuer
    assert not list(tmp_path.glob(".*.tmp"))


def test_api_key_config_and_index(tmp_path: Path) -> None:
    config = oci.config.from_file(str(mint_api_key_config(tmp_path)))
    private = oci.signer.load_private_key_from_file(config["key_file"])
    assert config["fingerprint"] == fingerprint(private.public_key())
    assert len(config["fingerprint"].split(":")) == 16
    key_id = f"{config['tenancy']}/{config['user']}/{config['fingerprint']}"
    public, principal = KeyStore(tmp_path).lookup(key_id)
    assert public.public_numbers() == private.public_key().public_numbers()
    assert principal.subject == config["user"]


def test_tls_with_the_ca_bundle(creds: Path, chat_details, monkeypatch: pytest.MonkeyPatch) -> None:
    """REQUESTS_CA_BUNDLE wins over `session.verify` in requests, so that is the knob the function should use."""
    with Emulator(creds, tls=True) as emu:
        assert emu.url.startswith("https://") and emu.ca_bundle is not None
        signer = oci.auth.signers.EphemeralResourcePrincipalSigner(
            session_token=str(creds / "rpst"), private_key=str(creds / "private.pem")
        )
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        with pytest.raises(oci.exceptions.RequestException, match="CERTIFICATE_VERIFY_FAILED"):
            make_client(emu.url, signer).chat(chat_details())
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emu.ca_bundle))
        assert make_client(emu.url, signer).chat(chat_details()).status == 200
        assert emu.requests[-1].status == 200


def test_http_control_paths(emu: Emulator, client, chat_details) -> None:
    post = requests.Session().post
    assert post(emu.url + "/_emulator/fail_next", json={"status": 503, "code": "ServiceUnavailable"}).ok
    with pytest.raises(oci.exceptions.ServiceError) as info:
        client.chat(chat_details())
    assert info.value.status == 503
    assert post(emu.url + "/_emulator/inject", json={"kind": "empty"}).ok
    assert client.chat(chat_details()).data.chat_response is None
    assert post(emu.url + "/_emulator/latency", json={"seconds": 0.0}).ok
    recorded = requests.get(emu.url + "/_emulator/requests").json()
    assert [r["status"] for r in recorded] == [503, 200]
    assert json.loads(recorded[0]["body"])["chatRequest"]["message"] == "hello there"
    assert post(emu.url + "/_emulator/inject", json={"kind": "nope"}).status_code == 400
    assert post(emu.url + "/_emulator/other", json={}).status_code == 404
    assert post(emu.url + "/_emulator/reset").ok
    assert requests.get(emu.url + "/_emulator/requests").json() == []


def test_command_line(tmp_path: Path, chat_details) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--credentials", str(tmp_path), "--port", "0", "--print-env"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        url = line.split()[3]
        assert url.startswith("http://127.0.0.1:")
        env_file = tmp_path / "function.env"
        assert f"env={env_file}" in line
        rp = dict(row.split("=", 1) for row in env_file.read_text().splitlines())
        signer = oci.auth.signers.EphemeralResourcePrincipalSigner(
            session_token=rp["OCI_RESOURCE_PRINCIPAL_RPST"], private_key=rp["OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM"]
        )
        assert make_client(url, signer).chat(chat_details()).status == 200
        assert (tmp_path / "config").exists()
    finally:
        proc.terminate()
        proc.wait(5)
        proc.stdout.close()
        proc.stderr.close()


def test_stop_closes_kept_alive_connections(creds: Path, client, chat_details) -> None:
    emu = Emulator(creds).start()
    other = make_client(emu.url, client.base_client.signer)
    other.chat(chat_details())
    serving = emu.handler_threads()
    emu.stop()
    assert serving and not any(thread.is_alive() for thread in serving), "woken and ended, not left to time out"
    with pytest.raises(oci.exceptions.RequestException):
        other.chat(chat_details())
