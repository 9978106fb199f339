"""Which model serves a call: the configured dedicated endpoint, or the chosen allow-listed model on demand."""

from __future__ import annotations

from oci.generative_ai_inference import models as m

from ..config import Settings


def serving_mode(settings: Settings, model: str) -> m.ServingMode:
    """DedicatedServingMode when DEDICATED_ENDPOINT_ID is configured, else OnDemandServingMode for `model`."""
    if settings.dedicated_endpoint_id:
        return m.DedicatedServingMode(endpoint_id=settings.dedicated_endpoint_id)
    return m.OnDemandServingMode(model_id=model)
