"""The neutral chat request and reply: what the caller asked for and what the model answered.

Every contract (simple, chat completions, Responses) parses into a ChatRequest and renders a ChatReply; every model
family (families/) turns the request into its SDK request and its SDK reply back into a ChatReply. Independent of
wire format and of model family: no oci import, no contract vocabulary. A refusal names a part of the request by
its neutral path (`messages`, `messages[2].content[1]`, `response_format`, `reasoning_effort`, `verbosity`, `tools`,
...); the contract that parsed it names its own field instead (admission.check_chat's `name`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import lazy

if TYPE_CHECKING:
    from . import features
    from .features import Citation as Citation
    from .features import Document as Document
    from .features import ImagePart as ImagePart
    from .features import JsonSchema as JsonSchema
    from .features import Reasoning as Reasoning
    from .features import Tool as Tool
    from .features import ToolCall as ToolCall
else:  # loaded on first use
    features = lazy("genai_fn.neutral.features")

FEATURE_TYPES = frozenset({"Citation", "Document", "ImagePart", "JsonSchema", "Reasoning", "Tool", "ToolCall"})
"""Defined in features.py and loaded on first use, so a plain chat never pays for them; still importable from here."""


def __getattr__(name: str) -> Any:
    if name in FEATURE_TYPES:
        return getattr(features, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Message:
    """One turn of the conversation."""

    role: str
    """system, user, assistant or tool."""
    content: str
    """The turn's text (its text parts joined); what text-only families receive."""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    parts: tuple[str | ImagePart, ...] = ()
    """The text and image parts in order, set only when the turn holds an image."""

    @property
    def images(self) -> tuple[ImagePart, ...]:
        if not self.parts:  # text only: no need to load the image type
            return ()
        return tuple(part for part in self.parts if isinstance(part, features.ImagePart))


@dataclass(frozen=True)
class Params:
    """Generation knobs; None means "not sent" (max_tokens is always resolved before sending)."""

    max_tokens: int
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    seed: int | None = None
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Checked:
    """What a family made of a request while checking it (Cohere V1: the turns laid out as V1 takes them), kept so
    that its `to_sdk` builds on it instead of checking again; opaque to everything but that family, never SDK
    objects."""

    api_format: str
    value: object


@dataclass(frozen=True)
class ChatRequest:
    """What the caller asked for, validated and allow-listed; the compartment is never part of it."""

    model: str
    api_format: str
    messages: tuple[Message, ...]
    params: Params
    tools: tuple[Tool, ...] = ()
    tool_choice: str | None = None
    """auto, none, required, or the name of one of `tools`; None: not sent (the family's default, auto)."""
    json_mode: bool = False
    """The reply must be JSON (json_object, or json_schema with `json_schema`)."""
    json_schema: JsonSchema | None = None
    parallel_tool_calls: bool | None = None
    reasoning: Reasoning | None = None
    logit_bias: dict[str, float] | None = None
    """Token id (as text) -> bias in -100..100."""
    documents: tuple[Document, ...] = ()
    """Documents to ground the answer on (Cohere's `documents`); the reply cites them."""
    citation_quality: str | None = None
    """accurate, fast or off; None: not sent (the service's default)."""
    safety_mode: str | None = None
    """contextual or strict (Cohere's safetyMode); None: not sent (the service's default, contextual)."""
    checked: Checked | None = field(default=None, compare=False, repr=False)
    """Set by admission.check_chat when the family's check made something of the request."""


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int | None = None
    """Part of completion_tokens spent reasoning, where the service reports it."""
    cached_tokens: int | None = None
    """Part of prompt_tokens read from the service's prompt cache, where the service reports it."""


@dataclass(frozen=True)
class ChatReply:
    """The model's answer, normalised; finish_reason uses OpenAI's vocabulary (stop, length, ...)."""

    text: str
    model: str
    finish_reason: str
    usage: Usage | None
    """None: the service did not report it (a stream that ended without usage, neutral/stream.joined), so the
    count is unknown and a budget keeps the whole reservation (usecases/metering.counted)."""
    opc_request_id: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    reasoning: str | None = None
    """The model's reasoning text where the service returns it (Cohere V2 thinking, Generic reasoning_content)."""
    citations: tuple[Citation, ...] = ()
    """Where the reply is grounded in the request's documents or tool results (Cohere V1 and V2)."""
