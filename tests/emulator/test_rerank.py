"""The emulated RerankText and Embed 4 output dimensions, driven with the real oci SDK client: replies deserialize
into the SDK's RerankTextResult / DocumentRank, and what the SDK models refuse is refused."""

from __future__ import annotations

import oci
import pytest
from oci.generative_ai_inference import models

from tests.constants import RERANK_MODEL as RERANK
from tests.emulator.conftest import COMPARTMENT

ENDPOINT = "ocid1.generativeaiendpoint.oc1.local.rerank"
"""Rerank 3.5 is dedicated-only: the emulator hosts it on this endpoint (localfn.config.RERANK_ENDPOINT)."""

DOCS = ["Berlin is the capital of Germany.", "Paris is the capital of France.", "Bananas are yellow."]


def _rerank(model: str | None = None, **fields: object) -> models.RerankTextDetails:
    """On the Rerank 3.5 endpoint, or on demand for `model`."""
    values = {"input": "capital of France", "documents": DOCS, **fields}
    serving = models.OnDemandServingMode(model_id=model) if model else models.DedicatedServingMode(endpoint_id=ENDPOINT)
    return models.RerankTextDetails(compartment_id=COMPARTMENT, serving_mode=serving, **values)


def test_rerank_round_trip_orders_by_score(client) -> None:
    result = client.rerank_text(_rerank(top_n=2, is_echo=True)).data

    assert isinstance(result, models.RerankTextResult) and result.model_id == RERANK
    assert all(isinstance(rank, models.DocumentRank) for rank in result.document_ranks)
    assert [rank.index for rank in result.document_ranks] == [1, 0]
    assert result.document_ranks[0].relevance_score > result.document_ranks[1].relevance_score
    assert result.document_ranks[0].document.text == DOCS[1]


def test_rerank_without_echo_has_no_documents(client) -> None:
    ranks = client.rerank_text(_rerank()).data.document_ranks
    assert len(ranks) == 3 and all(rank.document is None for rank in ranks)


@pytest.mark.parametrize(
    ("details", "status"),
    [
        (_rerank(documents=[]), 400),
        (_rerank(top_n=0), 400),
        (_rerank("cohere.command-a-03-2025"), 400),
        (_rerank("cohere.rerank-unknown"), 404),
        (_rerank(RERANK), 404),  # Rerank 3.5 is served on dedicated AI clusters only
    ],
)
def test_rerank_refusals(client, details: models.RerankTextDetails, status: int) -> None:
    with pytest.raises(oci.exceptions.ServiceError) as raised:
        client.rerank_text(details)
    assert raised.value.status == status


def _embed(model: str, dimensions: int) -> models.EmbedTextDetails:
    return models.EmbedTextDetails(
        compartment_id=COMPARTMENT,
        serving_mode=models.OnDemandServingMode(model_id=model),
        inputs=["a"],
        output_dimensions=dimensions,
    )


def test_embed_v4_output_dimensions(client) -> None:
    assert len(client.embed_text(_embed("cohere.embed-v4.0", 256)).data.embeddings[0]) == 256


@pytest.mark.parametrize(
    ("model", "dimensions"), [("cohere.embed-v4.0", 300), ("ocid1.generativeaimodel.oc1..embed", 256)]
)
def test_output_dimensions_refused_where_the_model_has_none(client, model: str, dimensions: int) -> None:
    with pytest.raises(oci.exceptions.ServiceError) as raised:
        client.embed_text(_embed(model, dimensions))
    assert raised.value.status == 400
