"""Issue 10, rows 7-9: what a caller puts in a body or the URL is answered with a documented 4xx JSON error.

Through the real fdk: the status (Fn-Http-Status through the gateway), the error's code, and that fdk answered the
socket itself (200), never its raw 502 with a traceback.
"""

from __future__ import annotations

import json

import pytest

from emulator import Emulator
from tests.conftest import RunningFunction
from tests.constants import EMBED_MODEL, LLAMA_MODEL

DEEP_SURROGATE = b'{"input":"x","seed":' + b"[" * 600 + b'"\\ud800"' + b"]" * 600 + b"}"
"""Row 8: a lone surrogate nested past Python's recursion limit for a recursive walk."""


def _error(reply: object) -> dict:
    assert reply.socket_status == 200, (reply.socket_status, reply.body[:300])
    assert reply.headers.get("content-type", "").startswith("application/json"), reply.headers
    error = json.loads(reply.body)["error"]
    return {**error, "code": error.get("code") or error["type"]}  # the simple contract's `type` is the code


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/responses"])
def test_row7_an_unhashable_tool_choice_name_is_a_400(fn: RunningFunction, emulator: Emulator, path: str) -> None:
    emulator.reset()
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    if path == "/v1/chat/completions":
        body = {"model": LLAMA_MODEL, "messages": [{"role": "user", "content": "hi"}], "tools": [tool]}
        body["tool_choice"] = {"type": "function", "function": {"name": ["f"]}}
    else:
        body = {"model": LLAMA_MODEL, "input": "hi", "tools": [{"type": "function", "name": "f"}]}
        body["tool_choice"] = {"type": "function", "name": ["f"]}
    reply = fn.invoke(body, gateway=True, url=path)
    error = _error(reply)
    assert (reply.status, error["code"], error["param"]) == (400, "invalid_request", "tool_choice"), error
    assert len(emulator.requests) == 0


def test_row7_an_unhashable_content_part_type_is_a_400(fn: RunningFunction, emulator: Emulator) -> None:
    emulator.reset()
    body = {"model": LLAMA_MODEL, "messages": [{"role": "user", "content": [{"type": ["text"], "text": "hi"}]}]}
    reply = fn.invoke(body, gateway=True, url="/v1/chat/completions")
    assert (reply.status, _error(reply)["code"]) == (400, "invalid_request")


@pytest.mark.parametrize(
    "path", ["/genai/chat", "/v1/chat/completions", "/v1/embeddings", "/v1/responses", None], ids=str
)
def test_row8_a_deeply_nested_lone_surrogate_is_a_400_on_every_route(
    fn: RunningFunction, emulator: Emulator, path: str | None
) -> None:
    emulator.reset()
    reply = fn.invoke(DEEP_SURROGATE, gateway=path is not None, url=path or "/")
    error = _error(reply)
    status = reply.status if path is not None else error["status"]
    assert (status, error["code"]) == (400, "invalid_json"), error
    assert len(emulator.requests) == 0


def test_row8_nesting_past_the_decoders_limit_is_a_400(fn: RunningFunction, emulator: Emulator) -> None:
    body = b'{"input":"x","tools":' + b'[{"k":' * 5000 + b"1" + b"}]" * 5000 + b"}"
    reply = fn.invoke(body, gateway=True, url="/genai/chat")
    assert (reply.status, _error(reply)["code"]) == (400, "invalid_json")


@pytest.mark.parametrize(
    "url", ["//[x/genai/chat", "https://[::1/genai/chat", "http://[x/v1/chat/completions", "https://]x[/v1/embeddings"]
)
def test_row9_a_malformed_request_url_is_a_400(fn: RunningFunction, emulator: Emulator, url: str) -> None:
    emulator.reset()
    reply = fn.invoke({"input": "x", "messages": [{"role": "user", "content": "x"}]}, gateway=True, url=url)
    error = _error(reply)
    assert (reply.status, error["code"], error["param"]) == (400, "invalid_request", "url"), error
    assert len(emulator.requests) == 0
    assert fn.invoke({"input": "still serving"}, gateway=True, url="/genai/chat").status == 200


def test_embeddings_with_an_unhashable_input_is_a_400(fn: RunningFunction, emulator: Emulator) -> None:
    reply = fn.invoke({"model": EMBED_MODEL, "input": [["a"], {"b": 1}]}, gateway=True, url="/v1/embeddings")
    assert (reply.status, _error(reply)["code"]) == (400, "invalid_request")
