"""The OpenAI Responses API (`POST /v1/responses`), stateless, through the local gateway and the real fdk, driven by
the official `openai` SDK (and the OpenAI Agents SDK): the same chat path, OpenAI's `response` object and events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import openai
import pydantic
import pytest

from tests.constants import COHERE_MODEL, LLAMA_MODEL, MODEL_OCID, VISION_MODEL

BOTH = pytest.mark.parametrize(("model", "api_format"), [(COHERE_MODEL, "COHERE"), (LLAMA_MODEL, "GENERIC")])
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
}
PIXEL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
"""A 1x1 PNG."""


@pytest.fixture
def client(gateway, upstream) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{gateway.url}/genai/v1", api_key="unused-behind-the-gateway", max_retries=0) as sdk:
        yield sdk


def _sent(upstream) -> dict:
    return upstream.requests[-1].json["chatRequest"]


@BOTH
def test_a_string_input(client, upstream, model, api_format):
    response = client.responses.create(model=model, input="What is the capital of France?", max_output_tokens=100)

    assert response.object == "response" and response.status == "completed" and response.model == model
    assert response.id.startswith("resp_") and response.created_at > 0
    assert response.output_text == "Emulated reply to: What is the capital of France?"
    assert [item.type for item in response.output] == ["message"]
    assert response.output[0].role == "assistant" and response.output[0].content[0].type == "output_text"
    usage = response.usage
    assert usage.input_tokens > 0 and usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert usage.output_tokens_details.reasoning_tokens == 0
    assert response.store is False and response.previous_response_id is None
    sent = _sent(upstream)
    assert sent["apiFormat"] == api_format and sent["maxTokens"] == 100


def test_items_and_instructions_map_to_cohere_fields(client, upstream):
    client.responses.create(
        model=COHERE_MODEL,
        instructions="Be brief.",
        input=[
            {"role": "user", "content": "Capital of France?"},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Paris."}]},
            {
                "role": "user",
                "content": [{"type": "input_text", "text": "And "}, {"type": "input_text", "text": "Germany?"}],
            },
        ],
        temperature=0.3,
    )

    sent = _sent(upstream)
    assert sent["message"] == "And Germany?" and sent["preambleOverride"] == "Be brief."
    assert sent["chatHistory"] == [
        {"role": "USER", "message": "Capital of France?"},
        {"role": "CHATBOT", "message": "Paris."},
    ]
    assert sent["temperature"] == 0.3


def test_items_and_instructions_map_to_generic_messages(client, upstream):
    response = client.responses.create(
        model=LLAMA_MODEL,
        instructions="Be brief.",
        input=[
            {"role": "developer", "content": "Answer in English."},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris."},
            {"role": "user", "content": "And Germany?"},
        ],
        top_p=0.5,
        metadata={"team": "a"},
        user="someone",
        store=False,
    )

    sent = _sent(upstream)
    assert [m["role"] for m in sent["messages"]] == ["SYSTEM", "SYSTEM", "USER", "ASSISTANT", "USER"]
    assert sent["messages"][0]["content"] == [{"type": "TEXT", "text": "Be brief."}]
    assert sent["topP"] == 0.5
    assert response.instructions == "Be brief." and response.metadata == {"team": "a"} and response.user == "someone"


class City(pydantic.BaseModel):
    city: str


@BOTH
def test_json_schema_with_responses_parse(client, upstream, model, api_format):
    """The emulator answers JSON when asked for JSON and the prompt is JSON, so the SDK's parse has JSON to parse."""
    response = client.responses.parse(model=model, input='{"city": "Paris"}', text_format=City)

    assert response.output_parsed == City(city="Paris")
    schema = City.model_json_schema() | {"additionalProperties": False}
    sent = _sent(upstream)["responseFormat"]
    if api_format == "COHERE":
        assert sent["type"] == "JSON_OBJECT" and sent["schema"]["properties"] == schema["properties"]
    else:
        assert sent["jsonSchema"]["name"] == "City" and sent["jsonSchema"]["isStrict"] is True


def test_json_object(client, upstream):
    client.responses.create(model=LLAMA_MODEL, input="JSON please", text={"format": {"type": "json_object"}})
    assert _sent(upstream)["responseFormat"] == {"type": "JSON_OBJECT"}


def _tool_round_trip(client, upstream, model):
    first = client.responses.create(
        model=model, input="What is the weather in Paris?", tools=[WEATHER_TOOL], tool_choice="auto"
    )
    calls = [item for item in first.output if item.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather"
    assert json.loads(calls[0].arguments) == {"location": "Paris"}
    assert first.status == "completed" and first.tools[0].name == "get_weather"

    final = client.responses.create(
        model=model,
        tools=[WEATHER_TOOL],
        input=[
            {"role": "user", "content": "What is the weather in Paris?"},
            calls[0].model_dump(exclude_none=True),
            {"type": "function_call_output", "call_id": calls[0].call_id, "output": "18 degrees and sunny"},
            {"role": "user", "content": "Thanks, summarise it."},
        ],
    )
    assert final.output_text == "Emulated reply to: Thanks, summarise it."
    return calls[0]


def test_tool_round_trip_on_llama(client, upstream):
    call = _tool_round_trip(client, upstream, LLAMA_MODEL)

    messages = _sent(upstream)["messages"]
    assert messages[1]["role"] == "ASSISTANT" and messages[1]["toolCalls"][0]["id"] == call.call_id
    assert messages[2] == {
        "role": "TOOL",
        "toolCallId": call.call_id,
        "content": [{"type": "TEXT", "text": "18 degrees and sunny"}],
    }


def test_tool_round_trip_on_cohere(cohere_v2_url, upstream):
    """Cohere calls tools through COHEREV2 (V1 cannot): the same round trip, sent as Cohere V2 messages."""
    with openai.OpenAI(base_url=cohere_v2_url, api_key="unused", max_retries=0) as client:
        call = _tool_round_trip(client, upstream, MODEL_OCID)

    sent = _sent(upstream)
    assert sent["apiFormat"] == "COHEREV2"
    assert sent["messages"][1]["role"] == "ASSISTANT" and sent["messages"][1]["toolCalls"][0]["id"] == call.call_id
    assert sent["messages"][2]["role"] == "TOOL" and sent["messages"][2]["toolCallId"] == call.call_id


@BOTH
def test_stream_events_to_the_final_event(client, upstream, model, api_format):
    with client.responses.stream(model=model, input="Hello there") as stream:
        events = list(stream)
        final = stream.get_final_response()

    types = [event.type for event in events]
    assert types == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert final.output_text == "Emulated reply to: Hello there" and final.status == "completed"
    assert _sent(upstream)["isStream"] is False


def test_stream_with_create_and_a_tool_call(client, upstream):
    events = list(
        client.responses.create(model=LLAMA_MODEL, input="Weather in Paris?", tools=[WEATHER_TOOL], stream=True)
    )

    types = [event.type for event in events]
    assert "response.function_call_arguments.delta" in types and types[-1] == "response.completed"
    done = next(event for event in events if event.type == "response.function_call_arguments.done")
    assert json.loads(done.arguments) == {"location": "Paris"}
    assert events[-1].response.output[0].type == "function_call"


def test_a_stream_carries_the_echoed_request_fields_once_in_the_final_event(client, gateway, upstream):
    """instructions, tools, text and metadata in the final event only: the snapshots before it leave them out
    (tools: [] as the SDK's Response model requires the field), so a large request is not streamed three times."""
    instructions = "Answer briefly. " * 2000
    metadata = {"team": "search"}
    with client.responses.stream(
        model=LLAMA_MODEL, input="Hello", instructions=instructions, tools=[WEATHER_TOOL], metadata=metadata
    ) as stream:
        events = list(stream)
        final = stream.get_final_response()

    snapshots = [event.response for event in events if event.type in ("response.created", "response.in_progress")]
    assert len(snapshots) == 2
    for snapshot in snapshots:
        assert snapshot.instructions is None and snapshot.tools == [] and snapshot.metadata is None
        assert snapshot.text is None and snapshot.status == "in_progress"
    assert final.instructions == instructions and final.metadata == metadata
    assert [tool.name for tool in final.tools] == ["get_weather"]
    raw = _post_raw(gateway, {"model": LLAMA_MODEL, "input": "Hello", "instructions": instructions, "stream": True})
    assert raw.count(b"Answer briefly.") == 2000, "the instructions were streamed once"


def _post_raw(gateway, body: dict) -> bytes:
    import urllib.request

    data = json.dumps(body).encode()
    request = urllib.request.Request(
        f"{gateway.url}/genai/v1/responses", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        return bytes(response.read())


def test_echoed_fields_too_large_for_the_reply_are_a_413_before_the_model(gateway, upstream):
    """instructions and tools the response would repeat past the 6 MiB response limit: refused, nothing sent."""
    import urllib.error
    import urllib.request

    from genai_fn.http import MAX_RESPONSE_BYTES

    tool = {**WEATHER_TOOL, "description": "d" * (MAX_RESPONSE_BYTES // 2)}
    body = {
        "model": LLAMA_MODEL,
        "input": "hi",
        "instructions": "a" * (MAX_RESPONSE_BYTES // 2 - 50_000),
        "tools": [tool],
    }
    request = urllib.request.Request(
        f"{gateway.url}/genai/v1/responses",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request)
    error = json.loads(raised.value.read())["error"]
    raised.value.close()
    assert raised.value.code == 413 and error["code"] == "payload_too_large"
    assert "response limit" in error["message"]
    assert len(upstream.requests) == 0


@pytest.mark.parametrize(
    "metadata", [{f"k{i}": "v" for i in range(17)}, {"k" * 65: "v"}, {"k": "v" * 513}], ids=["pairs", "key", "value"]
)
def test_metadata_is_held_to_openais_limits(client, upstream, metadata):
    with pytest.raises(openai.BadRequestError) as raised:
        client.responses.create(model=LLAMA_MODEL, input="hi", metadata=metadata)
    assert raised.value.body["param"] == "metadata" and len(upstream.requests) == 0


@BOTH
def test_the_token_limit_makes_an_incomplete_response(client, upstream, model, api_format):
    response = client.responses.create(model=model, input="one two three four five six", max_output_tokens=2)

    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    assert response.output_text == "Emulated reply"


@BOTH
@pytest.mark.parametrize(
    "state",
    [
        {"previous_response_id": "resp_123"},
        {"store": True},
        {"background": True},
        {"extra_body": {"conversation": "conv_123"}},
    ],
)
def test_fields_that_need_state_are_refused(client, upstream, model, api_format, state):
    before = len(upstream.requests)
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model=model, input="Hi", **state)

    field = next(iter(state.get("extra_body", state)))
    error = caught.value.body
    assert caught.value.status_code == 400 and error["param"] == field and error["type"] == "invalid_request_error"
    assert "state" in error["message"] and "`input`" in error["message"]
    assert len(upstream.requests) == before


@BOTH
@pytest.mark.parametrize(
    ("call", "param", "words"),
    [
        ({"tools": [{"type": "web_search"}]}, "tools[0].type", "web_search"),
        ({"tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}]}, "tools[0].type", "file_search"),
        ({"reasoning": {"effort": "extreme"}}, "reasoning.effort", "reasoning.effort must be one of"),
        ({"reasoning": {"summary": "verbose"}}, "reasoning.summary", "auto"),
        (
            {
                "input": [
                    {"role": "user", "content": [{"type": "input_file", "file_data": "data:text/plain;base64,aGk="}]}
                ]
            },
            "input[0].content[0]",
            "input_file",
        ),
        ({"input": [{"type": "web_search_call", "id": "ws_1"}]}, "input[0]", "web_search_call"),
        ({"text": {"format": {"type": "yaml"}}}, "text.format", "json_schema"),
        ({"model": "not.a.model"}, "model", "not allowed"),
        ({"temperature": 5}, "temperature", "between"),
        ({"extra_body": {"prompt": {"id": "pmpt_1"}}}, "prompt", "Unrecognized"),
    ],
)
def test_refused_fields_and_errors(client, upstream, model, api_format, call, param, words):
    before = len(upstream.requests)
    call = {"model": model, "input": "Hi", **call}
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(**call)

    assert caught.value.body["param"] == param and words in caught.value.body["message"]
    assert len(upstream.requests) == before


@pytest.fixture
def vision_client(vision_url, upstream) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=vision_url, api_key="unused", max_retries=0) as sdk:
        yield sdk


@pytest.fixture
def v2_client(cohere_v2_url, upstream) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=cohere_v2_url, api_key="unused", max_retries=0) as sdk:
        yield sdk


def _image_question(url: str, detail: str = "auto") -> list[dict]:
    image = {"type": "input_image", "image_url": url, "detail": detail}
    return [{"role": "user", "content": [{"type": "input_text", "text": "What is in this image?"}, image]}]


@pytest.mark.parametrize(("url", "detail"), [(PIXEL, "low"), ("https://example.com/cat.png", "auto")])
def test_an_image_question_on_llama_4(vision_client, upstream, url, detail):
    response = vision_client.responses.create(model=VISION_MODEL, input=_image_question(url, detail))

    assert response.output_text == "Emulated reply to: What is in this image?"
    content = _sent(upstream)["messages"][0]["content"]
    assert content == [
        {"type": "TEXT", "text": "What is in this image?"},
        {"type": "IMAGE", "imageUrl": {"url": url, "detail": detail.upper()}},
    ]


def test_an_image_question_on_cohere_v2(v2_client, upstream):
    response = v2_client.responses.create(model=MODEL_OCID, input=_image_question(PIXEL, "high"))

    assert response.output_text == "Emulated reply to: What is in this image?"
    sent = _sent(upstream)
    assert sent["apiFormat"] == "COHEREV2"
    assert sent["messages"][0]["content"][1] == {"type": "IMAGE_URL", "imageUrl": {"url": PIXEL, "detail": "HIGH"}}


@pytest.mark.parametrize(
    ("model", "param", "words"),
    [
        (LLAMA_MODEL, "input", f"model {LLAMA_MODEL} takes text only"),
        (COHERE_MODEL, "input[0].content[1]", "images are not supported for COHERE models"),
    ],
)
def test_an_image_for_a_text_only_model_is_a_400(client, upstream, model, param, words):
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model=model, input=_image_question(PIXEL))

    assert caught.value.body["param"] == param and words in caught.value.body["message"]
    assert len(upstream.requests) == 0


@pytest.mark.parametrize(
    ("part", "param"),
    [
        ({"type": "input_image", "image_url": "http://example.com/cat.png", "detail": "auto"}, ".image_url.url"),
        ({"type": "input_image", "image_url": "data:image/png;base64,@@@", "detail": "auto"}, ".image_url.url"),
        ({"type": "input_image", "file_id": "file_1", "detail": "auto"}, ".file_id"),
        ({"type": "input_image", "image_url": PIXEL, "detail": "huge"}, ".image_url"),
    ],
)
def test_bad_images_are_refused(vision_client, upstream, part, param):
    with pytest.raises(openai.BadRequestError) as caught:
        vision_client.responses.create(model=VISION_MODEL, input=[{"role": "user", "content": [part]}])

    assert caught.value.body["param"] == "input[0].content[0]" + param
    assert len(upstream.requests) == 0


def test_an_image_in_an_assistant_item_is_refused(vision_client, upstream):
    image = {"type": "input_image", "image_url": PIXEL, "detail": "auto"}
    with pytest.raises(openai.BadRequestError, match="only supported in user messages"):
        vision_client.responses.create(
            model=VISION_MODEL,
            input=[{"role": "user", "content": "Hi"}, {"type": "message", "role": "assistant", "content": [image]}],
        )


def test_reasoning_on_llama_4(vision_client, upstream):
    response = vision_client.responses.create(
        model=VISION_MODEL,
        input="Why is the sky blue?",
        reasoning={"effort": "low", "summary": "auto"},
        max_output_tokens=300,
    )

    sent = _sent(upstream)
    assert (sent["reasoningEffort"], sent["maxCompletionTokens"]) == ("LOW", 300) and "maxTokens" not in sent
    assert [item.type for item in response.output] == ["reasoning", "message"]
    thought = response.output[0]
    assert [part.text for part in thought.content] == ["Thinking about: Why is the sky blue?"] and thought.summary == []
    assert response.output_text == "Emulated reply to: Why is the sky blue?"
    assert response.usage.output_tokens_details.reasoning_tokens == 7  # words of the thought
    assert response.reasoning.effort == "low"


def test_reasoning_on_cohere_v2_turns_thinking_on(v2_client, upstream):
    response = v2_client.responses.create(model=MODEL_OCID, input="Why?", reasoning={"effort": "high"})

    assert _sent(upstream)["thinking"] == {"type": "ENABLED"}
    assert [item.type for item in response.output] == ["reasoning", "message"]
    assert response.output[0].content[0].text == "Thinking about: Why?"


def test_reasoning_on_cohere_v1_is_a_400(client, upstream):
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model=COHERE_MODEL, input="Why?", reasoning={"effort": "low"})

    assert caught.value.body["param"] == "reasoning.effort"
    assert caught.value.body["message"] == "reasoning.effort is not supported for COHERE models"
    assert len(upstream.requests) == 0


def test_reasoning_summary_alone_is_accepted_and_sends_nothing(client, upstream):
    response = client.responses.create(model=COHERE_MODEL, input="Why?", reasoning={"summary": "concise"})

    assert response.status == "completed" and [item.type for item in response.output] == ["message"]
    assert "thinking" not in _sent(upstream) and "reasoningEffort" not in _sent(upstream)


def test_reasoning_is_streamed_as_an_output_item(vision_client, upstream):
    with vision_client.responses.stream(model=VISION_MODEL, input="Why?", reasoning={"effort": "medium"}) as stream:
        events = list(stream)
        final = stream.get_final_response()

    assert [event.sequence_number for event in events] == list(range(len(events)))
    items = [(event.type, event.output_index, event.item.type) for event in events if "output_item" in event.type]
    assert items == [
        ("response.output_item.added", 0, "reasoning"),
        ("response.output_item.done", 0, "reasoning"),
        ("response.output_item.added", 1, "message"),
        ("response.output_item.done", 1, "message"),
    ]
    done = next(event for event in events if event.type == "response.output_item.done")
    assert done.item.content[0].text == "Thinking about: Why?"
    deltas = [event for event in events if event.type == "response.output_text.delta"]
    assert [(event.output_index, event.delta) for event in deltas] == [(1, "Emulated reply to: Why?")]
    assert [item.type for item in final.output] == ["reasoning", "message"]
    assert final.usage.output_tokens_details.reasoning_tokens == 3


def test_upstream_errors_come_back_in_openai_shape(client, upstream):
    upstream.fail_next(status=400, code="InvalidParameter")
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model=LLAMA_MODEL, input="Hi")
    assert caught.value.body["code"] == "upstream_bad_request" and caught.value.body["status"] == 400


def test_a_stored_response_is_not_found(client):
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.retrieve("resp_123")

    assert caught.value.body["code"] == "not_found" and "stateless" in caught.value.body["message"]


def test_models_list_is_unchanged(client):
    assert [m.id for m in client.models.list().data][:2] == [COHERE_MODEL, LLAMA_MODEL]


def _agent_run(client_url: str, model: str) -> str:
    """The OpenAI Agents SDK (test-only, pinned in requirements-dev.txt) through its Responses model."""
    agents = pytest.importorskip("agents")
    agents.set_tracing_disabled(True)
    seen: list[str] = []

    @agents.function_tool
    def get_weather(location: str) -> str:
        """Weather for a city."""
        seen.append(location)
        return f"18 degrees and sunny in {location}"

    async def run() -> str:
        async with openai.AsyncOpenAI(base_url=client_url, api_key="unused", max_retries=0) as responses_client:
            agent = agents.Agent(
                name="weather",
                instructions="Answer weather questions.",
                tools=[get_weather],
                model=agents.OpenAIResponsesModel(model=model, openai_client=responses_client),
            )
            result = await agents.Runner.run(agent, "What is the weather in Paris?")
            return str(result.final_output)

    output = asyncio.run(run())
    assert seen == ["Paris"]
    return output


def test_agents_sdk_with_a_function_tool_on_llama(gateway, upstream):
    output = _agent_run(f"{gateway.url}/genai/v1", LLAMA_MODEL)

    assert output == "Emulated reply to: What is the weather in Paris?"
    assert _sent(upstream)["messages"][-1]["role"] == "TOOL"


def test_agents_sdk_with_a_function_tool_on_cohere(cohere_v2_url, upstream):
    output = _agent_run(cohere_v2_url, MODEL_OCID)

    assert output == "Emulated reply to: What is the weather in Paris?"
    assert _sent(upstream)["apiFormat"] == "COHEREV2" and _sent(upstream)["messages"][-1]["role"] == "TOOL"


def test_the_request_log_line_names_the_route(fn, upstream):
    fn.invoke({"model": LLAMA_MODEL, "input": "Hi"}, gateway=True, url="/genai/v1/responses", call_id="resp-log-1")
    fn.invoke(b"", gateway=True, method="GET", url="/genai/v1/responses/resp_1", call_id="resp-log-2")

    created, lookup = fn.request_logs()
    assert (created["route"], created["status"], created["model"]) == ("responses", 200, LLAMA_MODEL)
    assert created["total_tokens"] > 0
    assert (lookup["route"], lookup["status"], lookup["code"]) == ("responses.get", 404, "not_found")
