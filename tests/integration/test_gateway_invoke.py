"""The simple contract through API Gateway's headers (Fn-Intent: httprequest, Fn-Http-*), as OCI sends them."""

from __future__ import annotations

import json

import pytest

from tests.constants import COHERE_MODEL, LLAMA_MODEL


@pytest.mark.parametrize("url", ["/genai/chat", "/chat", "/genai/chat?trace=1", "/", "/genai/chat/"])
def test_chat_route_under_any_prefix(fn, upstream, url):
    reply = fn.invoke({"input": "Hi"}, gateway=True, url=url)

    assert reply.status == 200
    assert reply.headers["content-type"] == "text/plain; charset=utf-8"
    assert reply.body == b"Emulated reply to: Hi"


@pytest.mark.parametrize(("model", "api_format"), [(COHERE_MODEL, "COHEREV2"), (LLAMA_MODEL, "GENERIC")])
def test_history_and_system_prompt_reach_the_model(fn, upstream, model, api_format):
    body = {
        "input": "And in Germany?",
        "system": "Answer in one word.",
        "history": [
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris"},
        ],
        "model": model,
        "temperature": 0.2,
        "top_p": 0.9,
        "top_k": 40,
        "max_tokens": 50,
        "seed": 7,
        "stop": ["\n\n"],
    }
    reply = fn.invoke(body, gateway=True, url="/genai/chat", headers={"Accept": "application/json"})

    assert reply.status == 200, reply.body
    assert json.loads(reply.body)["model"] == model
    sent = upstream.requests[-1].json["chatRequest"]
    assert sent["apiFormat"] == api_format
    assert (sent["maxTokens"], sent["temperature"], sent["topP"], sent["topK"], sent["seed"]) == (50, 0.2, 0.9, 40, 7)
    assert [(m["role"], m["content"][0]["text"]) for m in sent["messages"]] == [
        ("SYSTEM", "Answer in one word."),
        ("USER", "Capital of France?"),
        ("ASSISTANT", "Paris"),
        ("USER", "And in Germany?"),
    ]
    assert sent["stopSequences" if api_format == "COHEREV2" else "stop"] == ["\n\n"]


def test_gateway_headers_cannot_override_the_deadline_or_call_id(fn, upstream):
    reply = fn.invoke(
        {"input": "Hi"},
        gateway=True,
        url="/genai/chat",
        call_id="real-call",
        headers={"Accept": "application/json", "Fn-Call-Id": "spoofed", "Fn-Deadline": "2000-01-01T00:00:00Z"},
    )

    assert reply.status == 200
    assert json.loads(reply.body)["request_id"] == "real-call"
    assert [line["call_id"] for line in fn.request_logs()] == ["real-call"]


def test_compartment_and_serving_mode_never_come_from_the_caller(fn, upstream):
    reply = fn.invoke({"input": "Hi", "compartmentId": "ocid1.compartment.oc1..evil"}, gateway=True, url="/chat")

    assert reply.status == 400
    assert json.loads(reply.body)["error"]["param"] == "compartmentId"
    assert len(upstream.requests) == 0
