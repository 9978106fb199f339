"""What the deployment's API Gateway does with the caller's identity, for the local gateway.

The generated spec (deploy/apigateway/generate_spec.py) authenticates a bearer token and sets `X-Genai-Caller` to
`gw:` + the configured claim with `ifExists: OVERWRITE` (a client's own value never survives); a deployment without
authentication blocks the header (`filterHeaders` BLOCK). The local gateway does the same: with a `TokenAuth` it
accepts HS256 tokens signed with a local secret (PyJWT, from requirements-local.txt) and answers 401 otherwise;
without one it drops the header.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass

from genai_fn.caller import CALLER_HEADER, GATEWAY_PREFIX


@dataclass(frozen=True)
class TokenAuth:
    secret: str
    """HS256 key of the local tokens (an identity provider's JWKS in a real deployment)."""
    claim: str = "sub"
    """CALLER_CLAIM: the claim passed to the function as the caller."""

    def token(self, caller: str) -> str:
        """A token for `caller`, as an identity provider would issue it (for the README, tests and benchmarks)."""
        import jwt

        return jwt.encode({self.claim: caller}, self.secret, algorithm="HS256")

    def caller_of(self, authorization: str | None) -> str | None:
        """The claim of a valid `Bearer` token ("" when the token lacks it, as the gateway substitutes); None when
        there is no valid token (the gateway answers 401)."""
        import jwt

        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            return None
        value = claims.get(self.claim)
        return value if isinstance(value, str) else ""


def apply(auth: TokenAuth | None, headers: MutableMapping[str, str]) -> bool:
    """Set or block the caller header as the deployment's gateway does; False when the request is unauthorized."""
    for name in [name for name in headers if name.lower() == CALLER_HEADER.lower()]:
        del headers[name]
    if auth is None:
        return True
    caller = auth.caller_of(headers.get("Authorization") or headers.get("authorization"))
    if caller is None:
        return False
    headers[CALLER_HEADER] = GATEWAY_PREFIX + caller
    return True
