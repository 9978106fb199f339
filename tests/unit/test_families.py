"""The family registry and the checks every family's requests get: one module per API format, found by name;
which format a model speaks; features and rules refused at parse time, naming the caller's field."""

from __future__ import annotations

import pkgutil
from typing import Any

import pytest

from genai_fn import families, validate
from genai_fn.errors import InvalidRequest
from genai_fn.families._base import FEATURES, SAMPLING_PARAMETERS, Family
from genai_fn.neutral.chat import ChatRequest, FieldNames, ImagePart, Message, Params, Reasoning, Tool, ToolCall
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


def test_each_family_module_is_one_family_named_by_its_module() -> None:
    """Adding a family is adding its module: the registry finds it by name, configuration accepts its format."""
    modules = [info.name for info in pkgutil.iter_modules(families.__path__) if not info.name.startswith("_")]
    assert families.api_formats() == ("COHERE", "COHEREV2", "GENERIC")
    for name in modules:
        family = families.get(name.upper())
        assert isinstance(family, Family) and family.api_format == name.upper()
        assert set(family.ranges) <= set(SAMPLING_PARAMETERS) and family.features <= set(FEATURES)
        assert all(low < high for low, high in family.ranges.values())


def test_configuration_imports_no_family_module() -> None:
    """API_FORMAT is checked against module names: reading the configuration loads no family (and no SDK)."""
    assert make_settings(API_FORMAT="GENERIC", ALLOWED_MODELS=MODEL_OCID).api_format == "GENERIC"
    with pytest.raises(Exception, match="API_FORMAT must be one of COHERE, COHEREV2, GENERIC"):
        make_settings(API_FORMAT="TOY")


@pytest.mark.parametrize(
    ("settings_env", "model", "expected"),
    [
        ({}, COHERE_MODEL, "COHERE"),
        ({}, LLAMA_MODEL, "GENERIC"),
        ({}, "xai.grok-3", "GENERIC"),
        ({}, "cohere.command-a-vision-07-2025", "COHEREV2"),
        ({"API_FORMAT": "COHERE"}, LLAMA_MODEL, "GENERIC"),  # a named model's format is known: API_FORMAT is for OCIDs
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
        ({"MODEL_API_FORMATS": f"{COHERE_MODEL}:COHEREV2"}, COHERE_MODEL, "COHEREV2"),
        ({"MODEL_API_FORMATS": f"{COHERE_MODEL}:COHEREV2"}, LLAMA_MODEL, "GENERIC"),
    ],
)
def test_api_format_for(settings_env: dict[str, str | None], model: str, expected: str) -> None:
    assert make_settings(**settings_env).api_format_for(model) == expected


@pytest.mark.parametrize(
    ("kwargs", "messages"),
    [
        ({"tools": (Tool("lookup"),)}, (Message("user", "Hi"),)),
        ({"tools": (Tool("lookup"),), "tool_choice": "auto"}, (Message("user", "Hi"),)),
        (
            {},
            (
                Message("user", "Hi"),
                Message("assistant", "", tool_calls=(ToolCall("c1", "f", "{}"),)),
                Message("tool", "42", tool_call_id="c1"),
                Message("user", "and?"),
            ),
        ),
    ],
)
def test_cohere_v1_carries_tools_as_every_family_does(kwargs: dict[str, Any], messages: tuple[Message, ...]) -> None:
    for api_format in ("COHERE", "COHEREV2", "GENERIC"):
        validate.check_chat(request(api_format, *messages, **kwargs))


def test_a_tool_result_without_its_call_is_refused_by_cohere_v1() -> None:
    """V1 sends a result with the call it answers (name and parameters): a result that follows no call is a 400."""
    messages = (Message("user", "Hi"), Message("tool", "42", tool_call_id="c1"), Message("user", "and?"))
    with pytest.raises(InvalidRequest, match="must follow the assistant message") as caught:
        validate.check_chat(request("COHERE", *messages))
    assert (caught.value.status, caught.value.param) == (400, "messages")
    validate.check_chat(request("GENERIC", *messages))  # the Generic family leaves that to the service


@pytest.mark.parametrize(
    "messages",
    [
        (Message("system", "Only a system prompt"),),
        (Message("user", "Hi"), Message("assistant", "Hello")),
    ],
)
def test_cohere_needs_a_last_user_message(messages: tuple[Message, ...]) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate.check_chat(request("COHERE", *messages))
    assert caught.value.param == "messages"
    assert validate.check_chat(request("GENERIC", *messages)).messages == messages


def test_a_refusal_names_the_callers_own_field() -> None:
    """The contract's FieldNames and each image's `where` travel with the request, so the family's 400 points at
    what the caller sent (Responses says `input[2].content[1]` and `text.format` where chat says otherwise)."""
    image = ImagePart("data:image/png;base64,AAAA", where="input[2].content[1]")
    with pytest.raises(InvalidRequest) as caught:
        validate.check_chat(request("COHERE", Message("user", "Hi", parts=("Hi", image))))
    assert caught.value.param == "input[2].content[1]" and "images are not supported for COHERE" in caught.value.message
    names = FieldNames(reasoning_effort="reasoning.effort")
    with pytest.raises(InvalidRequest, match="reasoning.effort is not supported for COHERE models") as caught:
        validate.check_chat(request("COHERE", reasoning=Reasoning(effort="low"), names=names))
    assert caught.value.param == "reasoning.effort"


def test_a_sampling_parameter_the_family_lacks_is_refused_not_dropped() -> None:
    class NoTopK(Family):
        api_format = "NOTOPK"
        ranges = {"temperature": (0, 1)}
        features = frozenset()

        def to_sdk(self, request: ChatRequest) -> Any:
            raise AssertionError("never built")

        def from_sdk(self, response: Any, request: ChatRequest, model: str, opc_request_id: str | None) -> Any:
            raise AssertionError("never read")

        def stream_deltas(self, events: Any, request: ChatRequest, model: str) -> Any:
            raise AssertionError("never streamed")

    with pytest.raises(InvalidRequest, match="top_k is not supported for NOTOPK models") as caught:
        validate.params({"top_k": 5}, make_settings(), NoTopK())
    assert caught.value.param == "top_k"
    assert validate.params({"temperature": 1}, make_settings(), NoTopK()).temperature == 1
