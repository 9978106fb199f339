"""Who spends what, end to end: the local gateway authenticates bearer tokens and passes the caller as the deployment's
spec does; two function processes share one real cache server (Debian's redis-server, TLS, an ACL user, as OCI Cache
runs it); one caller over its budget gets 429 with Retry-After while the other goes on; the request log carries the
caller, and the usage table adds it up per caller."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator
from localfn.fdk_process import REPO_ROOT
from localfn.gateway import LocalGateway
from localfn.gateway_auth import TokenAuth
from tests.conftest import FunctionPool, RunningFunction, function_config
from tests.usage.redis_server import PASSWORD, USER, RedisServer

AUTH = TokenAuth(secret="local-gateway-test-secret-of-32-bytes-or-more")
BUDGETS = "team-a:10/hour,*:100000/hour"
"""team-a gets 10 tokens an hour: two emulated replies (7 tokens each) use it up; every other caller has plenty."""


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("cache")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def functions(module_functions: FunctionPool, emulator: Emulator, cache: RedisServer) -> list[RunningFunction]:
    """Two containers of one function, as Fn scales it: they share nothing but the cache."""
    url = f"rediss://{USER}:{PASSWORD}@localhost:{cache.port}/0?ssl_ca_certs={cache.ca_file}"
    config = function_config(emulator, TOKEN_BUDGETS=BUDGETS, BUDGET_STORE_URL=url)
    return [module_functions.start(config), module_functions.start(config)]


@pytest.fixture(scope="module")
def gateway(functions: list[RunningFunction]) -> Iterator[LocalGateway]:
    running = LocalGateway([f.process.socket_path for f in functions], port=0, auth=AUTH).start()
    try:
        yield running
    finally:
        running.stop()


def post(gateway: LocalGateway, caller: str | None, body: dict[str, Any], **headers: str) -> tuple[int, Any, Any]:
    if caller is not None:
        headers["Authorization"] = f"Bearer {AUTH.token(caller)}"
    request = urllib.request.Request(
        f"{gateway.url}/genai/chat",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, error.headers, json.loads(raw) if raw.startswith(b"{") else raw


def request_lines(functions: list[RunningFunction]) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for function in functions:
        lines += function.request_logs()
    return lines


def test_one_caller_over_its_budget_is_refused_while_the_other_goes_on(gateway, functions, emulator) -> None:
    for function in functions:
        function.new_log()
    statuses = [post(gateway, "team-a", {"input": f"question {i}"})[0] for i in range(2)]
    assert statuses == [200, 200]
    emulator.reset()
    status, headers, body = post(gateway, "team-a", {"input": "one more"})
    assert status == 429 and body["error"]["type"] == "budget_exceeded"
    assert 0 < int(headers["Retry-After"]) <= 3600 and "team-a has used its token budget" in body["error"]["message"]
    assert len(emulator.requests) == 0, "nothing was sent to the model"
    for i in range(4):  # the other caller, served by both processes, is not held back
        assert post(gateway, "team-b", {"input": f"hello {i}"})[0] == 200
    lines = request_lines(functions)
    assert {line["call_id"] for line in lines if line["caller"] == "team-b"} and len(lines) == 7
    assert {line["caller"] for line in lines} == {"team-a", "team-b"}
    refused = [line for line in lines if line["status"] == 429]
    assert len(refused) == 1 and refused[0]["caller"] == "team-a" and refused[0]["code"] == "budget_exceeded"
    served = [line for line in lines if line["status"] == 200]
    assert all(line["budget"]["enforced"] and line["budget"]["reserved"] > 0 for line in served)


def test_the_usage_table_adds_up_each_caller(functions) -> None:
    logs = [str(f.process.stderr_path) for f in functions]
    table = subprocess.run(
        [sys.executable, "-m", "genai_fn.usage", *logs], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    ).stdout
    rows = {line.split()[0]: line.split() for line in table.splitlines() if line.startswith("team-")}
    assert set(rows) == {"team-a", "team-b"}, table
    header = table.splitlines()[0].split()
    lines = request_lines_of(logs)
    for caller, row in rows.items():  # every request counts (the refused one too), with the tokens it used
        made = [line for line in lines if line["caller"] == caller]
        counts = dict(zip(header, row, strict=True))
        assert int(counts["requests"]) == len(made) and int(counts["total_tokens"]) == sum(
            line.get("total_tokens", 0) for line in made
        ), (caller, table)


def request_lines_of(paths: list[str]) -> list[dict[str, Any]]:
    lines = []
    for path in paths:
        lines += [json.loads(x) for x in Path(path).read_text().splitlines() if x.startswith('{"ts"')]
    return [line for line in lines if line.get("event") == "request"]


def test_no_token_no_call_and_a_clients_own_caller_header_never_reaches_the_function(gateway, functions) -> None:
    status, _, _ = post(gateway, None, {"input": "hi"})
    assert status == 401
    for function in functions:
        function.new_log()
    status, _, _ = post(gateway, "team-b", {"input": "hi"}, **{"X-Genai-Caller": "gw:team-a"})
    assert status == 200
    assert [line["caller"] for line in request_lines(functions)] == ["team-b"]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("team-a", "set only by the API gateway"),
        ("gw:", "no caller identity"),
        ("gw:two words", "not usable"),
        ("gw:" + "x" * 201, "not usable"),
        ("gw:fn-invoke", "not usable"),
    ],
)
def test_a_caller_value_the_gateway_cannot_have_set_is_refused(functions, value, words) -> None:
    """Sent straight to the function with gateway headers, as a spec that let a client's header through would."""
    reply = functions[0].invoke({"input": "hi"}, gateway=True, headers={"X-Genai-Caller": value})
    error = json.loads(reply.body)["error"]
    assert reply.status == 400 and error["param"] == "X-Genai-Caller" and words in error["message"]


def test_a_plain_invoke_is_attributed_to_fn_invoke_whatever_it_sends(functions) -> None:
    functions[0].new_log()
    reply = functions[0].invoke({"input": "hi"}, headers={"X-Genai-Caller": "gw:team-a"})
    assert reply.status == 200
    assert [line["caller"] for line in functions[0].request_logs()] == ["fn-invoke"]


def test_with_budgets_on_one_request_writes_one_line(module_functions, emulator, cache) -> None:
    """fdk sets the root logger to DEBUG; redis-py's own DEBUG lines (its first connection logs some) must not reach
    the function's log. A container of its own, so the request makes the container's first cache connection."""
    url = f"rediss://{USER}:{PASSWORD}@localhost:{cache.port}/0?ssl_ca_certs={cache.ca_file}"
    function = module_functions.start(function_config(emulator, TOKEN_BUDGETS=BUDGETS, BUDGET_STORE_URL=url))
    function.new_log()
    reply = function.invoke({"input": "hi"}, gateway=True, url="/chat", headers={"X-Genai-Caller": "gw:team-c"})
    assert reply.status == 200
    lines = [line for line in function.new_log().splitlines() if line.strip()]
    assert len(lines) == 1 and json.loads(lines[0])["budget"]["enforced"], lines
