"""The rerank call in the SDK's models: RerankTextDetails (on RERANK_ENDPOINT_ID when configured: Rerank 3.5 is
served on dedicated AI clusters only), and the service's DocumentRank list read back in order."""

from __future__ import annotations

from typing import Any

from oci.generative_ai_inference import models as m

from ..config import Settings
from ..errors import UpstreamFailed
from ..neutral.rerank import Ranked, RerankReply, RerankRequest
from .serving import serving_mode


def to_details(request: RerankRequest, settings: Settings) -> m.RerankTextDetails:
    return m.RerankTextDetails(
        input=request.query,
        compartment_id=settings.compartment_ocid,
        serving_mode=serving_mode(settings.rerank_endpoint_id, request.model),
        documents=list(request.documents),
        top_n=request.top_n,
        is_echo=False,
    )


def to_reply(result: Any, rid: str | None, request: RerankRequest) -> RerankReply:
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
