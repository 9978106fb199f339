"""Which model serves a call: a configured dedicated endpoint, or the chosen allow-listed model on demand."""

from __future__ import annotations

from oci.generative_ai_inference import models as m


def serving_mode(endpoint_id: str | None, model: str) -> m.ServingMode:
    """DedicatedServingMode on `endpoint_id` when one is configured for the operation (DEDICATED_ENDPOINT_ID for chat,
    RERANK_ENDPOINT_ID for rerank), else OnDemandServingMode for `model`."""
    if endpoint_id:
        return m.DedicatedServingMode(endpoint_id=endpoint_id)
    return m.OnDemandServingMode(model_id=model)
