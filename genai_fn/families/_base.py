"""What a model family is, and the checks every family's requests get before anything is built.

A Family is one object per API format: its parameter ranges, the features it serves, its own structural rules,
how a neutral ChatRequest becomes its SDK chat request and how its SDK reply becomes a neutral ChatReply. The
contracts never ask "which family is this?": they parse, then `check` refuses what the family cannot carry, naming
the caller's own field; `to_sdk` never refuses anything.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import InvalidRequest, UpstreamFailed
from ..neutral.chat import ChatReply, ChatRequest, Message, Usage

if TYPE_CHECKING:  # feature and stream types load on first use (neutral/features.py, neutral/stream.py)
    from ..neutral.features import Citation
    from ..neutral.stream import ChatDelta

FEATURES: dict[str, str] = {
    "tools": "tools and tool messages are not supported for {family} models",
    "tool_choice_required": "tool_choice required is not supported for {family} models",
    "named_tool_choice": (
        "tool_choice naming one function is not supported for {family} models: use auto, none or required"
    ),
    "images": "{where}: images are not supported for {family} models",
    "json_object": "{where} json_object is not supported for {family} models",
    "json_schema": "{where} json_schema is not supported for {family} models",
    "reasoning_effort": "{where} is not supported for {family} models",
    "verbosity": "{where} is not supported for {family} models",
    "logit_bias": "{where} is not supported for {family} models",
    "stop": "{where} is not supported for {family} models",
    "seed": "{where} is not supported for {family} models",
    "documents": "{where} (grounded answers with citations) is not supported for {family} models",
    "citation_quality": "{where} is not supported for {family} models",
    "safety_mode": "{where} is not supported for {family} models",
}
"""Every optional feature a request may use, with the refusal a family without it answers. Sampling parameters
are not features: each family lists the ones it has, with their ranges."""

SAMPLING_PARAMETERS = ("temperature", "top_p", "top_k", "frequency_penalty", "presence_penalty")
"""Every sampling parameter any family may take; each family lists those it has, with their ranges."""
INTEGER_PARAMETERS = frozenset({"top_k"})
"""Ranged parameters that take whole numbers; the others are real numbers."""

FINISH_REASONS = {
    "COMPLETE": "stop",
    "MAX_TOKENS": "length",
    "ERROR_TOXIC": "content_filter",
    "ERROR_LIMIT": "length",
    "USER_CANCEL": "stop",
    "STOP_SEQUENCE": "stop",
    "TOOL_CALL": "tool_calls",
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "content_filter": "content_filter",
}
"""The services' finish reasons (Cohere's upper-case, Generic's OpenAI-like), in OpenAI's vocabulary. Cohere's
ERROR is an upstream failure, not a finish; a value not listed here is passed on (lower-cased), not guessed."""


class Family(ABC):
    """One API format. Subclasses set the class attributes and the two translations; `check` may add rules."""

    api_format: ClassVar[str]
    ranges: ClassVar[Mapping[str, tuple[float, float]]]
    """Every sampling parameter the family takes (internal snake_case names), with its inclusive range;
    max_tokens is common to all and bounded by configuration."""
    features: ClassVar[frozenset[str]]
    """The FEATURES this family serves; any other is refused at parse time."""
    echoed_reply_fields: ClassVar[tuple[str, ...]] = ()
    """Fields of its chat reply (under chatResponse) that only echo the request back (Cohere V1's chatHistory):
    dropped while the reply is read, so they cost neither memory nor MAX_REPLY_BYTES (upstream/echo.py)."""

    def check(self, request: ChatRequest) -> None:  # noqa: B027 - an optional hook: most families need none
        """Rules of this family beyond its features (e.g. which turn comes last); raise InvalidRequest."""

    @abstractmethod
    def to_sdk(self, request: ChatRequest) -> Any:
        """The SDK's chat request (a BaseChatRequest subclass) for a checked request; never refuses."""

    @abstractmethod
    def from_sdk(self, response: Any, request: ChatRequest, model: str, opc_request_id: str | None) -> ChatReply:
        """The neutral reply from this format's SDK chat response (`model`: the id the service answered with);
        UpstreamFailed when it cannot be read."""

    @abstractmethod
    def stream_deltas(self, events: Iterable[dict[str, Any]], request: ChatRequest, model: str) -> Iterator[ChatDelta]:
        """The service's streamed events of this format (each SSE `data:` JSON object, decoded) as neutral deltas;
        the last delta carries `finish_reason` and, when the service sent it, `usage`. A stream that ends before
        its finish, or that finishes with an error, is UpstreamFailed (docs/emulator.md#streaming: the shapes)."""


def requested_features(request: ChatRequest) -> Iterator[tuple[str, str]]:
    """(feature, the caller's field) for each optional feature the request uses."""
    names = request.names
    if request.tools or request.tool_choice or any(msg.role == "tool" or msg.tool_calls for msg in request.messages):
        yield "tools", "tools"
    if request.tool_choice == "required":
        yield "tool_choice_required", "tool_choice"
    elif request.tool_choice not in (None, "auto", "none"):
        yield "named_tool_choice", "tool_choice"
    for message in request.messages:
        for image in message.images:
            yield "images", image.where or names.messages
    if request.json_schema is not None:
        yield "json_schema", names.response_format
    elif request.json_mode:
        yield "json_object", names.response_format
    if request.reasoning and request.reasoning.effort is not None:
        yield "reasoning_effort", names.reasoning_effort
    if request.reasoning and request.reasoning.verbosity is not None:
        yield "verbosity", names.verbosity
    if request.logit_bias:
        yield "logit_bias", "logit_bias"
    if request.params.stop:
        yield "stop", "stop"
    if request.params.seed is not None:
        yield "seed", "seed"
    if request.documents:
        yield "documents", "documents"
    if request.citation_quality is not None:
        yield "citation_quality", "citation_quality"
    if request.safety_mode is not None:
        yield "safety_mode", "safety_mode"


def refuse_unsupported(request: ChatRequest, family: Family) -> None:
    """The first feature the family does not serve, as a 400 naming the caller's field; then the family's rules."""
    for feature, where in requested_features(request):
        if feature not in family.features:
            raise InvalidRequest(FEATURES[feature].format(family=family.api_format, where=where), param=where)
    family.check(request)


def finish_reason(raw: str | None) -> str:
    return FINISH_REASONS.get(raw, raw.lower()) if raw else "stop"


def usage(sdk_usage: Any) -> Usage:
    """The SDK's Usage (any family, and embeddings) as neutral Usage, reasoning tokens included where reported."""
    if sdk_usage is None:
        return Usage()
    prompt = getattr(sdk_usage, "prompt_tokens", None) or 0
    completion = getattr(sdk_usage, "completion_tokens", None) or 0
    total = getattr(sdk_usage, "total_tokens", None) or prompt + completion
    details = getattr(sdk_usage, "completion_tokens_details", None)
    reasoning = getattr(details, "reasoning_tokens", None)
    return Usage(prompt, completion, total, reasoning if isinstance(reasoning, int) else None)


def sampling(request: ChatRequest) -> dict[str, Any]:
    """The sampling knobs that were sent, as keyword arguments (every family's SDK request names them alike)."""
    p = request.params
    values = {
        "max_tokens": p.max_tokens,
        "temperature": p.temperature,
        "top_p": p.top_p,
        "top_k": p.top_k,
        "frequency_penalty": p.frequency_penalty,
        "presence_penalty": p.presence_penalty,
        "seed": p.seed,
    }
    return {key: value for key, value in values.items() if value is not None}


def unreadable(opc_request_id: str | None) -> UpstreamFailed:
    return UpstreamFailed("the service returned a chat reply the function cannot read", opc_request_id=opc_request_id)


def content(message: Message, text: Callable[[str], Any], image: Callable[[str, str | None], Any]) -> list[Any]:
    """A turn's content in a family's SDK parts: its text alone, or its text and image parts in order (`image` gets
    the URL and the detail upper-cased, as the SDK's enums spell it)."""
    if not message.parts:
        return [text(message.content)]
    return [
        text(part) if isinstance(part, str) else image(part.url, part.detail.upper() if part.detail else None)
        for part in message.parts
    ]


def anchored(text: str, citations: Iterable[Citation]) -> tuple[Citation, ...]:
    """The citations whose quote is the reply's own text, each pointing at where it is: a quote found elsewhere in
    the text (the service's offsets may count in other units) is re-anchored there, one found nowhere is dropped.
    So a citation never carries text the reply (and its screening) does not hold."""
    kept = []
    for citation in citations:
        if text[citation.start : citation.end] != citation.text:
            at = text.find(citation.text) if citation.text else -1
            if at < 0:
                continue
            from ..neutral.features import Citation

            citation = Citation(at, at + len(citation.text), citation.text, citation.document_ids)
        kept.append(citation)
    return tuple(kept)


def stream_usage(raw: Any) -> Usage | None:
    """A stream event's `usage` object (the SDK's Usage in its JSON names: promptTokens, completionTokens, ...) as
    neutral Usage; None when absent or unreadable. Counts that are not whole numbers >= 0 read as 0."""
    if not isinstance(raw, dict):
        return None

    def count(value: Any) -> int:
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0

    prompt, completion = count(raw.get("promptTokens")), count(raw.get("completionTokens"))
    details = raw.get("completionTokensDetails")
    reasoning = details.get("reasoningTokens") if isinstance(details, dict) else None
    return Usage(
        prompt,
        completion,
        count(raw.get("totalTokens")) or prompt + completion,
        count(reasoning) if reasoning is not None else None,
    )


def stream_cut(opc_request_id: str | None = None) -> UpstreamFailed:
    return UpstreamFailed("the service's stream ended before the reply was finished", opc_request_id=opc_request_id)


def stream_text(value: Any) -> str:
    """A text field of a stream event; anything but a string reads as no text."""
    return value if isinstance(value, str) else ""


def stream_list(value: Any) -> list[Any]:
    """A list field of a stream event; anything but a list reads as empty."""
    return value if isinstance(value, list) else []
