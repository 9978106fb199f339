"""The oracle for "no text reaches the model unscreened": what the model reads, read from the emulator's record.

Written from the wire (the request bodies the emulator received, in the SDK models' camelCase shapes) and the SDK's
request models, never from the product's screening plan. Every string the model reads is yielded decoded: a
JSON-in-a-string field (a tool call's `arguments`) is parsed and its keys and strings yielded, so an escape such as
`\\u0040` is resolved as the model's tokenizer sees it; adjacent text parts of one message are yielded as the one
text the model reads. A recorded text is screened when it is a substring of a text some ApplyGuardrails call
received (or of that text with the emulator's PII findings masked, `<LABEL>`, as pii:mask sends it).

What is left out, and why (the list is short on purpose; anything else a family sends is read):
- enums and flags the SDK models define (`role`, `type`, `apiFormat`, `detail`, tool choice, citation and safety
  modes, reasoning effort, verbosity, `isRequired`, V1 parameter `type`: a Python type name from a fixed set);
- a tool call's `id` and a tool turn's `toolCallId`: correlation handles pairing a call with its result;
- an image's `url`: the model receives the image, not the URL's text (images are not screened, docs/guardrails.md);
- `stop` / `stopSequences`: matched against the model's output, never part of its prompt;
- keys the family writes itself around caller data (V2 document `data`, V1 tool output `output`, document `id`
  key name): fixed words, not caller text (the document id's *value* is read and must be screened);
- the id the contract gives a document sent as a plain string (`doc_<position>`, contracts/grounding.py): the
  function's own words, not the caller's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from emulator import RecordedRequest
from emulator.guardrails import DETECTORS

NOT_READ_KEYS = frozenset(
    {
        "apiFormat",
        "role",
        "type",
        "detail",
        "url",
        "toolCallId",
        "toolChoice",
        "toolsChoice",
        "citationQuality",
        "citationOptions",
        "safetyMode",
        "reasoningEffort",
        "verbosity",
        "thinking",
        "isRequired",
        "isStrict",
        "stop",
        "stopSequences",
        "isStream",
        "logitBias",
    }
)
"""Keys of SDK request models whose values the model does not read as text (see the module docstring)."""
CALLER_DATA_KEYS = frozenset({"parameters", "schema", "outputs", "data", "parameterDefinitions", "documents"})
"""Keys whose value is the caller's own JSON: every key and every string inside is read by the model."""
JSON_STRING_KEYS = frozenset({"arguments"})
"""Keys whose string value is JSON the model reads decoded."""
FAMILY_WORDS = frozenset({"data", "output", "id", "text"})
"""Key names a family writes itself inside caller data (V2 `{"id", "data"}`, V1 `{"output": ...}`, a document's
`id` and `text` keys when the caller sent a string)."""
WRITTEN_DOCUMENT_ID = re.compile(r"doc_[0-9]+")
"""The id the contract writes for a document sent as a string, `doc_<position>`."""
V1_NOTE = re.compile(r"(?:items )?(?P<label>[a-z ]+): (?P<value>.*)\Z", re.DOTALL)
V1_LIST_NOTE = re.compile(r"(?:items )?a list of [a-z]+\Z")
"""Cohere V1 writes what its parameter definitions cannot hold into the description: `<caller's description>.
one of: ["a", "b"]. a list of str`. The notes' JSON is read decoded; their fixed words are the family's own."""


def model_reads(request: RecordedRequest) -> Iterator[tuple[str, str]]:
    """(where, text) for every text the model reads in one recorded chat, embedText or rerankText request."""
    body = request.json
    if not isinstance(body, dict):
        return
    operation = request.path.rsplit("/", 1)[-1]
    if operation == "chat":
        yield from _walk(body.get("chatRequest"), "chatRequest", data=False)
    elif operation == "embedText":
        yield from _walk(body.get("inputs"), "inputs", data=True)
    elif operation == "rerankText":
        yield from _walk(body.get("input"), "input", data=True)
        yield from _walk(body.get("documents"), "documents", data=True)


def _walk(value: Any, where: str, *, data: bool) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, list):
        if not data and _is_parts(value):
            yield from _parts(value, where)
            return
        for index, item in enumerate(value):
            yield from _walk(item, f"{where}[{index}]", data=data)
    elif isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}"
            if data:
                if key not in FAMILY_WORDS:
                    yield f"{path}(key)", key
                yield from _walk(item, path, data=True)
            elif key in NOT_READ_KEYS:
                continue
            elif key in JSON_STRING_KEYS and isinstance(item, str):
                yield from _walk(_decoded(item), path, data=True)
            elif key == "description" and ".parameterDefinitions." in where:
                yield from _v1_description(item, path)
            elif key in CALLER_DATA_KEYS:
                if key == "parameterDefinitions" and isinstance(item, dict):
                    for name, definition in item.items():
                        yield f"{path}.{name}(key)", name
                        yield from _walk(definition, f"{path}.{name}", data=False)
                else:
                    yield from _walk(item, path, data=True)
            else:
                yield from _walk(item, path, data=False)


def _is_parts(value: list[Any]) -> bool:
    return bool(value) and all(isinstance(p, dict) and p.get("type") in ("TEXT", "IMAGE", "IMAGE_URL") for p in value)


def _parts(parts: list[dict[str, Any]], where: str) -> Iterator[tuple[str, str]]:
    """Adjacent text parts are one text to the model; an image between them ends it. A text that is a JSON object
    or array (a tool's result) is read for its keys and strings: `{}` carries no text to screen."""
    run: list[str] = []
    for part in [*parts, {"type": "IMAGE"}]:
        if part.get("type") == "TEXT" and isinstance(part.get("text"), str):
            run.append(part["text"])
        elif run:
            text = "".join(run)
            value = _decoded(text) if text.lstrip()[:1] in ("{", "[") else text
            if isinstance(value, dict | list):  # a tool's JSON result: its keys and strings are what carries text
                yield from _walk(value, f"{where}(text parts)", data=True)
            else:
                yield f"{where}(text parts)", text
            run = []


def _decoded(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def _v1_description(description: Any, where: str) -> Iterator[tuple[str, str]]:
    if not isinstance(description, str):
        return
    for segment in description.split(". "):
        if V1_LIST_NOTE.match(segment):
            continue
        note = V1_NOTE.match(segment)
        value = _decoded(note["value"]) if note else segment
        if note and value is not note["value"]:
            yield from _walk(value, f"{where}({note['label']})", data=True)
        else:
            yield where, segment


def screened_texts(requests: list[RecordedRequest]) -> list[str]:
    """The texts ApplyGuardrails received, each also as pii:mask sends it (the emulator's findings masked)."""
    texts = []
    for request in requests:
        if request.path.endswith("/actions/applyGuardrails") and isinstance(request.json, dict):
            content = (request.json.get("input") or {}).get("content")
            if isinstance(content, str):
                texts += [content, _masked(content)]
    return texts


def _masked(text: str) -> str:
    spans = sorted((m.start(), m.end(), label) for label, pattern in DETECTORS for m in pattern.finditer(text))
    for start, end, label in reversed(spans):
        text = text[:start] + f"<{label}>" + text[end:]
    return text


def unscreened(requests: list[RecordedRequest]) -> list[tuple[str, str]]:
    """(where, text) of every text a model read that no ApplyGuardrails call received."""
    screened = screened_texts(requests)
    return [
        (where, text)
        for request in requests
        for where, text in model_reads(request)
        if text and not any(text in seen for seen in screened) and not _written_id(where, text)
    ]


def _written_id(where: str, text: str) -> bool:
    return ".documents[" in where and where.endswith(".id") and WRITTEN_DOCUMENT_ID.fullmatch(text) is not None


def strict_json_problem(body: bytes) -> str | None:
    """Why `body` is not RFC 8259 JSON in UTF-8 (NaN/Infinity, invalid UTF-8, a lone surrogate), or None."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        value = json.loads(body.decode("utf-8"), parse_constant=refuse)
    except (ValueError, RecursionError) as error:
        return f"{type(error).__name__}: {str(error)[:120]}"
    lone = _lone_surrogate(value)
    return f"a lone surrogate in {lone}" if lone else None


def _lone_surrogate(value: Any, where: str = "$") -> str | None:
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return path
        elif isinstance(item, list):
            stack += [(v, f"{path}[{i}]") for i, v in enumerate(item)]
        elif isinstance(item, dict):
            stack += [(k, f"{path}(key)") for k in item]
            stack += [(v, f"{path}.{k}") for k, v in item.items()]
    return None
