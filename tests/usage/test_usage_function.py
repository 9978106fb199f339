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
COMMAND_A = "cohere.command-a-03-2025"
LLAMA = "meta.llama-3.3-70b-instruct"


class UsageFn:
    def __init__(self, process: FdkProcess) -> None:
        self.process = process
        self.client = FnClient(process.socket_path)

    def post(self, body: bytes, deadline_seconds: float = 30) -> tuple[int, dict]:
        reply = self.client.invoke(body, deadline_seconds=deadline_seconds)
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


def test_a_batch_with_a_huge_count_and_a_deep_entry_posts_the_rest(usage_fn: UsageFn, emulator: Emulator) -> None:
    """A 400-digit prompt_tokens (OverflowError as a float) and JSON nested 100,000 deep (RecursionError in
    json.loads) crashed the function before: fdk's 502, no usage_batch line, nothing of the batch posted."""
    emulator.reset()
    now = time.time()
    huge = request_line("team-x", "m", "/chat", 1, 1, now).replace('"prompt_tokens":1', '"prompt_tokens":' + "9" * 400)
    deep = "[" * 100_000 + "]" * 100_000
    good = json.dumps(entry(request_line("team-a", "m", "/chat", 3, 4, now), now))
    status, summary = usage_fn.post(f"[{json.dumps(entry(huge, now))},{deep},{good}]".encode())
    assert status == 200 and (summary["entries"], summary["malformed"], summary["calls"]) == (3, 2, 1)
    (post,) = metric_posts(emulator)
    sent = {(m["name"], m["dimensions"]["caller"]): m["datapoints"][0]["value"] for m in post.json["metricData"]}
    assert sent == {("requests", "team-a"): 1.0, ("input_tokens", "team-a"): 3.0, ("output_tokens", "team-a"): 4.0,
                    ("total_tokens", "team-a"): 7.0}  # fmt: skip
    assert usage_fn.log_lines()[-1]["malformed"] == 2


def test_no_post_is_started_that_could_not_end_before_the_deadline(usage_fn: UsageFn, emulator: Emulator) -> None:
    """80 posts of 0.2 s each cannot fit a 3 s deadline: before, it made all 80 (16.8 s) and the platform would have
    killed it; now it stops, says how many were left, and answers as done (what was posted is never posted again)."""
    emulator.reset()
    emulator.set_latency(0.2)
    try:
        now = time.time()
        body = batch(*(entry(request_line(f"caller-{i}", "m", "/chat", 1, 1, now), now) for i in range(1000)))
        status, summary = usage_fn.post(body, deadline_seconds=3)
    finally:
        emulator.set_latency(0)
    assert summary["streams"] == 4000 and summary["error"] == "deadline"
    assert 0 < summary["calls"] < 80 and summary["calls"] + summary["unposted_calls"] == 80
    assert status == 200 and len(metric_posts(emulator)) == summary["calls"]


def test_a_minute_monitoring_would_refuse_is_not_posted(usage_fn: UsageFn, emulator: Emulator) -> None:
    """Datapoint.timestamp: "less than two hours in the past and less than 10 minutes in the future"; a minute that
    started 2 h ago, or 9 min 59 s ahead, was posted before (its minute's end, or its start, was inside)."""
    emulator.reset()
    now = time.time()
    for at in (now - 2 * 3600 + 30, now - 2 * 3600 - 30, now + 9 * 60 + 59):
        status, summary = usage_fn.post(batch(entry(request_line("team-a", "m", "/chat", 1, 1, at), at)))
        assert (status, summary["stale"], summary["calls"]) == (200, 1, 0)
    assert metric_posts(emulator) == []


def test_a_fallback_served_request_is_counted_and_priced_as_the_model_that_answered(
    emulator: Emulator, rp_env: dict[str, str]
) -> None:
    """The request line keeps the caller's choice in `model`; when a fallback answered, `fallback_from` says so and
    `served_by` names who generated (and was billed for) the tokens: the metrics and the cost are that model's. A
    dedicated endpoint's `served_by` (its OCID, no fallback) serves the line's `model`, which stays the dimension."""
    emulator.reset()
    env = {
        **rp_env,
        "USAGE_METRICS_COMPARTMENT_OCID": COMPARTMENT,
        "USAGE_METRICS_ENDPOINT": emulator.url,
        "USAGE_PRICES": f"{COMMAND_A}:10:10,{LLAMA}:1:1",
    }
    now = time.time()
    endpoint = "ocid1.generativeaiendpoint.oc1.us-chicago-1.amaaaaexample"
    fallback = {"served_by": LLAMA, "fallback_from": COMMAND_A}
    body = batch(
        entry(request_line("team-a", COMMAND_A, "/chat", 600_000, 400_000, now, served_by=COMMAND_A), now),
        entry(request_line("team-a", COMMAND_A, "/chat", 60_000, 40_000, now, **fallback), now),
        entry(request_line("team-b", LLAMA, "/chat", 6, 4, now, served_by=endpoint), now),
    )
    with FdkProcess(env, command=fdk_command(ENTRYPOINT, "handler")) as process:
        client = FnClient(process.socket_path)
        try:
            reply = client.invoke(body, deadline_seconds=30)
        finally:
            client.close()
    assert reply.socket_status == 200, reply.body
    (post,) = metric_posts(emulator)
    sent = {(m["name"], m["dimensions"]["caller"], m["dimensions"]["model"]): m["datapoints"][0]["value"]
            for m in post.json["metricData"]}  # fmt: skip
    assert sent[("requests", "team-a", COMMAND_A)] == 1.0 and sent[("total_tokens", "team-a", COMMAND_A)] == 1e6
    assert sent[("requests", "team-a", LLAMA)] == 1.0 and sent[("total_tokens", "team-a", LLAMA)] == 1e5
    assert sent[("cost", "team-a", COMMAND_A)] == pytest.approx(10.0), "the chosen model's own request only"
    assert sent[("cost", "team-a", LLAMA)] == pytest.approx(0.1), "the fallback's tokens at the fallback's price"
    assert sent[("total_tokens", "team-b", LLAMA)] == 10.0, "a dedicated endpoint counts as the model it serves"
    assert not any(endpoint in key for key in sent)
