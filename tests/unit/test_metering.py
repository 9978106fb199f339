"""The settle rule of the budgets (usecases/metering.charge): what a call costs its caller, from its attempts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genai_fn.logs import CallFacts
from genai_fn.usecases.metering import Meter, charge, weighted


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
