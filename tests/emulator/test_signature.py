"""Unit tests for `emulator.signature`: requests signed by the SDK's own signer, then verified or tampered."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import time
from collections.abc import Callable

import oci
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from oci._vendor import requests

from emulator.credentials import private_pem
from emulator.signature import Principal, SignatureError, parse_authorization, signing_string, verify_request

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KEY_ID = "ocid1.tenancy.oc1..t/ocid1.user.oc1..u/aa:bb"
PRINCIPAL = Principal(key_id=KEY_ID, kind="api_key", subject="ocid1.user.oc1..u")
URL = "http://127.0.0.1:8080/20231130/actions/chat?x=1"


def lookup(key_id: str) -> tuple[rsa.RSAPublicKey, Principal]:
    if key_id != KEY_ID:
        raise SignatureError("unknown API key")
    return KEY.public_key(), PRINCIPAL


def sdk_signed(method: str = "POST", body: bytes = b'{"a": 1}', url: str = URL) -> tuple[dict[str, str], bytes]:
    """Sign with oci.signer.Signer exactly as the client does and return (lower-case headers, body)."""
    signer = oci.signer.Signer(
        "ocid1.tenancy.oc1..t", "ocid1.user.oc1..u", "aa:bb", None, private_key_content=private_pem(KEY).decode()
    )
    prepared = requests.Request(method, url, data=body if method != "GET" else None).prepare()
    prepared.headers["host"] = "127.0.0.1:8080"
    signer(prepared)
    return {k.lower(): v for k, v in prepared.headers.items()}, (body if method != "GET" else b"")


def test_parse_authorization_reads_every_parameter() -> None:
    headers, _ = sdk_signed()
    params = parse_authorization(headers["authorization"])
    assert params.key_id == KEY_ID
    assert params.algorithm == "rsa-sha256"
    assert params.version == "1"
    assert params.headers == ("date", "(request-target)", "host", "content-length", "content-type", "x-content-sha256")
    assert len(params.signature) == 256


@pytest.mark.parametrize(
    "value, message",
    [
        ('Bearer keyId="a"', "scheme"),
        ('Signature keyId="a",algorithm="rsa-sha256",headers="date"', "lacks signature"),
        ('Signature keyId="a",algorithm="rsa-sha256",headers="date",signature="!!"', "not base64"),
        ('Signature keyId="a" junk', "malformed"),
        ('Signature keyId="a",keyId="b",algorithm="x",headers="d",signature="AA=="', "duplicate"),
    ],
)
def test_parse_authorization_rejects(value: str, message: str) -> None:
    with pytest.raises(SignatureError, match=message):
        parse_authorization(value)


def test_signing_string_matches_the_sdk_layout() -> None:
    text = signing_string("POST", "/p?q=1", {"date": "D", "host": "h:1"}, ("date", "(request-target)", "host"))
    assert text == b"date: D\n(request-target): post /p?q=1\nhost: h:1"


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_sdk_signed_request_verifies(method: str) -> None:
    headers, body = sdk_signed(method)
    assert verify_request(method, "/20231130/actions/chat?x=1", headers, body, lookup) == PRINCIPAL


def _tamper_body(h: dict, b: bytes) -> tuple:
    return "/20231130/actions/chat?x=1", h, b'{"a": 2}'


def _tamper_sha(h: dict, b: bytes) -> tuple:
    """A forged body with a matching digest: only the signature can catch it."""
    digest = base64.b64encode(hashlib.sha256(b'{"a": 2}').digest()).decode()
    return "/20231130/actions/chat?x=1", {**h, "x-content-sha256": digest}, b'{"a": 2}'


def _tamper_path(h: dict, b: bytes) -> tuple:
    return "/20231130/actions/chat?x=2", h, b


def _tamper_host(h: dict, b: bytes) -> tuple:
    return "/20231130/actions/chat?x=1", {**h, "host": "evil:80"}, b


def _old_date(h: dict, b: bytes) -> tuple:
    return "/20231130/actions/chat?x=1", {**h, "date": email.utils.formatdate(time.time() - 600, usegmt=True)}, b


def _no_auth(h: dict, b: bytes) -> tuple:
    return "/20231130/actions/chat?x=1", {k: v for k, v in h.items() if k != "authorization"}, b


def _drop_signed_header(h: dict, b: bytes) -> tuple:
    auth = h["authorization"].replace(" x-content-sha256", "")
    return "/20231130/actions/chat?x=1", {**h, "authorization": auth}, b


def _rsa_sha512(h: dict, b: bytes) -> tuple:
    return (
        "/20231130/actions/chat?x=1",
        {**h, "authorization": h["authorization"].replace("rsa-sha256", "rsa-sha512")},
        b,
    )


def _unknown_key(h: dict, b: bytes) -> tuple:
    return "/20231130/actions/chat?x=1", {**h, "authorization": h["authorization"].replace(KEY_ID, "t/u/ff")}, b


def _missing_header(h: dict, b: bytes) -> tuple:
    return "/20231130/actions/chat?x=1", {k: v for k, v in h.items() if k != "content-type"}, b


@pytest.mark.parametrize(
    "tamper, message",
    [
        (_tamper_body, "x-content-sha256 does not match"),
        (_tamper_sha, "signature does not verify"),
        (_tamper_path, "signature does not verify"),
        (_tamper_host, "signature does not verify"),
        (_old_date, "5 minutes"),
        (_no_auth, "authorization header is missing"),
        (_drop_signed_header, "headers not signed: x-content-sha256"),
        (_rsa_sha512, "unsupported signature algorithm"),
        (_unknown_key, "unknown API key"),
        (_missing_header, "content-type is missing"),
    ],
)
def test_tampered_requests_are_rejected(tamper: Callable, message: str) -> None:
    headers, body = sdk_signed()
    path, headers, body = tamper(headers, body)
    with pytest.raises(SignatureError, match=message):
        verify_request("POST", path, headers, body, lookup)


def test_wrong_key_is_rejected() -> None:
    headers, body = sdk_signed()
    with pytest.raises(SignatureError, match="does not verify"):
        verify_request(
            "POST", "/20231130/actions/chat?x=1", headers, body, lambda _: (OTHER_KEY.public_key(), PRINCIPAL)
        )


def test_content_length_must_match_the_body() -> None:
    headers, body = sdk_signed()
    with pytest.raises(SignatureError, match="content-length"):
        verify_request("POST", "/20231130/actions/chat?x=1", {**headers, "content-length": "999"}, body, lookup)
