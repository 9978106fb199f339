"""One structured line per request; no prompt or reply text unless LOG_CONTENT is on."""

from __future__ import annotations

from tests.conftest import function_config
from tests.constants import COHERE_MODEL

SECRET_PROMPT = "PROMPT-8f3a: my account number is 12345"


def test_one_json_line_per_request_with_ids_model_latency_and_usage(fn, upstream):
    fn.invoke({"input": "Hi"}, gateway=True, url="/genai/chat", call_id="log-1")
    fn.invoke(b"nope", call_id="log-2")

    lines = fn.request_logs()
    assert [line["call_id"] for line in lines] == ["log-1", "log-2"]
    ok, bad = lines
    assert ok["status"] == 200 and ok["model"] == COHERE_MODEL and ok["api_format"] == "COHEREV2"
    assert ok["route"] == "chat" and ok["via_gateway"] is True
    assert ok["opc_request_id"] == upstream.requests[-1].headers.get("opc-request-id") or ok["opc_request_id"]
    assert ok["prompt_tokens"] > 0 and ok["completion_tokens"] > 0
    assert ok["total_tokens"] == ok["prompt_tokens"] + ok["completion_tokens"]
    assert ok["latency_ms"] >= ok["upstream_ms"] > 0 and ok["attempts"] == 1
    assert bad["status"] == 400 and bad["code"] == "invalid_json" and bad["via_gateway"] is False


def test_prompt_and_reply_never_reach_the_logs_by_default(fn, upstream):
    reply = fn.invoke({"input": SECRET_PROMPT, "system": SECRET_PROMPT})
    upstream.fail_next(status=400, code="InvalidParameter", message="bad")
    fn.invoke({"input": SECRET_PROMPT})

    assert reply.status == 200
    log = fn.new_log()
    assert len(log.splitlines()) == 2, "exactly one line per request, nothing from the SDK or urllib3"
    assert "PROMPT-8f3a" not in log
    assert "Emulated reply" not in log


def test_content_logging_is_an_explicit_opt_in(start_function, emulator):
    function = start_function(function_config(emulator, LOG_CONTENT="true"))
    emulator.reset()
    function.invoke({"input": SECRET_PROMPT})

    (line,) = function.request_logs()
    assert line["content"]["messages"] == [["user", SECRET_PROMPT]]
    assert line["content"]["reply"].startswith("Emulated reply to: PROMPT-8f3a")


def test_content_logging_with_guardrails_holds_what_the_model_read_masked(start_function, emulator):
    """LOG_CONTENT is a debugging copy; with a PII mask on, it must not keep the address the model never got."""
    function = start_function(function_config(emulator, LOG_CONTENT="true", GUARDRAILS="pii:mask"))
    emulator.reset()
    function.invoke({"input": "Write to alice@example.com about PROMPT-8f3a"})

    (line,) = function.request_logs()
    logged = " ".join(line["content"]["messages"])
    assert "PROMPT-8f3a" in logged, "the texts the model read are logged"
    assert "alice@example.com" not in logged, "the mask applies to the logged copy too"
