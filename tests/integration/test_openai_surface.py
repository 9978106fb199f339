"""The OpenAI surface around chat, through the local gateway and real fdk with the official `openai` client (and
LangChain's OpenAIEmbeddings): request ids on every reply, `GET /v1/models/{id}`, the embeddings options."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import openai
import pytest

from localfn.gateway import LocalGateway
from tests.conftest import function_config
from tests.constants import COHERE_MODEL, EMBED_MODEL, LLAMA_MODEL


@pytest.fixture
def client(gateway, upstream) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/genai/v1", api_key="unused-behind-the-gateway", max_retries=0)


@pytest.mark.parametrize("model", [COHERE_MODEL, LLAMA_MODEL])
def test_chat_reply_carries_the_call_id_and_the_service_request_id(client, upstream, model):
    raw = client.chat.completions.with_raw_response.create(model=model, messages=[{"role": "user", "content": "Hi"}])
    completion = raw.parse()

    assert completion._request_id == raw.headers["x-request-id"]
    assert completion._request_id and completion.id == f"chatcmpl-{completion._request_id}"
    assert raw.headers["opc-request-id"]


def test_embeddings_reply_carries_request_ids(client, upstream):
    raw = client.embeddings.with_raw_response.create(model=EMBED_MODEL, input="hello")

    assert raw.parse()._request_id == raw.headers["x-request-id"] != ""
    assert raw.headers["opc-request-id"]


def test_service_error_carries_both_ids(client, upstream):
    upstream.fail_next(status=400, code="InvalidParameter", message="bad")
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model=LLAMA_MODEL, messages=[{"role": "user", "content": "Hi"}])

    assert raised.value.request_id
    assert raised.value.response.headers["opc-request-id"]


def test_reply_without_a_service_call_has_only_the_call_id(client, upstream):
    raw = client.models.with_raw_response.list()

    assert raw.parse()._request_id == raw.headers["x-request-id"] != ""
    assert "opc-request-id" not in raw.headers
    assert len(upstream.requests) == 0


@pytest.mark.parametrize("model", [COHERE_MODEL, LLAMA_MODEL, EMBED_MODEL])
def test_retrieve_a_configured_model(client, upstream, model):
    retrieved = client.models.retrieve(model)

    assert (retrieved.id, retrieved.object, retrieved.owned_by) == (model, "model", model.split(".")[0])
    assert retrieved in client.models.list().data
    assert len(upstream.requests) == 0


def test_retrieve_an_unknown_model_is_openai_404(client, upstream):
    with pytest.raises(openai.NotFoundError) as raised:
        client.models.retrieve("meta.not-configured")

    error = raised.value.body
    assert error["code"] == "not_found" and error["param"] == "model"
    assert "meta.not-configured" in error["message"]


def test_retrieve_echoes_a_long_unknown_id_cut(gateway, upstream):
    url = f"{gateway.url}/genai/v1/models/{'m' * 5000}"
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(url)
    body = json.loads(raised.value.read())
    raised.value.close()
    assert raised.value.code == 404
    assert "m" * 64 + "..." in body["error"]["message"] and "m" * 65 not in body["error"]["message"]


def test_retrieve_with_a_percent_encoded_id(gateway, upstream):
    url = f"{gateway.url}/genai/v1/models/{COHERE_MODEL.replace('.', '%2E')}"
    with urllib.request.urlopen(url) as response:
        assert b'"id":"' + COHERE_MODEL.encode() + b'"' in response.read()


def test_models_by_id_is_get_only(gateway, upstream):
    request = urllib.request.Request(f"{gateway.url}/genai/v1/models/{COHERE_MODEL}", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request)
    raised.value.close()

    assert raised.value.code == 405


EMBED_V4 = EMBED_MODEL
EMBED_OCID = "ocid1.generativeaimodel.oc1.us-chicago-1.embedexample"
"""An embedding model by OCID (a custom or imported model): the function cannot know it takes `dimensions`."""
EMBED_3 = "cohere.embed-english-v3.0"
"""Retired on 2026-10-21 (docs.oracle.com/iaas/releasenotes/generative-ai/cohere-embed-v3-retired.htm)."""


@pytest.fixture(scope="module")
def embed_gateway(module_functions, emulator) -> LocalGateway:
    """A function serving Embed 4 (which takes `dimensions`) next to a model OCID (which may not) and a retired
    Embed 3 model still in its configuration."""
    return module_functions.gateway(function_config(emulator, EMBEDDING_MODELS=f"{EMBED_V4},{EMBED_OCID},{EMBED_3}"))


@pytest.fixture
def embed_client(embed_gateway, emulator) -> Iterator[openai.OpenAI]:
    emulator.reset()
    yield openai.OpenAI(base_url=f"{embed_gateway.url}/genai/v1", api_key="unused", max_retries=0)
    emulator.reset()


def test_dimensions_input_type_and_truncate_reach_the_service(embed_client, emulator):
    reply = embed_client.embeddings.create(
        model=EMBED_V4,
        input=["a", "b"],
        dimensions=256,
        extra_body={"input_type": "search_query", "truncate": "end"},
    )

    assert [len(item.embedding) for item in reply.data] == [256, 256]
    sent = emulator.requests[-1].json
    assert (sent["outputDimensions"], sent["inputType"], sent["truncate"]) == (256, "SEARCH_QUERY", "END")


def test_defaults_send_no_input_type_and_truncate_none(embed_client, emulator):
    reply = embed_client.embeddings.create(model=EMBED_V4, input="a")

    assert len(reply.data[0].embedding) == 1536
    sent = emulator.requests[-1].json
    assert sent["truncate"] == "NONE" and "inputType" not in sent and "outputDimensions" not in sent


@pytest.mark.parametrize(
    ("model", "dimensions"),
    [(EMBED_OCID, 256), (EMBED_V4, 300)],
)
def test_dimensions_a_model_does_not_offer_is_a_400_before_any_call(embed_client, emulator, model, dimensions):
    with pytest.raises(openai.BadRequestError) as raised:
        embed_client.embeddings.create(model=model, input="a", dimensions=dimensions)

    assert raised.value.body["param"] == "dimensions" and model in raised.value.body["message"]
    assert len(emulator.requests) == 0


def test_a_retired_model_is_a_400_naming_its_replacement_before_any_call(embed_client, emulator):
    with pytest.raises(openai.BadRequestError) as raised:
        embed_client.embeddings.create(model=EMBED_3, input="a")

    body = raised.value.body
    assert body["param"] == "model" and "retired" in body["message"] and "use cohere.embed-v4.0" in body["message"]
    assert "cohere-embed-v3-retired" in body["message"]  # the source of the fact
    assert len(emulator.requests) == 0


def test_langchain_openai_embeddings(embed_client, embed_gateway, emulator):
    from langchain_openai import OpenAIEmbeddings

    embeddings = OpenAIEmbeddings(
        model=EMBED_V4,
        base_url=f"{embed_gateway.url}/genai/v1",
        api_key="unused",
        dimensions=512,
        check_embedding_ctx_length=False,  # no tiktoken: the service counts tokens itself
        max_retries=0,
    )

    documents = embeddings.embed_documents(["Paris is in France.", "Berlin is in Germany."])
    query = embeddings.embed_query("Where is Paris?")

    assert [len(vector) for vector in documents] == [512, 512] and len(query) == 512
    assert documents[0] != documents[1]
    assert all(request.json["outputDimensions"] == 512 for request in emulator.requests)
