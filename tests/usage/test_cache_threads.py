"""The container's one cache connection shared by the streaming edge's worker threads: budgeted calls made at the
same time, each in its own thread as the edge runs them, against a real redis-server on loopback (TLS, ACL user).
No call may see the store fail (a 503 under BUDGET_ON_STORE_ERROR=closed, or a lost settle) because another thread
used the connection at the same moment, and the counter ends at exactly the tokens charged."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from emulator import Emulator
from genai_fn.app import App
from genai_fn.budgets.store import counter_key
from genai_fn.caller import GATEWAY_PREFIX
from genai_fn.config import Settings
from genai_fn.http import Invocation, StreamReply
from genai_fn.logs import RequestLog
from tests.conftest import function_config

from .redis_server import RedisServer

CALLS = 20
CALLER = "team-threads"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    running = RedisServer(tmp_path_factory.mktemp("redis-threads")).start()
    try:
        yield running
    finally:
        running.stop()


def invocation(index: int) -> Invocation:
    body = {
        "model": "meta.llama-3.3-70b-instruct",
        "messages": [{"role": "user", "content": f"Tell me story number {index}"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    return Invocation(
        method="POST",
        path="/v1/chat/completions",
        headers={"content-type": "application/json", "x-genai-caller": GATEWAY_PREFIX + CALLER},
        body=json.dumps(body).encode(),
        call_id=f"thread-{index}",
        deadline=time.monotonic() + 60,
        via_gateway=True,
        streaming=True,
    )


def counter(server: RedisServer, settings: Settings) -> int:
    assert settings.budgets is not None
    budget = settings.budgets.limits_for(CALLER)[0]
    client = redis.Redis.from_url(server.url)
    try:
        return int(client.get(counter_key(CALLER, budget, time.time())) or 0)
    finally:
        client.close()


def test_concurrent_budgeted_streams_share_the_cache_connection_safely(
    server: RedisServer, emulator: Emulator, rp_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in rp_env.items():
        monkeypatch.setenv(name, value)
    emulator.reset()
    budgets = {"TOKEN_BUDGETS": f"{CALLER}:100000000/day", "BUDGET_ON_STORE_ERROR": "closed"}
    settings = Settings.from_env(function_config(emulator, BUDGET_STORE_URL=server.url, **budgets))
    log = io.StringIO()
    app = App.configured(settings, request_log=RequestLog(log))
    start = threading.Barrier(CALLS)
    usages: list[int] = []
    failures: list[Any] = []

    def call(index: int) -> None:
        start.wait()
        reply = app.handle(invocation(index))
        if not isinstance(reply, StreamReply):
            failures.append((reply.status, reply.body[:300]))
            return
        events = [
            json.loads(line.removeprefix(b"data: "))
            for chunk in reply.chunks
            for line in chunk.splitlines()
            if line.startswith(b"data: {")
        ]
        if "usage" not in events[-1]:
            failures.append(events[-1])
            return
        usages.append(events[-1]["usage"]["total_tokens"])

    threads = [threading.Thread(target=call, args=(index,)) for index in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    emulator.reset()

    lines = [json.loads(line) for line in log.getvalue().splitlines() if line.startswith("{")]
    assert failures == []
    assert len(usages) == len(lines) == CALLS
    assert [line["status"] for line in lines] == [200] * CALLS
    assert not [line["budget"] for line in lines if "store_error" in line["budget"]]
    assert [line["budget"].get("charged") for line in lines] == [line["total_tokens"] for line in lines]
    assert counter(server, settings) == sum(usages) > 0
