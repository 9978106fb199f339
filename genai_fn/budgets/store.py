"""The shared budget counters: reserve a request's own token bound before the model call, settle after it.

One counter per caller and window (`genai:budget:{caller}:day:<window start>`, expiring after its window), changed
only by two Lua scripts, so every container sees one consistent count:

- reserve: if every one of the caller's windows still has room (`counted < limit`, where counted is what settled
  requests used plus the bounds of those in flight), add the request's bound to each; otherwise add nothing and
  answer which windows are full. The bound is a true upper bound (the prompt's UTF-8 bytes plus max_tokens: a
  byte-level tokenizer's token takes at least one byte), so without retries the last request admitted is the only
  one that can take a window past its limit, and by less than its own tokens. A request whose retried attempts may
  each have been billed is charged a bound per attempt (usecases/metering.charge), more than it reserved: the
  requests in flight when a window fills may take it past its limit by those attempts too (docs/usage.md). A
  request is never refused because its bound is larger than what is left, only once the budget is used.
- settle: add `charged - bound` (negative: a refund; positive: retries charged past the reservation) to counters
  that still exist.

Every cache call is bounded by the invocation's deadline, with redis-py's own retries off (a reserve that timed out
may have been applied, and retrying it would count it twice): the container's connection is genai_fn/cache.py's.
A failure is answered per BUDGET_ON_STORE_ERROR: closed raises BudgetStoreUnavailable, open lets the request through
unlimited and says so in the Reservation. Settling never raises: the answer is already there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..cache import CacheClient, StoreFailure
from ..errors import BudgetExceeded, BudgetStoreUnavailable
from .config import Budget, BudgetPolicy

if TYPE_CHECKING:
    from redis import Redis
    from redis.commands.core import Script

KEY_PREFIX = "genai:budget:"
"""Every key the store writes starts with this (the OCI Cache user's ACL can be limited to `~genai:budget:*`)."""
SETTLE_GRACE_SECONDS = 300
"""A counter outlives its window by the longest function timeout, so a request reserved just before the window
ended still settles into it."""
UNAVAILABLE_RETRY_AFTER = 5
"""Retry-After of a fail-closed 503."""

RESERVE_LUA = """
local amount = tonumber(ARGV[1])
local full = {}
for i, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  if used >= tonumber(ARGV[2 * i]) then
    table.insert(full, i)
    table.insert(full, used)
  end
end
if #full > 0 then
  return {0, unpack(full)}
end
for i, key in ipairs(KEYS) do
  redis.call('INCRBY', key, amount)
  if redis.call('TTL', key) < 0 then
    redis.call('EXPIRE', key, ARGV[2 * i + 1])
  end
end
return {1}
"""
"""KEYS: the caller's counters; ARGV: bound, then (limit, ttl) per key. {1} reserved, or {0, i, used, ...} for each
full window (1-based index into KEYS) with nothing changed."""

SETTLE_LUA = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('INCRBY', key, ARGV[1])
  end
end
return 1
"""
"""KEYS: the reservation's counters; ARGV[1]: used - reserved. A counter that already expired is left alone (INCRBY
would recreate it without an expiry)."""


@dataclass(frozen=True)
class Reservation:
    """What reserve() did; settle() takes it back. `enforced` is False when no budget applies to the caller, or when
    the store failed and BUDGET_ON_STORE_ERROR=open (`store_error` then says why)."""

    caller: str
    tokens: int
    keys: tuple[str, ...] = ()
    enforced: bool = False
    store_error: str | None = None

    def log_fields(self) -> dict[str, Any]:
        """What the request's log line records about the budget: never a key or a limit of another caller."""
        fields: dict[str, Any] = {"reserved": self.tokens if self.enforced else 0, "enforced": self.enforced}
        if self.store_error:
            fields["store_error"] = self.store_error
        return fields


def counter_key(caller: str, budget: Budget, now: float) -> str:
    """The counter of `caller`'s current `budget.window`; the braces keep one caller's keys in one cluster slot."""
    start = int(now // budget.seconds) * budget.seconds
    return f"{KEY_PREFIX}{{{caller}}}:{budget.window}:{start}"


def window_reset_in(budget: Budget, now: float) -> int:
    """Whole seconds until `budget`'s current window ends (at least 1)."""
    end = (int(now // budget.seconds) + 1) * budget.seconds
    return max(1, math.ceil(end - now))


class BudgetStore:
    """Budget counters in OCI Cache; one per container, its connection kept between invocations.

    `clock` gives the wall-clock time that decides windows (tests inject one); `monotonic` is the clock of the
    invocation deadline (http.Invocation.deadline)."""

    def __init__(
        self,
        policy: BudgetPolicy,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self.cache = CacheClient(
            policy.connection,
            store_timeout=policy.store_timeout,
            connect_timeout=policy.connect_timeout,
            monotonic=monotonic,
        )
        """The container's connection to the cache; the fallbacks' cooldowns share it when they use the same URL."""
        self._scripts: dict[str, Script] = {}

    def reserve(self, caller: str, tokens: int, deadline: float) -> Reservation:
        """Reserve `tokens` (the request's own upper bound) for `caller`, or raise BudgetExceeded (429), or, when the
        store fails and BUDGET_ON_STORE_ERROR=closed, BudgetStoreUnavailable (503)."""
        if tokens < 0:
            raise ValueError("a token bound is never negative")
        budgets = self.policy.limits_for(caller)
        if not budgets:
            return Reservation(caller, tokens)
        now = self._clock()
        keys = tuple(counter_key(caller, budget, now) for budget in budgets)
        args: list[int] = [tokens]
        for budget in budgets:
            args += [budget.tokens, window_reset_in(budget, now) + SETTLE_GRACE_SECONDS]
        try:
            answer = self._run("reserve", RESERVE_LUA, keys, args, deadline)
        except StoreFailure as failure:
            if self.policy.on_store_error == "open":
                return Reservation(caller, tokens, store_error=str(failure))
            raise BudgetStoreUnavailable(
                "the token budget store did not answer and BUDGET_ON_STORE_ERROR=closed: nothing was sent to the "
                "model; retry later",
                retry_after=UNAVAILABLE_RETRY_AFTER,
            ) from None
        if answer and int(answer[0]) == 1:
            return Reservation(caller, tokens, keys, enforced=True)
        raise _exceeded(caller, budgets, _full_windows(answer), now)

    def settle(self, reservation: Reservation, used: int, deadline: float) -> bool:
        """Replace the reserved bound by what the call is charged (metering.charge); False when the store
        could not be told (the bound then stays counted: the safe side). Never raises."""
        if not reservation.enforced or used == reservation.tokens:
            return True
        try:
            self._run("settle", SETTLE_LUA, reservation.keys, [max(0, used) - reservation.tokens], deadline)
        except StoreFailure:
            return False
        return True

    def _run(self, name: str, source: str, keys: Sequence[str], args: Sequence[int], deadline: float) -> Any:
        """Run one script within the deadline (cache.CacheClient: every client-side failure is a StoreFailure)."""

        def script(client: Redis) -> Any:
            registered = self._scripts.get(name)
            if registered is None:
                registered = self._scripts[name] = client.register_script(source)
            return registered(keys=list(keys), args=list(args))

        return self.cache.run(script, deadline)


def _full_windows(answer: Any) -> dict[int, int]:
    """{0-based budget index: used} from the reserve script's {0, i, used, ...}."""
    items = [int(value) for value in (answer or [])[1:]]
    return {items[i] - 1: items[i + 1] for i in range(0, len(items) - 1, 2)}


def _exceeded(caller: str, budgets: Sequence[Budget], full: dict[int, int], now: float) -> Exception:
    windows = [budgets[i] for i in sorted(full)] or list(budgets)
    longest = max(windows, key=lambda budget: window_reset_in(budget, now))
    used = full.get(budgets.index(longest), 0)
    retry_after = window_reset_in(longest, now)
    return BudgetExceeded(
        f"caller {caller} has used its token budget: {used} of {longest.tokens} tokens used or reserved this "
        f"{longest.window} (UTC); the budget resets in {retry_after} s",
        retry_after=retry_after,
    )
