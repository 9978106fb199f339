"""The one reader of numeric configuration values: ASCII digits within a documented range, or ConfigError naming
the variable.

Python's `int()` and `float()` accept far more than an operator means: Unicode digits (`str.isdigit()` is true for
`²`, which `int()` then refuses), `_` separators, `inf`, `nan`, exponents and thousands of digits (`int()` refuses
over 4,300). Every numeric variable is read here instead, so no value can escape as anything but a ConfigError.
"""

from __future__ import annotations

import re

from .errors import ConfigError

MAX_CHARS = 32
"""Longer values are refused before they are converted: every range here is far shorter."""
_WHOLE = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


def whole(name: str, raw: str, low: int, high: int, *, what: str | None = None) -> int:
    """`raw` (already stripped) as an int in [low, high]; `what` replaces the default error text."""
    text = raw.strip()
    if len(text) <= MAX_CHARS and _WHOLE.fullmatch(text):
        value = int(text)
        if low <= value <= high:
            return value
    raise ConfigError(what or f"{name} must be a whole number from {low} to {high}")


def decimal(name: str, raw: str, low: float, high: float, *, low_open: bool = False, what: str | None = None) -> float:
    """`raw` as a float in [low, high] (above `low` when `low_open`): digits with at most one decimal point."""
    text = raw.strip()
    if len(text) <= MAX_CHARS and _DECIMAL.fullmatch(text):
        value = float(text)
        if (low < value if low_open else low <= value) and value <= high:
            return value
    bound = f"above {low}" if low_open else f"from {low}"
    raise ConfigError(what or f"{name} must be a decimal number {bound} to {high}")
