"""The neutral guardrails assessment: what OCI's ApplyGuardrails found in one text, without SDK types."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PiiFinding:
    label: str
    offset: int
    length: int
    text: str | None
    """The text the service says it found; used to check where the offset points (offset units are UNVERIFIED)."""


@dataclass(frozen=True)
class Assessment:
    """Scores per check the service ran; a check it did not report is None / empty."""

    moderation: dict[str, float | None] | None = None
    """Content-moderation category -> score."""
    prompt_injection: float | None = None
    pii: tuple[PiiFinding, ...] = ()
