"""Issue 10, row 1: the largest request each route accepts keeps the fdk process under the 128 MB shape.

Each case runs in a fresh fdk process (VmHWM is a process-lifetime peak) with the default configuration; the figure
is printed (run with -s) and asserted with headroom: a measured ceiling is a property of the product.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from emulator import Emulator
from genai_fn import families
from genai_fn.config import DEFAULT_MAX_REPLY_BYTES, PLATFORM_BODY_LIMIT, Settings
from genai_fn.contracts.chat_completions import ChatCompletions
from genai_fn.contracts.responses import (
    METADATA_KEY_CHARS,
    METADATA_PAIRS,
    METADATA_VALUE_CHARS,
    RESPONSE_RESERVE,
    STREAMED_REPLY_COPIES,
)
from genai_fn.http import MAX_RESPONSE_BYTES
from genai_fn.limits import DEFAULT_MAX_JSON_VALUES, DEFAULT_MAX_MESSAGES, DEFAULT_MAX_TOOLS
from genai_fn.usecases.metering import chat_bound
from tests.conftest import RunningFunction, function_config
from tests.constants import COHERE_MODEL, EMBED_MODEL, LLAMA_MODEL
from tests.usage.redis_server import RedisServer

MEMORY_CEILING_MIB = 110
"""The 128 MB function shape minus headroom (issue 10)."""
NEAR_CAP = PLATFORM_BODY_LIMIT - 4096


def _messages(count: int, chars: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": "a" * chars} for _ in range(count)]


def _tools(count: int, enum_values: int) -> list[dict[str, object]]:
    schema = {"type": "object", "properties": {"v": {"type": "string", "enum": [f"e{i}" for i in range(enum_values)]}}}
    return [{"type": "function", "function": {"name": f"f{i}", "parameters": schema}} for i in range(count)]


def largest_requests() -> dict[str, tuple[str, bytes]]:
    """Case -> (gateway path, one of the largest bodies the route accepts under the default limits)."""
    many = DEFAULT_MAX_MESSAGES
    long_chars = NEAR_CAP // many - 40
    enum_values = (DEFAULT_MAX_JSON_VALUES - 1000) // DEFAULT_MAX_TOOLS - 12
    return {
        "chat.completions: MAX_MESSAGES one-char messages": (
            "/v1/chat/completions",
            json.dumps({"model": LLAMA_MODEL, "messages": _messages(many, 1)}).encode(),
        ),
        "chat.completions: MAX_MESSAGES messages filling the body": (
            "/v1/chat/completions",
            json.dumps({"model": LLAMA_MODEL, "messages": _messages(many, long_chars)}).encode(),
        ),
        "chat.completions: one message filling the body": (
            "/v1/chat/completions",
            json.dumps({"model": LLAMA_MODEL, "messages": _messages(1, NEAR_CAP)}).encode(),
        ),
        "chat.completions: MAX_TOOLS tools, MAX_JSON_VALUES values": (
            "/v1/chat/completions",
            json.dumps(
                {"model": LLAMA_MODEL, "messages": _messages(1, 1), "tools": _tools(DEFAULT_MAX_TOOLS, enum_values)}
            ).encode(),
        ),
        "chat (simple, Llama): MAX_MESSAGES history turns filling the body": (
            "/genai/chat",
            json.dumps({"model": LLAMA_MODEL, "input": "x", "history": _messages(many - 1, long_chars)}).encode(),
        ),
        "chat (simple, Cohere): MAX_MESSAGES one-char history turns": (
            "/genai/chat",
            json.dumps({"input": "x", "history": _messages(many - 1, 1)}).encode(),
        ),
        # Cohere V1 echoes its chatHistory and documents in every reply: a 5.9 MB prompt comes back (issue 23).
        "chat (simple, Cohere V1): MAX_MESSAGES history turns filling the body, echoed back": (
            "/genai/chat",
            json.dumps({"input": "x", "history": _messages(many - 1, long_chars)}).encode(),
        ),
        "chat.completions (Cohere V1): two messages filling the body, echoed back": (
            "/v1/chat/completions",
            json.dumps({"model": COHERE_MODEL, "messages": _messages(2, NEAR_CAP // 2)}).encode(),
        ),
        "chat.completions (Cohere V1): MAX_MESSAGES documents filling the body, echoed back": (
            "/v1/chat/completions",
            json.dumps(
                {"model": COHERE_MODEL, "messages": _messages(1, 1), "documents": ["d" * long_chars] * many}
            ).encode(),
        ),
        "embeddings: 96 inputs filling the body": (
            "/v1/embeddings",
            json.dumps({"model": EMBED_MODEL, "input": ["a" * (NEAR_CAP // 96 - 8) for _ in range(96)]}).encode(),
        ),
        "responses: MAX_MESSAGES input items filling the body": (
            "/v1/responses",
            json.dumps({"model": LLAMA_MODEL, "input": _messages(many, long_chars)}).encode(),
        ),
        "responses (stream): instructions, tools and metadata echoed just under the response limit": (
            "/v1/responses",
            json.dumps(
                _echoing_responses(
                    MAX_RESPONSE_BYTES - RESPONSE_RESERVE - STREAMED_REPLY_COPIES * DEFAULT_MAX_REPLY_BYTES - 16 * 1024
                )
            ).encode(),
        ),
    }


def _echoing_responses(echoed: int) -> dict[str, object]:
    """A streamed Responses request whose echoed fields (instructions, one tool, full metadata) take `echoed` bytes."""
    metadata = {f"{i:02d}".ljust(METADATA_KEY_CHARS, "k"): "v" * METADATA_VALUE_CHARS for i in range(METADATA_PAIRS)}
    tool = {"type": "function", "name": "f", "description": "d" * (echoed // 2), "parameters": {"type": "object"}}
    return {
        "model": LLAMA_MODEL,
        "input": "hi",
        "stream": True,
        "instructions": "a" * (echoed // 2 - 12_000),
        "tools": [tool],
        "metadata": metadata,
    }


REFUSED = {
    "6 MB of empty objects": (b'{"input":"x","x":[' + b"{}," * 2_000_000 + b"{}]}", 413, "MAX_JSON_VALUES"),
    "6 MB of one-char strings": (b'{"input":"x","x":[' + b'"a",' * 1_500_000 + b'"a"]}', 413, "MAX_JSON_VALUES"),
    "99,000 strings among 6 MB of empty objects": (
        b'{"input":"x","x":[' + b'"a",' * 99_000 + b"{}," * 1_950_000 + b"{}]}",
        413,
        "MAX_JSON_VALUES",
    ),
    "40,000 one-char messages": (
        json.dumps({"model": LLAMA_MODEL, "messages": _messages(40_000, 1)}).encode(),
        413,
        "MAX_JSON_VALUES",
    ),
    "MAX_MESSAGES + 1 messages": (
        json.dumps({"model": LLAMA_MODEL, "messages": _messages(DEFAULT_MAX_MESSAGES + 1, 1)}).encode(),
        400,
        "MAX_MESSAGES",
    ),
    "MAX_TOOLS + 1 tools": (
        json.dumps(
            {"model": LLAMA_MODEL, "messages": _messages(1, 1), "tools": _tools(DEFAULT_MAX_TOOLS + 1, 1)}
        ).encode(),
        400,
        "MAX_TOOLS",
    ),
    "nesting past MAX_JSON_DEPTH": (b'{"input":"x","x":' + b"[" * 65 + b"]" * 65 + b"}", 400, "MAX_JSON_DEPTH"),
}
"""Bodies under the byte cap that the limits refuse before building anything; memory stays low for them too."""


@pytest.fixture
def fresh(start_function: Callable[..., RunningFunction], emulator: Emulator) -> Iterator[RunningFunction]:
    """A new fdk process with the default configuration, warmed by one call: its VmHWM is this test's alone."""
    emulator.reset()
    function = start_function(function_config(emulator))
    assert function.invoke({"input": "warm up"}, gateway=True, url="/genai/chat").status == 200
    yield function
    emulator.reset()
    function.stop()


@pytest.mark.parametrize("case", sorted(largest_requests()))
def test_the_largest_accepted_request_stays_under_the_ceiling(fresh: RunningFunction, case: str) -> None:
    path, body = largest_requests()[case]
    assert len(body) <= PLATFORM_BODY_LIMIT
    reply = fresh.invoke(body, gateway=True, url=path, deadline_seconds=60)
    peak = fresh.process.rss_kib() / 1024
    print(f"\n{case}: {len(body) / 2**20:.2f} MiB body, status {reply.status}, fdk VmHWM {peak:.1f} MiB")
    assert reply.status == 200, reply.body[:300]
    assert len(reply.body) <= MAX_RESPONSE_BYTES
    assert peak <= MEMORY_CEILING_MIB


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_body_over_the_limits_is_refused_before_it_is_built(fresh: RunningFunction, case: str) -> None:
    body, status, variable = REFUSED[case]
    assert len(body) <= PLATFORM_BODY_LIMIT
    reply = fresh.invoke(body, gateway=True, url="/v1/chat/completions", deadline_seconds=60)
    peak = fresh.process.rss_kib() / 1024
    print(f"\n{case}: {len(body) / 2**20:.2f} MiB body, status {reply.status}, fdk VmHWM {peak:.1f} MiB")
    error = json.loads(reply.body)["error"]
    code = {413: "payload_too_large", 400: "invalid_json" if variable == "MAX_JSON_DEPTH" else "invalid_request"}
    assert (reply.status, error["code"]) == (status, code[status]), error
    assert variable in error["message"], error
    assert peak <= MEMORY_CEILING_MIB


def test_the_largest_embedding_call_fits_with_the_default_config(
    start_function: Callable[..., RunningFunction], emulator: Emulator
) -> None:
    """96 inputs of 1,536 dimensions (Embed 4): a reply over MAX_REPLY_BYTES, within MAX_EMBEDDINGS_REPLY_BYTES."""
    emulator.reset()
    function = start_function(function_config(emulator, EMBEDDING_MODELS="cohere.embed-v4.0"))
    try:
        inputs = ["a" * (NEAR_CAP // 96 - 8) for _ in range(96)]
        body = json.dumps({"model": "cohere.embed-v4.0", "input": inputs, "encoding_format": "float"})
        reply = function.invoke(body, gateway=True, url="/v1/embeddings", deadline_seconds=60)
        peak = function.process.rss_kib() / 1024
        print(
            f"\nembeddings: 96 inputs x 1,536 dimensions, default config: status {reply.status}, VmHWM {peak:.1f} MiB"
        )
        assert reply.status == 200, reply.body[:300]
        assert len(json.loads(reply.body)["data"][0]["embedding"]) == 1536
        assert peak <= MEMORY_CEILING_MIB
    finally:
        function.stop()


README_GUARDRAILS = "content_moderation:block,prompt_injection:block,pii:mask"


@pytest.mark.parametrize(
    "case",
    ["chat.completions: one message filling the body", "chat.completions: MAX_MESSAGES messages filling the body"],
)
def test_the_largest_chat_screened_in_and_out_stays_under_the_ceiling(
    start_function: Callable[..., RunningFunction], emulator: Emulator, case: str
) -> None:
    """The README's GUARDRAILS line on input and output: the whole body joined and screened in one call (the default
    GUARDRAILS_MAX_CHARS admits every body), then the model call."""
    emulator.reset()
    config = function_config(emulator, GUARDRAILS=README_GUARDRAILS, GUARDRAILS_SCOPE="input,output")
    function = start_function(config)
    try:
        path, body = largest_requests()[case]
        reply = function.invoke(body, gateway=True, url=path, deadline_seconds=60)
        peak = function.process.rss_kib() / 1024
        screened = [r for r in emulator.requests if r.path.endswith("/actions/applyGuardrails")]
        print(f"\nguardrails on, {case}: status {reply.status}, VmHWM {peak:.1f} MiB")
        assert reply.status == 200, reply.body[:300]
        assert len(screened) == 2 and len(screened[0].body) >= len(body) * 0.95, "the whole input in one call"
        assert peak <= MEMORY_CEILING_MIB
    finally:
        emulator.reset()
        function.stop()


@pytest.mark.parametrize(
    "case",
    [
        "chat.completions: MAX_MESSAGES one-char messages",
        "chat.completions: MAX_MESSAGES messages filling the body",
        "chat.completions: one message filling the body",
        "chat.completions: MAX_TOOLS tools, MAX_JSON_VALUES values",
    ],
)
def test_the_largest_chat_with_budgets_on_stays_under_the_ceiling(
    start_function: Callable[..., RunningFunction], emulator: Emulator, tmp_path: Path, case: str
) -> None:
    """TOKEN_BUDGETS on: the request's token bound is measured on its SDK request (usecases/metering.sent_size, a
    walk that copies nothing) before the call is reserved against a real redis and settled after it."""
    emulator.reset()
    store = RedisServer(tmp_path).start()
    config = function_config(emulator, TOKEN_BUDGETS="*:1000000000/hour", BUDGET_STORE_URL=store.url)
    function = start_function(config)
    try:
        path, body = largest_requests()[case]
        reply = function.invoke(body, gateway=True, url=path, deadline_seconds=60)
        peak = function.process.rss_kib() / 1024
        print(f"\nbudgets on, {case}: status {reply.status}, VmHWM {peak:.1f} MiB")
        assert reply.status == 200, reply.body[:300]
        budget = function.last_request_log()["budget"]
        assert budget["reserved"] > len(body) // 2 and budget["charged"] > 0, "reserved by the bound, settled"
        assert peak <= MEMORY_CEILING_MIB
    finally:
        emulator.reset()
        function.stop()
        store.stop()


@pytest.mark.parametrize(
    "case",
    [
        "chat.completions: MAX_MESSAGES messages filling the body",
        "chat.completions: one message filling the body",
        "chat.completions: MAX_TOOLS tools, MAX_JSON_VALUES values",
        "chat.completions (Cohere V1): two messages filling the body, echoed back",
    ],
)
def test_the_token_bound_copies_nothing_of_the_request(emulator: Emulator, case: str) -> None:
    """The bound is measured on the SDK request the family builds, without a dict or JSON text of it: its peak
    (tracemalloc, the parsed request already built) is the SDK request's own within 1 MiB, where the serialised
    copies it replaced (to_dict, then compact JSON text, then its bytes) added about twice the body: 12-14 MiB here."""
    _path, body = largest_requests()[case]
    request = ChatCompletions().parse(json.loads(body), Settings.from_env(function_config(emulator)))
    family = families.get(request.api_format)
    family.to_sdk(request)  # the first call loads the SDK's model classes
    built, bound = traced_peak(lambda: family.to_sdk(request)), traced_peak(lambda: chat_bound(request, (family,)))
    print(f"\ntoken bound, {case}: SDK request {built / 2**20:.2f} MiB, the bound with it {bound / 2**20:.2f} MiB")
    assert chat_bound(request, (family,)) > len(body) // 2
    assert bound < built + 2**20


def traced_peak(run: Callable[[], object]) -> int:
    """The most memory `run` held at once (tracemalloc), what it returns included."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
