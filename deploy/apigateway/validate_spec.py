#!/usr/bin/env python3
"""Validate an API Gateway `ApiSpecification` JSON offline against the `oci` SDK's own models.

The SDK silently drops unknown keys and turns unknown enum values into 'UNKNOWN_ENUM_VALUE', and the CLI
sends the raw dict to the service, so a typo would only surface at deploy time (or never). This check
round-trips the JSON through `oci.apigateway.models` and reports any loss, unknown enum or missing
`[Required]` field, without credentials or network.

    python deploy/apigateway/validate_spec.py spec.json [more.json ...]
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from oci.apigateway.models import apigateway_type_mapping
from oci.base_client import BaseClient, merge_type_mappings

UNKNOWN_ENUM = "UNKNOWN_ENUM_VALUE"
MAX_ROUTES = 50
"""API Gateway limit: routes per deployment."""
MAX_SPEC_BYTES = 2 * 1024 * 1024
"""API Gateway limit: size of the specification JSON."""


def _serializer() -> BaseClient:
    """A BaseClient with only the (de)serializer state: its __init__ would demand a config and signer."""
    client = object.__new__(BaseClient)
    client.complex_type_mappings = apigateway_type_mapping
    client.type_mappings = merge_type_mappings(BaseClient.primitive_type_map, apigateway_type_mapping)
    client.skip_deserialization = False
    client._allow_control_chars = None
    client.logger = logging.getLogger("validate_spec")
    return client


def _diff(sent: object, back: object, where: str) -> Iterator[str]:
    """Yield every place where the round-tripped value differs from what was sent."""
    if isinstance(sent, dict) and isinstance(back, dict):
        for key in sent:
            if key not in back:
                yield f"{where}.{key}: unknown key (dropped by the SDK model)"
            else:
                yield from _diff(sent[key], back[key], f"{where}.{key}")
        for key in back.keys() - sent.keys():
            yield f"{where}.{key}: added by the SDK model"
    elif isinstance(sent, list) and isinstance(back, list) and len(sent) == len(back):
        for i, (a, b) in enumerate(zip(sent, back, strict=True)):
            yield from _diff(a, b, f"{where}[{i}]")
    elif back == UNKNOWN_ENUM and sent != UNKNOWN_ENUM:
        yield f"{where}: {sent!r} is not a value the SDK knows ({UNKNOWN_ENUM})"
    elif sent != back:
        yield f"{where}: sent {sent!r}, SDK model gives {back!r}"


def _walk_models(value: object, where: str) -> Iterator[str]:
    """Yield missing `[Required]` fields and unknown enums anywhere in the deserialized model tree."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk_models(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_models(item, f"{where}.{key}")
        return
    if isinstance(value, str):
        if value == UNKNOWN_ENUM:
            yield f"{where}: {UNKNOWN_ENUM}"
        return
    swagger_types = getattr(value, "swagger_types", None)
    attribute_map: dict[str, str] = getattr(value, "attribute_map", {})
    if swagger_types is None:
        return
    cls = type(value)
    for attr in swagger_types:
        wire = attribute_map[attr]
        item = getattr(value, attr)
        doc = getattr(cls, attr).__doc__ or ""
        if "[Required]" in doc and item is None:
            yield f"{where}.{wire}: required by {cls.__name__} but missing"
        yield from _walk_models(item, f"{where}.{wire}")


CONTEXT_REF = re.compile(
    r"^(request\.(?:headers|query|path|auth|subdomain))\[([^\[\]${}]+)\]$"
    r"|^request\.auth\[access_token_claims\]\[[^\[\]${}]+\]$"
)
"""`request.<table>[<name>]`: the context tables of API Gateway's "Adding Context Variables to Policies"; and
`request.auth[access_token_claims][<claim>]`, an OpenID Connect access token's claim."""
BARE_CONTEXT = frozenset({"request.host"})
CONTEXT_FIELDS = ("parameters", "tokenLocations")
"""Keys whose values are context-variable references without ${...} (authorizer parameters, usage-plan tokens)."""


def _obj(value: object) -> dict[str, object]:
    """A JSON object or an empty one: a wrong type is reported by the SDK round trip, never crashes a rule."""
    return value if isinstance(value, dict) else {}


def _context_problems(value: object, where: str) -> Iterator[str]:
    """Check `request.headers[X-Api-Key]`-style references and `${...}` interpolations anywhere below value."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in CONTEXT_FIELDS:
                refs = item.values() if isinstance(item, dict) else item if isinstance(item, list) else [item]
                for ref in refs:
                    if not (isinstance(ref, str) and (CONTEXT_REF.match(ref) or ref in BARE_CONTEXT)):
                        yield f"{where}.{key}: {ref!r} is not a context variable like request.headers[X-Api-Key]"
            yield from _context_problems(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _context_problems(item, f"{where}[{i}]")
    elif isinstance(value, str) and "${" in value:
        for inner, close in re.findall(r"\$\{([^}]*)(\}?)", value):
            if not close or not (CONTEXT_REF.match(inner) or inner in BARE_CONTEXT):
                yield f"{where}: {value!r} has a malformed context variable (expected ${{request.headers[name]}})"
                break


CALLER_HEADER = "x-genai-caller"
CALLER_PREFIX = "gw:"
CALLER_VALUE = re.compile(r"^gw:\$\{request\.auth\[[^\[\]${}]+\](?:\[[^\[\]${}]+\])?\}$")
"""What the function reads (genai_fn/caller.py): the constant prefix, then one request.auth value."""


def _names(policy: object) -> list[str]:
    items = _obj(policy).get("items")
    return [str(_obj(item).get("name", "")).lower() for item in items] if isinstance(items, list) else []


def _caller_problems(route: dict[str, object], where: str, authenticated: bool) -> Iterator[str]:
    """A client's own X-Genai-Caller must never reach the function: authenticated routes overwrite it from
    request.auth (with the prefix the function checks), the others block it."""
    transforms = _obj(_obj(route.get("requestPolicies")).get("headerTransformations"))
    where = f"{where}.requestPolicies.headerTransformations"
    set_items = _obj(transforms.get("setHeaders")).get("items")
    sets = [item for item in set_items if isinstance(item, dict)] if isinstance(set_items, list) else []
    caller_sets = [item for item in sets if str(item.get("name", "")).lower() == CALLER_HEADER]
    filters = _obj(transforms.get("filterHeaders"))
    blocked = filters.get("type") == "BLOCK" and CALLER_HEADER in _names(filters)
    allowed_only = filters.get("type") == "ALLOW" and CALLER_HEADER not in _names(filters)
    renames = _obj(transforms.get("renameHeaders")).get("items")
    renamed = [str(_obj(i).get("to", "")).lower() for i in renames] if isinstance(renames, list) else []
    if CALLER_HEADER in renamed:
        yield f"{where}: a header is renamed to X-Genai-Caller: a client could choose the caller"
    if caller_sets and (blocked or filters.get("type") == "ALLOW"):
        yield f"{where}: X-Genai-Caller is in two transformation policies (a name must be unique across them)"
    if not caller_sets:
        if not (blocked or allowed_only):
            yield f"{where}: a client's own X-Genai-Caller reaches the function: block it (filterHeaders BLOCK)"
        return
    if not authenticated:
        yield f"{where}: X-Genai-Caller is set on a route without authentication (request.auth is empty): block it"
    for item in caller_sets:
        if item.get("ifExists") != "OVERWRITE":
            yield f"{where}: X-Genai-Caller must be set with ifExists OVERWRITE, or a client's value survives"
        values = item.get("values")
        if not (isinstance(values, list) and len(values) == 1 and CALLER_VALUE.match(str(values[0]))):
            yield f"{where}: X-Genai-Caller must be one value gw:${{request.auth[<claim>]}} (the prefix is checked)"


def _rules(spec: dict[str, object]) -> Iterator[str]:
    """Constraints the SDK docstrings state in prose rather than as [Required]; wrong types are skipped here."""
    routes = spec.get("routes") or []
    if not isinstance(routes, list) or not routes:
        yield "$.routes: a deployment needs at least one route"
        return
    if len(routes) > MAX_ROUTES:
        yield f"$.routes: {len(routes)} routes, the gateway allows {MAX_ROUTES}"
    auth = _obj(_obj(spec.get("requestPolicies")).get("authentication"))
    if auth.get("type") in ("JWT_AUTHENTICATION", "TOKEN_AUTHENTICATION"):
        if not (auth.get("tokenHeader") or auth.get("tokenQueryParam")):
            yield "$.requestPolicies.authentication: needs tokenHeader or tokenQueryParam"
        if auth.get("tokenHeader") and not auth.get("tokenAuthScheme"):
            yield "$.requestPolicies.authentication.tokenAuthScheme: required with tokenHeader"
    seen: dict[tuple[str, str], int] = {}
    for i, raw in enumerate(routes):
        route = _obj(raw)
        if not isinstance(raw, dict):
            yield f"$.routes[{i}]: a route must be a JSON object"
            continue
        path = route.get("path")
        if isinstance(path, str) and not path.startswith("/"):
            yield f"$.routes[{i}].path: {path!r} must start with '/'"
        methods = route.get("methods") or ["ANY"]
        for method in methods if isinstance(methods, list) else []:
            key = (str(method), str(path))
            if key in seen:
                yield f"$.routes[{i}]: duplicate route {method} {path} (also $.routes[{seen[key]}])"
            seen.setdefault(key, i)
        authz = _obj(_obj(route.get("requestPolicies")).get("authorization")).get("type")
        if authz == "ANONYMOUS" and not auth.get("isAnonymousAccessAllowed"):
            yield f"$.routes[{i}]: ANONYMOUS needs isAnonymousAccessAllowed on the authentication policy"
        if authz and not auth:
            yield f"$.routes[{i}]: authorization {authz} without a deployment authentication policy"
        yield from _caller_problems(route, f"$.routes[{i}]", bool(auth) and authz != "ANONYMOUS")
    yield from _context_problems(spec, "$")


def _round_trip(spec: dict[str, object]) -> list[str]:
    """Deserialize into the SDK models and serialize back; every SDK complaint becomes a finding."""
    client = _serializer()
    text = json.dumps(spec)
    try:
        model = client.deserialize_response_data(text.encode(), "ApiSpecification")
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        return [
            f"$: the SDK cannot deserialize it ({type(exc).__name__}: {exc}); "
            "a missing discriminator such as backend.type raises KeyError"
        ]
    try:
        back = client.sanitize_for_serialization(model)
    except (ValueError, TypeError, AttributeError) as exc:
        # e.g. "responseCode": 401 where the model declares str: the SDK refuses to serialize it.
        return [f"$: wrong JSON type ({exc})"]
    problems = list(_diff(spec, back, "$"))
    problems.extend(p for p in _walk_models(model, "$") if p not in problems)
    return problems


def validate(spec: object) -> list[str]:
    """Return the problems found; an empty list means the spec round-trips losslessly and is complete.

    Never raises on any JSON value: a malformed spec is a list of findings, not a traceback."""
    if not isinstance(spec, dict):
        return ["$: the specification must be a JSON object"]
    problems: list[str] = []
    size = len(json.dumps(spec).encode())
    if size > MAX_SPEC_BYTES:
        problems.append(f"$: {size} bytes, the gateway allows {MAX_SPEC_BYTES}")
    problems.extend(_round_trip(spec))
    problems.extend(_rules(spec))
    return list(dict.fromkeys(problems))


def main(argv: Sequence[str] | None = None) -> int:
    """Validate each file; exit 1 if any has problems."""
    paths = sys.argv[1:] if argv is None else list(argv)
    if not paths:
        print("usage: validate_spec.py SPEC.json [...]", file=sys.stderr)
        return 2
    failed = False
    for name in paths:
        try:
            spec = json.loads(Path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"{name}: cannot read JSON ({exc})", file=sys.stderr)
            failed = True
            continue
        problems = validate(spec)
        for problem in problems:
            print(f"{name}: {problem}", file=sys.stderr)
        failed = failed or bool(problems)
        if not problems:
            print(f"{name}: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
