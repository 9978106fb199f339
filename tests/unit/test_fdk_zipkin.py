"""fdk's tracing context reuses one ZipkinAttrs class instead of defining one per call (genai_fn/fdk_zipkin.py)."""

from __future__ import annotations

import collections
import importlib.metadata

import pytest
from fdk import context

from genai_fn import fdk_zipkin


def tracing(trace_id: str, enabled: bool = False) -> context.TracingContext:
    return context.TracingContext(enabled, "http://collector", trace_id, "span-1", "parent-1", 1, 0)


def test_fdk_is_the_release_the_fix_was_checked_against() -> None:
    installed = importlib.metadata.version("fdk")
    assert installed == fdk_zipkin.FDK_VERSION, (
        f"fdk is {installed}: check whether fdk/context.py still calls namedtuple per call; if not, remove "
        "genai_fn/fdk_zipkin.py and its import in func.py, else update FDK_VERSION"
    )


def test_fdk_defines_the_class_inside_every_call() -> None:
    """The premise: the per-call code names namedtuple (if fdk moves it to import time, the fix can go)."""
    create = context.TracingContext._TracingContext__create_zipkin_attrs
    assert "namedtuple" in create.__code__.co_names


def test_every_call_gets_the_same_class_and_its_own_values() -> None:
    assert fdk_zipkin.APPLIED
    first, second = tracing("trace-1").zipkin_attrs(), tracing("trace-2", enabled=True).zipkin_attrs()
    assert type(first) is type(second) and type(first).__name__ == "ZipkinAttrs"
    assert first._fields == ("trace_id", "span_id", "parent_span_id", "is_sampled", "flags")
    assert first == ("trace-1", "span-1", "parent-1", True, 0)
    assert second.trace_id == "trace-2" and second.parent_span_id == "span-1" and second.span_id != "span-1"


def test_without_the_fix_each_call_defines_a_new_class(monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: fdk's own code, with the standard namedtuple back."""
    monkeypatch.setattr(context, "namedtuple", collections.namedtuple)
    assert type(tracing("a").zipkin_attrs()) is not type(tracing("b").zipkin_attrs())
    assert fdk_zipkin.apply() and type(tracing("a").zipkin_attrs()) is type(tracing("b").zipkin_attrs())
