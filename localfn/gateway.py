"""A local stand-in for OCI API Gateway: HTTP on 127.0.0.1 in, Fn http-stream calls to fdk sockets out.

Like the real gateway it forwards method, path+query and headers as Fn-Http-*, and answers with the function's
Fn-Http-Status and unwrapped Fn-Http-H-* headers. Several fdk processes may serve it, as Fn scales containers. Like
the deployment's spec it sets or blocks the caller header (gateway_auth.py).

Its own errors (401 under --auth, 502 when the function failed or cannot be reached, 504) are JSON in the contract
of the path, rendered by the function's own renderers as the router picks them: OpenAI's shape under /v1/ (so the
openai SDKs show the message), the simple contract's `{"error": {...}}` elsewhere (docs/api.md). The types are the
gateway's (gateway_error below), not the function's error table.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from genai_fn import router
from genai_fn.errors import ProxyError
from genai_fn.http import Invocation

from . import gateway_auth
from .client import FnClient
from .gateway_auth import TokenAuth


def gateway_error(status: int, code: str, message: str) -> ProxyError:
    """An error the gateway answers itself, for the contracts' renderers. An instance, not a subclass: the
    function's error tree (the one error table of docs/api.md) stays the function's."""
    error = ProxyError(message)
    error.status, error.code = status, code
    return error


UNAUTHORIZED = (
    401,
    "unauthorized",
    "a valid bearer token is required (Authorization: Bearer <token>); run-local --auth prints them",
)
UNREACHABLE = (
    502,
    "function_failed",
    "the function cannot be reached on its socket: it is not running (run-local's output says why)",
)
AGENT_ERRORS = {
    502: (502, "function_failed", "the function failed (its container answered 502): see its log"),
    504: (504, "function_timeout", "the function did not answer before its deadline: see its log"),
}
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
                    self._error(gateway_error(*UNAUTHORIZED), headers)
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
                    self._error(gateway_error(*UNREACHABLE), headers)
                    return
                finally:
                    gateway._clients.put(client)
                if reply.socket_status in AGENT_ERRORS:  # as Fn's agent does: the container's body is dropped
                    self._error(gateway_error(*AGENT_ERRORS[reply.socket_status]), headers)
                    return
                self._send(reply.status, reply.headers, reply.body)

            def _error(self, error: ProxyError, headers: dict[str, str]) -> None:
                """The error as the function would render it on this path (the router picks the contract)."""
                path = urlsplit(self.path).path
                invocation = Invocation(self.command, path, headers, b"", uuid.uuid4().hex, 0.0, True)
                reply = router.match(invocation).wire().render_error(error, invocation)
                self._send(reply.status, {**reply.headers, "content-type": reply.content_type}, reply.body)

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    if name not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

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
