"""Stops fdk 0.1.128 from defining a class on every call: its tracing context builds `ZipkinAttrs` anew each time.

fdk/context.py's `TracingContext.__create_zipkin_attrs`, run for every invocation, calls
`collections.namedtuple("ZipkinAttrs", "trace_id, span_id, parent_span_id, is_sampled, flags")`, which defines a new
class each time (namedtuple compiles its `__new__`): about 0.1 ms per call, a quarter of what fdk and the socket hop
cost a call that does nothing (0.42 ms, 0.32 ms with this fix, on the benchmark machine). The arguments never
change, so fdk's module gets a cached namedtuple: the first call defines the class, every later one reuses it.
Fields and values are unchanged; only the class is shared between calls. Applied on import (func.py) and only while
fdk.context uses the standard namedtuple; an fdk upgrade re-checks it (a test pins FDK_VERSION).
"""

from __future__ import annotations

import functools
from collections import namedtuple

from fdk import context

FDK_VERSION = "0.1.128"
"""The fdk release this was checked against."""


def apply() -> bool:
    """Give fdk.context a cached namedtuple where it uses the standard one; True when it is in place."""
    current = getattr(context, "namedtuple", None)
    if current is not namedtuple:
        return current is not None and getattr(current, "__wrapped__", None) is namedtuple
    context.namedtuple = functools.cache(namedtuple)
    return True


APPLIED = apply()
