"""The application: routes an Invocation to its contract, calls the service, answers every error, logs once.

Built once per container (App.from_env never raises); func.handler delegates every call to App.handle_fdk.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from . import oci_models, validate
from .chat import ChatReply, ChatRequest, EmbeddingReply, EmbeddingRequest
from .config import Settings
from .contracts import openai, simple
from .envelope import Invocation, Reply, from_fdk, to_fdk
from .errors import ConfigError, MethodNotAllowed, ProxyError, RouteNotFound
from .logs import RequestLog, RequestRecord
from .service import GenAIService, UpstreamResult

log = logging.getLogger("genai_fn")

Handler = Callable[["App", Invocation, RequestRecord], Reply]


@dataclass(frozen=True)
class Route:
    name: str
    suffix: str
    handlers: Mapping[str, Handler]
    contract: ModuleType


class App:
    def __init__(
        self,
        settings: Settings | None,
        *,
        config_error: ConfigError | None = None,
        service: GenAIService | None = None,
        request_log: RequestLog | None = None,
    ) -> None:
        self.settings = settings
        self.config_error = config_error
        self.service = service or (GenAIService(settings) if settings else None)
        self.request_log = request_log or RequestLog()
        self._served = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> App:
        """Never raises: a configuration error is logged once here and answered (as a 500) on every call."""
        environ = os.environ if environ is None else environ
        if environ.get("FDK_DEBUG", "").lower() in ("1", "true", "t", "y", "yes"):
            log.warning("FDK_DEBUG is on: fdk logs request headers (Authorization included); never in production")
        try:
            return cls(Settings.from_env(environ), **kwargs)
        except ConfigError as error:
            log.error("configuration error: %s", error.message)
            return cls(None, config_error=error, **kwargs)

    def handle_fdk(self, ctx: Any, data: Any) -> Any:
        return to_fdk(ctx, self.handle(from_fdk(ctx, data)))

    def handle(self, invocation: Invocation) -> Reply:
        started = time.perf_counter()
        route = resolve_route(invocation)
        record = RequestRecord(
            call_id=invocation.call_id,
            route=route.name,
            method=invocation.method,
            via_gateway=invocation.via_gateway,
            cold_start=not self._served,
        )
        self._served = True
        try:
            if self.config_error:
                raise self.config_error
            handler = route.handlers.get(invocation.method)
            if handler is None:
                if not route.handlers:
                    raise RouteNotFound(f"no route for {invocation.path or '/'}; see docs/api.md")
                allowed = tuple(sorted(route.handlers))
                raise MethodNotAllowed(f"{invocation.path} accepts {', '.join(allowed)}", allowed=allowed)
            reply = handler(self, invocation, record)
        except ProxyError as error:
            reply = error_reply(error, route.contract, invocation, record)
        except Exception as exc:  # a bug: answer a fixed message, never fdk's 502 with the exception text
            log.error("internal error in %s: %s", route.name, type(exc).__name__)
            reply = error_reply(
                ProxyError("internal error; see the function's logs"), route.contract, invocation, record
            )
        record.status = reply.status
        record.latency_ms = (time.perf_counter() - started) * 1000
        with contextlib.suppress(Exception):  # a broken log stream must not turn the answer into fdk's 502
            self.request_log.write(record)
        return reply

    def chat(self, request: ChatRequest, invocation: Invocation, record: RequestRecord) -> ChatReply:
        """Call the model for a validated request; fills the request log record."""
        record.model, record.api_format = request.model, request.api_format
        details = oci_models.to_chat_details(request, self.settings)
        result = self.service.chat(details, invocation.deadline)
        _record_upstream(record, result)
        reply = oci_models.to_reply(result.data, result.opc_request_id, request)
        record.prompt_tokens = reply.usage.prompt_tokens
        record.completion_tokens = reply.usage.completion_tokens
        record.total_tokens = reply.usage.total_tokens
        if self.settings.log_content:
            record.content = {"messages": [[m.role, m.content] for m in request.messages], "reply": reply.text}
        return reply

    def embed(self, request: EmbeddingRequest, invocation: Invocation, record: RequestRecord) -> EmbeddingReply:
        record.model = request.model
        details = oci_models.to_embed_details(request, self.settings)
        result = self.service.embed_text(details, invocation.deadline)
        _record_upstream(record, result)
        reply = oci_models.to_embedding_reply(result.data, result.opc_request_id, request.model)
        record.prompt_tokens, record.total_tokens = reply.usage.prompt_tokens, reply.usage.total_tokens
        return reply


def _record_upstream(record: RequestRecord, result: UpstreamResult) -> None:
    record.attempts, record.upstream_ms, record.opc_request_id = (
        result.attempts,
        result.upstream_ms,
        result.opc_request_id,
    )


def error_reply(error: ProxyError, contract: ModuleType, invocation: Invocation, record: RequestRecord) -> Reply:
    """Render an error in the caller's contract and note what the request log needs of it."""
    record.code = error.code
    record.attempts = error.attempts or record.attempts
    record.upstream_ms = error.upstream_ms if error.upstream_ms is not None else record.upstream_ms
    record.opc_request_id = error.opc_request_id or record.opc_request_id
    return contract.render_error(error, invocation)


def simple_chat(app: App, invocation: Invocation, record: RequestRecord) -> Reply:
    body = validate.decode_object(invocation.body, app.settings)
    return _simple_chat(app, body, invocation, record)


def _simple_chat(app: App, body: dict[str, Any], invocation: Invocation, record: RequestRecord) -> Reply:
    request = simple.parse_request(body, app.settings)
    return simple.render_reply(app.chat(request, invocation, record), invocation)


def openai_chat(app: App, invocation: Invocation, record: RequestRecord) -> Reply:
    body = validate.decode_object(invocation.body, app.settings)
    return _openai_chat(app, body, invocation, record)


def _openai_chat(app: App, body: dict[str, Any], invocation: Invocation, record: RequestRecord) -> Reply:
    call = openai.parse_chat(body, app.settings)
    return openai.render_chat(app.chat(call.request, invocation, record), call, invocation)


def openai_models(app: App, invocation: Invocation, record: RequestRecord) -> Reply:
    return openai.render_models(app.settings)


def openai_embeddings(app: App, invocation: Invocation, record: RequestRecord) -> Reply:
    body = validate.decode_object(invocation.body, app.settings)
    request, encoding = openai.parse_embeddings(body, app.settings)
    return openai.render_embeddings(app.embed(request, invocation, record), encoding)


def plain_invoke(app: App, invocation: Invocation, record: RequestRecord) -> Reply:
    """`fn invoke` has no path: a body with `messages` (and no `input`) is an OpenAI chat completion."""
    body = validate.decode_object(invocation.body, app.settings)
    if "messages" in body and "input" not in body:
        record.route = "invoke.chat.completions"
        try:
            return _openai_chat(app, body, invocation, record)
        except ProxyError as error:  # the caller speaks OpenAI: answer in its shape
            return error_reply(error, openai, invocation, record)
    return _simple_chat(app, body, invocation, record)


ROUTES: tuple[Route, ...] = (
    Route("chat.completions", "/chat/completions", {"POST": openai_chat}, openai),
    Route("models", "/models", {"GET": openai_models}, openai),
    Route("embeddings", "/embeddings", {"POST": openai_embeddings}, openai),
    Route("chat", "/chat", {"POST": simple_chat}, simple),
)
"""Matched against the end of the request path, so any API Gateway prefix (and OpenAI base URLs with or without
/v1) works."""
PLAIN_INVOKE = Route("invoke", "", {"POST": plain_invoke}, simple)


def resolve_route(invocation: Invocation) -> Route:
    path = invocation.path.rstrip("/")
    if not invocation.via_gateway or not path:
        return PLAIN_INVOKE
    for route in ROUTES:
        if path.endswith(route.suffix):
            return route
    return Route("not_found", "", {}, openai if "/v1/" in f"{path}/" else simple)
