"""Cooldowns: a target that failed (429, 5xx, no answer in time, no connection) is skipped by the next requests for
FALLBACK_COOLDOWN_SECONDS.

Shared by every container through OCI Cache when a store is configured (FALLBACK_STORE_URL, or BUDGET_STORE_URL
with TOKEN_BUDGETS): one key per target, `SET genai:cooldown:<service host>:<target> 1 PX <ms>`, which the cache
expires by itself; a request reads its chain's keys with one MGET. Otherwise each container keeps its own. A
cooldown is advisory: a store that fails raises StoreFailure, which the use case logs and then ignores (the request
goes on as if nothing were cooling).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from .. import lazy

if TYPE_CHECKING:
    from redis import Redis

    from .. import cache as shared_cache
    from ..budgets import config as budgets_config
    from ..cache import CacheClient
    from ..config import Settings
else:  # only cooldowns shared through FALLBACK_STORE_URL use them
    budgets_config = lazy("genai_fn.budgets.config")
    shared_cache = lazy("genai_fn.cache")

KEY_PREFIX = "genai:cooldown:"
"""Every key the cooldowns write starts with this (the OCI Cache user's ACL can be limited to `~genai:cooldown:*`)."""


class Cooldowns(Protocol):
    def cooling(self, targets: Sequence[str], deadline: float) -> frozenset[str]:
        """Those of `targets` cooling down now."""
        ...

    def cool(self, target: str, deadline: float) -> None:
        """Start `target`'s cooldown (restart it when it is cooling already)."""
        ...


class LocalCooldowns:
    """This container's own cooldowns (no store configured): what it saw fail, until the cooldown ends."""

    def __init__(self, seconds: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._monotonic = monotonic
        self._until: dict[str, float] = {}

    def cooling(self, targets: Sequence[str], deadline: float) -> frozenset[str]:
        now = self._monotonic()
        return frozenset(target for target in targets if self._until.get(target, 0.0) > now)

    def cool(self, target: str, deadline: float) -> None:
        if self._seconds > 0:
            self._until[target] = self._monotonic() + self._seconds


class SharedCooldowns:
    """Cooldowns every container sees: keys with a TTL in OCI Cache. `scope` (the service endpoint's host) keeps two
    regions sharing one cache apart."""

    def __init__(self, cache: CacheClient, seconds: float, scope: str) -> None:
        self._cache = cache
        self._milliseconds = int(seconds * 1000)
        self._prefix = f"{KEY_PREFIX}{scope}:"

    def cooling(self, targets: Sequence[str], deadline: float) -> frozenset[str]:
        keys = [self._prefix + target for target in targets]

        def read(client: Redis) -> list[object]:
            return list(client.mget(keys))

        values = self._cache.run(read, deadline)
        return frozenset(target for target, value in zip(targets, values, strict=True) if value is not None)

    def cool(self, target: str, deadline: float) -> None:
        if self._milliseconds <= 0:
            return
        key = self._prefix + target

        def write(client: Redis) -> object:
            return client.set(key, b"1", px=self._milliseconds)

        self._cache.run(write, deadline)


def cooldowns_for(settings: Settings, budget_cache: CacheClient | None) -> Cooldowns:
    """The container's cooldowns: shared through FALLBACK_STORE_URL's cache, or through the budgets' connection
    (BUDGET_STORE_URL), else its own."""
    policy = settings.fallbacks
    assert policy is not None
    scope = urlsplit(settings.service_endpoint).hostname or ""
    if policy.store is not None:
        cache = shared_cache.CacheClient(
            policy.store,
            store_timeout=policy.store_timeouts.get("socket_timeout", budgets_config.DEFAULT_STORE_TIMEOUT_SECONDS),
            connect_timeout=policy.store_timeouts.get(
                "socket_connect_timeout", budgets_config.DEFAULT_STORE_TIMEOUT_SECONDS
            ),
        )
        return SharedCooldowns(cache, policy.cooldown_seconds, scope)
    if policy.shares_budget_store and budget_cache is not None:
        return SharedCooldowns(budget_cache, policy.cooldown_seconds, scope)
    return LocalCooldowns(policy.cooldown_seconds)
