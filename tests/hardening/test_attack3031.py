"""Attacks on the streaming core and on fallbacks (issues 30 and 31), each a promise a hostile caller or a faulty
service broke, kept as a failing regression test until it is fixed. Through the in-process App, the real SDK client
and signer against the emulator (its stream events rewritten where the attack is a faulty service) and a real redis
for budgets; what the service received is read from the emulator's record."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

import emulator.app as emulator_app
from genai_fn.caller import GATEWAY_PREFIX
from genai_fn.http import Reply, StreamReply
from tests.integration import test_streaming_core as core
from tests.integration.test_streaming_core import COHERE, EMAIL, LLAMA, counted, invocation, sse_data, text_of
from tests.integration.test_streaming_core import completion as streamed_completion

budgeted, cache, emu, make = core.budgeted, core.cache, core.emu, core.make
"""The streaming core's fixtures: an in-process App per config, the emulator reset, a real redis for budgets."""

Events = list[dict[str, Any]]


def rewrite_events(patch: pytest.MonkeyPatch, change: Callable[[Events], Events]) -> None:
    """The emulator's streamed events, changed as a faulty service would send them."""
    original = emulator_app.chat_events
    patch.setattr(emulator_app, "chat_events", lambda request, completion: change(original(request, completion)))


def usage_event(usage: dict[str, Any]) -> Callable[[Events], Events]:
    """Generic's usage-only event (the last one) carrying these counts."""

    def change(events: Events) -> Events:
        return [{"usage": usage} if set(event) == {"usage"} else event for event in events]

    return change


def text_in_pieces(text: str, size: int) -> Callable[[Events], Events]:
    """Generic's text events replaced by `text` in `size`-character pieces, as a model streams its tokens."""

    def change(events: Events) -> Events:
        pieces = [text[i : i + size] for i in range(0, len(text), size)]
        deltas = [
            {"index": 0, "message": {"role": "ASSISTANT", "content": [{"type": "TEXT", "text": p}]}} for p in pieces
        ]
        return [*deltas, *(event for event in events if "message" not in event)]

    return change


def streamed_for(running: Any, caller: str) -> list[dict[str, Any]]:
    body = streamed_completion(stream_options={"include_usage": True})
    reply = running.app.handle(invocation("/v1/chat/completions", body, x_genai_caller=GATEWAY_PREFIX + caller))
    assert isinstance(reply, StreamReply)
    return list(sse_data(reply.chunks))


# --- output guardrails on a stream --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/responses", "/chat"])
def test_pii_block_on_output_withholds_the_streamed_reply_as_the_buffered_one(make, emu, path) -> None:
    running = make(GUARDRAILS="pii:block", GUARDRAILS_SCOPE="output")
    text = f"mail {EMAIL} please"
    body = streamed_completion(text=text) if path.endswith("completions") else {"model": LLAMA, "input": text}
    whole = running.app.handle(invocation(path, {**body, "stream": False}, streaming=False))
    assert isinstance(whole, Reply) and EMAIL not in whole.body.decode(), "the buffered reply is withheld"
    reply = running.app.handle(invocation(path, {**body, "stream": True}))
    assert isinstance(reply, StreamReply)
    released = b"".join(reply.chunks).decode()
    assert EMAIL not in released
    assert running.lines()[-1]["guardrails"]["output"]["outcome"] == "blocked"
    assert running.lines()[-1]["guardrails"]["output"]["mode"] == "buffer"


ESCAPED = "bob\\u0040example.com"
"""The address as a JSON escape spells it (a backslash, then u0040): what a JSON parser reads as the address."""


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/responses"])
def test_a_streamed_json_reply_is_screened_as_the_callers_parser_reads_it(make, emu, path) -> None:
    """The emulated model answers a JSON user message as is when JSON is asked for (docs/emulator.md); a window
    reads the escape as text, so a JSON reply is buffered and screened decoded, as the buffered path does."""
    running = make(GUARDRAILS="pii:mask", GUARDRAILS_SCOPE="output")
    text = f'{{"contact": "{ESCAPED}"}}'
    if path.endswith("completions"):
        body = streamed_completion(text=text, response_format={"type": "json_object"})
    else:
        body = {"model": LLAMA, "input": text, "text": {"format": {"type": "json_object"}}, "stream": True}
    reply = running.app.handle(invocation(path, body))
    assert isinstance(reply, StreamReply)
    events = list(sse_data(reply.chunks))
    if path.endswith("completions"):
        released = text_of(events)
    else:
        released = "".join(e["delta"] for e in events if e.get("type") == "response.output_text.delta")
    assert json.loads(released) == {"contact": "<EMAIL>"}, "the caller's parser reads the address masked"
    assert running.lines()[-1]["guardrails"]["output"]["mode"] == "buffer"


LONGEST_ADDRESS = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
"""254 characters, RFC 5321's longest (a 64-character local part, 63-character labels)."""


def test_a_window_shorter_than_an_address_is_refused(make) -> None:
    from genai_fn.errors import ConfigError
    from genai_fn.guardrails.policy import STREAM_WINDOW_LIMITS

    assert STREAM_WINDOW_LIMITS[0] > len(LONGEST_ADDRESS)
    with pytest.raises(ConfigError, match="GUARDRAILS_STREAM_WINDOW_CHARS"):
        make(GUARDRAILS="pii:mask", GUARDRAILS_SCOPE="output", GUARDRAILS_STREAM_WINDOW_CHARS="100")


@pytest.mark.parametrize("before", [0, 1, 101, 255, 256, 300, 511])
def test_an_address_as_long_as_any_is_never_released_in_part(make, emu, monkeypatch, before) -> None:
    """At the smallest window the configuration takes, the longest address streamed in 5-character tokens at any
    place against the cut is released masked, none of it in clear."""
    from genai_fn.guardrails.policy import STREAM_WINDOW_LIMITS

    window = str(STREAM_WINDOW_LIMITS[0])
    running = make(GUARDRAILS="pii:mask", GUARDRAILS_SCOPE="output", GUARDRAILS_STREAM_WINDOW_CHARS=window)
    text = "x" * before + " " + LONGEST_ADDRESS + " " + "y" * 700
    rewrite_events(monkeypatch, text_in_pieces(text, 5))
    reply = running.app.handle(invocation("/v1/chat/completions", streamed_completion()))
    assert isinstance(reply, StreamReply)
    released = text_of(list(sse_data(reply.chunks)))
    assert released == "x" * before + " <EMAIL> " + "y" * 700


# --- budgets on a stream ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "usage",
    [
        {"promptTokens": -5, "completionTokens": -5, "totalTokens": -10},
        {"promptTokens": 1.5, "completionTokens": "7", "totalTokens": None},
    ],
    ids=["negative", "not-integers"],
)
def test_a_stream_whose_usage_cannot_be_true_keeps_its_reservation(budgeted, cache, emu, monkeypatch, usage) -> None:
    rewrite_events(monkeypatch, usage_event(usage))
    caller = f"attack-usage-{'neg' if usage['promptTokens'] == -5 else 'float'}"
    chunks = streamed_for(budgeted, caller)
    assert "error" in chunks[-1], "the service's failure ends the stream with the contract's error event"
    line = budgeted.lines()[-1]
    assert line["code"] == chunks[-1]["error"]["code"] and line["budget"]["reserved"] > 0
    assert counted(budgeted, cache, caller) == line["budget"]["reserved"], "the count is unknown: all is kept"


def test_a_stream_whose_usage_is_beyond_any_count_is_not_passed_on(budgeted, cache, emu, monkeypatch) -> None:
    rewrite_events(monkeypatch, usage_event({"promptTokens": 10**30, "completionTokens": 1, "totalTokens": 10**30}))
    chunks = streamed_for(budgeted, "attack-usage-huge")
    assert not any((c.get("usage") or {}).get("total_tokens", 0) >= 10**30 for c in chunks), "not passed on"
    assert "error" in chunks[-1], "the service's failure ends the stream with the contract's error event"
    line = budgeted.lines()[-1]
    assert (line.get("total_tokens") or 0) < 10**30
    assert line["budget"]["charged"] == counted(budgeted, cache, "attack-usage-huge"), "the log says what was kept"


# --- fallbacks ----------------------------------------------------------------------------------------------------


def test_a_fallback_that_would_refuse_the_tools_is_not_sent_them(make, emu) -> None:
    running = make(FALLBACKS=f"{LLAMA}>{COHERE}", MODEL_API_FORMATS=f"{COHERE}:COHEREV2", MAX_ATTEMPTS="1")
    emu.fail_next(status=429, model=LLAMA)
    body = {
        "model": LLAMA,
        "messages": [{"role": "user", "content": "hi there"}],
        "tools": [{"type": "function", "function": {"name": "f"}}],
    }
    reply = running.app.handle(invocation("/v1/chat/completions", body, streaming=False))
    assert isinstance(reply, Reply)
    chats = [(r.json["servingMode"]["modelId"], r.status) for r in emu.requests if r.path.endswith("/actions/chat")]
    assert (COHERE, 400) not in chats, f"the fallback was sent a request it refused: {chats}"
    assert reply.status in (200, 429), json.loads(reply.body)


def test_a_tool_without_parameters_is_sent_to_cohere_v2_as_one_taking_none(make, emu) -> None:
    """OpenAI's `parameters` is optional (none: no arguments); the SDK's Function requires it (oci 2.189.0
    models/function.py), so COHEREV2 is sent the empty object schema, directly and as a fallback."""
    running = make(MODEL_API_FORMATS=f"{COHERE}:COHEREV2")
    body = {
        "model": COHERE,
        "messages": [{"role": "user", "content": "hi there"}],
        "tools": [{"type": "function", "function": {"name": "f"}}],
    }
    reply = running.app.handle(invocation("/v1/chat/completions", body, streaming=False))
    assert isinstance(reply, Reply) and reply.status == 200, reply.body
    sent = next(r.json for r in reversed(emu.requests) if r.path.endswith("/actions/chat"))["chatRequest"]
    assert sent["tools"] == [
        {"type": "FUNCTION", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
    ]


# --- the log line -------------------------------------------------------------------------------------------------


def test_a_stream_closed_before_its_first_chunk_is_logged_once(make, emu) -> None:
    running = make()
    emu.set_stream_seconds(2)
    before = len(running.lines())
    reply = running.app.handle(invocation("/v1/chat/completions", streamed_completion()))
    assert isinstance(reply, StreamReply)
    reply.chunks.close()  # the client went away before the edge sent a byte of the body
    assert len(running.lines()) == before + 1, "one log line per request"
    assert running.lines()[-1]["closed_early"] is True
    record = emu.streams[-1]
    waited = time.monotonic() + 20
    while not record.closed_early and time.monotonic() < waited:  # the emulator's next write sees the close
        time.sleep(0.05)
    assert record.closed_early and len(record.sent) < record.total, "the generation is cancelled, not left running"
    assert list(reply.chunks) == [], "a closed stream yields nothing more"
    reply.chunks.close()
    assert len(running.lines()) == before + 1, "closing again writes no second line"
