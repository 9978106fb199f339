"""One contract, two edges: every route and every error answered the same by the fdk edge (the function behind the
API Gateway) and the streaming edge (uvicorn): status, body (ids and timestamps aside), error shape and headers.

Each case sends the same request to both and compares; each also states the status it expects, so two edges broken
the same way still fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from emulator import Emulator
from genai_fn.http import OVERHEAD_HEADER
from localfn.config import COHERE_MODEL, EMBED_MODEL, LLAMA_MODEL, RERANK_MODEL
from tests.edges.conftest import Answer, Edge, EdgePool, edge_config

OPENAI = "/genai/v1"
TRANSPORT_HEADERS = frozenset(
    {"date", "server", "content-length", "connection", "transfer-encoding", "keep-alive", "cache-control"}
)
"""Set by each HTTP server for itself, not by the function."""
STREAM_ONLY_HEADERS = frozenset({"x-accel-buffering"})
"""The streaming edge's hint to proxies on a stream (genai_fn/edges/asgi.py)."""
VARYING_HEADERS = frozenset({"x-request-id", "opc-request-id", "x-genai-overhead-ms"})
"""Present on both, different on every call."""
TIMESTAMP = re.compile(rb'"(created|created_at|completed_at)":\s*[0-9.]+')


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    before: Callable[[Emulator], None] | None = None
    """Arms the emulator before each edge's request (a fault is used up by one call)."""


CHAT = {"input": "Hi"}
COMPLETION = {"model": COHERE_MODEL, "messages": [{"role": "user", "content": "Hi"}]}
CASES = [
    Case("chat", "POST", "/genai/chat", 200, CHAT),
    Case("chat as JSON", "POST", "/genai/chat", 200, CHAT, {"accept": "application/json"}),
    Case("chat completions", "POST", f"{OPENAI}/chat/completions", 200, COMPLETION),
    Case("chat completions, Llama", "POST", f"{OPENAI}/chat/completions", 200, {**COMPLETION, "model": LLAMA_MODEL}),
    Case(
        "chat completions, stream",
        "POST",
        f"{OPENAI}/chat/completions",
        200,
        {**COMPLETION, "messages": [{"role": "user", "content": "Tell me a story"}], "stream": True},
    ),
    Case(
        "responses, stream",
        "POST",
        f"{OPENAI}/responses",
        200,
        {"model": COHERE_MODEL, "input": "Tell me a story", "store": False, "stream": True},
    ),
    Case("chat, stream", "POST", "/genai/chat", 200, {"input": "Tell me a story", "stream": True}),
    Case("responses", "POST", f"{OPENAI}/responses", 200, {"model": COHERE_MODEL, "input": "Hi", "store": False}),
    Case("embeddings", "POST", f"{OPENAI}/embeddings", 200, {"model": EMBED_MODEL, "input": ["a", "b"]}),
    Case(
        "rerank",
        "POST",
        f"{OPENAI}/rerank",
        200,
        {"model": RERANK_MODEL, "query": "q", "documents": ["a", "b"]},
    ),
    Case("models", "GET", f"{OPENAI}/models", 200),
    Case("model", "GET", f"{OPENAI}/models/{COHERE_MODEL}", 200),
    Case("unknown model", "GET", f"{OPENAI}/models/nope", 404),
    Case("bad JSON", "POST", f"{OPENAI}/chat/completions", 400, b"{not json"),
    Case("bad field", "POST", f"{OPENAI}/chat/completions", 400, {**COMPLETION, "temperature": "hot"}),
    Case("model not allowed", "POST", f"{OPENAI}/chat/completions", 400, {**COMPLETION, "model": "x.y"}),
    Case("no route", "POST", "/genai/nowhere", 404, CHAT),
    Case("legacy completions", "POST", f"{OPENAI}/completions", 404, {"prompt": "Hi"}),
    Case("wrong method", "GET", f"{OPENAI}/chat/completions", 405),
    Case("body over the limit", "POST", "/genai/chat", 413, {"input": "x" * 30000}),
    Case(
        "service busy",
        "POST",
        f"{OPENAI}/chat/completions",
        429,
        COMPLETION,
        before=lambda emu: emu.fail_next(429, headers={"retry-after": "7"}),
    ),
    Case(
        "service error",
        "POST",
        "/genai/chat",
        502,
        CHAT,
        before=lambda emu: emu.fail_next(500, "InternalServerError", "boom"),
    ),
]


def normalized(answer: Answer) -> tuple[int, dict[str, str], bytes]:
    """Status, the function's own headers (values that vary per call blanked) and the body with this call's ids
    and timestamps blanked."""
    body = answer.body
    for name in ("x-request-id", "opc-request-id"):
        if answer.headers.get(name):
            body = body.replace(answer.headers[name].encode(), f"<{name}>".encode())
    body = TIMESTAMP.sub(rb'"\1":0', body)
    ignored = TRANSPORT_HEADERS | STREAM_ONLY_HEADERS
    headers = {
        name: ("<varies>" if name in VARYING_HEADERS else value)
        for name, value in answer.headers.items()
        if name not in ignored
    }
    return answer.status, headers, body


def events(body: bytes) -> list[Any]:
    """A stream's `data:` events (`[DONE]` as the string)."""
    datas = [line[len(b"data: ") :] for line in body.split(b"\n") if line.startswith(b"data: ")]
    return [data.decode() if data == b"[DONE]" else json.loads(data) for data in datas]


def merged(body: bytes) -> bytes:
    """A stream with its text deltas joined: a live stream and a buffered one differ only in how the text is cut
    into chunks. Chat completions: the deltas joined into the first; Responses: its event types in order (repeats
    of one collapsed) and its final response; the simple contract's plain text is the same bytes either way."""
    if body.startswith(b"event: "):
        typed = events(body)
        kinds = [event["type"] for i, event in enumerate(typed) if i == 0 or event["type"] != typed[i - 1]["type"]]
        final = {name: value for name, value in typed[-1].items() if name != "sequence_number"}
        return json.dumps([kinds, final]).encode()
    if not body.startswith(b"data: "):
        return body
    out: list[Any] = []
    for event in events(body):
        delta = event["choices"][0]["delta"] if isinstance(event, dict) and event.get("choices") else None
        last = out[-1]["choices"][0]["delta"] if out and isinstance(out[-1], dict) and out[-1].get("choices") else None
        if delta is not None and last is not None and set(delta) == {"content"} and "content" in last:
            last["content"] += delta["content"]
        else:
            out.append(event)
    return json.dumps(out).encode()


def both(edges: tuple[Edge, Edge], emu: Emulator, case: Case) -> tuple[Answer, Answer]:
    answers = []
    for edge in edges:
        if case.before is not None:
            case.before(emu)
        answers.append(edge.call(case.method, case.path, case.body, case.headers))
    return answers[0], answers[1]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_both_edges_answer_alike(edges: tuple[Edge, Edge], emu: Emulator, case: Case) -> None:
    fdk, streaming = both(edges, emu, case)
    assert fdk.status == case.status, fdk.body[:500]
    if streaming.headers.get("transfer-encoding") == "chunked":  # a live stream: its headers go before its time
        assert isinstance(case.body, dict) and case.body.get("stream")
        assert OVERHEAD_HEADER not in streaming.headers
        del fdk.headers[OVERHEAD_HEADER]
        assert edges[1].last_log()["overhead_ms"] >= 0  # the log line has it, written at the stream's end
        streaming.body, fdk.body = merged(streaming.body), merged(fdk.body)
    else:
        assert {"x-request-id", OVERHEAD_HEADER} <= streaming.headers.keys()
    assert normalized(streaming) == normalized(fdk)


def test_both_edges_log_the_same_line(edges: tuple[Edge, Edge], emu: Emulator) -> None:
    """The one request log line: the same fields and facts (times and ids aside) on both edges."""
    for edge in edges:
        assert edge.call("POST", f"{OPENAI}/chat/completions", COMPLETION).status == 200
    fdk, streaming = (edge.last_log() for edge in edges)
    varying = {"ts", "call_id", "cold_start", "latency_ms", "overhead_ms", "upstream_ms", "opc_request_id"}
    assert {k: v for k, v in streaming.items() if k not in varying} == {
        k: v for k, v in fdk.items() if k not in varying
    }
    assert streaming["call_id"] and streaming["route"] == "chat.completions"


@pytest.mark.parametrize("sent", ["gw:team-a", "team-a"])
def test_the_streaming_edge_ignores_a_callers_header_by_default(
    edges: tuple[Edge, Edge], emu: Emulator, sent: str
) -> None:
    """Without STREAM_TRUST_CALLER_HEADER the edge reads no X-Genai-Caller (anyone reaching it could send one), as the
    local gateway in front of the fdk edge blocks it: the call is `anonymous` on both edges."""
    streaming = edges[1]
    answer = streaming.call("POST", "/genai/chat", CHAT, {"x-genai-caller": sent})
    assert answer.status == 200
    assert streaming.last_log().get("caller") == "anonymous"


@pytest.mark.parametrize(("sent", "status", "caller"), [("gw:team-a", 200, "team-a"), ("team-a", 400, None)])
def test_a_trusting_streaming_edge_reads_the_caller_as_the_gateway_sets_it(
    edge_pool: EdgePool, emulator: Emulator, sent: str, status: int, caller: str | None
) -> None:
    """With STREAM_TRUST_CALLER_HEADER=true (only the gateway reaches the edge), X-Genai-Caller by caller.py's rules:
    only the gateway's prefixed value names a caller."""
    emulator.reset()
    streaming = edge_pool.pair(edge_config(emulator, STREAM_TRUST_CALLER_HEADER="true"))[1]
    answer = streaming.call("POST", "/genai/chat", CHAT, {"x-genai-caller": sent})
    assert answer.status == status
    assert streaming.last_log().get("caller") == caller
    if status == 400:
        assert answer.json()["error"]["param"] == "X-Genai-Caller"


def test_a_configuration_error_is_answered_alike(edge_pool: EdgePool, emulator: Emulator) -> None:
    fdk, streaming = edge_pool.pair(edge_config(emulator, COMPARTMENT_OCID=None))
    answers = [edge.call("POST", "/genai/chat", CHAT) for edge in (fdk, streaming)]
    assert answers[0].status == 500
    assert normalized(answers[1]) == normalized(answers[0])


def test_a_slow_service_is_a_504_alike(edge_pool: EdgePool, emulator: Emulator) -> None:
    pair = edge_pool.pair(edge_config(emulator), deadline=2.0)
    emulator.reset()
    for edge in pair:  # warm: a cold start must not spend the short deadline
        assert edge.call("POST", "/genai/chat", CHAT).status == 200
    answers = []
    for edge in pair:
        emulator.inject("delay", delay=3)
        answers.append(edge.call("POST", "/genai/chat", CHAT))
    emulator.reset()
    assert answers[0].status == 504
    assert normalized(answers[1]) == normalized(answers[0])
