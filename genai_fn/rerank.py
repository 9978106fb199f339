"""POST /v1/rerank: score documents against a query with an OCI rerank model (the SDK's `rerank_text`).

The request and reply are the shape Cohere's and Jina's rerank APIs share (contracts/rerank.py); this module maps
that request to RerankTextDetails and the service's DocumentRank list back, ordered by relevance.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from oci.generative_ai_inference import models as m

from . import guardrails
from .errors import UpstreamFailed
from .logs import current_record
from .oci_models import serving_mode
from .usecases import Configured


@dataclass(frozen=True)
class RerankRequest:
    model: str
    query: str
    documents: tuple[str, ...]
    top_n: int | None = None
    return_documents: bool = False


@dataclass(frozen=True)
class Ranked:
    index: int
    """Position of the document in the request's `documents`."""
    relevance_score: float


@dataclass(frozen=True)
class RerankReply:
    model: str
    results: tuple[Ranked, ...]
    """Most relevant first."""
    opc_request_id: str | None = None


def to_rerank_details(request: RerankRequest, configured: Configured) -> m.RerankTextDetails:
    settings = configured.settings
    return m.RerankTextDetails(
        input=request.query,
        compartment_id=settings.compartment_ocid,
        serving_mode=serving_mode(settings, request.model),
        documents=list(request.documents),
        top_n=request.top_n,
        is_echo=False,
    )


def to_rerank_reply(result: Any, rid: str | None, request: RerankRequest) -> RerankReply:
    """The service's ranks, checked (an index outside the request is a reply the function cannot read) and sorted."""
    ranks = getattr(result, "document_ranks", None)
    unreadable = UpstreamFailed("the service returned a rerank reply the function cannot read", opc_request_id=rid)
    if not isinstance(ranks, list):
        raise unreadable
    results = []
    for rank in ranks:
        index, score = getattr(rank, "index", None), getattr(rank, "relevance_score", None)
        if type(index) is not int or not 0 <= index < len(request.documents) or not isinstance(score, int | float):
            raise unreadable
        results.append(Ranked(index, float(score)))
    results.sort(key=lambda r: (-r.relevance_score, r.index))
    if request.top_n is not None:
        results = results[: request.top_n]
    return RerankReply(getattr(result, "model_id", None) or request.model, tuple(results), rid)


def rerank(configured: Configured, request: RerankRequest, deadline: float) -> RerankReply:
    record = current_record()
    record.model = request.model
    screened = guardrails.screen_stored_texts(configured, (request.query, *request.documents), deadline)
    request = replace(request, query=screened[0], documents=screened[1:])
    result = configured.upstream.rerank_text(to_rerank_details(request, configured), deadline)
    return to_rerank_reply(result.data, result.opc_request_id, request)
