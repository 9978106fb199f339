"""The hostile-upstream faults of issue 10, as the real oci client experiences them, and a prompt shutdown after."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from oci._vendor import requests
from oci._vendor.requests.exceptions import ChunkedEncodingError
from oci._vendor.requests.exceptions import RequestException as RawRequestException
from oci.exceptions import RequestException, ServiceError

from emulator import Emulator
from emulator.faults import HOSTILE_TEXT, hostile_message, retry_after_forms
from tests.emulator.conftest import make_client

LLAMA = "meta.llama-3.3-70b-instruct"
EMBED = {
    "compartmentId": "c",
    "servingMode": {"servingType": "ON_DEMAND", "modelId": "cohere.embed-v4.0"},
    "inputs": ["x"],
}


def _wait_for(condition: Callable[[], bool]) -> None:
    """Poll until `condition` holds; a bounded wait for the emulator's threads, not a timing assertion."""
    for _ in range(400):
        if condition():
            return
        time.sleep(0.025)
    raise AssertionError("condition never held")


def _raw_reply(emu: Emulator, signer: object, body: dict) -> list[bytes]:
    """Send a signed chat request on a plain socket and return the reply as the recv() calls delivered it."""
    prepared = requests.Request(
        "POST", emu.url + "/20231130/actions/chat", json=body, headers={"content-type": "application/json"}
    ).prepare()
    prepared.headers["host"] = f"{emu.host}:{emu.port}"
    signer(prepared)
    head = f"POST {prepared.path_url} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in prepared.headers.items())
    with socket.create_connection((emu.host, emu.port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n" + prepared.body)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return chunks


def test_trickle_sends_the_body_byte_by_byte(emu: Emulator, client, chat_details) -> None:
    emu.inject("trickle", interval=0.005)
    chunks = _raw_reply(emu, client.base_client.signer, chat_details(message="hi"))
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Connection: close" in head
    assert json.loads(body)["chatResponse"]["text"] == "Emulated reply to: hi"
    assert len(chunks) > 10, "a trickled body arrives in many reads, not one"


def test_trickle_outlasts_the_sdk_read_timeout(emu: Emulator, client, chat_details) -> None:
    """Each byte comes well within the 0.5 s read timeout, the whole body well after it: nothing times out."""
    emu.inject("trickle", interval=0.005)
    patient = make_client(emu.url, client.base_client.signer, timeout=(2, 0.5))
    assert patient.chat(chat_details(message="hi")).data.chat_response.text == "Emulated reply to: hi"
    assert emu.requests[-1].status == 200
    assert client.chat(chat_details()).status == 200


@pytest.mark.parametrize("embed", [False, True])
def test_stalled_body_times_out_at_the_client(emu: Emulator, client, chat_details, embed: bool) -> None:
    emu.inject("stalled", stall=30)
    hasty = make_client(emu.url, client.base_client.signer, timeout=(2, 0.3))
    with pytest.raises((RequestException, RawRequestException), match="Read timed out"):  # chat's escapes raw
        hasty.embed_text(EMBED) if embed else hasty.chat(chat_details())
    assert emu.requests[-1].status == 200  # headers went out; the body never did
    assert client.chat(chat_details()).status == 200


def test_connection_closed_mid_body(emu: Emulator, client, chat_details) -> None:
    emu.inject("closed_mid_body", times=2)
    with pytest.raises(ChunkedEncodingError, match="IncompleteRead"):  # chat streams: requests' error escapes raw
        client.chat(chat_details())
    with pytest.raises(RequestException, match="IncompleteRead"):
        client.embed_text(EMBED)
    assert client.chat(chat_details()).status == 200


def test_stop_ends_stalled_and_trickling_replies(creds: Path, client, chat_details) -> None:
    emu = Emulator(creds).start()
    emu.inject("stalled", stall=600)
    emu.inject("trickle", interval=600)
    errors: list[Exception] = []

    def call() -> None:
        try:
            make_client(emu.url, client.base_client.signer, timeout=(2, 600)).chat(chat_details())
        except Exception as exc:  # noqa: BLE001 - the test inspects what the caller saw
            errors.append(exc)

    callers = [threading.Thread(target=call) for _ in range(2)]
    for caller in callers:
        caller.start()
    _wait_for(lambda: len(emu.requests) == 2 and len(emu.handler_threads()) == 2)
    serving = emu.handler_threads()
    emu.stop()
    assert not [thread for thread in serving if thread.is_alive()], "stop() left a connection thread running"
    for caller in callers:
        caller.join(30)
        assert not caller.is_alive()
    assert len(errors) == 2, "both callers saw their reply cut short"


@pytest.mark.parametrize("model", ["cohere.command-a-03-2025", LLAMA])
def test_huge_reply(emu: Emulator, client, chat_details, model: str) -> None:
    emu.inject("huge_reply", megabytes=2)
    chat = client.chat(chat_details(model)).data.chat_response
    text = chat.text if model.startswith("cohere.") else chat.choices[0].message.content[0].text
    assert len(text) == 2_000_000
    assert client.chat(chat_details(model)).status == 200


def test_huge_reply_streamed(emu: Emulator, client, chat_details) -> None:
    emu.inject("huge_reply", megabytes=1)
    events = [json.loads(event.data) for event in client.chat(chat_details(isStream=True)).data.events()]
    assert len("".join(e["text"] for e in events[:-1])) == 1_000_000
    assert events[-1]["finishReason"] == "COMPLETE"


def test_huge_echoed_history(emu: Emulator, client, chat_details) -> None:
    emu.inject("huge_history", entries=5000)
    history = client.chat(chat_details()).data.chat_response.chat_history
    assert len(history) == 5000
    assert [type(turn).__name__ for turn in history[:2]] == ["CohereUserMessage", "CohereChatBotMessage"]


def test_huge_history_needs_a_cohere_request(emu: Emulator, client, chat_details) -> None:
    emu.inject("huge_history", entries=10)
    with pytest.raises(ServiceError) as info:
        client.chat(chat_details(LLAMA))
    assert info.value.status == 400 and "apiFormat COHERE" in info.value.message


def test_hostile_error_message_arrives_verbatim(emu: Emulator, client, chat_details) -> None:
    emu.fail_next(status=400, code="InvalidParameter", message=hostile_message())
    with pytest.raises(ServiceError) as info:
        client.chat(chat_details())
    assert info.value.message == HOSTILE_TEXT
    assert "-----BEGIN RSA PRIVATE KEY-----" in info.value.message and "\x1b" in info.value.message


def test_huge_error_message(emu: Emulator, client, chat_details) -> None:
    emu.fail_next(status=400, code="InvalidParameter", message=hostile_message(megabytes=5))
    with pytest.raises(ServiceError) as info:
        client.chat(chat_details())
    assert len(info.value.message) == 5_000_000 and info.value.message.startswith(HOSTILE_TEXT)


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("form", sorted(retry_after_forms(0)))
def test_retry_after_of_every_form(emu: Emulator, client, chat_details, status: int, form: str) -> None:
    value = retry_after_forms(time.time())[form]
    emu.fail_next(status=status, code="TooManyRequests", headers={"Retry-After": value})
    with pytest.raises(ServiceError) as info:
        client.chat(chat_details())
    assert info.value.status == status
    assert info.value.headers["retry-after"] == _as_received(value)


def _as_received(value: str) -> str:
    """Header bytes are read as Latin-1; a value outside it was sent as UTF-8 (see `emulator.server._latin1`)."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8").decode("latin-1")
    return value


def test_fault_parameters_over_http(emu: Emulator, client, chat_details) -> None:
    post = requests.Session().post
    assert post(emu.url + "/_emulator/inject", json={"kind": "huge_reply", "megabytes": 0.01}).ok
    assert len(client.chat(chat_details()).data.chat_response.text) == 10_000
    refused = post(emu.url + "/_emulator/inject", json={"kind": "trickle", "megabytes": 1})
    assert refused.status_code == 400 and "takes no parameter 'megabytes'" in refused.json()["message"]


@pytest.mark.parametrize(
    "kind, params, message",
    [
        ("trickle", {"interval": -1}, "finite number >= 0"),
        ("stalled", {"stall": float("inf")}, "finite number >= 0"),
        ("huge_reply", {"megabytes": True}, "finite number >= 0"),
        ("drop", {"interval": 1}, "takes no parameter"),
    ],
)
def test_bad_fault_parameters_are_refused(emu: Emulator, kind: str, params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        emu.inject(kind, **params)
