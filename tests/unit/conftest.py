"""Unit-test helpers: Settings built from plain dicts (no monkeypatching of os.environ)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from genai_fn.config import Settings
from tests.constants import COHERE_MODEL, COMPARTMENT, ENDPOINT, LLAMA_MODEL

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
