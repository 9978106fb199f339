"""ApplyGuardrails in the SDK's own models: the request for one (joined) text, and its result read as a neutral
Assessment.

The service also takes `multimodalInput`, a list of text and image items (ApplyGuardrailsDetails' docstring; image
moderation needs guardrails version 1.1.0), but a PII finding (PersonallyIdentifiableInformationResult: offset,
length, text, label, score) names no item, so masks could not be mapped back to a list's items. A request's texts
are therefore joined into the one `input` text (guardrails/spans.py) and screened in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from oci.generative_ai_inference import models

from ..guardrails.policy import DEFAULT_PII_TYPES, MODERATION_CATEGORIES, GuardrailPolicy
from ..neutral.guardrails import Assessment, PiiFinding


def to_details(policy: GuardrailPolicy, text: str, compartment_id: str, checks: Sequence[str]) -> Any:
    """ApplyGuardrailsDetails for one text (`input`, a GuardrailsTextInput) and the checks to run."""
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


def to_assessment(result: Any) -> Assessment:
    """The ApplyGuardrailsResult's scores and findings; a check the service did not report stays empty."""
    results = getattr(result, "results", None)
    moderation = getattr(results, "content_moderation", None)
    injection = getattr(results, "prompt_injection", None)
    findings = getattr(results, "personally_identifiable_information", None) or []
    return Assessment(
        moderation=None
        if moderation is None
        else {c.name: c.score for c in moderation.categories or [] if c.name is not None},
        prompt_injection=None if injection is None else (injection.score or 0.0),
        pii=tuple(
            PiiFinding(str(f.label or "PII"), f.offset or 0, f.length or 0, f.text if isinstance(f.text, str) else None)
            for f in findings
        ),
    )
