"""Who is calling: the caller identity used for accounting and token budgets, and for nothing else.

The API Gateway passes the authenticated caller in one header, X-Genai-Caller, set by a header transformation
(`setHeaders`, `ifExists: OVERWRITE`) to GATEWAY_PREFIX followed by the configured claim or authorizer key, e.g.
`gw:${request.auth[sub]}` (deploy/apigateway/generate_spec.py). Routes without authentication block the header
(`filterHeaders` BLOCK), so a value sent by a client never reaches the function there.

Why a constant prefix: Oracle documents that a missing context variable becomes an empty string and that a header
transformation producing an invalid header is ignored; with a bare `${request.auth[sub]}` a token without the claim
would leave the client's own X-Genai-Caller in place. With the prefix, a missing claim still yields a valid header
(`gw:`) that OVERWRITES the client's, and this module refuses it; a value without the prefix can only come from a
spec that let a client's header through, and is refused too. The prefix works for every gateway authentication
(token/JWT claims, an authorizer function's context, OpenID Connect claims); where the policy has `verifyClaims`
the generator also marks the claim `isRequired`, so such tokens are refused at the gateway already.

Only a gateway call (Fn-Intent: httprequest) is read; a plain `fn invoke` is attributed to FN_INVOKE_CALLER. Anyone
allowed to invoke the function (FN_INVOCATION) can send any header, `Fn-Intent: httprequest` with gateway-style
headers included, and so pose as any caller: the identity is exactly as trustworthy as that IAM policy
(docs/usage.md).

Pure: the envelope passes its lower-cased headers and whether the call came through the gateway.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .errors import InvalidRequest

CALLER_HEADER = "X-Genai-Caller"
"""Set only by the gateway (generate_spec.py); the log field is `caller`."""
GATEWAY_PREFIX = "gw:"
"""Constant the gateway puts before every identity; a value that is only the prefix means the claim was missing."""
FN_INVOKE_CALLER = "fn-invoke"
"""Every plain `fn invoke` (no gateway): its headers are whatever the invoker chose to send."""
ANONYMOUS_CALLER = "anonymous"
"""A gateway call with no identity: a deployment without authentication (the header is blocked there)."""
RESERVED_CALLERS = frozenset({FN_INVOKE_CALLER, ANONYMOUS_CALLER})
"""Names the function assigns itself; an authenticated identity equal to one is refused, so it cannot borrow their
budget or hide in their metrics."""
MAX_CALLER_CHARS = 200
"""Below Monitoring's 512-character dimension value limit (MetricDataDetails.dimensions docstring, oci SDK)."""
CALLER_PATTERN = re.compile(rf"[A-Za-z0-9_.@+:/|=~-]{{1,{MAX_CALLER_CHARS}}}")
"""Identifiers as identity providers issue them (UUIDs, e-mail addresses, OCIDs, `auth0|...`, client ids): printable
ASCII without spaces, commas (TOKEN_BUDGETS separates entries with them), `*` (its default entry), braces (the
budget store's key hash tag) or quotes."""


def is_valid_caller(name: str) -> bool:
    """Whether `name` can be a caller: also used to check TOKEN_BUDGETS entries and log lines read back."""
    return CALLER_PATTERN.fullmatch(name) is not None


def caller_from(headers: Mapping[str, str], via_gateway: bool) -> str:
    """The caller of one invocation; raises InvalidRequest (400, param X-Genai-Caller) for a value the gateway
    cannot have set. `headers` are the invocation's headers with lower-case names (http.Invocation.headers)."""
    if not via_gateway:
        return FN_INVOKE_CALLER
    value = headers.get(CALLER_HEADER.lower())
    if value is None:
        return ANONYMOUS_CALLER
    if not value.startswith(GATEWAY_PREFIX):
        raise InvalidRequest(
            f"{CALLER_HEADER} is set only by the API gateway; this deployment lets a client's value through "
            "(regenerate its spec with deploy/apigateway/generate_spec.py)",
            param=CALLER_HEADER,
        )
    name = value[len(GATEWAY_PREFIX) :]
    if not name:
        raise InvalidRequest(
            f"the gateway passed no caller identity in {CALLER_HEADER}: the token or the authorizer's context "
            "lacks the configured claim (CALLER_CLAIM)",
            param=CALLER_HEADER,
        )
    if not is_valid_caller(name) or name in RESERVED_CALLERS:
        raise InvalidRequest(
            f"the caller identity in {CALLER_HEADER} is not usable: at most {MAX_CALLER_CHARS} characters from "
            "A-Z a-z 0-9 _ . @ + : / | = ~ -, and not a reserved name",
            param=CALLER_HEADER,
        )
    return name
