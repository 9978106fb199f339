"""Rerank: a query and documents (screened for PII when guardrails say so) ranked by an OCI rerank model."""

from __future__ import annotations

import dataclasses

from ..logs import current_record
from ..neutral.rerank import RerankReply, RerankRequest
from . import Configured


def rerank(configured: Configured, request: RerankRequest, deadline: float) -> RerankReply:
    record = current_record()
    record.model = request.model
    policy = configured.settings.guardrails
    if policy is not None and policy.checks("embeddings"):
        from ..guardrails import screening

        texts = (request.query, *request.documents)
        screened = screening.screen(configured, policy, texts, deadline, "embeddings")
        request = dataclasses.replace(request, query=screened[0], documents=screened[1:])
    with record.upstream_call() as facts:
        return configured.upstream.rerank(request, deadline, facts)
