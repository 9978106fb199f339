"""Embeddings: the inputs (screened when guardrails are configured) turned into vectors."""

from __future__ import annotations

from ..logs import current_record
from ..neutral.embeddings import EmbeddingReply, EmbeddingRequest
from . import Configured
from .guarded import screened_input
from .metering import metered, text_bound


def embed(configured: Configured, request: EmbeddingRequest, deadline: float) -> EmbeddingReply:
    record = current_record()
    record.model = request.model
    with metered(configured, lambda: text_bound(request.inputs), deadline) as meter:
        request = screened_input(configured, request, deadline, "embeddings")
        with record.upstream_call() as facts:
            reply = configured.upstream.embed(request, deadline, facts)
        meter.used = reply.usage.total_tokens
    record.prompt_tokens, record.total_tokens = reply.usage.prompt_tokens, reply.usage.total_tokens
    return reply
