"""Guardrails at the gateway: OCI's content moderation, prompt-injection and PII screening around every model call.

The operator configures it once (GUARDRAILS, GUARDRAILS_SCOPE, GUARDRAILS_ON_ERROR, ...; docs/guardrails.md); the
caller cannot switch it off. A request's texts are joined with SEPARATOR and screened with ONE apply_guardrails
call (the service takes one text per call); each verdict is applied per check: block (ContentFiltered, never
echoing the text), inform (logged only) or, for pii, mask (each finding replaced by `<LABEL>` before the text goes
on). The verdicts (never the text) go into the request's log record.

Offsets: the service's docs and SDK say only "offset" and "length". This module reads them as Unicode code points
(Python str indices) -- UNVERIFIED -- and checks each span against the finding's `text`; when it does not match, the
UTF-16 and UTF-8 readings are tried, then the text is searched for. A finding that cannot be located is never
forwarded unmasked: the request is refused instead.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from oci.generative_ai_inference import models

from .chat import ChatReply, ChatRequest, EmbeddingRequest
from .errors import ConfigError, ContentFiltered, GuardrailsUnavailable, UpstreamError, UpstreamThrottled
from .logs import current_record

if TYPE_CHECKING:
    from .usecases import Configured

CHECKS = ("content_moderation", "prompt_injection", "pii")
ACTIONS = {
    "content_moderation": ("block", "inform"),
    "prompt_injection": ("block", "inform"),
    "pii": ("block", "inform", "mask"),
}
SCOPES = ("input", "output", "embeddings")
ON_ERROR = ("closed", "open")
MODERATION_CATEGORIES = ("OVERALL", "BLOCKLIST")
"""The categories the service returns (docs.oracle.com/iaas/Content/generative-ai/guardrails.htm); both are sent by
default, as ContentModerationConfiguration.categories is required (the SDK model marks it [Required])."""
DEFAULT_PII_TYPES = ("PERSON", "EMAIL", "TELEPHONE_NUMBER")
"""The labels Oracle's release note names, "and more" (docs.oracle.com/iaas/releasenotes/generative-ai/
ai-guardrails.htm); PersonallyIdentifiableInformationConfiguration.types is required, so these are sent unless
GUARDRAILS_PII_TYPES says otherwise."""
DEFAULT_THRESHOLD = 0.5
"""Scores are binary today (0.0 or 1.0, per the same page); anything at or above the threshold fires."""
SEPARATOR = "\n\n"
"""Between a request's texts in the one screened text."""
UNAVAILABLE_RETRY_AFTER = 2
"""Retry-After of a fail-closed 503 when the service gave none."""


@dataclass(frozen=True)
class GuardrailPolicy:
    """What the operator configured; None in Settings means guardrails are off."""

    actions: tuple[tuple[str, str], ...]
    """(check, action) pairs in CHECKS order."""
    scope: frozenset[str] = frozenset({"input"})
    on_error: str = "closed"
    threshold: float = DEFAULT_THRESHOLD
    pii_types: tuple[str, ...] = ()
    """Sent as PersonallyIdentifiableInformationConfiguration.types; empty: DEFAULT_PII_TYPES."""
    categories: tuple[str, ...] = ()
    """Sent as ContentModerationConfiguration.categories; empty: MODERATION_CATEGORIES."""

    def action(self, check: str) -> str | None:
        return dict(self.actions).get(check)


def parse_policy(environ: Mapping[str, str]) -> GuardrailPolicy | None:
    """GUARDRAILS and its companions, validated; every error names its variable. Unset GUARDRAILS: off."""
    raw = environ.get("GUARDRAILS", "").strip()
    if not raw:
        for name in ("GUARDRAILS_SCOPE", "GUARDRAILS_ON_ERROR", "GUARDRAILS_PII_TYPES", "GUARDRAILS_CATEGORIES"):
            if environ.get(name, "").strip():
                raise ConfigError(f"{name} is set but GUARDRAILS is not: set GUARDRAILS (e.g. pii:mask) or unset it")
        return None
    chosen: dict[str, str] = {}
    for item in (part.strip() for part in raw.split(",")):
        check, _, action = (piece.strip().lower() for piece in item.partition(":"))
        if check not in ACTIONS:
            raise ConfigError(f"GUARDRAILS: {check!r} is not a check; use {', '.join(CHECKS)} as check:action")
        if action not in ACTIONS[check]:
            raise ConfigError(f"GUARDRAILS: the action of {check} must be one of {', '.join(ACTIONS[check])}")
        if check in chosen:
            raise ConfigError(f"GUARDRAILS names {check} twice")
        chosen[check] = action
    scope = frozenset(_csv(environ, "GUARDRAILS_SCOPE", lower=True) or ("input",))
    if not scope <= set(SCOPES):
        raise ConfigError(f"GUARDRAILS_SCOPE must be a comma-separated list of {', '.join(SCOPES)}")
    on_error = (environ.get("GUARDRAILS_ON_ERROR", "").strip() or "closed").lower()
    if on_error not in ON_ERROR:
        raise ConfigError("GUARDRAILS_ON_ERROR must be closed or open")
    threshold = _threshold(environ.get("GUARDRAILS_THRESHOLD", "").strip())
    categories = tuple(c.upper() for c in _csv(environ, "GUARDRAILS_CATEGORIES"))
    unknown = [c for c in categories if c not in MODERATION_CATEGORIES]
    if unknown:
        raise ConfigError(f"GUARDRAILS_CATEGORIES must be among {', '.join(MODERATION_CATEGORIES)}")
    pii_types = tuple(t.upper() for t in _csv(environ, "GUARDRAILS_PII_TYPES"))
    if any(not t.replace("_", "").isalnum() for t in pii_types):
        raise ConfigError("GUARDRAILS_PII_TYPES must be labels like EMAIL,TELEPHONE_NUMBER,PERSON")
    return GuardrailPolicy(
        actions=tuple((check, chosen[check]) for check in CHECKS if check in chosen),
        scope=scope,
        on_error=on_error,
        threshold=threshold,
        pii_types=pii_types,
        categories=categories,
    )


def _csv(environ: Mapping[str, str], name: str, *, lower: bool = False) -> tuple[str, ...]:
    items = (item.strip() for item in environ.get(name, "").split(","))
    return tuple(dict.fromkeys(item.lower() if lower else item for item in items if item))


def _threshold(raw: str) -> float:
    if not raw:
        return DEFAULT_THRESHOLD
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 < value <= 1.0:
        raise ConfigError("GUARDRAILS_THRESHOLD must be a number above 0 and at most 1")
    return value


# --- building the request -------------------------------------------------------------------------------------


def to_details(policy: GuardrailPolicy, text: str, compartment_id: str, checks: Sequence[str]) -> Any:
    """ApplyGuardrailsDetails for one text, from the SDK's own models."""
    configs = models.GuardrailConfigs()
    if "content_moderation" in checks:
        configs.content_moderation_config = models.ContentModerationConfiguration(
            categories=list(policy.categories or MODERATION_CATEGORIES)
        )
    if "prompt_injection" in checks:
        configs.prompt_injection_config = models.PromptInjectionConfiguration()
    if "pii" in checks:
        configs.personally_identifiable_information_config = models.PersonallyIdentifiableInformationConfiguration(
            types=list(policy.pii_types or DEFAULT_PII_TYPES)
        )
    return models.ApplyGuardrailsDetails(
        input=models.GuardrailsTextInput(type="TEXT", content=text),
        guardrail_configs=configs,
        compartment_id=compartment_id,
    )


# --- reading the verdict --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str


def join(texts: Sequence[str]) -> tuple[str, list[int]]:
    """The one screened text and where each of `texts` starts in it (code points)."""
    starts, position = [], 0
    for text in texts:
        starts.append(position)
        position += len(text) + len(SEPARATOR)
    return SEPARATOR.join(texts), starts


def _utf16_to_index(text: str, units: int) -> int | None:
    count = 0
    for index, char in enumerate(text):
        if count == units:
            return index
        count += 2 if ord(char) > 0xFFFF else 1
    return len(text) if count == units else None


def _utf8_to_index(text: str, size: int) -> int | None:
    count = 0
    for index, char in enumerate(text):
        if count == size:
            return index
        count += len(char.encode("utf-8"))
    return len(text) if count == size else None


def locate(joined: str, offset: int, length: int, found: str | None) -> list[tuple[int, int]]:
    """Where a PII finding is in `joined`, as code-point spans; [] if it cannot be located."""
    if not found:
        return [(offset, offset + length)] if 0 <= offset and length > 0 and offset + length <= len(joined) else []
    if joined[offset : offset + length] == found:
        return [(offset, offset + length)]
    for convert in (_utf16_to_index, _utf8_to_index):
        start, end = convert(joined, offset), convert(joined, offset + length)
        if start is not None and end is not None and joined[start:end] == found:
            return [(start, end)]
    spans, at = [], joined.find(found)
    while at >= 0:
        spans.append((at, at + len(found)))
        at = joined.find(found, at + len(found))
    return spans


def mask(texts: Sequence[str], starts: Sequence[int], spans: Sequence[Span]) -> tuple[str, ...]:
    """Each span replaced by `<LABEL>`, mapped back to the text (or texts) it falls in."""
    per_text: list[list[Span]] = [[] for _ in texts]
    for span in spans:
        for index, (text, start) in enumerate(zip(texts, starts, strict=True)):
            low, high = max(span.start, start), min(span.end, start + len(text))
            if low < high:
                per_text[index].append(Span(low - start, high - start, span.label))
    return tuple(_mask_one(text, found) for text, found in zip(texts, per_text, strict=True))


def _mask_one(text: str, spans: list[Span]) -> str:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end), last.label)
        else:
            merged.append(span)
    for span in reversed(merged):
        text = text[: span.start] + f"<{span.label}>" + text[span.end :]
    return text


@dataclass
class Verdict:
    """One screening's outcome: what ran, what fired, scores and PII counts (the log's view), and the spans."""

    ran: list[str]
    fired: list[str] = dataclasses.field(default_factory=list)
    scores: dict[str, Any] = dataclasses.field(default_factory=dict)
    pii: dict[str, int] = dataclasses.field(default_factory=dict)
    spans: list[Span] = dataclasses.field(default_factory=list)
    unlocated: int = 0


def read_verdict(policy: GuardrailPolicy, result: Any, joined: str, checks: Sequence[str]) -> Verdict:
    """The ApplyGuardrailsResult (SDK model) turned into a Verdict."""
    verdict = Verdict(ran=list(checks))
    results = getattr(result, "results", None)
    moderation = getattr(results, "content_moderation", None)
    if "content_moderation" in checks and moderation is not None:
        scores = {c.name: c.score for c in moderation.categories or [] if c.name is not None}
        verdict.scores["content_moderation"] = scores
        wanted = set(policy.categories) or set(scores)
        if any((score or 0.0) >= policy.threshold for name, score in scores.items() if name in wanted):
            verdict.fired.append("content_moderation")
    injection = getattr(results, "prompt_injection", None)
    if "prompt_injection" in checks and injection is not None:
        verdict.scores["prompt_injection"] = injection.score
        if (injection.score or 0.0) >= policy.threshold:
            verdict.fired.append("prompt_injection")
    findings = getattr(results, "personally_identifiable_information", None) or []
    if "pii" in checks and findings:
        for finding in findings:
            label = str(finding.label or "PII")
            verdict.pii[label] = verdict.pii.get(label, 0) + 1
            located = locate(joined, finding.offset or 0, finding.length or 0, finding.text)
            verdict.unlocated += not located
            verdict.spans.extend(Span(start, end, label) for start, end in located)
        verdict.fired.append("pii")
    return verdict


# --- applying it ------------------------------------------------------------------------------------------------


def screen(configured: Configured, texts: Sequence[str], deadline: float, stage: str) -> tuple[str, ...]:
    """Screen `texts` with one apply_guardrails call; return them (masked where configured) or raise
    ContentFiltered / GuardrailsUnavailable. For rerank and other routes that carry texts: call this."""
    policy = configured.settings.guardrails
    checks = _checks(policy, stage)
    if policy is None or not checks or not any(texts):
        return tuple(texts)
    record = current_record()
    entry: dict[str, Any] = {"ran": list(checks)}
    record.guardrails = {**(record.guardrails or {}), stage: entry}
    joined, starts = join(texts)
    kept = record.attempts, record.upstream_ms, record.opc_request_id
    started = time.perf_counter()
    try:
        result = configured.upstream.apply_guardrails(
            to_details(policy, joined, configured.settings.compartment_ocid, checks), deadline
        )
    except UpstreamError as error:
        entry["error"], entry["ms"] = error.code, round((time.perf_counter() - started) * 1000, 1)
        if policy.on_error == "open":
            entry["outcome"] = "failed_open"
            return tuple(texts)
        entry["outcome"] = "failed_closed"
        retry = error.retry_after if isinstance(error, UpstreamThrottled) else UNAVAILABLE_RETRY_AFTER
        raise GuardrailsUnavailable(
            "the guardrails service could not screen this request; retry later", retry_after=retry
        ) from error
    finally:
        entry["attempts"] = record.attempts
        record.attempts, record.upstream_ms, record.opc_request_id = kept
    entry["ms"] = round((time.perf_counter() - started) * 1000, 1)
    entry["opc_request_id"] = result.opc_request_id
    verdict = read_verdict(policy, result.data, joined, checks)
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


def _checks(policy: GuardrailPolicy | None, stage: str) -> tuple[str, ...]:
    if policy is None:
        return ()
    if stage == "embeddings":  # stored texts: screened for PII only (GUARDRAILS_SCOPE=...,embeddings)
        return ("pii",) if "embeddings" in policy.scope and policy.action("pii") else ()
    if stage not in policy.scope:
        return ()
    return tuple(check for check, _ in policy.actions)


def screen_chat_input(configured: Configured, request: ChatRequest, deadline: float) -> ChatRequest:
    """Every message's text (user turns, tool results, history, system) screened; the request with masked texts."""
    if not _checks(configured.settings.guardrails, "input"):
        return request
    texts = [message.content for message in request.messages]
    screened = screen(configured, texts, deadline, "input")
    if tuple(texts) == screened:
        return request
    messages = tuple(
        dataclasses.replace(message, content=text) for message, text in zip(request.messages, screened, strict=True)
    )
    return dataclasses.replace(request, messages=messages)


def screen_chat_output(configured: Configured, reply: ChatReply, deadline: float) -> ChatReply:
    """The model's reply screened: blocked -> content withheld, finish_reason content_filter; masked -> replaced."""
    if not _checks(configured.settings.guardrails, "output") or not reply.text:
        return reply
    try:
        (text,) = screen(configured, [reply.text], deadline, "output")
    except ContentFiltered:
        return dataclasses.replace(reply, text="", tool_calls=(), reasoning=None, finish_reason="content_filter")
    return reply if text == reply.text else dataclasses.replace(reply, text=text)


def screen_embedding_input(configured: Configured, request: EmbeddingRequest, deadline: float) -> EmbeddingRequest:
    """Embedding inputs (often stored) screened for PII when GUARDRAILS_SCOPE includes embeddings."""
    screened = screen_stored_texts(configured, request.inputs, deadline)
    return request if screened == request.inputs else dataclasses.replace(request, inputs=screened)


def screen_stored_texts(configured: Configured, texts: tuple[str, ...], deadline: float) -> tuple[str, ...]:
    """Texts that are often stored (embedding inputs, rerank query and documents): PII only, one call, when
    GUARDRAILS_SCOPE includes embeddings; returned masked (mask) or refused (block)."""
    if not _checks(configured.settings.guardrails, "embeddings"):
        return texts
    return screen(configured, texts, deadline, "embeddings")
