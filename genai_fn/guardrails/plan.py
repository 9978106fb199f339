"""The screening plan: every text a model will read from a request (or a caller from a reply), found by walking the
neutral dataclasses, and the same walk writing the screened (masked) texts back into place.

Text is found generically, not field by field: every `str` field of a neutral dataclass, every string inside a
JSON-like value (a tool's parameter schema, a response format's schema) and every dict key is a slot, in a fixed
walk order, unless NOT_TEXT names the field with the reason it carries no text a model reads (ids, roles, enums,
image URLs). A field added to the neutral request later (documents, say) is screened without a change here;
tests/unit/test_screening_plan.py fails when a field's type is one the walk cannot read, or when a family's SDK
request carries text the plan did not screen.

Each slot has a kind: TEXT is masked in place; NAME (a tool or schema name, a JSON key) is screened but never
masked, since the caller's code expects the name back (a finding there refuses the request); JSON (a tool call's
`arguments`) is masked in place and must stay valid JSON. What is masked is exactly what is sent: the family builds
its SDK request from the request this plan rebuilds.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..neutral.chat import (
    ChatReply,
    ChatRequest,
    Citation,
    Document,
    ImagePart,
    JsonSchema,
    Message,
    Params,
    Reasoning,
    Tool,
    ToolCall,
)
from ..neutral.embeddings import EmbeddingRequest
from ..neutral.rerank import RerankRequest

T = TypeVar("T")

TEXT, NAME, JSON = "text", "name", "json"
NEUTRAL_PACKAGE = "genai_fn.neutral"
"""A contract's subclass of a neutral request (ResponsesCall, ChatCall, EmbeddingCall) is walked as its neutral
base: what the contract keeps beside it (stream flags, the Responses echo) is rendered back, never sent."""

NOT_TEXT: dict[tuple[type, str], str] = {
    (ChatRequest, "model"): "a model id, checked against the allow-list",
    (ChatRequest, "api_format"): "an API format chosen by configuration",
    (ChatRequest, "tool_choice"): "auto, none, required or the name of one of `tools`, screened there",
    (ChatRequest, "logit_bias"): "token ids (digits) mapped to numbers",
    (ChatRequest, "names"): "the caller's field names, for errors; never sent",
    (Message, "role"): "a role: system, user, assistant or tool",
    (ImagePart, "url"): "an image (a data: or https: URL): images are not screened (docs/guardrails.md, Images)",
    (ImagePart, "detail"): "an enum: auto, low or high",
    (ImagePart, "where"): "the caller's field path, for errors; never sent",
    (Params, "stop"): "stop sequences: matched against the model's output, never read by it as a prompt",
    (Reasoning, "effort"): "an enum",
    (Reasoning, "verbosity"): "an enum",
    (ChatReply, "model"): "the model id the service answered with",
    (ChatReply, "finish_reason"): "an enum",
    (ChatReply, "opc_request_id"): "the service's request id",
    (EmbeddingRequest, "model"): "a model id, checked against the allow-list",
    (EmbeddingRequest, "input_type"): "an enum",
    (EmbeddingRequest, "truncate"): "an enum",
    (RerankRequest, "model"): "a model id, checked against the allow-list",
    (Document, "id"): "the id a citation names the document by: it must come back unchanged",
    (ChatRequest, "citation_quality"): "an enum",
    (ChatRequest, "safety_mode"): "an enum",
    (Citation, "document_ids"): "the ids of the cited documents",
}
"""Neutral fields that hold strings but no text a model reads (or a caller reads as the model's words), with the
reason. Everything else is screened."""

KINDS: dict[tuple[type, str], str] = {
    (Tool, "name"): NAME,
    (ToolCall, "name"): NAME,
    (ToolCall, "id"): NAME,
    (Message, "tool_call_id"): NAME,
    (JsonSchema, "name"): NAME,
    (ToolCall, "arguments"): JSON,
}
"""Fields whose strings are not plain TEXT (dict keys are always NAME)."""

DERIVED: dict[tuple[type, str], tuple[Callable[[Any], bool], Callable[[Any], Any]]] = {
    (Message, "content"): (
        lambda message: bool(message.parts),
        lambda message: "".join(part for part in message.parts if isinstance(part, str)),
    ),
    (ChatReply, "citations"): (
        lambda reply: bool(reply.citations),
        lambda reply: tuple(c for c in reply.citations if reply.text[c.start : c.end] == c.text),
    ),
}
"""Fields computed from others when the predicate holds (and only when a mask changed the value):
- a turn with an image keeps its text in `parts` (sent by families that take images) and the same text joined in
  `content` (sent by text-only families). The parts are screened once; `content` is rebuilt from them, so both
  carry the same masked text;
- a reply's citations point into its text by offsets and quote it: a mask in the reply keeps only the citations
  whose span still holds their quote (before any mask, and without one), so no citation repeats a masked text or
  points at the wrong span."""

Visit = Callable[[str, str], str]


@dataclass(frozen=True)
class Plan(Generic[T]):
    """The texts of one neutral value, in walk order, with their kinds; `apply` writes screened texts back."""

    source: T
    texts: tuple[str, ...]
    kinds: tuple[str, ...]

    def unmaskable(self, masked: Sequence[str]) -> int:
        """How many slots a mask would break: a NAME changed, or JSON text that no longer parses."""
        broken = 0
        for text, new, kind in zip(self.texts, masked, self.kinds, strict=True):
            if new == text or kind == TEXT:
                continue
            broken += kind == NAME or (kind == JSON and _parses(text) and not _parses(new))
        return broken

    def apply(self, masked: Sequence[str]) -> T:
        """The source with each slot's text replaced by `masked` (same order); unchanged parts keep their identity."""
        if tuple(masked) == self.texts:
            return self.source
        replacements: Iterator[str] = iter(masked)

        def write(kind: str, text: str) -> str:
            new = next(replacements)
            return text if new == text else new

        rebuilt: T = _walk(self.source, write, TEXT)
        return rebuilt


def plan(value: T) -> Plan[T]:
    """The screening plan of a neutral request or reply (or any value the walk can read)."""
    texts: list[str] = []
    kinds: list[str] = []

    def read(kind: str, text: str) -> str:
        texts.append(text)
        kinds.append(kind)
        return text

    _walk(value, read, TEXT)
    return Plan(value, tuple(texts), tuple(kinds))


def neutral_fields(value: Any) -> tuple[type, tuple[dataclasses.Field[Any], ...]]:
    """The neutral class a dataclass instance is (or extends) and that class's fields."""
    for cls in type(value).__mro__:
        if cls.__module__.startswith(NEUTRAL_PACKAGE) and dataclasses.is_dataclass(cls):
            return cls, dataclasses.fields(cls)
    return type(value), dataclasses.fields(value)


def _walk(value: Any, visit: Visit, kind: str) -> Any:
    """`value` with every text slot passed through `visit`; containers are rebuilt only where something changed."""
    if isinstance(value, str):
        return visit(kind, value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _walk_dataclass(value, visit)
    if isinstance(value, tuple | list):
        items = [_walk(item, visit, kind) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if isinstance(value, dict):
        pairs = [(_walk(key, visit, NAME), _walk(item, visit, kind)) for key, item in value.items()]
        if all(k is old_k and v is old_v for (k, v), (old_k, old_v) in zip(pairs, value.items(), strict=True)):
            return value
        return dict(pairs)
    raise TypeError(f"the screening plan cannot read a {type(value).__name__}: teach guardrails/plan.py its text")


def _walk_dataclass(value: Any, visit: Visit) -> Any:
    cls, fields = neutral_fields(value)
    changes: dict[str, Any] = {}
    derived: list[tuple[str, Callable[[Any], Any]]] = []
    for field in fields:
        key = (cls, field.name)
        if key in NOT_TEXT:
            continue
        rule = DERIVED.get(key)
        if rule is not None and rule[0](value):
            derived.append((field.name, rule[1]))
            continue
        old = getattr(value, field.name)
        new = _walk(old, visit, KINDS.get(key, TEXT))
        if new is not old:
            changes[field.name] = new
    if not changes:
        return value
    value = dataclasses.replace(value, **changes)
    if derived:
        value = dataclasses.replace(value, **{name: compute(value) for name, compute in derived})
    return value


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
