"""Build the service's reply bodies (camelCase, as the SDK models' `attribute_map` names them).

Replies are deterministic so tests can assert on exact text, token counts and vectors.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from emulator.cohere_v1 import tool_schema
from emulator.schema_example import example_value
from emulator.story import story_words

REPLY_PREFIX = "Emulated reply to: "
MAX_ECHO_CHARS = 200
COHERE_MODEL_VERSION = "1.6"
GENERIC_MODEL_VERSION = "1.0.0"
EMBED_MODEL_VERSION = "4.0"
FINISH_REASONS = {
    "COHERE": ("COMPLETE", "MAX_TOKENS"),
    "COHEREV2": ("COMPLETE", "MAX_TOKENS"),
    "GENERIC": ("stop", "length"),
}
"""apiFormat -> (finished normally, cut at maxTokens)."""
TOOL_TRIGGER = re.compile(r"\bweather\b", re.IGNORECASE)
"""A user message with this word gets a tool call when tools are offered (docs/emulator.md lists every trigger)."""


@dataclass(frozen=True)
class Completion:
    """What the emulated model 'said', independent of the wire format."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    truncated: bool
    tool_name: str | None = None
    tool_arguments: str = "{}"
    """The call's arguments as JSON text: an example value of the tool's own parameter schema."""
    more_calls: tuple[tuple[str, str], ...] = ()
    """Further calls of the same turn, (name, arguments) each: the message names several offered tools."""
    reasoning: str | None = None
    """Reasoning text, when the request asked a reasoning model to think (counted in completion tokens)."""
    cited: tuple[str, ...] = ()
    """Ids of the request's documents the reply cites (the echoed question, after REPLY_PREFIX, cites them all)."""
    cached_tokens: int = 0
    """Of prompt_tokens, those read from the prompt cache (emulator/prompt_cache.py)."""

    def usage(self) -> dict[str, Any]:
        """The SDK's Usage (every format's reply carries the same class): `promptTokensDetails.cachedTokens` when
        part of the prompt came from the cache, `completionTokensDetails.reasoningTokens` when the model reasoned."""
        usage: dict[str, Any] = {
            "promptTokens": self.prompt_tokens,
            "completionTokens": self.completion_tokens,
            "totalTokens": self.prompt_tokens + self.completion_tokens,
        }
        if self.cached_tokens:
            usage["promptTokensDetails"] = {"cachedTokens": self.cached_tokens}
        if self.reasoning is not None:
            usage["completionTokensDetails"] = {"reasoningTokens": _words(self.reasoning)}
        return usage


def _words(text: str) -> int:
    return len(text.split())


def _generic_text(message: dict[str, Any]) -> str:
    return " ".join(part.get("text", "") for part in message.get("content") or [] if part.get("type") == "TEXT")


def _cohere_inputs(request: dict[str, Any]) -> tuple[str, list[str]]:
    """The question (the message, or with tool results the last USER turn's) and every text of the request."""
    history = request.get("chatHistory") or []
    texts = [turn.get("message") or "" for turn in history]
    question = request["message"]
    if not question.strip():
        users = [turn.get("message") or "" for turn in history if turn["role"] == "USER"]
        question = users[-1] if users else ""
    return question, [*texts, request["message"]]


def _generic_inputs(request: dict[str, Any]) -> tuple[str, list[str]]:
    texts = [_generic_text(m) for m in request["messages"]]
    users = [_generic_text(m) for m in request["messages"] if m["role"] == "USER"]
    return (users[-1] if users else ""), texts


def _cohere_v2_inputs(request: dict[str, Any]) -> tuple[str, list[str]]:
    texts = [_generic_text(m) for m in request["messages"]]
    users = [_generic_text(m) for m in request["messages"] if m["role"] == "USER"]
    return (users[-1] if users else ""), texts


def _tools(request: dict[str, Any]) -> dict[str, Any]:
    """Offered function name -> its parameter schema: Generic tools carry `name`, Cohere V2 tools `function.name`,
    Cohere V1 tools `name` and `parameterDefinitions` (read as the JSON schema they describe)."""
    tools: dict[str, Any] = {}
    for tool in request.get("tools") or []:
        if request["apiFormat"] == "COHERE":
            tools[tool["name"]] = tool_schema(tool)
            continue
        function = tool if tool.get("name") else tool.get("function") or {}
        if isinstance(function.get("name"), str):
            tools[function["name"]] = function.get("parameters")
    return tools


def _answered_tools(request: dict[str, Any]) -> bool:
    """The conversation ends with tool results (V1: `toolResults`; V2 and Generic: a TOOL message last)."""
    if request["apiFormat"] == "COHERE":
        return bool(request.get("toolResults"))
    return bool(request["messages"][-1]["role"] == "TOOL")


def _document_ids(request: dict[str, Any]) -> tuple[str, ...]:
    """The ids of the request's documents: their `id`, else `doc_<position>` (Cohere's own default)."""
    ids = []
    for index, document in enumerate(request.get("documents") or []):
        identifier = document.get("id") if isinstance(document, dict) else None
        ids.append(identifier if isinstance(identifier, str) else f"doc_{index}")
    return tuple(ids)


def _called_tools(request: dict[str, Any], last_user: str) -> list[tuple[str, Any]]:
    """The tools the emulated model calls, if any, each with its parameter schema.

    It calls when tools are offered, the choice is not NONE, the conversation does not end in a tool's result
    (after it, the model answers in text, as an agent loop needs), and the choice forces a call (REQUIRED, or a
    named function) or the last user message has the word "weather" or an offered tool's name. The tool is the
    named one, else every one whose name the message mentions (several calls in one turn, as a model calls tools
    in parallel), else the first offered.
    """
    tools = _tools(request)
    choice = request.get("toolChoice") or {}
    kind = choice.get("type") or request.get("toolsChoice")
    if not tools or kind == "NONE" or _answered_tools(request):
        return []
    if kind == "FUNCTION" and choice.get("name") in tools:
        return [(choice["name"], tools[choice["name"]])]
    mentioned = [name for name in tools if name and re.search(rf"\b{re.escape(name)}\b", last_user, re.IGNORECASE)]
    if kind == "REQUIRED" or mentioned or TOOL_TRIGGER.search(last_user):
        return [(name, tools[name]) for name in mentioned or [next(iter(tools))]]
    return []


def _json_reply(request: dict[str, Any], last_user: str) -> str | None:
    """The reply's text when the request asks for JSON (responseFormat JSON_OBJECT, or JSON_SCHEMA with a schema).

    A last user message that is itself a JSON object is answered as is, so a test picks the exact reply; otherwise
    an example value of the schema (Generic `jsonSchema.schema`, Cohere `schema`), or an object holding the usual
    echo when no schema is given.
    """
    response_format = request.get("responseFormat") or {}
    kind = response_format.get("type")
    if kind not in ("JSON_OBJECT", "JSON_SCHEMA"):
        return None
    if _json_text(last_user):
        return last_user
    if kind == "JSON_SCHEMA":
        schema = (response_format.get("jsonSchema") or {}).get("schema")
    else:
        schema = response_format.get("schema")
    if isinstance(schema, dict):
        return json.dumps(example_value(schema))
    return json.dumps({"reply": REPLY_PREFIX + last_user[:MAX_ECHO_CHARS]})


def _arguments(parameters: Any) -> str:
    """The arguments a call sends: an example of the tool's parameter schema (an object, as clients expect)."""
    if not isinstance(parameters, dict) or not parameters:
        return "{}"
    return json.dumps(example_value(parameters))


def _json_text(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return text.lstrip().startswith("{")


def prompt_texts(request: dict[str, Any]) -> tuple[str, list[str]]:
    """(the question the model answers, every text of the prompt in order) of a validated chatRequest."""
    api_format = request["apiFormat"]
    if api_format == "COHERE":
        return _cohere_inputs(request)
    if api_format == "COHEREV2":
        return _cohere_v2_inputs(request)
    return _generic_inputs(request)


def complete(request: dict[str, Any]) -> Completion:
    """Answer a validated chatRequest: echo the last user message, cut at maxTokens words."""
    last_user, inputs = prompt_texts(request)
    prompt_tokens = max(1, sum(_words(text) for text in inputs))
    called = _called_tools(request, last_user)
    if called:
        (name, parameters), *more = called
        return Completion(
            "",
            prompt_tokens,
            8 * len(called),
            False,
            tool_name=name,
            tool_arguments=_arguments(parameters),
            more_calls=tuple((other, _arguments(schema)) for other, schema in more),
        )
    json_reply = _json_reply(request, last_user)
    if json_reply is not None:  # never cut at maxTokens: a client parses it
        return Completion(json_reply, prompt_tokens, _words(json_reply), False)
    words = (REPLY_PREFIX + last_user[:MAX_ECHO_CHARS]).split() + story_words(last_user)
    limit = request.get("maxTokens") or request.get("maxCompletionTokens")
    truncated = limit is not None and limit < len(words)
    if truncated:
        words = words[:limit]
    thought = _thought(request, last_user)
    cited = _document_ids(request) if not truncated and last_user.strip() else ()
    if thought is not None:
        return Completion(
            " ".join(words), prompt_tokens, len(words) + _words(thought), truncated, reasoning=thought, cited=cited
        )
    return Completion(" ".join(words), prompt_tokens, len(words), truncated, cited=cited)


def _thought(request: dict[str, Any], last_user: str) -> str | None:
    """Reasoning text when asked for: Generic reasoningEffort other than NONE, Cohere V2 thinking ENABLED."""
    effort = request.get("reasoningEffort")
    thinking = (request.get("thinking") or {}).get("type")
    if (effort and effort != "NONE") or thinking == "ENABLED":
        return "Thinking about: " + last_user[:MAX_ECHO_CHARS]
    return None


def huge_completion(request: dict[str, Any], megabytes: float) -> Completion:
    """A reply whose text is `megabytes` MB (10**6 bytes) of 1 KB words, so a streamed reply stays few events."""
    size = int(megabytes * 1_000_000)
    word = "x" * 1023 + " "
    text = (word * (size // len(word) + 1))[:size]
    return Completion(text, complete(request).prompt_tokens, size // len(word) + 1, False)


def echoed_history(entries: int) -> list[dict[str, str]]:
    """`entries` alternating USER / CHATBOT turns, as Cohere V1 echoes a long `chatHistory` in its reply."""
    return [{"role": "USER" if i % 2 == 0 else "CHATBOT", "message": f"turn {i}"} for i in range(entries)]


def _tool_calls(completion: Completion) -> list[dict[str, Any]]:
    """Every call of the turn (Generic's shape), each with an id of its own."""
    calls = [(str(completion.tool_name), completion.tool_arguments), *completion.more_calls]
    return [
        {
            "id": "call_" + hashlib.sha256(completion.text.encode() + name.encode()).hexdigest()[:24],
            "type": "FUNCTION",
            "name": name,
            "arguments": arguments,
        }
        for name, arguments in calls
    ]


def _cited_span(completion: Completion) -> tuple[int, int, str]:
    """The part of the reply that cites the documents: the echoed question after REPLY_PREFIX."""
    start = len(REPLY_PREFIX)
    return start, len(completion.text), completion.text[start:]


def cohere_chat_response(request: dict[str, Any], completion: Completion) -> dict[str, Any]:
    """CohereChatResponse: the text (or V1 tool calls: name and parameters, no id), citations of the documents, and
    the request's chatHistory and documents echoed back, as the service does."""
    done, cut = FINISH_REASONS["COHERE"]
    history = list(request.get("chatHistory") or [])
    if request.get("message"):
        history.append({"role": "USER", "message": request["message"]})
    elif request.get("toolResults"):
        history.append({"role": "TOOL", "toolResults": request["toolResults"]})
    reply: dict[str, Any] = {"apiFormat": "COHERE", "text": completion.text}
    if completion.tool_name:
        calls = [{"name": c["name"], "parameters": json.loads(c["arguments"])} for c in _tool_calls(completion)]
        reply["toolCalls"] = calls
        history.append({"role": "CHATBOT", "message": completion.text, "toolCalls": calls})
    else:
        history.append({"role": "CHATBOT", "message": completion.text})
    if completion.cited:
        start, end, text = _cited_span(completion)
        reply["citations"] = [{"start": start, "end": end, "text": text, "documentIds": list(completion.cited)}]
    if request.get("documents"):
        reply["documents"] = request["documents"]
    return {
        **reply,
        "chatHistory": history,
        "finishReason": cut if completion.truncated else done,
        "usage": completion.usage(),
    }


def cohere_v2_chat_response(completion: Completion) -> dict[str, Any]:
    """CohereChatResponseV2: one assistant message with text content (citing the documents) or tool calls (function
    as an object)."""
    done, cut = FINISH_REASONS["COHEREV2"]
    message: dict[str, Any] = {"role": "ASSISTANT"}
    if completion.tool_name:
        calls = _tool_calls(completion)
        message["toolPlan"] = "I will call " + ", ".join(call["name"] for call in calls) + "."
        message["toolCalls"] = [
            {"id": call["id"], "type": "FUNCTION", "function": {"name": call["name"], "arguments": call["arguments"]}}
            for call in calls
        ]
        finish = "TOOL_CALL"
    else:
        message["content"] = [{"type": "TEXT", "text": completion.text}]
        finish = cut if completion.truncated else done
    if completion.reasoning is not None:
        message["content"] = [{"type": "THINKING", "thinking": completion.reasoning}, *message.get("content", [])]
    if completion.cited:
        start, end, text = _cited_span(completion)
        sources = [{"type": "DOCUMENT", "document": {"id": identifier}} for identifier in completion.cited]
        at = len(message["content"]) - 1  # the TEXT part, after any THINKING part
        message["citations"] = [
            {"start": start, "end": end, "text": text, "contentIndex": at, "type": "TEXT_CONTENT", "sources": sources}
        ]
    return {
        "apiFormat": "COHEREV2",
        "id": str(uuid.uuid4()),
        "message": message,
        "finishReason": finish,
        "usage": completion.usage(),
    }


def generic_chat_response(completion: Completion) -> dict[str, Any]:
    done, cut = FINISH_REASONS["GENERIC"]
    if completion.tool_name:
        message: dict[str, Any] = {"role": "ASSISTANT", "toolCalls": _tool_calls(completion)}
        finish = "tool_calls"
    else:
        message = {"role": "ASSISTANT", "content": [{"type": "TEXT", "text": completion.text}]}
        finish = cut if completion.truncated else done
    if completion.reasoning is not None:
        message["reasoningContent"] = completion.reasoning
    return {
        "apiFormat": "GENERIC",
        "timeCreated": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "choices": [{"index": 0, "message": message, "finishReason": finish, "logprobs": {}}],
        "usage": completion.usage(),
    }


def chat_result(model_id: str, api_format: str, request: dict[str, Any], completion: Completion) -> dict[str, Any]:
    """ChatResult in `api_format`; pass the other format to emulate a mismatched upstream."""
    if api_format == "COHERE":
        return {
            "modelId": model_id,
            "modelVersion": COHERE_MODEL_VERSION,
            "chatResponse": cohere_chat_response(request, completion),
        }
    if api_format == "COHEREV2":
        return {
            "modelId": model_id,
            "modelVersion": COHERE_MODEL_VERSION,
            "chatResponse": cohere_v2_chat_response(completion),
        }
    return {
        "modelId": model_id,
        "modelVersion": GENERIC_MODEL_VERSION,
        "chatResponse": generic_chat_response(completion),
    }


def embedding(text: str, dimension: int) -> list[float]:
    """A unit vector seeded from sha256(text): same text, same vector, in any process."""
    rng = random.Random(hashlib.sha256(text.encode("utf-8")).digest())
    vector = [rng.gauss(0.0, 1.0) for _ in range(dimension)]
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [round(v / norm, 6) for v in vector]


def embed_result(model_id: str, details: dict[str, Any], dimension: int) -> dict[str, Any]:
    inputs = details["inputs"]
    tokens = max(1, sum(_words(text) for text in inputs))
    result: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "embeddings": [embedding(text, dimension) for text in inputs],
        "modelId": model_id,
        "modelVersion": EMBED_MODEL_VERSION,
        "usage": {"promptTokens": tokens, "totalTokens": tokens},
    }
    if details.get("isEcho"):
        result["inputs"] = inputs
    return result


LOAD_BALANCER_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
