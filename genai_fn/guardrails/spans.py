"""Where a guardrail finding sits in the screened texts, and masking it: pure string work, no I/O.

A request's texts are joined and screened as one text: SEPARATOR between texts a model reads apart, nothing between
texts it reads as one (a turn's adjacent text parts); each finding's span is mapped back to the text (or texts) it
falls in. Offsets: the service's docs and SDK say only "offset" and "length". They are read as Unicode code points
(Python str indices) -- UNVERIFIED -- and checked against the finding's `text`; when that does not match, the
UTF-16 and UTF-8 readings are tried, then the text is searched for. A finding that cannot be located yields no
span: the caller refuses the request rather than forward it unmasked. Offsets outside the text (negative, or past
its end) are never used as they are.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

SEPARATOR = "\n\n"
"""Between a request's texts in the one screened text, unless the model reads them as one."""


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str


def join(texts: Sequence[str], glued: Sequence[bool] = ()) -> tuple[str, list[int]]:
    """The one screened text and where each of `texts` starts in it (code points); a text whose `glued` flag is set
    follows the one before it with no separator, as the model reads them."""
    starts, pieces, position = [], [], 0
    for index, text in enumerate(texts):
        if index and not (index < len(glued) and glued[index]):
            pieces.append(SEPARATOR)
            position += len(SEPARATOR)
        starts.append(position)
        pieces.append(text)
        position += len(text)
    return "".join(pieces), starts


@dataclass
class _Units:
    """Offsets in another unit (UTF-16 code units, UTF-8 bytes) to code points, for one text, in O(log n) each: the
    positions (in that unit) of the characters wider than one unit, and the extra units before and through each."""

    text: str
    width: Callable[[str], int]
    starts: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        total = 0
        for index, char in enumerate(self.text):
            if char >= "\x80":
                size = self.width(char)
                if size > 1:
                    self.starts.append(index + total)
                    total += size - 1
                    self.extra.append(total)

    def index(self, units: int) -> int | None:
        """The code-point index at `units`, or None when it falls inside a character or outside the text."""
        if units < 0:
            return None
        before = bisect_left(self.starts, units)  # wide characters starting before `units`
        if before:
            last = before - 1
            if units < self.starts[last] + 1 + self.extra[last] - (self.extra[last - 1] if last else 0):
                return None  # inside that character
        index = units - (self.extra[before - 1] if before else 0)
        return index if index <= len(self.text) else None


def _utf16(char: str) -> int:
    return 2 if char > "\uffff" else 1


def _utf8(char: str) -> int:
    return len(char.encode("utf-8", "surrogatepass"))


class Locator:
    """Finds findings in one joined text; the unit tables are built once, on the first finding that needs them, so
    a text with thousands of findings costs one pass per unit, not one per finding."""

    def __init__(self, joined: str) -> None:
        self.joined = joined
        self._units: dict[str, _Units] = {}

    def _convert(self, name: str, width: Callable[[str], int]) -> _Units:
        if name not in self._units:
            self._units[name] = _Units(self.joined, width)
        return self._units[name]

    def locate(self, offset: int, length: int, found: str | None) -> list[tuple[int, int]]:
        """Where a PII finding is, as code-point spans; [] if it cannot be located."""
        joined = self.joined
        inside = 0 <= offset and length > 0 and offset + length <= len(joined)
        if not found:
            return [(offset, offset + length)] if inside else []
        if inside and joined[offset : offset + length] == found:
            return [(offset, offset + length)]
        if 0 <= offset and length > 0:
            for name, width in (("utf16", _utf16), ("utf8", _utf8)):
                units = self._convert(name, width)
                start, end = units.index(offset), units.index(offset + length)
                if start is not None and end is not None and joined[start:end] == found:
                    return [(start, end)]
        spans, at = [], joined.find(found)
        while at >= 0:
            spans.append((at, at + len(found)))
            at = joined.find(found, at + len(found))
        return spans


def locate(joined: str, offset: int, length: int, found: str | None) -> list[tuple[int, int]]:
    """One finding located in `joined` (a Locator for many findings in the same text)."""
    return Locator(joined).locate(offset, length, found)


def mask(texts: Sequence[str], starts: Sequence[int], spans: Sequence[Span]) -> tuple[str, ...]:
    """Each span replaced by `<LABEL>`, mapped back to the text (or texts) it falls in (found by bisection: a
    request can hold many thousand texts). A span across two texts the model reads as one masks its part of each."""
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
    """Overlapping spans merged (the first label kept), then the text rebuilt once from the pieces between them:
    one pass, so a text with thousands of findings costs about one copy, not one per finding."""
    pieces: list[str] = []
    at = 0  # the end of the text already placed (or masked)
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if pieces and span.start < at:
            at = max(at, span.end)  # overlaps the span just masked: merged into it
            continue
        pieces.append(text[at : span.start])
        pieces.append(f"<{span.label}>")
        at = span.end
    pieces.append(text[at:])
    return "".join(pieces)
