"""The routes, declared once, and the one place a request is dispatched: parse, use case, render, or an error.

Each Route pairs a method and a path with a use case (usecases.py) and the contract (contracts/) that parses its
request and renders its reply and every error. Paths are matched by their end, so any API Gateway deployment
prefix, and OpenAI base URLs with or without /v1, work; `path` is the canonical gateway path the deployment's
API Gateway spec is generated from. A plain `fn invoke` has no path: its body decides the contract, here, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

from . import models, rerank, responses, usecases
from .contracts import Contract, openai, simple
from .contracts import rerank as rerank_contract
from .contracts import responses as responses_contract
from .envelope import Invocation, Reply
from .errors import ConfigError, InvalidRequest, MethodNotAllowed, ProxyError, RequestError, RouteNotFound
from .logs import current_record
from .usecases import Configured
from .validate import decode_object

Q = TypeVar("Q")
R = TypeVar("R")


@dataclass(frozen=True)
class Route(Generic[Q, R]):
    name: str
    """The request log's `route`."""
    method: str
    path: str
    """The canonical path under the gateway's deployment prefix; matched by its end, without a leading /v1."""
    handler: Callable[[Configured, Q, float], R]
    """The use case: (configured function, parsed request, deadline) -> result."""
    contract: Contract[Q, R]

    @property
    def suffix(self) -> str:
        return self.path.removeprefix("/v1")

    def path_params(self, path: str) -> dict[str, str]:
        """The `{name}` segments of the path, percent-decoded: a GET route's contract parses these as its body."""
        wanted = self.suffix.lstrip("/").split("/")
        tail = path.rstrip("/").split("/")[-len(wanted) :]
        pairs = zip(wanted, tail, strict=False)
        return {w[1:-1]: unquote(h) for w, h in pairs if w.startswith("{") and w.endswith("}")}

    def serve(self, configured: Configured, body: dict[str, Any], invocation: Invocation) -> Reply:
        request = self.contract.parse(body, configured.settings)
        return self.contract.render(self.handler(configured, request, invocation.deadline), request, invocation)


ROUTES: tuple[Route[Any, Any], ...] = (
    Route("chat.completions", "POST", "/v1/chat/completions", usecases.chat, openai.CHAT),
    Route("models", "GET", "/v1/models", usecases.list_models, openai.MODELS),
    Route("models.get", "GET", "/v1/models/{model}", models.retrieve, openai.MODEL),
    Route("rerank", "POST", "/v1/rerank", rerank.rerank, rerank_contract.RERANK),
    Route("embeddings", "POST", "/v1/embeddings", usecases.embed, openai.EMBEDDINGS),
    Route("responses", "POST", "/v1/responses", usecases.chat, responses_contract.RESPONSES),
    Route("responses.get", "GET", "/v1/responses/{id}", responses.retrieve, responses_contract.STORED_RESPONSES),
    Route("chat", "POST", "/chat", usecases.chat, simple.CHAT),
)
PLAIN_INVOKE = Route("invoke", "POST", "", usecases.chat, simple.CHAT)
"""`fn invoke` (no gateway): the simple contract, unless the body is an OpenAI chat completion."""
PLAIN_INVOKE_OPENAI = Route("invoke.chat.completions", "POST", "", usecases.chat, openai.CHAT)


@dataclass(frozen=True)
class Refusal:
    """A path no route serves, or a known path with the wrong method: answered in the contract it looks like."""

    name: str
    contract: Contract[Any, Any]
    error: RequestError


def match(invocation: Invocation) -> Route[Any, Any] | Refusal:
    path = invocation.path.rstrip("/")
    if not invocation.via_gateway or not path:
        return PLAIN_INVOKE
    on_path = [route for route in ROUTES if _ends_with(path, route.suffix)]
    if not on_path:
        contract = openai.CHAT if "/v1/" in f"{path}/" else simple.CHAT
        return Refusal("not_found", contract, RouteNotFound(f"no route for {invocation.path}; see docs/api.md"))
    same_path = [route for route in on_path if route.suffix == on_path[0].suffix]
    for route in same_path:
        if route.method == invocation.method:
            return route
    allowed = tuple(sorted(route.method for route in same_path))
    error = MethodNotAllowed(f"{invocation.path} accepts {', '.join(allowed)}", allowed=allowed)
    return Refusal(on_path[0].name, on_path[0].contract, error)


def _ends_with(path: str, suffix: str) -> bool:
    """The path ends with the route's suffix; a `{name}` segment of the suffix matches any one non-empty segment."""
    if "{" not in suffix:
        return path.endswith(suffix)
    wanted, have = suffix.lstrip("/").split("/"), path.split("/")
    if len(have) < len(wanted):
        return False
    tail = have[len(have) - len(wanted) :]
    return all(w == h or (w.startswith("{") and w.endswith("}") and h) for w, h in zip(wanted, tail, strict=True))


def dispatch(invocation: Invocation, state: Configured | ConfigError) -> Reply:
    """The reply to one invocation; every error is rendered here, in the contract of the route it reached."""
    record = current_record()
    target = match(invocation)
    record.route, contract = target.name, target.contract
    try:
        if isinstance(state, ConfigError):
            raise state
        if isinstance(target, Refusal):
            raise target.error
        if invocation.malformed_url:
            raise InvalidRequest("Fn-Http-Request-Url is not a valid URL", param="url")
        post = target.method == "POST"
        body = decode_object(invocation.body, state.settings) if post else target.path_params(invocation.path)
        if target is PLAIN_INVOKE and "messages" in body and "input" not in body:
            target = PLAIN_INVOKE_OPENAI
            record.route, contract = target.name, target.contract
        return target.serve(state, body, invocation)
    except ProxyError as error:
        record.code = error.code
        record.opc_request_id = error.opc_request_id or record.opc_request_id
        return contract.render_error(error, invocation)
    except Exception as exc:  # a bug: a fixed message to the caller, its frames (never its text) to the log
        record.code = ProxyError.code
        record.note_bug(exc)
        return contract.render_error(ProxyError("internal error; see the function's logs"), invocation)
