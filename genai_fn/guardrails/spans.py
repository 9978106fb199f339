"""Where a guardrail finding sits in the screened texts, and masking it: pure string work, no I/O.

A request's texts are joined with SEPARATOR and screened as one text; each finding's span is mapped back to the
text (or texts) it falls in. Offsets: the service's docs and SDK say only "offset" and "length". They are read as
Unicode code points (Python str indices) -- UNVERIFIED -- and checked against the finding's `text`; when that does
not match, the UTF-16 and UTF-8 readings are tried, then the text is searched for. A finding that cannot be
located yields no span: the caller refuses the request rather than forward it unmasked.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

SEPARATOR = "\n\n"
"""Between a request's texts in the one screened text."""


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
    """Each span replaced by `<LABEL>`, mapped back to the text (or texts) it falls in (found by bisection: a
    request can hold many thousand texts)."""
    per_text: dict[int, list[Span]] = {}
    for span in spans:
        index = max(bisect_right(starts, span.start) - 1, 0)
        while index < len(texts) and starts[index] < span.end:
            start = starts[index]
            low, high = max(span.start, start), min(span.end, start + len(texts[index]))
            if low < high:
                per_text.setdefault(index, []).append(Span(low - start, high - start, span.label))
            index += 1
    return tuple(_mask_one(text, per_text[i]) if i in per_text else text for i, text in enumerate(texts))


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
