"""A local stand-in for OCI API Gateway: HTTP on 127.0.0.1 in, Fn http-stream calls to fdk sockets out.

Like the real gateway it forwards method, path+query and headers as Fn-Http-*, and answers with the function's
Fn-Http-Status and unwrapped Fn-Http-H-* headers. Several fdk processes may serve it, as Fn scales containers. Like
the deployment's spec it sets or blocks the caller header (gateway_auth.py).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import gateway_auth
from .client import FnClient
from .gateway_auth import TokenAuth

AGENT_ERRORS = {502: (502, "function failed"), 504: (504, "function timed out")}
"""Fn's agent answers a container's 502/504 with its own error, without the container's body or headers."""
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "host"})


class _Server(ThreadingHTTPServer):
    request_queue_size = 128
    """The listen backlog: socketserver's 5 resets callers that connect at once (50 in benchmarks.load)."""


class LocalGateway:
    def __init__(
        self,
        sockets: Sequence[Path],
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        deadline_seconds: float = 120.0,
        auth: TokenAuth | None = None,
    ) -> None:
        self.auth = auth
        self._clients: queue.Queue[FnClient] = queue.Queue()
        for path in sockets:
            self.add_function(path)
        self.deadline_seconds = deadline_seconds
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                content_type = headers.pop("Content-Type", headers.pop("content-type", "application/octet-stream"))
                if not gateway_auth.apply(gateway.auth, headers):  # the gateway's own 401, before any function
                    self.send_error(401, "Unauthorized")
                    return
                client = gateway._clients.get()
                try:
                    reply = client.invoke(
                        body,
                        gateway=True,
                        method=self.command,
                        url=self.path,
                        headers=headers,
                        content_type=content_type,
                        deadline_seconds=gateway.deadline_seconds,
                    )
                except OSError:
                    client.close()
                    self.send_error(502, "function unreachable")
                    return
                finally:
                    gateway._clients.put(client)
                if reply.socket_status in AGENT_ERRORS:  # as Fn's agent does: the container's body is dropped
                    self.send_error(*AGENT_ERRORS[reply.socket_status])
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    if name not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

        self.server = _Server((host, port), Handler)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    def add_function(self, socket_path: Path) -> None:
        """One more fdk socket behind the gateway (run-local binds the gateway's port before it starts functions)."""
        self._clients.put(FnClient(socket_path))

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) the gateway listens on: the real port when it was asked for port 0."""
        host, port = self.server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    def start(self) -> LocalGateway:
        self._thread = threading.Thread(target=self.server.serve_forever, name="local-gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() waits for serve_forever: never call it on an unstarted gateway
            self.server.shutdown()
            self._thread = None
        self.server.server_close()
        while not self._clients.empty():
            self._clients.get().close()
