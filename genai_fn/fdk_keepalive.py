"""Stops fdk 0.1.128's idle spin: an expired keep-alive timer that reschedules itself at 0 s until the next call.

fdk/async_http/server.py's `update_current_time` sets *server*'s `current_time` every second, while
fdk/async_http/protocol.py reads its own module global `current_time`, which stays None. So
`HttpProtocol.keep_alive_time_left()` is always 0, and `keep_alive_timeout` (75 s) after the last response on a
connection the agent keeps open, `keep_alive_timeout_callback` reschedules itself with `call_later(0, ...)` until
the next request: a full core per idle hot container. docs/fdk-keepalive.md has the details and the reproduction.

The replacement keeps the timer (armed after each response, cancelled by the next request's headers) and, when it
fires, stops: it neither closes the connection, as fdk's would if its clock worked (Fn's agent owns idle connections;
an FDK that closed them first gave callers 502s, fnproject/fn #1483), nor feeds `protocol.current_time`, which would
arm fdk's dormant request and response timeouts. Applied only while the bug is there; remove this module and its
import in func.py when fdk fixes `update_current_time` (a test pins FDK_VERSION, so an fdk upgrade re-checks it).
"""

from __future__ import annotations

from typing import Any

from fdk.async_http import protocol, server

FDK_VERSION = "0.1.128"
"""The fdk release this was checked against (the newest when written)."""
FDK_CALLBACK = protocol.HttpProtocol.keep_alive_timeout_callback
"""fdk's own callback, which the fix replaces."""


def bug_present() -> bool:
    """True while the keep-alive check reads a `current_time` that nothing updates."""
    reader = protocol.HttpProtocol.keep_alive_time_left
    writer = server.update_current_time
    return (
        "current_time" in reader.__code__.co_names
        and "current_time" in writer.__code__.co_names
        and reader.__globals__ is not writer.__globals__
        and protocol.current_time is None
    )


def keep_alive_expired(self: Any) -> None:
    """fdk's keep-alive timer fired: no request for `keep_alive_timeout` since the last response. Leave the idle
    connection to the agent, which closes it when it wants, and do not reschedule."""
    self._keep_alive_timeout_handler = None


def apply() -> bool:
    """Install the corrected callback where fdk has the bug; True when it is in place."""
    if protocol.HttpProtocol.keep_alive_timeout_callback is keep_alive_expired:
        return True
    if not bug_present():
        return False
    protocol.HttpProtocol.keep_alive_timeout_callback = keep_alive_expired
    return True


APPLIED = apply()
"""Applied on import: func.py imports this before fdk writes the first response (fdk loads func.py on the first
call, and arms the keep-alive timer only after answering it)."""
