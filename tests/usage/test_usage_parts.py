"""The usage function's pure parts: reading batches, adding up, the metric bodies and their per-call limit, the
namespace rule, the configuration and the CLI table."""

from __future__ import annotations

import io
import json
import time

import pytest
from oci.monitoring.models import PostMetricDataDetails

from genai_fn.errors import ConfigError
from genai_fn.usage import __main__ as cli
from genai_fn.usage.aggregate import Usage, aggregate, render_table
from genai_fn.usage.config import UsageSettings
from genai_fn.usage.handler import UsageFunction
from genai_fn.usage.lines import read_batch, read_lines
from genai_fn.usage.metrics import MAX_STREAMS_PER_CALL, calls, check_namespace, is_fresh, metric_data
from genai_fn.usage.prices import Price, parse_prices

from .batches import batch, entry, request_line

NOW = 1_799_971_230.0
"""Thirty seconds into a minute."""
MINUTE = int(NOW // 60)
COMPARTMENT = "ocid1.compartment.oc1..usage"


def test_a_batch_of_function_log_entries_is_read_and_other_output_ignored() -> None:
    body = batch(
        entry("Received function invocation request", NOW),
        entry(request_line("team-a", "cohere.command-a-03-2025", "/v1/chat/completions", 10, 5, NOW), NOW),
        entry('{"event": "config", "level": "ERROR"}', NOW),
        {"logContent": entry(request_line("team-b", "m", "/chat", 1, 2, NOW), NOW)},
        entry("Served function invocation request in 0.812 seconds", NOW, src="STDOUT"),
    )
    read = read_batch(body)
    assert (read.entries, len(read.lines), read.ignored, read.malformed) == (5, 2, 3, 0)
    first = read.lines[0]
    assert (first.caller, first.model, first.route, first.minute) == (
        "team-a",
        "cohere.command-a-03-2025",
        "/v1/chat/completions",
        MINUTE,
    )
    assert (first.input_tokens, first.output_tokens, first.total_tokens) == (10, 5, 15)


@pytest.mark.parametrize(
    "bad",
    [
        {"no": "data"},
        {"data": {"message": 5}},
        {"data": "x"},
        "a string",
        entry(request_line("two words", "m", "/chat", 1, 1, NOW), NOW),
        entry(request_line("team-a", "m", "/chat", -1, 1, NOW), NOW),
        entry(
            json.dumps(
                {"event": "request", "caller": "team-a", "completion_tokens": "5", "ts": "2026-01-01T00:00:00Z"}
            ),
            NOW,
        ),
        entry(
            json.dumps({"event": "request", "caller": "team-a", "total_tokens": True, "ts": "2026-01-01T00:00:00Z"}),
            NOW,
        ),
        entry(request_line("team-a", {"x": 1}, "/chat", 1, 1, NOW), NOW),  # type: ignore[arg-type]
        entry(json.dumps({"event": "request", "caller": "team-a", "ts": "yesterday"}), NOW) | {"time": "later"},
        entry(json.dumps({"event": "request", "route": "/chat"}), NOW),  # a line from before the caller field
    ],
)
def test_malformed_entries_are_counted_never_raised(bad: object) -> None:
    good = entry(request_line("team-a", "m", "/chat", 1, 1, NOW), NOW)
    read = read_batch(json.dumps([bad, good]).encode())
    assert (read.entries, read.malformed, len(read.lines)) == (2, 1, 1)


@pytest.mark.parametrize("body", [b"", b"not json", b"\xff\xfe", b"5", b"null", b"{}"])
def test_a_body_that_is_not_a_batch_is_one_malformed_entry(body: bytes) -> None:
    read = read_batch(body)
    assert read.lines == [] and read.malformed == 1


def test_missing_tokens_model_and_route_become_zero_and_none_and_the_entry_time_stands_in() -> None:
    line = json.dumps({"event": "request", "caller": "ci-bot", "route": "", "status": 404})
    (read,) = read_batch(batch(entry(line, NOW))).lines
    assert (read.model, read.route, read.minute, read.total_tokens) == ("none", "none", MINUTE, 0)


def test_adding_up_per_caller_model_route_and_minute() -> None:
    lines = read_batch(
        batch(
            entry(request_line("team-a", "m1", "/chat", 10, 1, NOW), NOW),
            entry(request_line("team-a", "m1", "/chat", 20, 2, NOW + 5), NOW),
            entry(request_line("team-a", "m1", "/chat", 40, 4, NOW + 60), NOW),
            entry(request_line("team-b", "m1", "/chat", 1, 1, NOW), NOW),
        )
    ).lines
    totals = aggregate(lines)
    assert totals[("team-a", "m1", "/chat", MINUTE)] == Usage(2, 30, 3, 33)
    assert totals[("team-a", "m1", "/chat", MINUTE + 1)] == Usage(1, 40, 4, 44)
    assert totals[("team-b", "m1", "/chat", MINUTE)] == Usage(1, 1, 1, 2)


def test_metric_data_is_one_stream_per_metric_and_dimensions_with_a_datapoint_per_minute() -> None:
    totals = {("team-a", "m1", "/chat", MINUTE): Usage(2, 30, 3, 33), ("team-a", "m1", "/chat", MINUTE + 1): Usage()}
    details = metric_data(totals, "genai_usage", COMPARTMENT)
    assert [d.name for d in details] == ["requests", "input_tokens", "output_tokens", "total_tokens"]
    assert all(d.dimensions == {"caller": "team-a", "model": "m1", "route": "/chat"} for d in details)
    assert all(d.namespace == "genai_usage" and d.compartment_id == COMPARTMENT for d in details)
    assert [p.value for p in details[3].datapoints] == [33.0, 0.0]
    assert [int(p.timestamp.timestamp()) for p in details[0].datapoints] == [MINUTE * 60, MINUTE * 60 + 60]


@pytest.mark.parametrize(("combinations", "expected_calls"), [(1, 1), (12, 1), (13, 2), (26, 3)])
def test_one_call_per_batch_unless_the_50_stream_limit_needs_more(combinations: int, expected_calls: int) -> None:
    totals = {(f"caller-{i}", "m", "/chat", MINUTE): Usage(1, 1, 1, 2) for i in range(combinations)}
    bodies = calls(metric_data(totals, "genai_usage", COMPARTMENT))
    assert len(bodies) == expected_calls
    assert all(isinstance(b, PostMetricDataDetails) for b in bodies)
    assert all(len(b.metric_data) <= MAX_STREAMS_PER_CALL for b in bodies)
    assert sum(len(b.metric_data) for b in bodies) == 4 * combinations


def test_datapoints_monitoring_would_refuse_are_not_fresh() -> None:
    """Oracle: "less than two hours in the past and less than 10 minutes in the future" (Datapoint.timestamp), judged
    when the post arrives: 5 minutes are kept back for the function's run, 1 for a clock running ahead."""
    assert is_fresh(MINUTE, NOW)
    assert is_fresh(MINUTE - 114, NOW)
    assert not is_fresh(MINUTE - 116, NOW)
    assert not is_fresh(MINUTE - 120, NOW), "a minute starting 2 h 0 min 59 s ago was accepted before"
    assert is_fresh(MINUTE + 9, NOW)
    assert not is_fresh(MINUTE + 10, NOW), "a minute starting 9 min 30 s ahead was accepted before"


@pytest.mark.parametrize("name", ["genai_usage", "Tokens2", "a"])
def test_valid_namespaces(name: str) -> None:
    assert check_namespace(name) == name


@pytest.mark.parametrize("name", ["oci_genai", "ORACLE_x", "1tokens", "gen-ai", "", "genai usage", "a" * 256])
def test_reserved_or_malformed_namespaces_name_the_variable(name: str) -> None:
    with pytest.raises(ConfigError, match="USAGE_METRICS_NAMESPACE"):
        check_namespace(name)


def test_usage_settings() -> None:
    settings = UsageSettings.from_env({"USAGE_METRICS_COMPARTMENT_OCID": COMPARTMENT})
    assert (settings.namespace, settings.compartment_id, settings.endpoint) == ("genai_usage", COMPARTMENT, None)
    local = UsageSettings.from_env(
        {"USAGE_METRICS_COMPARTMENT_OCID": COMPARTMENT, "USAGE_METRICS_ENDPOINT": "http://127.0.0.1:9/"}
    )
    assert local.endpoint == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "USAGE_METRICS_COMPARTMENT_OCID"),
        ({"USAGE_METRICS_COMPARTMENT_OCID": "ocid1.vcn.oc1..x"}, "USAGE_METRICS_COMPARTMENT_OCID"),
        ({"USAGE_METRICS_COMPARTMENT_OCID": COMPARTMENT, "USAGE_METRICS_NAMESPACE": "oci_x"}, "NAMESPACE"),
        (
            {"USAGE_METRICS_COMPARTMENT_OCID": COMPARTMENT, "USAGE_METRICS_ENDPOINT": "http://telemetry.example"},
            "USAGE_METRICS_ENDPOINT",
        ),
        (
            {"USAGE_METRICS_COMPARTMENT_OCID": COMPARTMENT, "USAGE_METRICS_ENDPOINT": "https://x.example/20180401"},
            "USAGE_METRICS_ENDPOINT",
        ),
    ],
)
def test_usage_settings_errors_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        UsageSettings.from_env(env)


def test_the_cli_table_from_request_lines_and_log_entries(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    now = time.time()
    log = tmp_path / "function-0.log"
    log.write_text(
        "\n".join(
            [
                "DEBUG fdk noise",
                request_line("team-a", "cohere.command-a-03-2025", "/chat", 100, 20, now),
                request_line("team-a", "cohere.command-a-03-2025", "/v1/chat/completions", 50, 10, now),
                json.dumps(entry(request_line("team-b", "meta.llama-3.3-70b-instruct", "/chat", 7, 3, now), now)),
                '{"event": "request", "caller": "bad caller"}',
            ]
        )
    )
    assert cli.main([str(log)]) == 0
    out, err = capsys.readouterr()
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == [
        "caller",
        "model",
        "requests",
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "cached_tokens",
        "reasoning_tokens",
    ]
    assert rows[1:] == [
        ["team-a", "cohere.command-a-03-2025", "2", "150", "30", "180", "0", "0"],
        ["team-b", "meta.llama-3.3-70b-instruct", "1", "7", "3", "10", "0", "0"],
    ]
    assert "3 request lines, 1 other lines ignored, 1 malformed" in err
    assert render_table(aggregate(read_lines(io.StringIO("").readlines()).lines)).startswith("caller")


class FlakyPublisher:
    """Stands in for the Monitoring client at the handler's edge: posts succeed `good` times, then raise."""

    def __init__(self, good: int) -> None:
        self.good, self.posted = good, 0

    def can_post(self, deadline: float) -> bool:
        return True

    def post(self, body: object, deadline: float) -> int:
        if self.posted >= self.good:
            raise ConnectionError("telemetry-ingestion unreachable")
        self.posted += 1
        return 0


@pytest.mark.parametrize(("good", "status", "posted", "unposted"), [(0, 502, 0, 2), (1, 200, 1, 1)])
def test_a_batch_is_posted_at_most_once(good: int, status: int, posted: int, unposted: int) -> None:
    """A batch needing two posts whose second fails is answered done (a redelivered batch would count the first
    post twice); only a batch of which nothing was posted is a failed invocation, to be delivered again."""
    now = time.time()
    body = batch(*(entry(request_line(f"caller-{i}", "m", "/chat", 1, 1, now), now) for i in range(13)))
    settings = UsageSettings("genai_usage", COMPARTMENT)
    function = UsageFunction(settings, publisher=FlakyPublisher(good), stream=io.StringIO())  # type: ignore[arg-type]
    outcome = function.handle(body, time.monotonic() + 10, now=now)
    assert outcome.status == status
    assert (outcome.summary["calls"], outcome.summary["unposted_calls"], outcome.summary["error"]) == (
        posted,
        unposted,
        "ConnectionError",
    )


def test_the_cli_says_which_log_it_cannot_read(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    assert cli.main([str(tmp_path / "function-0.log")]) == 2
    assert "function-0.log" in capsys.readouterr().err


def test_cached_and_reasoning_tokens_are_read_added_up_and_posted_only_where_reported() -> None:
    lines = read_batch(
        batch(
            entry(request_line("team-a", "m1", "/chat", 2000, 30, NOW, cached_tokens=1500, reasoning_tokens=12), NOW),
            entry(request_line("team-a", "m1", "/chat", 100, 10, NOW + 1, cached_tokens=0), NOW),
            entry(request_line("team-b", "m2", "/chat", 7, 3, NOW), NOW),
        )
    ).lines
    totals = aggregate(lines)
    assert totals[("team-a", "m1", "/chat", MINUTE)] == Usage(2, 2100, 40, 2140, 1500, 12)
    details = metric_data(totals, "genai_usage", COMPARTMENT)
    names = [(d.dimensions["caller"], d.name) for d in details]
    assert names == [
        *(("team-a", name) for name in ("requests", "input_tokens", "output_tokens", "total_tokens")),
        ("team-a", "cached_tokens"),
        ("team-a", "reasoning_tokens"),
        *(("team-b", name) for name in ("requests", "input_tokens", "output_tokens", "total_tokens")),
    ]
    assert [d.datapoints[0].value for d in details[4:6]] == [1500.0, 12.0]


@pytest.mark.parametrize("bad", ["-1", "1.5", "true", '"3"', "10000000000000"])
def test_a_cached_or_reasoning_count_that_is_not_one_is_malformed(bad: str) -> None:
    line = request_line("team-a", "m", "/chat", 1, 1, NOW).replace(
        '"total_tokens"', f'"cached_tokens":{bad},"total_tokens"'
    )
    assert read_batch(batch(entry(line, NOW))).malformed == 1


def test_prices_turn_usage_into_cost_per_million_tokens() -> None:
    prices = parse_prices("m1:3:15:0.3, m2:0.5:1.5")
    assert prices.by_model == {"m1": Price(3.0, 15.0, 0.3), "m2": Price(0.5, 1.5, 0.5)}
    usage = Usage(1, 2_000_000, 1_000_000, 3_000_000, 1_000_000, 500_000)
    # 1M fresh input at 3, 1M cached at 0.3, 1M output (reasoning included) at 15
    assert prices.cost("m1", usage) == pytest.approx(18.3)
    assert prices.cost("unpriced", usage) is None
    assert not parse_prices("")


@pytest.mark.parametrize("raw", ["m1", "m1:3", "m1:3:4:5:6", ":1:2", "m1:-1:2", "m1:x:2", "m1:1:2,m1:1:2", "m:inf:1"])
def test_a_price_table_that_is_not_one_names_the_variable(raw: str) -> None:
    with pytest.raises(ConfigError, match="USAGE_PRICES"):
        UsageSettings.from_env({"USAGE_METRICS_COMPARTMENT_OCID": COMPARTMENT, "USAGE_PRICES": raw})


def test_a_priced_model_gets_a_cost_metric() -> None:
    totals = {("team-a", "m1", "/chat", MINUTE): Usage(1, 1_000_000, 100_000, 1_100_000, 400_000, 0),
              ("team-a", "m2", "/chat", MINUTE): Usage(1, 10, 10, 20)}  # fmt: skip
    details = metric_data(totals, "genai_usage", COMPARTMENT, parse_prices("m1:2:10:0.5"))
    cost = [d for d in details if d.name == "cost"]
    assert [(d.dimensions["model"], [p.value for p in d.datapoints]) for d in cost] == [
        ("m1", [pytest.approx(600_000 * 2 / 1e6 + 400_000 * 0.5 / 1e6 + 100_000 * 10 / 1e6)])
    ]


def test_the_cli_table_adds_cost_with_prices(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    now = time.time()
    log = tmp_path / "function-0.log"
    log.write_text(
        "\n".join(
            [
                request_line("team-a", "m1", "/chat", 2_000_000, 1_000_000, now, cached_tokens=1_000_000),
                request_line("team-b", "m2", "/chat", 10, 10, now, reasoning_tokens=4),
            ]
        )
    )
    assert cli.main([str(log), "--prices", "m1:3:15:0.3"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows[0][-3:] == ["cached_tokens", "reasoning_tokens", "cost"]
    assert rows[1] == ["team-a", "m1", "1", "2000000", "1000000", "3000000", "1000000", "0", "18.300000"]
    assert rows[2] == ["team-b", "m2", "1", "10", "10", "20", "0", "4"], "an unpriced model has no cost"
    assert rows[3] == ["total", "18.300000"]
    with pytest.raises(SystemExit):
        cli.main([str(log), "--prices", "m1:3"])
    assert "--prices" in capsys.readouterr().err


def test_the_cli_table_counts_a_fallback_served_request_as_the_model_that_answered(
    capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    now = time.time()
    log = tmp_path / "function-0.log"
    log.write_text(
        "\n".join(
            [
                request_line("team-a", "m1", "/chat", 100, 100, now, served_by="m1"),
                request_line("team-a", "m1", "/chat", 10, 10, now, served_by="m2", fallback_from="m1"),
                request_line("team-a", "m1", "/chat", 1, 1, now, served_by="ocid1.generativeaiendpoint.oc1.x.y"),
            ]
        )
    )
    assert cli.main([str(log), "--prices", "m1:1000:1000,m2:1:1"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows[1] == ["team-a", "m1", "2", "101", "101", "202", "0", "0", "0.202000"]
    assert rows[2] == ["team-a", "m2", "1", "10", "10", "20", "0", "0", "0.000020"]
