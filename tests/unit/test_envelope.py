"""from_fdk: plain invoke vs API Gateway, header flattening, Fn-Deadline parsing."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fdk.context import InvokeContext

from genai_fn import envelope
from genai_fn.envelope import DEFAULT_DEADLINE_SECONDS, from_fdk, to_fdk
from genai_fn.http import OVERHEAD_HEADER, Invocation, Reply, with_request_ids


class FakeContext:
    """The slice of fdk's InvokeContext that from_fdk reads."""

    def __init__(
        self,
        headers: dict[str, Any],
        http_headers: dict[str, Any] | None = None,
        url: str | None = None,
        method: str | None = None,
        call_id: str | None = "call-1",
        deadline: str | None = None,
    ) -> None:
        self._headers, self._http_headers = headers, http_headers or {}
        self._url, self._method, self._call_id, self._deadline = url, method, call_id, deadline

    def Headers(self) -> dict[str, Any]:  # noqa: N802 - fdk's names
        return self._headers

    def HTTPHeaders(self) -> dict[str, Any]:  # noqa: N802
        return self._http_headers

    def RequestURL(self) -> str | None:  # noqa: N802
        return self._url

    def Method(self) -> str | None:  # noqa: N802
        return self._method

    def CallID(self) -> str | None:  # noqa: N802
        return self._call_id

    def Deadline(self) -> str | None:  # noqa: N802
        return self._deadline


def in_seconds(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def remaining(invocation: Invocation) -> float:
    return invocation.deadline - time.monotonic()


def test_plain_invoke() -> None:
    ctx = FakeContext(
        {"content-type": "application/json", "accept": "application/json", "fn-call-id": "call-1"},
        url="/ignored",
        method="GET",
    )
    invocation = from_fdk(ctx, io.BytesIO(b'{"input":"hi"}'))
    assert (invocation.method, invocation.path, invocation.body, invocation.call_id, invocation.via_gateway) == (
        "POST",
        "",
        b'{"input":"hi"}',
        "call-1",
        False,
    )
    assert invocation.headers["accept"] == "application/json" and invocation.wants_json()


def test_gateway_invoke_uses_the_callers_method_path_and_headers() -> None:
    ctx = FakeContext(
        {"fn-intent": "httprequest", "accept": "text/plain"},
        http_headers={"Accept": "application/json", "X-Forwarded-For": "10.0.0.1"},
        url="https://gw.example.com/genai/v1/chat/completions?debug=1",
        method="post",
    )
    invocation = from_fdk(ctx, b"{}")
    assert (invocation.method, invocation.path, invocation.via_gateway) == ("POST", "/genai/v1/chat/completions", True)
    assert invocation.headers == {"accept": "application/json", "x-forwarded-for": "10.0.0.1"}


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/chat", "/chat"),
        ("http://host/a/b/chat?x=1#f", "/a/b/chat"),
        ("", ""),
        (None, ""),
    ],
)
def test_gateway_path(url: str | None, path: str) -> None:
    assert from_fdk(FakeContext({"fn-intent": "httprequest"}, url=url, method="GET"), b"").path == path


@pytest.mark.parametrize(("method", "expected"), [("get", "GET"), ("DELETE", "DELETE"), (None, "POST"), ("", "POST")])
def test_gateway_method(method: str | None, expected: str) -> None:
    assert from_fdk(FakeContext({"fn-intent": "httprequest"}, method=method), b"").method == expected


@pytest.mark.parametrize("intent", ["cloudevent", "HTTPREQUEST", ""])
def test_other_intents_are_plain_invokes(intent: str) -> None:
    # fdk fills HTTPHeaders() only for the httprequest intent
    invocation = from_fdk(FakeContext({"fn-intent": intent}, http_headers={}, url="/chat"), b"")
    assert (invocation.via_gateway, invocation.path, invocation.method) == (False, "", "POST")


@pytest.mark.parametrize(
    ("raw", "flat"),
    [
        ({"Accept": ["application/json", "text/plain"]}, {"accept": "application/json"}),
        ({"X-Count": 3}, {"x-count": "3"}),
        ({"X-One": ["only"]}, {"x-one": "only"}),
        ({"Content-Type": "application/json"}, {"content-type": "application/json"}),
        ({}, {}),
    ],
)
def test_header_flattening(raw: dict[str, Any], flat: dict[str, str]) -> None:
    assert from_fdk(FakeContext({"fn-intent": "httprequest"}, http_headers=raw), b"").headers == flat


@pytest.mark.parametrize(
    ("data", "body"),
    [
        (io.BytesIO(b"abc"), b"abc"),
        (b"abc", b"abc"),
        ("héllo", "héllo".encode()),
        (None, b""),
        (b"", b""),
    ],
)
def test_body(data: Any, body: bytes) -> None:
    assert from_fdk(FakeContext({}), data).body == body


@pytest.mark.parametrize("call_id", [None, ""])
def test_missing_call_id_is_empty(call_id: str | None) -> None:
    assert from_fdk(FakeContext({}, call_id=call_id), b"").call_id == ""


def utc_in(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


DEADLINES = [
    # Fn-Deadline, built when the test runs; seconds left expected
    ("offset", lambda: utc_in(10).isoformat(), 10),
    ("Z", lambda: utc_in(10).isoformat().replace("+00:00", "Z"), 10),
    ("fdk style", lambda: utc_in(30).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), 30),
    ("local offset", lambda: utc_in(20).astimezone().isoformat(), 20),
    ("naive means UTC", lambda: utc_in(5).replace(tzinfo=None).isoformat(), 5),
    ("passed", lambda: utc_in(-5).isoformat(), -5),  # the app answers 504 without calling the service
    ("missing", lambda: None, DEFAULT_DEADLINE_SECONDS),
    ("empty", lambda: "", DEFAULT_DEADLINE_SECONDS),
    ("garbage", lambda: "soon", DEFAULT_DEADLINE_SECONDS),
    ("out of range", lambda: "2024-13-45T99:00:00Z", DEFAULT_DEADLINE_SECONDS),
]


@pytest.mark.parametrize(("case", "deadline", "expected"), DEADLINES, ids=[case for case, _, _ in DEADLINES])
def test_deadline(case: str, deadline: Any, expected: float) -> None:
    left = remaining(from_fdk(FakeContext({}, deadline=deadline()), b""))
    assert expected - 1 < left <= expected


def test_monotonic_deadline_is_on_the_monotonic_clock() -> None:
    before = time.monotonic()
    assert before + 9 < envelope.monotonic_deadline(utc_in(10).isoformat()) <= time.monotonic() + 10


# --- the real fdk InvokeContext -----------------------------------------------------------------------------------


def real_context(headers: dict[str, Any], **kwargs: Any) -> InvokeContext:
    return InvokeContext("app", "app-name", "fn", "fn-name", "call-real", headers=headers, **kwargs)


def test_real_context_plain_invoke() -> None:
    ctx = real_context({"accept": "application/json", "fn-deadline": in_seconds(8)}, deadline=in_seconds(8))
    invocation = from_fdk(ctx, io.BytesIO(b"{}"))
    assert (invocation.via_gateway, invocation.method, invocation.call_id) == (False, "POST", "call-real")
    assert invocation.wants_json()
    assert 7 < remaining(invocation) <= 8


def test_real_context_gateway_invoke() -> None:
    headers = {
        "fn-intent": "httprequest",
        "fn-http-method": "GET",
        "fn-http-request-url": "/p/v1/models",
        "Fn-Http-H-Accept": ["application/json", "text/html"],
        "fn-http-h-x-request-id": "abc",
    }
    ctx = real_context(headers, request_url="/p/v1/models", method="GET")
    invocation = from_fdk(ctx, b"")
    assert (invocation.via_gateway, invocation.method, invocation.path) == (True, "GET", "/p/v1/models")
    assert invocation.headers == {"accept": "application/json", "x-request-id": "abc"}


def test_real_context_without_deadline_uses_fdks_default() -> None:
    invocation = from_fdk(real_context({}), b"")
    assert DEFAULT_DEADLINE_SECONDS - 1 < remaining(invocation) <= DEFAULT_DEADLINE_SECONDS


# --- Invocation and to_fdk ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "wants"),
    [("application/json", True), ("APPLICATION/JSON; q=1", True), ("text/plain", False), ("", False)],
)
def test_wants_json(accept: str, wants: bool) -> None:
    invocation = Invocation("POST", "", {"accept": accept}, b"", "c", 0.0, False)
    assert invocation.wants_json() is wants
    assert invocation.header("missing") == ""


@pytest.mark.parametrize("status", [429, 502, 504])
def test_to_fdk_puts_the_status_in_fn_http_status_and_answers_fn_200(status: int) -> None:
    ctx = real_context({"fn-intent": "httprequest"})
    response = to_fdk(ctx, Reply(status, b'{"error":{}}', "application/json", {"Retry-After": "3"}))
    assert response.status() == 200, "Fn's agent drops the body of a container 502/504"
    assert response.body() == b'{"error":{}}'
    headers = ctx.GetResponseHeaders()
    assert headers["content-type"] == "application/json"  # fdk passes Content-Type through unprefixed
    assert headers["fn-http-h-retry-after"] == "3"
    assert headers["fn-http-status"] == str(status)


def test_request_ids_are_added_unless_the_reply_set_them() -> None:
    reply = with_request_ids(Reply(200, b"{}", "application/json", {"Retry-After": "1"}), "call-1", "opc-1")
    assert reply.headers == {"Retry-After": "1", "x-request-id": "call-1", "opc-request-id": "opc-1"}
    assert with_request_ids(Reply(200, b"", "x"), "call-1", None).headers == {"x-request-id": "call-1"}
    kept = Reply(200, b"", "x", {"X-Request-Id": "mine"})
    assert with_request_ids(kept, "call-1", None) is kept
    assert with_request_ids(Reply(200, b"", "x"), "", None).headers == {}


def test_the_overhead_header_is_milliseconds_with_two_decimals() -> None:
    reply = with_request_ids(Reply(200, b"", "x"), "call-1", None, 0.4567)
    assert reply.headers == {"x-request-id": "call-1", OVERHEAD_HEADER: "0.46"}
    assert with_request_ids(Reply(200, b"", "x"), "", None, 0.0).headers == {OVERHEAD_HEADER: "0.00"}


def test_the_benchmarks_read_the_same_overhead_header() -> None:
    """benchmarks/measure.py names the header itself (importing envelope would import fdk into the benchmark)."""
    from benchmarks import measure

    assert measure.OVERHEAD_HEADER == OVERHEAD_HEADER
