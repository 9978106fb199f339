"""Authentication: what the emulator rejects with 401, and how the SDK's resource-principal signer reacts."""

from __future__ import annotations

from pathlib import Path

import oci
import pytest
from oci.exceptions import ServiceError

from emulator import Emulator, mint_resource_principal
from tests.emulator.conftest import make_client


def test_expired_token_is_rejected_and_the_sdk_retries_once(
    emu: Emulator, creds: Path, rp_env, chat_details, monkeypatch
):
    for key, value in mint_resource_principal(creds, ttl_seconds=-5).items():
        monkeypatch.setenv(key, value)
    client = make_client(emu.url, oci.auth.signers.get_resource_principals_signer())
    with pytest.raises(ServiceError) as info:
        client.chat(chat_details())
    assert (info.value.status, info.value.code, info.value.message) == (401, "NotAuthenticated", "token expired")
    assert [r.status for r in emu.requests] == [401, 401]  # the SDK reloads the token files and retries once
    assert emu.requests[-1].principal is None


def test_refreshed_token_files_are_picked_up_after_a_401(emu: Emulator, creds: Path, chat_details, monkeypatch):
    for key, value in mint_resource_principal(creds, ttl_seconds=-5).items():
        monkeypatch.setenv(key, value)
    client = make_client(emu.url, oci.auth.signers.get_resource_principals_signer())
    mint_resource_principal(creds, rotate_key=True)  # the platform refreshes the files
    assert client.chat(chat_details()).status == 200
    assert [r.status for r in emu.requests] == [401, 200]


def test_token_from_another_issuer_is_rejected(emu: Emulator, tmp_path: Path, chat_details, monkeypatch):
    for key, value in mint_resource_principal(tmp_path / "elsewhere").items():
        monkeypatch.setenv(key, value)
    client = make_client(emu.url, oci.auth.signers.get_resource_principals_signer())
    with pytest.raises(ServiceError) as info:
        client.chat(chat_details())
    assert info.value.status == 401 and "not issued by this emulator" in info.value.message


def test_session_key_not_matching_the_token_is_rejected(emu: Emulator, creds: Path, rp_env, chat_details, tmp_path):
    """A key rotated on disk after the token was minted: the token's jwk no longer matches the signing key."""
    stale_token = Path(rp_env["OCI_RESOURCE_PRINCIPAL_RPST"]).read_text()
    mint_resource_principal(tmp_path / "other")
    signer = oci.auth.signers.EphemeralResourcePrincipalSigner(
        session_token=stale_token, private_key=str(tmp_path / "other" / "private.pem")
    )
    with pytest.raises(ServiceError) as info:
        make_client(emu.url, signer).chat(chat_details())
    assert info.value.status == 401 and info.value.message == "signature does not verify"


def _tamper_body(request):
    request.body = request.body.replace(b"hello", b"HELLO")
    return request


def _drop_date(request):
    del request.headers["date"]
    return request


@pytest.mark.parametrize("tamper, message", [(_tamper_body, "x-content-sha256"), (_drop_date, "date is missing")])
def test_requests_altered_after_signing_are_rejected(emu: Emulator, rp_env, chat_details, tamper, message):
    """Wrap the signer so the request is altered after it was signed, as a proxy might."""
    signer = oci.auth.signers.get_resource_principals_signer()
    client = make_client(emu.url, signer)

    def sign_then_tamper(request, enforce_content_headers=True):
        request = signer(request, enforce_content_headers)
        if isinstance(request.body, str):
            request.body = request.body.encode()
        return tamper(request)

    client.base_client.signer = sign_then_tamper
    client.base_client.is_instance_principal_or_resource_principal_signer = lambda: False
    with pytest.raises(ServiceError) as info:
        client.chat(chat_details())
    assert info.value.status == 401 and message in info.value.message
    assert emu.requests[-1].status == 401


def test_unsigned_request_is_rejected(emu: Emulator) -> None:
    session = oci._vendor.requests.Session()
    reply = session.post(emu.url + "/20231130/actions/chat", data=b"{}", headers={"content-type": "application/json"})
    assert reply.status_code == 401
    assert reply.json() == {"code": "NotAuthenticated", "message": "authorization header is missing"}
    assert reply.headers["opc-request-id"]
    assert emu.requests[-1].status == 401 and emu.requests[-1].json == {}


def test_unknown_path_and_wrong_method(emu: Emulator) -> None:
    session = oci._vendor.requests.Session()
    missing = session.post(emu.url + "/20231130/actions/nope", data=b"{}")
    assert missing.status_code == 404 and missing.json()["code"] == "NotAuthorizedOrNotFound"
    wrong = session.get(emu.url + "/20231130/actions/chat")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"
    assert [r.status for r in emu.requests] == [404, 405]
