"""Play OCI identity: mint resource-principal (v2.2) and API-key credentials a real SDK signer can load.

Only the emulator trusts these; files are written atomically so a running signer never reads half a key.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER_KEY = "issuer.pem"
SESSION_KEY = "private.pem"
RPST_FILE = "rpst"
API_KEY = "api_key.pem"
API_KEYS_INDEX = "api_keys.json"
CONFIG_FILE = "config"
ENV_FILE = "function.env"

DEFAULT_TENANCY = "ocid1.tenancy.oc1..emulator"
DEFAULT_COMPARTMENT = "ocid1.compartment.oc1..emulator"
DEFAULT_USER = "ocid1.user.oc1..emulator"
DEFAULT_REGION = "us-chicago-1"
FUNCTION_OCID = "ocid1.fnfunc.oc1..emulator"
ISSUER_KID = "emulator-issuer"


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write to a sibling temp file and rename, so readers see the old or the new file, never a torn one."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _load_or_create_key(path: Path, *, rotate: bool = False) -> rsa.RSAPrivateKey:
    if path.exists() and not rotate:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    write_atomic(path, private_pem(key))
    return key


def public_jwk(key: rsa.RSAPublicKey) -> dict[str, str]:
    """The session public key as OCI embeds it in an RPST's `jwk` claim (RFC 7517 form, written by PyJWT)."""
    jwk = dict(RSAAlgorithm.to_jwk(key, as_dict=True))
    kid = "emulator-" + hashlib.sha256(jwk["n"].encode("ascii")).hexdigest()[:16]
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def jwk_to_public_key(jwk: dict[str, Any]) -> rsa.RSAPublicKey:
    try:
        key = RSAAlgorithm.from_jwk(jwk)
    except jwt.InvalidKeyError as exc:
        raise ValueError(f"jwk is not an RSA key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("jwk is not an RSA public key")
    return key


def encode_jwt(claims: dict[str, Any], key: rsa.RSAPrivateKey, kid: str = ISSUER_KID) -> str:
    """An RS256 JWT, as OCI identity signs an RPST."""
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def fingerprint(key: rsa.RSAPublicKey) -> str:
    """OCI's API-key fingerprint: MD5 of the DER SubjectPublicKeyInfo, colon-separated hex."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def mint_resource_principal(
    directory: Path,
    *,
    ttl_seconds: int = 3600,
    tenancy: str = DEFAULT_TENANCY,
    compartment: str = DEFAULT_COMPARTMENT,
    region: str = DEFAULT_REGION,
    rotate_key: bool = False,
) -> dict[str, str]:
    """Write `rpst` and `private.pem` as the Functions platform would and return the env a function needs.

    The issuer key is created once per directory. The session key is reused unless `rotate_key`;
    calling again re-issues the token, which is how tests simulate the platform refreshing it.
    A negative `ttl_seconds` mints an already expired token.
    """
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    issuer = _load_or_create_key(directory / ISSUER_KEY)
    session = _load_or_create_key(directory / SESSION_KEY, rotate=rotate_key)
    now = int(time.time())
    claims = {
        "iss": "emulator-identity",
        "sub": FUNCTION_OCID,
        "ttype": "res",
        "res_type": "fnfunc",
        "res_tenant": tenancy,
        "res_compartment": compartment,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
        "jwk": public_jwk(session.public_key()),
    }
    write_atomic(directory / RPST_FILE, encode_jwt(claims, issuer).encode("ascii"))
    return {
        "OCI_RESOURCE_PRINCIPAL_VERSION": "2.2",
        "OCI_RESOURCE_PRINCIPAL_RPST": str(directory / RPST_FILE),
        "OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM": str(directory / SESSION_KEY),
        "OCI_RESOURCE_PRINCIPAL_REGION": region,
    }


def mint_api_key_config(
    directory: Path,
    *,
    tenancy: str = DEFAULT_TENANCY,
    user: str = DEFAULT_USER,
    region: str = DEFAULT_REGION,
) -> Path:
    """Write an OCI config file + key for laptop-style signing and register the key in `api_keys.json`."""
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    key = _load_or_create_key(directory / API_KEY)
    fp = fingerprint(key.public_key())
    config = (
        "[DEFAULT]\n"
        f"user={user}\nfingerprint={fp}\ntenancy={tenancy}\nregion={region}\nkey_file={directory / API_KEY}\n"
    )
    config_path = directory / CONFIG_FILE
    write_atomic(config_path, config.encode())
    index_path = directory / API_KEYS_INDEX
    index = json.loads(index_path.read_text()) if index_path.exists() else {}
    index[f"{tenancy}/{user}/{fp}"] = public_pem(key.public_key()).decode("ascii")
    write_atomic(index_path, json.dumps(index, indent=2).encode(), mode=0o644)
    return config_path


def write_env_file(directory: Path, env: dict[str, str]) -> Path:
    """KEY=VALUE lines, for `fn config` or `docker run --env-file`."""
    path = Path(directory).resolve() / ENV_FILE
    write_atomic(path, "".join(f"{k}={v}\n" for k, v in env.items()).encode(), mode=0o644)
    return path
