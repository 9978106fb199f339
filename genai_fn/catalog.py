"""What the function knows about OCI's models by name: the API format each speaks, which take images, which are
served only on dedicated AI clusters, and which OCI retires (with the replacement Oracle names).

Pure data, read at parse time and by configuration; every fact names the Oracle page it was read from and when
(docs/models.md has the same facts as one table per model). A model this table does not know is still served
(the service decides); a model OCID or a dedicated endpoint takes its format from API_FORMAT, and MODEL_API_FORMATS
overrides any model (Settings.api_format_for).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

ON_DEMAND_RETIREMENTS = "docs.oracle.com/iaas/Content/generative-ai/deprecating-on-demand.htm"
DEDICATED_RETIREMENTS = "docs.oracle.com/iaas/Content/generative-ai/deprecating-dedicated.htm"
EMBED_3_RETIRED = "docs.oracle.com/iaas/releasenotes/generative-ai/cohere-embed-v3-retired.htm"

API_FORMAT_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("cohere.command-a-vision", "COHEREV2"),
    ("cohere.command-a-reasoning", "COHEREV2"),
    ("cohere.command-a-03-2025", "COHEREV2"),
    ("cohere.", "COHERE"),
)
"""The first matching prefix decides; every other model speaks GENERIC (Meta, xAI, OpenAI, Google ...).
Command A Vision "is compatible only with the version 2 of the OCI Generative AI Chat API for Cohere models"
(docs.oracle.com/iaas/Content/generative-ai/cohere-command-a-vision-07-2025.htm, read 2026-11); Command A Reasoning
takes `thinking`, a V2-only field. Command A (cohere.command-a-03-2025) is sent as COHEREV2 because only V2 can force
a tool (CohereChatRequestV2.tools_choice REQUIRED, "only compatible with models Command-r7b and newer"; V1 has no
such field), and Cohere's own OCI client sends it as COHEREV2 in tests its file says were "validated against the
live OCI Generative AI inference layer (us-chicago-1)" (cohere-ai/cohere-python tests/test_oci_client.py:
test_chat_v2, test_command_a_chat). No Oracle page states its format either way; MODEL_API_FORMATS keeps V1
(COHERE) per model (docs/models.md, "Why Command A is sent as COHEREV2")."""
DEFAULT_API_FORMAT = "GENERIC"

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


@dataclass(frozen=True)
class Retirement:
    """What an Oracle page says of a model's on-demand retirement: the date it states (None where it states none),
    the replacement it suggests (None where it names none), and the page."""

    replacement: str | None
    date: str | None
    source: str
    configured: bool = False
    """An operator's word (MODEL_RETIREMENTS): refused whatever the date."""

    def refused(self, today: str) -> bool:
        """Refused before any call only when the page states a date that has passed (`today`: YYYY-MM-DD) or the
        operator says so; a retirement without a date is the service's to enforce."""
        return self.configured or (self.date is not None and self.date <= today)


RETIRED: dict[str, Retirement] = {
    # Chat, from the on-demand page's Cohere table (docs.oracle.com/en-us/iaas/Content/generative-ai/
    # deprecating-on-demand.htm, read 2026-12): "Model | Release Date | On-Demand Mode Retirement Date | Suggested
    # Replacement Options". Command R and R+ 08-2024 are "At least one month after the release of the 1st
    # replacement model" (no date), replaced by Command A; the newer copy of the page no longer lists them, but
    # states no date either, so they are passed to the service (which says whether it still serves them).
    "cohere.command-r-08-2024": Retirement("cohere.command-a-03-2025", None, ON_DEMAND_RETIREMENTS),
    "cohere.command-r-plus-08-2024": Retirement("cohere.command-a-03-2025", None, ON_DEMAND_RETIREMENTS),
    "cohere.command-r-plus": Retirement("cohere.command-r-plus-08-2024", "2025-01-16", ON_DEMAND_RETIREMENTS),
    "cohere.command-r-16k": Retirement("cohere.command-r-08-2024", "2025-01-16", ON_DEMAND_RETIREMENTS),
    "cohere.command": Retirement(None, "2024-10-02", ON_DEMAND_RETIREMENTS),  # the page names no replacement
    "cohere.command-light": Retirement("cohere.command-r-08-2024", "2024-10-02", ON_DEMAND_RETIREMENTS),
    # Embeddings: "Cohere Embed v3 models are now retired ... as of October 21, 2026 ... Use Cohere Embed 4
    # (cohere.embed-v4.0) as the replacement" (release note, 2026-10-21).
    **{
        model: Retirement("cohere.embed-v4.0", "2026-10-21", EMBED_3_RETIRED)
        for model in (
            "cohere.embed-english-v3.0",
            "cohere.embed-english-light-v3.0",
            "cohere.embed-multilingual-v3.0",
            "cohere.embed-multilingual-light-v3.0",
            "cohere.embed-multilingual-image-v3.0",
            "cohere.embed-english-image-v3.0",
            "cohere.embed-english-light-image-v3.0",
            "cohere.embed-multilingual-light-image-v3.0",
        )
    },
}
"""Model id -> what Oracle's pages say of its on-demand retirement. A call naming one whose stated date has passed
is a 400 naming the replacement, before any upstream call (admission.allowed_model); the others are passed to the
service, and its refusal of one (a 400 or 404 about the model) gets the replacement added (upstream/failures.py).
A dedicated endpoint keeps serving what its cluster hosts. MODEL_RETIREMENTS overrides any entry
(Settings.retirement)."""


def today() -> str:
    """The UTC date as the pages write it (YYYY-MM-DD), to compare with a stated retirement date."""
    return time.strftime("%Y-%m-%d", time.gmtime())


def advice(model: str, lookup: Callable[[str], Retirement | None]) -> str:
    """What to use instead of `model`: the replacement its page names, following the chain past a replacement that
    is refused too, so the advice never names a model that would be refused as well. `lookup` is the catalogue as
    configured (Settings.retirement)."""
    entry = lookup(model)
    if entry is None:
        return ""
    source = f"(source: {entry.source})"
    passed: list[str] = []  # replacements refused too
    seen: set[str] = {model}
    current: Retirement | None = entry
    while current is not None and current.replacement is not None and current.replacement not in seen:
        name = current.replacement
        seen.add(name)
        current = lookup(name)
        if current is None or not current.refused(today()):
            note = f" ({', '.join(passed)}, named before it, retired too)" if passed else ""
            later = (
                f"; OCI names {current.replacement} as its replacement in turn"
                if current and current.replacement
                else ""
            )
            return f"use {name}, the replacement OCI names{note}{later} {source}"
        passed.append(name)
    if passed:
        return f"OCI names {', '.join(passed)} as replacements, and they are retired too {source}"
    return f"OCI names no replacement {source}"


def retired_message(model: str, entry: Retirement, lookup: Callable[[str], Retirement | None]) -> str:
    """The 400 for a model refused locally: since when, and what to use instead."""
    when = f" on {entry.date}" if entry.date else ""
    return (
        f"model {model} was retired by OCI Generative AI{when} and is no longer served on demand; "
        f"{advice(model, lookup)}"
    )


DEDICATED_ONLY: dict[str, str] = {
    "cohere.rerank.v3-5": "docs.oracle.com/iaas/Content/generative-ai/cohere-rerank-3-5.htm",
    "cohere.rerank.3-5": DEDICATED_RETIREMENTS,  # the same model as the dedicated retirement page spells it
    "cohere.command-a-reasoning": "docs.oracle.com/iaas/Content/generative-ai/cohere-command-a-reasoning-08-2025.htm",
}
"""Model id prefix -> the page listing it for dedicated AI clusters only, read 2026-11 (Rerank 3.5: "Dedicated mode
only. Not available on-demand or in the playground"; Command A Reasoning: every region "dedicated AI cluster only").
Configuration refuses one of these without the endpoint that serves it (RERANK_ENDPOINT_ID, DEDICATED_ENDPOINT_ID)."""


def default_api_format(model: str) -> str:
    """The API format OCI's model pages give a model id (the first matching prefix), else GENERIC."""
    for prefix, api_format in API_FORMAT_BY_PREFIX:
        if model.startswith(prefix):
            return api_format
    return DEFAULT_API_FORMAT


def vision(model: str) -> bool | None:
    """True for documented vision models, False for documented text-only ones, None when the function cannot know
    (model OCIDs, dedicated endpoints, families not listed): then the service decides."""
    if model.startswith(VISION_PREFIXES):
        return True
    if model.startswith(TEXT_ONLY_PREFIXES):
        return False
    return None


def retirement(model: str) -> Retirement | None:
    """What Oracle's pages say of the model's on-demand retirement, if anything (configuration may override it:
    Settings.retirement)."""
    return RETIRED.get(model)


def dedicated_only(model: str) -> str | None:
    """The source page when OCI serves `model` only on dedicated AI clusters, else None."""
    for prefix, source in DEDICATED_ONLY.items():
        if model.startswith(prefix):
            return source
    return None
