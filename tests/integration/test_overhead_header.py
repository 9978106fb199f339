"""Every reply carries the function's own time, upstream excluded (x-genai-overhead-ms), through the real fdk: a
number, no larger than the call's whole time, equal to the log line's `overhead_ms`, and with guardrails on it
leaves out their service calls as it leaves out the model's."""

from __future__ import annotations

import time

from emulator import Emulator
from genai_fn.http import OVERHEAD_HEADER
from tests.conftest import RunningFunction, function_config

README_GUARDRAILS = "content_moderation:block,prompt_injection:block,pii:mask"
SERVICE_DELAY_S = 0.2
"""The emulator answers every call this late, so each service call is at least this long by construction."""
LOGGED = 0.05
"""The log line's latency_ms, upstream_ms and guardrails ms are rounded to 0.1 ms: each is off by at most this."""
HEADER = 0.005
"""The header is rounded to 0.01 ms."""


def overhead(headers: dict[str, str]) -> float:
    value = headers[OVERHEAD_HEADER]
    assert value.replace(".", "", 1).isdigit(), value  # a plain non-negative decimal, e.g. "0.42"
    return float(value)


def test_every_reply_carries_the_functions_own_milliseconds(fn: RunningFunction, upstream: Emulator) -> None:
    upstream.set_latency(SERVICE_DELAY_S)
    started = time.perf_counter()
    plain = fn.invoke({"input": "Hi"}, call_id="overhead-1")
    total_ms = (time.perf_counter() - started) * 1000
    gateway = fn.invoke({"input": "Hi"}, gateway=True, url="/genai/chat", call_id="overhead-2")
    refused = fn.invoke({"input": "Hi", "temperature": "hot"}, gateway=True, url="/genai/chat", call_id="overhead-3")

    assert [plain.status, gateway.status, refused.status] == [200, 200, 400]
    lines = {line["call_id"]: line for line in fn.request_logs()}
    for reply, call_id in ((plain, "overhead-1"), (gateway, "overhead-2"), (refused, "overhead-3")):
        line = lines[call_id]
        assert overhead(reply.headers) == round(line["overhead_ms"], 2)
        assert overhead(reply.headers) <= line["latency_ms"] + LOGGED + HEADER
    # the model call (delayed by the emulator) is not the function's own time
    assert overhead(plain.headers) <= total_ms - SERVICE_DELAY_S * 1000
    assert (
        overhead(plain.headers)
        <= lines["overhead-1"]["latency_ms"] - lines["overhead-1"]["upstream_ms"] + 2 * LOGGED + HEADER
    )
    # refused before any call: all of it is the function's own time
    assert "upstream_ms" not in lines["overhead-3"]
    assert abs(overhead(refused.headers) - lines["overhead-3"]["latency_ms"]) <= LOGGED + HEADER


def test_guardrails_calls_are_not_counted_as_overhead(start_function, emulator: Emulator) -> None:
    function = start_function(function_config(emulator, GUARDRAILS=README_GUARDRAILS, GUARDRAILS_SCOPE="input,output"))
    emulator.reset()
    emulator.set_latency(SERVICE_DELAY_S)
    try:
        reply = function.invoke({"input": "mail bob@example.com the summary"}, gateway=True, url="/genai/chat")
    finally:
        emulator.reset()

    assert reply.status == 200
    (line,) = function.request_logs()
    screened = [stage["ms"] for stage in line["guardrails"].values()]
    assert len(screened) == 2  # input and output, each one service call, each at least SERVICE_DELAY_S
    service_ms = line["upstream_ms"] + sum(screened)
    assert overhead(reply.headers) <= line["latency_ms"] - service_ms + 4 * LOGGED + HEADER
    assert overhead(reply.headers) <= line["latency_ms"] - 3 * SERVICE_DELAY_S * 1000
