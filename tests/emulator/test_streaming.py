"""Streamed chat (`isStream: true`) through the real SDK client: each format's events, pacing, and stream faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from oci.generative_ai_inference import GenerativeAiInferenceClient

from emulator import Emulator
from emulator.__main__ import main as emulator_main
from emulator.streaming import STREAM_ERROR

COHERE = "cohere.command-a-03-2025"
LLAMA = "meta.llama-3.3-70b-instruct"
STORY = [{"role": "USER", "content": [{"type": "TEXT", "text": "Tell me a story"}]}]
FORMATS = {"COHERE": COHERE, "COHEREV2": COHERE, "GENERIC": LLAMA}
WEATHER_TOOL = {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}


def _request(api_format: str, text: str, **extra: Any) -> dict[str, Any]:
    if api_format == "COHERE":
        return {"apiFormat": "COHERE", "message": text, **extra}
    return {"apiFormat": api_format, "messages": [{**STORY[0], "content": [{"type": "TEXT", "text": text}]}], **extra}


def _events(client: GenerativeAiInferenceClient, details: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.chat(details)
    assert response.headers["content-type"] == "text/event-stream"
    return [json.loads(event.data) for event in response.data.events()]


def _text(api_format: str, events: list[dict[str, Any]]) -> str:
    """The answer a client assembles from the deltas (the formats' readers, cited in emulator/streaming.py)."""
    if api_format == "COHERE":
        return "".join(e["text"] for e in events if "finishReason" not in e and "toolCalls" not in e)
    parts = [part for e in events for part in (e.get("message") or {}).get("content") or []]
    return "".join(part["text"] for part in parts if part["type"] == "TEXT")


def _reply_text(api_format: str, chat: Any) -> str:
    if api_format == "COHERE":
        return str(chat.text)
    if api_format == "COHEREV2":
        return str(chat.message.content[0].text)
    return str(chat.choices[0].message.content[0].text)


@pytest.mark.parametrize("api_format", sorted(FORMATS))
def test_a_story_streams_in_the_formats_shape_with_usage_at_the_end(
    client: GenerativeAiInferenceClient, chat_details: Callable[..., dict], api_format: str
) -> None:
    model = FORMATS[api_format]
    streamed = _events(
        client,
        chat_details(
            model, **_request(api_format, "Tell me a story", isStream=True, streamOptions={"isIncludeUsage": True})
        ),
    )
    whole = client.chat(chat_details(model, **_request(api_format, "Tell me a story"))).data.chat_response

    assert len(streamed) >= 40
    assert _text(api_format, streamed) == _reply_text(api_format, whole)
    usage = {"promptTokens": whole.usage.prompt_tokens, "completionTokens": whole.usage.completion_tokens}
    if api_format == "GENERIC":  # the finish event, then one usage-only event
        assert streamed[-2] == {"index": 0, "finishReason": "stop"}
        assert set(streamed[-1]) == {"usage"}
        assert streamed[-1]["usage"].items() >= usage.items()
    else:  # usage rides on the finish event
        assert streamed[-1]["finishReason"] == "COMPLETE"
        assert streamed[-1]["usage"].items() >= usage.items()
        assert {e["apiFormat"] for e in streamed} == {api_format}
    assert all("finishReason" not in e for e in streamed[: -2 if api_format == "GENERIC" else -1])


@pytest.mark.parametrize("api_format", sorted(FORMATS))
def test_usage_only_when_asked(
    client: GenerativeAiInferenceClient, chat_details: Callable[..., dict], api_format: str
) -> None:
    events = _events(client, chat_details(FORMATS[api_format], **_request(api_format, "hi", isStream=True)))
    assert "finishReason" in events[-1]
    assert not any("usage" in e for e in events)


def test_cohere_v1_restates_the_text_and_history_at_the_end(
    client: GenerativeAiInferenceClient, chat_details: Callable[..., dict]
) -> None:
    events = _events(client, chat_details(COHERE, **_request("COHERE", "hello there", isStream=True)))
    assert [e["text"] for e in events[:-1]] == ["Emulated", " reply", " to:", " hello", " there"]
    assert events[-1]["text"] == "Emulated reply to: hello there"
    assert events[-1]["chatHistory"][-1] == {"role": "CHATBOT", "message": "Emulated reply to: hello there"}


def test_generic_tool_call_arguments_accumulate(
    client: GenerativeAiInferenceClient, chat_details: Callable[..., dict]
) -> None:
    tool = {"type": "FUNCTION", "name": "get_weather", "parameters": WEATHER_TOOL["parameters"]}
    request = _request("GENERIC", "weather in Paris?", tools=[tool])
    whole = client.chat(chat_details(LLAMA, **request)).data.chat_response.choices[0].message.tool_calls[0]
    events = _events(client, chat_details(LLAMA, **request, isStream=True))

    calls = [call for e in events[:-1] for call in e["message"]["toolCalls"]]
    assert len(calls) > 1, "the arguments come in pieces"
    assert (calls[0]["id"], calls[0]["name"]) == (whole.id, "get_weather")
    assert "".join(call["arguments"] for call in calls) == whole.arguments
    assert events[-1] == {"index": 0, "finishReason": "tool_calls"}


def test_cohere_tool_calls_arrive_whole(client: GenerativeAiInferenceClient, chat_details: Callable[..., dict]) -> None:
    v1_tool = {"name": "get_weather", "description": "w", "parameterDefinitions": {"city": {"type": "str"}}}
    v1 = _events(client, chat_details(COHERE, **_request("COHERE", "weather?", tools=[v1_tool], isStream=True)))
    assert v1[-2]["toolCalls"] == [{"name": "get_weather", "parameters": {"city": "Paris"}}]
    v2_tool = {"type": "FUNCTION", "function": WEATHER_TOOL}
    v2 = _events(client, chat_details(COHERE, **_request("COHEREV2", "weather?", tools=[v2_tool], isStream=True)))
    assert v2[-2]["message"]["toolCalls"][0]["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert v2[-1]["finishReason"] == "TOOL_CALL"


@pytest.mark.parametrize("api_format", ["COHERE", "COHEREV2"])
def test_cohere_citations_are_streamed(
    client: GenerativeAiInferenceClient, chat_details: Callable[..., dict], api_format: str
) -> None:
    documents = [{"id": "doc-1", "text": "Paris is the capital of France."}]
    events = _events(
        client, chat_details(COHERE, **_request(api_format, "capital?", documents=documents, isStream=True))
    )
    citations = events[-1]["citations"] if api_format == "COHERE" else events[-2]["message"]["citations"]
    assert citations[0]["text"] == "capital?"


def test_reasoning_streams_before_the_answer(
    client: GenerativeAiInferenceClient, chat_details: Callable[..., dict]
) -> None:
    events = _events(
        client, chat_details(COHERE, **_request("COHEREV2", "why?", thinking={"type": "ENABLED"}, isStream=True))
    )
    kinds = [e["message"]["content"][0]["type"] for e in events[:-1]]
    assert kinds == sorted(kinds, reverse=True) and kinds[0] == "THINKING" and kinds[-1] == "TEXT"


def test_events_leave_one_by_one_over_the_stream_seconds(
    emu: Emulator, client: GenerativeAiInferenceClient, chat_details: Callable[..., dict]
) -> None:
    emu.set_stream_seconds(3)
    response = client.chat(chat_details(LLAMA, **_request("GENERIC", "Tell me a story", isStream=True)))
    events = response.data.events()
    next(events)
    record = emu.streams[-1]
    sent_when_first_arrived = len(record.sent)
    rest = list(events)

    assert sent_when_first_arrived < record.total, "the first event arrived before the last one was sent"
    assert len(rest) + 1 == record.total == len(record.sent) and not record.closed_early
    assert record.sent == sorted(record.sent)


def test_reset_restores_the_constructor_pacing(emu: Emulator) -> None:
    emu.set_stream_seconds(5)
    emu.reset()
    assert emu.api.stream_seconds == 0.0
    with pytest.raises(ValueError, match="finite number"):
        emu.set_stream_seconds(-1)


def test_stream_cut_closes_mid_stream(
    emu: Emulator, client: GenerativeAiInferenceClient, chat_details: Callable[..., dict]
) -> None:
    emu.inject("stream_cut", after=3)
    events = _events(client, chat_details(LLAMA, **_request("GENERIC", "Tell me a story", isStream=True)))
    assert len(events) == 3 and all("finishReason" not in e for e in events)
    assert emu.streams[-1].closed_early


def test_stream_error_sends_an_error_event(
    emu: Emulator, client: GenerativeAiInferenceClient, chat_details: Callable[..., dict]
) -> None:
    emu.inject("stream_error", after=2)
    events = _events(client, chat_details(COHERE, **_request("COHERE", "Tell me a story", isStream=True)))
    assert len(events) == 3 and events[-1] == STREAM_ERROR


def test_stream_stall_then_the_rest(
    emu: Emulator, client: GenerativeAiInferenceClient, chat_details: Callable[..., dict]
) -> None:
    emu.inject("stream_stall", after=2, stall=0.3)
    events = _events(client, chat_details(COHERE, **_request("COHERE", "hello there", isStream=True)))
    assert events[-1]["finishReason"] == "COMPLETE" and len(events) == emu.streams[-1].total
    assert client.chat(chat_details(COHERE, **_request("COHERE", "hi", isStream=True))).status == 200


def test_stream_faults_need_a_streamed_chat(
    emu: Emulator, client: GenerativeAiInferenceClient, chat_details: Callable[..., dict]
) -> None:
    emu.inject("stream_cut")
    with pytest.raises(Exception, match="streamed chat requests only"):
        client.chat(chat_details(COHERE))
    assert emu.requests[-1].status == 400


def test_the_whole_reply_is_unchanged(client: GenerativeAiInferenceClient, chat_details: Callable[..., dict]) -> None:
    response = client.chat(chat_details(COHERE))
    assert response.headers["content-type"] == "application/json"
    assert response.data.chat_response.text == "Emulated reply to: hello there"


def test_cli_refuses_negative_stream_seconds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        emulator_main(["--credentials", str(tmp_path), "--stream-seconds", "-1"])
    assert exit_info.value.code == 2
    assert "stream seconds must be a finite number >= 0" in capsys.readouterr().err
