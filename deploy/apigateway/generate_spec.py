#!/usr/bin/env python3
"""Emit the API Gateway deployment specification (the `ApiSpecification` JSON) for the function.

This is the single source of the spec: the OCI CLI (`--specification file://spec.json`), the deploy
script and the Terraform stack all consume its output, so no one hand-edits function OCIDs into JSON.
Standard library only, reading the function's own route table from `genai_fn/router.py`, so it runs in Cloud Shell or
CI without installing anything: the gateway's routes are the function's routes, never a second hand-kept list.

    python deploy/apigateway/generate_spec.py --function-id ocid1.fnfunc... --auth none > spec.json
    python deploy/apigateway/generate_spec.py --terraform-template --auth token --jwks-uri ... \
        --issuer ... --audience ... --caller-claim sub > my-spec.json.tftpl

Every route passes the authenticated caller to the function in X-Genai-Caller (genai_fn/caller.py): routes with
authentication set it (`setHeaders`, `ifExists: OVERWRITE`) to `gw:` + the configured claim or authorizer key; routes
without authentication block it (`filterHeaders` BLOCK), so a client's own value never reaches the function.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

AUTH_MODES = ("none", "token", "jwt", "authorizer", "usage-plan")
"""none: private network only; token: TOKEN_AUTHENTICATION, tokens checked against an identity domain's JWKS (Oracle's
recommended policy type); jwt: the same with JWT_AUTHENTICATION ("no longer recommended",
docs.oracle.com/iaas/Content/APIGateway/Tasks/apigatewayusingjwttokens-requestpolicy.htm); authorizer: API key checked
by a function; usage-plan: API key = a subscriber's client token, with per-client quotas."""
AUTHENTICATED = ("token", "jwt", "authorizer")
"""Modes that fill `request.auth`, so the caller identity comes from there."""
TOKEN_MODES = ("token", "jwt")

CALLER_HEADER = "X-Genai-Caller"
"""genai_fn/caller.py CALLER_HEADER: set only by the gateway."""
CALLER_PREFIX = "gw:"
"""genai_fn/caller.py GATEWAY_PREFIX: a missing claim still overwrites the client's header (with `gw:`, refused by the
function), because Oracle substitutes an empty string for a missing context variable and ignores a transformation
that yields an invalid header."""
DEFAULT_CALLER_CLAIM = "sub"
CLAIM_PATTERN = re.compile(r"[A-Za-z0-9_.:/-]{1,128}")
"""A claim (token modes) or authorizer context key: nothing that could break out of `request.auth[...]` or be read by
Terraform's templatefile()."""


ROUTER_SOURCE = REPO_ROOT / "genai_fn" / "router.py"


def routes_from_source(source: Path = ROUTER_SOURCE) -> tuple[tuple[str, str], ...]:
    """(method, path) of every route in the function's own table (`ROUTES` in genai_fn/router.py), in its order.

    Read from the router's source rather than imported, so the generator needs only the standard library (Cloud
    Shell's python3 has neither fdk nor the function's packages); tests/deploy check that this read equals the
    imported table. A table this cannot read is an error, never an empty route list."""
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        if isinstance(target, ast.Name) and target.id == "ROUTES" and isinstance(value, ast.Tuple):
            routes = []
            for call in value.elts:
                args = call.args if isinstance(call, ast.Call) else []
                texts = [a.value for a in args[1:3] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if len(args) < 3 or len(texts) != 2:
                    raise SystemExit(f"generate_spec: cannot read a route in {source}:{call.lineno}")
                routes.append((texts[0], texts[1]))
            return tuple(routes)
    raise SystemExit(f"generate_spec: no ROUTES table in {source}")


ROUTES: tuple[tuple[str, str], ...] = routes_from_source()
"""(method, path) pairs the function serves; the deployment's path prefix (e.g. /genai) comes before them."""

TERRAFORM_FUNCTION_ID = "${function_id}"
"""Placeholder Terraform's templatefile() replaces with the function it creates."""

EXAMPLE_FUNCTION_ID = "ocid1.fnfunc.oc1..example"
API_KEY_HEADER = "X-Api-Key"
LOG_LEVELS = ("INFO", "WARN", "ERROR")
RATE_KEYS = ("CLIENT_IP", "TOTAL")


@dataclass(frozen=True)
class SpecOptions:
    """Everything a user may choose; defaults are the safe, documented ones."""

    function_id: str
    auth: str = "none"
    jwks_uri: str = ""
    issuers: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    authorizer_function_id: str = ""
    rate_limit: int = 10
    rate_key: str = "CLIENT_IP"
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    log_level: str = "WARN"
    body_validation: bool = True
    caller_claim: str = DEFAULT_CALLER_CLAIM
    """CALLER_CLAIM: the token claim (token, jwt) or the authorizer function's context key (authorizer) that names the
    caller; `request.auth[<claim>]` either way (docs/usage.md)."""


class SpecError(ValueError):
    """A combination of options that would give a deployment the gateway rejects or that is unsafe."""


def _check(options: SpecOptions) -> None:
    """Fail at generation time rather than at `deployment create` time."""
    if not options.function_id:
        raise SpecError("--function-id is required (or --terraform-template)")
    if options.auth not in AUTH_MODES:
        raise SpecError(f"--auth must be one of {', '.join(AUTH_MODES)}")
    if options.auth in TOKEN_MODES and not (options.jwks_uri and options.issuers and options.audiences):
        raise SpecError(f"--auth {options.auth} needs --jwks-uri, at least one --issuer and at least one --audience")
    if options.auth in TOKEN_MODES and not options.jwks_uri.startswith("https://"):
        raise SpecError("--jwks-uri must be an https:// URL")
    if not CLAIM_PATTERN.fullmatch(options.caller_claim):
        raise SpecError("--caller-claim must be a claim or context key of letters, digits and _ . : / -")
    if options.auth == "authorizer" and not options.authorizer_function_id:
        raise SpecError("--auth authorizer needs --authorizer-function-id")
    if options.rate_limit < 0:
        raise SpecError("--rate-limit must be >= 0 (0 turns rate limiting off)")
    if options.rate_key not in RATE_KEYS:
        raise SpecError(f"--rate-key must be one of {', '.join(RATE_KEYS)}")
    if options.log_level not in LOG_LEVELS:
        raise SpecError(f"--log-level must be one of {', '.join(LOG_LEVELS)}")
    values = (
        options.jwks_uri,
        options.authorizer_function_id,
        *options.issuers,
        *options.audiences,
        *options.cors_origins,
    )
    if any("${" in v or "%{" in v for v in values):
        raise SpecError("values must not contain '${' or '%{': Terraform's templatefile() would expand them")
    if "*" in options.cors_origins:
        raise SpecError("--cors-origin '*' is refused: name the origins that may call the gateway")


def _required_caller_claim(options: SpecOptions) -> list[dict[str, object]]:
    """The caller claim must be in every token: the gateway refuses a token without it (JsonWebTokenClaim.isRequired,
    oci SDK docstring: "If this value is "null" or empty and "isRequired" set to "true", then the presence of this
    claim in the JWT is validated")."""
    return [{"key": options.caller_claim, "isRequired": True}]


def _authentication(options: SpecOptions) -> dict[str, object] | None:
    """Deployment-level authentication; usage plans and `none` need none."""
    if options.auth == "token":
        return {
            "type": "TOKEN_AUTHENTICATION",
            "tokenHeader": "Authorization",
            "tokenAuthScheme": "Bearer",
            "maxClockSkewInSeconds": 60.0,
            "validationPolicy": {
                "type": "REMOTE_JWKS",
                "uri": options.jwks_uri,
                "maxCacheDurationInHours": 1,
                "isSslVerifyDisabled": False,
                "additionalValidationPolicy": {
                    "issuers": list(options.issuers),
                    "audiences": list(options.audiences),
                    "verifyClaims": _required_caller_claim(options),
                },
            },
        }
    if options.auth == "jwt":
        return {
            "type": "JWT_AUTHENTICATION",
            "tokenHeader": "Authorization",
            "tokenAuthScheme": "Bearer",
            "issuers": list(options.issuers),
            "audiences": list(options.audiences),
            "maxClockSkewInSeconds": 60.0,
            "isAnonymousAccessAllowed": False,
            "verifyClaims": _required_caller_claim(options),
            "publicKeys": {
                "type": "REMOTE_JWKS",
                "uri": options.jwks_uri,
                "maxCacheDurationInHours": 1,
                "isSslVerifyDisabled": False,
            },
        }
    if options.auth == "authorizer":
        return {
            "type": "CUSTOM_AUTHENTICATION",
            "functionId": options.authorizer_function_id,
            "parameters": {"apiKey": f"request.headers[{API_KEY_HEADER}]"},
            "cacheKey": ["apiKey"],
            "isAnonymousAccessAllowed": False,
            "validationFailurePolicy": {
                "type": "MODIFY_RESPONSE",
                "responseCode": "401",
                "responseMessage": "missing or invalid API key",
            },
        }
    return None


def caller_transformation(options: SpecOptions) -> dict[str, object]:
    """X-Genai-Caller: set (OVERWRITE) from request.auth on authenticated routes, blocked on the others. A header name
    may be in only one transformation policy of a route ("This name must be unique across transformation policies",
    SetHeaderPolicyItem / FilterHeaderPolicyItem docstrings, oci SDK), hence one or the other."""
    if options.auth in AUTHENTICATED:
        value = f"{CALLER_PREFIX}${{request.auth[{options.caller_claim}]}}"
        return {"setHeaders": {"items": [{"name": CALLER_HEADER, "values": [value], "ifExists": "OVERWRITE"}]}}
    return {"filterHeaders": {"type": "BLOCK", "items": [{"name": CALLER_HEADER}]}}


def _route(method: str, path: str, options: SpecOptions, function_id: str) -> dict[str, object]:
    """One route per contract and method, never `ANY`, so wrong methods stop at the gateway."""
    request_policies: dict[str, object] = {}
    if options.auth in AUTHENTICATED:
        request_policies["authorization"] = {"type": "AUTHENTICATION_ONLY"}
    request_policies["headerTransformations"] = caller_transformation(options)
    if options.body_validation and method == "POST":
        request_policies["bodyValidation"] = {
            "required": True,
            "validationMode": "ENFORCING",
            "content": {"application/json": {"validationType": "NONE"}},
        }
    route: dict[str, object] = {"path": path, "methods": [method]}
    if request_policies:
        route["requestPolicies"] = request_policies
    route["backend"] = {"type": "ORACLE_FUNCTIONS_BACKEND", "functionId": function_id}
    return route


def build_spec(options: SpecOptions) -> dict[str, object]:
    """Return the ApiSpecification dict with camelCase wire names, as the CLI and the service take it."""
    _check(options)
    policies: dict[str, object] = {}
    authentication = _authentication(options)
    if authentication is not None:
        policies["authentication"] = authentication
    if options.auth == "usage-plan":
        policies["usagePlans"] = {"tokenLocations": [f"request.headers[{API_KEY_HEADER}]"]}
    if options.rate_limit:
        policies["rateLimiting"] = {"rateInRequestsPerSecond": options.rate_limit, "rateKey": options.rate_key}
    if options.cors_origins:
        policies["cors"] = {
            "allowedOrigins": list(options.cors_origins),
            "allowedMethods": ["GET", "POST"],
            "allowedHeaders": ["Content-Type", "Authorization", API_KEY_HEADER],
            "isAllowCredentialsEnabled": False,
            "maxAgeInSeconds": 600,
        }
    spec: dict[str, object] = {}
    if policies:
        spec["requestPolicies"] = policies
    # Only the level: the isEnabled flags feed the deprecated Object Storage archive; logs go to OCI Logging.
    spec["loggingPolicies"] = {"executionLog": {"logLevel": options.log_level}}
    spec["routes"] = [_route(method, path, options, options.function_id) for method, path in ROUTES]
    return spec


def render(spec: dict[str, object]) -> str:
    """Stable text, so committed examples can be compared byte for byte."""
    return json.dumps(spec, indent=2) + "\n"


def render_terraform(spec: dict[str, object]) -> str:
    """The spec as a templatefile() template: the gateway's own `${request...}` expressions are escaped as
    `$${request...}` (Terraform's literal `${`), only `${function_id}` is Terraform's."""
    return render(spec).replace("${request.", "$${request.")


EXAMPLE_OPTIONS: dict[str, SpecOptions] = {
    "none": SpecOptions(function_id=EXAMPLE_FUNCTION_ID),
    "token": SpecOptions(
        function_id=EXAMPLE_FUNCTION_ID,
        auth="token",
        jwks_uri="https://idcs-example.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
        issuers=("https://identity.oraclecloud.com/",),
        audiences=("oci-genai-fn",),
    ),
    "jwt": SpecOptions(
        function_id=EXAMPLE_FUNCTION_ID,
        auth="jwt",
        jwks_uri="https://idcs-example.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
        issuers=("https://identity.oraclecloud.com/",),
        audiences=("oci-genai-fn",),
    ),
    "authorizer": SpecOptions(
        function_id=EXAMPLE_FUNCTION_ID,
        auth="authorizer",
        authorizer_function_id="ocid1.fnfunc.oc1..authorizer",
        caller_claim="team",
    ),
    "usage-plan": SpecOptions(function_id=EXAMPLE_FUNCTION_ID, auth="usage-plan"),
    "cors": SpecOptions(function_id=EXAMPLE_FUNCTION_ID, cors_origins=("https://app.example.com",)),
}
"""The committed files under examples/; a test regenerates them so they never drift."""

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
TERRAFORM_TEMPLATE = REPO_ROOT / "deploy" / "terraform" / "spec.default.json.tftpl"


def example_files() -> dict[Path, str]:
    """Every committed generated file and the text it must have."""
    files = {EXAMPLES_DIR / f"{name}.json": render(build_spec(o)) for name, o in EXAMPLE_OPTIONS.items()}
    default = SpecOptions(function_id=TERRAFORM_FUNCTION_ID)
    files[TERRAFORM_TEMPLATE] = render_terraform(build_spec(default))
    return files


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """CLI flags mirror SpecOptions one to one."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = p.add_mutually_exclusive_group()
    target.add_argument("--function-id", default="", help="OCID of the deployed function")
    target.add_argument(
        "--terraform-template",
        action="store_true",
        help="emit ${function_id} instead of an OCID, for Terraform's templatefile()",
    )
    target.add_argument("--write-examples", action="store_true", help="rewrite the committed example files")
    p.add_argument("--auth", choices=AUTH_MODES, default="none")
    p.add_argument("--jwks-uri", default="", help="identity domain JWKS URL (auth jwt)")
    p.add_argument("--issuer", action="append", default=[], help="accepted `iss` (auth jwt; repeatable)")
    p.add_argument("--audience", action="append", default=[], help="accepted `aud` (auth jwt; repeatable)")
    p.add_argument("--authorizer-function-id", default="", help="authorizer function OCID (auth authorizer)")
    p.add_argument("--rate-limit", type=int, default=10, help="requests per second per key; 0 = off")
    p.add_argument("--rate-key", choices=RATE_KEYS, default="CLIENT_IP")
    p.add_argument("--cors-origin", action="append", default=[], help="allowed browser origin (repeatable)")
    p.add_argument("--log-level", choices=LOG_LEVELS, default="WARN", help="execution log level")
    p.add_argument("--no-body-validation", action="store_true", help="do not require application/json bodies")
    p.add_argument(
        "--caller-claim",
        default=DEFAULT_CALLER_CLAIM,
        help="CALLER_CLAIM: token claim (token, jwt) or authorizer context key naming the caller (default sub)",
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the spec on stdout; errors go to stderr with exit code 2."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.write_examples:
        for path, text in example_files().items():
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}", file=sys.stderr)
        return 0
    options = SpecOptions(
        function_id=TERRAFORM_FUNCTION_ID if args.terraform_template else args.function_id,
        auth=args.auth,
        jwks_uri=args.jwks_uri,
        issuers=tuple(args.issuer),
        audiences=tuple(args.audience),
        authorizer_function_id=args.authorizer_function_id,
        rate_limit=args.rate_limit,
        rate_key=args.rate_key,
        cors_origins=tuple(args.cors_origin),
        log_level=args.log_level,
        body_validation=not args.no_body_validation,
        caller_claim=args.caller_claim,
    )
    try:
        spec = build_spec(options)
        sys.stdout.write(render_terraform(spec) if args.terraform_template else render(spec))
    except SpecError as exc:
        print(f"generate_spec: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
