"""What the emulated region serves: chat models on demand with the API formats each takes, embedding models with their
vector sizes, and the dedicated endpoints (with the model each hosts). Read from Oracle's model pages on its own,
never from the product's catalogue (genai_fn/catalog.py), so a wrong fact there fails the suite instead of being
mirrored here. Retired models are simply absent: the service no longer serves them, so they are unknown (404)."""

from __future__ import annotations

from dataclasses import dataclass, field

from localfn.config import RERANK_ENDPOINT, RERANK_MODEL

CHAT_MODELS = frozenset(
    {
        "cohere.command-a-03-2025",
        "cohere.command-a-vision",
        "meta.llama-3.3-70b-instruct",
        "meta.llama-4-maverick-17b-128e-instruct-fp8",
        "meta.llama-3.1-405b-instruct",
    }
)
"""On-demand chat model ids. Of the Cohere chat models, Oracle's on-demand retirement page (read 2026-11,
docs.oracle.com/iaas/Content/generative-ai/deprecating-on-demand.htm) lists only Command A and Command A Vision as
not yet retired; Command R / R+ 08-2024 are gone. Command A Reasoning is dedicated-only (its model page). Any model
OCID is accepted too."""

CHAT_FORMATS = {
    "cohere.command-a-03-2025": frozenset({"COHERE", "COHEREV2"}),
    "cohere.command-a-vision": frozenset({"COHEREV2"}),
}
"""apiFormats a named Cohere chat model takes; any other cohere.* name takes COHERE, every other name GENERIC.
Command A Vision "is compatible only with the version 2 of the OCI Generative AI Chat API for Cohere models"
(docs.oracle.com/iaas/Content/generative-ai/cohere-command-a-vision-07-2025.htm). Command A takes V1 (Oracle's SDK
examples and Oracle's LangChain integration) and V2: Cohere's own OCI client sends every chat model as COHEREV2
(cohere-ai/cohere-python src/cohere/oci_client.py, its docstring naming command-a-03-2025); no Oracle page says
either way, so the emulator accepts both."""

EMBED_MODELS = {"cohere.embed-v4.0": 1536}
"""Embedding model id -> default vector size: Embed 4 "outputs a 1,536-dimensional vector for each embedding"
(docs.oracle.com/iaas/Content/generative-ai/cohere-embed-4.htm). The Embed 3 models are retired as of 2026-10-21
(docs.oracle.com/iaas/releasenotes/generative-ai/cohere-embed-v3-retired.htm)."""

RERANK_MODELS: frozenset[str] = frozenset()
"""Rerank models served on demand: none. Rerank 3.5 (`cohere.rerank.v3-5`) is "Dedicated mode only. Not available
on-demand or in the playground" (docs.oracle.com/iaas/Content/generative-ai/cohere-rerank-3-5.htm)."""

DEDICATED_ENDPOINTS = {RERANK_ENDPOINT: RERANK_MODEL}
"""Endpoint OCID -> the model it hosts (the rerank reply names it); any other endpoint OCID is accepted as is."""

MODEL_OCID_PREFIX = "ocid1.generativeaimodel."
ENDPOINT_OCID_PREFIX = "ocid1.generativeaiendpoint."
ROUTING_PROFILE_OCID_PREFIX = "ocid1.generativeairoutingprofile."
"""A routing profile's OCID, passed as the on-demand model id ("pass the routing profile OCID as the model value",
docs.oracle.com/iaas/Content/generative-ai/routing-profile-tutorial.htm). The prefix is assumed from the IAM
resource type `generative-ai-routing-profile` as `generative-ai-endpoint` gives ocid1.generativeaiendpoint; no
Oracle page shows one."""
SELECTED_REGION = "us-chicago-1"
"""What the emulated service answers in `x-genai-selected-region` for a call through a routing profile."""


@dataclass
class Catalog:
    """What this emulated region serves. `api_formats` pins a model OCID or endpoint OCID to one apiFormat."""

    chat_models: frozenset[str] = CHAT_MODELS
    embed_models: dict[str, int] = field(default_factory=lambda: dict(EMBED_MODELS))
    rerank_models: frozenset[str] = RERANK_MODELS
    dedicated_endpoints: dict[str, str] = field(default_factory=lambda: dict(DEDICATED_ENDPOINTS))
    api_formats: dict[str, str] = field(default_factory=dict)
    allowed_compartments: frozenset[str] | None = None

    def chat_formats(self, model: str) -> frozenset[str] | None:
        """The apiFormats a chat target takes; None when any is accepted (model OCIDs, dedicated endpoints)."""
        if model in self.api_formats:
            return frozenset({self.api_formats[model]})
        if model.startswith((MODEL_OCID_PREFIX, ENDPOINT_OCID_PREFIX, ROUTING_PROFILE_OCID_PREFIX)):
            return None
        if model in CHAT_FORMATS:
            return CHAT_FORMATS[model]
        return frozenset({"COHERE" if model.startswith("cohere.") else "GENERIC"})


__all__ = [
    "CHAT_FORMATS",
    "CHAT_MODELS",
    "DEDICATED_ENDPOINTS",
    "EMBED_MODELS",
    "ENDPOINT_OCID_PREFIX",
    "MODEL_OCID_PREFIX",
    "ROUTING_PROFILE_OCID_PREFIX",
    "SELECTED_REGION",
    "RERANK_MODELS",
    "Catalog",
]
