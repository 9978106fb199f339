"""The streaming edge posts the usage metrics itself (genai_fn/edges/usage.py): the edge under uvicorn, configured
with the usage function's variables, serves a few requests (a stream among them); at shutdown the emulator's
signature-checking PostMetricData stand-in has received the per-caller, per-model sums of the edge's own request
lines, under the usage function's metric names and dimensions."""

from __future__ import annotations

import io
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator import Emulator
from genai_fn.edges.usage import EdgeUsage
from genai_fn.usage.config import UsageSettings
from localfn.edge_process import EdgeProcess, any_free_port
from tests.constants import COHERE_MODEL

from .conftest import Edge, edge_config

COMPARTMENT = "ocid1.compartment.oc1..usage"
STORY = {"messages": [{"role": "user", "content": "Tell me a story"}]}


def usage_env(emulator: Emulator, rp_env: dict[str, str], **extra: str) -> dict[str, str]:
    return {
        **rp_env,
        **edge_config(emulator),
        "USAGE_METRICS_COMPARTMENT_OCID": COMPARTMENT,
        "USAGE_METRICS_ENDPOINT": emulator.url,
        "STREAM_TRUST_CALLER_HEADER": "true",  # the tests call as the gateway does, naming each caller
        **extra,
    }


def metric_posts(emulator: Emulator) -> list[Any]:
    return [r for r in emulator.requests if r.path.startswith("/20180401/metrics")]


def sums(posts: list[Any]) -> dict[tuple[str, str, str], float]:
    """(metric, caller, model) -> its value summed over every post, route and minute (what `.sum()` would show)."""
    total: Counter[tuple[str, str, str]] = Counter()
    for post in posts:
        for metric in post.json["metricData"]:
            assert metric["namespace"] == "genai_usage" and metric["compartmentId"] == COMPARTMENT
            assert set(metric["dimensions"]) == {"caller", "model", "route"}
            key = (metric["name"], metric["dimensions"]["caller"], metric["dimensions"]["model"])
            total[key] += sum(point["value"] for point in metric["datapoints"])
    return dict(total)


def serve(env: dict[str, str], directory: Path) -> tuple[EdgeProcess, Edge]:
    process = EdgeProcess(env, any_free_port(), directory / "edge.log", inherit_env=False).start()
    return process, Edge("streaming", process.url, process=process)


def flush_lines(process: EdgeProcess) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in process.stderr().splitlines() if line.startswith('{"ts"')]
    return [line for line in lines if line["event"] == "usage_flush"]


def test_the_edge_posts_each_callers_tokens_at_shutdown(
    emulator: Emulator, rp_env: dict[str, str], tmp_path: Path
) -> None:
    emulator.reset()
    process, edge = serve(usage_env(emulator, rp_env), tmp_path)
    try:
        team_a = {"x-genai-caller": "gw:team-a"}
        chat = {"model": COHERE_MODEL, **STORY}
        assert edge.call("POST", "/v1/chat/completions", chat, team_a).status == 200
        streamed = edge.call("POST", "/v1/chat/completions", {**chat, "stream": True}, team_a)
        assert streamed.status == 200 and b"data:" in streamed.body
        assert edge.call("POST", "/genai/chat", {"input": "Hi"}, {"x-genai-caller": "gw:team-b"}).status == 200
        requests = [line for line in edge.log_lines() if line["event"] == "request"]
        assert metric_posts(emulator) == [], "nothing is posted before the minute's flush or the shutdown"
    finally:
        process.stop()
    assert len(requests) == 3 and all(line["prompt_tokens"] > 0 for line in requests)
    expected: Counter[tuple[str, str, str]] = Counter()
    for line in requests:
        for metric, field in (("requests", None), ("input_tokens", "prompt_tokens"),
                              ("output_tokens", "completion_tokens"), ("total_tokens", "total_tokens")):  # fmt: skip
            expected[(metric, line["caller"], line["model"])] += 1 if field is None else line[field]
    posts = metric_posts(emulator)
    assert posts and all(post.status == 200 and post.principal is not None for post in posts), "signed, accepted"
    assert sums(posts) == dict(expected)
    assert {caller for _, caller, _ in expected} == {"team-a", "team-b"}
    assert expected[("requests", "team-a", COHERE_MODEL)] == 2
    (flush,) = flush_lines(process)
    assert (flush["level"], flush["request_lines"], flush["dropped"], flush["calls"]) == ("INFO", 3, 0, len(posts))


def test_a_failed_post_is_one_log_line_and_the_edge_ends_cleanly(
    emulator: Emulator, rp_env: dict[str, str], tmp_path: Path
) -> None:
    emulator.reset()
    process, edge = serve(usage_env(emulator, rp_env, USAGE_METRICS="edge"), tmp_path)
    try:
        assert edge.call("POST", "/genai/chat", {"input": "Hi"}, {"x-genai-caller": "gw:team-a"}).status == 200
        emulator.fail_next(status=500, code="InternalServerError", message="boom")
    finally:
        process.stop()
    assert "Traceback" not in process.stderr()
    (flush,) = flush_lines(process)
    assert (flush["level"], flush["error_status"], flush["calls"], flush["unposted_calls"]) == ("ERROR", 500, 0, 1)
    assert len(metric_posts(emulator)) == 1, "one attempt: a retried post that had arrived would count twice"


def test_usage_metrics_off_loads_nothing_of_them(emulator: Emulator, rp_env: dict[str, str], tmp_path: Path) -> None:
    """USAGE_METRICS=off wins over the usage variables: no flush line, no post."""
    emulator.reset()
    process, edge = serve(usage_env(emulator, rp_env, USAGE_METRICS="off"), tmp_path)
    try:
        assert edge.call("POST", "/genai/chat", {"input": "Hi"}, {"x-genai-caller": "gw:team-a"}).status == 200
    finally:
        process.stop()
    assert flush_lines(process) == [] and metric_posts(emulator) == []


@pytest.mark.parametrize("value", ["on", "true", "function"])
def test_an_unknown_usage_metrics_value_is_a_configuration_error(
    emulator: Emulator, rp_env: dict[str, str], tmp_path: Path, value: str
) -> None:
    process, edge = serve(usage_env(emulator, rp_env, USAGE_METRICS=value), tmp_path)
    try:
        answer = edge.call("POST", "/genai/chat", {"input": "Hi"}, {"x-genai-caller": "gw:team-a"})
    finally:
        process.stop()
    assert answer.status == 500 and "USAGE_METRICS" in process.stderr()


@pytest.fixture
def rp_environ(rp_env: dict[str, str]) -> Iterator[None]:
    """The resource principal in this process's environment, for an EdgeUsage built here."""
    saved = dict(os.environ)
    os.environ.update(rp_env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_pending_lines_are_capped_and_the_drops_counted(emulator: Emulator, rp_environ: None) -> None:
    emulator.reset()
    settings = UsageSettings("genai_usage", COMPARTMENT, emulator.url)
    log = io.StringIO()
    usage = EdgeUsage(settings, max_pending=2, stream=log)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    line = {"ts": now, "event": "request", "caller": "team-a", "model": "m", "route": "chat", "prompt_tokens": 5}
    for _ in range(3):
        usage.record(line)
    usage.record({**line, "caller": "not a caller"})
    usage.record({"event": "usage_batch"})
    usage.close()
    flush = json.loads(log.getvalue())
    assert (flush["request_lines"], flush["dropped"], flush["malformed"], flush["calls"]) == (2, 1, 1, 1)
    assert sums(metric_posts(emulator)) == {
        ("requests", "team-a", "m"): 2.0,
        ("input_tokens", "team-a", "m"): 10.0,
        ("output_tokens", "team-a", "m"): 0.0,
        ("total_tokens", "team-a", "m"): 10.0,
    }


def test_the_thread_posts_every_interval_without_waiting_for_shutdown(emulator: Emulator, rp_environ: None) -> None:
    """The minute's flush, with the interval shortened: the lines are posted while the edge runs."""
    emulator.reset()
    usage = EdgeUsage(UsageSettings("genai_usage", COMPARTMENT, emulator.url), interval=0.1, stream=io.StringIO())
    usage.start()
    try:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        usage.record({"ts": now, "event": "request", "caller": "team-a", "model": "m", "route": "chat"})
        for _ in range(300):
            if metric_posts(emulator):
                break
            time.sleep(0.05)
        assert sums(metric_posts(emulator))[("requests", "team-a", "m")] == 1.0
    finally:
        usage.close()
    assert len(metric_posts(emulator)) == 1, "nothing left to post at shutdown"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
FIELDS = st.sampled_from(["ts", "event", "caller", "model", "route", "prompt_tokens", "completion_tokens",
                          "total_tokens", "cached_tokens", "reasoning_tokens"])  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.dictionaries(FIELDS, JSON | st.just("request"), max_size=10), max_size=20))
def test_record_never_raises_and_keeps_at_most_the_cap(lines: list[dict[str, Any]]) -> None:
    """Whatever a request line holds, recording it never raises on the request's thread, at most max_pending lines
    wait, and the flush's line accounts for every one (kept, dropped or malformed); a post that cannot be made (no
    resource principal here, nothing listening) is its `error`, never an exception."""
    log = io.StringIO()
    usage = EdgeUsage(UsageSettings("genai_usage", COMPARTMENT, "http://127.0.0.1:9"), max_pending=3, stream=log)
    for line in lines:
        usage.record({**line, "event": "request"})
    usage.flush()
    if not lines:
        assert log.getvalue() == ""
        return
    flush = json.loads(log.getvalue())
    assert flush["request_lines"] <= 3
    assert flush["request_lines"] + flush["dropped"] + flush["malformed"] == len(lines)
