"""The rerank contract: the request and reply shape Cohere's and Jina's rerank APIs share.

Request: `model`, `query`, `documents` (strings or {"text": ...}), `top_n`, `return_documents`. Reply:
`results: [{index, relevance_score, document?}]`, most relevant first, plus `model`, `id` and `usage`. At most
MAX_RERANK_DOCUMENTS documents per call, checked before any call. Errors are OpenAI's shape, like every /v1 route.
LiteLLM, LangChain and LlamaIndex rerankers speak this shape.
"""

from __future__ import annotations

from typing import Any

from .. import admission, validate
from ..config import Settings
from ..errors import InvalidRequest, RouteNotFound
from ..http import Invocation, Reply, json_reply
from ..neutral.rerank import RerankReply, RerankRequest
from . import openai_fields as fields
from .openai_errors import OpenAIErrors

RERANK_FIELDS = frozenset({"model", "query", "documents", "top_n", "return_documents"})
IGNORED_RERANK_FIELDS = frozenset({"user", "max_chunks_per_doc", "rank_fields"})
"""Accepted and not forwarded (Cohere v1 options with no effect on plain-text documents; OpenAI's `user`)."""
MAX_RERANK_DOCUMENTS = 1000
"""Documents per rerank call. Neither RerankTextDetails' docstring ("A list of document strings to rerank") nor
Oracle's rerank pages (docs.oracle.com/iaas/Content/generative-ai/rerank.htm, cohere-rerank-3-5.htm) give a count,
so the model vendor's is used: Cohere's rerank "will error if len(documents) * max_chunks_per_doc > 10,000 where
max_chunks_per_doc is set to 10 as default" (docs.cohere.com/changelog/new-maximum-document-length-for-rerank), and
RerankTextDetails carries that max_chunks_per_document, which this function leaves at the default: 1,000 documents.
(Cohere's newer best-practices page gives 10,000 for one chunk per document.) It also keeps the service's ranks
far inside MAX_REPLY_BYTES."""


class Rerank(OpenAIErrors):
    """/v1/rerank."""

    def parse(self, body: dict[str, Any], settings: Settings) -> RerankRequest:
        if not settings.rerank_models:
            raise RouteNotFound("rerank is not enabled on this function: RERANK_MODELS is not configured")
        fields.reject_unknown(body, RERANK_FIELDS | IGNORED_RERANK_FIELDS)
        model = admission.allowed_model(body.get("model"), settings.rerank_models, settings)
        query = validate.text(body.get("query"), "query")
        raw = body.get("documents")
        if not isinstance(raw, list) or not raw:
            raise InvalidRequest('documents must be a non-empty list of strings or {"text": ...}', param="documents")
        if len(raw) > MAX_RERANK_DOCUMENTS:
            raise InvalidRequest(
                f"documents holds {len(raw)} documents; a rerank call takes at most {MAX_RERANK_DOCUMENTS}: "
                "split them across calls",
                param="documents",
            )
        documents = tuple(_document(item, f"documents[{i}]") for i, item in enumerate(raw))
        top_n = body.get("top_n")
        if top_n is not None and (type(top_n) is not int or top_n < 1):
            raise InvalidRequest("top_n must be a positive integer", param="top_n")
        return_documents = body.get("return_documents", False)
        if not isinstance(return_documents, bool):
            raise InvalidRequest("return_documents must be a boolean", param="return_documents")
        return RerankRequest(model, query, documents, min(top_n, len(documents)) if top_n else None, return_documents)

    def render(self, reply: RerankReply, request: RerankRequest, invocation: Invocation) -> Reply:
        results = []
        for ranked in reply.results:
            item: dict[str, Any] = {"index": ranked.index, "relevance_score": ranked.relevance_score}
            if request.return_documents:
                item["document"] = {"text": request.documents[ranked.index]}
            results.append(item)
        body = {
            "id": invocation.call_id or None,
            "model": reply.model,
            "results": results,
            "usage": {"documents": len(request.documents)},
        }
        return json_reply(200, body)


def _document(item: Any, where: str) -> str:
    if isinstance(item, dict):
        if set(item) != {"text"}:
            raise InvalidRequest(f"{where} must be a string or an object with only `text`", param=where)
        return validate.text(item["text"], f"{where}.text")
    return validate.text(item, where)


RERANK = Rerank()
