"""The neutral rerank request and reply: a query, documents, and the documents' ranks."""

from __future__ import annotations

from dataclasses import dataclass


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
