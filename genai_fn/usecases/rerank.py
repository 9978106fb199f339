"""Rerank: a query and documents (screened when guardrails are configured) ranked by an OCI rerank model."""

from __future__ import annotations

from ..logs import current_record
from ..neutral.rerank import RerankReply, RerankRequest
from . import Configured
from .guarded import screened_input


def rerank(configured: Configured, request: RerankRequest, deadline: float) -> RerankReply:
    record = current_record()
    record.model = request.model
    request = screened_input(configured, request, deadline, "rerank")
    with record.upstream_call() as facts:
        return configured.upstream.rerank(request, deadline, facts)
