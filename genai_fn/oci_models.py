"""Translate the internal chat model to and from the OCI SDK's own models. No HTTP, no I/O, no validation.

One request builder per model family (TRANSLATORS, keyed like families.FAMILIES): Cohere models take a
CohereChatRequest (message, chat history, preamble); Generic ones a GenericChatRequest (messages with text
content). The request was checked against its family's rules at parse time (validate.family_rules), so nothing
here refuses it. The compartment and serving mode come only from Settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oci.generative_ai_inference import models as m

from .chat import ChatReply, ChatRequest, EmbeddingReply, EmbeddingRequest, Message, ToolCall, Usage
from .config import Settings
from .errors import UpstreamFailed

FINISH_REASONS = {
    "COMPLETE": "stop",
    "MAX_TOKENS": "length",
    "ERROR_TOXIC": "content_filter",
    "ERROR_LIMIT": "length",
    "USER_CANCEL": "stop",
    "STOP_SEQUENCE": "stop",
    "TOOL_CALL": "tool_calls",
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "content_filter": "content_filter",
}
"""Cohere's and the Generic family's finish reasons, in OpenAI's vocabulary (stop, length, tool_calls, ...).
Cohere's ERROR is an upstream failure, not a finish; a value not listed here is passed on (lower-cased), not guessed."""


def _finish_reason(raw: str | None) -> str:
    return FINISH_REASONS.get(raw, raw.lower()) if raw else "stop"


def serving_mode(settings: Settings, model: str) -> m.ServingMode:
    """Dedicated endpoint when configured, else on-demand for the chosen (allow-listed) model."""
    if settings.dedicated_endpoint_id:
        return m.DedicatedServingMode(endpoint_id=settings.dedicated_endpoint_id)
    return m.OnDemandServingMode(model_id=model)


def to_chat_details(request: ChatRequest, settings: Settings) -> m.ChatDetails:
    return m.ChatDetails(
        compartment_id=settings.compartment_ocid,
        serving_mode=serving_mode(settings, request.model),
        chat_request=TRANSLATORS[request.api_format](request),
    )


def _common_params(request: ChatRequest) -> dict[str, Any]:
    p = request.params
    values = {
        "max_tokens": p.max_tokens,
        "temperature": p.temperature,
        "top_p": p.top_p,
        "top_k": p.top_k,
        "frequency_penalty": p.frequency_penalty,
        "presence_penalty": p.presence_penalty,
        "seed": p.seed,
    }
    return {key: value for key, value in values.items() if value is not None}


def _cohere_request(request: ChatRequest) -> m.CohereChatRequest:
    system = [msg.content for msg in request.messages if msg.role == "system"]
    turns = [msg for msg in request.messages if msg.role != "system"]  # the last is the user's (family_rules)
    history = [_cohere_turn(msg) for msg in turns[:-1]]
    return m.CohereChatRequest(
        message=turns[-1].content,
        chat_history=history or None,
        preamble_override="\n\n".join(system) if system else None,
        is_stream=False,
        **_common_params(request),
        **_cohere_stop_and_format(request),
    )


def _cohere_stop_and_format(request: ChatRequest) -> dict[str, Any]:
    """Stop sequences and the JSON response format: the same fields in Cohere V1 and V2."""
    extra: dict[str, Any] = {}
    if request.params.stop:
        extra["stop_sequences"] = list(request.params.stop)
    if request.json_schema:
        extra["response_format"] = m.CohereResponseJsonFormat(schema=request.json_schema.schema)
    elif request.json_mode:
        extra["response_format"] = m.CohereResponseJsonFormat()
    return extra


def _cohere_turn(message: Message) -> m.CohereMessage:
    if message.role == "user":
        return m.CohereUserMessage(message=message.content)
    return m.CohereChatBotMessage(message=message.content)


def _generic_request(request: ChatRequest) -> m.GenericChatRequest:
    extra: dict[str, Any] = {}
    if request.params.stop:
        extra["stop"] = list(request.params.stop)
    if request.json_schema:
        schema = request.json_schema
        extra["response_format"] = m.JsonSchemaResponseFormat(
            json_schema=m.ResponseJsonSchema(
                name=schema.name, description=schema.description, schema=schema.schema, is_strict=schema.strict
            )
        )
    elif request.json_mode:
        extra["response_format"] = m.JsonObjectResponseFormat()
    if request.parallel_tool_calls is not None:
        extra["is_parallel_tool_calls"] = request.parallel_tool_calls
    if request.tools:
        extra["tools"] = [
            m.FunctionDefinition(name=t.name, description=t.description, parameters=t.parameters) for t in request.tools
        ]
    if request.tool_choice:
        extra["tool_choice"] = _tool_choice(request.tool_choice)
    params = _common_params(request)
    if request.logit_bias:
        extra["logit_bias"] = request.logit_bias
    if request.reasoning:
        if request.reasoning.effort:
            extra["reasoning_effort"] = request.reasoning.effort.upper()
        if request.reasoning.verbosity:
            extra["verbosity"] = request.reasoning.verbosity.upper()
        if request.reasoning.completion_limit:
            extra["max_completion_tokens"] = params.pop("max_tokens")
    return m.GenericChatRequest(
        messages=[_generic_message(msg) for msg in request.messages],
        is_stream=False,
        num_generations=None,
        **params,
        **extra,
    )


def _tool_choice(choice: str) -> m.ToolChoice:
    fixed = {"auto": m.ToolChoiceAuto, "none": m.ToolChoiceNone, "required": m.ToolChoiceRequired}
    if choice in fixed:
        return fixed[choice]()
    return m.ToolChoiceFunction(name=choice)


def _generic_message(message: Message) -> m.Message:
    # Only an assistant turn that calls tools may go without content: the service refuses `content: null`
    # elsewhere, so an empty assistant turn or an empty tool result is sent as one empty text part.
    empty_allowed = message.role == "assistant" and bool(message.tool_calls)
    content = _generic_content(message) if message.content or message.parts or not empty_allowed else None
    if message.role == "system":
        return m.SystemMessage(content=content)
    if message.role == "user":
        return m.UserMessage(content=content)
    if message.role == "tool":
        return m.ToolMessage(content=content, tool_call_id=message.tool_call_id)
    calls = [m.FunctionCall(id=c.id, name=c.name, arguments=c.arguments) for c in message.tool_calls]
    return m.AssistantMessage(content=content, tool_calls=calls or None)


def _cohere_v2_request(request: ChatRequest) -> m.CohereChatRequestV2:
    """Cohere V2 takes the whole conversation as typed messages, like Generic, with its own tool shapes."""
    extra = _cohere_stop_and_format(request)
    if request.tools:
        extra["tools"] = [
            m.CohereToolV2(
                type="FUNCTION",
                function=m.Function(name=t.name, description=t.description, parameters=t.parameters),
            )
            for t in request.tools
        ]
    if request.tool_choice in ("required", "none"):  # auto is the default; a named function is refused at parse
        extra["tools_choice"] = request.tool_choice.upper()
    effort = request.reasoning.effort if request.reasoning else None
    if effort is not None:  # CohereThinkingV2 is on or off: no effort scale
        extra["thinking"] = m.CohereThinkingV2(type="DISABLED" if effort in ("none", "minimal") else "ENABLED")
    return m.CohereChatRequestV2(
        messages=[_cohere_v2_message(msg) for msg in request.messages],
        is_stream=False,
        **_common_params(request),
        **extra,
    )


def _cohere_v2_content(message: Message) -> list[m.CohereContentV2]:
    if not message.parts:
        return [m.CohereTextContentV2(text=message.content)]
    return [
        m.CohereTextContentV2(text=part)
        if isinstance(part, str)
        else m.CohereImageContentV2(
            image_url=m.CohereImageUrlV2(url=part.url, detail=part.detail.upper() if part.detail else None)
        )
        for part in message.parts
    ]


def _generic_content(message: Message) -> list[m.ChatContent]:
    if not message.parts:
        return [m.TextContent(text=message.content)]
    return [
        m.TextContent(text=part)
        if isinstance(part, str)
        else m.ImageContent(image_url=m.ImageUrl(url=part.url, detail=part.detail.upper() if part.detail else None))
        for part in message.parts
    ]


def _cohere_v2_message(message: Message) -> m.CohereMessageV2:
    content = _cohere_v2_content(message)
    if message.role == "system":
        return m.CohereSystemMessageV2(content=content)
    if message.role == "user":
        return m.CohereUserMessageV2(content=content)
    if message.role == "tool":
        return m.CohereToolMessageV2(content=content, tool_call_id=message.tool_call_id)
    calls = [
        m.CohereToolCallV2(id=c.id, type="FUNCTION", function={"name": c.name, "arguments": c.arguments})
        for c in message.tool_calls
    ]
    # CohereMessageV2 marks content required: an assistant turn that only calls tools sends an empty list.
    return m.CohereAssistantMessageV2(content=content if message.content or not calls else [], tool_calls=calls or None)


TRANSLATORS: dict[str, Callable[[ChatRequest], m.BaseChatRequest]] = {
    "COHERE": _cohere_request,
    "COHEREV2": _cohere_v2_request,
    "GENERIC": _generic_request,
}
"""The SDK request per API format; tests/unit/test_families.py checks it covers families.FAMILIES."""


def to_reply(result: Any, opc_request_id: str | None, request: ChatRequest) -> ChatReply:
    """Normalise a ChatResult in the format that was asked for; anything else is a malformed reply (502)."""
    response = getattr(result, "chat_response", None)
    model = getattr(result, "model_id", None) or request.model
    if getattr(response, "api_format", None) == request.api_format:
        if isinstance(response, m.CohereChatResponse) and isinstance(response.text, str):
            return _cohere_reply(response, model, opc_request_id)
        if isinstance(response, m.GenericChatResponse) and response.choices:
            return _generic_reply(response, model, opc_request_id)
        if isinstance(response, m.CohereChatResponseV2) and response.message is not None:
            return _cohere_v2_reply(response, model, opc_request_id)
    raise UpstreamFailed("the service returned a chat reply the function cannot read", opc_request_id=opc_request_id)


def _cohere_reply(response: m.CohereChatResponse, model: str, opc_request_id: str | None) -> ChatReply:
    if response.finish_reason == "ERROR":
        raise UpstreamFailed(
            "the model stopped with an error before finishing its reply", opc_request_id=opc_request_id
        )
    return ChatReply(
        text=response.text,
        model=model,
        finish_reason=_finish_reason(response.finish_reason),
        usage=_usage(response.usage),
        opc_request_id=opc_request_id,
    )


def _cohere_v2_reply(response: m.CohereChatResponseV2, model: str, opc_request_id: str | None) -> ChatReply:
    if response.finish_reason == "ERROR":
        raise UpstreamFailed(
            "the model stopped with an error before finishing its reply", opc_request_id=opc_request_id
        )
    message = response.message
    parts = message.content or []
    calls = []
    for i, call in enumerate(message.tool_calls or []):
        function = call.function if isinstance(call.function, dict) else {}
        if isinstance(function.get("name"), str):
            arguments = function.get("arguments")
            calls.append(
                ToolCall(
                    id=call.id or f"call_{i}",
                    name=function["name"],
                    arguments=arguments if isinstance(arguments, str) else "{}",
                )
            )
    thinking = [p.thinking for p in parts if isinstance(p, m.CohereThinkingContentV2) and p.thinking]
    return ChatReply(
        text="".join(p.text for p in parts if isinstance(p, m.CohereTextContentV2) and p.text),
        model=model,
        finish_reason=_finish_reason(response.finish_reason),
        usage=_usage(response.usage),
        opc_request_id=opc_request_id,
        tool_calls=tuple(calls),
        reasoning="".join(thinking) or None,
    )


def _generic_reply(response: m.GenericChatResponse, model: str, opc_request_id: str | None) -> ChatReply:
    choice = response.choices[0]
    parts = getattr(choice.message, "content", None) or []
    calls = getattr(choice.message, "tool_calls", None) or []
    return ChatReply(
        text="".join(part.text for part in parts if isinstance(part, m.TextContent) and part.text),
        model=model,
        finish_reason=_finish_reason(choice.finish_reason),
        usage=_usage(response.usage or choice.usage),
        opc_request_id=opc_request_id,
        tool_calls=tuple(
            ToolCall(id=c.id or f"call_{i}", name=c.name, arguments=c.arguments or "{}")
            for i, c in enumerate(calls)
            if isinstance(c, m.FunctionCall)
        ),
        reasoning=getattr(choice.message, "reasoning_content", None) or None,
    )


def _usage(usage: m.Usage | None) -> Usage:
    if usage is None:
        return Usage()
    prompt = usage.prompt_tokens or 0
    completion = usage.completion_tokens or 0
    details = getattr(usage, "completion_tokens_details", None)
    reasoning = getattr(details, "reasoning_tokens", None)
    return Usage(
        prompt, completion, usage.total_tokens or prompt + completion, reasoning if isinstance(reasoning, int) else None
    )


def to_embed_details(request: EmbeddingRequest, settings: Settings) -> m.EmbedTextDetails:
    return m.EmbedTextDetails(
        inputs=list(request.inputs),
        serving_mode=m.OnDemandServingMode(model_id=request.model),
        compartment_id=settings.compartment_ocid,
        truncate=request.truncate,
        input_type=request.input_type,
        output_dimensions=request.dimensions,
    )


def to_embedding_reply(result: Any, opc_request_id: str | None, requested_model: str) -> EmbeddingReply:
    vectors = getattr(result, "embeddings", None)
    if not isinstance(vectors, list) or not all(isinstance(v, list) for v in vectors):
        raise UpstreamFailed(
            "the service returned an embedding reply the function cannot read", opc_request_id=opc_request_id
        )
    return EmbeddingReply(
        model=getattr(result, "model_id", None) or requested_model,
        vectors=tuple(vectors),
        usage=_usage(getattr(result, "usage", None)),
        opc_request_id=opc_request_id,
    )
