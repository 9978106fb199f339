"""Tool choice per family, over generated tool lists and choices, through the real parse and the real SDK mapping:
Cohere V2 sends a named function as that tool alone with toolsChoice REQUIRED, `required` as every tool and REQUIRED,
`none` as NONE, `auto` as nothing; Cohere V1 refuses a forced choice with a 400 that names what works instead and
never suggests a choice it refuses too."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genai_fn.contracts.chat_completions import CHAT
from genai_fn.errors import InvalidRequest
from tests.constants import COHERE_MODEL, V1_PIN

from .conftest import make_settings
from .test_chat_mapping import wire

NAMES = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True), min_size=1, max_size=6, unique=True)
V2, V1 = make_settings(), make_settings(**V1_PIN)


def _body(names: list[str], choice: Any) -> dict[str, Any]:
    tools = [{"type": "function", "function": {"name": n, "parameters": {"type": "object"}}} for n in names]
    return {"messages": [{"role": "user", "content": "Hi"}], "tools": tools, "tool_choice": choice}


def _sent(body: dict[str, Any]) -> dict[str, Any]:
    from genai_fn import families

    call = CHAT.parse(body, V2)
    return wire(families.get(call.api_format).to_sdk(call))  # type: ignore[no-any-return]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(names=NAMES, data=st.data())
def test_the_default_model_sends_every_choice_as_v2_can_carry_it(names: list[str], data: st.DataObject) -> None:
    choice = data.draw(st.sampled_from(["auto", "none", "required", *names]))
    wire_choice = (
        choice if choice in ("auto", "none", "required") else {"type": "function", "function": {"name": choice}}
    )
    sent = _sent(_body(names, wire_choice))
    assert sent["apiFormat"] == "COHEREV2"
    offered = [tool["function"]["name"] for tool in sent["tools"]]
    if choice in ("auto", "none", "required"):
        assert offered == names
        assert sent.get("toolsChoice") == {"auto": None, "none": "NONE", "required": "REQUIRED"}[choice]
    else:
        assert offered == [choice] and sent["toolsChoice"] == "REQUIRED"


@settings(max_examples=100, deadline=None, derandomize=True)
@given(names=NAMES, data=st.data())
def test_v1_refuses_a_forced_choice_naming_the_way_out(names: list[str], data: st.DataObject) -> None:
    choice = data.draw(st.sampled_from(["required", {"type": "function", "function": {"name": names[0]}}]))
    with pytest.raises(InvalidRequest) as caught:
        CHAT.parse(_body(names, choice), V1)
    message = caught.value.message
    assert caught.value.param == "tool_choice"
    assert f"MODEL_API_FORMATS={COHERE_MODEL}:COHEREV2" in message and "send tool_choice auto or none" in message
    for refused in ("use required", "or required", "auto, none or required"):
        assert refused not in message


def test_a_cohere_model_the_catalogue_does_not_know_on_v2_is_not_pointed_at_v2() -> None:
    """Command R 08-2024 speaks V1 and predates V2's toolsChoice (Command R7B and newer): the 400 does not suggest
    MODEL_API_FORMATS for it."""
    settings = make_settings(ALLOWED_MODELS="cohere.command-r-08-2024")
    with pytest.raises(InvalidRequest) as caught:
        CHAT.parse({**_body(["f"], "required"), "model": "cohere.command-r-08-2024"}, settings)
    assert (
        "MODEL_API_FORMATS" not in caught.value.message and "COHEREV2 (Command R7B and newer)" in caught.value.message
    )
