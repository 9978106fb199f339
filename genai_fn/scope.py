"""One helper for request-scoped facts: set a ContextVar for the length of a block, then put it back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")


@contextlib.contextmanager
def scoped(var: ContextVar[T], value: T) -> Iterator[T]:
    """`var` holds `value` inside the block (one request, one upstream attempt) and its old value after it."""
    token = var.set(value)
    try:
        yield value
    finally:
        var.reset(token)
