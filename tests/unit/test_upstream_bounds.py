"""The pure parts of issue 10's upstream bounds: Retry-After parsing, the service message, the bounded reply reader."""

from __future__ import annotations

import json
import random
import time
from email.utils import formatdate
from typing import Any

import pytest
from oci._vendor import requests
from urllib3.exceptions import ReadTimeoutError

from genai_fn.errors import UpstreamFailed, UpstreamTimeout
from genai_fn.scope import scoped
from genai_fn.upstream import retry_after, service_message
from genai_fn.upstream.bounded_reply import (
    BUDGET,
    ECHO_FACTOR,
    ERROR_BODY_BYTES,
    BoundedBody,
    ReplyBudget,
    bound_reply,
    install,
)
from genai_fn.upstream.echo import EchoSkipper

NOW = 1_700_000_000.0

# --- Retry-After ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("30", 30),
        ("0", 0),
        (" 7 ", 7),
        ("000012", 12),
        ("9" * 40, retry_after.MAX_SECONDS),
        (formatdate(NOW + 30, usegmt=True), 30),
        (formatdate(NOW - 30, usegmt=True), 0),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 0),  # RFC 850, obsolete but allowed
        ("Sun Nov  6 08:49:37 1994", 0),  # asctime, read as GMT
        (None, None),
        ("", None),
        ("\u00b2", None),  # superscript two: str.isdigit() says yes, RFC 9110 says no
        ("\u0663", None),  # Arabic-Indic three
        ("\u00c2\u00b2", None),  # a UTF-8 "²" read as Latin-1
        ("1.5", None),
        ("-5", None),
        ("+5", None),
        ("soon, maybe", None),
        ("Mon, 99 Foo 2025 99:99:99 GMT", None),
    ],
)
def test_retry_after_parse(value: str | None, seconds: int | None) -> None:
    assert retry_after.parse(value, NOW) == seconds


# --- the service's message --------------------------------------------------------------------------------------


def test_a_plain_message_passes_unchanged() -> None:
    assert service_message.sanitize("maxTokens must be <= 4000") == "maxTokens must be <= 4000"


@pytest.mark.parametrize(
    "text",
    [
        "read /k.pem: -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- done",
        "read /k.pem: -----BEGIN\x00 PRIVATE KEY-----\nMIIEow",  # a control character inside the header
        "read /k.pem: -----BEGIN OPENSSH PRIVATE KEY",  # cut short
        "read /k.pem: private key MIIEow",
    ],
)
def test_keys_are_redacted(text: str) -> None:
    clean = service_message.sanitize(text)
    assert clean.startswith("read /k.pem: [redacted]")
    assert "BEGIN" not in clean and "MIIE" not in clean


def test_control_and_format_characters_are_removed() -> None:
    clean = service_message.sanitize("a\x00b\x07c\x1b[31md\r\ne\x7ff\u202eg\u2028h\x85i")
    assert clean == "a b c [31md e f g h i"


def test_a_huge_message_is_cut_and_only_its_start_scanned() -> None:
    clean = service_message.sanitize("x" * 5_000_000)
    assert clean == "x" * service_message.MAX_CHARS + "…"


@pytest.mark.parametrize("message", [None, 42, {"a": 1}])
def test_a_message_that_is_not_text_is_empty(message: object) -> None:
    assert service_message.sanitize(message) == ""


# --- the bounded reader -----------------------------------------------------------------------------------------


class FakeSocket:
    def __init__(self) -> None:
        self.timeout: float | None = 60.0

    def settimeout(self, value: float | None) -> None:
        self.timeout = value

    def gettimeout(self) -> float | None:
        return self.timeout


class FakeRaw:
    """A urllib3 response stand-in: read1 hands out `chunks` one per call, with an optional pause before each."""

    def __init__(self, *chunks: bytes, pause: float = 0.0, timeout_after: int | None = None) -> None:
        self.chunks = list(chunks)
        self.pause = pause
        self.timeout_after = timeout_after
        self.reads = 0
        self.closed = self.released = False
        self.sock = FakeSocket()
        self.connection = type("Conn", (), {"sock": self.sock})()

    def read1(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        assert amt is not None and amt > 0
        self.reads += 1
        if self.timeout_after is not None and self.reads > self.timeout_after:
            raise ReadTimeoutError(None, "", "Read timed out.")  # type: ignore[arg-type]
        time.sleep(self.pause)
        return self.chunks.pop(0) if self.chunks else b""

    def close(self) -> None:
        self.closed = True

    def release_conn(self) -> None:
        self.released = True

    def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Any:
        raise AssertionError("the bounded body must not fall back to urllib3's blocking stream()")


def budget(max_bytes: int = 1000, seconds: float = 60.0) -> ReplyBudget:
    return ReplyBudget(max_bytes, time.monotonic() + seconds)


def test_a_body_within_the_budget_is_read_whole() -> None:
    raw = FakeRaw(b"a" * 400, b"b" * 600)
    body = BoundedBody(raw, budget(1000))
    assert b"".join(body.stream(10240, decode_content=True)) == b"a" * 400 + b"b" * 600
    assert not raw.closed and body.bytes_read == 1000


def test_a_body_over_the_budget_is_refused_while_read() -> None:
    raw = FakeRaw(*[b"x" * 300] * 100)
    body = BoundedBody(raw, budget(1000))
    with pytest.raises(UpstreamFailed, match="too large"):
        b"".join(body.stream())
    assert raw.reads == 4, "reading stops at the first chunk over the budget"
    assert raw.closed and raw.released, "the connection is closed, never drained"


def test_an_error_body_is_cut_not_refused() -> None:
    raw = FakeRaw(*[b"e" * 50_000] * 100)
    body = BoundedBody(raw, budget(10**6), cut_at=ERROR_BODY_BYTES)
    assert len(b"".join(body.stream())) == ERROR_BODY_BYTES
    assert raw.closed and raw.reads == 2


def test_a_trickle_is_cut_at_the_deadline() -> None:
    raw = FakeRaw(*[b"x"] * 1000, pause=0.02)
    body = BoundedBody(raw, budget(10**6, seconds=0.2))
    started = time.monotonic()
    with pytest.raises(UpstreamTimeout, match="deadline"):
        b"".join(body.stream())
    assert raw.closed and 5 <= raw.reads < 1000
    assert time.monotonic() - started < 5, "stopped near the deadline, not after the whole trickle"


def test_the_socket_timeout_shrinks_to_the_time_left() -> None:
    raw = FakeRaw(b"x", b"y")
    body = BoundedBody(raw, budget(10**6, seconds=5.0))
    next(body.stream())
    assert raw.sock.timeout is not None and 4.0 < raw.sock.timeout <= 5.0


def test_a_read_timeout_past_the_deadline_is_the_deadline() -> None:
    raw = FakeRaw(b"x", timeout_after=1)
    body = BoundedBody(raw, ReplyBudget(10**6, time.monotonic() + 0.05))
    time.sleep(0.1)
    with pytest.raises(UpstreamTimeout):
        b"".join(body.stream())


def test_a_read_timeout_before_the_deadline_is_the_transport_s() -> None:
    raw = FakeRaw(b"x", timeout_after=1)
    with pytest.raises(ReadTimeoutError):
        b"".join(BoundedBody(raw, budget()).stream())


def test_everything_else_is_the_wrapped_response_s() -> None:
    raw = FakeRaw()
    BoundedBody(raw, budget()).release_conn()
    assert raw.released


def _response(status: int, **headers: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers = requests.structures.CaseInsensitiveDict(headers)
    response.raw = FakeRaw(b"{}")
    return response


def test_the_hook_does_nothing_outside_an_attempt() -> None:
    response = _response(200, **{"Content-Length": str(10**9)})
    assert isinstance(bound_reply(response).raw, FakeRaw)


def test_the_hook_refuses_an_announced_oversize_success_at_once() -> None:
    response = _response(200, **{"Content-Length": "1001"})
    raw = response.raw
    with scoped(BUDGET, budget(1000)), pytest.raises(UpstreamFailed, match="MAX_REPLY_BYTES"):
        bound_reply(response)
    assert raw.closed and raw.reads == 0


@pytest.mark.parametrize(("status", "cut"), [(200, None), (400, ERROR_BODY_BYTES), (503, ERROR_BODY_BYTES)])
def test_the_hook_bounds_every_other_reply(status: int, cut: int | None) -> None:
    response = _response(status, **({"Content-Length": str(10**8)} if status >= 400 else {}))
    with scoped(BUDGET, budget(10**6)):
        bounded = bound_reply(response).raw
    assert isinstance(bounded, BoundedBody) and bounded._cut_at == cut
    assert response.content == b"{}"


def test_install_is_idempotent() -> None:
    session = requests.Session()
    install(session)
    install(session)
    assert session.hooks["response"].count(bound_reply) == 1


# --- what a Cohere V1 reply only echoes ---------------------------------------------------------------------------

ECHO = ("chatHistory", "documents")


def _v1_reply(history: list[dict[str, Any]], text: str = "Hi") -> bytes:
    response = {"apiFormat": "COHERE", "text": text, "chatHistory": history, "finishReason": "COMPLETE"}
    return json.dumps({"modelId": "m", "chatResponse": {**response, "documents": [{"id": "d", "text": "x"}]}}).encode()


def _feed(data: bytes, sizes: list[int]) -> bytes:
    skipper, kept, at = EchoSkipper(ECHO), [], 0
    for size in sizes:
        kept.append(skipper.feed(data[at : at + size]))
        at += size
    kept.append(skipper.feed(data[at:]))
    return b"".join(kept)


TRICKY = [
    {"role": "USER", "message": 'quote " bracket ] brace } colon : comma , "chatHistory": [1]'},
    {"role": "CHATBOT", "message": 'escapes \\" \\\\ \u00e9\u2028 \n', "toolCalls": [{"name": "f", "parameters": {}}]},
    {"role": "TOOL", "toolResults": [{"call": {"name": "f", "parameters": {"documents": [[]]}}, "outputs": [{}]}]},
]


@pytest.mark.parametrize("seed", range(20))
def test_the_echo_is_dropped_whatever_the_chunk_boundaries(seed: int) -> None:
    """Only chatResponse's chatHistory and documents become null; the same text, strings and nesting elsewhere,
    chunk boundaries inside strings and escapes included, pass through byte for byte."""
    data = _v1_reply(TRICKY, text='he said "chatHistory": [] ok')
    sizes = [random.Random(seed).randint(1, 9) for _ in range(len(data))]
    kept = json.loads(_feed(data, sizes))
    expected = json.loads(data)
    expected["chatResponse"].update(chatHistory=None, documents=None)
    assert kept == expected


def test_only_members_of_chat_response_are_dropped() -> None:
    data = json.dumps({"chatHistory": [1], "chatResponse": {"nested": {"chatHistory": [2]}, "documents": "text"}})
    assert json.loads(_feed(data.encode(), [3] * 40)) == json.loads(data)


def test_an_echoing_reply_counts_only_what_it_adds() -> None:
    """A 5.9 MB echoed history passes a 1,000-byte budget; the reply's own text over it is still too large."""
    history = [{"role": "USER", "message": "a" * 2900} for _ in range(2048)]
    data = _v1_reply(history)
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    body = BoundedBody(FakeRaw(*chunks), budget(1000), raw_cap=2 * len(data), skipper=EchoSkipper(ECHO))
    kept = b"".join(body.stream())
    assert json.loads(kept)["chatResponse"]["chatHistory"] is None and body.bytes_read == len(data)
    assert body.bytes_kept == len(kept) < 1000
    data = _v1_reply([], text="x" * 2000)
    body = BoundedBody(FakeRaw(data), budget(1000), raw_cap=10**6, skipper=EchoSkipper(ECHO))
    with pytest.raises(UpstreamFailed, match="too large"):
        b"".join(body.stream())


def test_an_echo_larger_than_the_request_could_cause_is_refused() -> None:
    """The raw size stays bounded by what the request could make the service repeat (ECHO_FACTOR)."""
    request = requests.PreparedRequest()
    request.body = b"x" * 100
    response = _response(200, **{"Content-Length": str(ECHO_FACTOR * (100 + 1000) + 1)})
    response.request = request
    with scoped(BUDGET, ReplyBudget(1000, time.monotonic() + 60, ECHO)), pytest.raises(UpstreamFailed):
        bound_reply(response)
    response = _response(200, **{"Content-Length": str(ECHO_FACTOR * (100 + 1000))})
    response.request = request
    with scoped(BUDGET, ReplyBudget(1000, time.monotonic() + 60, ECHO)):
        assert isinstance(bound_reply(response).raw, BoundedBody)
