"""The budget store against a real redis-server on loopback, over TLS, as an ACL user with a password (OCI Cache's
way): reserve/settle, shared by several OS processes, window reset, Retry-After, cache down and a stalled cache."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from genai_fn.budgets import BudgetStore, Reservation, parse_budgets
from genai_fn.budgets.store import counter_key
from genai_fn.errors import ProxyError

from .redis_server import RedisServer

WORKER = Path(__file__).with_name("budget_worker.py")
MINUTE = 60
T0 = 20833 * 86400.0
"""A wall-clock instant on a minute, hour and day boundary (UTC), for an injected clock."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    running = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def caller() -> str:
    """A caller name no other test uses: the counters live on one shared server."""
    return f"team-{uuid.uuid4().hex[:8]}"


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def store_for(url: str, budgets: str, *, on_error: str = "closed", clock: Clock | None = None) -> BudgetStore:
    policy = parse_budgets({"TOKEN_BUDGETS": budgets, "BUDGET_STORE_URL": url, "BUDGET_ON_STORE_ERROR": on_error})
    assert policy is not None
    return BudgetStore(policy, clock=clock or time.time)


def soon(seconds: float = 10.0) -> float:
    return time.monotonic() + seconds


def used(server: RedisServer, key: str) -> int:
    client = redis.Redis.from_url(server.url)
    try:
        return int(client.get(key) or 0)
    finally:
        client.close()


def test_reserve_counts_the_bound_and_settle_replaces_it_by_the_real_count(server: RedisServer, caller: str) -> None:
    clock = Clock()
    store = store_for(server.url, f"{caller}:1000/day", clock=clock)
    reservation = store.reserve(caller, 600, soon())
    assert reservation.enforced and reservation.tokens == 600
    (key,) = reservation.keys
    assert key == counter_key(caller, store.policy.budgets[0], T0) and key.startswith("genai:budget:{")
    assert used(server, key) == 600
    assert store.settle(reservation, 150, soon())
    assert used(server, key) == 150
    assert reservation.log_fields() == {"reserved": 600, "enforced": True}


def test_over_budget_is_a_429_with_retry_after_until_the_window_resets(server: RedisServer, caller: str) -> None:
    clock = Clock(T0 + 15)  # 15 s into a minute window
    store = store_for(server.url, f"{caller}:100/minute", clock=clock)
    store.reserve(caller, 80, soon())
    assert store.reserve(caller, 30, soon()).enforced, "admitted while the budget has room, whatever its bound"
    with pytest.raises(ProxyError) as raised:
        store.reserve(caller, 1, soon())
    error = raised.value
    assert (error.status, error.code, type(error).__name__) == (429, "budget_exceeded", "BudgetExceeded")
    assert error.headers() == {"Retry-After": "45"}
    assert f"caller {caller} has used its token budget: 110 of 100 tokens used or reserved this minute" in error.message
    assert "resets in 45 s" in error.message


def test_a_new_window_starts_from_zero(server: RedisServer, caller: str) -> None:
    clock = Clock(T0 + 59)
    store = store_for(server.url, f"{caller}:100/minute", clock=clock)
    store.reserve(caller, 100, soon())
    with pytest.raises(ProxyError, match="resets in 1 s"):
        store.reserve(caller, 1, soon())
    clock.now = T0 + MINUTE
    late = store.reserve(caller, 100, soon())
    assert late.enforced and late.keys != (counter_key(caller, store.policy.budgets[0], T0),)


def test_every_window_of_a_caller_must_have_room_and_retry_after_waits_for_the_longest(
    server: RedisServer, caller: str
) -> None:
    clock = Clock(T0 + 30)
    store = store_for(server.url, f"{caller}:1000/minute,{caller}:1500/day", clock=clock)
    store.reserve(caller, 900, soon())
    clock.now = T0 + MINUTE + 30  # the minute window is fresh, the day holds 900
    store.reserve(caller, 700, soon())  # the day had room: 1,600 counted now
    clock.now = T0 + 2 * MINUTE + 30  # a fresh minute again, the day is full
    with pytest.raises(ProxyError) as raised:
        store.reserve(caller, 10, soon())
    assert raised.value.headers() == {"Retry-After": str(86400 - 2 * MINUTE - 30)}
    assert "1600 of 1500 tokens used or reserved this day" in raised.value.message
    day_key = counter_key(caller, store.policy.budgets[1], clock.now)
    assert used(server, day_key) == 1600, "a refused reservation changes no counter"


def test_default_entry_gives_each_caller_its_own_counter_and_unnamed_callers_without_one_are_unlimited(
    server: RedisServer, caller: str
) -> None:
    store = store_for(server.url, f"*:100/hour,{caller}-vip:1/hour")
    store.reserve(caller + "-x", 100, soon())
    assert store.reserve(caller + "-y", 100, soon()).enforced
    unlimited = store_for(server.url, f"{caller}-only:1/hour").reserve(caller + "-z", 10**9, soon())
    assert unlimited == Reservation(caller + "-z", 10**9)
    assert unlimited.log_fields() == {"reserved": 0, "enforced": False}


def test_a_bound_larger_than_the_budget_is_admitted_while_the_budget_has_room(server: RedisServer, caller: str) -> None:
    """The bound over-estimates (UTF-8 bytes of the prompt): refusing on it would refuse requests the budget covers."""
    store = store_for(server.url, f"{caller}:100/day")
    reservation = store.reserve(caller, 5000, soon())
    assert (reservation.enforced, reservation.tokens) == (True, 5000)
    assert store.settle(reservation, 40, soon())
    assert store.reserve(caller, 5000, soon()).enforced
    with pytest.raises(ProxyError, match="5040 of 100"):
        store.reserve(caller, 1, soon())


def test_settle_refunds_a_failed_call_and_leaves_an_expired_window_alone(server: RedisServer, caller: str) -> None:
    store = store_for(server.url, f"{caller}:100/day")
    reservation = store.reserve(caller, 100, soon())
    assert store.settle(reservation, 0, soon())
    assert store.reserve(caller, 100, soon()).enforced
    gone = Reservation(caller, 10, (f"genai:budget:{{{caller}}}:day:0",), enforced=True)
    assert store.settle(gone, 5, soon())
    assert used(server, gone.keys[0]) == 0, "no counter recreated without an expiry"


def test_counters_expire_after_their_window(server: RedisServer, caller: str) -> None:
    store = store_for(server.url, f"{caller}:100/minute")
    (key,) = store.reserve(caller, 1, soon()).keys
    client = redis.Redis.from_url(server.url)
    try:
        assert 0 < int(client.ttl(key)) <= MINUTE + 300
    finally:
        client.close()


def test_several_processes_share_one_budget_and_never_overspend(
    server: RedisServer, caller: str, tmp_path: Path
) -> None:
    """Four OS processes, 50 reservations of 10 tokens each, each settling 7: 200 attempts want 1,400 tokens of a
    1,000-token budget. Whatever the interleaving, the total passes the budget by less than one request's tokens (only
    the last request admitted can take it past), and the budget is used up to within one in-flight reservation per
    process (a refusal means settled + in-flight bounds >= 1000 at that moment)."""
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), server.url, caller, f"{caller}:1000/day", "10", "7", "50", str(go)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    assert all(worker.stdout is not None and worker.stdout.readline().strip() == "ready" for worker in workers)
    go.touch()
    results = [json.loads(worker.communicate(timeout=60)[0]) for worker in workers]
    assert all("error" not in r for r in results), results
    granted = sum(r["granted"] for r in results)
    assert granted + sum(r["refused"] for r in results) == 200
    assert all(r["granted"] > 0 for r in results), "every process drew on the one budget"
    policy = parse_budgets({"TOKEN_BUDGETS": f"{caller}:1000/day", "BUDGET_STORE_URL": server.url})
    assert policy is not None
    total = used(server, counter_key(caller, policy.budgets[0], time.time()))
    assert total == granted * 7
    assert 1000 - 4 * 10 <= total < 1000 + 7


def test_the_one_overshoot_is_a_single_request_settling_more_than_its_bound(server: RedisServer, caller: str) -> None:
    store = store_for(server.url, f"{caller}:100/day")
    reservation = store.reserve(caller, 90, soon())
    store.settle(reservation, 130, soon())  # the bound was an underestimate
    (key,) = reservation.keys
    assert used(server, key) == 130
    with pytest.raises(ProxyError, match="130 of 100"):
        store.reserve(caller, 1, soon())


# ---------------------------------------------------------------- the cache failing


def nobody_listening() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"rediss://genai-budgets:pw@localhost:{port}/0"


def test_cache_down_fails_closed_with_a_503_and_retry_after(caller: str) -> None:
    store = store_for(nobody_listening(), f"{caller}:100/day")
    with pytest.raises(ProxyError) as raised:
        store.reserve(caller, 10, soon())
    error = raised.value
    assert (error.status, error.code, type(error).__name__) == (503, "budget_unavailable", "BudgetStoreUnavailable")
    assert error.headers() == {"Retry-After": "5"}
    assert "nothing was sent to the model" in error.message


def test_cache_down_fails_open_when_configured_and_says_so(caller: str) -> None:
    store = store_for(nobody_listening(), f"{caller}:100/day", on_error="open")
    reservation = store.reserve(caller, 10**6, soon())
    assert not reservation.enforced
    assert reservation.log_fields() == {"reserved": 0, "enforced": False, "store_error": "ConnectionError"}
    assert store.settle(reservation, 5, soon()), "nothing to settle for an unenforced reservation"


def test_a_connection_the_cache_closed_while_idle_is_replaced_before_the_next_reserve(
    tmp_path: Path, caller: str
) -> None:
    """A failover, a restart or an idle timeout closes the container's connection between invocations: the next
    reserve reconnects instead of answering 503 (the default, fail-closed policy would)."""
    restarted = RedisServer(tmp_path / "restart").start()
    try:
        store = store_for(restarted.url, f"{caller}:1000/day")
        assert store.reserve(caller, 10, soon()).enforced
        restarted.stop()
        restarted.start()  # same port: the old connection is dead, the server is back
        assert store.reserve(caller, 10, soon()).enforced
    finally:
        restarted.stop()


def test_a_wrong_password_or_an_untrusted_certificate_is_a_store_failure(server: RedisServer, caller: str) -> None:
    wrong_password = server.url.replace("s3cret", "guess")
    with pytest.raises(ProxyError, match="did not answer"):
        store_for(wrong_password, f"{caller}:100/day").reserve(caller, 1, soon())
    open_store = store_for(wrong_password, f"{caller}:100/day", on_error="open")
    assert open_store.reserve(caller, 1, soon()).store_error == "AuthenticationError"
    untrusted = server.url.split("?")[0]  # the system's CAs do not know the test CA
    assert store_for(untrusted, f"{caller}:1/day", on_error="open").reserve(caller, 1, soon()).store_error


def test_no_time_left_never_touches_the_cache(server: RedisServer, caller: str) -> None:
    store = store_for(server.url, f"{caller}:100/day", on_error="open")
    reservation = store.reserve(caller, 10, time.monotonic() + 0.1)
    assert reservation.store_error == "no time left before the invocation deadline"


@pytest.fixture
def stalled_server(tmp_path: Path) -> Iterator[RedisServer]:
    running = RedisServer(tmp_path / "redis").start()
    try:
        yield running
    finally:
        running.stop()


def test_a_stalled_cache_costs_at_most_the_time_left_before_the_deadline(
    stalled_server: RedisServer, caller: str
) -> None:
    """SIGSTOP: connections are still accepted by the kernel, nothing answers. The URL's ceilings are 30 s; the
    invocation has 2 s left, so the reserve gives up within them (the thread join only guards against a hang)."""
    url = stalled_server.url + "&socket_timeout=30&socket_connect_timeout=30"
    warm = store_for(url, f"{caller}:100/day")
    assert warm.reserve(caller, 1, soon()).enforced  # an open connection, then the server stops answering
    cold = store_for(url, f"{caller}:100/day", on_error="open")  # a new connection: the TLS handshake stalls
    stalled_server.pause()
    outcomes: dict[str, object] = {}

    def attempt(name: str, store: BudgetStore) -> None:
        try:
            outcomes[name] = store.reserve(caller, 1, time.monotonic() + 2.25)
        except ProxyError as error:
            outcomes[name] = error

    threads = [threading.Thread(target=attempt, args=(name, s)) for name, s in (("warm", warm), ("cold", cold))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    stalled_server.resume()
    assert not any(thread.is_alive() for thread in threads), "a reserve waited past its deadline"
    warm_outcome, cold_outcome = outcomes["warm"], outcomes["cold"]
    assert isinstance(warm_outcome, ProxyError) and warm_outcome.code == "budget_unavailable"
    assert isinstance(cold_outcome, Reservation) and cold_outcome.store_error == "TimeoutError"
    assert warm.reserve(caller, 1, soon()).enforced, "the next call reconnects once the cache answers again"
