"""A screening's verdict: which checks fired under the policy, their scores and PII counts (the log's view), and
the spans to mask. Pure: reads the neutral Assessment the upstream layer made of the service's result."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..neutral.guardrails import Assessment
from .policy import GuardrailPolicy
from .spans import Locator, Span


@dataclass
class Verdict:
    """One screening's outcome: what ran, what fired, scores and PII counts (the log's view), and the spans."""

    ran: list[str]
    fired: list[str] = dataclasses.field(default_factory=list)
    scores: dict[str, Any] = dataclasses.field(default_factory=dict)
    pii: dict[str, int] = dataclasses.field(default_factory=dict)
    spans: list[Span] = dataclasses.field(default_factory=list)
    unlocated: int = 0


def read_verdict(policy: GuardrailPolicy, assessment: Assessment, joined: str, checks: Sequence[str]) -> Verdict:
    """What the assessment means under the policy: which checks fired, and the spans to mask."""
    verdict = Verdict(ran=list(checks))
    scores = assessment.moderation
    if "content_moderation" in checks and scores is not None:
        verdict.scores["content_moderation"] = scores
        wanted = set(policy.categories) or set(scores)
        if any((score or 0.0) >= policy.threshold for name, score in scores.items() if name in wanted):
            verdict.fired.append("content_moderation")
    injection = assessment.prompt_injection
    if "prompt_injection" in checks and injection is not None:
        verdict.scores["prompt_injection"] = injection
        if injection >= policy.threshold:
            verdict.fired.append("prompt_injection")
    if "pii" in checks and assessment.pii:
        locator = Locator(joined)
        for finding in assessment.pii:
            label = finding.label
            verdict.pii[label] = verdict.pii.get(label, 0) + 1
            located = locator.locate(finding.offset, finding.length, finding.text)
            verdict.unlocated += not located
            verdict.spans.extend(Span(start, end, label) for start, end in located)
        verdict.fired.append("pii")
    return verdict
