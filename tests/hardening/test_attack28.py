"""Issue 28's promises attacked as a hostile caller would (docs: /work/wt/attack28-report.md): each test is one
confirmed break, through the real code against the emulator, marked xfail(strict=True) until its fix lands.

- guardrails: a text the model (or the caller's JSON parser) reads reaches it unscreened or unmasked;
- no 5xx from any input, and configuration never crashes;
- screening's CPU is bounded by the text, not by the text times its findings.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from emulator import Emulator
from genai_fn.app import App
from genai_fn.envelope import Invocation, Reply
from genai_fn.guardrails.spans import Span, mask
from genai_fn.usage.handler import UsageFunction
from tests.conftest import function_config
from tests.constants import COHERE_MODEL, LLAMA_MODEL, MODEL_OCID
from tests.decoded import decoded_strings as decoded
from tests.usage.redis_server import PASSWORD, USER, RedisServer

from .conftest import InProcess

README_GUARDRAILS = "content_moderation:block,prompt_injection:block,pii:mask"
MODELS = f"{COHERE_MODEL},{LLAMA_MODEL},{MODEL_OCID}"
ADDRESS = "attacker@evil.example"
ESCAPED = "attacker\\u0040evil.example"
"""The address as a JSON escape spells it (a backslash, then u0040): what a JSON parser reads as the address."""
MODEL_CALLS = ("/actions/chat", "/actions/embedText", "/actions/rerankText")
TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "Look an order up",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
    },
}


@pytest.fixture(scope="module")
def screened(emulator: Emulator, principal_environ: dict[str, str]) -> InProcess:
    return InProcess(emulator, GUARDRAILS=README_GUARDRAILS, ALLOWED_MODELS=MODELS, API_FORMAT="COHEREV2")


@pytest.fixture(scope="module")
def screened_both(emulator: Emulator, principal_environ: dict[str, str]) -> InProcess:
    return InProcess(
        emulator,
        GUARDRAILS=README_GUARDRAILS,
        GUARDRAILS_SCOPE="input,output",
        ALLOWED_MODELS=MODELS,
        API_FORMAT="COHEREV2",
    )


def post(inproc: InProcess, emulator: Emulator, body: dict[str, Any]) -> Reply:
    emulator.reset()
    invocation = Invocation(
        method="POST",
        path="/genai/v1/chat/completions",
        headers={"accept": "application/json"},
        body=json.dumps(body).encode(),
        call_id="attack28",
        deadline=time.monotonic() + 30,
        via_gateway=True,
    )
    return inproc.app.handle(invocation)


def model_texts(emulator: Emulator) -> list[str]:
    return [text for r in emulator.requests if r.path.endswith(MODEL_CALLS) for text in decoded(r.json)]


def reply_message(reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(reply.body)["choices"][0]["message"]
    return message


# --- guardrails, input ---------------------------------------------------------------------------------------------


def test_v1_tool_output_copied_into_a_chatbot_turn_is_masked_as_decoded(screened, emulator):
    call = {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "x"}'}}
    messages = [
        {"role": "user", "content": "find it"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": f'{{"r": "{ESCAPED}"}}'},
        {"role": "user", "content": "thanks"},
    ]
    reply = post(screened, emulator, {"model": COHERE_MODEL, "messages": messages, "tools": [TOOL]})
    assert reply.status == 200, reply.body
    texts = model_texts(emulator)
    assert texts, "the model was called"
    assert not any(ADDRESS in text for text in texts), "the model read the address (in the CHATBOT copy)"


# --- guardrails, output --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [LLAMA_MODEL, MODEL_OCID, COHERE_MODEL], ids=["Generic", "Cohere V2", "Cohere V1"])
def test_a_json_reply_is_screened_as_the_callers_parser_reads_it(screened_both, emulator, model):
    """The emulated model answers a JSON user message as is when JSON is asked for (docs/emulator.md)."""
    body = {
        "model": model,
        "messages": [{"role": "user", "content": f'{{"contact": "{ESCAPED}"}}'}],
        "response_format": {"type": "json_object"},
    }
    reply = post(screened_both, emulator, body)
    assert reply.status == 200, reply.body
    content = reply_message(reply)["content"]
    assert ADDRESS not in json.dumps(json.loads(content), ensure_ascii=False), "the caller's parser reads the address"


GENERIC_ARGUMENTS = "chatResponse.choices.0.message.toolCalls.0.arguments"
V2_ARGUMENTS = "chatResponse.message.toolCalls.0.function.arguments"


@pytest.mark.parametrize(
    ("model", "path"), [(LLAMA_MODEL, GENERIC_ARGUMENTS), (MODEL_OCID, V2_ARGUMENTS)], ids=["Generic", "Cohere V2"]
)
def test_reply_tool_arguments_with_a_duplicate_key_are_masked_as_parsed(screened_both, emulator, model, path):
    emulator.reset()
    emulator.patch_next({path: json.dumps(f'{{"q": "x", "q": "{ESCAPED}"}}')})
    invocation = Invocation(
        method="POST",
        path="/genai/v1/chat/completions",
        headers={"accept": "application/json"},
        body=json.dumps(
            {"model": model, "messages": [{"role": "user", "content": "weather?"}], "tools": [TOOL]}
        ).encode(),
        call_id="attack28",
        deadline=time.monotonic() + 30,
        via_gateway=True,
    )
    reply = screened_both.app.handle(invocation)
    assert reply.status == 200, reply.body
    calls = reply_message(reply).get("tool_calls") or []
    parsed = [json.loads(call["function"]["arguments"]) for call in calls]
    assert ADDRESS not in json.dumps(parsed, ensure_ascii=False), "the caller's parser reads the address"


def test_a_citation_naming_an_address_is_not_passed_on_unmasked(screened_both, emulator):
    emulator.reset()
    emulator.patch_next({"chatResponse.citations.0.documentIds": json.dumps([ADDRESS])})
    body = {
        "model": COHERE_MODEL,
        "messages": [{"role": "user", "content": "Where?"}],
        "documents": [{"id": "d1", "text": "Paris"}],
    }
    invocation = Invocation(
        method="POST",
        path="/genai/v1/chat/completions",
        headers={"accept": "application/json"},
        body=json.dumps(body).encode(),
        call_id="attack28",
        deadline=time.monotonic() + 30,
        via_gateway=True,
    )
    reply = screened_both.app.handle(invocation)
    assert reply.status == 200, reply.body
    assert ADDRESS.encode() not in reply.body


# --- CPU -----------------------------------------------------------------------------------------------------------


class _Counted(str):
    """A str that counts the characters every slice and concatenation of it produces: the copying masking does."""

    copied = 0

    def __getitem__(self, key: Any) -> _Counted:
        part = str.__getitem__(self, key)
        _Counted.copied += len(part)
        return _Counted(part)

    def __add__(self, other: str) -> _Counted:
        joined = str.__add__(self, other)
        _Counted.copied += len(joined)
        return _Counted(joined)


def test_masking_copies_a_text_a_bounded_number_of_times():
    """No timing: the characters masking copies, counted. Linear masking copies the text about once."""
    text = " ".join(f"a{i}@b.cc {'x' * 90}" for i in range(2000))
    spans, at = [], 0
    for i in range(2000):
        found = text.index("@", at)
        start = text.rindex(" ", 0, found) + 1 if i else 0
        end = text.index(" ", found)
        spans.append(Span(start, end, "EMAIL"))
        at = end
    _Counted.copied = 0
    (masked,) = mask((_Counted(text),), [0], spans)
    assert masked.count("<EMAIL>") == 2000
    assert _Counted.copied <= 4 * len(text), f"copied {_Counted.copied} characters to mask a {len(text)}-char text"


# --- configuration -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["https://[::1", "https://[zz]"])
def test_a_malformed_service_endpoint_is_a_config_error(emulator, endpoint):
    app = App.from_env(function_config(emulator, SERVICE_ENDPOINT=endpoint))
    reply = app.handle(
        Invocation(
            method="POST",
            path="/genai/chat",
            headers={"accept": "application/json"},
            body=b'{"input": "hi"}',
            call_id="attack28",
            deadline=time.monotonic() + 5,
            via_gateway=True,
        )
    )
    error = json.loads(reply.body)["error"]
    assert (reply.status, error["type"]) == (500, "config_error") and "SERVICE_ENDPOINT" in error["message"]


@pytest.mark.parametrize("endpoint", ["https://[::1", "https://[zz]"])
def test_a_malformed_usage_metrics_endpoint_is_a_config_error(endpoint):
    environ = {
        "USAGE_METRICS_COMPARTMENT_OCID": "ocid1.compartment.oc1..example",
        "USAGE_METRICS_ENDPOINT": endpoint,
    }
    function = UsageFunction.from_env(environ)
    outcome = function.handle(b"[]", time.monotonic() + 5)
    assert outcome.status == 502 and "USAGE_METRICS_ENDPOINT" in outcome.summary["error"]


# --- budgets -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("attack28-cache")).start()
    try:
        yield server
    finally:
        server.stop()


def test_every_attempt_that_may_have_been_billed_is_charged(emulator, principal_environ, cache):
    url = f"rediss://{USER}:{PASSWORD}@localhost:{cache.port}/0?ssl_ca_certs={cache.ca_file}"
    inproc = InProcess(emulator, TOKEN_BUDGETS="team-retry:3000/day", BUDGET_STORE_URL=url, MAX_ATTEMPTS="3")
    emulator.reset()
    statuses = []
    for _ in range(3):  # each request: two 5xx the service may have billed, then a reply
        emulator.fail_next(500, "InternalServerError", "failed after generating", times=2)
        reply = inproc.app.handle(
            Invocation(
                method="POST",
                path="/genai/chat",
                headers={"accept": "application/json", "x-genai-caller": "gw:team-retry"},
                body=json.dumps({"input": "How long is a piece of string?", "max_tokens": 1000}).encode(),
                call_id="attack28",
                deadline=time.monotonic() + 30,
                via_gateway=True,
            )
        )
        statuses.append(reply.status)
    generations = sum(r.path.endswith("/actions/chat") for r in emulator.requests)
    emulator.reset()  # the refused request's failures were never used: no later test may meet them
    # Each request is charged a ~1030-token bound per 5xx plus the reply's count (~2070): the first two fill the
    # 3000-token budget (admitted while it had room), the third is refused before anything is sent. Sharing one
    # reservation, all three were admitted: 9 possibly billed generations against a 3000-token budget.
    assert statuses == [200, 200, 429], f"{statuses}: admitted after spending {generations} billed generations"
    assert generations == 6, "the refused request reached the service"
