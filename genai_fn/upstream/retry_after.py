"""Retry-After as RFC 9110 section 10.2.3 defines it: delay-seconds (ASCII digits) or an HTTP-date; nothing else.

A broken upstream sends all kinds of values (a Unicode digit such as "²", a fraction, a negative number, prose);
those are not a wait at all, so the caller of `parse` falls back to its own backoff.
"""

from __future__ import annotations

import re
from datetime import UTC
from email.utils import parsedate_to_datetime

MAX_SECONDS = 86_400
"""A longer wait is passed on as one day: a 40-digit delay is the upstream's bug, not a schedule."""
_DELAY_SECONDS = re.compile(r"[0-9]+")
"""ASCII digits only: str.isdigit() also accepts "²" and "٣", which int() then refuses or misreads."""


def parse(value: str | None, now: float) -> int | None:
    """Whole seconds to wait (0 for an HTTP-date in the past), capped at MAX_SECONDS; None when absent or invalid."""
    if value is None:
        return None
    value = value.strip(" \t")
    if _DELAY_SECONDS.fullmatch(value):
        return min(int(value[:8]), MAX_SECONDS)  # 8 digits already exceed the cap; never int() a huge string
    if not value.isascii() or not value[:1].isalpha():
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # asctime carries no zone: RFC 9110 dates are all GMT
        when = when.replace(tzinfo=UTC)
    return min(max(0, int(when.timestamp() - now + 0.999)), MAX_SECONDS)
