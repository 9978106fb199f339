"""Unit-test helpers: Settings built from plain dicts (no monkeypatching of os.environ)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from genai_fn.config import Settings

COHERE_MODEL = "cohere.command-a-03-2025"
LLAMA_MODEL = "meta.llama-3.3-70b-instruct"
COMPARTMENT = "ocid1.compartment.oc1..unitcompartment"
ENDPOINT = "https://inference.generativeai.us-chicago-1.oci.oraclecloud.com"
MODEL_OCID = "ocid1.generativeaimodel.oc1.us-chicago-1.amaaaaaaexample"
ENDPOINT_OCID = "ocid1.generativeaiendpoint.oc1.us-chicago-1.amaaaaaaexample"

BASE_ENV = {"MODEL_ID": COHERE_MODEL, "COMPARTMENT_OCID": COMPARTMENT, "SERVICE_ENDPOINT": ENDPOINT}


def make_settings(**overrides: str | None) -> Settings:
    """Settings.from_env over BASE_ENV; an override of None removes the variable."""
    env = {**BASE_ENV, "ALLOWED_MODELS": f"{COHERE_MODEL},{LLAMA_MODEL}", **overrides}
    return Settings.from_env({key: value for key, value in env.items() if value is not None})


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def settings_factory() -> Callable[..., Settings]:
    return make_settings
