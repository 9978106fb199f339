"""The OpenAI-compatible contract: chat completions (plain and `stream: true`), model list and embeddings.

Requests map to the same internal model as the simple contract; replies and errors use OpenAI's shapes so the
official SDKs raise their usual exception classes. Every accepted, ignored and refused field is listed in
docs/openai.md.
"""

from __future__ import annotations

import base64
import struct
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .. import validate
from ..chat import (
    ChatReply,
    ChatRequest,
    EmbeddingReply,
    EmbeddingRequest,
    ImagePart,
    JsonSchema,
    Message,
    Tool,
    ToolCall,
)
from ..config import Settings
from ..envelope import Invocation, Reply, json_bytes, json_reply
from ..errors import InvalidRequest, ProxyError, RouteNotFound
from ..families import FAMILIES, Family, vision
from ..images import image_part
from ..reasoning import logit_bias, reasoning

SSE = "text/event-stream; charset=utf-8"
CHAT_FIELDS = frozenset(
    {
        "model",
        "messages",
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "frequency_penalty",
        "presence_penalty",
        "seed",
        "stop",
        "n",
        "stream",
        "stream_options",
        "response_format",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "logprobs",
        "reasoning_effort",
        "verbosity",
        "logit_bias",
    }
)
IGNORED_CHAT_FIELDS = frozenset(
    {"user", "store", "metadata", "service_tier", "prompt_cache_key", "safety_identifier", "prediction", "modalities"}
)
"""Accepted for compatibility and not forwarded: they change nothing about the answer (docs/openai.md)."""
EMBEDDING_FIELDS = frozenset({"input", "model", "encoding_format", "dimensions", "user", "input_type", "truncate"})
"""`input_type` and `truncate` are OCI's, sent as extra body fields (the openai SDK's `extra_body`)."""
OUTPUT_DIMENSIONS = {"cohere.embed-v4.0": (256, 512, 1024, 1536)}
"""Models that take `dimensions` (EmbedTextDetails.output_dimensions), with the sizes they offer: "only available
for embed-v4 and newer models. Possible values are 256, 512, 1024, and 1536" (the SDK's EmbedTextDetails; Oracle's
release note "Use Text and Image Together in Cohere Embed 4", docs.oracle.com/iaas/releasenotes/generative-ai/)."""
INPUT_TYPES = ("search_document", "search_query", "classification", "clustering")
TRUNCATE = ("none", "start", "end")
MAX_EMBEDDING_INPUTS = 96
"""The service embeds at most 96 texts per call."""
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant", "tool": "tool"}
"""OpenAI roles to internal roles; `developer` is OpenAI's newer name for system instructions."""
ERROR_TYPES = {
    400: "invalid_request_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
}
"""OpenAI's error `type` per status; anything else (5xx) is `server_error`."""


@dataclass(frozen=True)
class ChatCall(ChatRequest):
    """The chat request plus how the caller wants it delivered (the use case reads only the ChatRequest part)."""

    stream: bool = False
    include_usage: bool = False


@dataclass(frozen=True)
class EmbeddingCall(EmbeddingRequest):
    encoding: str = "float"
    """encoding_format, float or base64: the openai SDKs ask for base64 by default."""


def _reject_unknown(body: dict[str, Any], known: frozenset[str]) -> None:
    unknown = validate.unknown_field(body, known)
    if unknown is not None:
        raise InvalidRequest(f"Unrecognized request argument supplied: {unknown}", param=unknown)


def _flag(body: dict[str, Any], name: str, field: str | None = None) -> bool:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise InvalidRequest(f"{field or name} must be true or false", param=field or name)
    return bool(value)


def _messages(value: Any, family: Family) -> tuple[Message, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidRequest("messages must be a non-empty list", param="messages")
    return tuple(_message(item, f"messages[{index}]", family) for index, item in enumerate(value))


def _message(item: Any, where: str, family: Family) -> Message:
    if not isinstance(item, dict):
        raise InvalidRequest(f"{where} must be an object", param=where)
    raw_role = item.get("role")
    role = ROLES.get(raw_role) if isinstance(raw_role, str) else None
    if role is None:
        raise InvalidRequest(f"{where}.role must be one of {', '.join(ROLES)}", param=f"{where}.role")
    calls = _tool_calls(item.get("tool_calls"), where) if role == "assistant" else ()
    # An assistant turn may be empty (e.g. beside tool_calls) and a tool may have returned "" (agent loops).
    content, parts = _content(
        item.get("content"), f"{where}.content", family, optional=role in ("assistant", "tool"), images=role == "user"
    )
    tool_call_id = None
    if role == "tool":
        tool_call_id = validate.text(item.get("tool_call_id"), f"{where}.tool_call_id")
    return Message(role, content, calls, tool_call_id, parts)


def _content(
    value: Any, where: str, family: Family, *, optional: bool, images: bool
) -> tuple[str, tuple[str | ImagePart, ...]]:
    """A string, or a list of the parts the family carries: (the text joined, the parts in order if any is an
    image). Other parts are refused, not dropped; images only in user turns.

    `optional`: an assistant turn may be empty or null (e.g. alongside tool_calls), as OpenAI accepts.
    """
    if value is None and optional:
        return "", ()
    parts: list[str | ImagePart] = []
    if isinstance(value, list):
        for index, part in enumerate(value):
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "image_url" and images and kind in family.content_parts:
                parts.append(image_part(part, f"{where}[{index}]"))
                continue
            if kind == "image_url":
                reason = (
                    f"images are not supported for {family.api_format} models"
                    if images
                    else "images are only supported in user messages"
                )
                raise InvalidRequest(f"{where}[{index}]: {reason}", param=f"{where}[{index}]")
            if kind != "text":
                raise InvalidRequest(f"{where}[{index}] must be a text or image_url part", param=f"{where}[{index}]")
            parts.append(validate.text(part.get("text"), f"{where}[{index}].text", allow_empty=True))
        value = "".join(part for part in parts if isinstance(part, str))
        if any(isinstance(part, ImagePart) for part in parts):
            return validate.text(value, where, allow_empty=True), tuple(parts)
    return validate.text(value, where, allow_empty=optional), ()


def _tool_calls(value: Any, where: str) -> tuple[ToolCall, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRequest(f"{where}.tool_calls must be a list", param=f"{where}.tool_calls")
    calls = []
    for index, call in enumerate(value):
        path = f"{where}.tool_calls[{index}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or call.get("type", "function") != "function":
            raise InvalidRequest(f"{path} must be a function call", param=path)
        calls.append(
            ToolCall(
                validate.text(call.get("id"), f"{path}.id"),
                validate.text(function.get("name"), f"{path}.function.name"),
                validate.text(function.get("arguments"), f"{path}.function.arguments", allow_empty=True),
            )
        )
    return tuple(calls)


def _tools(value: Any) -> tuple[Tool, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRequest("tools must be a list", param="tools")
    tools = []
    for index, tool in enumerate(value):
        where = f"tools[{index}]"
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or tool.get("type") != "function":
            raise InvalidRequest(f'{where} must be {{"type": "function", "function": {{...}}}}', param=where)
        tools.append(function_tool(function, f"{where}.function"))
    return tuple(tools)


def function_tool(spec: dict[str, Any], where: str) -> Tool:
    """A function tool from its {name, description, parameters} (chat nests them under `function`; Responses not)."""
    parameters = spec.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise InvalidRequest(f"{where}.parameters must be a JSON Schema object", param=f"{where}.parameters")
    description = spec.get("description")
    return Tool(
        validate.text(spec.get("name"), f"{where}.name"),
        validate.text(description, f"{where}.description") if description else None,
        parameters,
    )


def _tool_choice(value: Any, tools: tuple[Tool, ...]) -> str | None:
    if value is None:
        return None
    if not tools:
        raise InvalidRequest("tool_choice needs tools", param="tool_choice")
    if value in ("auto", "none", "required"):
        return str(value)
    function = value.get("function") if isinstance(value, dict) and value.get("type") == "function" else None
    name = function.get("name") if isinstance(function, dict) else None
    if not isinstance(name, str) or name not in {tool.name for tool in tools}:  # a list name is unhashable
        raise InvalidRequest(
            "tool_choice must be auto, none, required or one of the tools by name", param="tool_choice"
        )
    return str(name)


def _json_mode(value: Any) -> bool:
    """True for json_object and json_schema; text (or nothing) is the default."""
    kind = value.get("type") if isinstance(value, dict) else None
    if value is None or kind == "text":
        return False
    if kind in ("json_object", "json_schema"):
        return True
    raise InvalidRequest("response_format type must be text, json_object or json_schema", param="response_format")


def _json_schema(value: Any) -> JsonSchema | None:
    if not isinstance(value, dict) or value.get("type") != "json_schema":
        return None
    spec = value.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict):
        raise InvalidRequest("response_format.json_schema needs a name and a schema object", param="response_format")
    strict = spec.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise InvalidRequest("response_format.json_schema.strict must be true or false", param="response_format")
    description = spec.get("description")
    return JsonSchema(
        name=validate.text(spec.get("name"), "response_format.json_schema.name"),
        schema=spec["schema"],
        description=validate.text(description, "response_format.json_schema.description") if description else None,
        strict=strict,
    )


def _parallel_tool_calls(body: dict[str, Any], tools: tuple[Tool, ...]) -> bool | None:
    """Forwarded with tools (Generic isParallelToolCalls); without tools it changes nothing."""
    value = body.get("parallel_tool_calls")
    if value is None or not tools:
        return None
    if not isinstance(value, bool):
        raise InvalidRequest("parallel_tool_calls must be true or false", param="parallel_tool_calls")
    return value


def _chunks(reply: ChatReply, call: ChatCall, completion_id: str, created: int) -> Iterator[dict[str, Any]]:
    """The whole reply as chat.completion.chunk events: role, content, tool calls, finish, then usage."""

    def chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": call.model,
            "system_fingerprint": None,
            "choices": choices,
            **extra,
        }

    def delta(content: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return chunk([{"index": 0, "delta": content, "logprobs": None, "finish_reason": finish}])

    yield delta({"role": "assistant", "content": ""})
    if reply.reasoning:
        yield delta({"reasoning_content": reply.reasoning})
    if reply.text:
        yield delta({"content": reply.text})
    if reply.tool_calls:
        yield delta({"tool_calls": [{"index": i, **_tool_call_json(c)} for i, c in enumerate(reply.tool_calls)]})
    yield delta({}, _finish(reply))
    if call.include_usage:
        yield chunk([], usage=_usage(reply))


def _finish(reply: ChatReply) -> str:
    return "tool_calls" if reply.tool_calls else reply.finish_reason


def _tool_call_json(call: ToolCall) -> dict[str, Any]:
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


def _usage(reply: ChatReply | EmbeddingReply) -> dict[str, Any]:
    usage: dict[str, Any] = {"prompt_tokens": reply.usage.prompt_tokens, "total_tokens": reply.usage.total_tokens}
    if isinstance(reply, ChatReply):
        usage["completion_tokens"] = reply.usage.completion_tokens
        if reply.usage.reasoning_tokens is not None:
            usage["completion_tokens_details"] = {"reasoning_tokens": reply.usage.reasoning_tokens}
    return usage


def _completion_id(invocation: Invocation) -> str:
    return f"chatcmpl-{invocation.call_id or uuid.uuid4().hex}"


def _owner(model: str) -> str:
    return "oci" if model.startswith("ocid1.") else model.split(".", 1)[0]


def _encode(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "float":
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


class _OpenAIErrors:
    def render_error(self, error: ProxyError, invocation: Invocation) -> Reply:
        """OpenAI's error shape; `status` is added so a plain `fn invoke` caller can see it too."""
        detail = {
            "message": error.message,
            "type": ERROR_TYPES.get(error.status, "server_error" if error.status >= 500 else "invalid_request_error"),
            "param": error.param,
            "code": error.code,
            "status": error.status,
        }
        return json_reply(error.status, {"error": detail}, error.headers())


class ChatCompletions(_OpenAIErrors):
    """/v1/chat/completions, and a plain `fn invoke` whose body has `messages` (and no `input`)."""

    def parse(self, body: dict[str, Any], settings: Settings) -> ChatCall:
        _reject_unknown(body, CHAT_FIELDS | IGNORED_CHAT_FIELDS)
        model, api_format = validate.resolve_model(body.get("model"), settings)
        if body.get("n") is not None and (type(body["n"]) is not int or body["n"] != 1):
            raise InvalidRequest("n must be 1: the service returns one choice per request", param="n")
        if body.get("logprobs"):
            raise InvalidRequest("logprobs are not supported", param="logprobs")
        stream = _flag(body, "stream")
        options = body.get("stream_options")
        if options is not None and (
            not isinstance(options, dict) or set(options) - {"include_usage", "include_obfuscation"}
        ):
            raise InvalidRequest(
                "stream_options may only hold include_usage and include_obfuscation", param="stream_options"
            )
        modalities = body.get("modalities")
        if modalities is not None and modalities != ["text"]:
            raise InvalidRequest('modalities must be ["text"]: only text output is supported', param="modalities")
        tools = _tools(body.get("tools"))
        call = ChatCall(
            model=model,
            api_format=api_format,
            messages=_messages(body.get("messages"), FAMILIES[api_format]),
            params=validate.params(
                body, settings, api_format, max_tokens_fields=("max_tokens", "max_completion_tokens")
            ),
            tools=tools,
            tool_choice=_tool_choice(body.get("tool_choice"), tools),
            json_mode=_json_mode(body.get("response_format")),
            json_schema=_json_schema(body.get("response_format")),
            parallel_tool_calls=_parallel_tool_calls(body, tools),
            reasoning=reasoning(body, api_format),
            logit_bias=logit_bias(body, api_format),
            stream=stream,
            include_usage=bool(options and _flag(options, "include_usage", "stream_options.include_usage")),
        )
        validate.family_rules(call)
        family = FAMILIES[api_format]
        if vision(model) is False and any(msg.images for msg in call.messages):
            raise InvalidRequest(f"model {model} takes text only: send images to a vision model", param="messages")
        if call.tool_choice not in (None, "auto", "none", "required") and not family.named_tool_choice:
            raise InvalidRequest(
                f"tool_choice naming one function is not supported for {api_format} models: use auto, none or required",
                param="tool_choice",
            )
        return call

    def render(self, reply: ChatReply, call: ChatCall, invocation: Invocation) -> Reply:
        completion_id = _completion_id(invocation)
        created = int(time.time())
        if call.stream:
            events = _chunks(reply, call, completion_id, created)
            stream = b"".join(b"data: " + json_bytes(event) + b"\n\n" for event in events) + b"data: [DONE]\n\n"
            return Reply(200, stream, SSE, {"Cache-Control": "no-cache"})
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None, "refusal": None}
        if reply.tool_calls:
            message["tool_calls"] = [_tool_call_json(c) for c in reply.tool_calls]
        if reply.reasoning:
            message["reasoning_content"] = reply.reasoning
        body = {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": call.model,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(reply)}],
            "usage": _usage(reply),
            "system_fingerprint": None,
        }
        return json_reply(200, body)


class Models(_OpenAIErrors):
    """/v1/models."""

    def parse(self, body: dict[str, Any], settings: Settings) -> None:
        return None

    def render(self, models: tuple[str, ...], request: None, invocation: Invocation) -> Reply:
        """The model ids the use case lists, in OpenAI's list format."""
        data = [{"id": model, "object": "model", "created": 0, "owned_by": _owner(model)} for model in models]
        return json_reply(200, {"object": "list", "data": data})


def _dimensions(value: Any, model: str) -> int | None:
    if value is None:
        return None
    sizes = OUTPUT_DIMENSIONS.get(model)
    if sizes is None:
        raise InvalidRequest(f"dimensions is not supported by {model}: its own dimension is used", param="dimensions")
    if type(value) is not int or value not in sizes:
        raise InvalidRequest(f"dimensions must be one of {', '.join(map(str, sizes))} for {model}", param="dimensions")
    return value


def _choice(value: Any, choices: tuple[str, ...], field: str) -> str | None:
    """An OCI enum field given in either case; None when absent."""
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in choices:
        raise InvalidRequest(f"{field} must be one of {', '.join(choices)}", param=field)
    return value.upper()


class Model(_OpenAIErrors):
    """/v1/models/{model}: the router hands the path parameter over as the body."""

    def parse(self, body: dict[str, Any], settings: Settings) -> str:
        return validate.text(body.get("model"), "model")

    def render(self, model: str, request: str, invocation: Invocation) -> Reply:
        return json_reply(200, _model_json(model))


def _model_json(model: str) -> dict[str, Any]:
    return {"id": model, "object": "model", "created": 0, "owned_by": _owner(model)}


class Embeddings(_OpenAIErrors):
    """/v1/embeddings."""

    def parse(self, body: dict[str, Any], settings: Settings) -> EmbeddingCall:
        if not settings.embedding_models:
            raise RouteNotFound("embeddings are not enabled on this function: EMBEDDING_MODELS is not configured")
        _reject_unknown(body, EMBEDDING_FIELDS)
        model = validate.allowed_model(body.get("model"), settings.embedding_models)
        dimensions = _dimensions(body.get("dimensions"), model)
        input_type = _choice(body.get("input_type"), INPUT_TYPES, "input_type")
        truncate = _choice(body.get("truncate"), TRUNCATE, "truncate") or "NONE"
        encoding = body.get("encoding_format") or "float"
        if encoding not in ("float", "base64"):
            raise InvalidRequest("encoding_format must be float or base64", param="encoding_format")
        raw = body.get("input")
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not items:
            raise InvalidRequest("input must be a string or a non-empty list of strings", param="input")
        if len(items) > MAX_EMBEDDING_INPUTS:
            raise InvalidRequest(f"input accepts at most {MAX_EMBEDDING_INPUTS} texts per request", param="input")
        if not all(isinstance(item, str) for item in items):
            raise InvalidRequest("input must hold strings: token arrays are not supported", param="input")
        texts = tuple(validate.text(item, f"input[{i}]") for i, item in enumerate(items))
        return EmbeddingCall(
            model=model,
            inputs=texts,
            dimensions=dimensions,
            input_type=input_type,
            truncate=truncate,
            encoding=encoding,
        )

    def render(self, reply: EmbeddingReply, call: EmbeddingCall, invocation: Invocation) -> Reply:
        data = [
            {"object": "embedding", "index": index, "embedding": _encode(vector, call.encoding)}
            for index, vector in enumerate(reply.vectors)
        ]
        body = {"object": "list", "data": data, "model": reply.model, "usage": _usage(reply)}
        return json_reply(200, body)


CHAT = ChatCompletions()
MODELS = Models()
MODEL = Model()
EMBEDDINGS = Embeddings()
