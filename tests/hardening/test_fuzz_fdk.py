"""A smaller fuzz through the real fdk socket: fdk's own header and body handling is part of what is tested.

Bodies and header values are generated; the function must answer each with a 2xx or 4xx (Fn-Http-Status through
the gateway, the envelope's status on a plain invoke), never fdk's 502 with an exception text, and keep serving.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from emulator import Emulator
from localfn.config import rerank_config
from tests.conftest import RunningFunction, function_config

from .contract_requests import CHAT_MODELS, PATHS, request_bodies
from .model_reads import unscreened
from .properties import GUARDRAILS, assert_sent_json, bodies, check_answer, request_urls
from .scale import SCALE, fuzz

header_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60
)
"""What an HTTP header can carry (latin-1, no control characters)."""
urls = st.sampled_from(["/genai/chat", "/chat", "/genai/chat/", "/genai/chat?x=1", "/genai/x/../chat", "/"])


def test_any_body_and_headers_through_fdk(fn: RunningFunction, emulator: Emulator) -> None:
    @fuzz(SCALE.fdk_examples)
    @given(body=bodies, gateway=st.booleans(), accept=header_values, extra=header_values, url=urls)
    def run(body: bytes, gateway: bool, accept: str, extra: str, url: str) -> None:
        emulator.reset()
        reply = fn.invoke(body, gateway=gateway, url=url, headers={"Accept": accept, "X-Anything": extra})

        assert reply.socket_status == 200, reply.socket_status
        content_type = reply.headers.get("content-type", "")
        status = reply.status if gateway else _status_from_body(reply.body, content_type)
        check_answer(status, reply.body, content_type, emulator)

    run()
    emulator.reset()
    assert fn.invoke({"input": "after the fuzz"}).body == b"Emulated reply to: after the fuzz"


def _status_from_body(body: bytes, content_type: str) -> int:
    """A plain invoke carries only 200/502/504 on the socket; the error envelope carries the real status."""
    if content_type.startswith("application/json") and body.startswith(b'{"error"'):
        return int(json.loads(body)["error"]["status"])
    return 200


def test_malformed_request_urls_through_fdk(fn: RunningFunction, emulator: Emulator) -> None:
    """Issue 10 row 9 and its class: any Fn-Http-Request-Url (a bad bracketed host, a bad port, no path) is answered
    inside the function's one error path with a 2xx/4xx JSON reply, never fdk's 502 with a traceback."""

    @fuzz(SCALE.fdk_examples)
    @given(url=request_urls)
    def run(url: str) -> None:
        emulator.reset()
        reply = fn.invoke({"input": "x"}, gateway=True, url=url)
        assert reply.socket_status == 200, (url, reply.socket_status, reply.body[:300])
        assert 200 <= reply.status < 300 or 400 <= reply.status < 500, (url, reply.status, reply.body[:300])

    run()
    emulator.reset()
    assert fn.invoke({"input": "after the fuzz"}).body == b"Emulated reply to: after the fuzz"


def test_promises_through_fdk(
    start_module_function: Callable[..., RunningFunction], emulator: Emulator, cases: Counter[str]
) -> None:
    """Issue 28's promises (test_promises.py) through the real fdk socket, every route, guardrails on: 2xx or a 4xx
    JSON error (Fn-Http-Status through the gateway, the envelope's status on a plain invoke), only strict JSON sent
    upstream, and every text a model read was screened."""
    config = function_config(emulator, ALLOWED_MODELS=",".join(CHAT_MODELS), GUARDRAILS=GUARDRAILS, **rerank_config())
    function = start_module_function(config)

    @fuzz(SCALE.property_fdk_examples)
    @given(data=st.data(), route=st.sampled_from(sorted(PATHS)))
    def run(data: st.DataObject, route: str) -> None:
        cases["cases"] += 1
        body = data.draw(request_bodies(route), label="body")
        emulator.reset()
        gateway = bool(PATHS[route])
        reply = function.invoke(body, gateway=gateway, url=PATHS[route] or "/", headers={"Accept": "application/json"})
        assert reply.socket_status == 200, (reply.socket_status, reply.body[:300])
        content_type = reply.headers.get("content-type", "")
        status = reply.status if gateway else _status_from_body(reply.body, content_type)
        assert status < 500, f"5xx from input on {route}: {status} {reply.body[:400]!r}"
        assert_sent_json(emulator)
        leaks = unscreened(emulator.requests.snapshot())
        assert not leaks, f"the model read unscreened text on {route}: {leaks[:3]}"
        cases[f"{route} {status}"] += 1

    run()
