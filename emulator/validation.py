"""Validate ChatDetails / EmbedTextDetails JSON the way the service does, before any reply is made.

Ranges come from the SDK docstrings and Oracle's model pages; where those are silent the emulator picks the
documented provider range (Cohere temperature 0..5, Generic 0..2) and says so in `docs`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import ApiError, invalid, not_found

CHAT_MODELS = frozenset(
    {
        "cohere.command-a-03-2025",
        "cohere.command-r-08-2024",
        "cohere.command-r-plus-08-2024",
        "meta.llama-3.3-70b-instruct",
        "meta.llama-4-maverick-17b-128e-instruct-fp8",
        "meta.llama-3.1-405b-instruct",
    }
)
"""On-demand chat model ids; any `ocid1.generativeaimodel…` is accepted as well."""

EMBED_MODELS = {
    "cohere.embed-english-v3.0": 1024,
    "cohere.embed-multilingual-v3.0": 1024,
    "cohere.embed-english-light-v3.0": 384,
    "cohere.embed-v4.0": 1024,
}
"""Embedding model id -> vector dimension."""

ON_DEMAND_MAX_TOKENS = 4000
MAX_EMBED_INPUTS = 96
MODEL_OCID_PREFIX = "ocid1.generativeaimodel."
ENDPOINT_OCID_PREFIX = "ocid1.generativeaiendpoint."

COHERE_KEYS = frozenset(
    "apiFormat message chatHistory documents responseFormat isSearchQueriesOnly preambleOverride isStream "
    "streamOptions maxTokens maxInputTokens temperature topK topP promptTruncation frequencyPenalty "
    "presencePenalty seed isEcho tools toolResults isForceSingleStep stopSequences isRawPrompting "
    "citationQuality safetyMode".split()
)
GENERIC_KEYS = frozenset(
    "apiFormat messages reasoningEffort verbosity metadata isStream streamOptions numGenerations seed isEcho "
    "topK topP temperature frequencyPenalty presencePenalty stop logProbs maxTokens maxCompletionTokens "
    "logitBias prediction responseFormat toolChoice isParallelToolCalls tools webSearchOptions serviceTier".split()
)
EMBED_KEYS = frozenset(
    "inputs embedContents servingMode compartmentId isEcho embeddingTypes outputDimensions truncate inputType".split()
)
"""Field names from the SDK models' `attribute_map`; anything else is rejected."""

COHERE_ROLES = frozenset({"USER", "CHATBOT", "SYSTEM", "TOOL"})
GENERIC_ROLES = frozenset({"SYSTEM", "USER", "ASSISTANT", "TOOL", "DEVELOPER"})
CONTENT_TYPES = frozenset({"TEXT", "IMAGE", "AUDIO", "VIDEO", "DOCUMENT"})

_COHERE_SCALARS: dict[str, tuple[str, float | None, float | None]] = {
    "temperature": ("number", 0, 5),
    "topP": ("number", 0, 1),
    "topK": ("int", 0, 500),
    "frequencyPenalty": ("number", 0, 1),
    "presencePenalty": ("number", 0, 1),
    "maxInputTokens": ("int", 1, None),
    "seed": ("int", None, None),
    "preambleOverride": ("str", None, None),
    "isStream": ("bool", None, None),
    "isEcho": ("bool", None, None),
    "isSearchQueriesOnly": ("bool", None, None),
    "isForceSingleStep": ("bool", None, None),
    "isRawPrompting": ("bool", None, None),
    "documents": ("list", None, None),
    "tools": ("list", None, None),
    "toolResults": ("list", None, None),
    "responseFormat": ("object", None, None),
    "streamOptions": ("object", None, None),
}
_GENERIC_SCALARS: dict[str, tuple[str, float | None, float | None]] = {
    "temperature": ("number", 0, 2),
    "topP": ("number", 0, 1),
    "topK": ("int", -1, None),
    "frequencyPenalty": ("number", -2, 2),
    "presencePenalty": ("number", -2, 2),
    "numGenerations": ("int", 1, None),
    "seed": ("int", None, None),
    "logProbs": ("int", 0, None),
    "isStream": ("bool", None, None),
    "isEcho": ("bool", None, None),
    "isParallelToolCalls": ("bool", None, None),
    "metadata": ("object", None, None),
    "logitBias": ("object", None, None),
    "prediction": ("object", None, None),
    "responseFormat": ("object", None, None),
    "toolChoice": ("object", None, None),
    "webSearchOptions": ("object", None, None),
    "streamOptions": ("object", None, None),
}
_COHERE_ENUMS = {
    "promptTruncation": {"OFF", "AUTO_PRESERVE_ORDER"},
    "citationQuality": {"ACCURATE", "FAST"},
    "safetyMode": {"CONTEXTUAL", "STRICT", "OFF"},
}
_GENERIC_ENUMS = {
    "reasoningEffort": {"NONE", "MINIMAL", "LOW", "MEDIUM", "HIGH"},
    "verbosity": {"LOW", "MEDIUM", "HIGH"},
    "serviceTier": {"AUTO", "DEFAULT", "PRIORITY"},
}
_EMBED_ENUMS = {
    "truncate": {"NONE", "START", "END"},
    "inputType": {"SEARCH_DOCUMENT", "SEARCH_QUERY", "CLASSIFICATION", "CLUSTERING", "IMAGE"},
}


@dataclass
class Catalog:
    """What this emulated region serves. `api_formats` pins a model OCID or endpoint OCID to one apiFormat."""

    chat_models: frozenset[str] = CHAT_MODELS
    embed_models: dict[str, int] = field(default_factory=lambda: dict(EMBED_MODELS))
    api_formats: dict[str, str] = field(default_factory=dict)
    allowed_compartments: frozenset[str] | None = None


@dataclass(frozen=True)
class Target:
    """The resolved serving mode: `model_id` is the model name, model OCID or endpoint OCID."""

    model_id: str
    dedicated: bool


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if kind == "str":
        return isinstance(value, str)
    if kind == "list":
        return isinstance(value, list)
    return isinstance(value, dict)


_TYPE_NAMES = {
    "bool": "a boolean",
    "int": "an integer",
    "number": "a number",
    "str": "a string",
    "list": "an array",
    "object": "an object",
}


def check_field(path: str, value: Any, kind: str, low: float | None = None, high: float | None = None) -> None:
    if not _type_ok(value, kind):
        raise invalid(f"Invalid value for {path}: must be {_TYPE_NAMES[kind]}.")
    if low is not None and value < low or high is not None and value > high:
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise invalid(f"Invalid value for {path}: must be {bounds}.")


def _check_object(path: str, value: Any) -> dict[str, Any]:
    check_field(path, value, "object")
    return value


def _check_required_string(path: str, value: Any) -> str:
    if value is None:
        raise invalid(f"Missing required parameter: {path}.")
    check_field(path, value, "str")
    if not value.strip():
        raise invalid(f"Invalid value for {path}: must not be blank.")
    return value


def _check_common(body: Any, catalog: Catalog) -> Target:
    details = _check_object("request body", body)
    compartment = _check_required_string("compartmentId", details.get("compartmentId"))
    if catalog.allowed_compartments is not None and compartment not in catalog.allowed_compartments:
        raise not_found()
    serving = details.get("servingMode")
    if serving is None:
        raise invalid("Missing required parameter: servingMode.")
    _check_object("servingMode", serving)
    serving_type = serving.get("servingType")
    if serving_type == "ON_DEMAND":
        unknown = set(serving) - {"servingType", "modelId"}
        model_id = _check_required_string("servingMode.modelId", serving.get("modelId"))
        dedicated = False
    elif serving_type == "DEDICATED":
        unknown = set(serving) - {"servingType", "endpointId"}
        model_id = _check_required_string("servingMode.endpointId", serving.get("endpointId"))
        dedicated = True
    else:
        raise invalid(
            f"Invalid value for servingMode.servingType: {serving_type!r} is not one of ON_DEMAND, DEDICATED."
        )
    if unknown:
        raise invalid(f"Unknown parameter: servingMode.{sorted(unknown)[0]}.")
    return Target(model_id=model_id, dedicated=dedicated)


def _check_fields(request: dict[str, Any], prefix: str, scalars: dict, enums: dict, allowed: frozenset) -> None:
    unknown = sorted(set(request) - allowed)
    if unknown:
        raise invalid(f"Unknown parameter: {prefix}.{unknown[0]}.")
    for name, (kind, low, high) in scalars.items():
        if request.get(name) is not None:
            check_field(f"{prefix}.{name}", request[name], kind, low, high)
    for name, values in enums.items():
        if request.get(name) is not None and request[name] not in values:
            raise invalid(f"Invalid value for {prefix}.{name}: must be one of {', '.join(sorted(values))}.")


def _check_max_tokens(request: dict[str, Any], name: str, dedicated: bool) -> None:
    if request.get(name) is not None:
        high = None if dedicated else ON_DEMAND_MAX_TOKENS
        check_field(f"chatRequest.{name}", request[name], "int", 1, high)


def _check_cohere(request: dict[str, Any], dedicated: bool) -> None:
    _check_fields(request, "chatRequest", _COHERE_SCALARS, _COHERE_ENUMS, COHERE_KEYS)
    _check_required_string("chatRequest.message", request.get("message"))
    _check_max_tokens(request, "maxTokens", dedicated)
    history = request.get("chatHistory")
    if history is not None:
        check_field("chatRequest.chatHistory", history, "list")
        for i, turn in enumerate(history):
            path = f"chatRequest.chatHistory[{i}]"
            _check_object(path, turn)
            if turn.get("role") not in COHERE_ROLES:
                raise invalid(f"Invalid value for {path}.role: must be one of {', '.join(sorted(COHERE_ROLES))}.")
            if turn["role"] != "TOOL":
                check_field(f"{path}.message", turn.get("message"), "str")
    stops = request.get("stopSequences")
    if stops is not None and not (isinstance(stops, list) and all(isinstance(s, str) for s in stops)):
        raise invalid("Invalid value for chatRequest.stopSequences: must be an array of strings.")


def _check_generic_message(path: str, message: Any) -> None:
    _check_object(path, message)
    if message.get("role") not in GENERIC_ROLES:
        raise invalid(f"Invalid value for {path}.role: must be one of {', '.join(sorted(GENERIC_ROLES))}.")
    content = message.get("content")
    if content is None and message["role"] == "ASSISTANT" and message.get("toolCalls"):
        return
    check_field(f"{path}.content", content, "list")
    for j, part in enumerate(content):
        part_path = f"{path}.content[{j}]"
        _check_object(part_path, part)
        if part.get("type") not in CONTENT_TYPES:
            raise invalid(f"Invalid value for {part_path}.type: must be one of {', '.join(sorted(CONTENT_TYPES))}.")
        if part["type"] == "TEXT":
            check_field(f"{part_path}.text", part.get("text"), "str")


def _check_generic(request: dict[str, Any], dedicated: bool) -> None:
    _check_fields(request, "chatRequest", _GENERIC_SCALARS, _GENERIC_ENUMS, GENERIC_KEYS)
    messages = request.get("messages")
    if messages is None:
        raise invalid("Missing required parameter: chatRequest.messages.")
    check_field("chatRequest.messages", messages, "list")
    if not messages:
        raise invalid("Invalid value for chatRequest.messages: must contain at least one message.")
    for i, message in enumerate(messages):
        _check_generic_message(f"chatRequest.messages[{i}]", message)
    _check_max_tokens(request, "maxTokens", dedicated)
    _check_max_tokens(request, "maxCompletionTokens", dedicated)
    stop = request.get("stop")
    if stop is not None and not (isinstance(stop, list) and all(isinstance(s, str) for s in stop)):
        raise invalid("Invalid value for chatRequest.stop: must be an array of strings.")
    tools = request.get("tools")
    if tools is not None:
        check_field("chatRequest.tools", tools, "list")
        if len(tools) > 128:
            raise invalid("Invalid value for chatRequest.tools: at most 128 tools are allowed.")
        for i, tool in enumerate(tools):
            _check_object(f"chatRequest.tools[{i}]", tool)
            if tool.get("type") != "FUNCTION":
                raise invalid(f"Invalid value for chatRequest.tools[{i}].type: must be FUNCTION.")
            _check_required_string(f"chatRequest.tools[{i}].name", tool.get("name"))


def expected_format(target: Target, catalog: Catalog) -> str | None:
    """The apiFormat the serving model needs, or None when any is accepted."""
    if target.model_id in catalog.api_formats:
        return catalog.api_formats[target.model_id]
    if target.dedicated or target.model_id.startswith(MODEL_OCID_PREFIX):
        return None
    return "COHERE" if target.model_id.startswith("cohere.") else "GENERIC"


def validate_chat(body: Any, catalog: Catalog) -> tuple[Target, dict[str, Any]]:
    """Return the serving target and the chatRequest, or raise ApiError (400/404)."""
    target = _check_common(body, catalog)
    request = body.get("chatRequest")
    if request is None:
        raise invalid("Missing required parameter: chatRequest.")
    _check_object("chatRequest", request)
    api_format = request.get("apiFormat")
    if api_format == "COHERE":
        _check_cohere(request, target.dedicated)
    elif api_format == "GENERIC":
        _check_generic(request, target.dedicated)
    elif api_format == "COHEREV2":
        raise invalid("Invalid value for chatRequest.apiFormat: COHEREV2 is not supported by the emulator.")
    else:
        raise invalid(f"Invalid value for chatRequest.apiFormat: {api_format!r} is not one of COHERE, GENERIC.")
    _check_chat_target(target, catalog)
    wanted = expected_format(target, catalog)
    if wanted is not None and wanted != api_format:
        raise invalid("Chat request type does not match serving model.")
    return target, request


def _check_chat_target(target: Target, catalog: Catalog) -> None:
    if target.dedicated:
        if not target.model_id.startswith(ENDPOINT_OCID_PREFIX):
            raise not_found()
        return
    if target.model_id.startswith(MODEL_OCID_PREFIX) or target.model_id in catalog.chat_models:
        return
    if target.model_id in catalog.embed_models:
        raise invalid(f"Model {target.model_id} does not support chat.")
    raise not_found()


def validate_embed(body: Any, catalog: Catalog) -> tuple[Target, dict[str, Any], int]:
    """Return the target, the details and the vector dimension, or raise ApiError (400/404)."""
    target = _check_common(body, catalog)
    _check_fields(body, "embedTextDetails", {"isEcho": ("bool", None, None)}, _EMBED_ENUMS, EMBED_KEYS)
    for name in ("embedContents", "embeddingTypes", "outputDimensions"):
        if body.get(name) is not None:
            raise invalid(f"Invalid value for {name}: not supported by the emulator.")
    inputs = body.get("inputs")
    if inputs is None:
        raise invalid("Missing required parameter: inputs.")
    if not isinstance(inputs, list) or not all(isinstance(text, str) for text in inputs):
        raise invalid("Invalid value for inputs: must be an array of strings.")
    if not 1 <= len(inputs) <= MAX_EMBED_INPUTS:
        raise invalid(f"Invalid value for inputs: must contain between 1 and {MAX_EMBED_INPUTS} items.")
    if target.dedicated or target.model_id.startswith(MODEL_OCID_PREFIX):
        return target, body, 1024
    if target.model_id in catalog.embed_models:
        return target, body, catalog.embed_models[target.model_id]
    if target.model_id in catalog.chat_models:
        raise invalid(f"Model {target.model_id} does not support text embedding.")
    raise not_found()


__all__ = ["ApiError", "Catalog", "Target", "validate_chat", "validate_embed", "expected_format"]
