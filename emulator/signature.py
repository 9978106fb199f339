"""Verify OCI HTTP request signatures (draft-cavage v1, rsa-sha256) exactly as `oci.signer` produces them.

Pure functions: the caller supplies the request parts and a key lookup, and gets a `Principal` or a
`SignatureError` whose message names the check that failed.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

MAX_CLOCK_SKEW_SECONDS = 300
"""docs.oracle.com/iaas/Content/API/Concepts/signingrequests.htm: "If the client's clock is skewed more than
5 minutes, a 401 (NotAuthenticated) HTTP status code is returned." """
GENERIC_HEADERS = ("date", "(request-target)", "host")
BODY_HEADERS = ("content-length", "content-type", "x-content-sha256")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


class SignatureError(Exception):
    """The request is not authenticated; the message says which check failed."""


@dataclass(frozen=True)
class Principal:
    """Who signed: a resource principal (`ST$` token) or an API-key user."""

    key_id: str
    kind: str
    subject: str
    tenancy: str | None = None
    compartment: str | None = None


KeyLookup = Callable[[str], tuple[rsa.RSAPublicKey, Principal]]


@dataclass(frozen=True)
class SignatureParams:
    key_id: str
    algorithm: str
    headers: tuple[str, ...]
    signature: bytes
    version: str | None


def parse_authorization(value: str) -> SignatureParams:
    """Parse `Signature version="1",keyId="…",algorithm="rsa-sha256",headers="…",signature="…"`."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme != "Signature":
        raise SignatureError("authorization scheme is not Signature")
    params: dict[str, str] = {}
    pos = 0
    rest = rest.strip()
    while pos < len(rest):
        match = _PARAM.match(rest, pos)
        if not match:
            raise SignatureError("malformed authorization header")
        if match.group(1) in params:
            raise SignatureError(f"duplicate authorization parameter {match.group(1)}")
        params[match.group(1)] = match.group(2)
        pos = match.end()
    for name in ("keyId", "algorithm", "headers", "signature"):
        if not params.get(name):
            raise SignatureError(f"authorization header lacks {name}")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except ValueError as exc:
        raise SignatureError("signature is not base64") from exc
    return SignatureParams(
        key_id=params["keyId"],
        algorithm=params["algorithm"],
        headers=tuple(params["headers"].lower().split()),
        signature=signature,
        version=params.get("version"),
    )


def signing_string(method: str, path_with_query: str, headers: Mapping[str, str], names: tuple[str, ...]) -> bytes:
    """Rebuild what the client signed (httpsig_cffi `generate_message`); `headers` keys are lower-case."""
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path_with_query}")
        elif name in headers:
            lines.append(f"{name}: {headers[name]}")
        else:
            raise SignatureError(f"signed header {name} is missing from the request")
    try:
        return "\n".join(lines).encode("ascii")
    except UnicodeEncodeError as exc:
        raise SignatureError("signed headers are not ASCII") from exc


def _check_date(value: str | None, now: float) -> None:
    if not value:
        raise SignatureError("date header is missing")
    try:
        sent = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError) as exc:
        raise SignatureError("date header is not an HTTP date") from exc
    if abs(now - sent) > MAX_CLOCK_SKEW_SECONDS:
        raise SignatureError("date header is more than 5 minutes from the server clock")


def _check_body(headers: Mapping[str, str], body: bytes) -> None:
    if headers.get("content-length") != str(len(body)):
        raise SignatureError("content-length does not match the body")
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
    if headers.get("x-content-sha256") != digest:
        raise SignatureError("x-content-sha256 does not match the body")


def verify_request(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes,
    key_lookup: KeyLookup,
    *,
    now: float | None = None,
) -> Principal:
    """Return who signed the request, or raise `SignatureError`. `headers` must have lower-case keys."""
    method = method.upper()
    auth = headers.get("authorization")
    if not auth:
        raise SignatureError("authorization header is missing")
    params = parse_authorization(auth)
    if params.version not in (None, "1"):
        raise SignatureError(f"unsupported signature version {params.version}")
    if params.algorithm != "rsa-sha256":
        raise SignatureError(f"unsupported signature algorithm {params.algorithm}")
    required = GENERIC_HEADERS + (BODY_HEADERS if method in BODY_METHODS else ())
    missing = [name for name in required if name not in params.headers]
    if missing:
        raise SignatureError(f"headers not signed: {' '.join(missing)}")
    message = signing_string(method, path_with_query, headers, params.headers)
    _check_date(headers.get("date"), time.time() if now is None else now)
    if method in BODY_METHODS:
        _check_body(headers, body)
    public_key, principal = key_lookup(params.key_id)
    try:
        public_key.verify(params.signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise SignatureError("signature does not verify") from exc
    return principal
