"""Every test's shared facts in one module: the local rig's models and compartment (from localfn.config, which
run-local and the benchmarks use too) and the OCIDs and endpoint that only the unit tests need."""

from __future__ import annotations

from localfn.config import COHERE_MODEL, COMPARTMENT, EMBED_MODEL, LLAMA_MODEL, RERANK_MODEL

ENDPOINT = "https://inference.generativeai.us-chicago-1.oci.oraclecloud.com"
MODEL_OCID = "ocid1.generativeaimodel.oc1.us-chicago-1.amaaaaaaexample"
ENDPOINT_OCID = "ocid1.generativeaiendpoint.oc1.us-chicago-1.amaaaaaaexample"
VISION_MODEL = "meta.llama-4-maverick-17b-128e-instruct-fp8"
"""Llama 4: a vision model that also takes reasoning settings (Generic)."""
V1_PIN = {"MODEL_API_FORMATS": f"{COHERE_MODEL}:COHERE"}
"""Configuration that keeps Command A on Cohere V1 (its default is COHEREV2): the tests of the V1 mapping use it."""

__all__ = [
    "COHERE_MODEL",
    "COMPARTMENT",
    "EMBED_MODEL",
    "ENDPOINT",
    "ENDPOINT_OCID",
    "LLAMA_MODEL",
    "MODEL_OCID",
    "RERANK_MODEL",
    "VISION_MODEL",
    "V1_PIN",
]
