"""The screening plan covers every text a model reads: structurally (every field of the neutral request and reply,
every string field of the SDK chat requests the families build) and by what is sent (a request filled in every
field, masked through the real join/locate/mask path, leaks no e-mail address into any family's SDK request).

A new neutral field, or a new SDK field, fails here until it is covered or named as carrying no text, with why.
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import json
import re
import typing
from collections.abc import Iterator
from typing import Any

import oci
import pytest
from oci.generative_ai_inference import models as sdk

from genai_fn import families
from genai_fn.families.cohere import FOLDED_KEYWORDS
from genai_fn.guardrails.plan import JSON, KINDS, NAME, NOT_TEXT, TEXT, Plan, plan
from genai_fn.guardrails.policy import GuardrailPolicy
from genai_fn.guardrails.spans import join, mask
from genai_fn.guardrails.verdict import read_verdict
from genai_fn.neutral import features
from genai_fn.neutral.chat import (
    ChatReply,
    ChatRequest,
    Document,
    FieldNames,
    ImagePart,
    JsonSchema,
    Message,
    Params,
    Reasoning,
    Tool,
    ToolCall,
    Usage,
)
from genai_fn.neutral.embeddings import EmbeddingRequest
from genai_fn.neutral.guardrails import Assessment, PiiFinding
from genai_fn.neutral.rerank import RerankRequest

ADDRESS = re.compile(r"u\d+@example\.com")
IMAGE = "data:image/png;base64,iVBORw0KGgo="
SDK_REQUESTS = ("CohereChatRequest", "CohereChatRequestV2", "GenericChatRequest")
"""Every chat request a family builds (families/*.py return one of these)."""

SDK_TEXT = "text"
SDK_FIELDS: dict[tuple[str, str], str] = {
    # Cohere V1
    ("CohereChatRequest", "message"): SDK_TEXT,
    ("CohereChatRequest", "preamble_override"): SDK_TEXT,
    ("CohereChatRequest", "documents"): SDK_TEXT,
    ("CohereChatRequest", "stop_sequences"): "stop sequences: matched against the output, not read as a prompt",
    ("CohereChatBotMessage", "message"): SDK_TEXT,
    ("CohereSystemMessage", "message"): SDK_TEXT,
    ("CohereUserMessage", "message"): SDK_TEXT,
    ("CohereToolCall", "name"): SDK_TEXT,
    ("CohereToolCall", "parameters"): SDK_TEXT,
    ("CohereToolResult", "outputs"): SDK_TEXT,
    ("CohereResponseJsonFormat", "schema"): SDK_TEXT,
    ("CohereTool", "name"): SDK_TEXT,
    ("CohereTool", "parameter_definitions"): SDK_TEXT,
    ("CohereTool", "description"): SDK_TEXT,
    ("CohereParameterDefinition", "description"): SDK_TEXT,
    ("CohereParameterDefinition", "type"): "a Python type name from the family's own table (families/cohere.py)",
    # Cohere V2
    ("CohereChatRequestV2", "documents"): SDK_TEXT,
    ("CohereChatRequestV2", "stop_sequences"): "stop sequences: matched against the output, not read as a prompt",
    ("CohereDocumentContentV2", "document"): SDK_TEXT,
    ("CohereImageUrlV2", "url"): "an image URL: images are not screened (docs/guardrails.md, Images)",
    ("CohereTextContentV2", "text"): SDK_TEXT,
    ("CohereThinkingContentV2", "thinking"): SDK_TEXT,
    ("CohereAssistantMessageV2", "tool_plan"): SDK_TEXT,
    ("CohereToolCallV2", "id"): "an id pairing a call with its result",
    ("CohereToolCallV2", "function"): SDK_TEXT,
    ("CohereToolMessageV2", "tool_call_id"): "an id pairing a result with its call",
    ("CohereCitationV2", "text"): SDK_TEXT,
    ("CohereCitationToolV2", "id"): "an id",
    ("CohereCitationToolV2", "tool_output"): SDK_TEXT,
    ("CohereCitationDocument", "id"): "an id",
    ("CohereCitationDocument", "document"): SDK_TEXT,
    ("Function", "name"): SDK_TEXT,
    ("Function", "description"): SDK_TEXT,
    ("Function", "parameters"): SDK_TEXT,
    # Generic
    ("GenericChatRequest", "metadata"): SDK_TEXT,
    ("GenericChatRequest", "stop"): "stop sequences: matched against the output, not read as a prompt",
    ("GenericChatRequest", "logit_bias"): "token ids (digits) mapped to numbers",
    ("AudioUrl", "url"): "a media URL: media is not screened (docs/guardrails.md, Images)",
    ("DocumentUrl", "url"): "a media URL: media is not screened (docs/guardrails.md, Images)",
    ("ImageUrl", "url"): "an image URL: images are not screened (docs/guardrails.md, Images)",
    ("VideoUrl", "url"): "a media URL: media is not screened (docs/guardrails.md, Images)",
    ("TextContent", "text"): SDK_TEXT,
    ("AssistantMessage", "name"): SDK_TEXT,
    ("AssistantMessage", "refusal"): SDK_TEXT,
    ("AssistantMessage", "reasoning_content"): SDK_TEXT,
    ("DeveloperMessage", "name"): SDK_TEXT,
    ("SystemMessage", "name"): SDK_TEXT,
    ("UserMessage", "name"): SDK_TEXT,
    ("ToolMessage", "tool_call_id"): "an id pairing a result with its call",
    ("ToolCall", "id"): "an id pairing a call with its result",
    ("FunctionCall", "id"): "an id pairing a call with its result",
    ("FunctionCall", "name"): SDK_TEXT,
    ("FunctionCall", "arguments"): SDK_TEXT,
    ("Annotation", "type"): "the kind of an annotation (url_citation)",
    ("UrlCitation", "title"): SDK_TEXT,
    ("UrlCitation", "url"): "a cited URL in a reply",
    ("ResponseJsonSchema", "name"): SDK_TEXT,
    ("ResponseJsonSchema", "description"): SDK_TEXT,
    ("ResponseJsonSchema", "schema"): SDK_TEXT,
    ("ToolChoiceFunction", "name"): SDK_TEXT,
    ("FunctionDefinition", "name"): SDK_TEXT,
    ("FunctionDefinition", "description"): SDK_TEXT,
    ("FunctionDefinition", "parameters"): SDK_TEXT,
    ("ApproximateLocation", "city"): SDK_TEXT,
    ("ApproximateLocation", "region"): SDK_TEXT,
    ("ApproximateLocation", "country"): SDK_TEXT,
    ("ApproximateLocation", "timezone"): SDK_TEXT,
}
"""Every string-valued field (str, list[str], object) reachable from SDK_REQUESTS that is not an enum (the SDK's
setter checks `allowed_values`) or a subtype's fixed discriminator: SDK_TEXT (whatever a family sends there must
be screened text: checked below on what each family builds) or why it carries no text a model reads."""
SDK_OWN_KEYS: dict[tuple[str, str], frozenset[str]] = {
    ("CohereToolCallV2", "function"): frozenset({"name", "arguments"}),
    ("CohereToolResult", "outputs"): frozenset({"output"}),
    ("CohereChatRequest", "documents"): frozenset({"id"}),
    ("CohereChatRequestV2", "documents"): frozenset({"id", "data"}),
}
"""Object fields whose keys the SDK or the family fixes: CohereToolCallV2.function is {"name", "arguments"}; a V1
tool output that is not a JSON object is sent as {"output": text}; a document's id travels under `id` (and V2 puts
its fields under `data`)."""
FAMILY_WORDS = tuple(label for _, label in FOLDED_KEYWORDS)
"""Words Cohere V1 adds to a parameter's description for the constraints it has no field for ("one of: [...]")."""


# --- the neutral side ----------------------------------------------------------------------------------------------


def dataclass_fields(root: type) -> Iterator[tuple[type, str, Any]]:
    """(class, field, type hint) for every field of every dataclass reachable from `root`'s type hints (not through
    the fields NOT_TEXT names: the plan never walks into them)."""
    seen: set[type] = set()
    pending = [root]
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        hints = typing.get_type_hints(cls, localns=vars(features))  # chat.py names feature types only for type checkers
        for field in dataclasses.fields(cls):
            hint = hints[field.name]
            yield cls, field.name, hint
            if (cls, field.name) not in NOT_TEXT:
                pending.extend(arg for arg in _leaves(hint) if dataclasses.is_dataclass(arg))


def _leaves(hint: Any) -> Iterator[Any]:
    args = typing.get_args(hint)
    if not args:
        yield hint
        return
    for arg in args:
        if arg is not Ellipsis:
            yield from _leaves(arg)


READABLE = (str, int, float, bool, type(None), Any)


@pytest.mark.parametrize("root", [ChatRequest, ChatReply, EmbeddingRequest, RerankRequest])
def test_every_neutral_field_is_one_the_plan_can_read(root: type) -> None:
    """The walk reads str, numbers, dataclasses, tuples, lists and JSON-like dicts; a field of any other type would
    raise at screening time, so it fails here first."""
    for cls, name, hint in dataclass_fields(root):
        if (cls, name) in NOT_TEXT:
            continue
        for leaf in _leaves(hint):
            assert leaf in READABLE or dataclasses.is_dataclass(leaf), f"{cls.__name__}.{name}: {leaf!r}"


def test_the_allow_list_and_the_kinds_name_real_fields_with_reasons() -> None:
    for (cls, name), reason in NOT_TEXT.items():
        assert name in {f.name for f in dataclasses.fields(cls)}, f"{cls.__name__}.{name} no longer exists"
        assert len(reason) > 5
    for (cls, name), kind in KINDS.items():
        assert name in {f.name for f in dataclasses.fields(cls)} and kind in (TEXT, NAME, JSON)


counter = itertools.count()


def text() -> str:
    """A text slot: unique, holding an e-mail address the fake service finds."""
    n = next(counter)
    return f"t{n} mail u{n}@example.com"


def name() -> str:
    return f"name{next(counter)}"


def schema() -> dict[str, Any]:
    prop = name()
    return {
        "type": "object",
        "description": text(),
        "properties": {prop: {"type": "string", "enum": [text(), text()], "title": text()}},
        "required": [prop],
    }


def full_request() -> ChatRequest:
    """A request using every neutral field, every text in it unique and holding an address."""
    first, second = text(), text()
    tools = (Tool(name(), text(), schema()), Tool(name(), None, None))
    call = ToolCall("call_1", tools[0].name, json.dumps({name(): text()}))
    messages = (
        Message("system", text()),
        Message("user", first + second, parts=(first, ImagePart(IMAGE, "low", "messages[1].content[1]"), second)),
        Message("assistant", text(), tool_calls=(call,)),
        Message("tool", text(), tool_call_id="call_1"),
        Message("assistant", "", tool_calls=(ToolCall("call_2", tools[1].name, "{}"),)),
        Message("tool", text(), tool_call_id="call_2"),
        Message("user", text()),
    )
    return ChatRequest(
        model="meta.llama-4-maverick-17b-128e-instruct-fp8",
        api_format="GENERIC",
        messages=messages,
        params=Params(10, 0.5, 0.5, 5, 0.1, 0.1, 7, ("STOP",)),
        tools=tools,
        tool_choice=tools[0].name,
        json_mode=True,
        json_schema=JsonSchema(name(), schema(), text(), True),
        parallel_tool_calls=True,
        reasoning=Reasoning("low", "low", True),
        logit_bias={"123": 1.0},
        names=FieldNames(messages="input"),
        documents=(Document("doc_0", (("title", text()), ("text", text()))),),
        citation_quality="ACCURATE",
        safety_mode="CONTEXTUAL",
    )


def text_bearing(hint: Any) -> bool:
    return any(leaf in (str, Any) or dataclasses.is_dataclass(leaf) for leaf in _leaves(hint))


def test_the_full_request_fills_every_text_bearing_field() -> None:
    """So the leak test below covers every field: a new field (documents, say) fails here until it is filled."""
    filled: set[tuple[type, str]] = set()

    def visit(value: Any) -> None:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for field in dataclasses.fields(value):
                current = getattr(value, field.name)
                default = field.default if field.default is not dataclasses.MISSING else None
                if current not in (default, (), None, ""):
                    filled.add((type(value), field.name))
                visit(current)
        elif isinstance(value, tuple | list):
            for item in value:
                visit(item)

    visit(full_request())
    wanted = {
        (cls, name)
        for cls, name, hint in dataclass_fields(ChatRequest)
        if (cls, name) not in NOT_TEXT and text_bearing(hint)
    }
    assert wanted - filled == set(), "fill these fields in full_request() so their text is checked"


def fake_service_masks(request: Any) -> Any:
    """The request as screening returns it under pii:mask, through the real join/locate/verdict/mask path, with a
    fake of the service that finds every address."""
    screened = plan(request)
    joined, starts = join(screened.texts)
    findings = tuple(PiiFinding("EMAIL", m.start(), m.end() - m.start(), m.group()) for m in ADDRESS.finditer(joined))
    policy = GuardrailPolicy(actions=(("pii", "mask"),))
    verdict = read_verdict(policy, Assessment(pii=findings), joined, ("pii",))
    masked = mask(screened.texts, starts, verdict.spans)
    assert verdict.unlocated == 0 and screened.unmaskable(masked) == 0
    return screened.apply(masked), screened


def test_masking_writes_back_into_every_place_and_both_forms_of_a_turn_with_an_image() -> None:
    request = full_request()
    masked, screened = fake_service_masks(request)
    assert not ADDRESS.search(json.dumps(dataclasses.asdict(masked)))
    turn = masked.messages[1]
    assert turn.content == "".join(part for part in turn.parts if isinstance(part, str))
    assert "<EMAIL>" in turn.content and turn.images == request.messages[1].images
    assert masked.tools[0].name == request.tools[0].name, "names are screened, never masked"
    assert json.loads(masked.messages[2].tool_calls[0].arguments), "arguments stay JSON"
    assert masked.names == request.names and masked.params == request.params
    assert request.messages[1].content not in screened.texts, "a turn's text is screened once, from its parts"


# --- the SDK side --------------------------------------------------------------------------------------------------


def _subclasses(cls: type) -> Iterator[type]:
    yield cls
    for sub in cls.__subclasses__():
        yield from _subclasses(sub)


def _inner(swagger_type: str) -> str:
    return re.sub(r"^(list\[|dict\(str, )", "", swagger_type).rstrip("])")


def not_text_by_the_sdk(cls: type, attr: str) -> bool:
    """An enum (the setter checks allowed_values) or a subtype's discriminator (fixed in __init__)."""
    setter = getattr(cls, attr).fset
    fixed = re.search(rf"self\._{attr} = '", inspect.getsource(cls.__init__))  # type: ignore[misc]
    return "allowed_values" in inspect.getsource(setter) or fixed is not None


def sdk_string_fields() -> set[tuple[str, str]]:
    """Every string-valued field reachable from SDK_REQUESTS (subtypes included), enums and discriminators aside."""
    found: set[tuple[str, str]] = set()
    seen: set[str] = set()
    pending = list(SDK_REQUESTS)
    while pending:
        for cls in _subclasses(getattr(sdk, pending.pop())):
            if cls.__name__ in seen:
                continue
            seen.add(cls.__name__)
            for attr, kind in cls().swagger_types.items():
                inner = _inner(kind)
                if inner in ("str", "object") and not not_text_by_the_sdk(cls, attr):
                    found.add((cls.__name__, attr))
                    continue
                if kind.startswith("dict(str,"):  # its keys are strings too (Cohere V1's parameter names)
                    found.add((cls.__name__, attr))
                if hasattr(sdk, inner):
                    pending.append(inner)
    return found


def test_every_sdk_string_field_is_classified() -> None:
    found = sdk_string_fields()
    assert found - set(SDK_FIELDS) == set(), "classify these SDK fields in SDK_FIELDS (text, or why not)"
    assert set(SDK_FIELDS) - found == set(), "these SDK_FIELDS entries no longer exist"


def sent_strings(value: Any, where: tuple[str, str] = ("", "")) -> Iterator[tuple[tuple[str, str], str, bool]]:
    """(SDK field, string, is a JSON key) for every string an SDK request carries."""
    if isinstance(value, str):
        yield where, value, False
    elif hasattr(value, "swagger_types"):
        for attr in value.swagger_types:
            yield from sent_strings(getattr(value, attr), (type(value).__name__, attr))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from sent_strings(item, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield where, key, True
            yield from sent_strings(item, where)


def json_leaves(text: str) -> Iterator[str]:
    """The keys and string values inside a JSON text: a family that parses screened JSON sends them apart."""
    try:
        pending = [json.loads(text)]
    except ValueError:
        return
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from (key for key in value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def unscreened(sdk_request: Any, screened: Plan[Any]) -> list[str]:
    """The strings at SDK_TEXT fields that are not made of screened texts (joined in any way the families join, a
    screened JSON text possibly parsed apart), ids the plan leaves alone by design, and the family's own words."""
    texts = set(screened.texts)
    texts.update(
        leaf
        for text, kind in zip(screened.texts, screened.kinds, strict=True)
        if kind == JSON
        for leaf in json_leaves(text)
    )
    if isinstance(screened.source, ChatRequest):
        texts.update(document.id for document in screened.source.documents)
    pieces = sorted({t for t in texts if t}, key=len, reverse=True)
    problems = []
    for (cls, attr), value, key in sent_strings(sdk_request):
        classified = SDK_FIELDS.get((cls, attr))
        if classified is None:
            assert not_text_by_the_sdk(getattr(sdk, cls), attr), f"{cls}.{attr} is not classified"
            continue
        if classified != SDK_TEXT or (key and value in SDK_OWN_KEYS.get((cls, attr), ())):
            continue
        rest = value
        for piece in (*pieces, *FAMILY_WORDS):
            rest = rest.replace(piece, "")
        if rest.strip(' \t\n[]{}",:;.'):
            problems.append(f"{cls}.{attr}: {value[:60]!r}")
    return problems


@pytest.mark.parametrize("api_format", families.api_formats())
def test_no_family_sends_unscreened_or_unmasked_text(api_format: str) -> None:
    request = dataclasses.replace(full_request(), api_format=api_format)
    masked, _ = fake_service_masks(request)
    screened_after = plan(masked)
    sdk_request = families.get(api_format).to_sdk(masked)
    wire = json.dumps(oci.util.to_dict(sdk_request))
    assert not ADDRESS.search(wire), f"{api_format} sends an address the plan did not mask"
    assert unscreened(sdk_request, screened_after) == []


def test_the_leak_check_finds_an_unscreened_text() -> None:
    """The check above can fail: a text the plan did not see is reported, an unmasked address is found."""
    request = full_request()
    sdk_request = families.get("GENERIC").to_sdk(request)
    assert ADDRESS.search(json.dumps(oci.util.to_dict(sdk_request)))
    screened = plan(request)
    fewer = Plan(request, screened.texts[1:], screened.kinds[1:])
    assert unscreened(sdk_request, fewer) != []


def test_the_reply_plan_holds_text_reasoning_and_calls_even_with_empty_text() -> None:
    reply = ChatReply(
        text="",
        model="m",
        finish_reason="tool_calls",
        usage=Usage(),
        tool_calls=(ToolCall("c", "lookup", '{"to": "u1@example.com"}'),),
        reasoning="thinking of u2@example.com",
    )
    screened = plan(reply)
    assert screened.texts == ("", "c", "lookup", '{"to": "u1@example.com"}', "thinking of u2@example.com")
    assert screened.kinds == (TEXT, NAME, NAME, JSON, TEXT)
    masked, _ = fake_service_masks(reply)
    assert masked.tool_calls[0].arguments == '{"to": "<EMAIL>"}' and masked.reasoning == "thinking of <EMAIL>"


def test_a_mask_that_breaks_a_name_or_json_is_counted() -> None:
    reply = ChatReply("", "m", "stop", Usage(), tool_calls=(ToolCall("c", "u1@example.com", '"u2@example.com"'),))
    screened = plan(reply)
    assert screened.unmaskable(["", "c", "<EMAIL>", '"<EMAIL>"']) == 1
    assert screened.unmaskable(["", "c", "u1@example.com", '"<EMAIL>']) == 1


@pytest.mark.parametrize(
    ("request_", "texts"),
    [
        (EmbeddingRequest("m", ("a", "b"), 256, "SEARCH_DOCUMENT", "END"), ("a", "b")),
        (RerankRequest("m", "q", ("d1", "d2"), 1, True), ("q", "d1", "d2")),
    ],
)
def test_embeddings_and_rerank_plans(request_: Any, texts: tuple[str, ...]) -> None:
    screened = plan(request_)
    assert screened.texts == texts
    masked = screened.apply([t.upper() for t in texts])
    assert plan(masked).texts == tuple(t.upper() for t in texts) and masked.model == "m"
