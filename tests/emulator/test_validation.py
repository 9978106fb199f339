"""The service's 400/404 answers for bad ChatDetails / EmbedTextDetails, sent as raw JSON through the SDK."""

from __future__ import annotations

import math

import pytest
from oci.exceptions import ServiceError

from emulator import Emulator
from emulator.validation import Catalog, validate_chat


def _expect(client, body: dict, status: int, code: str, message: str, *, embed: bool = False) -> None:
    with pytest.raises(ServiceError) as info:
        (client.embed_text if embed else client.chat)(body)
    assert (info.value.status, info.value.code) == (status, code)
    assert message in info.value.message


def _without(body: dict, key: str) -> dict:
    return {k: v for k, v in body.items() if k != key}


@pytest.mark.parametrize(
    "model, request_fields, message",
    [
        ("cohere.command-a-03-2025", {"message": ""}, "chatRequest.message"),
        ("cohere.command-a-03-2025", {"message": 5}, "chatRequest.message: must be a string"),
        ("cohere.command-a-03-2025", {"maxTokens": 4001}, "maxTokens: must be between 1 and 4000"),
        ("cohere.command-a-03-2025", {"maxTokens": 0}, "maxTokens"),
        ("cohere.command-a-03-2025", {"maxTokens": 10.5}, "maxTokens: must be an integer"),
        ("cohere.command-a-03-2025", {"temperature": 2.1}, "temperature: must be between 0 and 2"),
        ("cohere.command-a-03-2025", {"temperature": "hot"}, "temperature: must be a number"),
        ("cohere.command-a-03-2025", {"topP": 1.5}, "topP"),
        ("cohere.command-a-03-2025", {"topK": 501}, "topK"),
        ("cohere.command-a-03-2025", {"frequencyPenalty": -0.1}, "frequencyPenalty"),
        ("cohere.command-a-03-2025", {"isStream": "yes"}, "isStream: must be a boolean"),
        ("cohere.command-a-03-2025", {"chatHistory": [{"role": "BOT", "message": "x"}]}, "chatHistory[0].role"),
        ("cohere.command-a-03-2025", {"promptTruncation": "SOMETIMES"}, "promptTruncation"),
        ("cohere.command-a-03-2025", {"messages": []}, "Unknown parameter: chatRequest.messages"),
        ("meta.llama-3.3-70b-instruct", {"messages": []}, "must contain at least one message"),
        ("meta.llama-3.3-70b-instruct", {"temperature": 2.5}, "temperature: must be between 0 and 2"),
        ("meta.llama-3.3-70b-instruct", {"presencePenalty": 3}, "presencePenalty"),
        ("meta.llama-3.3-70b-instruct", {"topK": -2}, "topK"),
        ("meta.llama-3.3-70b-instruct", {"maxCompletionTokens": 5000}, "maxCompletionTokens"),
        ("meta.llama-3.3-70b-instruct", {"messages": [{"role": "USER", "content": "hi"}]}, "content: must be an array"),
        ("meta.llama-3.3-70b-instruct", {"messages": [{"role": "ROBOT", "content": []}]}, "messages[0].role"),
        ("meta.llama-3.3-70b-instruct", {"tools": [{"type": "FUNCTION"}]}, "tools[0].name"),
        ("meta.llama-3.3-70b-instruct", {"message": "hi"}, "Unknown parameter: chatRequest.message"),
        ("meta.llama-3.3-70b-instruct", {"apiFormat": "OPENAI"}, "apiFormat"),
    ],
)
def test_invalid_chat_requests(client, chat_details, model: str, request_fields: dict, message: str) -> None:
    _expect(client, chat_details(model, **request_fields), 400, "InvalidParameter", message)


def test_nan_is_rejected() -> None:
    body = {
        "compartmentId": "c",
        "servingMode": {"servingType": "ON_DEMAND", "modelId": "cohere.command-a-03-2025"},
        "chatRequest": {"apiFormat": "COHERE", "message": "hi", "temperature": math.nan},
    }
    with pytest.raises(Exception, match="temperature: must be a number"):
        validate_chat(body, Catalog())


def test_envelope_errors(client, chat_details) -> None:
    body = chat_details()
    _expect(client, _without(body, "compartmentId"), 400, "InvalidParameter", "compartmentId")
    _expect(client, {**body, "servingMode": {"servingType": "SOMETIMES"}}, 400, "InvalidParameter", "servingType")
    _expect(client, _without(body, "chatRequest"), 400, "InvalidParameter", "chatRequest")


def test_api_format_must_match_the_model(client, chat_details) -> None:
    body = chat_details("cohere.command-a-03-2025", apiFormat="GENERIC")
    _expect(client, body, 400, "InvalidParameter", "Chat request type does not match serving model")
    body = chat_details("meta.llama-3.1-405b-instruct", apiFormat="COHERE")
    _expect(client, body, 400, "InvalidParameter", "Chat request type does not match serving model")


def test_model_ocid_accepts_either_format_unless_pinned(emu: Emulator, client, chat_details) -> None:
    ocid = "ocid1.generativeaimodel.oc1.us-chicago-1.abc"
    assert client.chat(chat_details(ocid, apiFormat="COHERE")).status == 200
    assert client.chat(chat_details(ocid, apiFormat="GENERIC")).status == 200
    emu.catalog.api_formats[ocid] = "GENERIC"
    try:
        _expect(client, chat_details(ocid, apiFormat="COHERE"), 400, "InvalidParameter", "does not match")
    finally:
        emu.catalog.api_formats.clear()


def test_unknown_model_is_not_found(client, chat_details) -> None:
    _expect(client, chat_details("cohere.command-nope"), 404, "NotAuthorizedOrNotFound", "Authorization failed")


def test_allowed_compartments(emu: Emulator, client, chat_details) -> None:
    emu.catalog.allowed_compartments = frozenset({"ocid1.compartment.oc1..other"})
    try:
        _expect(client, chat_details(), 404, "NotAuthorizedOrNotFound", "requested resource not found")
    finally:
        emu.catalog.allowed_compartments = None


def test_body_that_is_not_json(client) -> None:
    _expect(client, "not json", 400, "CannotParseRequest", "JSON")


def _embed(model: str = "cohere.embed-v4.0", **fields: object) -> dict:
    return {
        "compartmentId": "c",
        "servingMode": {"servingType": "ON_DEMAND", "modelId": model},
        "inputs": ["a"],
        **fields,
    }


@pytest.mark.parametrize(
    "body, status, message",
    [
        (_embed(inputs=[]), 400, "between 1 and 96"),
        (_embed(inputs=["x"] * 97), 400, "between 1 and 96"),
        (_embed(inputs="x"), 400, "inputs: must be an array"),
        (_embed(inputs=["x", 5]), 400, "inputs[1]: must be a string"),
        (_embed(truncate="MIDDLE"), 400, "truncate"),
        (_embed(colour="red"), 400, "Unknown parameter"),
        (_embed("cohere.command-a-03-2025"), 400, "does not support text embedding"),
        (_embed("cohere.embed-nope"), 404, "Authorization failed"),
        (_embed("cohere.embed-english-v3.0"), 404, "Authorization failed"),  # retired on 2026-10-21: unknown
    ],
)
def test_invalid_embed_requests(client, body: dict, status: int, message: str) -> None:
    code = "InvalidParameter" if status == 400 else "NotAuthorizedOrNotFound"
    _expect(client, body, status, code, message, embed=True)
