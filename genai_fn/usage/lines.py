"""Read request-log lines (the function's one JSON line per request) out of a Connector Hub batch or a log file.

A Connector Hub connector with a Logging source and a Functions target invokes the function with a JSON array of
log entries in Logging's entry format; for a function's log (category `invoke`) the function's own output line is the
string `data.message`, next to `data.src` (STDOUT or STDERR), `data.functionId` and `time`
(docs.oracle.com/iaas/Content/Logging/Reference/details_for_functions.htm; Oracle's log-forwarding samples read
`item['data']` of each array item, oracle-samples/oracle-functions-samples samples/oci-logs-splunk-hec/func.py). An
entry wrapped as `{"logContent": {...}}` (how Connector Hub's Monitoring target names the entry) is read too.

Lines that are not request lines (the platform's "Received function invocation request", fdk's own output) are
`ignored`; a request line without a usable caller, token count or time, an entry without a message, and an entry
nested deeper than MAX_DEPTH are `malformed`. Neither ever raises, whatever the batch holds: the batch is split
into its entries by a linear scan before anything is decoded, so an entry nested 100,000 deep (which json.loads
would answer with a RecursionError) or a 400-digit count is one malformed entry, and the rest is read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..caller import is_valid_caller

NONE = "none"
"""Dimension value for a request without a model or route (Monitoring refuses empty dimension values)."""
MAX_DIMENSION_CHARS = 512
"""MetricDataDetails.dimensions: "The character limit for a dimension value is 512" (oci SDK docstring)."""
MAX_DEPTH = 16
"""Nesting an entry or a request line may have: a Functions log entry is 3 deep, a request line 3 (its `budget`
and `guardrails` objects); anything deeper is not one, and is refused before json.loads recurses into it."""
MAX_COUNT = 10**12
"""The largest token count a request line may carry: far above any request, far below float precision (the
metrics are floats), so every sum of a batch stays exact."""
_TOKENS = re.compile(r'"(?:[^"\\]++|\\.?)*+(?:"|\Z)|[\[\]{},]')
"""A JSON string literal (its brackets are not structure; possessive, so linear on any text) or a structural
character."""


@dataclass(frozen=True)
class UsageLine:
    """One request as the usage metrics see it; `minute` is the request's time, in whole minutes since the epoch."""

    caller: str
    model: str
    """The model that answered (`answered_by`): a fallback's target when one served, else the model chosen."""
    route: str
    minute: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cached_tokens: int = 0
    """Of input_tokens, read from the service's prompt cache (the line's `cached_tokens`, when reported)."""
    reasoning_tokens: int = 0
    """Of output_tokens, spent reasoning (the line's `reasoning_tokens`, when reported)."""


@dataclass
class Batch:
    """What one batch (or file) held."""

    lines: list[UsageLine] = field(default_factory=list)
    entries: int = 0
    ignored: int = 0
    malformed: int = 0


class _Malformed(ValueError):
    """A request line the metrics cannot use (usage_line's ValueError)."""


def read_batch(body: bytes) -> Batch:
    """A Connector Hub batch: a JSON array of log entries (one entry alone is read as a batch of one)."""
    batch = Batch()
    try:
        text = body.decode()
    except UnicodeDecodeError:
        batch.entries, batch.malformed = 1, 1
        return batch
    for entry in _entries(text):
        batch.entries += 1
        message, time = _message(entry)
        if message is None:
            batch.malformed += 1
            continue
        _add(batch, message, time)
    return batch


def _entries(text: str) -> Iterator[object]:
    """Each entry of a JSON array (or the one value that is not an array), decoded alone; an entry that is too deep
    or not JSON is yielded as None (malformed)."""
    stripped = text.strip()
    if not stripped.startswith("["):
        yield _loads(stripped)
        return
    depth, deepest, start = 0, 0, 1
    for token in _TOKENS.finditer(stripped):
        mark = token.group()
        if mark in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif mark in "]}":
            depth -= 1
        if (mark == "," and depth == 1) or depth == 0:
            piece = stripped[start : token.start()]
            if piece.strip() or mark == ",":
                yield _loads(piece) if deepest <= MAX_DEPTH + 1 else None
            start, deepest = token.end(), 1
            if depth == 0:
                if stripped[token.end() :].strip():
                    yield None  # text after the array
                return
    yield None  # an array that never ends


def _loads(text: str) -> object:
    """`text` decoded, or None when it is not JSON or nested deeper than MAX_DEPTH."""
    if _depth(text) > MAX_DEPTH:
        return None
    try:
        return json.loads(text)
    except ValueError:  # not JSON, or an integer of more digits than Python converts
        return None


def _depth(text: str) -> int:
    """How deeply `text`'s JSON nests, found without decoding it (string contents are skipped)."""
    depth = deepest = 0
    for token in _TOKENS.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif mark in "]}":
            depth -= 1
    return deepest


def read_lines(lines: Iterable[str]) -> Batch:
    """Log text: each line a request-log line, a Functions log entry (JSON), or anything else (ignored)."""
    batch = Batch()
    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        batch.entries += 1
        value = _loads(text)
        if value is None:
            batch.ignored += 1
            continue
        message, time = _message(value) if isinstance(value, dict) and "data" in value else (text, None)
        if message is None:
            batch.malformed += 1
        else:
            _add(batch, message, time)
    return batch


def _message(entry: Any) -> tuple[str | None, str | None]:
    """(data.message, time) of one log entry, or (None, None) when the entry has no message."""
    if isinstance(entry, dict) and isinstance(entry.get("logContent"), dict):
        entry = entry["logContent"]
    data = entry.get("data") if isinstance(entry, dict) else None
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str):
        return None, None
    time = entry.get("time")
    return message, time if isinstance(time, str) else None


def _add(batch: Batch, message: str, entry_time: str | None) -> None:
    try:
        line = parse_line(message, entry_time)
    except _Malformed:
        batch.malformed += 1
        return
    if line is None:
        batch.ignored += 1
    else:
        batch.lines.append(line)


def parse_line(message: str, entry_time: str | None = None) -> UsageLine | None:
    """The request line in `message`, None when it is not one; raises _Malformed for a request line it cannot use."""
    if _depth(message) > MAX_DEPTH:
        raise _Malformed
    try:
        value = json.loads(message)
    except ValueError:
        return None
    return usage_line(value, entry_time)


def usage_line(value: Any, entry_time: str | None = None) -> UsageLine | None:
    """The request line's usage, None when `value` (a decoded log line) is not a request line; ValueError for a
    request line the metrics cannot use. The streaming edge hands it the dict its log line is made from."""
    if not isinstance(value, dict) or value.get("event") != "request":
        return None
    caller = value.get("caller")
    if not isinstance(caller, str) or not is_valid_caller(caller):
        raise _Malformed
    input_tokens = _count(value.get("prompt_tokens"))
    output_tokens = _count(value.get("completion_tokens"))
    total = value.get("total_tokens")
    total_tokens = input_tokens + output_tokens if total is None else _count(total)
    return UsageLine(
        caller=caller,
        model=_dimension(answered_by(value)),
        route=_dimension(value.get("route")),
        minute=_minute(value.get("ts"), entry_time),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=total_tokens,
        cached_tokens=_count(value.get("cached_tokens")),
        reasoning_tokens=_count(value.get("reasoning_tokens")),
    )


def answered_by(line: dict[str, Any]) -> Any:
    """The model a request's tokens were generated (and billed) by: when a fallback answered, the line's `model` is
    the one the caller chose, `fallback_from` repeats it and `served_by` names the target that answered (a model id,
    or a dedicated endpoint's OCID; usecases/fallback.py), so that is the one counted and priced. Otherwise `model`:
    without a fallback `served_by` is the chosen model or, with DEDICATED_ENDPOINT_ID, that endpoint's OCID, which
    serves the model named in `model` (docs/usage.md#which-model-a-request-counts-for)."""
    if line.get("fallback_from") not in (None, "") and line.get("served_by") not in (None, ""):
        return line.get("served_by")
    return line.get("model")


def _count(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise _Malformed
    return value


def _dimension(value: Any) -> str:
    if value is None or value == "":
        return NONE
    if not isinstance(value, str) or len(value) > MAX_DIMENSION_CHARS or not value.isprintable():
        raise _Malformed
    return value


def _minute(ts: Any, entry_time: str | None) -> int:
    for candidate in (ts, entry_time):
        if isinstance(candidate, str):
            try:
                when = datetime.fromisoformat(candidate.replace("Z", "+00:00"))
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                return int(when.timestamp() // 60)
            except (ValueError, OverflowError):  # not a time, or one past the calendar's ends once made UTC
                continue
    raise _Malformed
