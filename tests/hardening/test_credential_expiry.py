"""Resource principal tokens expire while the container lives: signing must carry on without a restart.

The emulator checks each token's `exp`, so a request signed with an expired token is a 401 there.
"""

from __future__ import annotations

import json
import math
import shutil
import threading
import time
from pathlib import Path

from emulator import Emulator, mint_resource_principal
from tests.conftest import function_config
from tests.tokens import signed_before_expiry, signing_claims, wait_past_expiry, warm_up

from .scale import SCALE

TOKEN_TTL_SECONDS = 2
RENEWED_TTL_SECONDS = 3
"""Issued every second with a 3 s life (exp is whole seconds), so a fresh token always exists before expiry."""
RENEW_EVERY_SECONDS = 1.0
GIVE_UP_SECONDS = 120.0
"""A signer still on its first tokens after this long is stuck, not slow."""


def own_principal(credentials_dir: Path, directory: Path, **kwargs: object) -> dict[str, str]:
    directory.mkdir()
    shutil.copy(credentials_dir / "issuer.pem", directory / "issuer.pem")
    return mint_resource_principal(directory, **kwargs)


class Platform:
    """Re-issues the token every RENEW_EVERY_SECONDS, as the Functions platform renews it before it expires.

    Each token gets RENEWED_TTL_SECONDS of life or, if the machine is slower, more: at least 2 s past the slowest
    call seen and the longest gap between two renewals (a starved thread renews late), so the files never hold
    a token with less life than the next call may need. The margin is taken from what the machine just did.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.slowest_call = 0.0
        self.longest_gap = RENEW_EVERY_SECONDS
        self.ttl = RENEWED_TTL_SECONDS
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, daemon=True)

    def _renew(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(RENEW_EVERY_SECONDS):
            now = time.monotonic()
            self.longest_gap = max(self.longest_gap, now - last)
            last = now
            self.ttl = max(RENEWED_TTL_SECONDS, math.ceil(self.slowest_call + self.longest_gap) + 2)
            mint_resource_principal(self.directory, ttl_seconds=self.ttl)

    def __enter__(self) -> Platform:
        mint_resource_principal(self.directory, ttl_seconds=self.ttl)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_signing_continues_across_several_expiries(
    start_function, emulator: Emulator, credentials_dir: Path, tmp_path: Path
) -> None:
    """The platform re-issues a short-lived token every second; steady traffic over several lifetimes never fails.

    A call signed in the last instant of a token's life may still spend one 401 (the SDK then reloads and retries
    once); more than one per token generation would mean the signer kept using expired tokens. The traffic runs
    until the signer has used `generations` tokens (their lives are longer on a slow machine: see Platform).
    """
    directory = tmp_path / "rp"
    env = own_principal(credentials_dir, directory)
    function = start_function({**function_config(emulator), **env})
    warm_up(function)
    emulator.reset()
    generations = math.ceil(SCALE.expiry_seconds / RENEWED_TTL_SECONDS)
    statuses = []
    with Platform(directory) as platform:
        started = time.monotonic()
        while time.monotonic() - started < SCALE.expiry_seconds or len(tokens_used(emulator)) < generations:
            call_started = time.monotonic()
            statuses.append(function.invoke({"input": "steady"}).status)
            platform.slowest_call = max(platform.slowest_call, time.monotonic() - call_started)
            assert time.monotonic() - started < GIVE_UP_SECONDS, f"{len(tokens_used(emulator))} tokens, {statuses}"
            time.sleep(0.05)

    seen = emulator.requests.snapshot()
    assert set(statuses) == {200}, "no caller saw the expiry"
    tokens = tokens_used(emulator)
    assert len(tokens) >= generations, "the signer moved on to new tokens"
    assert sum(r.status == 401 for r in seen) <= len(tokens), [r.status for r in seen]


def tokens_used(emulator: Emulator) -> set[str]:
    """The tokens (jti) of the requests the emulator accepted."""
    return {signing_claims(r.headers["authorization"])["jti"] for r in emulator.requests.snapshot() if r.status == 200}


def test_an_expired_token_nobody_replaced_is_a_clear_502(
    start_function, emulator: Emulator, credentials_dir: Path, tmp_path: Path
) -> None:
    """If the platform does not re-issue the token, the caller learns that, not an IAM policy hint."""
    directory = tmp_path / "rp"
    env = own_principal(credentials_dir, directory)
    function = start_function({**function_config(emulator), **env})
    warm_up(function)
    claims = signed_before_expiry(function, directory, emulator, TOKEN_TTL_SECONDS, {"input": "before"})
    wait_past_expiry(claims)
    emulator.reset()
    reply = function.invoke({"input": "after"}, gateway=True, url="/chat")

    error = json.loads(reply.body)["error"]
    assert (reply.status, error["type"]) == (502, "upstream_auth_failed")
    assert "expired" in error["message"], error["message"]
    assert str(tmp_path) not in error["message"]
    assert len(emulator.requests) == 0, "nothing is sent with a credential known to be dead"


def test_a_token_file_gone_at_expiry_is_a_clear_502(
    start_function, emulator: Emulator, credentials_dir: Path, tmp_path: Path
) -> None:
    directory = tmp_path / "rp"
    env = own_principal(credentials_dir, directory)
    function = start_function({**function_config(emulator), **env})
    warm_up(function)
    claims = signed_before_expiry(function, directory, emulator, TOKEN_TTL_SECONDS, {"input": "before"})
    (directory / "rpst").unlink()
    wait_past_expiry(claims)
    emulator.reset()
    reply = function.invoke({"input": "after"}, gateway=True, url="/chat")

    error = json.loads(reply.body)["error"]
    assert (reply.status, error["type"]) == (502, "upstream_auth_failed")
    assert "token expired and could not be reloaded" in error["message"]
    assert str(directory) not in error["message"] and "rpst" not in error["message"]
    assert len(emulator.requests) == 0, "nothing is sent with a credential known to be dead"

    mint_resource_principal(directory)
    assert function.invoke({"input": "fixed"}).status == 200, "recovers without a restart"
