"""The emulated ApplyGuardrails operation: validate ApplyGuardrailsDetails from the SDK's model, answer an
ApplyGuardrailsResult in the wire shape of the SDK models' attribute_map, with deterministic findings.

Triggers a test can use: UNSAFE_MARKER (content moderation OVERALL 1.0), INJECTION_MARKER (prompt injection 1.0,
case-insensitive), email addresses (EMAIL) and phone numbers like +1 555 010 0199 (TELEPHONE_NUMBER). Offsets and
lengths are Unicode code points, the reading genai_fn/guardrails/spans.py makes (UNVERIFIED against the service).
Only the checks the request configures are answered, as the service does.
"""

from __future__ import annotations

import re
from typing import Any

from oci.generative_ai_inference import models

from emulator.errors import invalid
from emulator.shape import validate

UNSAFE_MARKER = "[[unsafe-content]]"
INJECTION_MARKER = "ignore all previous instructions"
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
"""An address; a match starts only where a run of address characters starts, so a text of megabytes without an
`@` is scanned once (the plain pattern retried every position of a long run: quadratic)."""
PHONE = re.compile(r"\+\d{1,3}(?: \d{3}){2} \d{4}")
DETECTORS = (("EMAIL", EMAIL), ("TELEPHONE_NUMBER", PHONE))


def answer(body: Any) -> dict[str, Any]:
    """The ApplyGuardrailsResult JSON for a valid request, or raise ApiError (400) as the service would."""
    validate(body, models.ApplyGuardrailsDetails)
    if not str(body.get("compartmentId") or "").strip():
        raise invalid("Invalid value for compartmentId: must not be blank.")
    given = body.get("input")
    if not isinstance(given, dict) or given.get("type") != "TEXT" or not isinstance(given.get("content"), str):
        raise invalid("Invalid value for input: a TEXT input with content is required.")
    text: str = given["content"]
    configs = body.get("guardrailConfigs") or {}
    results: dict[str, Any] = {}
    moderation = configs.get("contentModerationConfig")
    if moderation is not None:
        names = moderation.get("categories") or ["OVERALL", "BLOCKLIST"]
        unsafe = 1.0 if UNSAFE_MARKER in text else 0.0
        results["contentModeration"] = {
            "categories": [{"name": name, "score": unsafe if name == "OVERALL" else 0.0} for name in names]
        }
    if configs.get("promptInjectionConfig") is not None:
        results["promptInjection"] = {"score": 1.0 if INJECTION_MARKER in text.lower() else 0.0}
    pii = configs.get("personallyIdentifiableInformationConfig")
    if pii is not None:
        wanted = set(pii.get("types") or [label for label, _ in DETECTORS])
        findings = [
            {"length": m.end() - m.start(), "offset": m.start(), "text": m.group(), "label": label, "score": 0.99}
            for label, pattern in DETECTORS
            if label in wanted
            for m in pattern.finditer(text)
        ]
        results["personallyIdentifiableInformation"] = sorted(findings, key=lambda f: f["offset"])
    return {"results": results}
