"""The usage function under the real fdk (its own entrypoint, genai_fn/usage/entry.py), fed Connector Hub batches,
posting to the emulator's signature-checking PostMetricData stand-in: what Monitoring received is asserted."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime

import pytest

from emulator import Emulator
from localfn.client import FnClient
from localfn.fdk_process import REPO_ROOT, FdkProcess, fdk_command

from .batches import batch, entry, request_line

COMPARTMENT = "ocid1.compartment.oc1..usage"
ENTRYPOINT = REPO_ROOT / "genai_fn" / "usage" / "entry.py"


class UsageFn:
    def __init__(self, process: FdkProcess) -> None:
        self.process = process
        self.client = FnClient(process.socket_path)

    def post(self, body: bytes) -> tuple[int, dict]:
        reply = self.client.invoke(body, deadline_seconds=30)
        return reply.socket_status, json.loads(reply.body)

    def log_lines(self) -> list[dict]:
        lines = [line for line in self.process.stderr().splitlines() if line.startswith("{")]
        return [json.loads(line) for line in lines if '"usage_batch"' in line]


@pytest.fixture(scope="module")
def usage_fn(emulator: Emulator, rp_env: dict[str, str]) -> Iterator[UsageFn]:
    env = {
        **rp_env,
        "USAGE_METRICS_NAMESPACE": "genai_usage",
        "USAGE_METRICS_COMPARTMENT_OCID": COMPARTMENT,
        "USAGE_METRICS_ENDPOINT": emulator.url,
    }
    process = FdkProcess(env, command=fdk_command(ENTRYPOINT, "handler")).start()
    running = UsageFn(process)
    try:
        yield running
    finally:
        running.client.close()
        process.stop()


def metric_posts(emulator: Emulator) -> list:
    return [r for r in emulator.requests if r.path.startswith("/20180401/metrics")]


def test_a_batch_becomes_one_signed_post_metric_data_call_with_the_sums(usage_fn: UsageFn, emulator: Emulator) -> None:
    emulator.reset()
    now = time.time()
    minute = int(now // 60) * 60
    body = batch(
        entry("Received function invocation request", now),
        entry(request_line("team-a", "cohere.command-a-03-2025", "/v1/chat/completions", 100, 20, now), now),
        entry(request_line("team-a", "cohere.command-a-03-2025", "/v1/chat/completions", 50, 5, now), now),
        entry(request_line("team-b", "meta.llama-3.3-70b-instruct", "/chat", 7, 3, now), now),
        entry("{not json", now),
        {"data": {"no": "message"}},
        entry(request_line("x y", "m", "/chat", 1, 1, now), now),
    )
    status, summary = usage_fn.post(body)
    assert status == 200, summary
    assert summary == {
        "entries": 7,
        "request_lines": 3,
        "ignored": 2,
        "malformed": 2,
        "stale": 0,
        "streams": 8,
        "datapoints": 8,
        "calls": 1,
        "failed_metrics": 0,
    }
    (post,) = metric_posts(emulator)
    assert post.status == 200 and post.principal is not None, "the emulator checked the request's signature"
    sent = post.json["metricData"]
    values = {(m["name"], m["dimensions"]["caller"], m["dimensions"]["model"], m["dimensions"]["route"]):
              [(p["value"], p["timestamp"]) for p in m["datapoints"]] for m in sent}  # fmt: skip
    stamp = datetime.fromisoformat(sent[0]["datapoints"][0]["timestamp"].replace("Z", "+00:00")).timestamp()
    assert stamp == minute
    when = sent[0]["datapoints"][0]["timestamp"]
    chat = ("team-a", "cohere.command-a-03-2025", "/v1/chat/completions")
    llama = ("team-b", "meta.llama-3.3-70b-instruct", "/chat")
    assert values == {
        ("requests", *chat): [(2.0, when)],
        ("input_tokens", *chat): [(150.0, when)],
        ("output_tokens", *chat): [(25.0, when)],
        ("total_tokens", *chat): [(175.0, when)],
        ("requests", *llama): [(1.0, when)],
        ("input_tokens", *llama): [(7.0, when)],
        ("output_tokens", *llama): [(3.0, when)],
        ("total_tokens", *llama): [(10.0, when)],
    }
    assert {m["namespace"] for m in sent} == {"genai_usage"} and {m["compartmentId"] for m in sent} == {COMPARTMENT}
    assert usage_fn.log_lines()[-1] | {"ts": None} == {
        "ts": None,
        "level": "INFO",
        "event": "usage_batch",
        **summary,
        "status": 200,
    }


def test_more_than_50_streams_are_split_and_the_log_says_so(usage_fn: UsageFn, emulator: Emulator) -> None:
    emulator.reset()
    now = time.time()
    body = batch(*(entry(request_line(f"caller-{i}", "m", "/chat", 1, 1, now), now) for i in range(13)))
    status, summary = usage_fn.post(body)
    assert (status, summary["streams"], summary["calls"]) == (200, 52, 2)
    assert [len(p.json["metricData"]) for p in metric_posts(emulator)] == [50, 2]


def test_nothing_usable_posts_nothing(usage_fn: UsageFn, emulator: Emulator) -> None:
    emulator.reset()
    status, summary = usage_fn.post(b"[]")
    assert (status, summary["calls"], summary["streams"]) == (200, 0, 0)
    stale = time.time() - 3 * 3600
    status, summary = usage_fn.post(batch(entry(request_line("team-a", "m", "/chat", 1, 1, stale), stale)))
    assert (status, summary["stale"], summary["calls"]) == (200, 1, 0)
    status, summary = usage_fn.post(b"\x00garbage")
    assert (status, summary["malformed"]) == (200, 1)
    assert metric_posts(emulator) == []


def test_a_failed_post_is_a_failed_invocation_with_the_counts_in_the_log(usage_fn: UsageFn, emulator: Emulator) -> None:
    emulator.reset()
    emulator.fail_next(status=500, code="InternalServerError", message="boom")
    now = time.time()
    status, summary = usage_fn.post(batch(entry(request_line("team-a", "m", "/chat", 3, 4, now), now)))
    assert status == 502
    assert (summary["error"], summary["error_status"], summary["calls"]) == ("TransientServiceError", 500, 0)
    assert usage_fn.log_lines()[-1]["level"] == "ERROR" and usage_fn.log_lines()[-1]["request_lines"] == 1
    assert len(metric_posts(emulator)) == 1, "one attempt: a retried post that had arrived would count twice"


def test_a_missing_compartment_is_answered_naming_the_variable(emulator: Emulator, rp_env: dict[str, str]) -> None:
    env = {**rp_env, "USAGE_METRICS_ENDPOINT": emulator.url}
    with FdkProcess(env, command=fdk_command(ENTRYPOINT, "handler")) as process:
        client = FnClient(process.socket_path)
        try:
            reply = client.invoke(b"[]")
        finally:
            client.close()
    assert reply.socket_status == 502, "a failed invocation, so the connector reports it"
    assert "USAGE_METRICS_COMPARTMENT_OCID" in json.loads(reply.body)["error"]
