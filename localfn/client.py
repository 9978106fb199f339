"""Speak Fn's http-stream protocol to an fdk socket: POST /call with Fn-* headers, as Fn's agent does.

A gateway call adds Fn-Intent: httprequest, Fn-Http-Method, Fn-Http-Request-Url and one Fn-Http-H-<name> per
client header (what OCI API Gateway sends); a plain call is what `fn invoke` sends.
"""

from __future__ import annotations

import http.client
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

FN_HEADER_PREFIX = "fn-http-h-"


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, socket_path: Path, timeout: float, on_connect: Callable[[], None]) -> None:
        super().__init__("localhost", timeout=timeout)
        self._socket_path = str(socket_path)
        self._on_connect = on_connect

    def connect(self) -> None:  # http.client calls it again by itself after the server closed the connection
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._socket_path)
        self._on_connect()


@dataclass(frozen=True)
class FnResponse:
    """What came back over the socket; `status` is the client's status (Fn-Http-Status through a gateway)."""

    socket_status: int
    status: int
    headers: dict[str, str]
    """The client's view: Fn-Http-H-* unwrapped, plus content-type."""
    raw_headers: dict[str, str]
    body: bytes


def fn_deadline(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FnClient:
    """A kept-alive connection to one fdk socket (Fn reuses its connection to a hot container)."""

    def __init__(self, socket_path: Path, timeout: float = 120.0) -> None:
        self.socket_path = socket_path
        self.timeout = timeout
        self._conn: _UnixConnection | None = None
        self.connections_opened = 0
        """How many connections this client has opened: 1 while fdk keeps the first one open."""

    def invoke(
        self,
        body: bytes | str = b"",
        *,
        gateway: bool = False,
        method: str = "POST",
        url: str = "/chat",
        headers: Mapping[str, str] | None = None,
        deadline_seconds: float = 30.0,
        call_id: str | None = None,
        content_type: str = "application/json",
        fn_headers: Mapping[str, str] | None = None,
    ) -> FnResponse:
        data = body.encode() if isinstance(body, str) else body
        wire = {
            "Fn-Call-Id": call_id or uuid.uuid4().hex,
            "Fn-Deadline": fn_deadline(deadline_seconds),
            "Content-Type": content_type,
            "Content-Length": str(len(data)),
        }
        if gateway:
            wire.update({"Fn-Intent": "httprequest", "Fn-Http-Method": method, "Fn-Http-Request-Url": url})
            client_headers = {"Content-Type": content_type, **(headers or {})}
            wire.update({f"Fn-Http-H-{name}": value for name, value in client_headers.items()})
        else:
            wire.update(headers or {})
        wire.update(fn_headers or {})
        response = self._send(data, wire)
        raw = {name.lower(): value for name, value in response.getheaders()}
        payload = response.read()
        status = int(raw.get("fn-http-status", response.status)) if gateway else response.status
        client = {k[len(FN_HEADER_PREFIX) :]: v for k, v in raw.items() if k.startswith(FN_HEADER_PREFIX)}
        if "content-type" in raw:
            client["content-type"] = raw["content-type"]
        return FnResponse(response.status, status, client if gateway else raw, raw, payload)

    def _send(self, data: bytes, headers: Mapping[str, str]) -> http.client.HTTPResponse:
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = _UnixConnection(self.socket_path, self.timeout, self._connected)
            try:
                self._conn.request("POST", "/call", body=data, headers=dict(headers))
                return self._conn.getresponse()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _connected(self) -> None:
        self.connections_opened += 1

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
