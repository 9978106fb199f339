"""Screening: the use-case step that runs OCI's guardrails around a model call, under the configured policy.

A request's texts are joined (spans.SEPARATOR) and screened with ONE apply_guardrails call; each verdict is applied
per check: block (ContentFiltered, never echoing the text), inform (logged only) or, for pii, mask (each finding
replaced by `<LABEL>` before the text goes on). The verdicts, never the text, go into the request's log record.
Loaded only when GUARDRAILS is configured.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from ..errors import ContentFiltered, GuardrailsUnavailable, UpstreamError, UpstreamThrottled
from ..logs import CallFacts, current_record
from ..neutral.chat import ChatReply, ChatRequest
from ..usecases import Configured
from .policy import GuardrailPolicy
from .spans import join, mask
from .verdict import read_verdict

UNAVAILABLE_RETRY_AFTER = 2
"""Retry-After of a fail-closed 503 when the service gave none."""


def screen(
    configured: Configured, policy: GuardrailPolicy, texts: Sequence[str], deadline: float, stage: str
) -> tuple[str, ...]:
    """`texts` screened with one apply_guardrails call: returned (masked where configured), or ContentFiltered /
    GuardrailsUnavailable raised."""
    checks = policy.checks(stage)
    if not checks or not any(texts):
        return tuple(texts)
    record = current_record()
    entry: dict[str, Any] = {"ran": list(checks)}
    record.guardrails = {**(record.guardrails or {}), stage: entry}
    joined, starts = join(texts)
    facts = CallFacts()
    try:
        assessment = configured.upstream.apply_guardrails(policy, joined, checks, deadline, facts)
    except UpstreamError as error:
        entry["error"] = error.code
        if policy.on_error == "open":
            entry["outcome"] = "failed_open"
            return tuple(texts)
        entry["outcome"] = "failed_closed"
        retry = error.retry_after if isinstance(error, UpstreamThrottled) else UNAVAILABLE_RETRY_AFTER
        raise GuardrailsUnavailable(
            "the guardrails service could not screen this request; retry later", retry_after=retry
        ) from error
    finally:
        entry["attempts"], entry["ms"] = facts.attempts, round(facts.ms, 1)
    entry["opc_request_id"] = facts.opc_request_id
    verdict = read_verdict(policy, assessment, joined, checks)
    entry.update(fired=verdict.fired, scores=verdict.scores)
    if verdict.pii:
        entry["pii"] = verdict.pii
    blocked = [check for check in verdict.fired if policy.action(check) == "block"]
    if "pii" in verdict.fired and policy.action("pii") == "mask" and verdict.unlocated:
        blocked.append("pii")  # a finding that cannot be placed is never forwarded unmasked
    if blocked:
        entry["outcome"] = "blocked"
        raise ContentFiltered(f"the {stage} was refused by the {' and '.join(blocked)} guardrail", param=stage)
    if "pii" in verdict.fired and policy.action("pii") == "mask":
        entry["outcome"] = "masked"
        return mask(texts, starts, verdict.spans)
    entry["outcome"] = "informed" if verdict.fired else "passed"
    return tuple(texts)


def screen_chat_input(
    configured: Configured, policy: GuardrailPolicy, request: ChatRequest, deadline: float
) -> ChatRequest:
    """Every message's text (user turns, tool results, history, system) screened; the request with masked texts."""
    if not policy.checks("input"):
        return request
    texts = [message.content for message in request.messages]
    screened = screen(configured, policy, texts, deadline, "input")
    if tuple(texts) == screened:
        return request
    messages = tuple(
        dataclasses.replace(message, content=text) for message, text in zip(request.messages, screened, strict=True)
    )
    return dataclasses.replace(request, messages=messages)


def screen_chat_output(configured: Configured, policy: GuardrailPolicy, reply: ChatReply, deadline: float) -> ChatReply:
    """The model's reply screened: blocked -> content withheld, finish_reason content_filter; masked -> replaced."""
    if not policy.checks("output") or not reply.text:
        return reply
    try:
        (text,) = screen(configured, policy, [reply.text], deadline, "output")
    except ContentFiltered:
        return dataclasses.replace(reply, text="", tool_calls=(), reasoning=None, finish_reason="content_filter")
    return reply if text == reply.text else dataclasses.replace(reply, text=text)
