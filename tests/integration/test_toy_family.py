"""Adding a model family is one module: a toy family, registered here instead of living in genai_fn/families/, is
driven through every chat contract (simple, plain invoke, chat completions, its stream, Responses) with the real
upstream client against the signature-checking emulator; its ranges, features and mapping hold on each.

The toy speaks the GENERIC wire format its own way (the whole conversation flattened into one user turn), so what the
emulator received proves the toy's to_sdk ran, and the reply proves its from_sdk did.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from oci.generative_ai_inference import models as m

from emulator import Emulator
from genai_fn import families
from genai_fn.app import App
from genai_fn.config import Settings
from genai_fn.families._base import Family, finish_reason, sampling, usage
from genai_fn.families.generic import FAMILY as GENERIC
from genai_fn.http import Invocation
from genai_fn.neutral.chat import ChatReply, ChatRequest
from genai_fn.neutral.stream import ChatDelta
from tests.conftest import function_config
from tests.constants import MODEL_OCID


class Toy(Family):
    """A family with one sampling parameter, one feature, and a mapping of its own."""

    api_format = "TOY"
    ranges = {"temperature": (0, 1)}
    features = frozenset({"stop"})

    def to_sdk(self, request: ChatRequest) -> m.GenericChatRequest:
        transcript = "\n".join(f"{message.role}: {message.content}" for message in request.messages)
        return m.GenericChatRequest(
            messages=[m.UserMessage(content=[m.TextContent(text=transcript)])],
            stop=list(request.params.stop) or None,
            **sampling(request),
        )

    def from_sdk(self, response: Any, request: ChatRequest, model: str, opc_request_id: str | None) -> ChatReply:
        choice = response.choices[0]
        text = "".join(part.text for part in choice.message.content or [])
        return ChatReply(
            "toy says: " + text, model, finish_reason(choice.finish_reason), usage(response.usage), opc_request_id
        )

    def stream_deltas(self, events: Iterable[dict[str, Any]], request: ChatRequest, model: str) -> Iterator[ChatDelta]:
        """The service's Generic events, read by the Generic family, after the toy's own words."""
        yield ChatDelta(text="toy says: ")
        yield from GENERIC.stream_deltas(events, request, model)


@pytest.fixture(scope="module")
def app(emulator: Emulator, rp_env: dict[str, str]) -> Iterator[App]:
    """The app in-process (the toy cannot be registered inside an fdk process), the resource principal in
    os.environ as the platform provides it."""
    families.register(Toy())
    with pytest.MonkeyPatch.context() as patch:
        for name, value in rp_env.items():
            patch.setenv(name, value)
        config = function_config(
            emulator, ALLOWED_MODELS=MODEL_OCID, API_FORMAT="GENERIC", MODEL_API_FORMATS=f"{MODEL_OCID}:TOY"
        )
        yield App.configured(Settings.from_env(config))
    families.unregister("TOY")


@pytest.fixture
def fresh(emulator: Emulator) -> Emulator:
    """The emulator with no recorded requests."""
    emulator.reset()
    return emulator


def call(app: App, path: str, body: dict[str, Any], *, gateway: bool = True) -> tuple[int, Any]:
    invocation = Invocation(
        method="POST",
        path=path if gateway else "",
        headers={"accept": "application/json", "content-type": "application/json"},
        body=json.dumps(body).encode(),
        call_id="toy-1",
        deadline=time.monotonic() + 20,
        via_gateway=gateway,
    )
    reply = app.handle(invocation)
    text = reply.body.decode()
    return reply.status, json.loads(text) if reply.content_type.startswith("application/json") else text


def last_chat_request(emulator: Emulator) -> dict[str, Any]:
    request = emulator.requests[-1].json
    assert request is not None
    return dict(request["chatRequest"])


CONVERSATION = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(
    ("path", "body", "gateway", "text_of"),
    [
        ("/genai/chat", {"input": "Hi", "system": "Be brief."}, True, lambda r: r["text"]),
        ("", {"input": "Hi", "system": "Be brief."}, False, lambda r: r["text"]),
        (
            "/genai/v1/chat/completions",
            {"messages": CONVERSATION},
            True,
            lambda r: r["choices"][0]["message"]["content"],
        ),
        ("", {"messages": CONVERSATION}, False, lambda r: r["choices"][0]["message"]["content"]),
        (
            "/genai/v1/responses",
            {"input": "Hi", "instructions": "Be brief."},
            True,
            lambda r: r["output"][0]["content"][0]["text"],
        ),
    ],
    ids=["simple", "plain-invoke", "chat-completions", "plain-invoke-openai", "responses"],
)
def test_every_contract_reaches_the_toy_mapping(app, fresh, path, body, gateway, text_of) -> None:
    status, reply = call(app, path, {"model": MODEL_OCID, "temperature": 0.5, **body}, gateway=gateway)
    assert status == 200, reply
    request = last_chat_request(fresh)
    assert request["apiFormat"] == "GENERIC" and request["temperature"] == 0.5
    assert request["messages"] == [
        {"role": "USER", "content": [{"type": "TEXT", "text": "system: Be brief.\nuser: Hi"}]}
    ]
    assert text_of(reply).startswith("toy says: ")


def test_the_toy_stream_is_rendered_by_the_chat_contract(app, fresh) -> None:
    status, body = call(
        app, "/genai/v1/chat/completions", {"model": MODEL_OCID, "messages": CONVERSATION, "stream": True}
    )
    assert status == 200 and "toy says: " in body and body.endswith("data: [DONE]\n\n")


@pytest.mark.parametrize(
    ("path", "body", "param", "words"),
    [
        ("/genai/chat", {"input": "Hi", "top_p": 0.5}, "top_p", "top_p is not supported for TOY models"),
        ("/genai/chat", {"input": "Hi", "temperature": 1.5}, "temperature", "between 0 and 1"),
        (
            "/genai/v1/chat/completions",
            {"messages": CONVERSATION, "tools": [{"type": "function", "function": {"name": "f"}}]},
            "tools",
            "tools and tool messages are not supported for TOY models",
        ),
        (
            "/genai/v1/responses",
            {"input": "Hi", "text": {"format": {"type": "json_object"}}},
            "text.format",
            "json_object is not supported for TOY models",
        ),
        (
            "/genai/v1/chat/completions",
            {"messages": CONVERSATION, "seed": 7},
            "seed",
            "seed is not supported for TOY models",
        ),
    ],
)
def test_what_the_toy_lacks_is_refused_before_any_call(app, fresh, path, body, param, words) -> None:
    status, reply = call(app, path, {"model": MODEL_OCID, **body})
    error = reply["error"]
    assert status == 400 and error.get("param") == param and words in error["message"]
    assert len(fresh.requests) == 0
