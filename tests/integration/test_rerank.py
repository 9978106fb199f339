"""POST /v1/rerank through the local gateway and real fdk: the Cohere/Jina shape in, RerankText to the service,
results ordered by relevance back. Driven with the openai client's low-level `post` (no light rerank client)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from localfn.config import RERANK_ENDPOINT, rerank_config
from localfn.gateway import LocalGateway
from tests.conftest import function_config
from tests.constants import COHERE_MODEL, COMPARTMENT, EMBED_MODEL, RERANK_MODEL

DOCUMENTS = ["Berlin is the capital of Germany.", "Paris is the capital of France.", "Bananas are yellow."]


@pytest.fixture(scope="module")
def rerank_gateway(module_functions, emulator) -> LocalGateway:
    return module_functions.gateway(function_config(emulator, **rerank_config()))


@pytest.fixture
def client(rerank_gateway, emulator) -> Iterator[openai.OpenAI]:
    emulator.reset()
    yield openai.OpenAI(base_url=f"{rerank_gateway.url}/genai/v1", api_key="unused", max_retries=0)
    emulator.reset()


def rerank(client: openai.OpenAI, **body: Any) -> httpx.Response:
    return client.post("/rerank", body=body, cast_to=httpx.Response)


def test_rerank_orders_by_relevance_and_maps_to_rerank_text(client, emulator):
    reply = rerank(client, model=RERANK_MODEL, query="What is the capital of France?", documents=DOCUMENTS)
    body = reply.json()

    assert [r["index"] for r in body["results"]] == [1, 0, 2]
    scores = [r["relevance_score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[1] > scores[2]
    assert all("document" not in r for r in body["results"])
    assert body["model"] == RERANK_MODEL and body["usage"] == {"documents": 3}
    sent = emulator.requests[-1]
    assert sent.path.endswith("/actions/rerankText")
    assert sent.json["input"] == "What is the capital of France?" and sent.json["documents"] == DOCUMENTS
    # Rerank 3.5 is dedicated-only (its model page): the call goes to RERANK_ENDPOINT_ID.
    assert sent.json["servingMode"] == {"servingType": "DEDICATED", "endpointId": RERANK_ENDPOINT}
    assert sent.json["compartmentId"] == COMPARTMENT
    assert reply.headers["x-request-id"] and reply.headers["opc-request-id"]


def test_top_n_and_return_documents_with_text_objects(client, emulator):
    documents = [{"text": text} for text in DOCUMENTS]
    body = rerank(client, query="capital of Germany", documents=documents, top_n=2, return_documents=True).json()

    assert [(r["index"], r["document"]) for r in body["results"]] == [(0, documents[0]), (1, documents[1])]
    assert emulator.requests[-1].json["topN"] == 2


def test_top_n_larger_than_the_documents_is_capped(client, emulator):
    body = rerank(client, query="capital", documents=DOCUMENTS[:2], top_n=10).json()

    assert len(body["results"]) == 2 and emulator.requests[-1].json["topN"] == 2


def test_rerank_is_listed_and_retrievable(client):
    assert RERANK_MODEL in [m.id for m in client.models.list().data]
    assert client.models.retrieve(RERANK_MODEL).id == RERANK_MODEL


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"query": "q", "documents": []}, "documents"),
        ({"query": "q", "documents": "one"}, "documents"),
        ({"query": "q", "documents": [{"text": "a", "title": "b"}]}, "documents[0]"),
        ({"query": "q", "documents": [""]}, "documents[0]"),
        ({"query": "", "documents": ["a"]}, "query"),
        ({"query": "q", "documents": ["a"], "top_n": 0}, "top_n"),
        ({"query": "q", "documents": ["a"], "return_documents": "yes"}, "return_documents"),
        ({"query": "q", "documents": ["a"], "model": COHERE_MODEL}, "model"),
        ({"query": "q", "documents": ["a"], "rank_by": "x"}, "rank_by"),
    ],
)
def test_invalid_requests_are_openai_400s_before_any_upstream_call(client, emulator, body, param):
    with pytest.raises(openai.APIStatusError) as raised:
        rerank(client, **body)

    assert raised.value.status_code == 400 and raised.value.body["param"] == param
    assert len(emulator.requests) == 0


def test_service_error_passes_through_with_its_request_id(client, emulator):
    emulator.fail_next(status=400, code="InvalidParameter", message="too many documents")
    with pytest.raises(openai.BadRequestError) as raised:
        rerank(client, query="q", documents=["a"])

    assert raised.value.response.headers["opc-request-id"]


def test_rerank_is_404_when_not_configured(gateway, upstream):
    client = openai.OpenAI(base_url=f"{gateway.url}/genai/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.NotFoundError) as raised:
        rerank(client, query="q", documents=["a"], model=EMBED_MODEL)

    assert "RERANK_MODELS" in raised.value.body["message"]
    assert len(upstream.requests) == 0
