"""Both edges of one package, side by side against one emulator: the fdk edge (the real fdk behind the local API
Gateway, as tests/conftest.py runs it) and the streaming edge (uvicorn in its own process, localfn/edge_process.py).

`EdgePool.pair(config)` serves one function configuration through both; a test sends the same request to each
(`Edge.call`) and compares what came back, or asserts on one edge's stream.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator
from localfn.config import rerank_config
from localfn.edge_process import EdgeProcess, any_free_port
from localfn.gateway import LocalGateway
from tests.conftest import FunctionPool, RunningFunction, function_config

DEADLINE_SECONDS = 30.0
"""Both edges' deadline for a call (the gateway's Fn-Deadline; the streaming edge's STREAM_DEADLINE_SECONDS)."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Edge:
    """One edge's base URL and its request log lines."""

    name: str
    url: str
    function: RunningFunction | None = None
    process: EdgeProcess | None = None

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 60
    ) -> Answer:
        raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
        host, port = self.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
        try:
            sent = {"content-type": "application/json", **(headers or {})}
            connection.request(method, path, body=raw if raw or method != "GET" else None, headers=sent)
            reply = connection.getresponse()
            return Answer(reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read())
        finally:
            connection.close()

    def log_lines(self) -> list[dict[str, Any]]:
        text = self.function.process.stderr() if self.function else self.process.stderr() if self.process else ""
        return [json.loads(line) for line in text.splitlines() if line.startswith('{"ts"')]

    def last_log(self) -> dict[str, Any]:
        return self.log_lines()[-1]

    def logged(self, after: int, matches: Callable[[dict[str, Any]], bool], wait: float = 5.0) -> bool:
        """Whether a line after the first `after` matches, waiting up to `wait` s: a stream's line is written as its
        last chunk is closed, which a client that has read `[DONE]` may see a moment before the edge writes it (and a
        previous stream's line may still be on its way)."""
        ends = time.monotonic() + wait
        while True:
            if any(matches(line) for line in self.log_lines()[after:]):
                return True
            if time.monotonic() >= ends:
                return False
            time.sleep(0.02)


class EdgePool:
    """Pairs of edges per configuration, started on first use and stopped together."""

    def __init__(self, functions: FunctionPool, rp_env: dict[str, str], directory: Path) -> None:
        self._functions, self._rp_env, self._directory = functions, rp_env, directory
        self._pairs: dict[str, tuple[Edge, Edge]] = {}
        self._gateways: list[LocalGateway] = []
        self._processes: list[EdgeProcess] = []

    def pair(self, config: dict[str, str], deadline: float = DEADLINE_SECONDS) -> tuple[Edge, Edge]:
        key = json.dumps([config, deadline], sort_keys=True)
        if key not in self._pairs:
            function = self._functions.start(config)
            gateway = LocalGateway([function.process.socket_path], port=0, deadline_seconds=deadline).start()
            self._gateways.append(gateway)
            env = {**self._rp_env, **config, "STREAM_DEADLINE_SECONDS": str(deadline)}
            log = self._directory / f"edge-{len(self._processes)}.log"
            process = EdgeProcess(env, any_free_port(), log, inherit_env=False).start()
            self._processes.append(process)
            self._pairs[key] = (
                Edge("fdk", gateway.url, function=function),
                Edge("streaming", process.url, process=process),
            )
        return self._pairs[key]

    def stop(self) -> None:
        for gateway in self._gateways:
            gateway.stop()
        for process in self._processes:
            process.stop()
        self._functions.stop()


@pytest.fixture(scope="module")
def edge_pool(rp_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgePool]:
    pool = EdgePool(FunctionPool(rp_env), rp_env, tmp_path_factory.mktemp("edges"))
    yield pool
    pool.stop()


def edge_config(emulator: Emulator, **overrides: str | None) -> dict[str, str]:
    """Every route on (rerank included), one attempt per call (so a 429 reaches the caller), a small body limit."""
    return function_config(emulator, **{**rerank_config(), "MAX_ATTEMPTS": "1", "MAX_BODY_BYTES": "20000", **overrides})


@pytest.fixture(scope="module")
def edges(edge_pool: EdgePool, emulator: Emulator) -> tuple[Edge, Edge]:
    """(fdk edge, streaming edge) serving the same configuration."""
    return edge_pool.pair(edge_config(emulator))


@pytest.fixture
def emu(emulator: Emulator) -> Iterator[Emulator]:
    """The emulator, cleared of faults, pacing and records before and after the test."""
    emulator.reset()
    yield emulator
    emulator.reset()
