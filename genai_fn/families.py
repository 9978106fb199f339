"""Model families: which API format a model speaks, which parameters it takes and in what range, what it can carry.

One record per family, read by request validation at parse time (genai_fn.validate), by the translation to the
SDK's models (genai_fn.oci_models, one translator per family) and by the emulator (emulator/validation.py), so
"the emulator accepted it" and "the function forwards it" cannot drift apart. Adding a family is one FAMILIES entry
here, its PARAMETER_RANGES row, and its translator in oci_models (a unit test checks the three agree).
No oci import: the emulator and the contracts read this without loading the SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # config imports API_FORMATS from here
    from .config import Settings

PARAMETER_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "COHERE": {
        "temperature": (0, 2),
        "top_p": (0, 1),
        "top_k": (0, 500),
        "frequency_penalty": (0, 1),
        "presence_penalty": (0, 1),
    },
    "COHEREV2": {
        "temperature": (0, 2),
        "top_p": (0, 1),
        "top_k": (0, 500),
        "frequency_penalty": (0, 1),
        "presence_penalty": (0, 1),
    },
    "GENERIC": {
        "temperature": (0, 2),
        "top_p": (0, 1),
        "top_k": (-1, 500),
        "frequency_penalty": (-2, 2),
        "presence_penalty": (-2, 2),
    },
}
"""Inclusive ranges per API format, in the internal (snake_case) parameter names. Sources: the SDK docstrings of
CohereChatRequest / GenericChatRequest (top_k 0 or 1..500 for Cohere, -1 = all for Generic; top_p 0..1; Cohere
penalties 0..1, Generic -2..2); temperature 0..2 is our documented choice (docs/api.md), the narrowest range that
every family accepts. Outside them the service answers an opaque 400, so the function answers first."""

INTEGER_PARAMETERS = frozenset({"top_k"})
"""Ranged parameters that take whole numbers; the others are real numbers."""


@dataclass(frozen=True)
class Family:
    """What one API format accepts. Checked at parse time, so the translation never has to refuse anything."""

    api_format: str
    ranges: dict[str, tuple[float, float]]
    """Every sampling parameter the family has, with its inclusive range (max_tokens, seed and stop are common)."""
    tools: bool
    """Takes tool definitions, tool choice, assistant tool calls and tool results."""
    ends_with_user: bool
    """The last non-system message must be the user's (Cohere sends it as `message`, the rest as history)."""
    content_parts: frozenset[str] = frozenset({"text"})
    """OpenAI content-part types the family can carry; any other part is refused, never dropped."""
    named_tool_choice: bool = True
    """tool_choice may name one function (Generic ToolChoiceFunction); Cohere V2's toolsChoice is only REQUIRED
    or NONE, so a named function is a 400 there rather than a silently wider choice."""


FAMILIES: dict[str, Family] = {
    "COHERE": Family("COHERE", PARAMETER_RANGES["COHERE"], tools=False, ends_with_user=True),
    "COHEREV2": Family(
        "COHEREV2",
        PARAMETER_RANGES["COHEREV2"],
        tools=True,
        ends_with_user=False,
        content_parts=frozenset({"text", "image_url"}),
        named_tool_choice=False,
    ),
    "GENERIC": Family(
        "GENERIC",
        PARAMETER_RANGES["GENERIC"],
        tools=True,
        ends_with_user=False,
        content_parts=frozenset({"text", "image_url"}),
    ),
}
API_FORMATS = tuple(FAMILIES)


COHERE_V2_ONLY_PREFIXES = ("cohere.command-a-vision", "cohere.command-a-reasoning")
"""On-demand Cohere models sent as COHEREV2 (CohereChatRequestV2: messages, tools, images, thinking). OCI lists
Command A Vision and Command A Reasoning as the newest Cohere chat models
(docs.oracle.com/iaas/Content/generative-ai/cohere-models.htm); the older cohere.* models keep V1 (COHERE), and
cohere.command-a-03-2025 stays on V1 by default until its V2 default is confirmed on the model's page. Any model
served through a model OCID or dedicated endpoint takes COHEREV2 with API_FORMAT=COHEREV2."""


def family_for(model: str, settings: Settings) -> Family:
    """COHEREV2 for the V2 Cohere models, COHERE for other cohere.* models, GENERIC for every other family;
    API_FORMAT decides for OCIDs and endpoints; MODEL_API_FORMATS overrides per model."""
    for name, api_format in settings.model_api_formats:
        if name == model:
            return FAMILIES[api_format]
    if settings.api_format and (settings.dedicated_endpoint_id or model.startswith("ocid1.")):
        return FAMILIES[settings.api_format]
    if model.startswith(COHERE_V2_ONLY_PREFIXES):
        return FAMILIES["COHEREV2"]
    return FAMILIES["COHERE" if model.startswith("cohere.") else "GENERIC"]


VISION_PREFIXES = (
    "meta.llama-4-",
    "meta.llama-3.2-90b-vision",
    "meta.llama-3.2-11b-vision",
    "cohere.command-a-vision",
)
"""On-demand models OCI documents as taking images: Llama 4 Maverick and Scout ("Input text and images and get a
text output", docs.oracle.com/iaas/Content/generative-ai/meta-llama-4-maverick.htm and meta-llama-4-scout.htm), the
Llama 3.2 Vision models and Cohere Command A Vision (docs.oracle.com/iaas/Content/generative-ai/cohere-models.htm)."""
TEXT_ONLY_PREFIXES = (
    "meta.llama-3.3-",
    "meta.llama-3.1-",
    "meta.llama-3-",
    "cohere.command-r",
    "cohere.command-a-03-2025",
    "cohere.command-a-reasoning",
    "cohere.command-light",
    "cohere.command",
)
"""On-demand models documented as text in, text out; an image for one is a 400 before any upstream call."""


def vision(model: str) -> bool | None:
    """True for documented vision models, False for documented text-only ones, None when the function cannot know
    (model OCIDs, dedicated endpoints, families not listed): then the service decides."""
    if model.startswith(VISION_PREFIXES):
        return True
    if model.startswith(TEXT_ONLY_PREFIXES):
        return False
    return None
