"""The guardrails policy: what the operator configured (GUARDRAILS and its companions), as pure data.

Read once per container with the rest of the configuration (genai_fn/config.py); screening.py applies it. The
caller cannot switch any of it off. Every variable is in docs/guardrails.md; every error names its variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..config_numbers import decimal, whole
from ..errors import ConfigError

CHECKS = ("content_moderation", "prompt_injection", "pii")
ACTIONS = {
    "content_moderation": ("block", "inform"),
    "prompt_injection": ("block", "inform"),
    "pii": ("block", "inform", "mask"),
}
SCOPES = ("input", "output", "embeddings")
"""GUARDRAILS_SCOPE's words: `input` is every text sent to a model (chat, embeddings and rerank), `output` every
reply a chat model returns, `embeddings` the embeddings and rerank inputs alone (kept from when only those were
screened apart)."""
STAGES = {
    "input": ("input",),
    "output": ("output",),
    "embeddings": ("input", "embeddings"),
    "rerank": ("input", "embeddings"),
}
"""Each screening stage (the log line's key) and the scope words that switch it on."""
ON_ERROR = ("closed", "open")
COMPANIONS = (
    "GUARDRAILS_SCOPE",
    "GUARDRAILS_ON_ERROR",
    "GUARDRAILS_PII_TYPES",
    "GUARDRAILS_CATEGORIES",
    "GUARDRAILS_THRESHOLD",
    "GUARDRAILS_MAX_CHARS",
    "GUARDRAILS_STREAM_WINDOW_CHARS",
)
MODERATION_CATEGORIES = ("OVERALL", "BLOCKLIST")
"""The categories the service returns (docs.oracle.com/iaas/Content/generative-ai/guardrails.htm); both are sent by
default, as ContentModerationConfiguration.categories is required (the SDK model marks it [Required])."""
DEFAULT_PII_TYPES = ("PERSON", "EMAIL", "TELEPHONE_NUMBER")
"""The labels Oracle's release note names, "and more" (docs.oracle.com/iaas/releasenotes/generative-ai/
ai-guardrails.htm); PersonallyIdentifiableInformationConfiguration.types is required, so these are sent unless
GUARDRAILS_PII_TYPES says otherwise."""
DEFAULT_THRESHOLD = 0.5
"""Scores are binary today (0.0 or 1.0, per the same page); anything at or above the threshold fires."""
MAX_CHARS_LIMIT = 6 * 1024 * 1024
"""GUARDRAILS_MAX_CHARS's upper bound: a request's joined text is never longer than its body (each text costs at least
two quotes and a comma or colon in JSON, and a character at least one byte), and a body is at most 6 MiB."""
DEFAULT_MAX_CHARS = MAX_CHARS_LIMIT
"""The longest joined text one screening sends (GUARDRAILS_MAX_CHARS). Neither the SDK's models nor Oracle's
guardrails pages document a limit for ApplyGuardrails' text, so the project sets its own: by default every request
the body limit admits is screened whole (measured: 96 MiB peak with the README's line on the largest bodies,
docs/guardrails.md); an operator lowers it to refuse long texts before the call. A longer text is refused, never
forwarded unscreened."""


DEFAULT_STREAM_WINDOW_CHARS = 400
"""Longer than the longest PII entity the service finds: an email address is at most 254 characters (RFC 5321's
256-octet path less its brackets), phone numbers, card and account numbers far less; the rest gives the detector
context on both sides. Each screening of a stream releases at least this many characters, so the number of
screening calls is about the reply's length / this (docs/streaming.md#guardrails-on-a-stream)."""
STREAM_WINDOW_LIMITS = (256, 100_000)
"""GUARDRAILS_STREAM_WINDOW_CHARS's bounds. A finding is released whole (masked) only when the screening that
releases its start sees all of it, which holds for a finding no longer than the window (guardrails/streaming.py):
the low bound is over the longest bounded entity, an email address (254 characters, RFC 5321 section 4.5.3.1.3
less the path's brackets), so no window can release part of one. Oracle's guardrails pages name PERSON, EMAIL and
TELEPHONE_NUMBER "and more" (docs.oracle.com/iaas/releasenotes/generative-ai/ai-guardrails.htm) and no entity
lengths; the SDK's PersonallyIdentifiableInformationConfiguration.types is free text. OCI Language's PII entities
(docs.oracle.com/iaas/language/using/pii.htm) add ADDRESS and secrets (COOKIE, AUTH_BEARER, ...), which have no
length limit: a longer one can cross any window, so an operator screening those on a stream uses a `block`
action (the whole reply is screened) or a window longer than the longest it expects."""


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
    max_chars: int = DEFAULT_MAX_CHARS
    """GUARDRAILS_MAX_CHARS: the longest joined text one screening sends."""
    stream_window_chars: int = DEFAULT_STREAM_WINDOW_CHARS
    """GUARDRAILS_STREAM_WINDOW_CHARS: on a stream, the reply's last characters held back until the text after them
    has been screened with them (guardrails/streaming.py)."""

    def action(self, check: str) -> str | None:
        return dict(self.actions).get(check)

    def checks(self, stage: str) -> tuple[str, ...]:
        """The checks to run at a stage (STAGES: input, output, embeddings, rerank): every configured check when
        the scope covers the stage, none otherwise."""
        if not self.scope.intersection(STAGES[stage]):
            return ()
        return tuple(check for check, _ in self.actions)


def parse_policy(environ: Mapping[str, str]) -> GuardrailPolicy | None:
    """GUARDRAILS and its companions, validated; every error names its variable. Unset GUARDRAILS: off."""
    raw = environ.get("GUARDRAILS", "").strip()
    if not raw:
        for name in COMPANIONS:
            if environ.get(name, "").strip():
                raise ConfigError(f"{name} is set but GUARDRAILS is not: set GUARDRAILS (e.g. pii:mask) or unset it")
        return None
    chosen: dict[str, str] = {}
    for item in (part.strip() for part in raw.split(",")):
        check, _, action = (piece.strip().lower() for piece in item.partition(":"))
        if check not in ACTIONS:
            raise ConfigError(
                f"GUARDRAILS: {ConfigError.cut(check)!r} is not a check; use {', '.join(CHECKS)} as check:action"
            )
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
        max_chars=_max_chars(environ.get("GUARDRAILS_MAX_CHARS", "").strip()),
        stream_window_chars=_stream_window(environ.get("GUARDRAILS_STREAM_WINDOW_CHARS", "").strip()),
    )


def _csv(environ: Mapping[str, str], name: str, *, lower: bool = False) -> tuple[str, ...]:
    items = (item.strip() for item in environ.get(name, "").split(","))
    return tuple(dict.fromkeys(item.lower() if lower else item for item in items if item))


def _threshold(raw: str) -> float:
    if not raw:
        return DEFAULT_THRESHOLD
    return decimal(
        "GUARDRAILS_THRESHOLD",
        raw,
        0.0,
        1.0,
        low_open=True,
        what="GUARDRAILS_THRESHOLD must be a number above 0 and at most 1",
    )


def _max_chars(raw: str) -> int:
    if not raw:
        return DEFAULT_MAX_CHARS
    return whole("GUARDRAILS_MAX_CHARS", raw, 1000, MAX_CHARS_LIMIT)


def _stream_window(raw: str) -> int:
    if not raw:
        return DEFAULT_STREAM_WINDOW_CHARS
    return whole("GUARDRAILS_STREAM_WINDOW_CHARS", raw, *STREAM_WINDOW_LIMITS)
