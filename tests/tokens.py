"""Short-lived resource principal tokens for tests in which a token expires, without racing the clock.

A token's life is wall-clock time, so a loaded machine can spend it before the function even signs its first
call. These helpers never rely on a call being quick: `signed_before_expiry` renews the token with twice the life
until a call has been signed and accepted within it (the margin is taken from what the machine just did), and
`wait_past_expiry` waits for the token's own `exp`, so waiting longer than needed changes nothing.
"""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from typing import Any

from emulator import Emulator, mint_resource_principal
from emulator.credentials import RPST_FILE

LONGEST_LIFE_SECONDS = 120
"""Past this, a token that keeps expiring before one call is signed is a failure, not a slow machine."""


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def signing_claims(authorization: str) -> dict[str, Any]:
    """The claims of the RPST a request was signed with: an OCI Signature header's keyId="ST$<jwt>"."""
    match = re.search(r'keyId="ST\$([^"]+)"', authorization)
    assert match, authorization
    return jwt_claims(match.group(1))


def token_claims(directory: Path) -> dict[str, Any]:
    """The claims of the token the platform last wrote into `directory`."""
    return jwt_claims((directory / RPST_FILE).read_text())


def warm_up(function: Any) -> None:
    """One call the function answers without signing (malformed JSON is a 400 before any upstream call), so the
    first signed call does not also pay for importing func.py."""
    assert function.invoke(b"{not json", gateway=True, url="/chat").status == 400


def signed_before_expiry(
    function: Any, directory: Path, emulator: Emulator, ttl_seconds: int, body: dict[str, Any]
) -> dict[str, Any]:
    """Mint a token with `ttl_seconds` of life and make one call with it; while the machine is too slow for the call
    to be signed and accepted within that life, mint one with twice the life and try again. Returns the claims of
    the token the call was signed with; the emulator's record holds that call alone."""
    while True:
        mint_resource_principal(directory, ttl_seconds=ttl_seconds)
        emulator.reset()
        reply = function.invoke(body)
        if reply.status == 200 and [r.status for r in emulator.requests] == [200]:
            return token_claims(directory)
        ttl_seconds *= 2
        assert ttl_seconds <= LONGEST_LIFE_SECONDS, f"no call signed within a token's life: {reply.body!r}"


def wait_past_expiry(claims: dict[str, Any]) -> None:
    """Until every clock reads the token as expired: the emulator (PyJWT: now >= exp) and the SDK, which compares
    whole seconds (int(now) > exp)."""
    while (left := claims["exp"] + 1 - time.time()) >= 0:
        time.sleep(left + 0.01)
