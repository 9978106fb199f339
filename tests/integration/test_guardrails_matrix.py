"""Guardrails that hold, through the real fdk: every route x every place a text can take x {prompt injection, unsafe
content, PII}, with the README's GUARDRAILS line.

Input: blocked before any model call (the emulator received no chat, embed or rerank request, and its one
applyGuardrails request held the text), or masked in what the model received (the emulator's record of the model
request holds `<EMAIL>` where the address was, and the address nowhere). A name (a tool's, a schema's, a JSON key)
is never masked: an address there refuses the request. Output (GUARDRAILS_SCOPE=output, so the model echoes the
text unscreened): withheld with finish reason content_filter, or masked in what the caller received.

One function per configuration (module-scoped), one row per case: docs/guardrails.md "What is screened where" is
this table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from emulator.guardrails import INJECTION_MARKER, UNSAFE_MARKER
from localfn.config import rerank_config
from tests.conftest import RunningFunction, function_config
from tests.constants import COHERE_MODEL, EMBED_MODEL, LLAMA_MODEL, MODEL_OCID, RERANK_MODEL

README_GUARDRAILS = "content_moderation:block,prompt_injection:block,pii:mask"
EMAIL = "bob@example.com"
PAYLOADS = {
    "injection": f"now {INJECTION_MARKER} please",
    "unsafe": f"tell me {UNSAFE_MARKER} things",
    "pii": f"mail {EMAIL} today",
}
MASKED = "mail <EMAIL> today"
MARKERS = {"injection": INJECTION_MARKER, "unsafe": UNSAFE_MARKER, "pii": EMAIL}
VISION = "meta.llama-4-maverick-17b-128e-instruct-fp8"
"""A Generic model that takes images (catalog.VISION_PREFIXES); Cohere V2 is MODEL_OCID with API_FORMAT."""
IMAGE = "data:image/png;base64,iVBORw0KGgo="
MODELS = f"{COHERE_MODEL},{LLAMA_MODEL},{VISION},{MODEL_OCID}"
MODEL_CALLS = ("/actions/chat", "/actions/embedText", "/actions/rerankText")


@dataclass(frozen=True)
class Place:
    """Where a text goes: `body(text)` builds the route's request with `text` in that place."""

    route: str
    place: str
    body: Callable[[str], dict[str, Any]]
    name: bool = False
    """A name (never masked): an address there refuses the request."""


URLS = {
    "simple": "/genai/chat",
    "chat": "/genai/v1/chat/completions",
    "stream": "/genai/v1/chat/completions",
    "responses": "/genai/v1/responses",
    "responses_stream": "/genai/v1/responses",
    "embeddings": "/genai/v1/embeddings",
    "rerank": "/genai/v1/rerank",
}
"""Each route's gateway path; `plain` and `plain_openai` are plain `fn invoke`s (no gateway headers)."""


def _tool(name: str = "lookup", description: str = "Look an order up", q: dict[str, Any] | None = None) -> dict:
    parameters = {"type": "object", "properties": {"q": q or {"type": "string"}}, "required": ["q"]}
    return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}


def _schema_format(name: str = "answer", description: str = "The answer", inner: str = "the text") -> dict:
    schema = {"type": "object", "properties": {"a": {"type": "string", "description": inner}}}
    return {"type": "json_schema", "json_schema": {"name": name, "description": description, "schema": schema}}


def _call(arguments: str) -> dict[str, Any]:
    return {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": arguments}}


def chat_places(route: str, model: str = VISION, label: str = "") -> list[Place]:
    """Every place of a chat completion (and a plain invoke in its shape) where text goes."""

    def body(messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        stream = {"stream": True} if route == "stream" else {}
        return {"model": model, "messages": messages, **stream, **extra}

    user = {"role": "user", "content": "hello"}
    history = [{"role": "user", "content": "find it"}]
    tool_turns = [*history, {"role": "assistant", "content": None, "tool_calls": [_call('{"q": "x"}')]}]
    cases: list[tuple[str, Callable[[str], dict[str, Any]], bool]] = [
        ("system message", lambda t: body([{"role": "system", "content": t}, user]), False),
        ("developer message", lambda t: body([{"role": "developer", "content": t}, user]), False),
        ("user message", lambda t: body([{"role": "user", "content": t}]), False),
        (
            "user text part beside an image",
            lambda t: body(
                [
                    {
                        "role": "user",
                        "content": [{"type": "text", "text": t}, {"type": "image_url", "image_url": {"url": IMAGE}}],
                    }
                ]
            ),
            False,
        ),
        ("assistant message", lambda t: body([*history, {"role": "assistant", "content": t}, user]), False),
        (
            "assistant tool_call arguments",
            lambda t: body(
                [
                    *history,
                    {"role": "assistant", "content": None, "tool_calls": [_call(json.dumps({"q": t}))]},
                    {"role": "tool", "tool_call_id": "call_1", "content": "found"},
                ],
                tools=[_tool()],
            ),
            False,
        ),
        (
            "tool result",
            lambda t: body([*tool_turns, {"role": "tool", "tool_call_id": "call_1", "content": t}], tools=[_tool()]),
            False,
        ),
        ("tool name", lambda t: body([user], tools=[_tool(name=t)]), True),
        ("tool description", lambda t: body([user], tools=[_tool(description=t)]), False),
        (
            "tool parameter description",
            lambda t: body([user], tools=[_tool(q={"type": "string", "description": t})]),
            False,
        ),
        ("tool parameter enum", lambda t: body([user], tools=[_tool(q={"type": "string", "enum": [t]})]), False),
        (
            "tool parameter name (a JSON key)",
            lambda t: body(
                [user], tools=[{"type": "function", "function": {"name": "f", "parameters": {"properties": {t: {}}}}}]
            ),
            True,
        ),
        ("response_format name", lambda t: body([user], response_format=_schema_format(name=t)), True),
        ("response_format description", lambda t: body([user], response_format=_schema_format(description=t)), False),
        ("response_format schema text", lambda t: body([user], response_format=_schema_format(inner=t)), False),
    ]
    if label:  # another family: the places whose SDK shape differs
        wanted = ("user text part beside an image", "assistant tool_call arguments", "tool result", "tool description")
        cases = [case for case in cases if case[0] in wanted]
    return [Place(route, f"{place}{label}", build, name) for place, build, name in cases]


def responses_places(route: str) -> list[Place]:
    def body(items: Any, **extra: Any) -> dict[str, Any]:
        stream = {"stream": True} if route == "responses_stream" else {}
        return {"model": VISION, "input": items, **stream, **extra}

    def tool(name: str = "lookup", description: str = "Look an order up", inner: str = "the query") -> dict:
        schema = {"type": "object", "properties": {"q": {"type": "string", "description": inner}}}
        return {"type": "function", "name": name, "description": description, "parameters": schema}

    def text_format(name: str = "answer", description: str = "The answer", inner: str = "the text") -> dict:
        schema = {"type": "object", "properties": {"a": {"type": "string", "description": inner}}}
        return {"format": {"type": "json_schema", "name": name, "description": description, "schema": schema}}

    call = {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": '{"q": "x"}'}
    cases: list[tuple[str, Callable[[str], dict[str, Any]], bool]] = [
        ("instructions", lambda t: body("hello", instructions=t), False),
        ("input string", lambda t: body(t), False),
        (
            "input message text",
            lambda t: body([{"role": "user", "content": [{"type": "input_text", "text": t}]}]),
            False,
        ),
        (
            "developer message",
            lambda t: body([{"role": "developer", "content": t}, {"role": "user", "content": "hi"}]),
            False,
        ),
        (
            "input_text beside an input_image",
            lambda t: body(
                [
                    {
                        "role": "user",
                        "content": [{"type": "input_text", "text": t}, {"type": "input_image", "image_url": IMAGE}],
                    }
                ]
            ),
            False,
        ),
        (
            "assistant output_text",
            lambda t: body(
                [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": [{"type": "output_text", "text": t}]},
                    {"role": "user", "content": "and?"},
                ]
            ),
            False,
        ),
        (
            "function_call arguments",
            lambda t: body(
                [
                    {"role": "user", "content": "find it"},
                    {**call, "arguments": json.dumps({"q": t})},
                    {"type": "function_call_output", "call_id": "call_1", "output": "found"},
                ],
                tools=[tool()],
            ),
            False,
        ),
        (
            "function_call_output",
            lambda t: body(
                [
                    {"role": "user", "content": "find it"},
                    call,
                    {"type": "function_call_output", "call_id": "call_1", "output": t},
                ],
                tools=[tool()],
            ),
            False,
        ),
        ("tool name", lambda t: body("hello", tools=[tool(name=t)]), True),
        ("tool description", lambda t: body("hello", tools=[tool(description=t)]), False),
        ("tool parameter description", lambda t: body("hello", tools=[tool(inner=t)]), False),
        ("text.format name", lambda t: body("hello", text=text_format(name=t)), True),
        ("text.format description", lambda t: body("hello", text=text_format(description=t)), False),
        ("text.format schema text", lambda t: body("hello", text=text_format(inner=t)), False),
    ]
    return [Place(route, place, build, name) for place, build, name in cases]


def simple_places(route: str) -> list[Place]:
    return [
        Place(route, "input", lambda t: {"input": t}),
        Place(route, "system", lambda t: {"input": "hi", "system": t}),
        Place(
            route,
            "history user turn",
            lambda t: {
                "input": "hi",
                "history": [{"role": "user", "content": t}, {"role": "assistant", "content": "ok"}],
            },
        ),
        Place(
            route,
            "history assistant turn",
            lambda t: {
                "input": "hi",
                "history": [{"role": "user", "content": "yo"}, {"role": "assistant", "content": t}],
            },
        ),
    ]


INPUT_PLACES = [
    *simple_places("simple"),
    *simple_places("plain"),
    *chat_places("chat"),
    *chat_places("chat", MODEL_OCID, " (Cohere V2)"),
    Place(
        "chat",
        "user message (Cohere V1)",
        lambda t: {"model": COHERE_MODEL, "messages": [{"role": "user", "content": t}]},
    ),
    *chat_places("stream"),
    *chat_places("plain_openai"),
    *responses_places("responses"),
    *responses_places("responses_stream"),
    Place("embeddings", "input string", lambda t: {"model": EMBED_MODEL, "input": t}),
    Place("embeddings", "input list item", lambda t: {"model": EMBED_MODEL, "input": ["plain", t]}),
    Place("rerank", "query", lambda t: {"model": RERANK_MODEL, "query": t, "documents": ["a", "b"]}),
    Place("rerank", "document string", lambda t: {"model": RERANK_MODEL, "query": "q", "documents": ["a", t]}),
    Place("rerank", "document object", lambda t: {"model": RERANK_MODEL, "query": "q", "documents": [{"text": t}]}),
]


def send(function: RunningFunction, route: str, body: dict[str, Any]) -> tuple[int, bytes]:
    """(status, body): the HTTP status through the gateway, the body's `status` on a plain invoke (or 200)."""
    if route in ("plain", "plain_openai"):
        reply = function.invoke(body)
        error = json.loads(reply.body).get("error") if reply.body.startswith(b'{"error"') else None
        return (int(error.get("status", 400)) if error else 200), reply.body
    headers = {"Accept": "application/json"} if route == "simple" else None
    reply = function.invoke(body, gateway=True, url=URLS[route], headers=headers)
    return reply.status, reply.body


def error_code(route: str, body: bytes) -> str:
    error = json.loads(body)["error"]
    return str(error["type"] if route in ("simple", "plain") else error["code"])


def model_requests(emulator: Any) -> list[str]:
    return [r.body.decode() for r in emulator.requests if r.path.endswith(MODEL_CALLS)]


def screenings(emulator: Any) -> list[str]:
    return [r.json["input"]["content"] for r in emulator.requests if r.path.endswith("/actions/applyGuardrails")]


@pytest.fixture(scope="module")
def screened_input(start_module_function, emulator) -> RunningFunction:
    config = function_config(
        emulator, GUARDRAILS=README_GUARDRAILS, ALLOWED_MODELS=MODELS, API_FORMAT="COHEREV2", **rerank_config()
    )
    return start_module_function(config)


@pytest.mark.parametrize("check", sorted(PAYLOADS))
@pytest.mark.parametrize("place", INPUT_PLACES, ids=lambda p: f"{p.route}: {p.place}")
def test_input_is_blocked_before_the_model_or_masked_in_what_it_receives(
    screened_input: RunningFunction, emulator: Any, place: Place, check: str
) -> None:
    emulator.reset()
    status, body = send(screened_input, place.route, place.body(PAYLOADS[check]))
    sent = model_requests(emulator)
    assert len(screenings(emulator)) == 1, "one applyGuardrails call per request"
    assert MARKERS[check] in screenings(emulator)[0], "the text was screened"
    if check != "pii" or place.name:
        assert (status, error_code(place.route, body)) == (400, "content_filter"), body[:300]
        assert sent == [], "nothing reached the model"
        assert MARKERS[check].encode() not in body, "the refusal never echoes the text"
        return
    assert status == 200, body[:300]
    assert len(sent) == 1 and EMAIL not in sent[0], "the model never saw the address"
    assert MASKED in sent[0], "the model saw the masked text in its place"
    if "image" in place.place:
        assert IMAGE in sent[0], "the image went on beside the masked text"


# --- output --------------------------------------------------------------------------------------------------------


def _output_tool(name: str = "lookup", const: str = "x") -> dict[str, Any]:
    return _tool(name=name, q={"type": "string", "const": const})


def output_places(route: str) -> list[Place]:
    """Where the model's text comes back: its reply text, reasoning, a tool call's arguments and name. The emulated
    model echoes the last user message (docs/emulator.md), so the text is placed there or in a tool's `const`."""
    if route in ("simple", "plain"):
        return [Place(route, "reply text", lambda t: {"input": t})]
    responses = route.startswith("responses")
    stream = {"stream": True} if route in ("stream", "responses_stream") else {}

    def body(user: str, tools: list[dict[str, Any]] | None = None, reasoning: bool = False) -> dict[str, Any]:
        extra: dict[str, Any] = dict(stream)
        if tools:
            extra["tools"] = [{"type": "function", **t["function"]} for t in tools] if responses else tools
        if reasoning:  # the reply cut to 3 words ("Emulated reply to:"): only the reasoning holds the text
            extra.update({"reasoning": {"effort": "low"}, "max_output_tokens": 3} if responses else {})
            extra.update({} if responses else {"reasoning_effort": "low", "max_tokens": 3})
        if responses:
            return {"model": VISION, "input": user, **extra}
        return {"model": VISION, "messages": [{"role": "user", "content": user}], **extra}

    return [
        Place(route, "reply text", lambda t: body(t)),
        Place(route, "reasoning", lambda t: body(t, reasoning=True)),
        Place(route, "tool call arguments", lambda t: body("weather?", [_output_tool(const=t)])),
        Place(route, "tool call name", lambda t: body("weather?", [_output_tool(name=t)]), name=True),
    ]


OUTPUT_PLACES = [
    place
    for route in ("simple", "plain", "chat", "stream", "plain_openai", "responses", "responses_stream")
    for place in output_places(route)
]


@pytest.fixture(scope="module")
def screened_output(start_module_function, emulator) -> RunningFunction:
    config = function_config(
        emulator, GUARDRAILS=README_GUARDRAILS, GUARDRAILS_SCOPE="output", ALLOWED_MODELS=MODELS, API_FORMAT="COHEREV2"
    )
    return start_module_function(config)


def _events(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: {")]


def what_the_caller_reads(route: str, body: bytes) -> tuple[str, str]:
    """(the model's words as the caller receives them, the finish reason). Responses' echo of the request (its
    tools, instructions) is the caller's own text, so only its output items and output events count."""
    if route == "stream":
        choices = [event["choices"][0] for event in _events(body) if event["choices"]]
        return json.dumps(choices), [c["finish_reason"] for c in choices if c["finish_reason"]][-1]
    if route in ("chat", "plain_openai"):
        parsed = json.loads(body)
        return json.dumps(parsed["choices"]), parsed["choices"][0]["finish_reason"]
    if route.startswith("responses"):
        events = _events(body) if route == "responses_stream" else []
        final = events[-1]["response"] if events else json.loads(body)
        words = [event for event in events if "response" not in event] + final["output"]
        return json.dumps(words), (final.get("incomplete_details") or {}).get("reason") or final["status"]
    if route == "plain":
        return body.decode(), ""
    parsed = json.loads(body)
    return parsed["text"] + json.dumps(parsed.get("reasoning_content")), parsed["finish_reason"]


@pytest.mark.parametrize("check", sorted(PAYLOADS))
@pytest.mark.parametrize("place", OUTPUT_PLACES, ids=lambda p: f"{p.route}: {p.place}")
def test_output_is_withheld_or_masked_before_it_leaves(
    screened_output: RunningFunction, emulator: Any, place: Place, check: str
) -> None:
    emulator.reset()
    status, body = send(screened_output, place.route, place.body(PAYLOADS[check]))
    assert status == 200, body[:300]
    words, finish = what_the_caller_reads(place.route, body)
    assert MARKERS[check] in model_requests(emulator)[0], "scope output: the model received the text unscreened"
    assert any(MARKERS[check] in text for text in screenings(emulator)), "the reply was screened"
    assert MARKERS[check] not in words, "the model's text never reaches the caller"
    if check != "pii" or place.name:
        if place.route != "plain":
            assert finish == "content_filter"
        return
    assert "<EMAIL>" in words
