"""RequestLog: exactly one JSON line per record, no None fields, content only when set."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from genai_fn.logs import NOISY_LOGGERS, CallFacts, RequestLog, RequestRecord, quiet_libraries


def write(record: RequestRecord) -> tuple[str, dict]:
    stream = io.StringIO()
    RequestLog(stream=stream).write(record)
    text = stream.getvalue()
    return text, json.loads(text)


def minimal() -> RequestRecord:
    return RequestRecord(call_id="call-1", route="chat", method="POST", via_gateway=False, cold_start=True)


def test_minimal_record_is_one_line_with_exact_fields() -> None:
    text, line = write(minimal())
    assert text.endswith("\n") and text.count("\n") == 1
    ts = line.pop("ts")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", ts)
    assert line == {
        "level": "INFO",
        "event": "request",
        "call_id": "call-1",
        "route": "chat",
        "method": "POST",
        "via_gateway": False,
        "cold_start": True,
        "status": 0,
        "attempts": 0,
        "latency_ms": 0.0,
        "overhead_ms": 0.0,
    }


def test_full_record() -> None:
    """Two model calls (a retried one, say): attempts and time add up, the request id is the last call's."""
    record = RequestRecord(
        call_id="c",
        route="openai_chat",
        method="POST",
        via_gateway=True,
        cold_start=False,
        model="meta.llama-3.3-70b-instruct",
        api_format="GENERIC",
        status=200,
        latency_ms=812.345,
        calls=[CallFacts(attempts=1, ms=90.06, opc_request_id="opc-0"), CallFacts(1, 700.0, "opc-1")],
        prompt_tokens=41,
        completion_tokens=128,
        total_tokens=169,
    )
    _, line = write(record)
    del line["ts"]
    assert line == {
        "level": "INFO",
        "event": "request",
        "call_id": "c",
        "route": "openai_chat",
        "method": "POST",
        "via_gateway": True,
        "cold_start": False,
        "model": "meta.llama-3.3-70b-instruct",
        "api_format": "GENERIC",
        "status": 200,
        "opc_request_id": "opc-1",
        "attempts": 2,
        "latency_ms": 812.3,
        "overhead_ms": 22.29,
        "upstream_ms": 790.1,
        "prompt_tokens": 41,
        "completion_tokens": 128,
        "total_tokens": 169,
    }


def test_overhead_is_the_latency_without_the_model_and_guardrails_calls() -> None:
    record = minimal()
    record.latency_ms = 300.0
    record.calls = [CallFacts(attempts=1, ms=180.0), CallFacts(attempts=2, ms=60.5)]
    record.guardrails = {"input": {"ms": 40.25, "outcome": "passed"}, "output": {"ms": 19.0, "outcome": "masked"}}
    assert record.service_ms == 299.75
    assert record.overhead_ms == 0.25
    assert write(record)[1]["overhead_ms"] == 0.25
    record.guardrails = {"input": {"outcome": "failed_open"}}  # a stage whose call never answered: no ms
    assert record.overhead_ms == 59.5


def test_overhead_is_never_negative() -> None:
    """The logged stage times are rounded: their sum may exceed the latency by a hair."""
    record = minimal()
    record.latency_ms, record.guardrails = 10.0, {"input": {"ms": 10.04}}
    assert record.overhead_ms == 0.0


def test_no_none_fields() -> None:
    _, line = write(minimal())
    assert None not in line.values()
    assert not {"model", "code", "opc_request_id", "upstream_ms", "prompt_tokens", "content"} & set(line)


@pytest.mark.parametrize(
    ("status", "level"),
    [(200, "INFO"), (400, "INFO"), (429, "INFO"), (499, "INFO"), (500, "ERROR"), (502, "ERROR"), (504, "ERROR")],
)
def test_level_follows_status(status: int, level: str) -> None:
    record = minimal()
    record.status, record.code = status, "x"
    assert write(record)[1]["level"] == level


def test_content_only_when_set() -> None:
    record = minimal()
    assert "content" not in write(record)[1]
    record.content = {"messages": [["user", "Grüße"]], "reply": "Hallo 😀"}
    text, line = write(record)
    assert line["content"] == {"messages": [["user", "Grüße"]], "reply": "Hallo 😀"}
    assert "Grüße" in text  # not \u-escaped


def test_writes_to_stderr_without_a_stream(capsys: pytest.CaptureFixture[str]) -> None:
    RequestLog().write(minimal())
    captured = capsys.readouterr()
    assert captured.out == ""
    assert json.loads(captured.err)["call_id"] == "call-1"


def test_quiet_libraries() -> None:
    previous = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    try:
        quiet_libraries()
        assert all(logging.getLogger(name).level == logging.WARNING for name in NOISY_LOGGERS)
        assert "oci" in NOISY_LOGGERS and "fdk" in NOISY_LOGGERS
    finally:
        for name, level in previous.items():
            logging.getLogger(name).setLevel(level)
