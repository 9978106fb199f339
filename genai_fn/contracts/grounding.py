"""Grounded answers, the same in the three chat contracts: `documents`, `citation_quality` and `safety_mode` in,
the reply's `citations` out, in one shape: `[{"start", "end", "text", "document_ids"}]`.

OpenAI has no such fields: an OpenAI client sends them as extra body fields (`extra_body` in the openai SDK).
Documents are objects of text fields (`text`, `title`, `url`, ...; a string is taken as `{"text": ...}`), each
with an `id` its citations name (the caller's own `id`, else `doc_<position>`). Whether the model's family takes
them is decided by admission.check_chat (the Cohere families do; Generic is a 400). docs/api.md has the fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import lazy, validate
from ..errors import InvalidRequest

if TYPE_CHECKING:  # feature types load on first use (neutral/features.py)
    from collections.abc import Iterable

    from ..neutral.features import Citation, Document

if TYPE_CHECKING:
    from ..neutral import features
else:  # loaded on first use: not every call needs them
    features = lazy("genai_fn.neutral.features")

FIELDS = frozenset({"documents", "citation_quality", "safety_mode"})
CITATION_QUALITIES = ("accurate", "fast", "off")
"""Cohere V1 citationQuality (ACCURATE, FAST) and V2 citationOptions.mode (ACCURATE, FAST, OFF), lower-cased."""
SAFETY_MODES = ("contextual", "strict")
MAX_DOCUMENT_ID_CHARS = 256
"""A document's id is read by the model and echoed in citations: bounded like a tool call's id."""
"""Cohere safetyMode CONTEXTUAL and STRICT. Its OFF is not taken from a caller: nothing a caller sends may switch a
safety setting off."""


def parse(body: dict[str, Any]) -> dict[str, Any]:
    """The grounding fields of a chat request body, as ChatRequest keyword arguments."""
    return {
        "documents": documents(body.get("documents")),
        "citation_quality": _choice(body.get("citation_quality"), "citation_quality", CITATION_QUALITIES),
        "safety_mode": _safety_mode(body.get("safety_mode")),
    }


def documents(value: Any) -> tuple[Document, ...]:
    """`documents`: a list of strings or objects of text fields (how many is bounded with the messages, limits.py)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRequest("documents must be a list of strings or objects of text fields", param="documents")
    parsed: list[Document] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        document = _document(item, f"documents[{index}]", index)
        if document.id in seen:
            raise InvalidRequest(f"documents[{index}].id repeats an earlier document's id", param=f"documents[{index}]")
        seen.add(document.id)
        parsed.append(document)
    return tuple(parsed)


def _document(item: Any, where: str, index: int) -> features.Document:
    if isinstance(item, str):
        return features.Document(f"doc_{index}", (("text", validate.text(item, where)),))
    if not isinstance(item, dict):
        raise InvalidRequest(f"{where} must be a string or an object of text fields", param=where)
    fields = []
    identifier = None
    for name, text in item.items():
        if not name.strip():
            raise InvalidRequest(f"{where} has a field with an empty name", param=where)
        shown = name[: validate.MAX_ECHOED_NAME]
        if not isinstance(text, str):
            raise InvalidRequest(f"{where}.{shown} must be a string: documents hold text fields", param=where)
        if name == "id":
            identifier = validate.text(text, f"{where}.id")
            if len(identifier) > MAX_DOCUMENT_ID_CHARS:
                raise InvalidRequest(
                    f"{where}.id is longer than {MAX_DOCUMENT_ID_CHARS} characters", param=f"{where}.id"
                )
        else:
            fields.append((name, validate.text(text, f"{where}.{shown}", allow_empty=True)))
    if not any(text.strip() for _, text in fields):
        raise InvalidRequest(f"{where} must hold some text (e.g. a text field)", param=where)
    return features.Document(identifier or f"doc_{index}", tuple(fields))


def _choice(value: Any, name: str, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in allowed:
        raise InvalidRequest(f"{name} must be one of {', '.join(allowed)}", param=name)
    return value.lower()


def _safety_mode(value: Any) -> str | None:
    if isinstance(value, str) and value.lower() == "off":
        raise InvalidRequest(
            "safety_mode off is not accepted: a caller may not switch a safety setting off; send contextual or strict",
            param="safety_mode",
        )
    return _choice(value, "safety_mode", SAFETY_MODES)


def citations_json(citations: Iterable[Citation]) -> list[dict[str, Any]]:
    """A reply's citations in the one shape every contract answers with (whole, or as a stream's delta)."""
    return [{"start": c.start, "end": c.end, "text": c.text, "document_ids": list(c.document_ids)} for c in citations]
