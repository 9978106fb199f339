"""The models this function serves: listed from configuration, never asked of the service."""

from __future__ import annotations

from ..errors import RouteNotFound
from ..validate import MAX_ECHOED_NAME
from . import Configured


def list_models(configured: Configured, request: None, deadline: float) -> tuple[str, ...]:
    """The allow-listed chat models, then the embedding models, then the rerank models, each once."""
    settings = configured.settings
    return tuple(dict.fromkeys((*settings.allowed_models, *settings.embedding_models, *settings.rerank_models)))


def retrieve(configured: Configured, model: str, deadline: float) -> str:
    """The model id when the function serves it (chat, embedding or rerank); OpenAI's 404 otherwise."""
    if model not in list_models(configured, None, deadline):
        shown = model[:MAX_ECHOED_NAME] + ("..." if len(model) > MAX_ECHOED_NAME else "")
        raise RouteNotFound(
            f"the model {shown!r} does not exist or is not served by this function; see /v1/models", param="model"
        )
    return model
