"""Chat: screen what goes in (when guardrails are configured), ask the model in its family's format, screen what
comes out. Every contract that chats (simple, chat completions, Responses, plain invoke) runs this."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .. import families
from ..logs import current_record
from ..neutral.chat import ChatReply, ChatRequest
from . import Configured
from .guarded import screened_input, screened_output, screened_stream
from .metering import chat_bound, metered

if TYPE_CHECKING:  # streaming types load with the first streamed call
    from ..neutral.stream import ChatDelta


def chat(configured: Configured, request: ChatRequest, deadline: float) -> ChatReply:
    record = current_record()
    record.model, record.api_format = request.model, request.api_format
    with metered(configured, lambda: chat_bound(request), deadline) as meter:  # a caller over budget: nothing runs
        request = screened_input(configured, request, deadline, "input")
        with record.upstream_call() as facts:
            reply = configured.upstream.chat(request, families.get(request.api_format), deadline, facts)
        meter.used = reply.usage.total_tokens
        record.prompt_tokens = reply.usage.prompt_tokens  # billed now, whatever happens to the reply after
        record.completion_tokens = reply.usage.completion_tokens
        record.total_tokens = reply.usage.total_tokens
    reply = screened_output(configured, reply, deadline)
    if configured.settings.log_content:
        record.content = {"messages": [[m.role, m.content] for m in request.messages], "reply": reply.text}
    return reply


def chat_stream(configured: Configured, request: ChatRequest, deadline: float) -> Iterator[ChatDelta]:
    """Chat, delivered as the model writes it (the streaming edge): the same budget, input screening and model call
    as `chat`, the reply screened as it goes (guardrails/streaming.py). A generator: nothing runs until the first
    delta is asked for, and the router asks for it before answering, so a refusal or a failed call before the first
    delta is an ordinary error reply. The budget is settled from the stream's final usage; a stream that ends any
    other way (cut, stalled, closed by the client, no usage) keeps the whole reservation."""
    started = time.perf_counter()
    record = current_record()
    record.model, record.api_format = request.model, request.api_format
    family = families.get(request.api_format)
    with metered(configured, lambda: chat_bound(request), deadline) as meter:  # a caller over budget: nothing runs
        request = screened_input(configured, request, deadline, "input")
        with record.upstream_call() as facts:
            events = configured.upstream.chat_stream(request, family, deadline, facts)
        meter.unknown = True  # the service is generating: billed, however the stream ends, until its usage says
        text: list[str] = []
        try:
            deltas = screened_stream(
                configured, family.stream_deltas(events, request, request.model), request.model, deadline
            )
            for delta in deltas:
                if delta.has_content and record.ttft_ms is None:
                    record.ttft_ms = round((time.perf_counter() - started) * 1000, 1)
                if delta.usage is not None:
                    meter.used, meter.unknown = delta.usage.total_tokens, False
                    record.prompt_tokens = delta.usage.prompt_tokens
                    record.completion_tokens = delta.usage.completion_tokens
                    record.total_tokens = delta.usage.total_tokens
                if configured.settings.log_content:
                    text.append(delta.text)
                yield delta
        finally:
            events.close()  # a client gone, or a failure mid-stream: the response is closed, the generation cancelled
            if configured.settings.log_content:
                record.content = {"messages": [[m.role, m.content] for m in request.messages], "reply": "".join(text)}
