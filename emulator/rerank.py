"""The emulated RerankText operation: validate RerankTextDetails from the SDK's model, answer a RerankTextResult.

Rerank 3.5 is served only on a dedicated endpoint (catalog.RERANK_MODELS is empty): asked for on demand it is
unknown (404), as any model the region does not serve on demand; on its endpoint the reply names the hosted model.

Scores are deterministic (the share of the query's words a document contains), so tests can predict the order.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from oci.generative_ai_inference import models

from emulator.catalog import ENDPOINT_OCID_PREFIX, MODEL_OCID_PREFIX, Catalog
from emulator.errors import invalid, not_found
from emulator.shape import validate

WORD = re.compile(r"\w+")


def answer(body: Any, catalog: Catalog) -> dict[str, Any]:
    """The RerankTextResult JSON for a valid request, or raise ApiError (400/404) as the service would."""
    validate(body, models.RerankTextDetails)
    if not body["compartmentId"].strip():
        raise invalid("Invalid value for compartmentId: must not be blank.")
    serving = body["servingMode"]
    dedicated = serving["servingType"] == "DEDICATED"
    endpoint = serving.get("endpointId") or ""
    model = catalog.dedicated_endpoints.get(endpoint, endpoint) if dedicated else serving.get("modelId") or ""
    if dedicated and not endpoint.startswith(ENDPOINT_OCID_PREFIX):
        raise not_found()
    if not dedicated and not model.startswith(MODEL_OCID_PREFIX) and model not in catalog.rerank_models:
        if model in catalog.chat_models or model in catalog.embed_models:
            raise invalid(f"Model {model} does not support rerank.")
        raise not_found()
    documents = body["documents"]
    if not documents:
        raise invalid("Invalid value for documents: must contain at least 1 item.")
    top_n = body.get("topN")
    if top_n is not None and top_n < 1:
        raise invalid("Invalid value for topN: must be at least 1.")
    query = {word.lower() for word in WORD.findall(body["input"])}
    ranks = []
    for index, text in enumerate(documents):
        words = {word.lower() for word in WORD.findall(text)}
        rank: dict[str, Any] = {"index": index, "relevanceScore": round(len(query & words) / max(len(query), 1), 6)}
        if body.get("isEcho"):
            rank["document"] = {"text": text}
        ranks.append(rank)
    ranks.sort(key=lambda r: -r["relevanceScore"])
    return {"id": str(uuid.uuid4()), "modelId": model, "modelVersion": "3.5", "documentRanks": ranks[:top_n]}
