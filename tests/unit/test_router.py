"""The route table and App.handle in-process, with a stand-in upstream: routing, the one log line, and bugs."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from oci.generative_ai_inference import models as m

from genai_fn import router
from genai_fn.app import App
from genai_fn.config import Settings
from genai_fn.errors import ConfigError, UpstreamThrottled
from genai_fn.families._base import Family
from genai_fn.http import Invocation, Reply
from genai_fn.logs import CallFacts, RequestLog
from genai_fn.neutral.chat import ChatReply, ChatRequest
from genai_fn.upstream.client import Upstream
from tests.constants import COHERE_MODEL, EMBED_MODEL

from .conftest import make_settings

SECRET = "the caller's secret prompt"


class StandInUpstream(Upstream):
    """Answers chat with a fixed Cohere reply, noting what the real one notes; `fail` replaces the answer."""

    def __init__(self, settings: Settings, fail: BaseException | None = None) -> None:
        super().__init__(settings)
        self.fail = fail

    def chat(self, request: ChatRequest, family: Family, deadline: float, facts: CallFacts) -> ChatReply:
        facts.attempts, facts.ms, facts.opc_request_id = 1, 12.5, "opc-1"
        if self.fail is not None:
            facts.opc_request_id = getattr(self.fail, "opc_request_id", None) or facts.opc_request_id
            explode(self.fail)
        reply = m.CohereChatResponse(text="Paris.", finish_reason="COMPLETE", usage=m.Usage(prompt_tokens=3))
        return family.from_sdk(reply, request, COHERE_MODEL, "opc-1")


def explode(error: BaseException) -> None:
    raise error


class Harness:
    def __init__(self, fail: BaseException | None = None, state: ConfigError | None = None) -> None:
        self.stream = io.StringIO()
        settings = make_settings(EMBEDDING_MODELS=EMBED_MODEL)
        upstream = StandInUpstream(settings, fail)
        log = RequestLog(self.stream)
        self.app = (
            App(state, request_log=log) if state else App.configured(settings, upstream=upstream, request_log=log)
        )

    def call(self, path: str = "", method: str = "POST", body: Any = None, gateway: bool = True) -> Reply:
        raw = body if isinstance(body, bytes) else json.dumps(body if body is not None else {}).encode()
        invocation = Invocation(method, path, {"accept": "application/json"}, raw, "call-1", 1e12, gateway)
        return self.app.handle(invocation)

    def log(self) -> dict[str, Any]:
        lines = self.stream.getvalue().splitlines()
        assert len(lines) == 1, lines
        self.stream.seek(0), self.stream.truncate()
        return dict(json.loads(lines[0]))


def test_routes_are_declared_once_with_canonical_gateway_paths() -> None:
    assert [(r.method, r.path) for r in router.ROUTES] == [
        ("POST", "/v1/chat/completions"),
        ("GET", "/v1/models"),
        ("GET", "/v1/models/{model}"),
        ("POST", "/v1/rerank"),
        ("POST", "/v1/embeddings"),
        ("POST", "/v1/responses"),
        ("GET", "/v1/responses/{id}"),
        ("POST", "/chat"),
    ]
    assert len({r.name for r in router.ROUTES}) == len(router.ROUTES)


@pytest.mark.parametrize(
    ("path", "method", "route", "status"),
    [
        ("/genai/chat", "POST", "chat", 200),
        ("/genai/v1/chat/completions", "POST", "chat.completions", 200),
        ("/genai/chat/completions", "POST", "chat.completions", 200),  # an OpenAI base URL without /v1
        ("/genai/v1/models/", "GET", "models", 200),
        ("/genai/v1/models", "POST", "models", 405),
        ("/genai/chat", "GET", "chat", 405),
        ("/genai/v1/unknown", "POST", "not_found", 404),
        ("/genai/unknown", "GET", "not_found", 404),
    ],
)
def test_matching_by_path_suffix(path: str, method: str, route: str, status: int) -> None:
    harness = Harness()
    body = {"messages": [{"role": "user", "content": "Hi"}]} if "completions" in path else {"input": "Hi"}
    reply = harness.call(path, method, body)
    assert reply.status == status
    assert harness.log()["route"] == route
    if status == 405:
        assert reply.headers["Allow"] == ("GET" if "models" in path else "POST")
    if status >= 400:  # the OpenAI shape carries `type` as the OpenAI category, the simple one as our code
        error = json.loads(reply.body)["error"]
        openai_shape = "/v1/" in path or "completions" in path
        assert (error["type"] == "invalid_request_error") is openai_shape


def test_the_legacy_completions_path_says_what_to_call_instead() -> None:
    """LlamaIndex's default (and older clients) call /v1/completions: a 404 that names the route to use."""
    reply = Harness().call("/genai/v1/completions", "POST", {"model": "m", "prompt": "Hi"})
    error = json.loads(reply.body)["error"]
    assert reply.status == 404 and error["type"] == "invalid_request_error" and error["code"] == "not_found"
    assert "/v1/chat/completions" in error["message"] and "messages" in error["message"]


@pytest.mark.parametrize(
    ("body", "route", "expected"),
    [
        ({"messages": [{"role": "user", "content": "Hi"}]}, "invoke.chat.completions", ("object", "chat.completion")),
        ({"messages": [], "input": "Hi"}, "invoke", ("error.type", "invalid_request")),  # simple: unknown field
        ({"input": "Hi"}, "invoke", ("text", "Paris.")),
        (b"{not json", "invoke", ("error.type", "invalid_json")),
    ],
)
def test_plain_invoke_is_resolved_once_by_its_body(body: Any, route: str, expected: tuple[str, str]) -> None:
    harness = Harness()
    reply = json.loads(harness.call(body=body, gateway=False).body)
    assert harness.log()["route"] == route
    key, value = expected
    found = reply["error"]["type"] if key == "error.type" else reply[key]
    assert found == value


def test_request_facts_reach_the_one_log_line() -> None:
    harness = Harness()
    assert harness.call("/fn/chat", body={"input": "Hi"}).status == 200
    line = harness.log()
    assert {key: line[key] for key in ("route", "model", "api_format", "attempts", "upstream_ms", "prompt_tokens")} == {
        "route": "chat",
        "model": COHERE_MODEL,
        "api_format": "COHERE",
        "attempts": 1,
        "upstream_ms": 12.5,
        "prompt_tokens": 3,
    }
    assert (line["status"], line["opc_request_id"], line["cold_start"]) == (200, "opc-1", True)


def test_an_upstream_error_keeps_the_facts_noted_before_it() -> None:
    harness = Harness(fail=UpstreamThrottled("slow down", retry_after=3, opc_request_id="opc-2"))
    reply = harness.call("/fn/chat", body={"input": "Hi"})
    assert (reply.status, reply.headers["Retry-After"]) == (429, "3")
    line = harness.log()
    assert (line["code"], line["attempts"], line["upstream_ms"], line["opc_request_id"]) == (
        "rate_limited",
        1,
        12.5,
        "opc-2",
    )
    assert "traceback" not in line and "error_type" not in line


def test_a_bug_is_logged_with_its_frames_never_its_message() -> None:
    harness = Harness(fail=KeyError(SECRET))
    reply = harness.call("/fn/v1/chat/completions", body={"messages": [{"role": "user", "content": "Hi"}]})
    assert reply.status == 500 and SECRET not in reply.body.decode()
    assert json.loads(reply.body)["error"]["message"] == "internal error; see the function's logs"
    text = harness.stream.getvalue()
    line = harness.log()
    assert (line["code"], line["error_type"], line["level"]) == ("internal_error", "KeyError", "ERROR")
    assert line["traceback"][-1].startswith("unit/test_router.py:") and line["traceback"][-1].endswith(":explode")
    assert any(frame.startswith("usecases/chat.py:") and frame.endswith(":chat") for frame in line["traceback"])
    assert SECRET not in text


def test_a_config_error_is_answered_on_every_call() -> None:
    harness = Harness(state=ConfigError("MODEL_ID is required"))
    for path, route in (("/fn/chat", "chat"), ("/fn/v1/models", "models")):
        reply = harness.call(path, "GET" if "models" in path else "POST", {"input": "Hi"})
        assert (reply.status, json.loads(reply.body)["error"]["message"]) == (500, "MODEL_ID is required")
        line = harness.log()
        assert (line["code"], line["route"]) == ("config_error", route)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/genai/v1/models/cohere.command-a-03-2025", {"model": "cohere.command-a-03-2025"}),
        ("/v1/models/meta%2Ellama/", {"model": "meta.llama"}),
    ],
)
def test_path_parameters_are_taken_from_the_path_end_and_decoded(path: str, expected: dict[str, str]) -> None:
    route = next(r for r in router.ROUTES if r.name == "models.get")
    assert route.path_params(path) == expected
