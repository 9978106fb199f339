"""The HTTP side: a keep-alive ThreadingHTTPServer that executes Outcomes, plus the `Emulator` lifecycle and
the unauthenticated `/_emulator/*` control paths for an emulator running in another process.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from emulator.app import Api, Outcome, RecordedRequest, RecordedRequests, error_outcome
from emulator.faults import Fault, FaultPlan
from emulator.keystore import KeyStore
from emulator.streaming import STREAM_ERROR, StreamLog, StreamPlan, StreamRecord, encode
from emulator.tls import ensure_tls_material
from emulator.validation import Catalog

logger = logging.getLogger("emulator")
CONTROL_PREFIX = "/_emulator/"
STOP_TIMEOUT_SECONDS = 5.0
"""How long `stop()` waits for connection threads; they wake at once, so this only bounds a wedged one."""


class _Handler(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1 with Nagle off: a kept-alive reply otherwise stalls ~40 ms on delayed ACKs."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "OCIGenAIEmulator/1.0"
    sys_version = ""
    timeout = 120
    server: _Server

    def setup(self) -> None:
        if self.server.ssl_context is not None:
            self.request = self.server.ssl_context.wrap_socket(self.request, server_side=True)
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.untrack(self.connection)
            if self.server.ssl_context is not None:
                _close_quietly(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's signature
        logger.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _dispatch(self) -> None:
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            body = self.rfile.read(int(headers.get("content-length", "0") or "0"))
        except ValueError:
            self._send(error_outcome(400, "InvalidParameter", "Content-Length is not a number."))
            self.close_connection = True
            return
        if urlsplit(self.path).path.startswith(CONTROL_PREFIX):
            self._send(self.server.emulator.control(self.command, urlsplit(self.path).path, body))
        else:
            self._send(self.server.emulator.api.handle(self.command, self.path, headers, body))

    def _send(self, outcome: Outcome) -> None:
        stopping = self.server.stopping
        if outcome.delay > 0 and stopping.wait(outcome.delay):
            self.close_connection = True  # the emulator is stopping: answer nothing
            return
        if outcome.action == "drop":
            self.close_connection = True
            return
        if outcome.action == "reset":
            self._reset()
            return
        if outcome.stream is not None and outcome.action == "send":
            self._stream(outcome, outcome.stream)
            return
        body = outcome.body
        self.send_response(outcome.status)
        for name, value in outcome.headers.items():
            self.send_header(name, _latin1(value))
        if outcome.content_type:
            self.send_header("Content-Type", outcome.content_type)
        extra = 64 if outcome.action == "truncated" else 0
        self.send_header("Content-Length", str(len(body) + extra))
        if outcome.action != "send":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if outcome.action == "stalled":
            stopping.wait(outcome.stall)
        elif outcome.action == "trickle":
            self._trickle(body, outcome.interval)
        elif outcome.action == "closed_mid_body":
            self.wfile.write(body[: len(body) // 2])
        else:
            self.wfile.write(body)

    def _stream(self, outcome: Outcome, stream: StreamPlan) -> None:
        """Send each event as it is due, `stream.gap` apart, with no Content-Length and the connection closed at the
        end (HTTP/1.1 lets the close end the body); a stream fault cuts, stalls or fails it after some events."""
        self.send_response(outcome.status)
        for name, value in outcome.headers.items():
            self.send_header(name, _latin1(value))
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        stopping = self.server.stopping
        try:
            for index, event in enumerate(stream.events):
                if index == stream.cut_after:
                    break
                if index == stream.error_after:
                    self.wfile.write(encode(STREAM_ERROR))
                    break
                if index == stream.stall_after and stopping.wait(stream.stall):
                    break
                if index > 0 and stream.gap > 0 and stopping.wait(stream.gap):
                    break
                self.wfile.write(event)
                self.wfile.flush()
                stream.record.sent.append(time.monotonic())
        except OSError:
            pass  # the client went away: stop writing
        stream.record.closed_early = len(stream.record.sent) < stream.record.total

    def _trickle(self, body: bytes, interval: float) -> None:
        """One byte per `interval`; stops early (leaving the body short) when the emulator stops."""
        for i in range(len(body)):
            self.wfile.write(body[i : i + 1])
            if self.server.stopping.wait(interval):
                return

    def _reset(self) -> None:
        """SO_LINGER 0 then close: the kernel answers with RST instead of FIN."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.wfile.close()
        self.connection.close()


def _latin1(value: str) -> str:
    """http.server writes header values as Latin-1; anything else goes out as its UTF-8 bytes, as a sloppy server
    would send them (a client reads them back as Latin-1)."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8").decode("latin-1")
    return value


def _close_quietly(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    """The listen backlog (socketserver's default is 5): hundreds of streams connecting at once must not have their
    SYNs dropped and retried a second later (benchmarks/stream_transport.py)."""

    def __init__(self, address: tuple[str, int], emulator: Emulator, ssl_context: ssl.SSLContext | None) -> None:
        self.emulator = emulator
        self.ssl_context = ssl_context
        self.stopping = threading.Event()
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, sock: socket.socket) -> None:
        with self._connections_lock:
            self._connections[sock] = threading.current_thread()

    def untrack(self, sock: socket.socket) -> None:
        with self._connections_lock:
            self._connections.pop(sock, None)

    def handler_threads(self) -> list[threading.Thread]:
        with self._connections_lock:
            return list(self._connections.values())

    def close_connections(self, timeout: float) -> None:
        """Wake every handler (its socket shut down, its waits ended) and wait up to `timeout` s for them to end."""
        self.stopping.set()
        with self._connections_lock:
            connections = dict(self._connections)
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for thread in connections.values():
            thread.join(max(0.0, deadline - time.monotonic()))

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


class Emulator:
    """A signature-checking OCI Generative AI inference endpoint on a background thread.

    `credentials_dir` is where `mint_resource_principal` / `mint_api_key_config` wrote their files;
    keys are looked up there lazily, per request.
    """

    def __init__(
        self,
        credentials_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        catalog: Catalog | None = None,
        stream_seconds: float = 0.0,
    ) -> None:
        self.credentials_dir = Path(credentials_dir).resolve()
        self.host = host
        self.port = port
        self.tls = tls
        self.catalog = catalog or Catalog()
        self.requests = RecordedRequests()
        self._faults = FaultPlan()
        self._streams = StreamLog()
        self._stream_seconds = _seconds(stream_seconds)
        self.api = Api(
            KeyStore(self.credentials_dir), self.catalog, self._faults, self.requests, self._streams, stream_seconds
        )
        self.ca_bundle: Path | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Emulator:
        context = None
        if self.tls:
            self.ca_bundle, cert, key = ensure_tls_material(self.credentials_dir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
        self._server = _Server((self.host, self.port), self, context)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Run in the calling thread (for `python -m emulator`)."""
        if self._server is None:
            self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop listening, end every connection (a stalled or trickling reply included) and wait for its thread."""
        if self._server is None:
            return
        self._server.stopping.set()
        self._server.shutdown()
        self._server.close_connections(STOP_TIMEOUT_SECONDS)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def fail_next(
        self,
        status: int = 429,
        code: str = "TooManyRequests",
        message: str = "Too many requests for the tenancy.",
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next `times` chat/embed requests get this error (after the signature check)."""
        self._faults.add(Fault("error", times, status=status, code=code, message=message, headers=dict(headers or {})))

    def inject(self, kind: str, times: int = 1, **params: float) -> None:
        """Queue a fault for the next `times` chat/embed requests; kinds and parameters in `faults.FAULT_PARAMS`
        (e.g. `inject("trickle", interval=0.05)`, `inject("huge_reply", megabytes=2)`); all take `delay`."""
        self._faults.add(Fault.injected(kind, times, params))

    def handler_threads(self) -> list[threading.Thread]:
        """Threads serving a connection right now (for tests that check `stop()` leaves none behind)."""
        return self._server.handler_threads() if self._server else []

    def set_latency(self, seconds: float) -> None:
        """Delay every API answer, to stand in for upstream model latency."""
        self._faults.latency = float(seconds)

    def set_stream_seconds(self, seconds: float) -> None:
        """Spread each streamed reply over about `seconds` (0: its events back to back), until `reset()`."""
        self.api.stream_seconds = _seconds(seconds)

    @property
    def streams(self) -> list[StreamRecord]:
        """Every streamed reply since the last reset, with the time each of its events was sent."""
        return self._streams.snapshot()

    def reset(self) -> None:
        """Forget faults, latency, recorded requests and streams; stream pacing goes back to the constructor's."""
        self._faults.clear()
        self.requests.clear()
        self._streams.clear()
        self.api.stream_seconds = self._stream_seconds

    def control(self, method: str, path: str, body: bytes) -> Outcome:
        """`/_emulator/*`: the same controls over HTTP, for an emulator in another process."""
        action = path[len(CONTROL_PREFIX) :]
        if method == "GET" and action == "requests":
            data = [r.to_json() for r in self.requests.snapshot()]
            return Outcome(200, json.dumps(data).encode())
        handlers: dict[str, Callable[..., None]] = {
            "fail_next": self.fail_next,
            "inject": self.inject,
            "latency": self._latency,
            "stream_seconds": self.set_stream_seconds,
            "reset": self.reset,
        }
        if action not in handlers and action != "requests":
            return error_outcome(404, "NotAuthorizedOrNotFound", f"No control endpoint {path}.")
        if method != "POST" or action == "requests":
            return error_outcome(405, "MethodNotAllowed", f"Method {method} is not allowed on {path}.")
        try:
            params = json.loads(body) if body.strip() else {}
            if not isinstance(params, dict):
                raise TypeError("body must be a JSON object")
            handlers[action](**params)
        except (TypeError, ValueError) as exc:
            return error_outcome(400, "InvalidParameter", str(exc))
        return Outcome(200, b'{"ok": true}')

    def _latency(self, seconds: float) -> None:
        self.set_latency(seconds)


def _seconds(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < float("inf"):
        raise ValueError("stream seconds must be a finite number >= 0")
    return float(value)


__all__ = ["Emulator", "RecordedRequest"]
