"""The streaming edge's own ASGI steps, driven in-process with scripted `receive`/`send` (the App behind it is the
real one, calling the emulator): a response whose start cannot be sent still closes the upstream and logs once; a body
read stops at the limit and at the deadline; X-Genai-Caller counts only when the deployment says it may."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from emulator import Emulator
from genai_fn.app import App
from genai_fn.budgets.store import counter_key
from genai_fn.config import Settings
from genai_fn.edges.asgi import StreamingEdge
from genai_fn.logs import RequestLog
from tests.conftest import function_config
from tests.usage.redis_server import RedisServer

STORY = {"messages": [{"role": "user", "content": "Tell me a story"}], "stream": True}
BOUND_SECONDS = 60.0
"""A bound on each in-process call, never reached when the edge behaves."""


class Edge:
    """A StreamingEdge over an in-process App with a log buffer."""

    def __init__(self, settings: Settings) -> None:
        self.log = io.StringIO()
        self.edge = StreamingEdge(App.configured(settings, request_log=RequestLog(self.log)))

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.getvalue().splitlines() if line.startswith("{")]

    def call(self, receive: Callable[[], Any], send: Callable[[Any], Any], **headers: str) -> None:
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/genai/v1/chat/completions",
            "headers": [(b"content-type", b"application/json")]
            + [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()],
        }
        asyncio.run(asyncio.wait_for(self.edge(scope, receive, send), BOUND_SECONDS))


@pytest.fixture(scope="module")
def make(emulator: Emulator, rp_env: dict[str, str]) -> Iterator[Callable[..., Edge]]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in rp_env.items():
            patch.setenv(name, value)
        yield lambda **config: Edge(Settings.from_env(function_config(emulator, **config)))


@pytest.fixture
def emu(emulator: Emulator) -> Iterator[Emulator]:
    emulator.reset()
    yield emulator
    emulator.reset()


def whole_body(body: bytes) -> Callable[[], Any]:
    """The request in one message, then (as a server does once the body is read) nothing until the client leaves."""
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    return receive


class Sent:
    """What the edge sent; `refuse_start` makes the start of the response fail, as a transport gone would."""

    def __init__(self, refuse_start: bool = False) -> None:
        self.messages: list[dict[str, Any]] = []
        self.refuse_start = refuse_start

    async def __call__(self, message: dict[str, Any]) -> None:
        if self.refuse_start and message["type"] == "http.response.start":
            raise OSError("the connection is gone")
        self.messages.append(message)

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"])

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body")


def test_a_response_whose_start_fails_closes_the_upstream_and_logs_once(make, emu) -> None:
    edge = make()
    emu.set_stream_seconds(3)
    with pytest.raises(OSError, match="gone"):
        edge.call(whole_body(json.dumps(STORY).encode()), Sent(refuse_start=True))
    (stream,) = emu.streams
    deadline = time.monotonic() + BOUND_SECONDS
    while not stream.closed_early and len(stream.sent) < stream.total:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert stream.closed_early, "the upstream response was closed, not read to its end"
    (line,) = edge.lines()
    assert line["route"] == "chat.completions" and line["closed_early"] is True


def test_an_over_long_body_is_refused_at_the_limit_without_reading_the_rest(make, emu) -> None:
    edge = make(MAX_BODY_BYTES="20000")
    read = 0

    async def endless() -> dict[str, Any]:  # a client that would send forever
        nonlocal read
        read += 1
        await asyncio.sleep(0)  # a real server's receive yields to the loop: the test's bound can act
        return {"type": "http.request", "body": b"x" * 4096, "more_body": True}

    sent = Sent()
    edge.call(endless, sent)
    assert sent.status == 413 and json.loads(sent.body)["error"]["code"] == "payload_too_large"
    assert dict(sent.messages[0]["headers"])[b"connection"] == b"close"
    assert read == 5  # 20,001 bytes kept: 5 messages of 4,096, and not one more
    assert [line["status"] for line in edge.lines()] == [413]
    assert len(emu.requests) == 0


def test_a_body_that_does_not_arrive_by_the_deadline_is_answered_408(make, emu) -> None:
    edge = make(STREAM_DEADLINE_SECONDS="1")
    first = True

    async def trickle() -> dict[str, Any]:  # one piece, then silence (the client holds the connection)
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b'{"messages": ', "more_body": True}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    sent = Sent()
    edge.call(trickle, sent)
    assert sent.status == 408 and dict(sent.messages[0]["headers"])[b"connection"] == b"close"
    body = json.loads(b"".join(m.get("body", b"") for m in sent.messages[1:]))
    assert body["error"]["code"] == "request_timeout", "a JSON error in the route's contract (OpenAI's), as every other"
    assert len(emu.requests) == 0


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("edge-cache")).start()
    try:
        yield server
    finally:
        server.stop()


def counted(cache: RedisServer, settings: Settings, caller: str) -> int:
    assert settings.budgets is not None
    client = redis.Redis.from_url(cache.url)
    try:
        return int(client.get(counter_key(caller, settings.budgets.limits_for(caller)[0], time.time())) or 0)
    finally:
        client.close()


@pytest.mark.parametrize(("trust", "caller"), [(None, "anonymous"), ("true", "team-a")])
def test_a_forged_caller_header_spends_no_teams_budget_unless_the_deployment_trusts_it(
    make, emu, cache, trust, caller
) -> None:
    """Anyone who reaches the edge can send X-Genai-Caller: by default it is ignored (the call is `anonymous`, on the
    default budget); with STREAM_TRUST_CALLER_HEADER=true (the gateway alone reaches the edge) it names the caller."""
    config = {"TOKEN_BUDGETS": "team-a:100000/day,*:100000/day", "BUDGET_STORE_URL": cache.url}
    edge = make(**config, **({"STREAM_TRUST_CALLER_HEADER": trust} if trust else {}))
    settings = edge.edge.settings
    assert settings is not None
    before = {name: counted(cache, settings, name) for name in ("team-a", "anonymous")}
    sent = Sent()
    edge.call(whole_body(json.dumps({**STORY, "stream": False}).encode()), sent, x_genai_caller="gw:team-a")
    assert sent.status == 200
    (line,) = edge.lines()
    assert line["caller"] == caller and line["budget"]["charged"] > 0
    spent = {name: counted(cache, settings, name) - before[name] for name in before}
    assert spent == {name: line["budget"]["charged"] if name == caller else 0 for name in before}
