"""The streaming core without an edge: the router answers a streaming Invocation with a StreamReply whose chunks are
pulled here as the ASGI edge pulls them, through the real SDK client and signer against the emulator streaming like
the service. What the upstream saw is read from the emulator's record (its `streams` send times, its requests)."""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

import emulator.app as emulator_app
from emulator import Emulator
from emulator.prompt_cache import MIN_CACHED_TOKENS
from genai_fn.app import App
from genai_fn.budgets.store import counter_key
from genai_fn.caller import GATEWAY_PREFIX
from genai_fn.config import Settings
from genai_fn.http import Invocation, Reply, StreamReply
from genai_fn.logs import RequestLog
from tests.conftest import function_config
from tests.usage.redis_server import PASSWORD, USER, RedisServer

STORY = "Tell me a story"
LLAMA = "meta.llama-3.3-70b-instruct"
COHERE = "cohere.command-a-03-2025"
EMAIL = "bob@example.com"
LONG = " ".join(f"word{i}" for i in range(MIN_CACHED_TOKENS + 100))
"""A prompt long enough for the emulator's prompt cache (its words are the emulator's tokens)."""


class Running:
    """An in-process App with a log buffer."""

    def __init__(self, app: App, log: io.StringIO) -> None:
        self.app, self.log = app, log

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.getvalue().splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("cache")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def make(emulator: Emulator, rp_env: dict[str, str]) -> Iterator[Callable[..., Running]]:
    """Apps configured like the function, the resource principal in os.environ as the platform provides it."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in rp_env.items():
            patch.setenv(name, value)

        def build(**config: str) -> Running:
            log = io.StringIO()
            settings = Settings.from_env(function_config(emulator, **config))
            return Running(App.configured(settings, request_log=RequestLog(log)), log)

        yield build


@pytest.fixture
def emu(emulator: Emulator) -> Iterator[Emulator]:
    emulator.reset()
    yield emulator
    emulator.reset()


def invocation(path: str, body: dict[str, Any], *, streaming: bool = True, **headers: str) -> Invocation:
    return Invocation(
        method="POST",
        path=path,
        headers={"content-type": "application/json", **{k.replace("_", "-"): v for k, v in headers.items()}},
        body=json.dumps(body).encode(),
        call_id="stream-1",
        deadline=time.monotonic() + 60,
        via_gateway=True,
        streaming=streaming,
    )


def sse_data(chunks: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    for chunk in chunks:
        for block in chunk.decode().split("\n\n"):
            data = [line.removeprefix("data: ") for line in block.splitlines() if line.startswith("data: ")]
            if data and data[0] != "[DONE]":
                yield json.loads(data[0])


def completion(model: str = LLAMA, text: str = STORY, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], "stream": True, **extra}


def text_of(chunks: list[dict[str, Any]]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


def test_the_first_token_arrives_before_the_service_sent_its_last_event(make, emu) -> None:
    running = make()
    emu.set_stream_seconds(2)
    reply = running.app.handle(invocation("/v1/chat/completions", completion(stream_options={"include_usage": True})))
    assert isinstance(reply, StreamReply) and reply.content_type.startswith("text/event-stream")
    events = sse_data(reply.chunks)
    first = next(e for e in events if e["choices"] and e["choices"][0]["delta"].get("content"))
    record = emu.streams[-1]
    sent_when_first_arrived = len(record.sent)
    rest = [first, *events]

    assert sent_when_first_arrived < record.total, "the first token came before the service's last event"
    contents = [e for e in rest if e["choices"] and e["choices"][0]["delta"].get("content")]
    assert len(contents) >= 20
    assert rest[-1]["choices"] == [] and rest[-1]["usage"]["total_tokens"] > 0, "usage at the end"
    assert rest[-2]["choices"][0]["finish_reason"] == "stop"
    sent = emu.requests[-1].json
    assert sent["chatRequest"]["isStream"] is True and sent["chatRequest"]["streamOptions"] == {"isIncludeUsage": True}
    line = running.lines()[-1]
    assert line["status"] == 200 and line["ttft_ms"] > 0 and line["total_tokens"] == rest[-1]["usage"]["total_tokens"]
    assert line["route"] == "chat.completions" and line["attempts"] == 1
    assert reply.headers["x-genai-served-by"] == LLAMA == line["served_by"]


@pytest.mark.parametrize(("model", "api_format"), [(LLAMA, "GENERIC"), (COHERE, "COHERE"), (COHERE, "COHEREV2")])
def test_each_format_streams_the_same_text_as_its_whole_reply(make, emu, model, api_format) -> None:
    running = make(MODEL_API_FORMATS=f"{model}:{api_format}") if model == COHERE else make()
    whole = running.app.handle(invocation("/v1/chat/completions", {**completion(model), "stream": False}))
    assert isinstance(whole, Reply)
    expected = json.loads(whole.body)["choices"][0]["message"]["content"]
    reply = running.app.handle(invocation("/v1/chat/completions", completion(model)))
    assert isinstance(reply, StreamReply)
    chunks = list(sse_data(reply.chunks))
    assert text_of(chunks) == expected and len(chunks) > 20
    assert emu.requests[-1].json["chatRequest"]["apiFormat"] == api_format


def test_the_simple_contract_streams_plain_text_or_json_lines(make, emu) -> None:
    running = make()
    plain = running.app.handle(invocation("/chat", {"input": STORY, "stream": True}))
    assert isinstance(plain, StreamReply) and plain.content_type.startswith("text/plain")
    pieces = list(plain.chunks)
    lines = running.app.handle(invocation("/chat", {"input": STORY, "stream": True}, accept="application/json"))
    assert isinstance(lines, StreamReply)
    parsed = [json.loads(line) for chunk in lines.chunks for line in chunk.decode().splitlines()]
    assert len(pieces) >= 20 and b"".join(pieces).decode() == "".join(p.get("text", "") for p in parsed[:-1])
    assert parsed[-1]["finish_reason"] == "stop" and parsed[-1]["usage"]["total_tokens"] > 0


def test_responses_streams_its_typed_events_with_usage_at_the_end(make, emu) -> None:
    from openai.types.responses import ResponseStreamEvent
    from pydantic import TypeAdapter

    running = make()
    body = {"model": LLAMA, "input": STORY, "stream": True}
    reply = running.app.handle(invocation("/v1/responses", body))
    assert isinstance(reply, StreamReply)
    adapter: TypeAdapter[Any] = TypeAdapter(ResponseStreamEvent)
    events = [adapter.validate_python(e) for e in sse_data(reply.chunks)]
    kinds = [e.type for e in events]
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) >= 20 and kinds[-1] == "response.completed"
    assert events[-1].response.output[0].content[0].text == "".join(deltas)
    assert events[-1].response.usage.total_tokens > 0


def test_without_a_streaming_edge_the_reply_is_buffered_as_today(make, emu) -> None:
    reply = make().app.handle(invocation("/v1/chat/completions", completion(), streaming=False))
    assert isinstance(reply, Reply) and reply.body.endswith(b"data: [DONE]\n\n")
    assert emu.requests[-1].json["chatRequest"]["isStream"] is False


def test_an_error_before_the_first_chunk_is_an_ordinary_reply(make, emu) -> None:
    emu.fail_next(status=400, code="InvalidParameter", message="bad")
    reply = make().app.handle(invocation("/v1/chat/completions", completion()))
    assert isinstance(reply, Reply) and reply.status == 400
    assert json.loads(reply.body)["error"]["type"] == "invalid_request_error"


def test_an_error_after_the_first_chunk_is_the_streams_last_event(make, emu) -> None:
    running = make()
    emu.inject("stream_error", after=5)
    reply = running.app.handle(invocation("/v1/chat/completions", completion()))
    assert isinstance(reply, StreamReply) and reply.status == 200
    chunks = list(sse_data(reply.chunks))
    assert chunks[-1]["error"]["code"] == "upstream_error" and len(chunks) >= 5
    assert running.lines()[-1]["code"] == "upstream_error"


def test_closing_the_chunks_closes_the_upstream_connection(make, emu) -> None:
    running = make()
    emu.set_stream_seconds(4)
    reply = running.app.handle(invocation("/v1/chat/completions", completion()))
    assert isinstance(reply, StreamReply)
    for _ in range(3):
        next(reply.chunks)
    reply.chunks.close()  # what the edge does when its client goes away
    record = emu.streams[-1]
    waited = time.monotonic() + 20
    while not record.closed_early and time.monotonic() < waited:  # the emulator's next write sees the close
        time.sleep(0.05)
    assert record.closed_early and len(record.sent) < record.total
    assert len(running.lines()) == 1, "the one log line is written when the stream is closed"


# --- budgets ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def budgeted(make: Callable[..., Running], cache: RedisServer) -> Running:
    url = f"rediss://{USER}:{PASSWORD}@localhost:{cache.port}/0?ssl_ca_certs={cache.ca_file}"
    return make(TOKEN_BUDGETS="*:1000000/hour", BUDGET_STORE_URL=url, STREAM_IDLE_SECONDS="0.5")


def counted(running: Running, cache: RedisServer, caller: str) -> int:
    settings = running.app.state.settings  # type: ignore[union-attr]
    budget = settings.budgets.limits_for(caller)[0]
    client = redis.Redis(
        host="localhost", port=cache.port, username=USER, password=PASSWORD, ssl=True, ssl_ca_certs=str(cache.ca_file)
    )
    return int(client.get(counter_key(caller, budget, time.time())) or 0)


def streamed(running: Running, caller: str) -> list[dict[str, Any]]:
    body = completion(stream_options={"include_usage": True})
    reply = running.app.handle(invocation("/v1/chat/completions", body, x_genai_caller=GATEWAY_PREFIX + caller))
    assert isinstance(reply, StreamReply)
    return list(sse_data(reply.chunks))


def test_a_finished_stream_is_charged_its_final_usage(budgeted, cache, emu) -> None:
    chunks = streamed(budgeted, "stream-done")
    line = budgeted.lines()[-1]
    assert line["budget"]["reserved"] > chunks[-1]["usage"]["total_tokens"] > 0
    assert counted(budgeted, cache, "stream-done") == chunks[-1]["usage"]["total_tokens"]


@pytest.mark.parametrize(
    ("fault", "params", "code"),
    [
        ("stream_cut", {"after": 4}, "upstream_error"),
        ("stream_stall", {"after": 4, "stall": 3}, "upstream_timeout"),  # STREAM_IDLE_SECONDS=0.5
        ("stream_error", {"after": 4}, "upstream_error"),
    ],
)
def test_a_stream_that_ends_unknown_keeps_its_reservation(budgeted, cache, emu, fault, params, code) -> None:
    caller = f"stream-{fault}"
    emu.inject(fault, **params)
    chunks = streamed(budgeted, caller)
    assert chunks[-1]["error"]["code"] == code and not any(c.get("usage") for c in chunks)
    line = budgeted.lines()[-1]
    assert counted(budgeted, cache, caller) == line["budget"]["reserved"] > 0
    assert line.get("total_tokens") is None


def test_a_stream_closed_by_the_client_keeps_its_reservation(budgeted, cache, emu) -> None:
    emu.set_stream_seconds(3)
    body = completion()
    reply = budgeted.app.handle(invocation("/v1/chat/completions", body, x_genai_caller=GATEWAY_PREFIX + "stream-gone"))
    assert isinstance(reply, StreamReply)
    next(reply.chunks)
    reply.chunks.close()
    assert counted(budgeted, cache, "stream-gone") == budgeted.lines()[-1]["budget"]["reserved"] > 0


@pytest.mark.parametrize("guardrails", ["", "content_moderation:block"], ids=["plain", "buffer-mode"])
def test_a_stream_that_ends_without_usage_keeps_its_reservation(make, cache, emu, monkeypatch, guardrails) -> None:
    """A service stream that finishes but reports no usage: the count is unknown, so the whole reservation is kept,
    also when output guardrails gather the reply and re-emit it whole (buffer mode)."""
    original = emulator_app.chat_events
    monkeypatch.setattr(
        emulator_app,
        "chat_events",
        lambda request, completion: [e for e in original(request, completion) if set(e) != {"usage"}],
    )
    url = f"rediss://{USER}:{PASSWORD}@localhost:{cache.port}/0?ssl_ca_certs={cache.ca_file}"
    config = {"GUARDRAILS": guardrails, "GUARDRAILS_SCOPE": "output"} if guardrails else {}
    running = make(TOKEN_BUDGETS="*:1000000/hour", BUDGET_STORE_URL=url, **config)
    caller = f"stream-no-usage-{guardrails or 'plain'}"
    chunks = streamed(running, caller)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop" and text_of(chunks), "a whole reply, finished"
    record = emu.streams[-1]
    assert not record.closed_early and len(record.sent) == record.total, "the service's stream was sent to its end"
    line = running.lines()[-1]
    assert line["status"] == 200 and line.get("total_tokens") is None, "no count is logged as one"
    assert counted(running, cache, caller) == line["budget"]["charged"] == line["budget"]["reserved"] > 0


def test_a_streams_cached_tokens_are_reported_and_weighted_in_its_charge(make, cache, emu) -> None:
    url = f"rediss://{USER}:{PASSWORD}@localhost:{cache.port}/0?ssl_ca_certs={cache.ca_file}"
    running = make(TOKEN_BUDGETS="*:1000000/hour", BUDGET_STORE_URL=url, TOKEN_BUDGET_CACHED_WEIGHT="0.1")
    body = completion(text=LONG, stream_options={"include_usage": True})
    for _ in range(2):  # the second is read from the emulator's prompt cache
        reply = running.app.handle(invocation("/v1/chat/completions", body, x_genai_caller=GATEWAY_PREFIX + "cached"))
        assert isinstance(reply, StreamReply)
        chunks = list(sse_data(reply.chunks))
    usage, line = chunks[-1]["usage"], running.lines()[-1]
    cached = usage["prompt_tokens_details"]["cached_tokens"]
    assert cached == line["cached_tokens"] >= MIN_CACHED_TOKENS
    assert line["budget"]["charged"] == usage["total_tokens"] - cached + math.ceil(cached * 0.1)


# --- main's buffered-path rules on a stream ---------------------------------------------------------------------------


def test_a_stream_is_served_by_its_model_never_by_a_fallback(make, emu) -> None:
    running = make(FALLBACKS=f"{COHERE}>{LLAMA}", MAX_ATTEMPTS="1")
    emu.fail_next(status=429, model=COHERE)
    refused = running.app.handle(invocation("/v1/chat/completions", completion(COHERE)))
    assert isinstance(refused, Reply) and refused.status == 429, "fails before the first token, as an ordinary reply"
    chats = [r.json["servingMode"]["modelId"] for r in emu.requests if r.path.endswith("/actions/chat")]
    assert chats == [COHERE], "no fallback was asked"
    served = running.app.handle(invocation("/v1/chat/completions", completion(COHERE)))
    assert isinstance(served, StreamReply) and served.headers["x-genai-served-by"] == COHERE
    assert text_of(list(sse_data(served.chunks)))


def test_input_screening_reads_the_request_as_sent_and_streams_that_one(make, emu) -> None:
    running = make(GUARDRAILS="pii:mask", GUARDRAILS_SCOPE="input", LOG_CONTENT="true")
    reply = running.app.handle(invocation("/v1/chat/completions", completion(text=f"mail {EMAIL} please")))
    assert isinstance(reply, StreamReply)
    list(reply.chunks)
    sent = next(r.json for r in reversed(emu.requests) if r.path.endswith("/actions/chat"))["chatRequest"]
    assert sent["isStream"] is True and EMAIL not in json.dumps(sent) and "<EMAIL>" in json.dumps(sent)
    line = running.lines()[-1]
    assert "<EMAIL>" in json.dumps(line["content"]["messages"]) and EMAIL not in running.log.getvalue()


# --- output guardrails ----------------------------------------------------------------------------------------------


def test_masked_pii_is_never_released_unmasked(make, emu) -> None:
    running = make(GUARDRAILS="pii:mask", GUARDRAILS_SCOPE="output", GUARDRAILS_STREAM_WINDOW_CHARS="256")
    text = f"Write to {EMAIL} and {STORY}"  # echoed first, then a long story
    reply = running.app.handle(invocation("/v1/chat/completions", completion(text=text, max_tokens=200)))
    assert isinstance(reply, StreamReply)
    chunks = list(sse_data(reply.chunks))
    released = text_of(chunks)
    contents = [c for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content")]
    assert EMAIL not in released and "<EMAIL>" in released and len(contents) >= 2
    assert emu.requests[-1].json is not None
    screened = [r.json["input"]["content"] for r in emu.requests if r.path.endswith("applyGuardrails")]
    assert len(screened) >= 2 and any(EMAIL in s for s in screened), "screened in windows, the address among them"
    for chunk in contents:  # each release is the start of one screened text, masked
        original = chunk["choices"][0]["delta"]["content"].replace("<EMAIL>", EMAIL)
        assert any(text.startswith(original) for text in screened), "nothing is released unscreened"
    line = running.lines()[-1]
    assert line["guardrails"]["output"]["pii"] == {"EMAIL": 1} and line["guardrails"]["output"]["outcome"] == "masked"
    assert EMAIL not in running.log.getvalue()


def test_a_blocking_output_policy_buffers_the_whole_reply(make, emu) -> None:
    running = make(GUARDRAILS="content_moderation:block,pii:mask", GUARDRAILS_SCOPE="output")
    reply = running.app.handle(invocation("/v1/chat/completions", completion(text=f"mail {EMAIL} please")))
    assert isinstance(reply, StreamReply)
    chunks = list(sse_data(reply.chunks))
    assert EMAIL not in text_of(chunks) and "<EMAIL>" in text_of(chunks)
    screened = [r for r in emu.requests if r.path.endswith("applyGuardrails")]
    assert len(screened) == 1, "one screening of the whole reply"


def test_a_finding_across_the_release_cut_is_released_whole_and_masked(make, emu) -> None:
    from genai_fn.guardrails.streaming import screened_stream
    from genai_fn.neutral.stream import ChatDelta

    running = make(GUARDRAILS="pii:mask", GUARDRAILS_SCOPE="output", GUARDRAILS_STREAM_WINDOW_CHARS="256")
    configured = running.app.state
    head, tail = "x" * 251 + " ", f"{EMAIL} " + "y" * 245  # 513 characters: the cut (257) falls inside the address
    deltas = [ChatDelta(text=head), ChatDelta(text=tail), ChatDelta(text=" end"), ChatDelta(finish_reason="stop")]
    policy = configured.settings.guardrails  # type: ignore[union-attr]
    out = list(
        screened_stream(configured.upstream.apply_guardrails, policy, iter(deltas), LLAMA, time.monotonic() + 30)
    )  # type: ignore[arg-type]
    texts = [d.text for d in out if d.text]
    assert texts[0] == head + "<EMAIL>", "released up to the end of the finding, masked"
    assert "".join(texts) == head + "<EMAIL>" + " " + "y" * 245 + " end"
    assert not any(part in t for t in texts for part in ("bob@", "example.com"))
    assert out[-1].finish_reason == "stop"


def test_a_streams_citation_ids_are_screened_as_names(make, emu) -> None:
    """A citation's document ids are screened as names, as on the function: a finding withholds them (the stream
    ends content_filter), never masks them; a clean id is released with its citation (the control)."""
    running = make(GUARDRAILS="pii:mask", GUARDRAILS_SCOPE="output", GUARDRAILS_STREAM_WINDOW_CHARS="256")
    outcomes = {}
    for document_id in ("d1", EMAIL):
        documents = [{"id": document_id, "text": "Paris is the capital of France"}]
        body = completion(COHERE, "capital of France?", documents=documents)
        reply = running.app.handle(invocation("/v1/chat/completions", body))
        assert isinstance(reply, StreamReply)
        chunks = list(sse_data(reply.chunks))
        sent = [r.json for r in emu.requests if r.path.endswith("/actions/chat")][-1]
        assert sent is not None and sent["chatRequest"]["documents"][0]["id"] == document_id
        cited = [c for chunk in chunks if chunk["choices"] for c in chunk["choices"][0]["delta"].get("citations", [])]
        finish = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
        outcomes[document_id] = (cited, finish, running.lines()[-1]["guardrails"]["output"]["outcome"])
    cited, finish, outcome = outcomes["d1"]
    assert cited and finish == ["stop"] and outcome == "passed"
    cited, finish, outcome = outcomes[EMAIL]
    assert not cited and finish == ["content_filter"] and outcome == "blocked"


def test_a_window_longer_than_the_screening_limit_is_refused_unscreened(make, emu) -> None:
    """One piece of text over GUARDRAILS_MAX_CHARS is never sent to screening, nor released: the stream ends
    content_filter, as the function refuses an over-long text whatever GUARDRAILS_ON_ERROR says."""
    from genai_fn.guardrails.streaming import screened_stream
    from genai_fn.neutral.stream import ChatDelta

    running = make(
        GUARDRAILS="pii:mask", GUARDRAILS_SCOPE="output", GUARDRAILS_MAX_CHARS="1000", GUARDRAILS_ON_ERROR="open"
    )
    configured = running.app.state
    policy = configured.settings.guardrails  # type: ignore[union-attr]
    deltas = [ChatDelta(text="ok "), ChatDelta(text=f"{EMAIL} " + "z" * 1200), ChatDelta(finish_reason="stop")]
    out = list(screened_stream(configured, policy, iter(deltas), LLAMA, time.monotonic() + 30))  # type: ignore[arg-type]
    assert not [d for d in out if d.text] and out[-1].finish_reason == "content_filter"
    assert not [r for r in emu.requests if r.path.endswith("applyGuardrails")], "never screened in part"


def test_command_a_streams_one_call_without_parallel_calls(make, emu) -> None:
    """Command A is COHEREV2 by default: the model calls both named tools, and the stream, like the buffered reply,
    returns only the first when the caller set parallel_tool_calls false."""
    running = make()
    tools = [
        {"type": "function", "function": {"name": name, "parameters": {"type": "object", "properties": {}}}}
        for name in ("get_weather", "get_time")
    ]
    names = {}
    for parallel in (True, False):
        body = completion(COHERE, "call get_weather and get_time", tools=tools, parallel_tool_calls=parallel)
        reply = running.app.handle(invocation("/v1/chat/completions", body))
        assert isinstance(reply, StreamReply)
        chunks = list(sse_data(reply.chunks))
        sent = [r.json for r in emu.requests if r.path.endswith("/actions/chat")][-1]
        assert sent is not None and sent["chatRequest"]["apiFormat"] == "COHEREV2"
        assert len(sent["chatRequest"]["tools"]) == 2
        calls = [c for chunk in chunks if chunk["choices"] for c in chunk["choices"][0]["delta"].get("tool_calls", [])]
        names[parallel] = [c["function"]["name"] for c in calls if c.get("function", {}).get("name")]
    assert names == {True: ["get_weather", "get_time"], False: ["get_weather"]}
