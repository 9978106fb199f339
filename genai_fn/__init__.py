"""oci-genai-fn: an OCI Function that fronts OCI Generative AI for callers inside a private network."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any


class _Lazy:
    """A module imported on its first attribute read, and read from sys.modules after that."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(sys.modules.get(self._name) or import_module(self._name), attribute)


def lazy(name: str) -> Any:
    """The module `name`, imported when first used: the one way a module here names what only some calls need (the
    error path, guardrails, streaming, tools, fallbacks), at its top beside a TYPE_CHECKING import of the same module,
    so a cold start pays only for what every call needs (tests/integration/test_import_budget.py)."""
    return _Lazy(name)


from .logs import quiet_libraries  # noqa: E402 - lazy is defined first: the modules logs imports may use it

# fdk configures the root logger at DEBUG before it loads func.py; quiet the SDK before it is imported,
# or its import-time and per-request debug lines (some with request headers) reach the function's logs.
quiet_libraries()
