"""LangChain's ChatOpenAI against the function (local gateway, real fdk): invoke, stream, bind_tools with a tool round
trip and with_structured_output, on a Cohere model served as COHEREV2 and on Llama (GENERIC). No network: only
chat calls are made, so no tokenizer download is needed."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from emulator.story import STORY
from tests.constants import LLAMA_MODEL, MODEL_OCID, VISION_MODEL


@tool
def get_weather(location: str) -> str:
    """Weather for a city."""
    return "18 degrees and sunny in " + location


class City(BaseModel):
    city: str
    country: str


@pytest.fixture(params=["cohere", "llama"])
def chat(request, cohere_v2_url, gateway, upstream) -> Iterator[tuple[ChatOpenAI, str]]:
    """(ChatOpenAI, the apiFormat the service must see) for each family."""
    if request.param == "cohere":
        model, url, api_format = MODEL_OCID, cohere_v2_url, "COHEREV2"
    else:
        model, url, api_format = LLAMA_MODEL, f"{gateway.url}/genai/v1", "GENERIC"
    yield ChatOpenAI(model=model, base_url=url, api_key="unused", max_retries=0), api_format


def test_invoke(chat, upstream):
    llm, api_format = chat
    answer = llm.invoke("What is the capital of France?")

    assert answer.content == "Emulated reply to: What is the capital of France?"
    assert answer.usage_metadata["total_tokens"] > 0
    assert upstream.requests[-1].json["chatRequest"]["apiFormat"] == api_format


def test_stream(chat, upstream):
    llm, api_format = chat
    pieces = [chunk.content for chunk in llm.stream("Tell me a story")]

    assert "".join(pieces) == "Emulated reply to: Tell me a story " + STORY  # the emulated model's long answer
    assert len(pieces) > 1
    assert upstream.requests[-1].json["chatRequest"]["apiFormat"] == api_format


def test_bind_tools_round_trip(chat, upstream):
    llm, api_format = chat
    with_tools = llm.bind_tools([get_weather])
    question = HumanMessage("What is the weather in Paris?")

    asked = with_tools.invoke([question])
    assert asked.tool_calls[0]["name"] == "get_weather"
    assert asked.tool_calls[0]["args"] == {"location": "Paris"}

    result = get_weather.invoke(asked.tool_calls[0]["args"])
    final = with_tools.invoke([question, asked, ToolMessage(result, tool_call_id=asked.tool_calls[0]["id"])])
    assert final.tool_calls == [] and final.content
    sent = upstream.requests[-1].json["chatRequest"]
    assert sent["apiFormat"] == api_format
    assert sent["messages"][-1]["role"] == "TOOL"
    assert sent["messages"][-1]["content"] == [{"type": "TEXT", "text": result}]


def test_with_structured_output(chat, upstream):
    llm, _ = chat
    structured = llm.with_structured_output(City)

    answer = structured.invoke(json.dumps({"city": "Paris", "country": "France"}))

    assert answer == City(city="Paris", country="France")
    assert upstream.requests[-1].json["chatRequest"]["responseFormat"]


PIXEL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.mark.parametrize("family", ["cohere", "llama"])
def test_image_question(family, cohere_v2_url, vision_url, upstream):
    model, url = (MODEL_OCID, cohere_v2_url) if family == "cohere" else (VISION_MODEL, vision_url)
    llm = ChatOpenAI(model=model, base_url=url, api_key="unused", max_retries=0)
    question = HumanMessage(
        content=[{"type": "text", "text": "What is in this image?"}, {"type": "image_url", "image_url": {"url": PIXEL}}]
    )

    answer = llm.invoke([question])

    assert answer.content == "Emulated reply to: What is in this image?"
    image = upstream.requests[-1].json["chatRequest"]["messages"][0]["content"][1]
    assert image["imageUrl"]["url"] == PIXEL
