"""Validate ChatDetails / EmbedTextDetails JSON the way the service does, before any reply is made.

The shape (field names, types, required fields, enums, subtypes) is checked against the `oci` SDK's own model
classes by `shape.validate`. What the models cannot express is checked here, each number with its source:
- parameter ranges and token/tool limits: `emulator.ranges`, derived by the emulator on its own (from the SDK's
  docstrings, with their wording as the source), keyed by the SDK attribute name that `attribute_map` pairs with
  the wire name, so a wrong range in the product is refused here, not mirrored;
- the limits below; the model ids of `catalog`; the apiFormats a model takes;
- Cohere V1's rules for messages, tool calls and their results (`emulator.cohere_v1`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oci.generative_ai_inference import models

from emulator import cohere_v1, ranges
from emulator.catalog import ENDPOINT_OCID_PREFIX, MODEL_OCID_PREFIX, ROUTING_PROFILE_OCID_PREFIX, Catalog
from emulator.errors import ApiError, invalid, not_found
from emulator.sdk_schema import schema, wire_to_attr
from emulator.shape import validate

MAX_EMBED_INPUTS = 96
"""docs.oracle.com/iaas/Content/generative-ai/use-playground-embed.htm: "A maximum of 96 inputs are allowed for
each run" (and "Maximum 96 sentences per run" on the Embed 3 model pages)."""
OUTPUT_DIMENSION_MODELS = frozenset({"cohere.embed-v4.0"})
OUTPUT_DIMENSIONS = (256, 512, 1024, 1536)
"""EmbedTextDetails.output_dimensions docstring: "only available for embed-v4 and newer models. Possible values are
256, 512, 1024, and 1536." """
DEDICATED_EMBED_DIMENSION = 1536
"""Vector size for an embedding endpoint or model OCID, whose base model the emulator cannot know: Embed 4's (the
one embedding model not retired)."""
TOKEN_LIMITS = ("maxTokens", "maxCompletionTokens")
SUPPORTED_FORMATS = ("COHERE", "COHEREV2", "GENERIC")
"""apiFormats the emulator answers (non-streamed for COHEREV2)."""


@dataclass(frozen=True)
class Target:
    """The resolved serving mode: `model_id` is the model name, model OCID or endpoint OCID."""

    model_id: str
    dedicated: bool


def _not_blank(value: str, path: str) -> str:
    if not value.strip():
        raise invalid(f"Invalid value for {path}: must not be blank.")
    return value


def _target(details: dict[str, Any], catalog: Catalog) -> Target:
    """Compartment and serving mode of an already shape-checked request."""
    compartment = _not_blank(details["compartmentId"], "compartmentId")
    if catalog.allowed_compartments is not None and compartment not in catalog.allowed_compartments:
        raise not_found()
    serving = details["servingMode"]
    if serving["servingType"] == "DEDICATED":
        return Target(_not_blank(serving["endpointId"], "servingMode.endpointId"), dedicated=True)
    return Target(_not_blank(serving["modelId"], "servingMode.modelId"), dedicated=False)


def _between(path: str, value: float, low: float, high: float | None) -> None:
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise invalid(f"Invalid value for {path}: must be {bounds}.")


def _check_ranges(request: dict[str, Any], request_class: type, dedicated: bool) -> None:
    limits = ranges.ranges(request["apiFormat"])
    for wire, attr in wire_to_attr(request_class).items():
        value = request.get(wire)
        if value is None:
            continue
        if attr in limits:
            _between(f"chatRequest.{wire}", value, *limits[attr])
        elif wire in TOKEN_LIMITS:  # the lower bound 1 is ours: the field is a count of tokens to generate
            _between(f"chatRequest.{wire}", value, 1, None if dedicated else ranges.on_demand_max_tokens())


def _check_messages(request: dict[str, Any]) -> None:
    messages = request.get("messages")
    if messages is None:
        raise invalid("Missing required parameter: chatRequest.messages.")
    if not messages:
        raise invalid("Invalid value for chatRequest.messages: must contain at least one message.")


def _check_generic(request: dict[str, Any]) -> None:
    """Rules the service applies to GENERIC beyond the model: content needed unless an assistant calls tools."""
    _check_messages(request)
    for i, message in enumerate(request["messages"]):
        if message.get("content") is None and not (message["role"] == "ASSISTANT" and message.get("toolCalls")):
            raise invalid(f"Missing required parameter: chatRequest.messages[{i}].content.")
    tools = request.get("tools") or []
    if len(tools) > ranges.max_tools():
        raise invalid(f"Invalid value for chatRequest.tools: at most {ranges.max_tools()} tools are allowed.")
    for i, tool in enumerate(tools):
        if tool.get("name") is None:
            raise invalid(f"Missing required parameter: chatRequest.tools[{i}].name.")
        _not_blank(tool["name"], f"chatRequest.tools[{i}].name")


def _check_request(request: dict[str, Any], dedicated: bool) -> None:
    api_format = request["apiFormat"]
    request_class = schema(models.BaseChatRequest).subtypes[api_format]
    if api_format == "COHERE":
        cohere_v1.check(request)
    elif api_format == "GENERIC":
        _check_generic(request)
    else:
        _check_messages(request)
    _check_ranges(request, request_class, dedicated)


def _check_chat_target(target: Target, catalog: Catalog) -> None:
    if target.dedicated:
        if not target.model_id.startswith(ENDPOINT_OCID_PREFIX):
            raise not_found()
        return
    if target.model_id.startswith((MODEL_OCID_PREFIX, ROUTING_PROFILE_OCID_PREFIX)):
        return
    if target.model_id in catalog.chat_models:
        return
    if target.model_id in catalog.embed_models:
        raise invalid(f"Model {target.model_id} does not support chat.")
    raise not_found()


def validate_chat(body: Any, catalog: Catalog) -> tuple[Target, dict[str, Any]]:
    """Return the serving target and the chatRequest, or raise ApiError (400/404)."""
    validate(body, models.ChatDetails)
    target = _target(body, catalog)
    request = body["chatRequest"]
    _check_request(request, target.dedicated)
    if request["apiFormat"] not in SUPPORTED_FORMATS:
        api_format = request["apiFormat"]
        raise invalid(f"Invalid value for chatRequest.apiFormat: {api_format} is not supported by the emulator.")
    _check_chat_target(target, catalog)
    wanted = catalog.chat_formats(target.model_id)
    if wanted is not None and request["apiFormat"] not in wanted:
        raise invalid("Chat request type does not match serving model.")
    return target, request


def validate_embed(body: Any, catalog: Catalog) -> tuple[Target, dict[str, Any], int]:
    """Return the target, the details and the vector dimension, or raise ApiError (400/404)."""
    validate(body, models.EmbedTextDetails)
    target = _target(body, catalog)
    for name in ("embedContents", "embeddingTypes"):
        if body.get(name) is not None:
            raise invalid(f"Invalid value for {name}: not supported by the emulator.")
    inputs = body.get("inputs")
    if inputs is None:
        raise invalid("Missing required parameter: inputs.")
    if not 1 <= len(inputs) <= MAX_EMBED_INPUTS:
        raise invalid(f"Invalid value for inputs: must contain between 1 and {MAX_EMBED_INPUTS} items.")
    dimensions = body.get("outputDimensions")
    if dimensions is not None:
        if target.model_id not in OUTPUT_DIMENSION_MODELS or dimensions not in OUTPUT_DIMENSIONS:
            raise invalid(f"Invalid value for outputDimensions: {dimensions} is not supported by {target.model_id}.")
        return target, body, dimensions
    if target.dedicated or target.model_id.startswith(MODEL_OCID_PREFIX):
        return target, body, DEDICATED_EMBED_DIMENSION
    if target.model_id in catalog.embed_models:
        return target, body, catalog.embed_models[target.model_id]
    if target.model_id in catalog.chat_models:
        raise invalid(f"Model {target.model_id} does not support text embedding.")
    raise not_found()


__all__ = ["ApiError", "Catalog", "Target", "validate_chat", "validate_embed"]
