"""The settle rule of the budgets (usecases/metering.charge): what a call costs its caller, from its attempts; and
how the service's usage reaches the meter (metering.counted)."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from oci.util import to_dict

from genai_fn import families
from genai_fn.errors import ProxyError
from genai_fn.logs import CURRENT, CallFacts, RequestRecord
from genai_fn.neutral.chat import ChatRequest, Message, Params, Tool, Usage
from genai_fn.neutral.stream import ChatDelta, joined
from genai_fn.usecases.metering import Meter, charge, chat_bound, counted, sent_size, weighted
from tests.constants import COHERE_MODEL, LLAMA_MODEL


@pytest.mark.parametrize(
    ("used", "billable", "expected"),
    [
        (7, [1], 7),  # one attempt, its reply read: the service's count
        (None, [1], 1030),  # answered, but the reply could not be read
        (None, [0], 0),  # refused before sending, a 4xx, connection refused
        (None, [], 0),  # no call at all (guardrails blocked, over budget)
        (7, [2], 1037),  # a 5xx that may have been billed (a whole bound), then a success (its count)
        (7, [3], 2067),  # two such 5xx, then a success: MAX_ATTEMPTS=3 costs up to three generations
        (None, [3], 3090),  # three attempts that may each have been billed, none read
        (None, [0, 1], 1030),  # a later call of the request may have been billed
        (7, [1, 1], 1037),  # a fallback answered after a target that may have billed
        (7, [0, 1], 7),  # a fallback answered after a target that billed nothing (throttled)
    ],
)
def test_charge(used: int | None, billable: list[int], expected: int) -> None:
    calls = [CallFacts(attempts=max(1, n), billable_attempts=n) for n in billable]
    assert charge(used, calls, 1030) == expected


@pytest.mark.parametrize(
    ("used", "cached", "weight", "expected"),
    [
        (1520, 1200, 1.0, 1520),  # the default: a cached token counts like any other
        (1520, 1200, 0.1, 1520 - 1200 + 120),
        (1520, 1200, 0.0, 320),
        (1520, 1201, 0.1, 1520 - 1201 + 121),  # 120.1 rounded up: never less than the weight says
        (1520, 0, 0.1, 1520),
        (None, 1200, 0.1, None),  # no count read: the reservation rule applies, unweighted
        (100, 400, 0.5, 50),  # a cached count above the total cannot make the charge negative
    ],
)
def test_cached_tokens_are_weighted(used: int | None, cached: int, weight: float, expected: int | None) -> None:
    assert weighted(Meter(used, cached), weight) == expected


@given(used=st.integers(0, 10**9), cached=st.integers(0, 10**9), weight=st.floats(0, 1))
def test_a_weighted_charge_is_between_the_uncached_part_and_the_whole_count(
    used: int, cached: int, weight: float
) -> None:
    charged = weighted(Meter(used, cached), weight)
    assert charged is not None and used - min(cached, used) <= charged <= used


@given(
    used=st.none() | st.integers(0, 1030),
    billable=st.lists(st.integers(0, 8), max_size=4),
)
def test_every_attempt_that_may_have_been_billed_is_charged_at_least_its_bound_but_the_one_read(
    used: int | None, billable: list[int]
) -> None:
    """Each billable attempt but the one whose reply was read costs a whole bound: retries never share one."""
    calls = [CallFacts(attempts=max(1, n), billable_attempts=n) for n in billable]
    total = sum(billable)
    charged = charge(used, calls, 1030)
    if total == 0:
        assert charged == 0
    else:
        unread = total - (used is not None)
        assert charged == 1030 * unread + (used or 0)


def test_counted_meters_the_services_usage_and_logs_it() -> None:
    record = RequestRecord(call_id="c", route="/chat", method="POST", via_gateway=False, cold_start=False)
    token = CURRENT.set(record)
    try:
        meter = Meter()
        counted(meter, Usage(10, 5, 15, reasoning_tokens=2, cached_tokens=4))
    finally:
        CURRENT.reset(token)
    assert (meter.used, meter.cached) == (15, 4)
    assert (record.prompt_tokens, record.completion_tokens, record.total_tokens) == (10, 5, 15)
    assert (record.cached_tokens, record.reasoning_tokens) == (4, 2)


def test_a_stream_that_reported_no_usage_keeps_the_whole_reservation() -> None:
    """joined keeps "not reported" as None (never a zero count), so counted leaves the meter unknown and charge
    keeps the reservation, as for a stream cut short."""
    reply = joined([ChatDelta(text="Hello"), ChatDelta(finish_reason="stop")], "m")
    assert reply.usage is None
    meter = Meter()
    counted(meter, reply.usage)
    assert meter.used is None
    assert charge(weighted(meter, 1.0), [CallFacts(attempts=1, billable_attempts=1)], 1030) == 1030
    assert joined([ChatDelta(finish_reason="stop", usage=Usage(1, 2, 3))], "m").usage == Usage(1, 2, 3)


# --- the bound's size: a walk over the SDK request, equal to the JSON text it replaces ------------------------------


def serialised_size(value: object) -> int:
    """What the bound measured before the walk: the SDK request's dict (oci.util.to_dict) without its None fields,
    as compact JSON text, encoded."""

    def present(item: object) -> object:
        if isinstance(item, dict):
            return {key: present(inner) for key, inner in item.items() if inner is not None}
        if isinstance(item, list):
            return [present(inner) for inner in item]
        return item

    return len(json.dumps(present(to_dict(value)), ensure_ascii=False, separators=(",", ":")).encode())


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
"""Any text a request can carry (a lone surrogate is refused at parse): quotes, backslashes, controls, emoji."""
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)
"""JSON values as a tool's schema or a JSON schema holds them, None, NaN and Infinity included."""


@settings(deadline=None)
@given(value=JSON | st.dictionaries(st.none() | st.booleans() | st.integers() | st.floats() | TEXT, JSON, max_size=4))
def test_the_walk_measures_any_value_as_its_json_text(value: object) -> None:
    assert sent_size(value) == serialised_size(value)


def test_the_walk_measures_a_long_string_in_pieces_as_one() -> None:
    text = ('a"\\\n\x01é€😀' * 20_000)[:150_001]
    assert sent_size(text) == serialised_size(text) == len(json.dumps(text, ensure_ascii=False).encode())


MESSAGES = st.lists(
    st.builds(Message, role=st.sampled_from(["user", "assistant", "system"]), content=TEXT.filter(str.strip)),
    min_size=1,
    max_size=5,
).map(lambda messages: (*messages[:-1], Message("user", messages[-1].content)))
TOOLS = st.lists(
    st.builds(
        Tool,
        name=st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
        description=st.none() | TEXT,
        parameters=st.none() | st.dictionaries(TEXT, JSON, max_size=3).map(lambda p: {"type": "object", **p}),
    ),
    max_size=3,
    unique_by=lambda tool: tool.name,
)


@settings(max_examples=150, deadline=None)
@given(
    api_format=st.sampled_from(["COHERE", "COHEREV2", "GENERIC"]),
    messages=MESSAGES,
    tools=TOOLS,
    max_tokens=st.integers(1, 4000),
    temperature=st.none() | st.floats(0, 1),
    stop=st.lists(TEXT.filter(str.strip), max_size=2).map(tuple),
)
def test_the_bound_is_the_sdk_requests_json_size_plus_its_generation(
    api_format: str, messages: tuple[Message, ...], tools: list[Tool], max_tokens: int, temperature: float | None,
    stop: tuple[str, ...],
) -> None:  # fmt: skip
    """Generated requests through each family's own SDK request: the walk equals the JSON text it replaced."""
    model = {"COHERE": COHERE_MODEL, "COHEREV2": COHERE_MODEL, "GENERIC": LLAMA_MODEL}[api_format]
    params = Params(max_tokens=max_tokens, temperature=temperature, stop=stop)
    request = ChatRequest(model, api_format, messages, params, tools=tuple(tools))
    family = families.get(api_format)
    try:
        sdk = family.to_sdk(request)
    except ProxyError:
        assume(False)  # a request the family refuses (its parser would have): nothing to bound
    assert chat_bound(request, (family,)) == serialised_size(sdk) + max_tokens
