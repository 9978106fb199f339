"""Output guardrails on a stream: screen the reply as it comes, and release only text that was screened.

Two modes, chosen by the policy:

- **window** (`pii:mask`, or checks that only inform): the text (and the reasoning) of the reply is held back until
  `2 x GUARDRAILS_STREAM_WINDOW_CHARS` characters are unreleased; then all of them are screened with one
  apply_guardrails call and everything but the last window is released, each PII finding masked. The window is
  screened again with what follows it, so every released character was screened with at least a window of text
  after it, and a finding that crosses the cut is released whole (masked) rather than split. Tool calls and
  citations wait for the end (the client's parser reads tool arguments whole): tool calls are screened with the
  reply's own output screening, and a citation is kept only when its quote is in the released (masked) text.
- **buffer** (any output check set to `block`, or a request that asked for JSON): a `block` finding must withhold
  the whole reply, as the buffered path does, and a window can only mask, never take back what it released; a JSON
  reply is screened as its caller's parser reads it (decoded, plan.JSON_REPLY), which needs the whole text. So the
  whole reply is gathered, screened as one (screening.screen_chat_output) and then released. The caller's first
  token waits for the whole generation.

A finding that cannot be masked (a PII finding the service could not place) ends the stream with finish_reason
content_filter, releasing nothing more. The log record's `guardrails.output` sums the screenings. Latency each mode
costs: docs/streaming.md#guardrails-on-a-stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..errors import GuardrailsUnavailable, UpstreamError, UpstreamThrottled
from ..families._base import anchored
from ..logs import CallFacts, current_record
from ..neutral.features import Citation
from ..neutral.stream import ChatDelta, deltas_of, joined
from .policy import GuardrailPolicy
from .screening import UNAVAILABLE_RETRY_AFTER, screen_chat_output
from .spans import Span, mask
from .verdict import read_verdict

if TYPE_CHECKING:
    from .screening import Assess


def buffered(policy: GuardrailPolicy, json_mode: bool) -> bool:
    """Whether the whole reply must be screened before any of it is released: an output check whose action is
    `block` (whatever the check), or a reply its caller reads as JSON; the window serves only mask and inform."""
    checks = policy.checks("output")
    return bool(checks) and (json_mode or any(policy.action(check) == "block" for check in checks))


def screened_stream(
    assess: Assess,
    policy: GuardrailPolicy,
    deltas: Iterator[ChatDelta],
    model: str,
    deadline: float,
    json_mode: bool = False,
) -> Iterator[ChatDelta]:
    """The deltas with the output screened before release (the module's docstring says how); `json_mode`: the
    request asked for JSON (screened decoded, as screening.screen_chat_output does)."""
    if not policy.checks("output"):
        yield from deltas
        return
    if buffered(policy, json_mode):
        whole = screen_chat_output(assess, policy, joined(deltas, model), deadline, json_mode)
        entry = (current_record().guardrails or {}).get("output")
        if isinstance(entry, dict):
            entry["mode"] = "buffer"
        yield from deltas_of(whole)
        return
    yield from _windowed(assess, policy, deltas, model, deadline)


def _windowed(
    assess: Assess, policy: GuardrailPolicy, deltas: Iterator[ChatDelta], model: str, deadline: float
) -> Iterator[ChatDelta]:
    window = policy.stream_window_chars
    text = _Held(assess, policy, deadline)
    reasoning = _Held(assess, policy, deadline)
    held: list[ChatDelta] = []  # tool-call pieces and citations, until the end
    for delta in deltas:
        if delta.tool_calls or delta.citations:
            held.append(ChatDelta(tool_calls=delta.tool_calls, citations=delta.citations))
        text.add(delta.text)
        reasoning.add(delta.reasoning)
        if delta.finish_reason is not None:
            out = ChatDelta(reasoning=reasoning.release(0), text=text.release(0))
            if text.refused or reasoning.refused:
                yield ChatDelta(finish_reason="content_filter", usage=delta.usage)
                return
            if out.has_content:
                yield out
            yield from _the_end(assess, policy, held, text.released, delta, model, deadline)
            return
        out = ChatDelta(
            reasoning=reasoning.release(window) if reasoning.ready(window) else "",
            text=text.release(window) if text.ready(window) else "",
        )
        if text.refused or reasoning.refused:
            yield ChatDelta(finish_reason="content_filter")
            return
        if out.has_content:
            yield out


def _the_end(
    assess: Assess,
    policy: GuardrailPolicy,
    held: list[ChatDelta],
    released: list[str],
    last: ChatDelta,
    model: str,
    deadline: float,
) -> Iterator[ChatDelta]:
    """The held tool calls and the citations that quote released text, screened as the reply's output (the
    citations' document ids as names, as on the function: a finding withholds them, never masks them), then the end."""
    calls = joined(held, model)
    quoted: tuple[Citation, ...] = anchored("".join(released), calls.citations)
    if calls.tool_calls or quoted:
        record = current_record()
        window = (record.guardrails or {}).get("output")
        screened = screen_chat_output(assess, policy, replace(calls, citations=quoted), deadline)
        if window is not None and record.guardrails is not None:  # the line keeps the window's screenings too
            end = record.guardrails["output"]
            record.guardrails["output"] = {**window, "end": end}
            if end.get("outcome") in ("blocked", "too_long", "failed_open"):
                record.guardrails["output"]["outcome"] = end["outcome"]
        if screened.finish_reason == "content_filter":
            yield ChatDelta(finish_reason="content_filter", usage=last.usage)
            return
        yield from (ChatDelta(tool_calls=d.tool_calls) for d in deltas_of(screened) if d.tool_calls)
    if quoted:  # ids are never masked, so what passed is `quoted` (the screened copy has no text to anchor them in)
        yield ChatDelta(citations=quoted)
    yield ChatDelta(finish_reason=last.finish_reason, usage=last.usage)


class _Held:
    """One channel's unreleased text (the reply's text, or its reasoning), and what it has released."""

    def __init__(self, assess: Assess, policy: GuardrailPolicy, deadline: float) -> None:
        self._assess, self._policy, self._deadline = assess, policy, deadline
        self.pending = ""
        self.released: list[str] = []
        self.refused = False

    def add(self, piece: str) -> None:
        self.pending += piece

    def ready(self, window: int) -> bool:
        return len(self.pending) >= 2 * window

    def release(self, keep: int) -> str:
        """Screen every unreleased character; release all but the last `keep` of them (more when a finding crosses
        the cut), masked. Empty when nothing is due, or when the text was refused (`refused`)."""
        if not self.pending or self.refused:
            return ""
        spans = screen_text(self._assess, self._policy, self.pending, self._deadline)
        if spans is None:
            self.refused = True
            return ""
        cut = max(len(self.pending) - keep, 0)
        for span in sorted(spans, key=lambda s: s.start):
            if span.start < cut < span.end:
                cut = span.end
        out = mask([self.pending[:cut]], [0], [s for s in spans if s.start < cut])[0]
        self.pending = self.pending[cut:]
        self.released.append(out)
        return out


def screen_text(assess: Assess, policy: GuardrailPolicy, text: str, deadline: float) -> list[Span] | None:
    """One output screening of a text (a window: no check blocks, see `buffered`): the PII spans to mask (none
    unless pii's action is mask), or None when the text must not be released (a PII finding that cannot be placed,
    or a text over GUARDRAILS_MAX_CHARS). Fails closed or open as the policy says; adds itself to the record's
    `guardrails.output` entry."""
    checks = policy.checks("output")
    record = current_record()
    entry: dict[str, Any] = (record.guardrails or {}).get("output") or {"ran": list(checks), "mode": "window"}
    record.guardrails = {**(record.guardrails or {}), "output": entry}
    entry["screenings"] = entry.get("screenings", 0) + 1
    entry["chars"] = entry.get("chars", 0) + len(text)
    if len(text) > policy.max_chars:  # one long piece: refused as on the function, never screened in part or skipped
        entry["outcome"] = "too_long"
        return None
    facts = CallFacts()
    try:
        assessment = assess(policy, text, checks, deadline, facts)
    except UpstreamError as error:
        entry["error"] = error.code
        if policy.on_error == "open":
            entry["outcome"] = "failed_open"
            return []
        entry["outcome"] = "failed_closed"
        retry = error.retry_after if isinstance(error, UpstreamThrottled) else UNAVAILABLE_RETRY_AFTER
        raise GuardrailsUnavailable(
            "the guardrails service could not screen this reply; retry later", retry_after=retry
        ) from error
    finally:
        entry["attempts"] = entry.get("attempts", 0) + facts.attempts
        entry["ms"] = round(entry.get("ms", 0.0) + facts.ms, 1)
    verdict = read_verdict(policy, assessment, text, checks)
    for label, count in verdict.pii.items():
        entry.setdefault("pii", {})[label] = entry.get("pii", {}).get(label, 0) + count
    entry["fired"] = sorted(set(entry.get("fired", [])) | set(verdict.fired))
    masking = "pii" in verdict.fired and policy.action("pii") == "mask"
    if masking and verdict.unlocated:
        entry["outcome"] = "blocked"
        return None
    if entry.get("outcome") != "masked":
        entry["outcome"] = "masked" if masking else "informed" if verdict.fired else "passed"
    return verdict.spans if masking else []
