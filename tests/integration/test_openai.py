"""The OpenAI-compatible surface, driven by the official `openai` client through the local gateway and real fdk."""

from __future__ import annotations

import json
import urllib.request

import openai
import pytest

from tests.constants import COHERE_MODEL, EMBED_MODEL, LLAMA_MODEL


@pytest.fixture
def client(gateway, upstream) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/genai/v1", api_key="unused-behind-the-gateway", max_retries=0)


@pytest.mark.parametrize(("model", "api_format"), [(COHERE_MODEL, "COHEREV2"), (LLAMA_MODEL, "GENERIC")])
def test_chat_completion(client, upstream, model, api_format):
    completion = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "What is the capital of France?"}], max_tokens=100
    )

    assert completion.object == "chat.completion"
    assert completion.model == model
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content == "Emulated reply to: What is the capital of France?"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    assert upstream.requests[-1].json["chatRequest"]["apiFormat"] == api_format
    assert upstream.requests[-1].json["chatRequest"]["maxTokens"] == 100


def test_default_model_when_none_is_named(gateway, upstream):
    body = {"messages": [{"role": "user", "content": "Hi"}]}
    request = urllib.request.Request(
        f"{gateway.url}/genai/v1/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        assert json.loads(response.read())["model"] == COHERE_MODEL


def test_multi_turn_with_system_message_maps_to_cohere_v1_fields(v1_gateway, upstream):
    """Command A kept on Cohere V1 by configuration: the current turn, the preamble and the history."""
    client = openai.OpenAI(base_url=f"{v1_gateway.url}/genai/v1", api_key="unused", max_retries=0)
    client.chat.completions.create(
        model=COHERE_MODEL,
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris."},
            {"role": "user", "content": [{"type": "text", "text": "And Germany?"}]},
        ],
        temperature=0.3,
        stop=["END"],
        seed=3,
    )

    sent = upstream.requests[-1].json["chatRequest"]
    assert sent["message"] == "And Germany?"
    assert sent["preambleOverride"] == "Be brief."
    assert sent["chatHistory"] == [
        {"role": "USER", "message": "Capital of France?"},
        {"role": "CHATBOT", "message": "Paris."},
    ]
    assert (sent["temperature"], sent["stopSequences"], sent["seed"]) == (0.3, ["END"], 3)


def test_multi_turn_with_system_message_maps_to_generic_messages(client, upstream):
    client.chat.completions.create(
        model=LLAMA_MODEL,
        messages=[
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris."},
            {"role": "user", "content": "And Germany?"},
        ],
        max_completion_tokens=42,
    )

    sent = upstream.requests[-1].json["chatRequest"]
    assert [(m["role"], m["content"][0]["text"]) for m in sent["messages"]] == [
        ("SYSTEM", "Be brief."),
        ("USER", "Capital of France?"),
        ("ASSISTANT", "Paris."),
        ("USER", "And Germany?"),
    ]
    assert sent["maxTokens"] == 42


@pytest.mark.parametrize("model", [COHERE_MODEL, LLAMA_MODEL])
def test_stream_is_a_complete_event_stream(client, upstream, model):
    stream = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Hello"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Emulated reply to: Hello"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)
    assert upstream.requests[-1].json["chatRequest"]["isStream"] is False


def test_tool_calls_for_the_generic_family(client, upstream):
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
            },
        }
    ]
    completion = client.chat.completions.create(
        model=LLAMA_MODEL,
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        tools=tools,
        tool_choice="auto",
    )

    call = completion.choices[0].message.tool_calls[0]
    assert completion.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"location": "Paris"}
    sent = upstream.requests[-1].json["chatRequest"]
    assert sent["tools"][0]["name"] == "get_weather" and sent["toolChoice"] == {"type": "AUTO"}

    client.chat.completions.create(
        model=LLAMA_MODEL,
        tools=tools,
        messages=[
            {"role": "user", "content": "What is the weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": "18 degrees and sunny"},
        ],
    )
    messages = upstream.requests[-1].json["chatRequest"]["messages"]
    assert messages[1]["toolCalls"][0]["id"] == call.id
    assert messages[2] == {
        "role": "TOOL",
        "toolCallId": call.id,
        "content": [{"type": "TEXT", "text": "18 degrees and sunny"}],
    }


def test_json_mode(client, upstream):
    client.chat.completions.create(
        model=LLAMA_MODEL,
        messages=[{"role": "user", "content": "JSON please"}],
        response_format={"type": "json_object"},
    )
    assert upstream.requests[-1].json["chatRequest"]["responseFormat"] == {"type": "JSON_OBJECT"}


@pytest.mark.parametrize("model", [COHERE_MODEL, LLAMA_MODEL])
def test_structured_output_with_a_json_schema(client, upstream, model):
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Capital of France as JSON"}],
        response_format={"type": "json_schema", "json_schema": {"name": "city", "schema": schema, "strict": True}},
    )
    sent = upstream.requests[-1].json["chatRequest"]["responseFormat"]
    assert sent["schema" if model == COHERE_MODEL else "jsonSchema"] == (
        schema if model == COHERE_MODEL else {"name": "city", "schema": schema, "isStrict": True}
    )


def test_models_list(client):
    models = client.models.list()

    assert [m.id for m in models.data] == [COHERE_MODEL, LLAMA_MODEL, EMBED_MODEL]
    assert {m.owned_by for m in models.data} == {"cohere", "meta"}


@pytest.mark.parametrize("inputs", ["one text", ["first text", "second text", "third"]])
def test_embeddings(client, upstream, inputs):
    result = client.embeddings.create(model=EMBED_MODEL, input=inputs)  # the SDK asks for base64 by default

    count = 1 if isinstance(inputs, str) else len(inputs)
    assert [d.index for d in result.data] == list(range(count))
    assert all(len(d.embedding) == 1536 for d in result.data)  # Embed 4's size
    sent = upstream.requests[-1].json
    assert sent["inputs"] == ([inputs] if isinstance(inputs, str) else inputs)
    assert result.usage.prompt_tokens > 0 and result.model == EMBED_MODEL

    floats = client.embeddings.create(model=EMBED_MODEL, input=inputs, encoding_format="float")
    for as_float, as_base64 in zip(floats.data, result.data, strict=True):
        assert as_float.embedding == pytest.approx(as_base64.embedding, rel=1e-6)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.chat.completions.create(model=COHERE_MODEL, messages=[]), openai.BadRequestError),
        (
            lambda c: c.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}]),
            openai.BadRequestError,
        ),
        (
            lambda c: c.chat.completions.create(model=COHERE_MODEL, n=2, messages=[{"role": "user", "content": "x"}]),
            openai.BadRequestError,
        ),
        (lambda c: c.embeddings.create(model="cohere.embed-unknown", input="x"), openai.BadRequestError),
    ],
)
def test_bad_requests_raise_the_sdk_exception(client, upstream, call, error):
    with pytest.raises(error) as raised:
        call(client)

    assert raised.value.status_code == 400
    assert raised.value.body["type"] == "invalid_request_error"
    assert len(upstream.requests) == 0


def test_disallowed_model_names_the_parameter(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    assert (raised.value.code, raised.value.param) == ("model_not_allowed", "model")


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (429, "TooManyRequests", openai.RateLimitError),
        (400, "InvalidParameter", openai.BadRequestError),
        (404, "NotAuthorizedOrNotFound", openai.InternalServerError),
        (503, "ServiceUnavailable", openai.InternalServerError),
    ],
)
def test_upstream_errors_raise_the_sdk_exception(client, upstream, status, code, error):
    upstream.fail_next(status=status, code=code, times=3, headers={"retry-after": "1"})
    with pytest.raises(error) as raised:
        client.chat.completions.create(model=LLAMA_MODEL, messages=[{"role": "user", "content": "x"}])
    assert raised.value.code in ("rate_limited", "upstream_bad_request", "upstream_auth_failed", "upstream_error")
    if status == 429:
        assert raised.value.response.headers["retry-after"] == "1"


def test_unknown_route_is_openai_404(client):
    with pytest.raises(openai.NotFoundError):
        client.completions.create(model=COHERE_MODEL, prompt="legacy completions are not served")


def test_plain_invoke_with_messages_is_a_chat_completion(fn, upstream):
    reply = fn.invoke({"model": LLAMA_MODEL, "messages": [{"role": "user", "content": "Hi"}]})
    body = json.loads(reply.body)
    assert body["object"] == "chat.completion" and body["choices"][0]["message"]["content"] == "Emulated reply to: Hi"

    bad = json.loads(fn.invoke({"messages": []}).body)
    assert bad["error"]["type"] == "invalid_request_error" and bad["error"]["status"] == 400
