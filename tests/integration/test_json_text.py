"""JSON that is JSON (issue 28): through the real fdk and the emulator, JSON inside a request's strings is bounded
and strict (a 400 naming the field, nothing sent), the request's tool schemas take any JSON without crashing, and a
faulty service's numbers and strings never reach the client or the log as they came: no NaN, no Infinity, no
negative count or offset, no lone surrogate. Every case here answered 500 or forwarded the value before."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import FunctionPool, RunningFunction, function_config
from tests.constants import COHERE_MODEL, LLAMA_MODEL, V1_PIN

CHAT = "/genai/v1/chat/completions"
DEEP = "[" * 3000 + "]" * 3000


@pytest.fixture(scope="module")
def fn(session_functions: FunctionPool, emulator: Any) -> RunningFunction:
    """Command A pinned to Cohere V1 (COHERE), the format whose tool JSON is parsed by the function itself."""
    return session_functions.shared(function_config(emulator, **V1_PIN))


def _strict(body: bytes) -> Any:
    """The reply as a strict RFC 8259 parser reads it: NaN, Infinity and lone surrogates are refused."""

    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} in a reply")

    text = body.decode("utf-8")  # strict: a lone surrogate cannot be UTF-8
    return json.loads(text, parse_constant=refuse)


def _post(fn: RunningFunction, body: dict[str, Any], url: str = CHAT) -> tuple[int, Any]:
    reply = fn.invoke(body, gateway=True, url=url)
    return reply.status, _strict(reply.body)


def _tool_turns(arguments: str, result: str = "ok", model: str = COHERE_MODEL) -> dict[str, Any]:
    call = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": arguments}}
    return {
        "model": model,
        "messages": [
            {"role": "user", "content": "Look it up"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": result},
        ],
        "tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}],
    }


def _refused(status: int, body: Any, field: str) -> str:
    assert status == 400, body
    error = body["error"]
    assert error["param"] == field and error["code"] == "invalid_request", error
    return str(error["message"])


# --- JSON inside a request's strings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ('{"a": ' + DEEP + "}", "nests deeper than 64 levels"),
        ('{"a": 1e400}', "too large for a double"),
        ('{"a": -1E999}', "too large for a double"),
        ('{"a": ' + "9" * 400 + "}", "too large for a double"),
        ('{"a": NaN}', "NaN is not valid JSON"),
        ('{"a": Infinity}', "Infinity is not valid JSON"),
        ('{"a": 1, "a": 2}', "duplicate key"),
        ('{"a": "\\ud800"}', "lone surrogate"),
    ],
)
@pytest.mark.parametrize("model", [COHERE_MODEL, LLAMA_MODEL])
def test_tool_call_arguments_that_are_not_strict_json_are_a_400_naming_them(
    fn: RunningFunction, upstream: Any, arguments: str, words: str, model: str
) -> None:
    status, body = _post(fn, _tool_turns(arguments, model=model))
    assert words in _refused(status, body, "messages[1].tool_calls[0].function.arguments")
    assert len(upstream.requests) == 0


@pytest.mark.parametrize(
    ("result", "words"),
    [
        ('{"a": ' + DEEP + "}", "nests deeper than 64 levels"),
        ('[{"a": 1e400}]', "too large for a double"),
        ('{"a": NaN}', "NaN is not valid JSON"),
    ],
)
def test_a_v1_tool_result_that_is_not_strict_json_is_a_400(
    fn: RunningFunction, upstream: Any, result: str, words: str
) -> None:
    status, body = _post(fn, _tool_turns('{"q": 1}', result))
    message = _refused(status, body, "messages")
    assert words in message and "output of tool call 'call_1'" in message
    assert len(upstream.requests) == 0


def test_a_v1_tool_result_that_is_plain_text_is_still_sent_as_text(fn: RunningFunction, upstream: Any) -> None:
    status, body = _post(fn, _tool_turns('{"q": 1.5e3}', "[not json] but brackets"))
    assert status == 200, body
    sent = upstream.requests[-1].body.decode()
    assert "Infinity" not in sent and "NaN" not in sent
    results = upstream.requests[-1].json["chatRequest"]["toolResults"]
    assert results[0]["outputs"] == [{"output": "[not json] but brackets"}]
    assert results[0]["call"]["parameters"] == {"q": 1500.0}


def test_responses_function_call_arguments_are_strict(fn: RunningFunction, upstream: Any) -> None:
    body = {
        "model": COHERE_MODEL,
        "input": [
            {"role": "user", "content": "Look it up"},
            {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": '{"a": 1e400}'},
            {"type": "function_call_output", "call_id": "call_1", "output": "ok"},
        ],
    }
    status, reply = _post(fn, body, "/genai/v1/responses")
    assert "too large for a double" in _refused(status, reply, "input[1].arguments")
    assert len(upstream.requests) == 0


def test_responses_function_call_output_is_bounded_on_v1(fn: RunningFunction, upstream: Any) -> None:
    body = {
        "model": COHERE_MODEL,
        "tools": [{"type": "function", "name": "lookup", "parameters": {"type": "object"}}],
        "input": [
            {"role": "user", "content": "Look it up"},
            {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": DEEP},
        ],
    }
    status, reply = _post(fn, body, "/genai/v1/responses")
    assert "nests deeper than 64 levels" in _refused(status, reply, "input")
    assert len(upstream.requests) == 0


@pytest.mark.parametrize(
    "body",
    [
        b'{"input": "hi", "x": 1e400}',
        b'{"input": "hi", "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    ],
    ids=["1e400", "50k deep"],
)
def test_a_body_with_a_number_or_depth_json_cannot_carry_is_a_400(
    fn: RunningFunction, upstream: Any, body: bytes
) -> None:
    reply = fn.invoke(body, gateway=True, url="/genai/chat")
    assert reply.status == 400 and _strict(reply.body)["error"]["type"] == "invalid_json"
    assert len(upstream.requests) == 0


# --- V1 tool schemas: any JSON, never a crash --------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        {"type": {"x": 1}},
        {"type": [["string"], "null"]},
        {"type": ["string", {"x": 1}]},
        {"type": 7},
        {"enum": [{"x": 1}, [1]]},
        {"type": "array", "items": {"type": {"x": 1}}},
        {"type": "array", "items": {"type": ["integer", "null"], "enum": [1, None]}},
    ],
)
def test_a_v1_tool_schema_of_any_json_is_a_400_naming_the_tool(
    fn: RunningFunction, upstream: Any, spec: dict[str, Any]
) -> None:
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}
    tool["function"]["parameters"]["properties"]["p"] = spec
    body = {"model": COHERE_MODEL, "messages": [{"role": "user", "content": "hi"}], "tools": [tool]}
    status, reply = _post(fn, body)
    if status == 200:  # a schema V1 can hold (the last case): sent as a list of int
        assert upstream.requests[-1].json["chatRequest"]["tools"][0]["parameterDefinitions"]["p"]["type"] == "list"
        return
    assert "parameters.properties.p" in _refused(status, reply, "tools[0]")
    assert len(upstream.requests) == 0


# --- a faulty service's numbers and strings ----------------------------------------------------------------------


def _v1_call_reply(upstream: Any, parameters: str) -> None:
    upstream.patch_next({"chatResponse.toolCalls": '[{"name": "lookup", "parameters": ' + parameters + "}]"})


@pytest.mark.parametrize("parameters", ['{"a": 1e400, "b": NaN}', '{"a": -Infinity}'])
def test_a_v1_reply_with_non_json_numbers_in_tool_parameters_is_never_forwarded(
    fn: RunningFunction, upstream: Any, parameters: str
) -> None:
    _v1_call_reply(upstream, parameters)
    body = {**_tool_turns("{}"), "messages": [{"role": "user", "content": "Look it up"}]}
    status, reply = _post(fn, body)
    assert status == 502 and reply["error"]["code"] == "upstream_error", reply
    assert len(upstream.requests) == 1


@pytest.fixture
def masking(session_functions: Any, emulator: Any) -> Any:
    """A function with pii:mask guardrails on Llama (Generic), its emulator cleared."""
    fn = session_functions.shared(function_config(emulator, MODEL_ID=LLAMA_MODEL, GUARDRAILS="pii:mask"))
    emulator.reset()
    yield fn
    emulator.reset()


def test_a_reply_with_deep_tool_arguments_is_a_502_not_a_500(masking: RunningFunction, emulator: Any) -> None:
    arguments = json.dumps('{"to": ' + "[" * 3000 + '"bob@corp.example"' + "]" * 3000 + "}")
    emulator.patch_next(
        {
            "chatResponse.choices.0.message.toolCalls": '[{"id": "c1", "type": "FUNCTION", "name": "send", '
            f'"arguments": {arguments}}}]'
        }
    )
    status, reply = _post(masking, {"messages": [{"role": "user", "content": "Write to Bob"}]})
    assert status == 502 and reply["error"]["code"] == "upstream_error", reply
    assert "nests deeper than 64" in reply["error"]["message"]


def test_generic_deep_arguments_around_an_email_with_pii_mask_are_a_400(
    masking: RunningFunction, emulator: Any
) -> None:
    arguments = '{"to": ' + "[" * 3000 + '"bob@corp.example"' + "]" * 3000 + "}"
    status, reply = _post(masking, _tool_turns(arguments, model=LLAMA_MODEL))
    assert "nests deeper" in _refused(status, reply, "messages[1].tool_calls[0].function.arguments")
    assert len(emulator.requests) == 0, "neither the guardrails nor the model were called"


@pytest.mark.parametrize(
    "patch",
    [
        {"chatResponse.usage.promptTokens": "-5"},
        {"chatResponse.usage.completionTokens": "-1"},
        {"chatResponse.usage.totalTokens": "-100"},
    ],
)
def test_negative_token_counts_are_the_services_failure(fn: RunningFunction, upstream: Any, patch: dict) -> None:
    upstream.patch_next(patch)
    status, body = _post(fn, {"messages": [{"role": "user", "content": "hi"}]})
    assert status == 502 and body["error"]["code"] == "upstream_error", body
    line = fn.last_request_log()
    assert line["code"] == "upstream_error"
    assert all(line.get(key) in (None, 0) or line[key] >= 0 for key in ("prompt_tokens", "total_tokens"))


@pytest.mark.parametrize(("start", "end"), [(-5, 3), (3, 1), (-30, -1)])
def test_citations_with_impossible_offsets_are_dropped(
    fn: RunningFunction, upstream: Any, start: int, end: int
) -> None:
    upstream.patch_next(
        {"chatResponse.citations": json.dumps([{"start": start, "end": end, "text": "ly", "documentIds": ["d"]}])}
    )
    status, body = _post(fn, {"messages": [{"role": "user", "content": "hi"}], "documents": ["Paris is in France."]})
    assert status == 200, body
    assert body["choices"][0]["message"].get("citations", []) == []


def test_a_lone_surrogate_from_the_service_is_replaced_everywhere(fn: RunningFunction, upstream: Any) -> None:
    upstream.patch_next(
        {
            "chatResponse.text": '"Hi \\ud800 there \\udfff"',
            "chatResponse.citations": '[{"start": 0, "end": 4, "text": "Hi \\ud800", "documentIds": ["d\\udc00"]}]',
        }
    )
    reply = fn.invoke(
        {"messages": [{"role": "user", "content": "hi"}], "documents": ["Paris."]}, gateway=True, url=CHAT
    )
    assert reply.status == 200
    assert b"\\ud800" not in reply.body.lower() and b"\\udc00" not in reply.body.lower()
    body = _strict(reply.body)
    message = body["choices"][0]["message"]
    assert message["content"] == "Hi \ufffd there \ufffd"
    assert message["citations"] == [{"start": 0, "end": 4, "text": "Hi \ufffd", "document_ids": ["d\ufffd"]}]


@pytest.mark.parametrize("arguments", ['{"a": NaN}', '{"a": 1e400}', '{"a": [-Infinity]}'])
def test_generic_reply_arguments_with_non_json_numbers_are_never_forwarded(
    fn: RunningFunction, upstream: Any, arguments: str
) -> None:
    call = {"id": "c1", "type": "FUNCTION", "name": "send", "arguments": arguments}
    upstream.patch_next({"chatResponse.choices.0.message.toolCalls": json.dumps([call])})
    status, reply = _post(fn, {"model": LLAMA_MODEL, "messages": [{"role": "user", "content": "Write"}]})
    assert status == 502 and reply["error"]["code"] == "upstream_error", reply
    assert "not valid JSON" in reply["error"]["message"] or "too large" in reply["error"]["message"]


def test_generic_reply_arguments_that_are_not_json_pass_as_written(fn: RunningFunction, upstream: Any) -> None:
    call = {"id": "c1", "type": "FUNCTION", "name": "send", "arguments": "{'to': bob"}
    upstream.patch_next({"chatResponse.choices.0.message.toolCalls": json.dumps([call])})
    status, reply = _post(fn, {"model": LLAMA_MODEL, "messages": [{"role": "user", "content": "Write"}]})
    assert status == 200, reply
    assert reply["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == "{'to': bob"


def test_a_lone_surrogate_in_tool_arguments_is_replaced(fn: RunningFunction, upstream: Any) -> None:
    upstream.patch_next(
        {
            "chatResponse.choices.0.message.toolCalls": '[{"id": "c1", "type": "FUNCTION", "name": "send", '
            '"arguments": "{\\"to\\": \\"\\ud800\\"}"}]'
        }
    )
    reply = fn.invoke(
        {"model": LLAMA_MODEL, "messages": [{"role": "user", "content": "Write"}]}, gateway=True, url=CHAT
    )
    assert reply.status == 200
    call = _strict(reply.body)["choices"][0]["message"]["tool_calls"][0]
    assert json.loads(call["function"]["arguments"]) == {"to": "\ufffd"}
