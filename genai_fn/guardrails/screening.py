"""Screening: the use-case step that runs OCI's guardrails around a model call, under the configured policy.

What is screened is the request's (or reply's) plan (plan.py): every text a model reads, found in the SDK request
as it will be sent (a chat request, under its family's Reading) or in the neutral value (embeddings, rerank, a
reply). Its texts are joined as the model reads them (spans.join) and screened with ONE apply_guardrails call;
each verdict is applied per check: block (ContentFiltered, never echoing the text), inform (logged only) or, for
pii, mask (each finding replaced by `<LABEL>` in the place it came from, so what is masked is exactly what is
sent; a finding in a name refuses the request). A joined text over GUARDRAILS_MAX_CHARS is refused whatever
GUARDRAILS_ON_ERROR says: padding a request must not skip its screening. The verdicts, never the text, go into the
request's log record. Loaded only when GUARDRAILS is configured.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import ContentFiltered, GuardrailsUnavailable, PayloadTooLarge, UpstreamError, UpstreamThrottled
from ..families._base import Reading
from ..logs import CallFacts, current_record
from ..neutral.chat import ChatReply
from .plan import JSON_REPLY, NEUTRAL, Plan, plan
from .policy import GuardrailPolicy
from .spans import join, mask
from .verdict import read_verdict

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..neutral.guardrails import Assessment

    Assess = Callable[[GuardrailPolicy, str, tuple[str, ...], float, CallFacts], Assessment]
    """The one service call screening makes (`Upstream.apply_guardrails`: policy, text, checks, deadline, the
    call's facts), handed in by the use case: guardrails know no use-case or upstream type."""

T = TypeVar("T")

UNAVAILABLE_RETRY_AFTER = 2
"""Retry-After of a fail-closed 503 when the service gave none."""
WHAT = {"input": "input", "output": "output", "embeddings": "input", "rerank": "input"}
"""What a refusal calls the screened text, per stage."""


def screen(
    assess: Assess,
    policy: GuardrailPolicy,
    screened: Plan[T],
    deadline: float,
    stage: str,
    memory: dict[str, str] | None = None,
) -> T:
    """The plan's source screened with one apply_guardrails call: returned (masked where configured), or
    ContentFiltered / PayloadTooLarge / GuardrailsUnavailable raised. With `memory` (text -> as screened, kept for
    one request: the targets of a fallback chain), only the texts not screened before are sent (in one call, under
    the log's `<stage>_fallback`), the others get their earlier outcome, and every outcome is remembered."""
    checks = policy.checks(stage)
    texts = screened.texts
    if not checks or not any(texts):
        return screened.source
    known = memory or {}
    new = [i for i, text in enumerate(texts) if text not in known]
    key = stage if len(new) == len(texts) or not known else f"{stage}_fallback"
    after = list(texts)
    if new:
        part = _part(screened, new)
        screened_part = _screen(assess, policy, part, deadline, stage, checks, key) if any(part.texts) else part.texts
        if screened_part is None:  # failed open: sent unscreened, and not remembered as screened
            return screened.source
        for i, text in zip(new, screened_part, strict=True):
            after[i] = text
    fresh = set(new)  # a set: a request can hold many thousand slots
    for i, text in enumerate(texts):
        if i not in fresh:
            after[i] = known[text]
    if len(new) < len(texts):
        entry = (current_record().guardrails or {}).get(stage)
        if isinstance(entry, dict):
            entry["reused"] = entry.get("reused", 0) + 1  # one more request (a fallback's) used this screening
        if screened.unmaskable(after):
            raise ContentFiltered(f"the {WHAT[stage]} was refused by the pii guardrail", param=WHAT[stage])
    if memory is not None:
        memory.update(zip(texts, after, strict=True))
    return screened.source if after == list(texts) and not screened.rewrites else screened.apply(after)


def _part(screened: Plan[T], indexes: list[int]) -> Plan[T]:
    """The plan's texts at `indexes` alone, glued only to a neighbour that is also among them (all of them: itself)."""
    if len(indexes) == len(screened.texts):
        return screened
    chosen = set(indexes)
    return dataclasses.replace(
        screened,
        texts=tuple(screened.texts[i] for i in indexes),
        kinds=tuple(screened.kinds[i] for i in indexes),
        glued=tuple(screened.glued[i] and i - 1 in chosen for i in indexes),
    )


def _screen(
    assess: Assess,
    policy: GuardrailPolicy,
    screened: Plan[Any],
    deadline: float,
    stage: str,
    checks: Any,
    key: str,
) -> Sequence[str] | None:
    """`screen`'s one service call: the plan's texts as screened (masked where configured), or None when the
    guardrails failed open (nothing screened); the log's entry under `key`."""
    texts = screened.texts
    record = current_record()
    entry: dict[str, Any] = {"ran": list(checks), "texts": len(texts)}
    record.guardrails = {**(record.guardrails or {}), key: entry}
    joined, starts = join(texts, screened.glued)
    size = len(joined)
    entry["chars"] = size
    if size > policy.max_chars:
        entry["outcome"] = "too_long"
        raise PayloadTooLarge(
            f"the {WHAT[stage]} to screen holds {size} characters; the guardrails limit is {policy.max_chars} "
            "(GUARDRAILS_MAX_CHARS): send less text"
        )
    facts = CallFacts()
    try:
        assessment = assess(policy, joined, checks, deadline, facts)
    except UpstreamError as error:
        entry["error"] = error.code
        if policy.on_error == "open":
            entry["outcome"] = "failed_open"
            return None
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
    masking = "pii" in verdict.fired and policy.action("pii") == "mask"
    masked = mask(texts, starts, verdict.spans) if masking else texts
    unmaskable = screened.unmaskable(masked) if masking else 0
    if masking and verdict.unlocated:
        blocked.append("pii")  # a finding that cannot be placed is never forwarded unmasked
    elif unmaskable:
        entry["unmaskable"] = unmaskable
        blocked.append("pii")  # a name a mask would change: refused, not sent unmasked
    if blocked:
        entry["outcome"] = "blocked"
        what = WHAT[stage]
        raise ContentFiltered(f"the {what} was refused by the {' and '.join(blocked)} guardrail", param=what)
    if masking:
        entry["outcome"] = "masked"
        return masked
    entry["outcome"] = "informed" if verdict.fired else "passed"
    return texts


def screen_input(
    assess: Assess,
    policy: GuardrailPolicy,
    request: T,
    deadline: float,
    stage: str,
    reading: Reading = NEUTRAL,
    memory: dict[str, str] | None = None,
) -> T:
    """A request (a family's SDK chat request under its reading; a neutral embeddings or rerank request) with every
    text its model reads screened: the request to send (`memory`: see `screen`)."""
    if not policy.checks(stage):
        return request
    return screen(assess, policy, plan(request, reading), deadline, stage, memory)


def screen_chat_output(
    assess: Assess, policy: GuardrailPolicy, reply: ChatReply, deadline: float, json_mode: bool = False
) -> ChatReply:
    """The model's reply (text, reasoning, tool calls; citations quote its text) screened, even when its text is
    empty: blocked or too long -> all of it withheld, finish_reason content_filter; masked -> replaced. `json_mode`:
    the request asked for JSON, so its caller parses the text: screened decoded (JSON_REPLY)."""
    if not policy.checks("output"):
        return reply
    try:
        reading = JSON_REPLY if json_mode else NEUTRAL
        return screen(assess, policy, plan(reply, reading, strict=False), deadline, "output")
    except (ContentFiltered, PayloadTooLarge):
        return dataclasses.replace(
            reply, text="", tool_calls=(), reasoning=None, citations=(), finish_reason="content_filter"
        )
