"""Model families: one module per API format, found by name, loaded when a request needs it.

Each module of this package whose name does not start with `_` is one family: `cohere.py` speaks apiFormat COHERE,
`coherev2.py` COHEREV2, `generic.py` GENERIC, and each holds a `FAMILY` (families/_base.Family) with its ranges,
its features, its rules and both SDK translations. Adding a family is adding its module (docs/design.md, "Adding a
model family"); which model speaks which format is catalogue data (genai_fn/catalog.py) or configuration
(API_FORMAT, MODEL_API_FORMATS). No oci import here: configuration reads `api_formats()`.
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._base import Family

_loaded: dict[str, Family] = {}
_extra: dict[str, Family] = {}


def api_formats() -> tuple[str, ...]:
    """Every API format a family module (or a registered family) speaks, in a stable order."""
    names = os.listdir(os.path.dirname(__file__))
    modules = sorted(name[:-3].upper() for name in names if name.endswith(".py") and not name.startswith("_"))
    return (*modules, *(name for name in _extra if name not in modules))


def get(api_format: str) -> Family:
    """The family speaking `api_format` (one of api_formats(), as configuration has checked)."""
    family = _extra.get(api_format) or _loaded.get(api_format)
    if family is None:
        family = _loaded[api_format] = import_module(f".{api_format.lower()}", __name__).FAMILY
    return family


def register(family: Family) -> None:
    """Serve a family that has no module here (a test's toy family, a plug-in); configuration must name it."""
    _extra[family.api_format] = family


def unregister(api_format: str) -> None:
    _extra.pop(api_format, None)
