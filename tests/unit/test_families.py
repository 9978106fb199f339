"""The family registry and the checks every family's requests get: one module per API format, found by name;
which format a model speaks; features and rules refused at parse time, naming the caller's field."""

from __future__ import annotations

import pkgutil
from typing import Any

import pytest

from genai_fn import admission, families
from genai_fn.contracts.responses import RESPONSES
from genai_fn.errors import InvalidRequest
from genai_fn.families._base import FEATURES, SAMPLING_PARAMETERS, Family
from genai_fn.neutral.chat import ChatRequest, ImagePart, Message, Params, Tool, ToolCall
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
        ({}, COHERE_MODEL, "COHEREV2"),
        ({"MODEL_API_FORMATS": f"{COHERE_MODEL}:COHERE"}, COHERE_MODEL, "COHERE"),
        ({}, "cohere.command-r-08-2024", "COHERE"),
        ({}, LLAMA_MODEL, "GENERIC"),
        ({}, "xai.grok-3", "GENERIC"),
        ({}, "cohere.command-a-vision-07-2025", "COHEREV2"),
        ({"API_FORMAT": "COHERE"}, LLAMA_MODEL, "GENERIC"),  # a named model's format is known: API_FORMAT is for OCIDs
        ({"API_FORMAT": "GENERIC"}, COHERE_MODEL, "COHEREV2"),
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
        admission.check_chat(request(api_format, *messages, **kwargs))


def test_a_tool_result_without_its_call_is_refused_by_cohere_v1() -> None:
    """V1 sends a result with the call it answers (name and parameters): a result that follows no call is a 400."""
    messages = (Message("user", "Hi"), Message("tool", "42", tool_call_id="c1"), Message("user", "and?"))
    with pytest.raises(InvalidRequest, match="must follow the assistant message") as caught:
        admission.check_chat(request("COHERE", *messages))
    assert (caught.value.status, caught.value.param) == (400, "messages")
    admission.check_chat(request("GENERIC", *messages))  # the Generic family leaves that to the service


@pytest.mark.parametrize(
    "messages",
    [
        (Message("system", "Only a system prompt"),),
        (Message("user", "Hi"), Message("assistant", "Hello")),
    ],
)
def test_cohere_needs_a_last_user_message(messages: tuple[Message, ...]) -> None:
    with pytest.raises(InvalidRequest) as caught:
        admission.check_chat(request("COHERE", *messages))
    assert caught.value.param == "messages"
    assert admission.check_chat(request("GENERIC", *messages)).messages == messages


def test_a_refusal_names_the_callers_own_field() -> None:
    """The family refuses a neutral path; the contract that parsed the request names its own field in the 400
    (Responses says `input[2].content[1]` and `reasoning.effort` where the neutral request says otherwise)."""
    image = ImagePart("data:image/png;base64,AAAA")
    with pytest.raises(InvalidRequest) as caught:
        admission.check_chat(request("COHERE", Message("user", "Hi", parts=("Hi", image))))
    assert caught.value.param == "messages[0].content[1]"
    assert caught.value.message.startswith("messages[0].content[1]: images are not supported for COHERE")
    settings = make_settings(ALLOWED_MODELS=COHERE_MODEL, MODEL_API_FORMATS=f"{COHERE_MODEL}:COHERE")
    pixel = {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}
    body = {
        "model": COHERE_MODEL,
        "instructions": "Be brief.",
        "input": [
            {"role": "user", "content": "Hi"},
            {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
            {"role": "user", "content": [{"type": "input_text", "text": "What is it?"}, pixel]},
        ],
    }
    with pytest.raises(InvalidRequest) as caught:
        RESPONSES.parse(body, settings)
    assert caught.value.param == "input[2].content[1]"
    assert caught.value.message.startswith("input[2].content[1]: images are not supported for COHERE")
    with pytest.raises(InvalidRequest, match="^reasoning.effort is not supported for COHERE models") as caught:
        RESPONSES.parse({"model": COHERE_MODEL, "input": "Hi", "reasoning": {"effort": "low"}}, settings)
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
        admission.params({"top_k": 5}, make_settings(), NoTopK())
    assert caught.value.param == "top_k"
    assert admission.params({"temperature": 1}, make_settings(), NoTopK()).temperature == 1


# --- the service's numbers and strings, read at the edge ----------------------------------------------------------


@pytest.mark.parametrize(
    "counts",
    [
        {"prompt_tokens": -5},
        {"completion_tokens": -1},
        {"total_tokens": 1.5},
        {"prompt_tokens": True},
        {"total_tokens": 2**53},
    ],
)
def test_a_token_count_that_cannot_be_true_is_the_services_failure(counts: dict[str, Any]) -> None:
    from types import SimpleNamespace

    from genai_fn.errors import UpstreamFailed
    from genai_fn.families._base import usage

    sdk_usage = SimpleNamespace(**{"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7, **counts})
    with pytest.raises(UpstreamFailed, match="token count") as caught:
        usage(sdk_usage, "opc-1")
    assert caught.value.opc_request_id == "opc-1"
    assert usage(SimpleNamespace(prompt_tokens=3, completion_tokens=None, total_tokens=None), None).total_tokens == 3


def test_citations_with_impossible_offsets_are_dropped_and_the_rest_anchored() -> None:
    from genai_fn.families._base import anchored
    from genai_fn.neutral.features import Citation

    text = "Paris is the capital."
    cited = anchored(
        text,
        [
            Citation(-6, -1, "pital", ()),  # text[-6:-1] is "pital": a negative offset must not be taken as one
            Citation(9, 2, "", ()),
            Citation(13, 99, "capital.", ()),  # end past the text: text[13:99] holds the quote, the offsets do not
            Citation(0, 5, "Paris", ("d",)),
        ],
    )
    assert cited == (Citation(13, 21, "capital.", ()), Citation(0, 5, "Paris", ("d",)))


def test_a_reply_is_made_well_formed_and_deep_tool_arguments_refused() -> None:
    from dataclasses import replace

    from genai_fn.errors import UpstreamFailed
    from genai_fn.neutral.chat import ChatReply, Usage
    from genai_fn.neutral.features import Citation
    from genai_fn.upstream.chat import well_formed_reply

    reply = ChatReply(
        "a\ud800b",
        "m\udfff",
        "stop",
        Usage(),
        tool_calls=(ToolCall("c\ud800", "f", '{"a": "\udc00"}'),),
        citations=(Citation(0, 2, "a\ud800", ("d\ud800",)),),
        reasoning="r\ud800",
    )
    clean = well_formed_reply(reply)
    assert (clean.text, clean.model, clean.reasoning) == ("a\ufffdb", "m\ufffd", "r\ufffd")
    assert clean.tool_calls == (ToolCall("c\ufffd", "f", '{"a": "\ufffd"}'),)
    assert clean.citations == (Citation(0, 2, "a\ufffd", ("d\ufffd",)),)
    deep = ChatReply("", "m", "tool_calls", Usage(), tool_calls=(ToolCall("c", "f", "[" * 65 + "]" * 65),))
    with pytest.raises(UpstreamFailed, match="nests deeper than 64"):
        well_formed_reply(deep)
    for arguments in ('{"a": NaN}', '{"a": 1e400}', "[1, -Infinity]"):
        with pytest.raises(UpstreamFailed, match="not valid JSON|too large"):
            well_formed_reply(replace(deep, tool_calls=(ToolCall("c", "f", arguments),)))
    for arguments in ("not json", '{"a": 1, "a": 2}', '{"a": "\\ud800"}', ""):
        assert (
            well_formed_reply(replace(deep, tool_calls=(ToolCall("c", "f", arguments),))).tool_calls[0].arguments
            == arguments
        )
