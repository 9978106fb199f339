"""GET /v1/models/{model}: one configured model, or OpenAI's 404 (what `client.models.retrieve` expects)."""

from __future__ import annotations

from .errors import RouteNotFound
from .usecases import Configured, list_models


def retrieve(configured: Configured, model: str, deadline: float) -> str:
    """The model id when the function serves it (chat, embedding or rerank); nothing is asked of the service."""
    if model not in list_models(configured, None, deadline):
        raise RouteNotFound(
            f"the model {model!r} does not exist or is not served by this function; see /v1/models", param="model"
        )
    return model
