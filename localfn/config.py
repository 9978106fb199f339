"""The function configuration the local rig runs against the emulator: run-local, the tests and the benchmarks.

One place for the model ids and the compartment, so a model the emulator stops serving is changed once (the
emulator's catalog takes the rerank id from here).
"""

from __future__ import annotations

COHERE_MODEL = "cohere.command-a-03-2025"
LLAMA_MODEL = "meta.llama-3.3-70b-instruct"
EMBED_MODEL = "cohere.embed-v4.0"
"""Cohere Embed 4, the replacement Oracle names for the Embed 3 models it retired on 2026-10-21
(docs.oracle.com/iaas/releasenotes/generative-ai/cohere-embed-v3-retired.htm)."""
RERANK_MODEL = "cohere.rerank.v3-5"
"""Cohere Rerank 3.5 as Oracle's model page names it: "OCI model name: cohere.rerank.v3-5"
(docs.oracle.com/iaas/Content/generative-ai/cohere-rerank-3-5.htm). That page lists it for dedicated AI clusters
only, so the function reaches it through RERANK_ENDPOINT_ID, and the emulator serves it only there."""
RERANK_ENDPOINT = "ocid1.generativeaiendpoint.oc1.local.rerank"
"""The local dedicated endpoint hosting RERANK_MODEL (the emulator's catalog maps it to that model)."""
COMPARTMENT = "ocid1.compartment.oc1..local"


def emulated_config(service_endpoint: str, **overrides: str | None) -> dict[str, str]:
    """The function config for the emulator at `service_endpoint`; an override of None removes that variable."""
    config: dict[str, str | None] = {
        "MODEL_ID": COHERE_MODEL,
        "ALLOWED_MODELS": f"{COHERE_MODEL},{LLAMA_MODEL}",
        "EMBEDDING_MODELS": EMBED_MODEL,
        "COMPARTMENT_OCID": COMPARTMENT,
        "SERVICE_ENDPOINT": service_endpoint,
        **overrides,
    }
    return {key: value for key, value in config.items() if value is not None}


def rerank_config() -> dict[str, str]:
    """The rerank route's variables: Rerank 3.5 on its dedicated endpoint."""
    return {"RERANK_MODELS": RERANK_MODEL, "RERANK_ENDPOINT_ID": RERANK_ENDPOINT}


def local_run_config(service_endpoint: str) -> dict[str, str]:
    """What `python -m localfn` (README command 1) serves: the tests' config plus the rerank route, so every route
    of the README answers. The suites keep rerank off by default (their model lists are exact)."""
    return emulated_config(service_endpoint, **rerank_config())
