"""The screening plan: every text a model reads from a request, as the service receives it, or a caller reads from a
reply, as its parser will; and the same walk writing the screened (masked) texts back into place.

A chat request is walked as its family's SDK request (`family.to_sdk`), after the family's mapping: what is
screened and masked is exactly the object that is sent. Its fields come from the SDK models' own `swagger_types`,
so a field the SDK adds later is screened without a change here; the family's Reading (families/_base.py) names
what the model does not read (with why), what it reads as a name or as JSON, and which parts it reads as one text.
Embedding and rerank requests, and a chat reply, are walked as their neutral dataclasses under the readings below.

Each slot has a kind: TEXT is masked in place; NAME (a tool name, an id, a JSON key) is screened but never masked,
since the caller's code expects it back (a finding there refuses the request). A JSON text in a string is decoded
(jsontext.py) and its keys and strings are slots, so an escape (`\\u0040`) is screened as the character it stands
for; a masked value is re-encoded. A slot `glued` to the one before is read by the model as the same text (a
turn's adjacent text parts): screening joins them with no separator (spans.join).

`sent_texts(value, reading)` lists every slot: what a test compares with what the upstream received.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..errors import ContentFiltered, InvalidRequest
from ..families._base import JSON, NAME, SDK_ENUMS, TEXT, Reading
from ..jsontext import NotJSONText, decode_as_clients_do, decode_json_text, encode_json

T = TypeVar("T")

NEUTRAL_PACKAGE = "genai_fn.neutral"
"""A contract's subclass of a neutral request (EmbeddingCall, ...) is walked as its neutral base: what the contract
keeps beside it is rendered back, never sent."""

NEUTRAL = Reading(
    not_text={
        ("ChatReply", "model"): "the model id the service answered with",
        ("ChatReply", "finish_reason"): "an enum",
        ("ChatReply", "opc_request_id"): "the service's request id",
        ("Citation", "text"): "a quote of the reply's text, screened there (DERIVED keeps it only while it holds)",
        ("EmbeddingRequest", "model"): "a model id, checked against the allow-list",
        ("EmbeddingRequest", "input_type"): "an enum",
        ("EmbeddingRequest", "truncate"): "an enum",
        ("RerankRequest", "model"): "a model id, checked against the allow-list",
    },
    kinds={
        ("ToolCall", "id"): NAME,
        ("ToolCall", "name"): NAME,
        ("ToolCall", "arguments"): JSON,
        # The service writes a citation's ids (the request's document ids, or ids it forms for tool results, whose
        # form no SDK model pins): screened as names, so a finding withholds the reply rather than pass on an id
        # screening never saw, and an id is never masked into one that names nothing.
        ("Citation", "document_ids"): NAME,
    },
)
"""How a caller reads a chat reply (its tool calls' arguments decoded, as its JSON parser does), and how the
embedding and rerank models read their (neutral) requests."""
JSON_REPLY = dataclasses.replace(NEUTRAL, kinds={**NEUTRAL.kinds, ("ChatReply", "text"): JSON})
"""How a caller reads the reply to a request that asked for JSON (`json_mode`: response_format json_object or
json_schema, Responses text.format): its text decoded, as its JSON parser does; a text that is no JSON is read as
it is."""

DERIVED: dict[tuple[str, str], tuple[Callable[[Any], bool], Callable[[Any], Any]]] = {
    ("ChatReply", "citations"): (
        lambda reply: bool(reply.citations),
        lambda reply: tuple(c for c in reply.citations if reply.text[c.start : c.end] == c.text),
    ),
}
"""Fields computed from others when the predicate holds (and only when a mask changed the value), after their own
slots are read: a reply's citations point into its text by offsets and quote it: a mask in the reply keeps only
the citations whose span still holds their quote (before any mask, and without one), so no citation repeats a
masked text."""

Visit = Callable[[str, str, bool], str]
"""(kind, text, glued) -> the text to put back."""


@dataclass(frozen=True)
class Plan(Generic[T]):
    """The texts of one value, in walk order, with their kinds and glue; `apply` writes screened texts back."""

    source: T
    texts: tuple[str, ...]
    kinds: tuple[str, ...]
    glued: tuple[bool, ...]
    reading: Reading
    strict: bool
    rewrites: bool = False
    """A slot is re-encoded whatever screening finds (reply JSON a client reads leniently, `_Walk.lenient`): the
    value must be rebuilt (`apply`) even when nothing is masked."""

    def unmaskable(self, masked: Sequence[str]) -> int:
        """How many NAME slots a mask would change (the caller expects them back unchanged)."""
        return sum(new != text and kind == NAME for text, new, kind in zip(self.texts, masked, self.kinds, strict=True))

    def apply(self, masked: Sequence[str]) -> T:
        """The source with each slot's text replaced by `masked` (same order); unchanged parts keep their identity."""
        if tuple(masked) == self.texts and not self.rewrites:
            return self.source
        replacements: Iterator[str] = iter(masked)

        def write(kind: str, text: str, glued: bool) -> str:
            new = next(replacements)
            return text if new == text else new

        rebuilt: T = _Walk(self.reading, write, self.strict).value(self.source, TEXT)
        return rebuilt


def plan(value: T, reading: Reading = NEUTRAL, strict: bool = True) -> Plan[T]:
    """The screening plan of an SDK chat request (under its family's reading), or of a neutral request or reply.
    A string that is no JSON at all is screened as it is. `strict`: JSON that strict JSON refuses (too deep, a
    number JSON cannot carry, a duplicate key) is a 400 (a request); otherwise (a reply) it is read as a client's
    parser reads it (`_Walk.lenient`)."""
    texts: list[str] = []
    kinds: list[str] = []
    glued: list[bool] = []

    def read(kind: str, text: str, glue: bool) -> str:
        texts.append(text)
        kinds.append(kind)
        glued.append(glue)
        return text

    walk = _Walk(reading, read, strict)
    walk.value(value, TEXT)
    return Plan(value, tuple(texts), tuple(kinds), tuple(glued), reading, strict, walk.rewrites)


def sent_texts(value: Any, reading: Reading = NEUTRAL) -> tuple[str, ...]:
    """Every text the model reads from `value`, decoded, in walk order: what screening sees."""
    return plan(value, reading).texts


def neutral_fields(value: Any) -> tuple[type, tuple[dataclasses.Field[Any], ...]]:
    """The neutral class a dataclass instance is (or extends) and that class's fields."""
    for cls in type(value).__mro__:
        if cls.__module__.startswith(NEUTRAL_PACKAGE) and dataclasses.is_dataclass(cls):
            return cls, dataclasses.fields(cls)
    return type(value), dataclasses.fields(value)


class _Walk:
    """One walk of a value under a reading: every text slot passed through `visit`; containers and models are
    rebuilt (copied, never changed in place) only where something changed."""

    def __init__(self, reading: Reading, visit: Visit, strict: bool) -> None:
        self.reading, self.visit, self.strict = reading, visit, strict
        self.rewrites = False

    def value(
        self, value: Any, kind: str, keys: Mapping[str, str] | None = None, glued: bool = False, where: str = ""
    ) -> Any:
        if isinstance(value, str):
            return self.json(value, glued, where) if kind == JSON else self.visit(kind, value, glued)
        if value is None or isinstance(value, bool | int | float):
            return value
        if hasattr(value, "swagger_types"):
            return self.model(value, kind, glued)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self.dataclass(value)
        if isinstance(value, tuple | list):
            return self.items(value, kind, keys, where)
        if isinstance(value, dict):
            pairs = [
                (self.value(key, NAME), self.value(item, (keys or {}).get(key, kind), where=f"{where}.{key}"))
                for key, item in value.items()
            ]
            if all(k is old_k and v is old_v for (k, v), (old_k, old_v) in zip(pairs, value.items(), strict=True)):
                return value
            return dict(pairs)
        raise TypeError(f"the screening plan cannot read a {type(value).__name__}: teach guardrails/plan.py its text")

    def items(self, value: list[Any] | tuple[Any, ...], kind: str, keys: Mapping[str, str] | None, where: str) -> Any:
        """A list's items; the parts the reading joins are glued to the first such part before them."""
        items, joined_before = [], False
        for item in value:
            joins = type(item).__name__ in self.reading.joined
            items.append(self.value(item, kind, keys, glued=joins and joined_before, where=where))
            joined_before = joined_before or joins
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)

    def json(self, text: str, glued: bool, where: str) -> str:
        try:
            decoded = decode_json_text(text, where)
        except NotJSONText:  # not JSON at all: the model (or the caller's parser) gets the text as it is
            return self.visit(TEXT, text, glued)
        except InvalidRequest:
            if self.strict:
                raise
            return self.lenient(text)
        new = self.value(decoded, TEXT)
        return text if new is decoded else encode_json(new)

    def lenient(self, text: str) -> str:
        """A reply's JSON text strict JSON refuses (a duplicate key): screened as the client's parser reads it (the
        last value wins) and always passed on re-encoded from what was screened, so no parser can read a value
        screening did not see. One no JSON reader can hold (too deep, NaN, 1e400) withholds the reply."""
        try:
            decoded = decode_as_clients_do(text)
        except ValueError:
            raise ContentFiltered(
                "the output holds JSON that cannot be screened as its reader parses it", param="output"
            ) from None
        self.rewrites = True
        return encode_json(self.value(decoded, TEXT))

    def model(self, value: Any, kind: str, glued: bool) -> Any:
        """An SDK model: each of its swagger_types fields, but the SDK's enums and what the reading leaves out; the
        parts of a message the reading names in `json_parts` are read as JSON when they are."""
        reading, name = self.reading, type(value).__name__
        default = JSON if kind == JSON or name in reading.json_parts else TEXT
        changes = {}
        for attr in value.swagger_types:
            key = (name, attr)
            if attr in SDK_ENUMS or key in reading.not_text:
                continue
            old = getattr(value, attr)
            new = self.value(old, reading.kinds.get(key, default), reading.keys.get(key), glued, where=f"{name}.{attr}")
            if new is not old:
                changes[attr] = new
        if not changes:
            return value
        rebuilt = copy.copy(value)
        for attr, new in changes.items():
            setattr(rebuilt, attr, new)
        return rebuilt

    def dataclass(self, value: Any) -> Any:
        """A neutral dataclass: each field, but those the reading leaves out; DERIVED ones recomputed."""
        cls, fields = neutral_fields(value)
        changes: dict[str, Any] = {}
        derived: list[tuple[str, Callable[[Any], Any]]] = []
        for field in fields:
            key = (cls.__name__, field.name)
            if key in self.reading.not_text:
                continue
            rule = DERIVED.get(key)
            if rule is not None and rule[0](value):
                derived.append((field.name, rule[1]))  # walked still: its own slots (a citation's ids) are read
            old = getattr(value, field.name)
            new = self.value(old, self.reading.kinds.get(key, TEXT), where=field.name)
            if new is not old:
                changes[field.name] = new
        if not changes:
            return value
        value = dataclasses.replace(value, **changes)
        if derived:
            value = dataclasses.replace(value, **{name: compute(value) for name, compute in derived})
        return value
