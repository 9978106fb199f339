"""Which loopback ports can be listened on: run-local checks its own before it starts anything, and suggests free
ones; the README check picks free ones. Standard library only (the README check runs before .venv exists)."""

from __future__ import annotations

import socket

HOST = "127.0.0.1"


def bind_error(port: int) -> OSError | None:
    """Why `port` cannot be listened on (in use, not allowed), or None; probed as the servers bind (SO_REUSEADDR)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            return exc
    return None


def free_port(start: int, *, pair: bool, step: int = 10, stop: int = 65534) -> int | None:
    """The first of start, start+step, ... that is free (with the next port too when `pair`: a gateway and its
    emulator), or None."""
    for port in range(start, stop, step):
        if bind_error(port) is None and not (pair and bind_error(port + 1) is not None):
            return port
    return None
