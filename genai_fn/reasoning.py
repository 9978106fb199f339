"""OpenAI's reasoning knobs (`reasoning_effort`, `verbosity`, `max_completion_tokens`) for the families that carry them.

Generic has reasoningEffort, verbosity and maxCompletionTokens (GenericChatRequest); Cohere V2 has `thinking`
(CohereThinkingV2: ENABLED / DISABLED), so an effort maps to thinking on or off; Cohere V1 has none of them, so a
reasoning_effort or verbosity there is a 400 rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .chat import Reasoning
from .errors import InvalidRequest

EFFORTS = ("none", "minimal", "low", "medium", "high")
"""GenericChatRequest.reasoning_effort's allowed values, lower-cased (the SDK takes NONE ... HIGH)."""
VERBOSITIES = ("low", "medium", "high")
"""GenericChatRequest.verbosity's allowed values, lower-cased."""
FAMILY_FIELDS = {"GENERIC": ("reasoning_effort", "verbosity"), "COHEREV2": ("reasoning_effort",), "COHERE": ()}
"""Which of the two knobs each API format can carry."""


def reasoning(body: Mapping[str, Any], api_format: str) -> Reasoning | None:
    """The reasoning settings the caller sent, checked against the family; None when nothing was sent."""
    effort = _choice(body, "reasoning_effort", EFFORTS)
    verbosity = _choice(body, "verbosity", VERBOSITIES)
    carried = FAMILY_FIELDS.get(api_format, ())
    for name, value in (("reasoning_effort", effort), ("verbosity", verbosity)):
        if value is not None and name not in carried:
            raise InvalidRequest(f"{name} is not supported for {api_format} models", param=name)
    if effort is None and verbosity is None:
        return None
    # To a reasoning model, max_completion_tokens travels as maxCompletionTokens (it bounds reasoning plus answer);
    # otherwise it stays folded into maxTokens, the limit every Generic model honours.
    completion_limit = body.get("max_completion_tokens") is not None and body.get("max_tokens") is None
    return Reasoning(effort=effort, verbosity=verbosity, completion_limit=completion_limit)


def logit_bias(body: Mapping[str, Any], api_format: str) -> dict[str, float] | None:
    """OpenAI's logit_bias for GenericChatRequest.logitBias; a 400 for families without it (it changes the answer)."""
    value = body.get("logit_bias")
    if value is None:
        return None
    if api_format != "GENERIC":
        raise InvalidRequest(f"logit_bias is not supported for {api_format} models", param="logit_bias")
    if not isinstance(value, dict):
        raise InvalidRequest("logit_bias must map token ids to numbers", param="logit_bias")
    for token, bias in value.items():
        if (
            not token.isdigit()
            or isinstance(bias, bool)
            or not isinstance(bias, int | float)
            or not -100 <= bias <= 100
        ):
            raise InvalidRequest("logit_bias must map token ids to numbers between -100 and 100", param="logit_bias")
    return dict(value)


def _choice(body: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise InvalidRequest(f"{name} must be one of {', '.join(allowed)}", param=name)
    return value
