"""Issue 10, the upstream half: a hostile service cannot make the function hold more memory, run past its deadline,
retry against the service's Retry-After, or pass on a message it should not (rows 2-6).

Through the real fdk against the emulator's faults. Memory is the fdk process's peak RSS (VmHWM from /proc), so each
memory test starts a fresh process; the figures are printed (run with -s) and asserted against the 128 MB shape
minus headroom. Status, attempts and recovery of every fault are also rows of test_fault_matrix.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest

from emulator import Emulator
from emulator.faults import retry_after_forms
from genai_fn.config import DEFAULT_MAX_REPLY_BYTES
from genai_fn.upstream.retry_after import MAX_SECONDS
from tests.conftest import RunningFunction, function_config
from tests.constants import LLAMA_MODEL

MEMORY_CEILING_MIB = 110
"""The 128 MB function shape minus headroom (issue 10)."""
ECHO_ENTRY_BYTES = 45
"""About what one echoed `{"role": "USER", "message": "turn 12345"}` costs on the wire."""


@pytest.fixture
def fresh(start_function: Callable[..., RunningFunction], emulator: Emulator) -> Iterator[RunningFunction]:
    """A new fdk process with the default configuration, warmed by one call: its VmHWM is this test's alone."""
    emulator.reset()
    function = start_function(function_config(emulator))
    assert function.invoke({"input": "warm up"}, gateway=True, url="/genai/chat").status == 200
    emulator.reset()
    yield function
    emulator.reset()
    function.stop()


def _chat(fn: RunningFunction, deadline: float = 8.0, **body: object) -> tuple[int, dict, dict, float]:
    started = time.monotonic()
    reply = fn.invoke(
        {"input": "bounded", **body}, gateway=True, url="/genai/chat", deadline_seconds=deadline, headers={}
    )
    elapsed = time.monotonic() - started
    # The function's own clock (its request log), not this process's: the emulator shares this process's GIL.
    handled = fn.last_request_log()["latency_ms"] / 1000
    assert handled < deadline, f"answered after the Fn-Deadline ({handled:.2f} s of {deadline} s)"
    payload = json.loads(reply.body) if reply.body.startswith(b"{") else {"text": reply.body.decode()}
    return reply.status, payload, reply.headers, elapsed


def _peak_mib(fn: RunningFunction) -> float:
    return fn.process.rss_kib() / 1024


@pytest.mark.parametrize(
    "kind, params, model",
    [
        ("huge_reply", {"megabytes": 50.0}, None),
        ("huge_reply", {"megabytes": 50.0}, LLAMA_MODEL),
        ("huge_history", {"entries": 300_000.0}, None),
    ],
    ids=["50mb-cohere-text", "50mb-generic-text", "300k-echoed-history"],
)
def test_a_huge_reply_is_refused_while_read(
    fresh: RunningFunction, emulator: Emulator, kind: str, params: dict, model: str | None
) -> None:
    """Row 2: refused as too large, without holding it (the peak stays at the warm process's)."""
    emulator.inject(kind, **params)
    status, body, _, elapsed = _chat(fresh, **({"model": model} if model else {}))
    peak = _peak_mib(fresh)
    print(f"\n{kind} {params}: {status} in {elapsed:.2f} s, fdk VmHWM {peak:.1f} MiB")

    assert (status, body["error"]["type"]) == (502, "upstream_error")
    assert "too large" in body["error"]["message"] and "MAX_REPLY_BYTES" in body["error"]["message"]
    assert peak <= MEMORY_CEILING_MIB, f"fdk peak RSS {peak:.1f} MiB"
    assert len(emulator.requests) == 1, "a reply too large is not asked for again"
    assert _chat(fresh)[0] == 200, "the container is free right after"


@pytest.mark.parametrize(
    "kind, params",
    [
        ("huge_history", {"entries": float(DEFAULT_MAX_REPLY_BYTES // ECHO_ENTRY_BYTES - 500)}),
        ("huge_reply", {"megabytes": DEFAULT_MAX_REPLY_BYTES / 2 / 1_000_000 - 0.01}),
    ],
    ids=["echoed-history-under-the-cap", "cohere-text-under-the-cap"],
)
def test_the_largest_accepted_reply_stays_under_the_ceiling(
    fresh: RunningFunction, emulator: Emulator, kind: str, params: dict
) -> None:
    """Row 2: a reply just under MAX_REPLY_BYTES is served, and its deserialized models fit the 128 MB shape."""
    emulator.inject(kind, **params)
    status, body, _, elapsed = _chat(fresh)
    peak = _peak_mib(fresh)
    print(f"\n{kind} {params}: {status} in {elapsed:.2f} s, fdk VmHWM {peak:.1f} MiB")

    assert status == 200, body
    assert peak <= MEMORY_CEILING_MIB, f"fdk peak RSS {peak:.1f} MiB"


@pytest.mark.parametrize("kind, params", [("trickle", {"interval": 0.2}), ("stalled", {"stall": 60.0})])
def test_a_trickling_or_stalled_reply_is_cut_at_the_deadline(
    fn: RunningFunction, upstream: Emulator, kind: str, params: dict
) -> None:
    """Row 3: each byte comes within the read timeout, the whole reply never: 504 before Fn-Deadline, then free."""
    upstream.inject(kind, **params)
    status, body, _, elapsed = _chat(fn, deadline=3.0)

    assert (status, body["error"]["type"]) == (504, "upstream_timeout")
    assert len(upstream.requests) == 1, "a reply cut short is not asked for again: the model may be generating"
    upstream.reset()
    status, body, _, _ = _chat(fn, deadline=3.0)
    assert (status, body["text"]) == (200, "Emulated reply to: bounded"), "the container is free right after"


def _expected_retry_after(form: str) -> tuple[int, set[str]]:
    """(attempts, acceptable Retry-After answered) for each form of emulator.faults.retry_after_forms."""
    if form in ("seconds", "http_date"):
        return 1, {"29", "30", "31"}  # over the 4 s backoff cap: answered at once with the service's wait
    if form == "huge":
        return 1, {str(MAX_SECONDS)}
    if form in ("zero", "past_http_date"):
        return 3, {"0"}  # may retry at once: the backoff applies
    return 3, {"2"}  # not a Retry-After at all (a Unicode digit, a fraction, prose): backoff, then the default


@pytest.mark.parametrize("form", sorted(retry_after_forms(0)))
def test_retry_after_of_every_form(fn: RunningFunction, upstream: Emulator, form: str) -> None:
    """Rows 4, 5: RFC 9110 values are honoured (a wait past the cap is not retried), anything else is backoff."""
    value = retry_after_forms(time.time())[form]
    upstream.fail_next(status=429, code="TooManyRequests", times=5, headers={"Retry-After": value})
    status, body, headers, _ = _chat(fn)
    attempts, answered = _expected_retry_after(form)

    assert (status, body["error"]["type"]) == (429, "rate_limited"), body
    assert headers["retry-after"] in answered
    assert len(upstream.requests) == attempts, [r.status for r in upstream.requests]


@pytest.mark.parametrize("megabytes", [0.0, 5.0], ids=["hostile", "5mb-hostile"])
def test_the_service_message_is_bounded_and_clean(fn: RunningFunction, upstream: Emulator, megabytes: float) -> None:
    """Row 6: the 4xx message reaches the caller truncated, without control characters or the PEM block."""
    from emulator.faults import hostile_message

    upstream.fail_next(status=400, code="InvalidParameter", message=hostile_message(megabytes))
    fn.request_logs()  # forget earlier lines
    status, body, _, _ = _chat(fn)
    message = body["error"]["message"]
    (line,) = fn.request_logs()
    assert line["upstream_message_chars"] >= (106 if megabytes == 0 else 65_000), "the full length, not the cut one"
    assert "BEGIN" not in json.dumps(line) and "failed reading" not in json.dumps(line), "never its text"

    assert (status, body["error"]["type"]) == (400, "upstream_bad_request")
    assert "the Generative AI service rejected the request" in message and "failed reading" in message
    assert "BEGIN" not in message and "PRIVATE KEY" not in message and "MIIE" not in message
    assert not [c for c in message if ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c == "\u202e"]
    assert len(message) < 400 and len(json.dumps(body)) < 1000


def test_a_reply_over_the_response_limit_is_an_error_not_a_cut_body(
    start_function: Callable[..., RunningFunction], emulator: Emulator
) -> None:
    """MAX_REPLY_BYTES raised past the 6 MiB a function can return: a 7 MB answer is refused as an error the caller
    can read (OCI Functions would not carry the body), never cut."""
    from genai_fn.http import MAX_RESPONSE_BYTES

    emulator.reset()
    function = start_function(function_config(emulator, MAX_REPLY_BYTES=str(16 * 1024 * 1024)))
    try:
        emulator.inject("huge_reply", megabytes=7.0)
        status, payload, _, _ = _chat(function, deadline=30.0)
        assert status == 502 and payload["error"]["type"] == "upstream_error"
        assert f"over the {MAX_RESPONSE_BYTES}-byte response limit" in payload["error"]["message"]
    finally:
        emulator.reset()
        function.stop()
