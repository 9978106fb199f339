"""The settle rule of the budgets (usecases/metering.charge): what a call costs its caller, from its attempts."""

from __future__ import annotations

import pytest

from genai_fn.logs import CallFacts
from genai_fn.usecases.metering import charge


@pytest.mark.parametrize(
    ("used", "billable", "expected"),
    [
        (7, [1], 7),  # one attempt, its reply read: the service's count
        (None, [1], 1030),  # answered, but the reply could not be read
        (None, [0], 0),  # refused before sending, a 4xx, connection refused
        (None, [], 0),  # no call at all (guardrails blocked, over budget)
        (7, [2], 1030),  # a 5xx that may have been billed, then a success: the reservation stays
        (None, [0, 1], 1030),  # a later call of the request may have been billed
    ],
)
def test_charge(used: int | None, billable: list[int], expected: int) -> None:
    calls = [CallFacts(attempts=max(1, n), billable_attempts=n) for n in billable]
    assert charge(used, calls, 1030) == expected
