"""The simple contract: request tables, text-or-JSON replies, and the error envelope."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from genai_fn.body import decode_object
from genai_fn.config import Settings
from genai_fn.contracts import simple
from genai_fn.errors import (
    InvalidJSON,
    InvalidRequest,
    MethodNotAllowed,
    ModelNotAllowed,
    ProxyError,
    UpstreamAuthFailed,
    UpstreamThrottled,
)
from genai_fn.http import Invocation
from genai_fn.neutral.chat import ChatReply, ChatRequest, Message, Params, Usage
from tests.constants import COHERE_MODEL, LLAMA_MODEL

from .conftest import make_settings


def invocation(accept: str | None = None, call_id: str = "call-1") -> Invocation:
    headers = {"accept": accept} if accept is not None else {}
    return Invocation(
        method="POST", path="/chat", headers=headers, body=b"", call_id=call_id, deadline=0.0, via_gateway=True
    )


# --- parse ------------------------------------------------------------------------------------------------------


def test_minimal_request(settings: Settings) -> None:
    assert simple.CHAT.parse({"input": "Hello"}, settings) == simple.SimpleCall(
        model=COHERE_MODEL, api_format="COHEREV2", messages=(Message("user", "Hello"),), params=Params(max_tokens=600)
    )


def test_full_request(settings: Settings) -> None:
    body = {
        "input": "And now?",
        "system": "Be brief.",
        "history": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],
        "model": LLAMA_MODEL,
        "max_tokens": 50,
        "temperature": 0.2,
        "top_p": 0.5,
        "top_k": -1,
        "frequency_penalty": -1,
        "presence_penalty": 1,
        "seed": 7,
        "stop": ["\n\n"],
    }
    assert simple.CHAT.parse(body, settings) == simple.SimpleCall(
        model=LLAMA_MODEL,
        api_format="GENERIC",
        messages=(
            Message("system", "Be brief."),
            Message("user", "Hi"),
            Message("assistant", "Hello!"),
            Message("user", "And now?"),
        ),
        params=Params(
            max_tokens=50,
            temperature=0.2,
            top_p=0.5,
            top_k=-1,
            frequency_penalty=-1.0,
            presence_penalty=1.0,
            seed=7,
            stop=("\n\n",),
        ),
    )


def test_null_optional_fields_mean_absent(settings: Settings) -> None:
    body = {"input": "Hi", "system": None, "history": None, "model": None, "max_tokens": None, "stop": None}
    assert simple.CHAT.parse(body, settings) == simple.CHAT.parse({"input": "Hi"}, settings)


def test_empty_history_is_no_history(settings: Settings) -> None:
    assert simple.CHAT.parse({"input": "Hi", "history": []}, settings).messages == (Message("user", "Hi"),)


def test_compartment_is_never_taken_from_the_caller(settings: Settings) -> None:
    with pytest.raises(InvalidRequest) as caught:
        simple.CHAT.parse({"input": "Hi", "compartment_id": "ocid1.compartment.oc1..other"}, settings)
    assert caught.value.param == "compartment_id"


INVALID = [
    # body, param, message start
    ({}, "input", "input is required"),
    ({"input": None}, "input", "input must be a string"),
    ({"input": ""}, "input", "input must not be empty"),
    ({"input": "  "}, "input", "input must not be empty"),
    ({"input": 5}, "input", "input must be a string"),
    ({"input": ["Hi"]}, "input", "input must be a string"),
    ({"input": "\ud800"}, "input", "input is not valid Unicode text"),
    ({"prompt": "Hi"}, "prompt", "unknown field 'prompt'"),
    ({"input": "Hi", "stream": "yes"}, "stream", "stream must be true or false"),
    ({"input": "Hi", "zeta": 1, "alpha": 2}, "alpha", "unknown field 'alpha'"),
    ({"input": "Hi", "system": ""}, "system", "system must not be empty"),
    ({"input": "Hi", "system": ["a"]}, "system", "system must be a string"),
    ({"input": "Hi", "history": "Hi"}, "history", "history must be a list"),
    ({"input": "Hi", "history": {"role": "user", "content": "x"}}, "history", "history must be a list"),
    ({"input": "Hi", "history": ["Hi"]}, "history[0]", "history[0] must be an object with exactly role and content"),
    ({"input": "Hi", "history": [{"role": "user"}]}, "history[0]", "history[0] must be an object"),
    (
        {"input": "Hi", "history": [{"role": "user", "content": "x", "name": "n"}]},
        "history[0]",
        "history[0] must be an object",
    ),
    (
        {"input": "Hi", "history": [{"role": "user", "content": "x"}, {"role": "system", "content": "x"}]},
        "history[1].role",
        "history[1].role must be user or assistant",
    ),
    ({"input": "Hi", "history": [{"role": "tool", "content": "x"}]}, "history[0].role", "history[0].role"),
    ({"input": "Hi", "history": [{"role": ["user"], "content": "x"}]}, "history[0].role", "history[0].role"),
    ({"input": "Hi", "history": [{"role": "USER", "content": "x"}]}, "history[0].role", "history[0].role"),
    (
        {"input": "Hi", "history": [{"role": "user", "content": ""}]},
        "history[0].content",
        "history[0].content must not be empty",
    ),
    (
        {"input": "Hi", "history": [{"role": "user", "content": 1}]},
        "history[0].content",
        "history[0].content must be a string",
    ),
    ({"input": "Hi", "model": ""}, "model", "model must not be empty"),
    ({"input": "Hi", "model": 3}, "model", "model must be a string"),
    ({"input": "Hi", "max_tokens": 0}, "max_tokens", "max_tokens must be between 1 and 4000"),
    ({"input": "Hi", "max_tokens": "10"}, "max_tokens", "max_tokens must be an integer"),
    ({"input": "Hi", "max_tokens": True}, "max_tokens", "max_tokens must be an integer"),
    ({"input": "Hi", "temperature": 9}, "temperature", "temperature must be between 0 and 2"),
    ({"input": "Hi", "top_k": -1}, "top_k", "top_k must be between 0 and 500"),  # Cohere's range (default model)
    ({"input": "Hi", "frequency_penalty": -1}, "frequency_penalty", "frequency_penalty must be between 0 and 1"),
    ({"input": "Hi", "stop": [""]}, "stop", "stop must be a non-empty string"),
    ({"input": "Hi", "seed": 1.5}, "seed", "seed must be an integer"),
]


@pytest.mark.parametrize(("body", "param", "message"), INVALID)
def test_invalid_requests(body: dict[str, Any], param: str, message: str, settings: Settings) -> None:
    with pytest.raises(InvalidRequest) as caught:
        simple.CHAT.parse(body, settings)
    assert (caught.value.status, caught.value.code, caught.value.param) == (400, "invalid_request", param)
    assert caught.value.message.startswith(message)


def test_field_values_are_never_echoed(settings: Settings) -> None:
    secret = "sk-live-0123456789"
    for body in (
        {"input": "Hi", "history": [{"role": secret, "content": "x"}]},
        {"input": "Hi", "temperature": secret},
        {"input": "Hi", "max_tokens": secret},
    ):
        with pytest.raises(InvalidRequest) as caught:
            simple.CHAT.parse(body, settings)
        assert secret not in caught.value.message


def test_model_outside_the_allow_list(settings: Settings) -> None:
    with pytest.raises(ModelNotAllowed) as caught:
        simple.CHAT.parse({"input": "Hi", "model": "cohere.command-r-plus"}, settings)
    assert caught.value.param == "model"


def test_ranges_follow_the_chosen_model(settings: Settings) -> None:
    body = {"input": "Hi", "model": LLAMA_MODEL, "top_k": -1, "frequency_penalty": -1}
    assert simple.CHAT.parse(body, settings).params.top_k == -1


# --- render -----------------------------------------------------------------------------------------------------

REPLY = ChatReply(
    text="Bonjour ✓",
    model=COHERE_MODEL,
    finish_reason="length",
    usage=Usage(prompt_tokens=3, completion_tokens=4, total_tokens=7),
    opc_request_id="opc-9",
)
REQUEST = ChatRequest(
    model=COHERE_MODEL, api_format="COHERE", messages=(Message("user", "Bonjour"),), params=Params(600)
)


@pytest.mark.parametrize("accept", [None, "", "text/plain", "*/*", "text/*"])
def test_reply_is_plain_text_by_default(accept: str | None) -> None:
    reply = simple.CHAT.render(REPLY, REQUEST, invocation(accept))
    assert (reply.status, reply.body, reply.content_type, reply.headers) == (
        200,
        "Bonjour ✓".encode(),
        "text/plain; charset=utf-8",
        {},
    )


@pytest.mark.parametrize("accept", ["application/json", "Application/JSON", "text/plain, application/json;q=0.9"])
def test_reply_is_json_when_accepted(accept: str) -> None:
    reply = simple.CHAT.render(REPLY, REQUEST, invocation(accept))
    assert (reply.status, reply.content_type) == (200, "application/json")
    assert json.loads(reply.body) == {
        "text": "Bonjour ✓",
        "model": COHERE_MODEL,
        "finish_reason": "length",
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
        "opc_request_id": "opc-9",
        "request_id": "call-1",
    }
    assert "Bonjour ✓".encode() in reply.body  # UTF-8, not \u escapes


def test_json_reply_carries_reasoning_content_when_the_model_reasoned() -> None:
    plain = json.loads(simple.CHAT.render(REPLY, REQUEST, invocation("application/json")).body)
    reasoned = json.loads(
        simple.CHAT.render(replace(REPLY, reasoning="Because."), REQUEST, invocation("application/json")).body
    )
    assert "reasoning_content" not in plain
    assert reasoned["reasoning_content"] == "Because."


def test_json_reply_without_call_id_has_null_request_id() -> None:
    body = json.loads(simple.CHAT.render(REPLY, REQUEST, invocation("application/json", call_id="")).body)
    assert body["request_id"] is None


# --- render_error -------------------------------------------------------------------------------------------------


def test_error_envelope_minimal() -> None:
    reply = simple.CHAT.render_error(ProxyError("internal error; see the function's logs"), invocation(call_id=""))
    assert (reply.status, reply.content_type, reply.headers) == (500, "application/json", {})
    assert json.loads(reply.body) == {
        "error": {
            "type": "internal_error",
            "message": "internal error; see the function's logs",
            "status": 500,
            "request_id": None,
        }
    }


def test_error_envelope_with_param() -> None:
    reply = simple.CHAT.render_error(
        InvalidRequest("history[0].role must be user or assistant", param="history[0].role"), invocation()
    )
    assert reply.status == 400
    assert json.loads(reply.body) == {
        "error": {
            "type": "invalid_request",
            "message": "history[0].role must be user or assistant",
            "status": 400,
            "request_id": "call-1",
            "param": "history[0].role",
        }
    }


def test_error_envelope_with_opc_request_id_and_retry_after() -> None:
    error = UpstreamThrottled("slow down", retry_after=5, opc_request_id="opc-1")
    reply = simple.CHAT.render_error(error, invocation("application/json"))
    assert (reply.status, reply.headers) == (429, {"Retry-After": "5"})
    assert json.loads(reply.body) == {
        "error": {
            "type": "rate_limited",
            "message": "slow down",
            "status": 429,
            "request_id": "call-1",
            "opc_request_id": "opc-1",
        }
    }


def test_error_envelope_is_json_whatever_the_accept_header() -> None:
    reply = simple.CHAT.render_error(UpstreamAuthFailed("refused", opc_request_id="o"), invocation("text/plain"))
    assert reply.content_type == "application/json"
    assert json.loads(reply.body)["error"]["type"] == "upstream_auth_failed"


def test_method_not_allowed_carries_allow() -> None:
    reply = simple.CHAT.render_error(MethodNotAllowed("/chat accepts POST", allowed=("POST",)), invocation())
    assert (reply.status, reply.headers) == (405, {"Allow": "POST"})


def test_a_lone_surrogate_key_is_refused_before_it_can_be_echoed() -> None:
    with pytest.raises(InvalidJSON, match="lone surrogate"):
        decode_object(b'{"input": "Hi", "\\ud800": 1}', make_settings())
