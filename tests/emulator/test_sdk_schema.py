"""The validator reads the SDK's models: its readings are checked against the SDK's own behaviour, and it accepts
what the SDK serializes and refuses what the service would, for chat, embed, rerank and guardrails details."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from oci.generative_ai_inference import models

from emulator.catalog import Catalog
from emulator.errors import ApiError
from emulator.sdk_schema import Schema, model_class, schema, wire_to_attr
from emulator.shape import validate
from emulator.validation import validate_chat
from genai_fn import families

ROOTS = ("ChatDetails", "EmbedTextDetails", "RerankTextDetails", "ApplyGuardrailsDetails")
SERVING = models.OnDemandServingMode(model_id="cohere.command-a-03-2025")


def _reachable() -> Iterator[Schema]:
    """Every model class a request body can contain, from the four request roots."""
    seen: set[str] = set()
    todo = list(ROOTS)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = schema(model_class(name))
        yield shape
        todo += [cls.__name__ for cls in shape.subtypes.values()]
        for field in shape.fields.values():
            todo += [
                t
                for t in field.type.replace("[", " ")
                .replace("]", " ")
                .replace(",", " ")
                .replace(")", " ")
                .replace("(", " ")
                .split()
                if hasattr(models, t)
            ]


def test_every_enum_matches_what_its_setter_accepts() -> None:
    """Each value read from the source is accepted by the setter; a made-up one is refused or mapped to UNKNOWN."""
    checked = 0
    for shape in _reachable():
        for field in shape.fields.values():
            if field.enum is None:
                continue
            instance = shape.cls()
            is_list = field.type.startswith("list[")
            for value in field.enum:
                setattr(instance, field.attr, [value] if is_list else value)
                assert getattr(instance, field.attr) == ([value] if is_list else value)
            try:
                setattr(instance, field.attr, ["NOT_A_VALUE"] if is_list else "NOT_A_VALUE")
            except ValueError:
                pass
            else:
                assert getattr(instance, field.attr) == "UNKNOWN_ENUM_VALUE"
            checked += 1
    assert checked >= 10


def test_required_fields_follow_the_docstring_marker() -> None:
    required = {shape.cls.__name__: {f.wire for f in shape.fields.values() if f.required} for shape in _reachable()}
    assert required["ChatDetails"] == {"compartmentId", "servingMode", "chatRequest"}
    assert required["CohereChatRequest"] == {"apiFormat", "message"}
    assert required["RerankTextDetails"] == {"input", "compartmentId", "servingMode", "documents"}
    assert required["ApplyGuardrailsDetails"] == {"guardrailConfigs", "compartmentId"}
    assert required["TextContent"] == {"type"}  # text itself is optional in the SDK


def test_discriminators_come_from_get_subtype() -> None:
    assert schema(models.ServingMode).discriminator == "servingType"
    assert set(schema(models.ServingMode).subtypes) == {"ON_DEMAND", "DEDICATED"}
    assert set(schema(models.BaseChatRequest).subtypes) == {"COHERE", "COHEREV2", "GENERIC"}
    assert schema(models.Message).discriminator == "role"
    assert set(schema(models.CohereContentV2).subtypes) >= {"TEXT", "IMAGE_URL"}
    for shape in _reachable():
        for tag, cls in shape.subtypes.items():
            assert shape.cls.get_subtype({shape.discriminator: tag}) == cls.__name__


@pytest.fixture(scope="module")
def wire(client) -> Callable[[object], Any]:
    """The JSON the SDK client sends for a model object."""
    return client.base_client.sanitize_for_serialization


VALID = {
    "cohere": models.ChatDetails(
        compartment_id="c",
        serving_mode=SERVING,
        chat_request=models.CohereChatRequest(
            message="hi",
            chat_history=[models.CohereUserMessage(message="a"), models.CohereChatBotMessage(message="b")],
            prompt_truncation="AUTO_PRESERVE_ORDER",
            tools=[
                models.CohereTool(
                    name="t",
                    description="d",
                    parameter_definitions={"x": models.CohereParameterDefinition(type="str")},
                )
            ],
        ),
    ),
    "cohere-v2": models.ChatDetails(
        compartment_id="c",
        serving_mode=SERVING,
        chat_request=models.CohereChatRequestV2(
            messages=[
                models.CohereSystemMessageV2(content=[models.CohereTextContentV2(text="be brief")]),
                models.CohereUserMessageV2(
                    content=[
                        models.CohereTextContentV2(text="what is this?"),
                        models.CohereImageContentV2(image_url=models.CohereImageUrlV2(url="data:image/png;base64,AA")),
                    ]
                ),
            ],
            tools_choice="REQUIRED",
            thinking=models.CohereThinkingV2(type="ENABLED", token_budget=100),
        ),
    ),
    "generic": models.ChatDetails(
        compartment_id="c",
        serving_mode=models.DedicatedServingMode(endpoint_id="ocid1.generativeaiendpoint.oc1..e"),
        chat_request=models.GenericChatRequest(
            messages=[
                models.UserMessage(
                    content=[
                        models.TextContent(text="hi"),
                        models.ImageContent(image_url=models.ImageUrl(url="https://x/y.png", detail="HIGH")),
                    ]
                ),
                models.AssistantMessage(tool_calls=[models.FunctionCall(id="1", name="f", arguments="{}")]),
                models.ToolMessage(tool_call_id="1", content=[models.TextContent(text="42")]),
            ],
            tools=[models.FunctionDefinition(name="f", parameters={"type": "object"})],
            tool_choice=models.ToolChoiceFunction(name="f"),
            response_format=models.JsonSchemaResponseFormat(
                json_schema=models.ResponseJsonSchema(name="s", schema={"type": "object"})
            ),
            reasoning_effort="LOW",
            stop=["\n"],
        ),
    ),
    "embed": models.EmbedTextDetails(
        inputs=["a", "b"], serving_mode=SERVING, compartment_id="c", truncate="END", embedding_types=["float", "int8"]
    ),
    "rerank": models.RerankTextDetails(
        input="q", compartment_id="c", serving_mode=SERVING, documents=["a", "b"], top_n=1, is_echo=True
    ),
    "guardrails": models.ApplyGuardrailsDetails(
        compartment_id="c",
        input=models.GuardrailsTextInput(content="my email is a@b.c", language_code="en"),
        guardrail_configs=models.GuardrailConfigs(
            content_moderation_config=models.ContentModerationConfiguration(categories=["OVERALL"]),
            prompt_injection_config=models.PromptInjectionConfiguration(),
            personally_identifiable_information_config=models.PersonallyIdentifiableInformationConfiguration(
                types=["EMAIL"]
            ),
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_what_the_sdk_serializes_is_valid(wire, name: str) -> None:
    obj = VALID[name]
    validate(wire(obj), type(obj))


def _refused(body: Any, cls: type, message: str) -> None:
    with pytest.raises(ApiError) as info:
        validate(body, cls)
    assert (info.value.status, info.value.code) == (400, "InvalidParameter")
    assert message in info.value.message


def _edit(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    target = body
    for key in path[:-1]:
        target = target[key]
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


_DROP = object()


@pytest.mark.parametrize(
    "name, path, value, message",
    [
        ("cohere", ("chatRequest", "chatHistory", 1, "role"), "BOT", "chatRequest.chatHistory[1].role: 'BOT' is not"),
        ("cohere", ("chatRequest", "tools", 0, "parameterDefinitions", "x", "type"), 5, "parameterDefinitions.x.type"),
        ("cohere", ("chatRequest", "citationQuality"), "BEST", "citationQuality: must be one of ACCURATE, FAST"),
        ("cohere", ("chatRequest", "message"), _DROP, "Missing required parameter: chatRequest.message"),
        ("cohere-v2", ("chatRequest", "toolsChoice"), "ANY", "toolsChoice: must be one of"),
        ("cohere-v2", ("chatRequest", "messages", 1, "content", 1, "type"), "VIDEO", "content[1].type"),
        ("cohere-v2", ("chatRequest", "messages", 0, "content"), _DROP, "messages[0].content"),
        ("cohere-v2", ("chatRequest", "thinking", "tokenBudget"), "100", "thinking.tokenBudget: must be an integer"),
        ("generic", ("chatRequest", "messages", 0, "content", 1, "imageUrl", "detail"), "ULTRA", "detail"),
        ("generic", ("chatRequest", "toolChoice", "type"), "SOMETIMES", "toolChoice.type"),
        ("generic", ("chatRequest", "stop"), "\n", "chatRequest.stop: must be an array"),
        ("generic", ("chatRequest", "stop", 0), ["x"], "chatRequest.stop[0]: must be a string"),
        ("generic", ("chatRequest", "messages", 2, "toolCallId"), {"a": 1}, "toolCallId: must be a string"),
        ("generic", ("chatRequest", "tools", 0, "parameters"), "{}", "tools[0].parameters: must be an object"),
        ("generic", ("chatRequest", "temperature"), math.inf, "temperature: must be a number"),
        ("generic", ("chatRequest", "isStream"), 1, "isStream: must be a boolean"),
        ("generic", ("chatRequest", "seed"), True, "seed: must be an integer"),
        ("generic", ("chatRequest", "colour"), "red", "Unknown parameter: chatRequest.colour"),
        ("generic", ("servingMode", "modelId"), "x", "Unknown parameter: servingMode.modelId"),
        ("generic", ("servingMode", "servingType"), ["ON_DEMAND"], "servingMode.servingType"),
        ("embed", ("embeddingTypes", 1), "int4", "embeddingTypes: must be one of float"),
        ("embed", ("inputType",), "QUERY", "inputType: must be one of"),
        ("rerank", ("documents",), _DROP, "Missing required parameter: documents"),
        ("rerank", ("documents", 0), {"text": "a"}, "documents[0]: must be a string"),
        ("rerank", ("topN",), "1", "topN: must be an integer"),
        ("rerank", ("query",), "q", "Unknown parameter: query"),
        ("guardrails", ("input", "type"), "AUDIO", "input.type"),
        ("guardrails", ("guardrailConfigs",), _DROP, "Missing required parameter: guardrailConfigs"),
        ("guardrails", ("guardrailConfigs", "contentModerationConfig", "categories"), "OVERALL", "categories"),
        ("guardrails", ("guardrailConfigs", "promptInjectionConfig", "mode"), 1, "Unknown parameter"),
    ],
)
def test_malformed_details_are_refused(wire, name: str, path: tuple[Any, ...], value: Any, message: str) -> None:
    _refused(_edit(wire(VALID[name]), path, value), type(VALID[name]), message)


def test_a_non_object_body_is_refused() -> None:
    _refused([], models.ChatDetails, "request body: must be an object")


def _chat(api_format: str, **fields: Any) -> dict[str, Any]:
    model = "cohere.command-a-03-2025" if api_format == "COHERE" else "meta.llama-3.3-70b-instruct"
    request: dict[str, Any] = {"apiFormat": api_format, **fields}
    if api_format == "COHERE":
        request["message"] = "hi"
    else:
        request["messages"] = [{"role": "USER", "content": [{"type": "TEXT", "text": "hi"}]}]
    return {"compartmentId": "c", "servingMode": {"servingType": "ON_DEMAND", "modelId": model}, "chatRequest": request}


@pytest.mark.parametrize("api_format", ["COHERE", "GENERIC"])
def test_the_products_ranges_are_the_emulated_services(api_format: str) -> None:
    """Every range a product family accepts (genai_fn/families/) is accepted by the emulator at its ends and refused
    just outside them: the emulator derives its ranges on its own (emulator/ranges.py), so a product range wider or
    narrower than the service's fails here."""
    request_class = schema(models.BaseChatRequest).subtypes[api_format]
    wire_names = {attr: wire for wire, attr in wire_to_attr(request_class).items()}
    for attr, (low, high) in families.get(api_format).ranges.items():
        wire = wire_names[attr]
        for inside in (low, high):
            validate_chat(_chat(api_format, **{wire: inside}), Catalog())
        for outside in (low - 1, high + 1):
            with pytest.raises(ApiError, match=f"chatRequest.{wire}: must be between {low} and {high}"):
                validate_chat(_chat(api_format, **{wire: outside}), Catalog())


def test_cohere_v2_is_validated_and_matched_to_its_model(wire) -> None:
    body = wire(VALID["cohere-v2"])
    validate_chat(body, Catalog())  # Command A takes V1 and V2 (emulator/catalog.py CHAT_FORMATS)
    body["servingMode"]["modelId"] = "meta.llama-3.3-70b-instruct"
    with pytest.raises(ApiError, match="Chat request type does not match serving model"):
        validate_chat(body, Catalog())
    body["servingMode"]["modelId"] = "cohere.command-a-03-2025"
    body["chatRequest"]["messages"] = []
    with pytest.raises(ApiError, match="must contain at least one message"):
        validate_chat(body, Catalog())
