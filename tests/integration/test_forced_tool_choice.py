"""A forced tool choice on the default model (issue 29 item 1), through the local gateway and the real fdk: the openai
SDK's `tool_choice` required and named, and the structured-output modes of four frameworks that force a tool by
default, each answered with a tool call whose arguments fit the caller's schema. The emulator's record shows the
choice as the service receives it: Command A is sent as COHEREV2, `toolsChoice: REQUIRED`, and for a named function
that tool alone. On Cohere V1 (kept by MODEL_API_FORMATS) a forced choice is a 400 naming the way out, before any
call. A framework that is not installed is skipped here (.venv cannot hold instructor and LlamaIndex's OpenAI LLM
beside its openai 3.x); `python3 -m localfn.doc_snippets` runs this file in .venv-frameworks, where all are
installed, with FRAMEWORKS_REQUIRED set, so there a missing one fails instead."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
from collections.abc import Iterator
from typing import Any

import jsonschema
import openai
import pytest
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from tests.constants import COHERE_MODEL

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "The city"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    "required": ["city", "unit"],
}
TOOLS = [
    {"type": "function", "function": {"name": "get_time", "description": "The time", "parameters": {"type": "object"}}},
    {"type": "function", "function": {"name": "get_weather", "description": "Weather", "parameters": WEATHER}},
]
QUESTION = {"role": "user", "content": "Hello there"}
"""No word that makes the emulated model call a tool by itself: only the forced choice does."""


class City(BaseModel):
    """A city and its country."""

    city: str
    country: str


def _framework(module: str) -> Any:
    """The framework's module; where it is not installed a skip, or a failure under FRAMEWORKS_REQUIRED (CI's run)."""
    if os.environ.get("FRAMEWORKS_REQUIRED"):
        return importlib.import_module(module)
    return pytest.importorskip(module)


def _sent(emulator: Any) -> dict[str, Any]:
    (request,) = emulator.requests.snapshot()
    assert request.status == 200
    return request.json["chatRequest"]  # type: ignore[no-any-return]


def _forced(emulator: Any, tools: list[str]) -> None:
    """The service received the default model as V2 with toolsChoice REQUIRED and exactly `tools`."""
    sent = _sent(emulator)
    assert sent["apiFormat"] == "COHEREV2" and sent["toolsChoice"] == "REQUIRED"
    assert [tool["function"]["name"] for tool in sent["tools"]] == tools


@pytest.fixture
def base_url(gateway: Any, upstream: Any) -> str:
    return f"{gateway.url}/genai/v1"


@pytest.fixture
def client(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0) as sdk:
        yield sdk


# --- the openai SDK -------------------------------------------------------------------------------------------------


def test_required_forces_a_call_on_the_default_model(client: openai.OpenAI, upstream: Any) -> None:
    completion = client.chat.completions.create(
        messages=[QUESTION], model=COHERE_MODEL, tools=TOOLS, tool_choice="required"
    )
    (call,) = completion.choices[0].message.tool_calls or []
    assert completion.choices[0].finish_reason == "tool_calls" and call.function.name == "get_time"
    _forced(upstream, ["get_time", "get_weather"])


def test_a_named_function_is_that_tool_alone_and_required(client: openai.OpenAI, upstream: Any) -> None:
    choice = {"type": "function", "function": {"name": "get_weather"}}
    completion = client.chat.completions.create(
        messages=[QUESTION], model=COHERE_MODEL, tools=TOOLS, tool_choice=choice
    )
    (call,) = completion.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"
    jsonschema.validate(json.loads(call.function.arguments), WEATHER)
    _forced(upstream, ["get_weather"])


def test_a_streamed_forced_call(client: openai.OpenAI, upstream: Any) -> None:
    choice = {"type": "function", "function": {"name": "get_weather"}}
    with client.chat.completions.stream(messages=[QUESTION], model=COHERE_MODEL, tools=TOOLS, tool_choice=choice) as s:
        final = s.get_final_completion()
    (call,) = final.choices[0].message.tool_calls or []
    jsonschema.validate(json.loads(call.function.arguments), WEATHER)
    _forced(upstream, ["get_weather"])


@pytest.fixture
def v1_client(v1_gateway: Any, upstream: Any) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{v1_gateway.url}/genai/v1", api_key="unused", max_retries=0) as sdk:
        yield sdk


@pytest.mark.parametrize("choice", ["required", {"type": "function", "function": {"name": "get_weather"}}])
def test_on_v1_a_forced_choice_is_a_400_naming_the_way_out(
    v1_client: openai.OpenAI, upstream: Any, choice: Any
) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        v1_client.chat.completions.create(messages=[QUESTION], model=COHERE_MODEL, tools=TOOLS, tool_choice=choice)
    message = raised.value.body["message"]  # type: ignore[index]
    assert raised.value.body["param"] == "tool_choice"  # type: ignore[index]
    assert f"MODEL_API_FORMATS={COHERE_MODEL}:COHEREV2" in message and "auto or none" in message
    assert "use auto, none or required" not in message  # never suggests what is refused too
    assert len(upstream.requests) == 0


# --- parallel_tool_calls: false (LlamaIndex's predict_and_call sends it) --------------------------------------------

TWO_TOOLS = {"role": "user", "content": "Call get_time and get_weather"}
"""Names two offered tools: the emulated model calls both in one turn."""


@pytest.mark.parametrize(("parallel", "names"), [(False, ["get_time"]), (None, ["get_time", "get_weather"])])
def test_parallel_tool_calls_false_returns_the_first_call_only(
    client: openai.OpenAI, upstream: Any, parallel: bool | None, names: list[str]
) -> None:
    extra = {} if parallel is None else {"parallel_tool_calls": parallel}
    completion = client.chat.completions.create(messages=[TWO_TOOLS], model=COHERE_MODEL, tools=TOOLS, **extra)
    assert [call.function.name for call in completion.choices[0].message.tool_calls or []] == names
    assert completion.choices[0].finish_reason == "tool_calls"
    sent = _sent(upstream)  # V2 has no field for it: the request is the same either way, both tools offered
    assert sent["apiFormat"] == "COHEREV2" and "toolsChoice" not in sent
    assert [tool["function"]["name"] for tool in sent["tools"]] == ["get_time", "get_weather"]
    assert not {key for key in sent if "arallel" in key}


# --- frameworks whose structured output forces a tool ----------------------------------------------------------------


def test_langchain_with_structured_output_function_calling(base_url: str, upstream: Any) -> None:
    llm = ChatOpenAI(model=COHERE_MODEL, base_url=base_url, api_key="unused", max_retries=0)
    city = llm.with_structured_output(City, method="function_calling").invoke("Where is the Eiffel Tower?")
    assert isinstance(city, City)
    _forced(upstream, ["City"])


def test_instructor_tools_mode(client: openai.OpenAI, upstream: Any) -> None:
    instructor = _framework("instructor")
    city = instructor.from_openai(client, mode=instructor.Mode.TOOLS).chat.completions.create(
        model=COHERE_MODEL, response_model=City, max_retries=0, messages=[{"role": "user", "content": "Eiffel Tower?"}]
    )
    assert isinstance(city, City)
    _forced(upstream, ["City"])


def test_pydantic_ai_default_output_type(base_url: str, upstream: Any) -> None:
    _framework("pydantic_ai")
    from pydantic_ai import Agent
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    async def run() -> Any:
        async with openai.AsyncOpenAI(base_url=base_url, api_key="unused", max_retries=0) as sdk:
            model = OpenAIChatModel(COHERE_MODEL, provider=OpenAIProvider(openai_client=sdk))
            return (await Agent(model, output_type=City).run("Where is the Eiffel Tower?")).output

    assert isinstance(asyncio.run(run()), City)
    _forced(upstream, ["final_result"])


def test_llamaindex_structured_predict(base_url: str, upstream: Any) -> None:
    _framework("llama_index.llms.openai_like")
    import httpx
    from llama_index.core.prompts import PromptTemplate
    from llama_index.llms.openai_like import OpenAILike

    with httpx.Client() as http:  # closed here: OpenAILike makes an openai client per call and never closes it
        llm = OpenAILike(
            model=COHERE_MODEL,
            api_base=base_url,
            api_key="unused",
            is_chat_model=True,
            is_function_calling_model=True,
            max_retries=0,
            http_client=http,
        )
        city = llm.structured_predict(City, PromptTemplate("Where is {place}?"), place="the Eiffel Tower")
    assert isinstance(city, City)
    _forced(upstream, ["City"])
