"""Every string a model (or a parser on its way) reads from a JSON value: the one reader the guardrail tests use to
find a text in what was sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def decoded_strings(value: Any) -> Iterator[str]:
    """Every string and key of a JSON value, and of every JSON text inside one of its strings, decoded."""
    if isinstance(value, str):
        yield value
        try:
            inner = json.loads(value)
        except ValueError:
            return
        if not isinstance(inner, str):
            yield from decoded_strings(inner)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from decoded_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from decoded_strings(item)
