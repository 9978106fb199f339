"""Read TOKEN_BUDGETS, BUDGET_STORE_URL, BUDGET_ON_STORE_ERROR and TOKEN_BUDGET_CACHED_WEIGHT; every error names
its variable.

BUDGET_STORE_URL is read by redis-py's own `parse_url` (what `Redis.from_url` uses), then held to what OCI Cache
needs: TLS (`rediss://`: "By default, OCI Cache only supports TLS connections with clusters"), the cluster's FQDN
("Don't use IP addresses to resolve nodes"; docs.oracle.com/iaas/Content/ocicache/connecttocluster.htm), and no
option that would weaken certificate checks. Port 6379 is redis-py's default and what OCI Cache clusters listen on
(assumed: the connection page does not state it).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..caller import is_valid_caller
from ..config_numbers import decimal, whole
from ..errors import ConfigError

WINDOWS = {"minute": 60, "hour": 3600, "day": 86400}
"""Window name -> length in seconds; windows are aligned to the UTC epoch (a day is a UTC calendar day)."""
DEFAULT_CALLER = "*"
"""TOKEN_BUDGETS entry for every caller without its own entry; each such caller has its own counter."""
ON_STORE_ERROR = ("closed", "open")
MAX_TOKENS = 10**15
DEFAULT_STORE_TIMEOUT_SECONDS = 2.0
"""Ceiling on connecting to (TLS included) and on each reply from the cache; the invocation's deadline lowers it.
redis-py's own defaults are 5 s for both; `?socket_timeout=` / `?socket_connect_timeout=` in the URL override it."""
MAX_STORE_TIMEOUT_SECONDS = 30.0
URL_OPTIONS = frozenset({"ssl_ca_certs", "socket_timeout", "socket_connect_timeout"})
"""Query options accepted in BUDGET_STORE_URL: a private CA bundle and the two timeout ceilings. Anything else
(ssl_cert_reqs=none, ssl_check_hostname=false, retries, ...) is refused rather than silently honoured."""


@dataclass(frozen=True)
class Budget:
    """`tokens` per `window` for `caller` (DEFAULT_CALLER: every caller without an entry of its own)."""

    caller: str
    tokens: int
    window: str

    @property
    def seconds(self) -> int:
        return WINDOWS[self.window]


@dataclass(frozen=True)
class BudgetPolicy:
    """What the operator configured; None in the function's settings means budgets are off."""

    budgets: tuple[Budget, ...]
    on_store_error: str = "closed"
    connection: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """redis-py connection keyword arguments read from BUDGET_STORE_URL (host, port, db, username, password,
    ssl_ca_certs, connection_class); never in a repr, as the password is in it."""
    store_timeout: float = DEFAULT_STORE_TIMEOUT_SECONDS
    connect_timeout: float = DEFAULT_STORE_TIMEOUT_SECONDS
    cached_weight: float = 1.0
    """TOKEN_BUDGET_CACHED_WEIGHT: what a cached prompt token counts for, 0..1 (usecases/metering.py `weighted`)."""

    def limits_for(self, caller: str) -> tuple[Budget, ...]:
        """The caller's own entries, else the default entries; empty: this caller is not limited."""
        own = tuple(b for b in self.budgets if b.caller == caller)
        return own or tuple(b for b in self.budgets if b.caller == DEFAULT_CALLER)


def parse_budgets(environ: Mapping[str, str]) -> BudgetPolicy | None:
    """The budget policy, or None when TOKEN_BUDGETS is empty; raise ConfigError naming the variable."""
    raw = environ.get("TOKEN_BUDGETS", "").strip()
    url = environ.get("BUDGET_STORE_URL", "").strip()
    on_error = environ.get("BUDGET_ON_STORE_ERROR", "").strip().lower()
    weight = environ.get("TOKEN_BUDGET_CACHED_WEIGHT", "").strip()
    if not raw:
        if url or on_error or weight:
            raise ConfigError(
                "BUDGET_STORE_URL, BUDGET_ON_STORE_ERROR and TOKEN_BUDGET_CACHED_WEIGHT need TOKEN_BUDGETS "
                "(budgets are off without)"
            )
        return None
    budgets = parse_token_budgets(raw)
    if on_error and on_error not in ON_STORE_ERROR:
        raise ConfigError("BUDGET_ON_STORE_ERROR must be closed (refuse requests, the default) or open")
    if not url:
        raise ConfigError("BUDGET_STORE_URL is required with TOKEN_BUDGETS: rediss://[user:password@]<FQDN>:6379/0")
    connection, timeouts = parse_store_url(url)
    return BudgetPolicy(
        budgets=budgets,
        on_store_error=on_error or "closed",
        connection=connection,
        store_timeout=timeouts.get("socket_timeout", DEFAULT_STORE_TIMEOUT_SECONDS),
        connect_timeout=timeouts.get("socket_connect_timeout", DEFAULT_STORE_TIMEOUT_SECONDS),
        cached_weight=decimal(
            "TOKEN_BUDGET_CACHED_WEIGHT",
            weight,
            0,
            1,
            what="TOKEN_BUDGET_CACHED_WEIGHT must be a decimal number from 0 to 1 (what a cached prompt token counts "
            "for; default 1)",
        )
        if weight
        else 1.0,
    )


def parse_token_budgets(raw: str) -> tuple[Budget, ...]:
    """`caller:tokens/window,...`; a caller (or `*`) may have one entry per window."""
    budgets: list[Budget] = []
    seen: set[tuple[str, str]] = set()
    for entry in (item.strip() for item in raw.split(",")):
        if not entry:
            continue
        name, _, limit = entry.rpartition(":")
        tokens, _, window = limit.partition("/")
        if not name or window not in WINDOWS:
            raise ConfigError(
                "TOKEN_BUDGETS entries are caller:tokens/window with window minute, hour or day, "
                "e.g. *:200000/day,team-a:1000000/day"
            )
        if name != DEFAULT_CALLER and not is_valid_caller(name):
            raise ConfigError("TOKEN_BUDGETS names a caller that cannot be one (see docs/usage.md for the characters)")
        count = whole(
            "TOKEN_BUDGETS",
            tokens,
            1,
            MAX_TOKENS,
            what="TOKEN_BUDGETS entries are caller:tokens/window with tokens a whole number (ASCII digits) between 1 "
            f"and {MAX_TOKENS}",
        )
        if (name, window) in seen:
            raise ConfigError("TOKEN_BUDGETS has two entries for the same caller and window")
        seen.add((name, window))
        budgets.append(Budget(name, count, window))
    if not budgets:
        raise ConfigError("TOKEN_BUDGETS has no entry")
    return tuple(budgets)


def parse_store_url(url: str, variable: str = "BUDGET_STORE_URL") -> tuple[dict[str, Any], dict[str, float]]:
    """(redis-py connection kwargs, timeout ceilings) from an OCI Cache URL (`variable`: BUDGET_STORE_URL, or
    FALLBACK_STORE_URL), read by redis-py's parse_url."""
    from redis.connection import SSLConnection, parse_url  # imported only when budgets are configured

    try:
        kwargs: dict[str, Any] = parse_url(url)  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
    except ValueError:
        raise ConfigError(f"{variable} must be a URL like rediss://[user:password@]<FQDN>:6379/0") from None
    if kwargs.get("connection_class") is not SSLConnection:
        raise ConfigError(f"{variable} must start with rediss://: OCI Cache accepts TLS connections only")
    host = str(kwargs.get("host") or "")
    if not host:
        raise ConfigError(f"{variable} has no host: use the cluster's primary endpoint FQDN")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise ConfigError(f"{variable} must name the cluster's FQDN, not an IP address (OCI Cache's TLS rule)")
    unknown = sorted(set(kwargs) - {"host", "port", "db", "username", "password", "connection_class"} - URL_OPTIONS)
    if unknown:
        raise ConfigError(f"{variable} option {unknown[0]} is not accepted (only {', '.join(sorted(URL_OPTIONS))})")
    ca = kwargs.get("ssl_ca_certs")
    if ca is not None and not Path(str(ca)).is_file():
        raise ConfigError(f"{variable} ssl_ca_certs must name a readable PEM file")
    timeouts: dict[str, float] = {}
    query = parse_qs(urlsplit(url).query)
    for name in ("socket_timeout", "socket_connect_timeout"):
        if name in kwargs:
            # redis-py's float() takes `inf`, `1_0` and Unicode digits: its first value is read here, as parse_url does
            kwargs.pop(name)
            timeouts[name] = decimal(
                variable,
                query[name][0],
                0,
                MAX_STORE_TIMEOUT_SECONDS,
                low_open=True,
                what=f"{variable} {name} must be between 0 and {MAX_STORE_TIMEOUT_SECONDS} seconds",
            )
    kwargs.setdefault("port", 6379)
    return kwargs, timeouts
