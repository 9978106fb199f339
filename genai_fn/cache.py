"""The container's one connection to OCI Cache (redis), shared by whoever needs it: the token budgets
(budgets/store.py) and the fallbacks' cooldowns (fallbacks/cooldown.py). redis is imported here only on first use,
so a function configured without either never loads it.

Every command is bounded by the invocation's deadline: the connection's connect and read timeouts are set, before
each command, to the time left (minus ANSWER_MARGIN_SECONDS) capped by the configured ceilings; redis-py's own
retries are off (a command that timed out may have been applied, and retrying it could apply it twice). Every
client-side failure is a StoreFailure, which each user answers by its own rule.

One lock covers each command's whole run (the timeouts set, the idle check, the command and its reply): the streaming
edge's worker threads share the connection, and a thread that checked or reset it while another waited for its
reply would drop that reply. A thread waits for the lock only as long as its own deadline allows. On the fdk edge
(one invocation at a time) the lock is never contended.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from redis import Redis

T = TypeVar("T")

ANSWER_MARGIN_SECONDS = 0.25
"""Time kept back from the deadline: after a cache failure the function still has to answer."""


class StoreFailure(Exception):
    """The cache could not be asked (unreachable, too slow for the deadline, refused our user or command)."""


class CacheClient:
    """One connection per container, kept between invocations and used by one command at a time (the lock: the
    streaming edge runs several invocations at once). `connection`: redis-py keyword arguments
    (budgets.config.parse_store_url); `monotonic`: the clock of the invocation deadline (http.Invocation.deadline)."""

    def __init__(
        self,
        connection: Mapping[str, Any],
        *,
        store_timeout: float,
        connect_timeout: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connection = connection
        self._store_timeout = store_timeout
        self._connect_timeout = connect_timeout
        self._monotonic = monotonic
        self._client: Redis | None = None
        self._lock = threading.Lock()

    def run(self, command: Callable[[Redis], T], deadline: float) -> T:
        """`command(client)` within the deadline; every client-side failure becomes StoreFailure."""
        from redis.exceptions import RedisError

        timeout = self._time_left(deadline)
        if not self._lock.acquire(timeout=timeout):
            raise StoreFailure("the connection stayed busy until the invocation deadline")
        try:
            return command(self._connected_client(self._time_left(deadline)))
        except (RedisError, OSError) as exc:
            raise StoreFailure(type(exc).__name__) from exc
        finally:
            self._lock.release()

    def _time_left(self, deadline: float) -> float:
        timeout = deadline - self._monotonic() - ANSWER_MARGIN_SECONDS
        if timeout <= 0:
            raise StoreFailure("no time left before the invocation deadline")
        return timeout

    def _connected_client(self, timeout: float) -> Redis:
        """The container's one connection, its connect and read timeouts set to `timeout` (within the ceilings), and
        reconnected first when the cache closed it while idle (a failover, a restart, an idle timeout): the check
        redis-py's pool makes before it hands out a connection, which a single-connection client skips."""
        read_timeout = min(timeout, self._store_timeout)
        connect_timeout = min(timeout, self._connect_timeout)
        if self._client is None:
            self._client = _new_client(self._connection, read_timeout, connect_timeout)
            return self._client
        connection = self._client.connection
        if connection is not None:
            connection.socket_timeout = read_timeout
            connection.socket_connect_timeout = connect_timeout
            connection.update_current_socket_timeout(-1)  # the live socket too, not only the next one
            _reconnect_if_closed(connection)
        return self._client


def _reconnect_if_closed(connection: Any) -> None:
    """Nothing is sent yet: a connection with bytes waiting, or one the peer closed (EOF), is dropped, and the next
    command connects afresh (a failed connect is then the store failure it is)."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    try:
        stale = bool(connection.can_read(timeout=0))
    except (RedisConnectionError, OSError):
        stale = True
    if stale:
        connection.disconnect()


def _new_client(connection: Mapping[str, Any], read_timeout: float, connect_timeout: float) -> Redis:
    """One TLS connection, no retries and no CLIENT SETINFO (driver_info=None: two round trips fewer per connection,
    and no ACL right needed for it)."""
    from redis import ConnectionPool, Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    pool = ConnectionPool(
        **connection,
        socket_timeout=read_timeout,
        socket_connect_timeout=connect_timeout,
        retry=Retry(NoBackoff(), 0),
        driver_info=None,
    )
    return Redis(connection_pool=pool, single_connection_client=True)
