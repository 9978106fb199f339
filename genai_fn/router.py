"""The routes, declared once, and the one place a request is dispatched: parse, use case, render, or an error.

Each Route pairs a method and a path with a use case (usecases/) and the contract (contracts/) that parses its
request and renders its reply and every error. Both are named, not imported: a route's modules load on its first
call, so a container pays at start-up only for what every call needs (tests/integration/test_import_budget.py).
Paths are matched by their end, so any API Gateway deployment prefix, and OpenAI base URLs with or without /v1,
work; `path` is the canonical gateway path the deployment's API Gateway spec is generated from. A plain
`fn invoke` has no path: its body decides the contract, here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from itertools import chain
from typing import Any, cast
from urllib.parse import unquote

from .body import decode_object
from .caller import caller_from
from .contracts import Contract, ErrorRenderer, StreamingContract
from .errors import (
    ConfigError,
    InvalidRequest,
    MethodNotAllowed,
    ProxyError,
    RequestError,
    RequestTimeout,
    RouteNotFound,
    UpstreamFailed,
)
from .http import MAX_RESPONSE_BYTES, Chunks, Invocation, Reply, StreamReply
from .logs import current_record
from .usecases import Configured

UseCase = Callable[[Configured, Any, float], Any]
"""(configured function, parsed request, deadline) -> the result the contract renders."""


@cache
def load(target: str) -> Any:
    """`module:attribute` under genai_fn, imported on first use."""
    module, _, attribute = target.partition(":")
    return getattr(import_module(f"{__package__}.{module}"), attribute)


@dataclass(frozen=True)
class Route:
    """One route: method and path, the use case that serves it and the contract that speaks its wire shape."""

    name: str
    """The request log's `route`."""
    method: str
    path: str
    """The canonical path under the gateway's deployment prefix; matched by its end, without a leading /v1."""
    use_case: str
    """`module:function` under genai_fn: (configured function, parsed request, deadline) -> result."""
    contract: str
    """`module:object` under genai_fn: the Contract that parses the request and renders the result and errors."""
    stream_use_case: str | None = None
    """`module:function` under genai_fn giving the result as it comes (an iterator the contract's `render_stream`
    renders), for a request that asks to stream (`stream: true`) on an edge that can deliver it; None: never."""

    def handler(self) -> UseCase:
        return cast(UseCase, load(self.use_case))

    def wire(self) -> Contract[Any, Any]:
        return cast(Contract[Any, Any], load(self.contract))

    @property
    def suffix(self) -> str:
        return self.path.removeprefix("/v1")

    def path_params(self, path: str) -> dict[str, str]:
        """The `{name}` segments of the path, percent-decoded: a GET route's contract parses these as its body."""
        wanted = self.suffix.lstrip("/").split("/")
        tail = path.rstrip("/").split("/")[-len(wanted) :]
        pairs = zip(wanted, tail, strict=False)
        return {w[1:-1]: unquote(h) for w, h in pairs if w.startswith("{") and w.endswith("}")}

    def serve(self, configured: Configured, body: dict[str, Any], invocation: Invocation) -> Reply | StreamReply:
        contract = self.wire()
        request = contract.parse(body, configured.settings)
        if self.stream_use_case and invocation.streaming and getattr(request, "stream", False) is True:
            return self._stream(configured, request, invocation)
        return contract.render(self.handler()(configured, request, invocation.deadline), request, invocation)

    def _stream(self, configured: Configured, request: Any, invocation: Invocation) -> StreamReply:
        """The use case's first item is awaited here, so a refusal or a failure before it is an ordinary reply;
        after it, an error is the contract's `stream_error` chunk, and the stream ends."""
        assert self.stream_use_case is not None
        contract = cast(StreamingContract, self.wire())
        results = load(self.stream_use_case)(configured, request, invocation.deadline)
        try:
            first = next(results)
        except StopIteration:
            first = None
        except BaseException:
            results.close()
            raise
        head = [] if first is None else [first]
        rendered = contract.render_stream(chain(head, results), request, invocation)
        chunks = _ending_with_errors(rendered.chunks, contract, invocation)
        closing = Chunks(chunks, lambda early: results.close())  # closed even if never pulled: the upstream with it
        return StreamReply(rendered.status, rendered.content_type, closing, rendered.headers)


CHAT = "contracts.simple:CHAT"
OPENAI_CHAT = "contracts.chat_completions:CHAT"
OPENAI_ERRORS = "contracts.openai_errors:ERRORS"
CHAT_STREAM = "usecases.chat:chat_stream"
ROUTES: tuple[Route, ...] = (
    Route("chat.completions", "POST", "/v1/chat/completions", "usecases.chat:chat", OPENAI_CHAT, CHAT_STREAM),
    Route("models", "GET", "/v1/models", "usecases.models:list_models", "contracts.models:MODELS"),
    Route("models.get", "GET", "/v1/models/{model}", "usecases.models:retrieve", "contracts.models:MODEL"),
    Route("rerank", "POST", "/v1/rerank", "usecases.rerank:rerank", "contracts.rerank:RERANK"),
    Route("embeddings", "POST", "/v1/embeddings", "usecases.embeddings:embed", "contracts.embeddings:EMBEDDINGS"),
    Route("responses", "POST", "/v1/responses", "usecases.chat:chat", "contracts.responses:RESPONSES", CHAT_STREAM),
    Route(
        "responses.get",
        "GET",
        "/v1/responses/{id}",
        "usecases.responses:retrieve",
        "contracts.responses:STORED_RESPONSES",
    ),
    Route("chat", "POST", "/chat", "usecases.chat:chat", CHAT, CHAT_STREAM),
)
PLAIN_INVOKE = Route("invoke", "POST", "", "usecases.chat:chat", CHAT)
"""`fn invoke` (no gateway): the simple contract, unless the body is an OpenAI chat completion."""
PLAIN_INVOKE_OPENAI = Route("invoke.chat.completions", "POST", "", "usecases.chat:chat", OPENAI_CHAT)
NOT_ROUTES = (
    (
        "/v1/completions",
        "the legacy completions API is not served: send the prompt as messages to /v1/chat/completions",
    ),
)
"""Paths callers try that no route serves, each answered with a 404 that says what to use instead."""


@dataclass(frozen=True)
class Refusal:
    """A path no route serves, or a known path with the wrong method: answered in the contract it looks like."""

    name: str
    contract: str
    """`module:object` under genai_fn that renders the refusal."""
    error: RequestError

    def wire(self) -> ErrorRenderer:
        return cast(ErrorRenderer, load(self.contract))


def match(invocation: Invocation) -> Route | Refusal:
    path = invocation.path.rstrip("/")
    if not invocation.via_gateway or not path:
        return PLAIN_INVOKE
    on_path = [route for route in ROUTES if _ends_with(path, route.suffix)]
    if not on_path:
        openai_like = "/v1/" in f"{path}/"
        hint = next((hint for suffix, hint in NOT_ROUTES if path.endswith(suffix)), "see docs/api.md")
        return Refusal(
            "not_found",
            OPENAI_ERRORS if openai_like else CHAT,
            RouteNotFound(f"no route for {invocation.path}; {hint}"),
        )
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


def _ending_with_errors(
    chunks: Iterator[bytes], contract: StreamingContract, invocation: Invocation
) -> Iterator[bytes]:
    """The rendered chunks; an error after the first is rendered by the contract as the stream's last chunk (the
    status is sent already). However it ends (finished, failed, closed by the edge), the caller (`_stream`'s Chunks)
    closes the use case, which closes the upstream response."""
    record = current_record()
    try:
        yield from chunks
    except ProxyError as error:
        record.code = error.code
        yield contract.stream_error(error, invocation)
    except Exception as exc:  # a bug: a fixed message to the caller, its frames (never its text) to the log
        record.code = ProxyError.code
        record.note_bug(exc)
        yield contract.stream_error(ProxyError("internal error; see the function's logs"), invocation)


def dispatch(invocation: Invocation, state: Configured | ConfigError) -> Reply | StreamReply:
    """The reply to one invocation; every error is rendered here, in the contract of the route it reached."""
    record = current_record()
    target = match(invocation)
    record.route, contract = target.name, target.wire()
    try:
        record.caller = caller_from(invocation.headers, invocation.via_gateway)
        if isinstance(state, ConfigError):
            raise state
        if isinstance(target, Refusal):
            raise target.error
        if invocation.malformed_url:
            raise InvalidRequest("Fn-Http-Request-Url is not a valid URL", param="url")
        if invocation.body_timed_out:
            raise RequestTimeout("the request body did not arrive before the call's deadline; send it whole")
        post = target.method == "POST"
        body = decode_object(invocation.body, state.settings) if post else target.path_params(invocation.path)
        if target is PLAIN_INVOKE and "messages" in body and "input" not in body:
            target = PLAIN_INVOKE_OPENAI
            record.route, contract = target.name, target.wire()
        reply = target.serve(state, body, invocation)
        if isinstance(reply, StreamReply):
            return reply
        if len(reply.body) > MAX_RESPONSE_BYTES:
            raise UpstreamFailed(
                f"the reply would be {len(reply.body)} bytes, over the {MAX_RESPONSE_BYTES}-byte response limit of "
                "OCI Functions: ask for a shorter answer, or send less that the reply repeats (Responses "
                "instructions and tools, rerank documents with return_documents)"
            )
        return reply
    except ProxyError as error:
        record.code = error.code
        return contract.render_error(error, invocation)
    except Exception as exc:  # a bug: a fixed message to the caller, its frames (never its text) to the log
        record.code = ProxyError.code
        record.note_bug(exc)
        return contract.render_error(ProxyError("internal error; see the function's logs"), invocation)
