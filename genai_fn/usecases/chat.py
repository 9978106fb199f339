"""Chat: screen what goes in (when guardrails are configured), ask the model in its family's format (or, when it
cannot answer, its configured fallbacks: usecases/fallback.py), screen what comes out. Every contract that chats
(simple, chat completions, Responses, plain invoke) runs this."""

from __future__ import annotations

from .. import families
from ..logs import current_record
from ..neutral.chat import ChatReply, ChatRequest
from . import Configured
from .guarded import logged_input, screened_chat, screened_output
from .metering import chat_bound, metered


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
        from .fallback import senders

        return chat_bound(request, (family, *senders(request, chain)))

    with metered(configured, bound, deadline) as meter:  # a caller over budget: nothing runs
        if not chain:
            chat_request = screened_chat(configured, family, request, deadline)  # the object sent, as screened
            with record.upstream_call() as facts:
                reply = configured.upstream.chat(request, family, chat_request, deadline, facts)
            record.served_by, record.selected_region = facts.served_by, facts.selected_region
        else:
            from .fallback import chat_with_fallbacks

            reply = chat_with_fallbacks(configured, request, family, deadline)
        meter.used, meter.cached = reply.usage.total_tokens, reply.usage.cached_tokens or 0
        record.prompt_tokens = reply.usage.prompt_tokens  # billed now, whatever happens to the reply after
        record.completion_tokens = reply.usage.completion_tokens
        record.total_tokens = reply.usage.total_tokens
        record.cached_tokens, record.reasoning_tokens = reply.usage.cached_tokens, reply.usage.reasoning_tokens
    reply = screened_output(configured, reply, deadline, request.json_mode)
    if configured.settings.log_content:
        record.content = {"messages": logged_input(configured, family, request, chat_request), "reply": reply.text}
    return reply
