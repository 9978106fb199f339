"""The optional features of a chat request: tools and the model's tool calls, images, JSON schemas, reasoning,
documents and the reply's citations.

Part of the neutral chat model (chat.py, which still answers for these names): kept apart so that a plain chat,
which uses none of them, does not define their classes at start-up (tests/integration/test_import_budget.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ToolCall:
    """A function call the model asked for; `arguments` is the JSON text the model produced."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Tool:
    """A function the caller offers the model; `parameters` is its JSON Schema."""

    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None


@dataclass(frozen=True)
class JsonSchema:
    """A JSON Schema the reply must follow (chat's response_format json_schema, Responses' text.format)."""

    name: str
    schema: dict[str, Any]
    description: str | None = None
    strict: bool | None = None


@dataclass(frozen=True)
class ImagePart:
    """An image in a user turn: a data: (base64) or https: URL; detail is auto, low, high or None (not sent)."""

    url: str
    detail: str | None = None


@dataclass(frozen=True)
class Reasoning:
    """Reasoning knobs; None means "not sent". `completion_limit`: the caller's token limit came as
    max_completion_tokens (sent as maxCompletionTokens where the family has it, which counts reasoning tokens)."""

    effort: str | None = None
    verbosity: str | None = None
    completion_limit: bool = False


@dataclass(frozen=True)
class Document:
    """A document the model may ground its answer on and cite: its fields as text (`text`, `title`, `url`, ...).
    `id` is the caller's own `id` field, else `doc_<position>`: what a citation names it by."""

    id: str
    fields: tuple[tuple[str, str], ...]
    """(name, value) pairs in the caller's order, `id` not among them."""


@dataclass(frozen=True)
class Citation:
    """A span of the reply grounded in documents (or tool results): characters start..end (end excluded) of the
    reply text, that text, and the ids of what it cites (Document.id, or the service's id of a tool result)."""

    start: int
    end: int
    text: str
    document_ids: tuple[str, ...]
