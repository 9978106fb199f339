"""Issue 28's promises as properties over every route's contract and every family's mapping, in-process through the
App with a real Upstream signing requests to the emulator.

(a) any body to any route is answered 2xx or 4xx with a JSON error, never a 5xx or an escaped exception;
(b) with guardrails on, every text a model reads (the emulator's record, decoded: model_reads.py) was in a text an
    ApplyGuardrails call received;
(c) everything sent upstream is RFC 8259 JSON in UTF-8: no NaN or Infinity, no lone surrogate.

Each property is one test per route (and per family for (b)), so each reports its own minimal failing example.
Each test counts its generated cases by outcome; the run ends with a `property cases` section listing them.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from emulator import Emulator
from genai_fn.envelope import Invocation, Reply
from localfn.config import rerank_config

from .conftest import InProcess
from .contract_requests import CHAT_MODELS, FAMILY_MODELS, PATHS, request_bodies
from .model_reads import unscreened
from .properties import GUARDRAILS, assert_answered, assert_sent_json
from .scale import SCALE, fuzz

CHAT_ROUTES = ("chat", "invoke", "completions", "responses")
ROUTES = (*CHAT_ROUTES, "embeddings", "rerank")


def _app(emulator: Emulator, **extra: str) -> InProcess:
    return InProcess(emulator, ALLOWED_MODELS=",".join(CHAT_MODELS), **rerank_config(), **extra)


@pytest.fixture(scope="module")
def plain(emulator: Emulator, principal_environ: dict[str, str]) -> InProcess:
    return _app(emulator)


@pytest.fixture(scope="module")
def guarded(emulator: Emulator, principal_environ: dict[str, str]) -> InProcess:
    return _app(emulator, GUARDRAILS=GUARDRAILS)


def call(app: InProcess, emulator: Emulator, route: str, body: bytes) -> Reply:
    emulator.reset()
    path = PATHS[route]
    invocation = Invocation(
        method="POST",
        path=path,
        headers={"accept": "application/json"},
        body=body,
        call_id="property",
        deadline=time.monotonic() + 30,
        via_gateway=bool(path),
    )
    reply = app.app.handle(invocation)
    note(f"{route} answered {reply.status}: {reply.body[:400]!r}")
    return reply


PER_FAMILY = [(route, family) for route in CHAT_ROUTES for family in FAMILY_MODELS] + [
    ("embeddings", "embed"),
    ("rerank", "rerank"),
]


@pytest.mark.parametrize(("route", "family"), PER_FAMILY)
def test_any_request_is_answered_and_sends_only_json(
    plain: InProcess, guarded: InProcess, emulator: Emulator, cases: Counter[str], route: str, family: str
) -> None:
    """(a) and (c), with guardrails off and on, over the route's contract with hostile leaves."""

    @fuzz(SCALE.property_examples)
    @given(body=request_bodies(route, FAMILY_MODELS.get(family, CHAT_MODELS)), with_guardrails=st.booleans())
    def run(body: bytes, with_guardrails: bool) -> None:
        cases["cases"] += 1
        reply = call(guarded if with_guardrails else plain, emulator, route, body)
        outcome = assert_answered(reply)
        assert_sent_json(emulator)
        cases[outcome] += 1

    run()


SCREENED = [entry for entry in PER_FAMILY if entry[0] != "invoke"]


@pytest.mark.parametrize(("route", "family"), SCREENED)
def test_every_text_the_model_reads_was_screened(
    guarded: InProcess, emulator: Emulator, cases: Counter[str], route: str, family: str
) -> None:
    """(b): per route and family; read from the emulator's record, decoded (model_reads.py)."""

    @fuzz(SCALE.property_examples)
    @given(body=request_bodies(route, FAMILY_MODELS.get(family, CHAT_MODELS)))
    def run(body: bytes) -> None:
        cases["cases"] += 1
        reply = call(guarded, emulator, route, body)
        sent = emulator.requests.snapshot()
        reached = any(not r.path.endswith("/actions/applyGuardrails") for r in sent)
        leaks = unscreened(sent)
        assert not leaks, f"the model read unscreened text: {leaks[:3]}"
        cases["reached the model" if reached else f"not sent ({reply.status})"] += 1

    run()
    assert cases["reached the model"], "no generated request reached the model: the property tested nothing"
