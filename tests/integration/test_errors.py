"""Every error row of the contract, through both entry paths: the gateway's status and the `fn invoke` body."""

from __future__ import annotations

import json

import pytest

CALLER_ERRORS = [
    # (body, status, type, param)
    (b"not json", 400, "invalid_json", None),
    (b"", 400, "invalid_json", None),
    (b"[1, 2]", 400, "invalid_json", None),
    (b'{"input": NaN}', 400, "invalid_json", None),
    (b'{"input": "a", "input": "b"}', 400, "invalid_json", None),
    (b"\xff\xfe{}", 400, "invalid_json", None),
    (b"{}", 400, "invalid_request", "input"),
    (b'{"input": ""}', 400, "invalid_request", "input"),
    (b'{"input": "   "}', 400, "invalid_request", "input"),
    (b'{"input": 5}', 400, "invalid_request", "input"),
    (b'{"input": "\\ud800"}', 400, "invalid_json", None),
    (b'{"input": "x", "temperature": "hot"}', 400, "invalid_request", "temperature"),
    (b'{"input": "x", "temperature": 9}', 400, "invalid_request", "temperature"),
    (b'{"input": "x", "top_p": 1.5}', 400, "invalid_request", "top_p"),
    (b'{"input": "x", "top_k": 501}', 400, "invalid_request", "top_k"),
    (b'{"input": "x", "max_tokens": 0}', 400, "invalid_request", "max_tokens"),
    (b'{"input": "x", "max_tokens": 4001}', 400, "invalid_request", "max_tokens"),
    (b'{"input": "x", "max_tokens": true}', 400, "invalid_request", "max_tokens"),
    (b'{"input": "x", "seed": 1.5}', 400, "invalid_request", "seed"),
    (b'{"input": "x", "stop": [""]}', 400, "invalid_request", "stop"),
    (b'{"input": "x", "frequency_penalty": 2}', 400, "invalid_request", "frequency_penalty"),
    (b'{"input": "x", "history": "nope"}', 400, "invalid_request", "history"),
    (b'{"input": "x", "history": [{"role": "system", "content": "y"}]}', 400, "invalid_request", "history[0].role"),
    (b'{"input": "x", "history": [{"role": "user"}]}', 400, "invalid_request", "history[0]"),
    (b'{"input": "x", "model": "openai.gpt-4o"}', 400, "model_not_allowed", "model"),
    (b'{"input": "x", "prompt": "y"}', 400, "invalid_request", "prompt"),
]


@pytest.mark.parametrize(("body", "status", "kind", "param"), CALLER_ERRORS)
@pytest.mark.parametrize("gateway", [True, False], ids=["gateway", "fn-invoke"])
def test_caller_errors(fn, upstream, body, status, kind, param, gateway):
    reply = fn.invoke(body, gateway=gateway, url="/genai/chat", call_id="c1")

    error = json.loads(reply.body)["error"]
    assert (reply.status if gateway else error["status"]) == status
    assert reply.socket_status == 200
    assert (error["type"], error["status"], error.get("param"), error["request_id"]) == (kind, status, param, "c1")
    assert reply.headers["content-type"] == "application/json"
    assert len(upstream.requests) == 0, "nothing invalid is sent upstream"


@pytest.mark.parametrize("gateway", [True, False], ids=["gateway", "fn-invoke"])
def test_body_over_the_limit_is_413(fn, upstream, gateway):
    body = b'{"input": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    reply = fn.invoke(body, gateway=gateway, url="/genai/chat")

    error = json.loads(reply.body)["error"]
    assert (error["type"], error["status"]) == ("payload_too_large", 413)
    assert reply.status == (413 if gateway else 200)
    assert len(upstream.requests) == 0


UPSTREAM_ERRORS = [
    # (fault, status, type, extra header)
    (
        {"status": 400, "code": "InvalidParameter", "message": "maxTokens too large for model"},
        400,
        "upstream_bad_request",
        None,
    ),
    ({"status": 401, "code": "NotAuthenticated", "message": "x", "times": 2}, 502, "upstream_auth_failed", None),
    ({"status": 403, "code": "NotAllowed", "message": "x"}, 502, "upstream_auth_failed", None),
    ({"status": 404, "code": "NotAuthorizedOrNotFound", "message": "x"}, 502, "upstream_auth_failed", None),
    ({"status": 429, "code": "TooManyRequests", "message": "x", "times": 3}, 429, "rate_limited", "retry-after"),
    ({"status": 500, "code": "InternalServerError", "message": "x", "times": 3}, 502, "upstream_error", None),
    ({"status": 503, "code": "ServiceUnavailable", "message": "x", "times": 3}, 502, "upstream_error", None),
]


@pytest.mark.parametrize(("fault", "status", "kind", "header"), UPSTREAM_ERRORS)
@pytest.mark.parametrize("gateway", [True, False], ids=["gateway", "fn-invoke"])
def test_upstream_errors(fn, upstream, fault, status, kind, header, gateway):
    upstream.fail_next(**{"headers": {"retry-after": "1"}, **fault})
    reply = fn.invoke({"input": "Hi"}, gateway=gateway, url="/genai/chat")

    error = json.loads(reply.body)["error"]
    assert (error["type"], error["status"]) == (kind, status)
    assert error["opc_request_id"], "the upstream request id is passed on for support cases"
    assert reply.socket_status == 200, "Fn's agent drops the body of a container 502/504: the status is in the body"
    if gateway:
        assert reply.status == status
    if header:
        assert reply.headers[header] == "1"
    if kind == "upstream_bad_request":
        assert "maxTokens too large for model" in error["message"]
    if kind == "upstream_auth_failed":
        assert "policy" in error["message"]
    assert fn.invoke({"input": "Hi"}).status == 200, "the next request is served"


@pytest.mark.parametrize(
    ("kind", "attempts"),
    [
        ("malformed", 1),
        ("empty", 1),
        ("wrong_format", 1),
        ("truncated", 1),
        ("html", 3),  # a load balancer's HTML 502 page is a 5xx, so it is retried like one
    ],
)
def test_unreadable_upstream_replies_are_502(fn, upstream, kind, attempts):
    upstream.inject(kind, times=attempts)
    reply = fn.invoke({"input": "Hi"}, gateway=True, url="/genai/chat")

    assert reply.status == 502, reply.body
    assert len(upstream.requests) == attempts
    assert json.loads(reply.body)["error"]["type"] == "upstream_error"
    assert fn.invoke({"input": "Hi"}).status == 200


@pytest.mark.parametrize("kind", ["drop", "reset"])
def test_connection_failures_are_retried_then_502(fn, upstream, kind):
    upstream.inject(kind, times=3)
    reply = fn.invoke({"input": "Hi"}, gateway=True, url="/genai/chat")

    assert reply.status == 502, reply.body
    assert json.loads(reply.body)["error"]["type"] == "upstream_error"
    assert len(upstream.requests) == 3
    assert fn.invoke({"input": "Hi"}).status == 200


def test_a_transient_failure_is_retried_and_succeeds(fn, upstream):
    upstream.fail_next(status=503, code="ServiceUnavailable", times=2)
    reply = fn.invoke({"input": "Hi"}, gateway=True, url="/genai/chat")

    assert reply.status == 200
    assert [r.status for r in upstream.requests] == [503, 503, 200]
    retry_tokens = {r.headers.get("opc-retry-token") for r in upstream.requests}
    assert len(retry_tokens) == 1 and None not in retry_tokens, "retries carry one idempotency token"
    assert fn.request_logs()[-1]["attempts"] == 3


@pytest.mark.parametrize(
    ("method", "url", "status", "kind"),
    [
        ("GET", "/genai/chat", 405, "method_not_allowed"),
        ("POST", "/genai/unknown", 404, "not_found"),
    ],
)
def test_routing_errors(fn, upstream, method, url, status, kind):
    reply = fn.invoke({"input": "Hi"}, gateway=True, method=method, url=url)

    assert reply.status == status
    assert json.loads(reply.body)["error"]["type"] == kind
