"""The use cases: what the function does for a validated request, independent of the wire contract.

Each takes the function as configured, the contract's parsed request and the invocation's deadline, and returns the
internal reply the contract renders; each notes what the request log needs in logs.current_record().
"""

from __future__ import annotations

from dataclasses import dataclass

from . import guardrails, oci_models
from .chat import ChatReply, ChatRequest, EmbeddingReply, EmbeddingRequest
from .config import Settings
from .logs import current_record
from .upstream import Upstream


@dataclass(frozen=True)
class Configured:
    """The function when its configuration is valid: the settings and the upstream client built from them."""

    settings: Settings
    upstream: Upstream


def chat(configured: Configured, request: ChatRequest, deadline: float) -> ChatReply:
    record = current_record()
    record.model, record.api_format = request.model, request.api_format
    request = guardrails.screen_chat_input(configured, request, deadline)
    details = oci_models.to_chat_details(request, configured.settings)
    result = configured.upstream.chat(details, deadline)
    reply = oci_models.to_reply(result.data, result.opc_request_id, request)
    reply = guardrails.screen_chat_output(configured, reply, deadline)
    record.prompt_tokens = reply.usage.prompt_tokens
    record.completion_tokens = reply.usage.completion_tokens
    record.total_tokens = reply.usage.total_tokens
    if configured.settings.log_content:
        record.content = {"messages": [[m.role, m.content] for m in request.messages], "reply": reply.text}
    return reply


def embed(configured: Configured, request: EmbeddingRequest, deadline: float) -> EmbeddingReply:
    record = current_record()
    record.model = request.model
    request = guardrails.screen_embedding_input(configured, request, deadline)
    details = oci_models.to_embed_details(request, configured.settings)
    result = configured.upstream.embed_text(details, deadline)
    reply = oci_models.to_embedding_reply(result.data, result.opc_request_id, request.model)
    record.prompt_tokens, record.total_tokens = reply.usage.prompt_tokens, reply.usage.total_tokens
    return reply


def list_models(configured: Configured, request: None, deadline: float) -> tuple[str, ...]:
    """The allow-listed chat models, then the embedding models, then the rerank models, each once."""
    settings = configured.settings
    return tuple(dict.fromkeys((*settings.allowed_models, *settings.embedding_models, *settings.rerank_models)))
