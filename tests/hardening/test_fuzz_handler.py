"""Fuzz App.handle in-process with a real Upstream signing requests to the emulator.

Properties: every answer is a 2xx or a 4xx with the JSON envelope (never a 5xx or a traceback), whatever was
forwarded upstream was accepted by the service, and the app still serves the next request.
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator import Emulator
from genai_fn.http import Invocation, Reply

from .conftest import InProcess
from .properties import (
    ALLOWED_MODELS,
    ERROR_TYPES,
    FIELDS,
    any_text,
    bodies,
    check_answer,
    deeply_nested,
    encoded,
    json_values,
    openai_unhashables,
    simple_requests,
    words,
)
from .scale import SCALE, fuzz

ACCEPTS = st.sampled_from(["", "application/json", "text/plain", "*/*", "APPLICATION/JSON; q=0.9", "\x00"])


def invoke(
    inproc: InProcess,
    body: bytes,
    *,
    accept: str = "application/json",
    via_gateway: bool = True,
    path: str = "/genai/chat",
) -> Reply:
    invocation = Invocation(
        method="POST",
        path=path if via_gateway else "",
        headers={"accept": accept},
        body=body,
        call_id="fuzz",
        deadline=time.monotonic() + 20,
        via_gateway=via_gateway,
    )
    return inproc.app.handle(invocation)


def answer(inproc: InProcess, emulator: Emulator, body: bytes, **kwargs: object) -> Reply:
    emulator.reset()
    reply = invoke(inproc, body, **kwargs)
    check_answer(reply.status, reply.body, reply.content_type, emulator)
    return reply


def assert_still_serves(inproc: InProcess, emulator: Emulator) -> None:
    emulator.reset()
    reply = invoke(inproc, b'{"input": "still there?"}')
    assert reply.status == 200, reply.body
    assert json.loads(reply.body)["text"] == "Emulated reply to: still there?"


def test_any_body(inproc: InProcess, emulator: Emulator) -> None:
    """Bytes, any JSON, structured requests with wrong types, duplicate keys, invalid UTF-8 and surrogates."""

    @fuzz(SCALE.handler_examples)
    @given(body=bodies, accept=ACCEPTS, via_gateway=st.booleans())
    def run(body: bytes, accept: str, via_gateway: bool) -> None:
        answer(inproc, emulator, body, accept=accept, via_gateway=via_gateway)

    run()
    assert_still_serves(inproc, emulator)


def test_structured_requests_reach_the_service_valid(inproc: InProcess, emulator: Emulator) -> None:
    """Mostly well-formed requests: whatever passes validation must be a request the service accepts."""
    accepted = []

    @fuzz(SCALE.handler_examples)
    @given(body=encoded(simple_requests))
    def run(body: bytes) -> None:
        accepted.append(answer(inproc, emulator, body).status == 200)

    run()
    assert any(accepted), "the strategy never produced a valid request: the upstream half went untested"
    assert_still_serves(inproc, emulator)


NUMERIC_FIELDS = ("max_tokens", "temperature", "top_p", "top_k", "frequency_penalty", "presence_penalty", "seed")
any_number = (
    st.integers()
    | st.integers(min_value=2**1024)
    | st.integers(max_value=-(2**1024))
    | st.floats(allow_nan=False)
    | st.decimals(allow_nan=False, allow_infinity=False).map(str)
)


def test_numeric_fields(inproc: InProcess, emulator: Emulator) -> None:
    """Every numeric knob with any number, including integers too large for a float and numeric strings."""

    @fuzz(SCALE.handler_examples)
    @given(name=st.sampled_from(NUMERIC_FIELDS), value=any_number, model=st.sampled_from(ALLOWED_MODELS))
    def run(name: str, value: object, model: str) -> None:
        answer(inproc, emulator, json.dumps({"input": "n", "model": model, name: value}).encode())

    run()
    assert_still_serves(inproc, emulator)


def _nested(depth: int) -> bytes:
    return b'{"input": "x", "history": ' + b"[" * depth + b"]" * depth + b"}"


EDGE_BODIES = [
    pytest.param(b"[" * 30_000 + b"]" * 30_000, id="deep-array"),
    pytest.param(b'{"a":' * 10_000 + b"1" + b"}" * 10_000, id="deep-object"),
    pytest.param(_nested(30_000), id="deep-history"),
    pytest.param(b'{"input": "x", "temperature": 1' + b"0" * 400 + b"}", id="huge-int-temperature"),
    pytest.param(b'{"input": "x", "top_p": 1' + b"0" * 400 + b"}", id="huge-int-top-p"),
    pytest.param(b'{"input": "x", "max_tokens": 1' + b"0" * 5000 + b"}", id="int-over-4300-digits"),
    pytest.param(b'{"input": "x", "seed": 1e400}', id="float-overflow"),
    pytest.param(b'{"input": "x", "temperature": -Infinity}', id="infinity-literal"),
    pytest.param(b'{"input": "x", "temperature": NaN}', id="nan-literal"),
    pytest.param(b'{"\\ud800": 1}', id="surrogate-key"),
    pytest.param(b'{"input": "x", "\\udfff\\u0000": 1}', id="surrogate-nul-key"),
    pytest.param(b'{"input": "x", "history": [{"role": "user", "content": "\\ud800"}]}', id="surrogate-history"),
    pytest.param(b'{"input": "\\u0000"}', id="nul-input"),
    pytest.param(b'{"input": "x", "stop": ["\\ud83d"]}', id="surrogate-stop"),
    pytest.param(b'{"input": "' + "\u00e9".encode("latin-1") + b'"}', id="latin-1-bytes"),
    pytest.param(b'{"input": "x", "model": {"$ne": null}}', id="object-model"),
    pytest.param(b'{"input": "x", "history": [{"role": ["user"], "content": "y"}]}', id="list-role"),
    pytest.param(b'{"input": "x", "' + b"k" * 60_000 + b'": 1}', id="huge-unknown-key"),
]


@pytest.mark.parametrize("body", EDGE_BODIES)
def test_edge_bodies(inproc: InProcess, emulator: Emulator, body: bytes) -> None:
    """Named edges a fuzzer reaches rarely: recursion limits, int-to-float overflow, surrogates in keys.

    Each fits under the 64 KiB MAX_BODY_BYTES of `inproc`, so it reaches the parser, not the size check.
    """
    reply = answer(inproc, emulator, body)
    assert reply.status == 400 or body == b'{"input": "\\u0000"}', reply.body[:300]
    assert len(reply.body) < 2048, "an error answer never amplifies the caller's input"
    assert_still_serves(inproc, emulator)


@pytest.mark.parametrize(("size_delta", "status"), [(0, 200), (1, 413)], ids=["at-limit", "one-over"])
def test_body_at_and_over_the_configured_limit(
    inproc: InProcess, emulator: Emulator, size_delta: int, status: int
) -> None:
    """MAX_BODY_BYTES is exact: a body of that size is served, one byte more is a 413 before any upstream call."""
    limit = inproc.settings.max_body_bytes
    frame = b'{"input": "", "max_tokens": 5}'
    body = frame.replace(b'""', b'"' + b"y" * (limit - len(frame) + size_delta) + b'"')
    reply = answer(inproc, emulator, body)

    assert len(body) == limit + size_delta
    assert reply.status == status, reply.body[:300]
    assert len(emulator.requests) == (1 if status == 200 else 0)


@pytest.mark.parametrize(("max_tokens", "status"), [(1000, 200), (1001, 400), (10**6, 400)])
def test_max_tokens_above_the_configured_cap(
    inproc: InProcess, emulator: Emulator, max_tokens: int, status: int
) -> None:
    """MAX_TOKENS_LIMIT=1000 here: the cap is inclusive and the error names the field and the limit."""
    reply = answer(inproc, emulator, json.dumps({"input": "x", "max_tokens": max_tokens}).encode())

    assert reply.status == status
    if status == 400:
        error = json.loads(reply.body)["error"]
        assert (error["param"], error["message"]) == ("max_tokens", "max_tokens must be between 1 and 1000")
        assert len(emulator.requests) == 0
    else:
        assert emulator.requests[0].json["chatRequest"]["maxTokens"] == 1000


openai_messages = st.lists(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(["system", "developer", "user", "assistant", "tool", "bot"]) | json_values,
            "content": words | json_values,
        }
    )
    | json_values,
    max_size=4,
)
openai_requests = st.builds(
    lambda known, unknown: {**unknown, **known},
    st.fixed_dictionaries(
        {"messages": openai_messages | json_values},
        optional={
            **FIELDS,
            "stream": json_values | st.booleans(),
            "n": json_values,
            "response_format": json_values,
            "tools": json_values,
            "tool_choice": json_values,
            "max_completion_tokens": json_values,
        },
    ),
    st.dictionaries(any_text, json_values, max_size=1) | st.just({}),
)


def test_openai_chat_completions(inproc: InProcess, emulator: Emulator) -> None:
    """The OpenAI contract: 2xx or 4xx with OpenAI's error shape, and only valid requests reach the service."""

    @fuzz(SCALE.handler_examples)
    @given(body=encoded(openai_requests) | bodies)
    def run(body: bytes) -> None:
        emulator.reset()
        reply = invoke(inproc, body, path="/genai/v1/chat/completions")
        assert 200 <= reply.status < 300 or 400 <= reply.status < 500, (reply.status, reply.body[:300])
        assert all(r.status == 200 for r in emulator.requests), "forwarded something the service rejected"
        if reply.status >= 400:
            error = json.loads(reply.body)["error"]
            assert error["status"] == reply.status and error["code"] in ERROR_TYPES, error
            assert error["code"] != "upstream_bad_request", "the function forwarded a request the service refused"

    run()
    assert_still_serves(inproc, emulator)


INPUT_PATHS = ["/genai/chat", "/genai/v1/chat/completions", "/genai/v1/embeddings", "/genai/v1/responses"]


def test_nested_structures_and_unhashable_values_are_caller_errors(inproc: InProcess, emulator: Emulator) -> None:
    """Issue 10 rows 7-8 and their class: nesting past the recursion limit mixed with bad strings, and a list or
    object wherever a string is expected, are answered 2xx/4xx with a JSON error on every route, never a 500."""

    @fuzz(SCALE.handler_examples)
    @given(body=deeply_nested() | encoded(openai_unhashables), path=st.sampled_from(INPUT_PATHS))
    def run(body: bytes, path: str) -> None:
        emulator.reset()
        reply = invoke(inproc, body, path=path)
        assert 200 <= reply.status < 300 or 400 <= reply.status < 500, (path, reply.status, reply.body[:300])
        if reply.status >= 400:
            assert reply.content_type == "application/json" and "error" in json.loads(reply.body), reply.body[:300]

    run()
    assert_still_serves(inproc, emulator)
