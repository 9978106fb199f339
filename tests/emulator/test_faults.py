"""Fault injection as the SDK experiences it; after each fault the next call must succeed again."""

from __future__ import annotations

import json
import time

import pytest
from oci._vendor.requests.exceptions import ChunkedEncodingError
from oci.exceptions import RequestException, ServiceError
from oci.generative_ai_inference import models

from emulator import Emulator


def test_fail_next_answers_the_error_then_recovers(emu: Emulator, client, chat_details) -> None:
    emu.fail_next(status=429, code="TooManyRequests", message="slow down", times=2, headers={"retry-after": "3"})
    for _ in range(2):
        with pytest.raises(ServiceError) as info:
            client.chat(chat_details())
        assert (info.value.status, info.value.code, info.value.message) == (429, "TooManyRequests", "slow down")
        assert info.value.headers["retry-after"] == "3"
    assert client.chat(chat_details()).status == 200
    assert [r.status for r in emu.requests] == [429, 429, 200]
    assert emu.requests[0].principal == "ocid1.fnfunc.oc1..emulator"  # signature was checked first


def test_fail_next_applies_after_signature_verification(emu: Emulator, chat_details) -> None:
    from oci._vendor import requests

    emu.fail_next(status=500, code="InternalServerError")
    reply = requests.post(emu.url + "/20231130/actions/chat", data=b"{}")
    assert reply.status_code == 401
    assert len(emu.requests) == 1 and emu.requests[0].status == 401


def test_fail_next_counts_embed_requests_too(emu: Emulator, client) -> None:
    emu.fail_next(status=503, code="ServiceUnavailable")
    details = {
        "compartmentId": "c",
        "servingMode": {"servingType": "ON_DEMAND", "modelId": "cohere.embed-v4.0"},
        "inputs": ["x"],
    }
    with pytest.raises(ServiceError) as info:
        client.embed_text(details)
    assert info.value.status == 503


def test_delay_and_latency(emu: Emulator, client, chat_details) -> None:
    emu.inject("delay", delay=0.3)
    start = time.perf_counter()
    assert client.chat(chat_details()).status == 200
    assert time.perf_counter() - start >= 0.3
    emu.set_latency(0.2)
    start = time.perf_counter()
    client.chat(chat_details())
    assert time.perf_counter() - start >= 0.2
    emu.set_latency(60)
    emu.reset()
    assert client.chat(chat_details()).status == 200, "no latency left: with 60 s the client's 5 s read would fail"


@pytest.mark.parametrize("kind, detail", [("drop", "RemoteDisconnected"), ("reset", "Connection reset by peer")])
def test_connection_faults_raise_request_exception(emu: Emulator, client, chat_details, kind: str, detail: str):
    client.chat(chat_details())  # a kept-alive connection the fault then kills
    emu.inject(kind)
    with pytest.raises(RequestException, match=detail):
        client.chat(chat_details())
    assert emu.requests[-1].status == 0
    assert client.chat(chat_details()).status == 200


def test_truncated_body(emu: Emulator, client, chat_details) -> None:
    emu.inject("truncated", times=2)
    with pytest.raises(ChunkedEncodingError, match="IncompleteRead"):  # chat streams, so requests' error escapes raw
        client.chat(chat_details())
    embed = {
        "compartmentId": "c",
        "servingMode": {"servingType": "ON_DEMAND", "modelId": "cohere.embed-v4.0"},
        "inputs": ["x"],
    }
    with pytest.raises(RequestException, match="IncompleteRead"):
        client.embed_text(embed)
    assert client.chat(chat_details()).status == 200


def test_malformed_json_escapes_as_type_error(emu: Emulator, client, chat_details) -> None:
    emu.inject("malformed")
    with pytest.raises(TypeError):  # the SDK's deserializer indexes the undecoded string
        client.chat(chat_details())
    assert emu.requests[-1].status == 200


def test_html_502_from_a_load_balancer(emu: Emulator, client, chat_details) -> None:
    emu.inject("html")
    with pytest.raises(ServiceError) as info:
        client.chat(chat_details())
    assert info.value.status == 502 and info.value.code is None
    assert info.value.message.startswith("<html>")
    assert info.value.headers["content-type"] == "text/html"


def test_wrong_format_and_empty(emu: Emulator, client, chat_details) -> None:
    emu.inject("wrong_format")
    result = client.chat(chat_details()).data
    assert isinstance(result.chat_response, models.GenericChatResponse)
    emu.inject("empty")
    result = client.chat(chat_details()).data
    assert isinstance(result, models.ChatResult) and result.chat_response is None and result.model_id is None


def test_faults_are_consumed_in_order(emu: Emulator, client, chat_details) -> None:
    emu.inject("empty")
    emu.fail_next(status=429)
    assert client.chat(chat_details()).data.chat_response is None
    with pytest.raises(ServiceError):
        client.chat(chat_details())
    assert client.chat(chat_details()).data.chat_response is not None


def test_unknown_fault_kind_is_refused(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        emu.inject("explode")
    with pytest.raises(ValueError, match="times"):
        emu.fail_next(times=0)


def test_patched_json_writes_raw_text_no_python_value_serialises_to() -> None:
    from emulator.faults import patched_json

    data = {"chatResponse": {"text": "hi", "toolCalls": None, "usage": {"promptTokens": 1}}, "items": [{"a": 1}]}
    body = patched_json(
        data,
        {"chatResponse.text": '"a \\ud800"', "chatResponse.usage.promptTokens": "-5", "items.0.a": "1e400"},
    )
    assert b'"text": "a \\ud800"' in body and b'"promptTokens": -5' in body and b'"a": 1e400' in body
    assert json.loads(body)["items"][0]["a"] == float("inf")
