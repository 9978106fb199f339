"""What the emulated region serves: chat model ids, embedding model ids with their vector sizes, pinned formats."""

from __future__ import annotations

from dataclasses import dataclass, field

from localfn.config import RERANK_MODEL

CHAT_MODELS = frozenset(
    {
        "cohere.command-a-03-2025",
        "cohere.command-r-08-2024",
        "cohere.command-r-plus-08-2024",
        "meta.llama-3.3-70b-instruct",
        "meta.llama-4-maverick-17b-128e-instruct-fp8",
        "meta.llama-3.1-405b-instruct",
    }
)
"""On-demand chat model ids (Oracle's "Pretrained Foundational Models" pages); any model OCID is accepted too."""

EMBED_MODELS = {
    "cohere.embed-english-v3.0": 1024,
    "cohere.embed-multilingual-v3.0": 1024,
    "cohere.embed-english-light-v3.0": 384,
    "cohere.embed-v4.0": 1536,
}
"""Embedding model id -> default vector size, from each model's page in Oracle's docs
(docs.oracle.com/iaas/Content/generative-ai/cohere-embed-*.htm: "1,024-dimensional", "384-dimensional",
Embed 4 "1,536-dimensional vector for each embedding")."""

RERANK_MODELS = frozenset({RERANK_MODEL})
"""Rerank model ids (localfn/config.py says where the id comes from); served on demand here."""

MODEL_OCID_PREFIX = "ocid1.generativeaimodel."
ENDPOINT_OCID_PREFIX = "ocid1.generativeaiendpoint."


@dataclass
class Catalog:
    """What this emulated region serves. `api_formats` pins a model OCID or endpoint OCID to one apiFormat."""

    chat_models: frozenset[str] = CHAT_MODELS
    embed_models: dict[str, int] = field(default_factory=lambda: dict(EMBED_MODELS))
    rerank_models: frozenset[str] = RERANK_MODELS
    api_formats: dict[str, str] = field(default_factory=dict)
    allowed_compartments: frozenset[str] | None = None


__all__ = ["CHAT_MODELS", "EMBED_MODELS", "ENDPOINT_OCID_PREFIX", "MODEL_OCID_PREFIX", "RERANK_MODELS", "Catalog"]
