"""The function configuration the local rig runs against the emulator: run-local, the tests and the benchmarks.

One place for the model ids and the compartment, so a model the emulator stops serving is changed once.
"""

from __future__ import annotations

COHERE_MODEL = "cohere.command-a-03-2025"
LLAMA_MODEL = "meta.llama-3.3-70b-instruct"
EMBED_MODEL = "cohere.embed-english-v3.0"
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
