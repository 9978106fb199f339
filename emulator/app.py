"""Route, authenticate, apply faults and answer one API request. No sockets here: the server executes the Outcome."""

from __future__ import annotations

import dataclasses
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from emulator import guardrails, monitoring, rerank
from emulator.catalog import ROUTING_PROFILE_OCID_PREFIX, SELECTED_REGION
from emulator.errors import ApiError, not_found
from emulator.faults import Fault, FaultPlan, patched_json
from emulator.keystore import KeyStore
from emulator.prompt_cache import PromptCache
from emulator.responses import (
    LOAD_BALANCER_502,
    Completion,
    chat_result,
    complete,
    echoed_history,
    embed_result,
    huge_completion,
    prompt_texts,
)
from emulator.signature import Principal, SignatureError, verify_request
from emulator.streaming import STREAM_FAULTS, StreamLog, StreamPlan, chat_events, plan
from emulator.validation import Catalog, validate_chat, validate_embed

BASE_PATH = "/20231130"
MONITORING_PATH = "/20180401"
"""MonitoringClient's base_path (oci/monitoring/monitoring_client.py)."""
ROUTES = {
    f"{BASE_PATH}/actions/chat": "chat",
    f"{BASE_PATH}/actions/embedText": "embed",
    f"{BASE_PATH}/actions/rerankText": "rerank",
    f"{BASE_PATH}/actions/applyGuardrails": "guardrails",
    f"{MONITORING_PATH}/metrics": "metrics",
}
"""API path -> operation; all are POST-only. PostMetricData (OCI Monitoring, telemetry-ingestion) shares the server:
point USAGE_METRICS_ENDPOINT at the emulator."""
JSON = "application/json"
OTHER_FORMAT = {"COHERE": "GENERIC", "COHEREV2": "GENERIC", "GENERIC": "COHERE"}
TRANSPORT_FAULTS = frozenset({"drop", "reset", "truncated", "closed_mid_body", "trickle", "stalled"})
"""Faults the server carries out on the socket around an otherwise correct reply."""
MALFORMED_BODY = b'{"modelId": "cohere.command-a-03-2025", "chatResponse": {"apiFormat": "COHERE", "text": "Hel'


@dataclass
class Outcome:
    """What to do on the socket: `action` is "send" or one of TRANSPORT_FAULTS; `delay` comes before anything is
    sent, `interval` paces a trickle, `stall` is how long a stalled reply waits before closing. A streamed reply
    has a `stream` plan, sent event by event when the action is "send" (`body` holds its events for the others)."""

    status: int
    body: bytes = b""
    content_type: str | None = JSON
    headers: dict[str, str] = field(default_factory=dict)
    action: str = "send"
    delay: float = 0.0
    interval: float = 0.0
    stall: float = 0.0
    stream: StreamPlan | None = None


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator saw it; `status` is 0 when the connection was dropped or reset."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any | None
    principal: str | None
    status: int

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["body"] = self.body.decode("utf-8", errors="replace")
        return data


class RecordedRequests:
    """A thread-safe, list-like log of requests: index, iterate (a snapshot), len, clear."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __getitem__(self, index: int) -> RecordedRequest:
        with self._lock:
            return self._items[index]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[RecordedRequest]:
        """Iterate over a snapshot, so appends during iteration are safe."""
        return iter(self.snapshot())

    def __repr__(self) -> str:
        return f"RecordedRequests({self.snapshot()!r})"


def error_outcome(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Outcome:
    body = json.dumps({"code": code, "message": message}).encode()
    return Outcome(status, body, JSON, dict(headers or {}))


SELECTED_REGION_HEADER = "x-genai-selected-region"
"""The service's answer header naming the region that served a routing profile's call
(docs.oracle.com/iaas/Content/generative-ai/routing-profile-tutorial.htm)."""


def _json_outcome(data: Any) -> Outcome:
    return Outcome(200, json.dumps(data).encode())


def _parse_json(body: bytes) -> Any | None:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _served_model(body: bytes) -> str | None:
    """The model id or endpoint OCID a request's servingMode names (what a fault's `model` matches), if readable."""
    mode = (_parse_json(body) or {}).get("servingMode") if body.lstrip().startswith(b"{") else None
    if not isinstance(mode, dict):
        return None
    value = mode.get("modelId") or mode.get("endpointId")
    return value if isinstance(value, str) else None


def _request_id(headers: dict[str, str]) -> str:
    """Echo the caller's id as the prefix, as OCI does, so logs on both sides join up."""
    ours = uuid.uuid4().hex.upper()
    theirs = headers.get("opc-request-id")
    return f"{theirs.split('/')[0]}/{ours}" if theirs else ours


class Api:
    """The emulated service: `handle(...)` turns a request into an Outcome and records it."""

    def __init__(
        self,
        keystore: KeyStore,
        catalog: Catalog,
        faults: FaultPlan,
        log: RecordedRequests,
        streams: StreamLog,
        stream_seconds: float = 0.0,
    ) -> None:
        self.keystore = keystore
        self.catalog = catalog
        self.faults = faults
        self.log = log
        self.streams = streams
        self.stream_seconds = stream_seconds
        """A streamed reply's events are spread over about this many seconds (0: sent back to back)."""
        self.prompt_cache = PromptCache()

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Outcome:
        principal: Principal | None = None
        try:
            operation = ROUTES.get(urlsplit(target).path)
            if operation is None:
                raise not_found()
            if method != "POST":
                raise ApiError(405, "MethodNotAllowed", f"Method {method} is not allowed on this resource.")
            try:
                principal = verify_request(method, target, headers, body, self.keystore.lookup)
            except SignatureError as exc:
                raise ApiError(401, "NotAuthenticated", str(exc)) from exc
            outcome = self._serve(operation, body, self.faults.take(operation, _served_model(body)))
        except ApiError as exc:
            outcome = error_outcome(exc.status, exc.code, exc.message)
            if exc.status == 405:
                outcome.headers["Allow"] = "POST"
        outcome.delay += self.faults.latency
        if outcome.content_type != "text/html":
            outcome.headers.setdefault("opc-request-id", _request_id(headers))
        status = 0 if outcome.action in ("drop", "reset") else outcome.status
        self.log.append(
            RecordedRequest(
                method, target, dict(headers), body, _parse_json(body), principal.subject if principal else None, status
            )
        )
        return outcome

    def _serve(self, operation: str, body: bytes, fault: Fault | None) -> Outcome:
        outcome = self._answer(operation, body, fault)
        if fault is not None:
            outcome.delay = fault.params.get("delay", 0.0)
            outcome.interval = fault.params.get("interval", 0.0)
            outcome.stall = fault.params.get("stall", 0.0)
            if fault.kind in TRANSPORT_FAULTS:
                outcome.action = fault.kind
        return outcome

    def _answer(self, operation: str, body: bytes, fault: Fault | None) -> Outcome:
        kind = fault.kind if fault else None
        if fault and kind == "error":
            return error_outcome(fault.status, fault.code, fault.message, fault.headers)
        if kind in ("drop", "reset"):
            return Outcome(0)
        if kind == "html":
            return Outcome(502, LOAD_BALANCER_502.encode(), "text/html")
        if kind == "malformed":
            return Outcome(200, MALFORMED_BODY)
        if kind == "empty":
            return Outcome(200, b"{}")
        try:
            details = json.loads(body)
        except ValueError as exc:
            raise ApiError(400, "CannotParseRequest", "Unable to parse the request body as JSON.") from exc
        if operation == "chat":
            return self._chat(details, fault)
        if operation == "metrics":
            return _json_outcome(monitoring.answer(details))
        if operation == "guardrails":
            return _json_outcome(guardrails.answer(details))
        if operation == "rerank":
            return _json_outcome(rerank.answer(details, self.catalog))
        if kind in ("huge_reply", "huge_history") or kind in STREAM_FAULTS:
            raise ApiError(400, "InvalidParameter", f"Emulator fault {kind} applies to chat requests only.")
        return self._embed(details, wrong_format=kind == "wrong_format")

    def _chat(self, details: Any, fault: Fault | None) -> Outcome:
        target, request = validate_chat(details, self.catalog)
        kind = fault.kind if fault else None
        api_format = request["apiFormat"]
        if fault and kind == "huge_reply":
            completion = huge_completion(request, fault.params["megabytes"])
        else:
            completion = complete(request)
        cached = self.prompt_cache.cached_tokens(target.model_id, prompt_texts(request)[1])
        completion = dataclasses.replace(completion, cached_tokens=min(cached, completion.prompt_tokens))
        if kind == "wrong_format":
            return _json_outcome(chat_result(target.model_id, OTHER_FORMAT[api_format], request, completion))
        if request.get("isStream"):
            return self._stream(request, completion, fault)
        if kind in STREAM_FAULTS:
            raise ApiError(400, "InvalidParameter", f"Emulator fault {kind} applies to streamed chat requests only.")
        result = chat_result(target.model_id, api_format, request, completion)
        if fault and kind == "patch":
            return Outcome(200, patched_json(result, fault.patch))
        if fault and kind == "huge_history":
            if api_format != "COHERE":
                raise ApiError(400, "InvalidParameter", "Emulator fault huge_history applies to apiFormat COHERE.")
            result["chatResponse"]["chatHistory"] = echoed_history(int(fault.params["entries"]))
        outcome = _json_outcome(result)
        if target.model_id.startswith(ROUTING_PROFILE_OCID_PREFIX):  # the region the profile's call was served from
            outcome.headers[SELECTED_REGION_HEADER] = SELECTED_REGION
        return outcome

    def _stream(self, request: dict[str, Any], completion: Completion, fault: Fault | None) -> Outcome:
        """The reply as server-sent events, paced by `stream_seconds` (emulator/streaming.py)."""
        kind = fault.kind if fault else None
        stream = plan(
            chat_events(request, completion), self.stream_seconds, self.streams, kind, fault.params if fault else {}
        )
        return Outcome(200, b"".join(stream.events), "text/event-stream", stream=stream)

    def _embed(self, details: Any, *, wrong_format: bool) -> Outcome:
        target, details, dimension = validate_embed(details, self.catalog)
        if wrong_format:
            request = {"apiFormat": "COHERE", "message": details["inputs"][0]}
            return _json_outcome(chat_result(target.model_id, "COHERE", request, complete(request)))
        return _json_outcome(embed_result(target.model_id, details, dimension))


__all__ = ["Api", "Completion", "Outcome", "RecordedRequest", "RecordedRequests", "error_outcome"]
