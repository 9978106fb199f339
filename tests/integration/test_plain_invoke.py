"""The seed request and the simple contract through a plain `fn invoke` (no gateway headers)."""

from __future__ import annotations

import json

from tests.constants import COHERE_MODEL, COMPARTMENT, LLAMA_MODEL


def test_seed_request_answers_plain_text(fn, upstream):
    reply = fn.invoke({"input": "What is the capital of France?"})

    assert reply.status == 200
    assert reply.headers["content-type"] == "text/plain; charset=utf-8"
    assert reply.body.decode() == "Emulated reply to: What is the capital of France?"
    sent = upstream.requests[-1]
    assert sent.principal and sent.status == 200
    assert sent.json["compartmentId"] == COMPARTMENT
    assert sent.json["servingMode"] == {"servingType": "ON_DEMAND", "modelId": COHERE_MODEL}
    assert sent.json["chatRequest"]["apiFormat"] == "COHEREV2"
    assert sent.json["chatRequest"]["messages"] == [
        {"role": "USER", "content": [{"type": "TEXT", "text": "What is the capital of France?"}]}
    ]
    assert sent.json["chatRequest"]["maxTokens"] == 600


def test_json_reply_with_accept_header(fn, upstream):
    reply = fn.invoke(
        {"input": "Hello there", "model": LLAMA_MODEL}, headers={"Accept": "application/json"}, call_id="call-123"
    )

    body = json.loads(reply.body)
    assert reply.status == 200
    assert body["text"] == "Emulated reply to: Hello there"
    assert body["model"] == LLAMA_MODEL
    assert body["finish_reason"] == "stop"
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"] > 0
    assert body["opc_request_id"] == upstream.requests[-1].headers["opc-request-id"] or body["opc_request_id"]
    assert body["request_id"] == "call-123"
    assert upstream.requests[-1].json["chatRequest"]["apiFormat"] == "GENERIC"
