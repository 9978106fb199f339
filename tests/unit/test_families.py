"""families: which family a model id maps to, and the family rules validation applies at parse time."""

from __future__ import annotations

from typing import Any

import pytest

from genai_fn import oci_models, validate
from genai_fn.chat import ChatRequest, Message, Params, Tool, ToolCall
from genai_fn.errors import InvalidRequest
from genai_fn.families import API_FORMATS, FAMILIES, PARAMETER_RANGES, family_for
from tests.constants import COHERE_MODEL, ENDPOINT_OCID, LLAMA_MODEL, MODEL_OCID

from .conftest import make_settings


def request(api_format: str, *messages: Message, **kwargs: Any) -> ChatRequest:
    return ChatRequest(
        model=COHERE_MODEL if api_format == "COHERE" else LLAMA_MODEL,
        api_format=api_format,
        messages=messages or (Message("user", "Hi"),),
        params=Params(max_tokens=600),
        **kwargs,
    )


def test_every_family_has_its_ranges_and_a_translator() -> None:
    """Adding a family: its FAMILIES entry, its PARAMETER_RANGES row and its oci_models translator, nothing else."""
    assert set(API_FORMATS) == set(FAMILIES) == set(PARAMETER_RANGES) == set(oci_models.TRANSLATORS)
    for name, family in FAMILIES.items():
        assert family.api_format == name and family.ranges is PARAMETER_RANGES[name]


@pytest.mark.parametrize(
    ("settings_env", "model", "expected"),
    [
        ({}, COHERE_MODEL, "COHERE"),
        ({}, LLAMA_MODEL, "GENERIC"),
        ({}, "xai.grok-3", "GENERIC"),
        ({"API_FORMAT": "COHERE"}, LLAMA_MODEL, "GENERIC"),  # a named model's family is known: API_FORMAT is for OCIDs
        ({"API_FORMAT": "GENERIC"}, COHERE_MODEL, "COHERE"),
        ({"API_FORMAT": "GENERIC", "ALLOWED_MODELS": MODEL_OCID}, MODEL_OCID, "GENERIC"),
        ({"API_FORMAT": "COHERE", "ALLOWED_MODELS": MODEL_OCID}, MODEL_OCID, "COHERE"),
        (
            {"API_FORMAT": "GENERIC", "DEDICATED_ENDPOINT_ID": ENDPOINT_OCID, "ALLOWED_MODELS": None},
            COHERE_MODEL,
            "GENERIC",
        ),
        (
            {"API_FORMAT": "COHERE", "DEDICATED_ENDPOINT_ID": ENDPOINT_OCID, "ALLOWED_MODELS": None},
            LLAMA_MODEL,
            "COHERE",
        ),
    ],
)
def test_family_for(settings_env: dict[str, str | None], model: str, expected: str) -> None:
    assert family_for(model, make_settings(**settings_env)).api_format == expected


@pytest.mark.parametrize(
    ("kwargs", "messages"),
    [
        ({"tools": (Tool("lookup"),)}, (Message("user", "Hi"),)),
        ({"tool_choice": "auto"}, (Message("user", "Hi"),)),
        (
            {},
            (
                Message("user", "Hi"),
                Message("assistant", "", tool_calls=(ToolCall("c1", "f", "{}"),)),
                Message("tool", "42", tool_call_id="c1"),
                Message("user", "and?"),
            ),
        ),
        ({}, (Message("user", "Hi"), Message("tool", "42", tool_call_id="c1"), Message("user", "and?"))),
    ],
)
def test_cohere_with_tools_is_refused(kwargs: dict[str, Any], messages: tuple[Message, ...]) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate.family_rules(request("COHERE", *messages, **kwargs))
    assert (caught.value.status, caught.value.param) == (400, "tools")
    validate.family_rules(request("GENERIC", *messages, **kwargs))  # the Generic family carries them


@pytest.mark.parametrize(
    "messages",
    [
        (Message("system", "Only a system prompt"),),
        (Message("user", "Hi"), Message("assistant", "Hello")),
    ],
)
def test_cohere_needs_a_last_user_message(messages: tuple[Message, ...]) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate.family_rules(request("COHERE", *messages))
    assert caught.value.param == "messages"
    assert validate.family_rules(request("GENERIC", *messages)).messages == messages


def test_model_api_formats_override_the_family_by_name() -> None:
    settings = make_settings(MODEL_API_FORMATS=f"{COHERE_MODEL}:COHEREV2")
    assert family_for(COHERE_MODEL, settings).api_format == "COHEREV2"
    assert family_for(COHERE_MODEL, make_settings()).api_format == "COHERE"
    assert family_for(LLAMA_MODEL, settings).api_format == "GENERIC"
