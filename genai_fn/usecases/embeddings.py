"""Embeddings: the inputs (screened for PII when guardrails say so) turned into vectors."""

from __future__ import annotations

import dataclasses

from ..logs import current_record
from ..neutral.embeddings import EmbeddingReply, EmbeddingRequest
from . import Configured
from .metering import metered, text_bound


def embed(configured: Configured, request: EmbeddingRequest, deadline: float) -> EmbeddingReply:
    record = current_record()
    record.model = request.model
    policy = configured.settings.guardrails
    if policy is not None and policy.checks("embeddings"):
        from ..guardrails import screening

        inputs = screening.screen(configured, policy, request.inputs, deadline, "embeddings")
        request = dataclasses.replace(request, inputs=inputs)
    with metered(configured, text_bound(request.inputs), deadline) as meter, record.upstream_call() as facts:
        reply = configured.upstream.embed(request, deadline, facts)
        meter.used = reply.usage.total_tokens
    record.prompt_tokens, record.total_tokens = reply.usage.prompt_tokens, reply.usage.total_tokens
    return reply
