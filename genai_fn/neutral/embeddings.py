"""The neutral embeddings request and reply."""

from __future__ import annotations

from dataclasses import dataclass

from .chat import Usage


@dataclass(frozen=True)
class EmbeddingRequest:
    model: str
    inputs: tuple[str, ...]
    dimensions: int | None = None
    """EmbedTextDetails.output_dimensions; None: the model's own size."""
    input_type: str | None = None
    """EmbedTextDetails.input_type (SEARCH_DOCUMENT, ...); None: not sent, the service's default applies."""
    truncate: str = "NONE"
    """EmbedTextDetails.truncate: NONE (an over-long input is the service's 400), START or END."""


@dataclass(frozen=True)
class EmbeddingReply:
    model: str
    vectors: tuple[list[float], ...]
    usage: Usage
    opc_request_id: str | None = None
