"""Resource principal tokens expire while the container lives: signing must carry on without a restart.

The emulator checks each token's `exp`, so a request signed with an expired token is a 401 there.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import threading
import time
from pathlib import Path

from emulator import Emulator, mint_resource_principal
from tests.conftest import function_config

from .scale import SCALE

TOKEN_TTL_SECONDS = 2
RENEWED_TTL_SECONDS = 3
"""Issued every second with a 3 s life (exp is whole seconds), so a fresh token always exists before expiry."""


def own_principal(credentials_dir: Path, directory: Path, **kwargs: object) -> dict[str, str]:
    directory.mkdir()
    shutil.copy(credentials_dir / "issuer.pem", directory / "issuer.pem")
    return mint_resource_principal(directory, **kwargs)


def token_id(authorization: str) -> str:
    """The jti of the RPST inside an OCI Signature header's keyId="ST$<jwt>"."""
    jwt = re.search(r'keyId="ST\$([^"]+)"', authorization).group(1)
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]


def test_signing_continues_across_several_expiries(
    start_function, emulator: Emulator, credentials_dir: Path, tmp_path: Path
) -> None:
    """The platform re-issues a short-lived token every second; steady traffic over several lifetimes never fails.

    A call signed in the last instant of a token's life may still spend one 401 (the SDK then reloads and retries
    once); more than one per token generation would mean the signer kept using expired tokens.
    """
    directory = tmp_path / "rp"
    env = own_principal(credentials_dir, directory, ttl_seconds=RENEWED_TTL_SECONDS)
    function = start_function({**function_config(emulator), **env})
    emulator.reset()
    stop = threading.Event()

    def platform() -> None:
        while not stop.wait(1.0):
            mint_resource_principal(directory, ttl_seconds=RENEWED_TTL_SECONDS)

    refresher = threading.Thread(target=platform, daemon=True)
    refresher.start()
    statuses = []
    try:
        ends = time.monotonic() + SCALE.expiry_seconds
        while time.monotonic() < ends:
            statuses.append(function.invoke({"input": "steady"}).status)
            time.sleep(0.05)
    finally:
        stop.set()
        refresher.join()

    seen = emulator.requests.snapshot()
    assert set(statuses) == {200}, "no caller saw the expiry"
    tokens = {token_id(r.headers["authorization"]) for r in seen if r.status == 200}
    assert len(tokens) >= SCALE.expiry_seconds / RENEWED_TTL_SECONDS, "the signer moved on to new tokens"
    assert sum(r.status == 401 for r in seen) <= len(tokens), [r.status for r in seen]


def test_an_expired_token_nobody_replaced_is_a_clear_502(
    start_function, emulator: Emulator, credentials_dir: Path, tmp_path: Path
) -> None:
    """If the platform does not re-issue the token, the caller learns that, not an IAM policy hint."""
    env = own_principal(credentials_dir, tmp_path / "rp", ttl_seconds=TOKEN_TTL_SECONDS)
    function = start_function({**function_config(emulator), **env})
    assert function.invoke({"input": "before"}).status == 200
    time.sleep(TOKEN_TTL_SECONDS + 0.5)
    emulator.reset()
    reply = function.invoke({"input": "after"}, gateway=True, url="/chat")

    error = json.loads(reply.body)["error"]
    assert (reply.status, error["type"]) == (502, "upstream_auth_failed")
    assert "expired" in error["message"], error["message"]
    assert str(tmp_path) not in error["message"]


def test_a_token_file_gone_at_expiry_is_a_clear_502(
    start_function, emulator: Emulator, credentials_dir: Path, tmp_path: Path
) -> None:
    directory = tmp_path / "rp"
    env = own_principal(credentials_dir, directory, ttl_seconds=TOKEN_TTL_SECONDS)
    function = start_function({**function_config(emulator), **env})
    assert function.invoke({"input": "before"}).status == 200
    (directory / "rpst").unlink()
    time.sleep(TOKEN_TTL_SECONDS + 0.5)
    emulator.reset()
    reply = function.invoke({"input": "after"}, gateway=True, url="/chat")

    error = json.loads(reply.body)["error"]
    assert (reply.status, error["type"]) == (502, "upstream_auth_failed")
    assert "token expired and could not be reloaded" in error["message"]
    assert str(directory) not in error["message"] and "rpst" not in error["message"]
    assert len(emulator.requests) == 0, "nothing is sent with a credential known to be dead"

    mint_resource_principal(directory)
    assert function.invoke({"input": "fixed"}).status == 200, "recovers without a restart"
