"""Find the public key behind a signature's keyId, as OCI identity would.

Files are re-read when their mtime changes, so an emulator started in another process sees keys minted later.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from emulator.credentials import API_KEYS_INDEX, ISSUER_KEY, jwk_to_public_key
from emulator.signature import Principal, SignatureError

TOKEN_PREFIX = "ST$"


class _FileCache:
    """Parse a file once per (mtime, inode, size)."""

    def __init__(self, path: Path, parse: Callable[[bytes], Any]) -> None:
        self._path = path
        self._parse = parse
        self._stamp: tuple[int, int, int] | None = None
        self._value: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            return None
        stamp = (st.st_mtime_ns, st.st_ino, st.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._value = self._parse(self._path.read_bytes())
                self._stamp = stamp
            return self._value


def _issuer_public(data: bytes) -> rsa.RSAPublicKey:
    key = serialization.load_pem_private_key(data, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.public_key()


def _api_keys(data: bytes) -> dict[str, rsa.RSAPublicKey]:
    keys = {}
    for key_id, pem in json.loads(data).items():
        key = serialization.load_pem_public_key(pem.encode("ascii"))
        assert isinstance(key, rsa.RSAPublicKey)
        keys[key_id] = key
    return keys


def decode_token(token: str, issuer: rsa.RSAPublicKey) -> dict[str, Any]:
    """Verify an RS256 RPST against the issuer key and its expiry (PyJWT); return the claims."""
    try:
        return jwt.decode(token, issuer, algorithms=["RS256"], options={"require": ["exp"]})
    except jwt.ExpiredSignatureError as exc:
        raise SignatureError("token expired") from exc
    except jwt.InvalidSignatureError as exc:
        raise SignatureError("security token was not issued by this emulator") from exc
    except jwt.InvalidTokenError as exc:
        raise SignatureError(f"security token is not a valid RS256 JWT ({type(exc).__name__})") from exc


class KeyStore:
    """`lookup(key_id)` for `signature.verify_request`, backed by a credentials directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._issuer = _FileCache(self.directory / ISSUER_KEY, _issuer_public)
        self._api_keys = _FileCache(self.directory / API_KEYS_INDEX, _api_keys)

    def lookup(self, key_id: str) -> tuple[rsa.RSAPublicKey, Principal]:
        if key_id.startswith(TOKEN_PREFIX):
            return self._lookup_token(key_id)
        keys = self._api_keys.get() or {}
        if key_id not in keys:
            raise SignatureError("unknown API key")
        tenancy, user, _ = key_id.split("/", 2)
        return keys[key_id], Principal(key_id=key_id, kind="api_key", subject=user, tenancy=tenancy)

    def _lookup_token(self, key_id: str) -> tuple[rsa.RSAPublicKey, Principal]:
        issuer = self._issuer.get()
        if issuer is None:
            raise SignatureError("no token issuer configured")
        claims = decode_token(key_id[len(TOKEN_PREFIX) :], issuer)
        try:
            public_key = jwk_to_public_key(claims["jwk"])
        except (KeyError, TypeError, ValueError) as exc:
            raise SignatureError("security token has no usable jwk claim") from exc
        principal = Principal(
            key_id=f"{TOKEN_PREFIX}<jti {claims.get('jti')}>",
            kind="resource_principal",
            subject=str(claims.get("sub")),
            tenancy=claims.get("res_tenant"),
            compartment=claims.get("res_compartment"),
        )
        return public_key, principal
