"""How a stream ends early on the streaming edge: a client that goes away closes the upstream call (the emulator
sees its connection closed before the last event), and a reader that stops reading pauses the upstream instead of
growing the edge's memory (backpressure: the emulator cannot send more than the sockets between hold). The log
line records `closed_early`. Nothing here times anything: each wait is for a fact, bounded only so a hang fails."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable

import pytest

from emulator import Emulator
from localfn.config import LLAMA_MODEL
from tests.edges.conftest import Edge, EdgePool, edge_config

STORY = {"messages": [{"role": "user", "content": "Tell me a story"}], "stream": True}
WAIT_SECONDS = 60.0
"""A bound on each wait, never reached when the edge behaves."""
REPLY_MEGABYTES = 12.0
"""A reply this long streams as ~12,000 events of 1 KB words (emulator/responses.py `huge_completion`): far more than
the loopback sockets between the emulator, the edge and the client hold."""


def wait_for(fact: Callable[[], bool], what: str) -> None:
    bound = time.monotonic() + WAIT_SECONDS
    while not fact():
        assert time.monotonic() < bound, f"still not {what} after {WAIT_SECONDS} s"
        time.sleep(0.05)


def raw_request(edge: Edge, path: str, body: dict, receive_buffer: int | None = None) -> socket.socket:
    """The request sent on a socket of the test's own, so the test decides when (and whether) the reply is read."""
    data = json.dumps(body).encode()
    sock = socket.socket()
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    host, port = edge.url.removeprefix("http://").split(":")
    sock.connect((host, int(port)))
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    sock.sendall(head.encode() + b"\r\n" + data)
    return sock


def read_until(sock: socket.socket, marker: bytes, count: int) -> bytes:
    received = b""
    sock.settimeout(WAIT_SECONDS)
    while received.count(marker) < count:
        piece = sock.recv(65536)
        assert piece, f"the stream ended before {count} of {marker!r}: {received[-300:]!r}"
        received += piece
    return received


def closed_line(edge: Edge, before: int) -> dict | None:
    lines = edge.log_lines()[before:]
    return lines[-1] if lines else None


@pytest.fixture
def streaming(edges: tuple[Edge, Edge]) -> Edge:
    return edges[1]


def test_a_client_gone_mid_stream_closes_the_upstream_call(streaming: Edge, emu: Emulator) -> None:
    emu.set_stream_seconds(5)
    logged = len(streaming.log_lines())
    sock = raw_request(streaming, "/genai/v1/chat/completions", STORY)
    read_until(sock, b"data: ", 3)
    sock.close()

    wait_for(lambda: bool(emu.streams) and emu.streams[0].closed_early, "closed by the edge")
    (stream,) = emu.streams
    assert len(stream.sent) < stream.total
    wait_for(lambda: closed_line(streaming, logged) is not None, "logged")
    line = closed_line(streaming, logged)
    assert line is not None and line["closed_early"] is True and line["status"] == 200
    assert line["route"] == "chat.completions" and line["ttft_ms"] >= 0


@pytest.fixture(scope="module")
def roomy(edge_pool: EdgePool, emulator: Emulator) -> Edge:
    """A streaming edge taking bodies up to the platform's 6 MB (the big tool schema below)."""
    return edge_pool.pair(edge_config(emulator, MAX_BODY_BYTES=None))[1]


def long_reply(emu: Emulator) -> dict:
    """A Llama request whose streamed reply is long (text: a held tool call would be gathered whole before any of it
    is released, docs/streaming.md#guarantees, so only text shows backpressure)."""
    emu.inject("huge_reply", megabytes=REPLY_MEGABYTES)
    return {"model": LLAMA_MODEL, "stream": True, "messages": [{"role": "user", "content": "Say something."}]}


def test_a_reader_that_stops_reading_pauses_the_upstream(roomy: Edge, emu: Emulator) -> None:
    # A reader that reads: the whole stream is sent, in `took` seconds.
    started = time.monotonic()
    sock = raw_request(roomy, "/genai/v1/chat/completions", long_reply(emu))
    read_until(sock, b"data: [DONE]", 1)
    sock.close()
    took = time.monotonic() - started
    (whole,) = emu.streams
    assert len(whole.sent) == whole.total
    emu.reset()

    # A reader that never reads: the emulator stops sending long before the end, and stays stopped for longer than
    # the whole stream took when it was read.
    logged = len(roomy.log_lines())
    sock = raw_request(roomy, "/genai/v1/chat/completions", long_reply(emu), receive_buffer=4096)
    try:
        wait_for(lambda: bool(emu.streams) and len(emu.streams[0].sent) > 0, "streaming")
        stalled, since = -1, time.monotonic()
        while time.monotonic() - since < max(took, 1.0):
            now = len(emu.streams[0].sent)
            if now != stalled:
                stalled, since = now, time.monotonic()
            assert now < emu.streams[0].total, "everything was sent to a reader that reads nothing"
            time.sleep(0.05)
    finally:
        sock.close()
    wait_for(lambda: emu.streams[0].closed_early, "closed by the edge")
    wait_for(lambda: closed_line(roomy, logged) is not None, "logged")
    line = closed_line(roomy, logged)
    assert line is not None and line["closed_early"] is True
