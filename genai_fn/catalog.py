"""What the function knows about OCI's models by name: the API format each speaks, which take images, which are
served only on dedicated AI clusters, and which OCI has retired (with the replacement Oracle names).

Pure data, read at parse time and by configuration; every fact names the Oracle page it was read from and when
(docs/models.md has the same facts as one table per model). A model this table does not know is still served
(the service decides); a model OCID or a dedicated endpoint takes its format from API_FORMAT, and MODEL_API_FORMATS
overrides any model (Settings.api_format_for).
"""

from __future__ import annotations

from dataclasses import dataclass

ON_DEMAND_RETIREMENTS = "docs.oracle.com/iaas/Content/generative-ai/deprecating-on-demand.htm"
DEDICATED_RETIREMENTS = "docs.oracle.com/iaas/Content/generative-ai/deprecating-dedicated.htm"
EMBED_3_RETIRED = "docs.oracle.com/iaas/releasenotes/generative-ai/cohere-embed-v3-retired.htm"

API_FORMAT_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("cohere.command-a-vision", "COHEREV2"),
    ("cohere.command-a-reasoning", "COHEREV2"),
    ("cohere.", "COHERE"),
)
"""The first matching prefix decides; every other model speaks GENERIC (Meta, xAI, OpenAI, Google ...).
Command A Vision "is compatible only with the version 2 of the OCI Generative AI Chat API for Cohere models"
(docs.oracle.com/iaas/Content/generative-ai/cohere-command-a-vision-07-2025.htm, read 2026-11); Command A Reasoning
takes `thinking`, a V2-only field. cohere.command-a-03-2025 stays on V1 (COHERE): no Oracle page states that it
takes CohereChatRequestV2 (Cohere's own SDK sends it as COHEREV2 through its OciClientV2, cohere-ai/cohere-python
src/cohere/oci_client.py, so MODEL_API_FORMATS may move it); V1 now serves its tools, documents and citations."""
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
    """A model OCI no longer serves on demand: when (None where the page gives no date), what Oracle suggests
    instead, and the page that says so."""

    replacement: str
    date: str | None
    source: str

    def message(self, model: str) -> str:
        when = f" on {self.date}" if self.date else ""
        return (
            f"model {model} was retired by OCI Generative AI{when} and is no longer served on demand; "
            f"use {self.replacement} (source: {self.source})"
        )


RETIRED: dict[str, Retirement] = {
    # Chat. The on-demand page (read 2026-11) lists, of the Cohere chat models, only Command A and Command A Vision
    # as not yet retired; its earlier copy named Command A as the replacement of Command R / R+ 08-2024.
    "cohere.command-r-08-2024": Retirement("cohere.command-a-03-2025", None, ON_DEMAND_RETIREMENTS),
    "cohere.command-r-plus-08-2024": Retirement("cohere.command-a-03-2025", None, ON_DEMAND_RETIREMENTS),
    "cohere.command-r-plus": Retirement("cohere.command-a-03-2025", "2025-01-16", ON_DEMAND_RETIREMENTS),
    "cohere.command-r-16k": Retirement("cohere.command-a-03-2025", "2025-01-16", ON_DEMAND_RETIREMENTS),
    "cohere.command": Retirement("cohere.command-a-03-2025", "2024-10-02", ON_DEMAND_RETIREMENTS),
    "cohere.command-light": Retirement("cohere.command-a-03-2025", "2024-10-02", ON_DEMAND_RETIREMENTS),
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
"""Retired model id -> its retirement. A call naming one on demand is a 400 naming the replacement, before any
upstream call (validate.allowed_model); a dedicated endpoint keeps serving what its cluster hosts."""

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
    """The model's retirement on demand, if OCI has retired it."""
    return RETIRED.get(model)


def dedicated_only(model: str) -> str | None:
    """The source page when OCI serves `model` only on dedicated AI clusters, else None."""
    for prefix, source in DEDICATED_ONLY.items():
        if model.startswith(prefix):
            return source
    return None
