"""What a model family is, and the checks every family's requests get before anything is built.

A Family is one object per API format: its parameter ranges, the features it serves, its own structural rules,
how a neutral ChatRequest becomes its SDK chat request and how its SDK reply becomes a neutral ChatReply. The
contracts never ask "which family is this?": they parse, then `check` refuses what the family cannot carry, naming
the caller's own field; `to_sdk` never refuses anything.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from .. import lazy
from ..body import NotANumberError, StrictJSONError, strict_json
from ..errors import InvalidRequest, UpstreamFailed
from ..http import well_formed
from ..limits import DEFAULT_MAX_JSON_DEPTH, too_deep
from ..neutral.chat import ChatReply, ChatRequest, Message, Usage

if TYPE_CHECKING:  # feature and stream types load on first use (neutral/features.py, neutral/stream.py)
    from ..neutral.stream import ChatDelta

if TYPE_CHECKING:
    from ..neutral import features
else:  # loaded on first use: not every call needs them
    features = lazy("genai_fn.neutral.features")

FEATURES: dict[str, str] = {
    "tools": "tools and tool messages are not supported for {family} models",
    "tool_choice_required": "tool_choice required is not supported for {family} models",
    "named_tool_choice": "tool_choice naming one function is not supported for {family} models",
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


TEXT, NAME, JSON = "text", "name", "json"
"""How a model reads a string: TEXT (screened, masked in place), NAME (a tool or schema name, an id, a JSON key:
screened, never masked, since the caller's code expects it back; a finding refuses the request), JSON (a JSON text
in a string: decoded, each key a NAME and each string a TEXT, re-encoded when masked)."""

SDK_ENUMS = frozenset(
    {"api_format", "role", "type", "mode", "detail", "prompt_truncation", "citation_quality", "safety_mode"}
    | {"tools_choice", "reasoning_effort", "verbosity", "service_tier", "search_context_size"}
)
"""SDK fields that are enums or a subtype's discriminator (the SDK's setters check `allowed_values`): no text.
tests/unit/test_screening_plan.py proves each is one, on every class a family's request can reach."""
STOP_SEQUENCES = "stop sequences: matched against the model's output, never read by it as a prompt"
MEDIA_URL = "an image or other media (a data: or https: URL): media is not screened (docs/guardrails.md, Images)"


@dataclass(frozen=True)
class Reading:
    """How a family's model reads its SDK chat request (guardrails/plan.py screens by it): every string field of
    the request is TEXT unless named here. Keys are (SDK class name, field)."""

    not_text: Mapping[tuple[str, str], str]
    """Fields the model never reads as a prompt, with why (proved by tests/unit/test_screening_plan.py)."""
    kinds: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """Fields read as NAME or JSON."""
    keys: Mapping[tuple[str, str], Mapping[str, str]] = field(default_factory=dict)
    """Object fields (or lists of objects) whose named top-level keys hold a NAME or JSON (a document's id, a V2
    call's arguments)."""
    json_parts: frozenset[str] = frozenset()
    """Message classes whose text parts hold a tool's output: a part that is a JSON text is read as JSON (its
    strings decoded: an escape is the character it stands for), any other as text."""
    joined: frozenset[str] = frozenset()
    """Content-part classes the model reads as one text with the other such parts of the same turn (no separator
    between them), whatever else (an image) sits between."""


class Family(ABC):
    """One API format. Subclasses set the class attributes and the two translations; `check` may add rules."""

    api_format: ClassVar[str]
    ranges: ClassVar[Mapping[str, tuple[float, float]]]
    """Every sampling parameter the family takes (internal snake_case names), with its inclusive range;
    max_tokens is common to all and bounded by configuration."""
    features: ClassVar[frozenset[str]]
    """The FEATURES this family serves; any other is refused at parse time."""
    reading: ClassVar[Reading] = Reading(not_text={})
    """How its model reads its SDK chat request: what screening reads and masks (docs/guardrails.md). By default
    every string field but the SDK's enums is text: a new family is screened whole until it says otherwise."""
    echoed_reply_fields: ClassVar[tuple[str, ...]] = ()
    """Fields of its chat reply (under chatResponse) that only echo the request back (Cohere V1's chatHistory):
    dropped while the reply is read, so they cost neither memory nor MAX_REPLY_BYTES (upstream/echo.py)."""

    def check(self, request: ChatRequest) -> object:
        """Rules of this family beyond its features (e.g. which turn comes last); raise InvalidRequest. What it
        returns (not None: what checking made of the request) is kept on the request for `to_sdk` (`prepared`)."""
        return None

    def prepared(self, request: ChatRequest) -> Any:
        """What `check` made of `request`: kept by admission.check_chat, so the request is checked once; made now for
        a request checked for another family or not kept (a fallback target's copy, a test's bare request)."""
        kept = request.checked
        if kept is not None and kept.api_format == self.api_format:
            return kept.value
        return self.check(request)

    def way_out(self, feature: str, request: ChatRequest) -> str:
        """What works instead of a feature this family refuses, added to the 400 (never something refused too);
        empty when there is nothing to say."""
        return ""

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
    """(feature, the neutral path of the field that asks for it) for each optional feature the request uses."""
    if request.tools or request.tool_choice or any(msg.role == "tool" or msg.tool_calls for msg in request.messages):
        yield "tools", "tools"
    if request.tool_choice == "required":
        yield "tool_choice_required", "tool_choice"
    elif request.tool_choice not in (None, "auto", "none"):
        yield "named_tool_choice", "tool_choice"
    for index, message in enumerate(request.messages):
        if message.images:
            for part, item in enumerate(message.parts):
                if not isinstance(item, str):
                    yield "images", f"messages[{index}].content[{part}]"
    if request.json_schema is not None:
        yield "json_schema", "response_format"
    elif request.json_mode:
        yield "json_object", "response_format"
    if request.reasoning and request.reasoning.effort is not None:
        yield "reasoning_effort", "reasoning_effort"
    if request.reasoning and request.reasoning.verbosity is not None:
        yield "verbosity", "verbosity"
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


def refuse_unsupported(request: ChatRequest, family: Family) -> object:
    """The first feature the family does not serve, as a 400 naming its neutral path; then the family's rules,
    returning what its check made of the request."""
    for feature, where in requested_features(request):
        if feature not in family.features:
            refusal = FEATURES[feature].format(family=family.api_format, where=where)
            way_out = family.way_out(feature, request)
            raise InvalidRequest(f"{refusal}: {way_out}" if way_out else refusal, param=where)
    return family.check(request)


def finish_reason(raw: str | None) -> str:
    return FINISH_REASONS.get(raw, raw.lower()) if raw else "stop"


def usage(sdk_usage: Any, opc_request_id: str | None = None) -> Usage:
    """The SDK's Usage as neutral Usage, with the reasoning and cached prompt tokens where reported. Every family's
    reply carries the one SDK `Usage` (CohereChatResponse, CohereChatResponseV2, GenericChatResponse and its
    ChatChoice, EmbedTextResult: `usage: Usage`), whose `completion_tokens_details.reasoning_tokens` and
    `prompt_tokens_details.cached_tokens` are ints (oci 2.189.0 `models/usage.py`, `completion_tokens_details.py`,
    `prompt_tokens_details.py`). Its counts are read by `read_usage`."""
    if sdk_usage is None:
        return Usage()

    def read(name: str, details: str | None) -> Any:
        return getattr(sdk_usage if details is None else getattr(sdk_usage, details, None), name, None)

    return read_usage(read, opc_request_id)


def read_usage(read: Callable[[str, str | None], Any], opc_request_id: str | None) -> Usage:
    """Neutral Usage from the counts `read(name, details)` reads (the SDK Usage's attribute names; `details`: the
    nested details object's, or None), for a whole reply and a stream alike. An absent count is 0 (a detail: None);
    a count that is not a whole number from 0 to MAX_TOKEN_COUNT cannot be true, and is what budgets charge and the
    log reports: the reply is the service's failure (UpstreamFailed: a 502, or a stream's error event; the budget
    keeps its reservation, as the count is unknown), never passed on."""

    def count(name: str, details: str | None = None) -> int | None:
        value = read(name, details)
        if value is None:
            return None
        if type(value) is not int or not 0 <= value <= MAX_TOKEN_COUNT:
            raise UpstreamFailed(
                f"the service returned a token count ({name}) that is not a whole number from 0 to {MAX_TOKEN_COUNT}",
                opc_request_id=opc_request_id,
            )
        return value

    prompt, completion = count("prompt_tokens") or 0, count("completion_tokens") or 0
    total = count("total_tokens") or prompt + completion
    reasoning = count("reasoning_tokens", "completion_tokens_details")
    cached = count("cached_tokens", "prompt_tokens_details")
    return Usage(prompt, completion, total, reasoning, cached)


MAX_TOKEN_COUNT = 2**53 - 1
"""The largest token count read from the service: the largest integer every JSON reader holds exactly."""


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


def anchored(text: str, citations: Iterable[features.Citation]) -> tuple[features.Citation, ...]:
    """The citations whose quote is the reply's own text, each pointing at where it is: a quote found elsewhere in
    the text (the service's offsets may count in other units) is re-anchored there, one found nowhere is dropped,
    and so is one whose offsets are negative or inverted (no unit makes them true). So a citation never carries
    text the reply (and its screening) does not hold, nor an offset outside it."""
    kept = []
    for citation in citations:
        if citation.start < 0 or citation.end < citation.start:
            continue
        if citation.end > len(text) or text[citation.start : citation.end] != citation.text:
            at = text.find(citation.text) if citation.text else -1
            if at < 0:
                continue

            citation = features.Citation(at, at + len(citation.text), citation.text, citation.document_ids)
        kept.append(citation)
    return tuple(kept)


def stream_usage(raw: Any, opc_request_id: str | None = None) -> Usage | None:
    """A stream event's `usage` object (the SDK's Usage in its JSON names: promptTokens, completionTokens,
    completionTokensDetails.reasoningTokens, promptTokensDetails.cachedTokens, as the models' attribute_map spells
    them) as neutral Usage, its counts read by `read_usage` as a whole reply's are; None when absent."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise unreadable(opc_request_id)

    def read(name: str, details: str | None) -> Any:
        holder = raw if details is None else raw.get(_json_name(details))
        if holder is not None and not isinstance(holder, dict):
            raise unreadable(opc_request_id)
        return None if holder is None else holder.get(_json_name(name))

    return read_usage(read, opc_request_id)


def _json_name(attribute: str) -> str:
    """An SDK attribute's JSON name (prompt_tokens -> promptTokens), as every model's attribute_map spells it."""
    head, *rest = attribute.split("_")
    return head + "".join(word.capitalize() for word in rest)


def stream_cut(opc_request_id: str | None = None) -> UpstreamFailed:
    return UpstreamFailed("the service's stream ended before the reply was finished", opc_request_id=opc_request_id)


def stream_text(value: Any) -> str:
    """A text field of a stream event, well formed (a lone surrogate becomes U+FFFD, as in a whole reply:
    upstream/chat.py `well_formed_reply`); anything but a string reads as no text."""
    return well_formed(value) if isinstance(value, str) else ""


def stream_list(value: Any) -> list[Any]:
    """A list field of a stream event; anything but a list reads as empty."""
    return value if isinstance(value, list) else []


def well_formed_call(call: features.ToolCall, opc_request_id: str | None = None) -> features.ToolCall:
    """One tool call of a reply, whole or streamed (upstream/chat.py `well_formed_reply` runs it on a whole reply's
    calls; each family's `stream_deltas` on a call's joined arguments before releasing it), its texts well formed;
    UpstreamFailed when its arguments hold NaN, an infinity or 1e400, or nest past limits.DEFAULT_MAX_JSON_DEPTH
    (arguments that are not JSON at all pass as the model wrote them)."""
    refusal = _arguments_refusal(call.arguments)
    if refusal:
        raise UpstreamFailed(
            f"the service returned a tool call whose arguments (JSON text) {refusal}", opc_request_id=opc_request_id
        )
    return replace(call, id=well_formed(call.id), name=well_formed(call.name), arguments=well_formed(call.arguments))


def _arguments_refusal(arguments: str) -> str | None:
    """Why a reply's tool-call arguments cannot be passed on (their depth, or a number no JSON reader takes), if so."""
    if too_deep(arguments, DEFAULT_MAX_JSON_DEPTH):
        return f"nests deeper than {DEFAULT_MAX_JSON_DEPTH} levels"
    try:
        strict_json(arguments)
    except NotANumberError as exc:
        return str(exc)
    except StrictJSONError:  # not JSON, a duplicate key: the model's text, for the client to judge
        return None
    return None
