"""Chat: screen what goes in (when guardrails are configured), ask the model in its family's format (or, when it
cannot answer, its configured fallbacks: usecases/fallback.py), screen what comes out. Every contract that chats
(simple, chat completions, Responses, plain invoke) runs this."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .. import families, lazy
from ..logs import current_record
from ..neutral.chat import ChatReply, ChatRequest
from . import Configured
from .guarded import logged_input, screened_chat, screened_output, screened_stream
from .metering import chat_bound, counted, metered

if TYPE_CHECKING:  # streaming types load with the first streamed call
    from ..neutral.stream import ChatDelta

if TYPE_CHECKING:
    from . import fallback
else:  # loaded on first use: not every call needs them
    fallback = lazy("genai_fn.usecases.fallback")


def chat(configured: Configured, request: ChatRequest, deadline: float) -> ChatReply:
    record = current_record()
    record.model, record.api_format = request.model, request.api_format
    family = families.get(request.api_format)
    policy = configured.settings.fallbacks
    chain = policy.chain(request.model) if policy is not None else ()

    def bound() -> int:
        """The request's token bound, as the largest SDK request any family that may send it builds."""
        if not chain:
            return chat_bound(request, (family,))
        return chat_bound(request, (family, *fallback.senders(request, chain)))

    with metered(configured, bound, deadline) as meter:  # a caller over budget: nothing runs
        if not chain:
            chat_request = screened_chat(configured, family, request, deadline)  # the object sent, as screened
            with record.upstream_call() as facts:
                reply = configured.upstream.chat(request, family, chat_request, deadline, facts)
            record.served_by, record.selected_region = facts.served_by, facts.selected_region
        else:
            reply, family, chat_request = fallback.chat_with_fallbacks(configured, request, family, deadline)
        counted(meter, reply.usage)  # billed now, whatever happens to the reply after
    reply = screened_output(configured, reply, deadline, request.json_mode)
    if configured.settings.log_content:
        record.content = {"messages": logged_input(configured, family, request, chat_request), "reply": reply.text}
    return reply


def chat_stream(configured: Configured, request: ChatRequest, deadline: float) -> Iterator[ChatDelta]:
    """Chat, delivered as the model writes it (the streaming edge): the same budget and input screening as `chat`
    (the SDK request screened is the one sent, asked to stream), the reply screened as it goes
    (guardrails/streaming.py). No fallbacks: a stream is served by its model, or fails before the first token
    (docs/streaming.md). A generator: nothing runs until the first delta is asked for, and the router asks for it
    before answering, so a refusal or a failed call before the first delta is an ordinary error reply. The budget is
    charged from the stream's final usage; a stream that ends any other way (cut, stalled, closed by the client, no
    usage) leaves the count unknown, so the whole reservation is kept (metering.charge)."""
    started = time.perf_counter()
    record = current_record()
    record.model, record.api_format = request.model, request.api_format
    family = families.get(request.api_format)
    with metered(configured, lambda: chat_bound(request, (family,)), deadline) as meter:  # over budget: nothing runs
        chat_request = screened_chat(configured, family, request, deadline)  # the object sent, as screened
        with record.upstream_call() as facts:
            events = configured.upstream.chat_stream(request, chat_request, deadline, facts)
        record.served_by, record.selected_region = facts.served_by, facts.selected_region
        text: list[str] = []
        try:
            streamed = family.stream_deltas(events, request, request.model)
            deltas = screened_stream(configured, streamed, request.model, deadline, request.json_mode)
            for delta in deltas:
                if delta.has_content and record.ttft_ms is None:
                    record.ttft_ms = round((time.perf_counter() - started) * 1000, 1)
                if delta.usage is not None:
                    counted(meter, delta.usage)
                if configured.settings.log_content:
                    text.append(delta.text)
                yield delta
        finally:
            events.close()  # a client gone, or a failure mid-stream: the response is closed, the generation cancelled
            if configured.settings.log_content:
                messages = logged_input(configured, family, request, chat_request)
                record.content = {"messages": messages, "reply": "".join(text)}
