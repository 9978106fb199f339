"""Field validation shared by the contracts: JSON decoding, types, the model allow-list, and asking the family.

Everything a model family refuses is refused here, at parse time (its ranges, its features and its rules, from
its module in families/), so the translation to the SDK's models never has to.

Every failure is an InvalidRequest naming the field; values are never echoed back (they may be secrets).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from . import catalog, families, limits
from .config import Settings
from .errors import InvalidJSON, InvalidRequest, ModelNotAllowed, PayloadTooLarge
from .families._base import INTEGER_PARAMETERS, SAMPLING_PARAMETERS, Family, refuse_unsupported
from .neutral.chat import ChatRequest, Checked, Params

C = TypeVar("C", bound=ChatRequest)

MAX_STOP_SEQUENCES = 5
MAX_ECHOED_NAME = 64
INT64 = 2**63 - 1


def decode_object(body: bytes, settings: Settings) -> dict[str, Any]:
    """Decode a request body into a JSON object, strictly: no NaN/Infinity, no duplicate keys, valid UTF-8."""
    if len(body) > settings.max_body_bytes:
        # Not the body's length: the streaming edge stops reading one byte past the limit (edges/asgi.py).
        raise PayloadTooLarge(f"request body is over the limit of {settings.max_body_bytes} bytes (MAX_BODY_BYTES)")
    if not body.strip():
        raise InvalidJSON("request body is empty; send a JSON object")
    limits.check_body(body, settings.max_json_values)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidJSON(f"request body is not valid UTF-8 (byte {exc.start})") from None
    if limits.too_deep(text, settings.max_json_depth):  # before the decoder recurses
        raise InvalidJSON(f"request body nests deeper than {settings.max_json_depth} levels (the MAX_JSON_DEPTH limit)")
    try:
        value = strict_json(text)
    except StrictJSONError as exc:
        raise InvalidJSON(f"request body {exc}") from None
    if not isinstance(value, dict):
        raise InvalidJSON("request body must be a JSON object")
    limits.check_counts(value, settings.max_messages, settings.max_tools)
    return value


def strict_json(text: str) -> Any:
    """RFC 8259 JSON, strictly: no NaN or Infinity, no number beyond a double's range (1e400 would be read as
    inf and sent on as Infinity), no duplicate key, no lone surrogate. The caller bounds its depth first (the C
    decoder recurses). StrictJSONError says what is wrong, never the text (it may hold secrets); its message reads
    after the field's name ("request body" + message)."""
    try:
        value = _STRICT_JSON.decode(text)
    except json.JSONDecodeError as exc:  # where, never what
        raise NotJSONError(
            f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} (char {exc.pos})"
        ) from None
    except StrictJSONError:
        raise
    except (ValueError, RecursionError):  # int() over 4300 digits; a depth the caller did not bound
        raise StrictJSONError("is not valid JSON") from None
    if _LONE_SURROGATE_ESCAPE.search(text) and not _valid_unicode(value):
        raise StrictJSONError("holds a \\u escape that is not valid Unicode (a lone surrogate)")
    return value


_LONE_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
"""Only a \\uD800-\\uDFFF escape can put a lone surrogate into decoded text; look deeper only then."""


def _valid_unicode(value: Any) -> bool:
    """Every string in the decoded value (keys included) is encodable: nothing we echo or forward can fail.

    Iterative, not recursive: a body nested deeper than Python's recursion limit must not escape as a 500.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def unknown_field(body: Mapping[str, Any], known: frozenset[str]) -> str | None:
    """The first field the contract does not know, shortened for echoing back in an error."""
    unknown = sorted(set(body) - known)
    return unknown[0][:MAX_ECHOED_NAME] if unknown else None


class StrictJSONError(ValueError):
    """What makes a text not strict JSON, phrased to follow the name of the field that held it."""


class NotJSONError(StrictJSONError):
    """The text is not JSON at all (a syntax error), rather than JSON refused for what it holds."""


class NotANumberError(StrictJSONError):
    """The text holds NaN, an infinity or a number a double cannot hold: no JSON reader reads it as written."""


def _reject_constant(name: str) -> Any:
    raise NotANumberError(f"holds a bare {name}: {name} is not valid JSON")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise NotANumberError("holds a number too large for a double (it would be sent as Infinity)")
    return value


def _bounded_int(literal: str) -> int:
    """An integer a double can hold the magnitude of: a longer literal is refused before int() reads it."""
    if len(literal) > MAX_INT_DIGITS + 1 or abs(value := int(literal)) > MAX_JSON_INT:
        raise NotANumberError("holds a number too large for a double (it would be sent as Infinity)")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise StrictJSONError("has a duplicate key")
    return result


MAX_JSON_INT = int(sys.float_info.max)
"""The largest integer magnitude accepted in JSON: beyond it a reader that takes numbers as doubles (most, and the
service's) gets Infinity. RFC 8259 section 6 leaves such numbers to the implementation; refusing is the safe one."""
MAX_INT_DIGITS = len(str(MAX_JSON_INT))
_STRICT_JSON = json.JSONDecoder(
    parse_constant=_reject_constant,
    parse_float=_finite_float,
    parse_int=_bounded_int,
    object_pairs_hook=_unique_keys,
)
"""Built once: json.loads with these options builds a new decoder on every call."""


def text(value: Any, field: str, *, allow_empty: bool = False) -> str:
    """A string that is valid Unicode (no lone surrogates) and, unless allowed, not blank."""
    if not isinstance(value, str):
        raise InvalidRequest(f"{field} must be a string", param=field)
    if not allow_empty and not value.strip():
        raise InvalidRequest(f"{field} must not be empty", param=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(f"{field} is not valid Unicode text", param=field) from None
    return value


def integer(value: Any, field: str, low: float, high: float) -> int:
    """An integer in range; 100.0 counts as 100, true and 1.5 do not."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"{field} must be an integer", param=field)
    if not low <= value <= high:
        raise InvalidRequest(f"{field} must be between {_fmt(low)} and {_fmt(high)}", param=field)
    return value


def number(value: Any, field: str, low: float, high: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or isinstance(value, float)
        and not math.isfinite(value)
    ):
        raise InvalidRequest(f"{field} must be a number", param=field)  # (math.isfinite overflows on huge ints)
    if not low <= value <= high:
        raise InvalidRequest(f"{field} must be between {_fmt(low)} and {_fmt(high)}", param=field)
    return float(value)


def _fmt(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def stop_sequences(value: Any, field: str = "stop") -> tuple[str, ...]:
    """A string or a list of up to five non-empty strings."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) and item for item in items):
        raise InvalidRequest(f"{field} must be a non-empty string or a list of non-empty strings", param=field)
    if len(items) > MAX_STOP_SEQUENCES:
        raise InvalidRequest(f"{field} accepts at most {MAX_STOP_SEQUENCES} sequences", param=field)
    return tuple(text(item, field, allow_empty=True) for item in items)


def allowed_model(requested: Any, allowed: tuple[str, ...], settings: Settings, *, on_demand: bool = True) -> str:
    """The requested model if the allow-list holds it; absent means the list's first (the default). Called on
    demand, a model whose retirement date has passed (catalog.RETIRED, or MODEL_RETIREMENTS) is a 400 naming its
    replacement, before any upstream call; one retired without a date is the service's to refuse."""
    if requested is None:
        model = allowed[0]
    else:
        model = text(requested, "model")
        if model not in allowed:
            raise ModelNotAllowed(f"model is not allowed here; allowed: {', '.join(allowed)}", param="model")
    retired = settings.retirement(model) if on_demand else None
    if retired is not None and retired.refused(catalog.today()):
        raise InvalidRequest(catalog.retired_message(model, retired, settings.retirement), param="model")
    return model


def resolve_model(requested: Any, settings: Settings) -> tuple[str, Family]:
    """The chat model to use (from ALLOWED_MODELS, MODEL_ID by default) and the family that speaks its format."""
    model = allowed_model(
        requested, settings.allowed_models, settings, on_demand=settings.dedicated_endpoint_id is None
    )
    return model, families.get(settings.api_format_for(model))


def params(
    body: Mapping[str, Any],
    settings: Settings,
    family: Family,
    *,
    max_tokens_fields: tuple[str, ...] = ("max_tokens",),
) -> Params:
    """Generation parameters from the body, range-checked for the family; max_tokens always resolved."""
    limits = {
        name: integer(body[name], name, 1, settings.max_tokens_limit)
        for name in max_tokens_fields
        if body.get(name) is not None
    }
    if len(set(limits.values())) > 1:  # two different limits: neither may silently win
        first, second = limits
        raise InvalidRequest(f"{first} and {second} disagree: send one token limit", param=second)
    max_tokens = next(iter(limits.values()), settings.default_max_tokens)
    values: dict[str, Any] = {}
    for name in SAMPLING_PARAMETERS:
        if body.get(name) is None:
            continue
        if name not in family.ranges:
            raise InvalidRequest(f"{name} is not supported for {family.api_format} models", param=name)
        check = integer if name in INTEGER_PARAMETERS else number
        values[name] = check(body[name], name, *family.ranges[name])
    if body.get("seed") is not None:
        values["seed"] = integer(body["seed"], "seed", -INT64 - 1, INT64)
    if body.get("stop") is not None:
        values["stop"] = stop_sequences(body["stop"])
    values.setdefault("temperature", settings.default_temperature)
    values.setdefault("top_p", settings.default_top_p)
    return Params(max_tokens=max_tokens, **values)


def check_chat(request: C, name: Callable[[str], str] | None = None) -> C:
    """The request, if its family can carry it (features and rules) and its model can take what it holds; with what
    the family's check made of it kept (`ChatRequest.checked`), so it is checked once.

    A refusal names the field by its neutral path, first in its message (`messages[2].content[1]: images are not
    supported ...`); `name` gives the caller's contract's own name for a path (Responses: `input[1].content[1]`),
    which the 400 then carries instead."""
    try:
        checked = refuse_unsupported(request, families.get(request.api_format))
        if catalog.vision(request.model) is False and any(msg.images for msg in request.messages):
            raise InvalidRequest(
                f"model {request.model} takes text only: send images to a vision model", param="messages"
            )
    except InvalidRequest as refusal:
        if name is None or refusal.param is None or name(refusal.param) == refusal.param:
            raise
        own = name(refusal.param)
        said = refusal.message
        raise InvalidRequest(
            own + said[len(refusal.param) :] if said.startswith(refusal.param) else said, param=own
        ) from None
    if checked is None:
        return request
    return dataclasses.replace(request, checked=Checked(request.api_format, checked))
