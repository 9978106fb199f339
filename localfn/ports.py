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


def free_instance_port(start: int = 28090) -> int | None:
    """A gateway port for a run-local started by a check (README examples, docs snippets): it, its emulator's (the
    next) and its streaming edge's (+10) all free, away from the 8080/8090 a developer's own run-local uses."""
    for port in range(start, 65524, 20):
        if all(bind_error(p) is None for p in (port, port + 1, port + 10)):
            return port
    return None
