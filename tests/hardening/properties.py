"""The properties every answer must have, whatever the input, and the strategies that generate the input.

Shared by the in-process fuzz (App.handle) and the smaller one through the real fdk socket.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from emulator import Emulator
from genai_fn.http import Reply
from localfn.fdk_process import REPO_ROOT
from tests.constants import COHERE_MODEL, COMPARTMENT, LLAMA_MODEL

from .model_reads import strict_json_problem

ERROR_TYPES = frozenset(
    {
        "invalid_json",
        "invalid_request",
        "model_not_allowed",
        "payload_too_large",
        "not_found",
        "method_not_allowed",
        "upstream_bad_request",
        "upstream_auth_failed",
        "rate_limited",
        "upstream_error",
        "upstream_timeout",
        "config_error",
        "internal_error",
    }
)
CALLER_ERRORS = frozenset({"invalid_json", "invalid_request", "model_not_allowed", "payload_too_large"})
ALLOWED_MODELS = (COHERE_MODEL, LLAMA_MODEL)
LEAK_MARKERS = ("Traceback (most recent call last)", str(REPO_ROOT), "site-packages", "genai_fn/")
"""Signs of a traceback or an internal path in an answer; a fuzzer will not produce these as field names."""


GUARDRAILS = "content_moderation:block,prompt_injection:block,pii:mask"
"""The guardrails issue 28 was measured with: injections blocked, addresses masked (test_promises.py)."""


def assert_answered(reply: Reply) -> str:
    """(a): 2xx, or 4xx with the route's JSON error envelope, its status inside, no internals; the outcome."""
    assert reply.status < 500, f"5xx from input: {reply.status} {reply.body[:400]!r}"
    assert 200 <= reply.status < 300 or 400 <= reply.status < 500, reply.status
    if reply.status < 400:
        return f"status {reply.status}"
    assert reply.content_type == "application/json", reply.content_type
    error = json.loads(reply.body)["error"]
    assert error["status"] == reply.status and error["message"], error
    assert not any(marker.encode() in reply.body for marker in LEAK_MARKERS), reply.body[:400]
    return f"status {reply.status} {error.get('type') or error.get('code')}"


def assert_sent_json(emulator: Emulator) -> None:
    """(c): every body the emulator received parses strictly, and the service accepted it."""
    for request in emulator.requests.snapshot():
        problem = strict_json_problem(request.body)
        assert problem is None, f"sent non-JSON to {request.path}: {problem}: {request.body[:400]!r}"
        assert request.status == 200, f"sent what the service refused ({request.status}): {request.body[:400]!r}"


def check_answer(status: int, body: bytes, content_type: str, emulator: Emulator) -> None:
    """2xx or 4xx with the JSON envelope; anything forwarded was valid for the service (it answered 200)."""
    sent = emulator.requests.snapshot()
    assert 200 <= status < 300 or 400 <= status < 500, (status, body[:300])
    if status != 200:  # a reply may echo the caller's text; an error never shows internals
        assert not any(marker.encode() in body for marker in LEAK_MARKERS), body[:300]
    for request in sent:
        assert request.status == 200, f"forwarded something the service rejected: {request.status} {request.body!r}"
        assert request.json["compartmentId"] == COMPARTMENT
        serving = request.json["servingMode"]
        assert serving["servingType"] == "ON_DEMAND" and serving["modelId"] in ALLOWED_MODELS, serving
    if status == 200:
        assert len(sent) == 1, "one call upstream per successful request"
        if content_type.startswith("application/json"):
            assert json.loads(body)["text"].startswith("Emulated reply to:")
        return
    assert content_type == "application/json", content_type
    error = json.loads(body)["error"]
    assert error["type"] in ERROR_TYPES and error["status"] == status, error
    assert isinstance(error["message"], str) and error["message"]
    assert error["type"] != "upstream_bad_request", "the function forwarded a request the service refused"
    if error["type"] in CALLER_ERRORS:
        assert not sent, "a caller's mistake is answered before any upstream call"


# --- strategies --------------------------------------------------------------------------------------------------

any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40) | st.sampled_from(
    ["\ud800", "\udfff\x00", "a\ud83d", "\x00", "\u2028", "\U0010ffff"]
)
"""Any code point, lone surrogates and NUL included."""
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**320)
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=10,
)
"""Any JSON value, plus what Python's json accepts beyond JSON (NaN, Infinity, huge numbers)."""
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=60)
plausible_text = words | any_text | st.sampled_from(["\x00", "a\x00b", " ", "x" * 5000, "\u202e\ufeff", "ok"])
numbers = st.integers(-10, 5000) | st.floats(-3, 3) | st.sampled_from([1e400, -0.0, 10**400, 2**63, -(2**63) - 1])


def _turn() -> st.SearchStrategy[Any]:
    role = st.sampled_from(["user", "assistant", "system", "tool", "USER", ""]) | json_values
    turn = st.fixed_dictionaries(
        {"role": role, "content": plausible_text | json_values}, optional={"name": json_values}
    )
    return turn | json_values


FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "system": plausible_text | json_values,
    "history": st.lists(_turn(), max_size=4) | json_values,
    "model": st.sampled_from(
        [
            *ALLOWED_MODELS,
            "openai.gpt-4o",
            COHERE_MODEL.upper(),
            COHERE_MODEL + " ",
            "ocid1.generativeaimodel.oc1..x",
            "cohere.embed-v4.0",
            "cohere.command-r-08-2024",  # retired: a 400 naming its replacement
        ]
    )
    | json_values,
    "max_tokens": numbers | json_values,
    "temperature": numbers | json_values,
    "top_p": numbers | json_values,
    "top_k": numbers | json_values,
    "frequency_penalty": numbers | json_values,
    "presence_penalty": numbers | json_values,
    "seed": numbers | json_values,
    "stop": st.lists(plausible_text, max_size=7) | plausible_text | json_values,
    "compartment_id": st.just("ocid1.compartment.oc1..attacker"),
    "servingMode": st.just({"servingType": "DEDICATED", "endpointId": "ocid1.generativeaiendpoint.oc1..x"}),
}
"""Every field of the simple contract with right and wrong types, plus fields a caller must never set."""

simple_requests = st.builds(
    lambda known, unknown: {**unknown, **known},
    st.fixed_dictionaries({"input": words | plausible_text | json_values}, optional=dict(FIELDS)),
    st.dictionaries(any_text, json_values, max_size=1) | st.just({}),
)
"""Simple-contract requests, sometimes with an unknown field whose name is any text."""


@st.composite
def encoded(draw: st.DrawFn, objects: st.SearchStrategy[Any]) -> bytes:
    """Serialise as a client might: ASCII-escaped or raw UTF-8 (invalid with surrogates), maybe a key twice."""
    value = draw(objects)
    ascii_only = draw(st.booleans())
    duplicate = isinstance(value, dict) and bool(value) and draw(st.integers(0, 9)) == 7  # rare, not minimal
    if duplicate:
        items = [*value.items(), next(iter(value.items()))]
        text = (
            "{"
            + ",".join(
                f"{json.dumps(k, ensure_ascii=ascii_only)}:{json.dumps(v, ensure_ascii=ascii_only)}" for k, v in items
            )
            + "}"
        )
    else:
        text = json.dumps(value, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")


bodies = (
    encoded(simple_requests)
    | encoded(json_values)
    | st.binary(max_size=200)
    | st.sampled_from([b"", b"{", b"null", b"[]", b'"x"', b"\xef\xbb\xbf{}", b'{"input": Infinity}', b"\x00"])
)


# --- the "no 500 from input" class (issue 10, rows 7-9) ----------------------------------------------------------

bad_strings = st.sampled_from(['"\\ud800"', '"\\udfff"', '"a\\ud83d"', '"\\u0000"', '"ok"', "1", "null", "[]", "{}"])
"""JSON text of leaves that stress string handling: escaped lone surrogates, NUL, and non-strings."""
unhashable = st.lists(json_scalars, max_size=3) | st.dictionaries(any_text, json_scalars, max_size=2)
"""What a caller can send where a string is expected and a set or dict lookup would raise TypeError."""
string_or_unhashable = plausible_text | unhashable | st.just(["f"])


@st.composite
def deeply_nested(draw: st.DrawFn) -> bytes:
    """A body whose field holds a structure nested past Python's recursion limit, mixed with bad strings."""
    depth = draw(st.integers(1, 1500))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"k":', "}"), ('[{"k":', "}]")]))
    leaf = draw(bad_strings)
    field = draw(st.sampled_from(["seed", "input", "history", "messages", "tools", "stop", "metadata", "x"]))
    head = draw(st.sampled_from(['{"input":"x",', '{"messages":[{"role":"user","content":"x"}],', "{"]))
    return f'{head}"{field}":{opener * depth}{leaf}{closer * depth}}}'.encode()


openai_unhashables = st.fixed_dictionaries(
    {
        "messages": st.lists(
            st.fixed_dictionaries(
                {
                    "role": st.sampled_from(["user", "system"]) | unhashable,
                    "content": plausible_text
                    | st.lists(st.fixed_dictionaries({"type": string_or_unhashable, "text": string_or_unhashable})),
                }
            ),
            min_size=1,
            max_size=3,
        ),
        "tools": st.just([{"type": "function", "function": {"name": "f"}}])
        | st.lists(
            st.fixed_dictionaries(
                {"type": string_or_unhashable, "function": st.fixed_dictionaries({"name": string_or_unhashable})}
            ),
            max_size=2,
        ),
        "tool_choice": string_or_unhashable
        | st.fixed_dictionaries(
            {
                "type": st.just("function") | unhashable,
                "function": st.fixed_dictionaries({"name": string_or_unhashable}),
            }
        ),
    },
    optional={
        "model": string_or_unhashable,
        "stop": string_or_unhashable | st.lists(string_or_unhashable, max_size=3),
        "response_format": st.fixed_dictionaries({"type": string_or_unhashable}),
        "encoding_format": string_or_unhashable,
        "input": string_or_unhashable | st.lists(string_or_unhashable, max_size=3),
    },
)
"""OpenAI-shaped requests with an unhashable value (or a bad string) wherever the contract expects a string."""

url_characters = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
request_urls = st.sampled_from(
    [
        "//[x/genai/chat",
        "http://[x/genai/chat",
        "https://[::1/v1/chat/completions",
        "https://]x[/genai/chat",
        "https://h:99999999/genai/chat",
        "https://h:port/genai/chat",
        "//",
        "///",
        "?x=1",
        "#frag",
        "[",
        "http://",
        "https://host",
        "/genai/chat?x=[",
        "/v1/chat/completions#x",
        "%00/genai/chat",
        "/genai/%2e%2e/chat",
        "https://user:pw@h/genai/chat",
    ]
) | st.builds(
    lambda a, b: f"{a}{b}",
    st.sampled_from(["//[", "http://[", "https://", "//", "/", ""]),
    st.text(url_characters, max_size=30),
)
"""Fn-Http-Request-Url values: malformed hosts and authorities, odd paths; printable ASCII (what a header carries)."""
