"""Sustained concurrent load through the local gateway over several fdk processes: nothing lost, nothing leaked.

Same code as benchmarks/soak.py; HARDENING_SCALE=ci runs a few hundred calls, `full` the documented soak.
"""

from __future__ import annotations

import pytest

from benchmarks.soak import SoakResult, run_soak

from .scale import SCALE

RSS_GROWTH_KIB = 8 * 1024
"""Allowed VmRSS growth per container between the warm-up and the end: allocator noise, not a per-call leak
(at 100 KiB prompts a per-call leak of even 1% of a prompt would exceed this within the CI run)."""


@pytest.fixture(scope="module")
def soak() -> SoakResult:
    result = run_soak(SCALE.invocations, SCALE.concurrency, SCALE.containers, SCALE.prompt_kb)
    print(result.summary())
    return result


def test_no_request_fails_or_gets_another_callers_reply(soak: SoakResult) -> None:
    assert soak.failures == 0, soak.failure_examples
    assert sum(soak.statuses.values()) == soak.invocations
    assert soak.statuses.get("400", 0) == soak.invocations // 10, "caller errors stay 400s under load"


def test_memory_is_flat(soak: SoakResult) -> None:
    for warm, end in zip(soak.warm, soak.end, strict=True):
        assert end.rss_kib - warm.rss_kib < RSS_GROWTH_KIB, (warm, end)


def test_no_leaked_descriptors_or_sockets(soak: SoakResult) -> None:
    """One kept-alive connection upstream per container; descriptors do not grow with the number of calls."""
    for warm, end in zip(soak.warm, soak.end, strict=True):
        assert end.fds <= warm.fds, (warm, end)
        assert end.tcp_established <= warm.tcp_established <= 2, (warm, end)
