"""The embed call in the SDK's models: EmbedTextDetails, and its EmbedTextResult read back."""

from __future__ import annotations

from typing import Any

from oci.generative_ai_inference import models as m

from ..config import Settings
from ..errors import UpstreamFailed
from ..families._base import usage
from ..neutral.embeddings import EmbeddingReply, EmbeddingRequest


def to_details(request: EmbeddingRequest, settings: Settings) -> m.EmbedTextDetails:
    return m.EmbedTextDetails(
        inputs=list(request.inputs),
        serving_mode=m.OnDemandServingMode(model_id=request.model),
        compartment_id=settings.compartment_ocid,
        truncate=request.truncate,
        input_type=request.input_type,
        output_dimensions=request.dimensions,
    )


def to_reply(result: Any, opc_request_id: str | None, requested_model: str) -> EmbeddingReply:
    vectors = getattr(result, "embeddings", None)
    if not isinstance(vectors, list) or not all(isinstance(v, list) for v in vectors):
        raise UpstreamFailed(
            "the service returned an embedding reply the function cannot read", opc_request_id=opc_request_id
        )
    return EmbeddingReply(
        model=getattr(result, "model_id", None) or requested_model,
        vectors=tuple(vectors),
        usage=usage(getattr(result, "usage", None), opc_request_id),
        opc_request_id=opc_request_id,
    )
