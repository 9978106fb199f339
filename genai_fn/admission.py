"""Model admission: the allow-list (and retired models), the family's sampling ranges, and whether the model's
family and the catalogue can carry what a chat request holds.

Everything a model family refuses is refused here, at parse time (its ranges, its features and its rules, from
its module in families/), so the translation to the SDK's models never has to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from . import catalog, families
from .config import Settings
from .errors import InvalidRequest, ModelNotAllowed
from .families._base import INTEGER_PARAMETERS, SAMPLING_PARAMETERS, Family, refuse_unsupported
from .neutral.chat import ChatRequest, Checked, Params
from .validate import INT64, integer, number, stop_sequences, text

C = TypeVar("C", bound=ChatRequest)


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
