"""The OpenAI concepts that chat completions and Responses share, parsed once: function tools, tool choice, JSON
response formats, images, reasoning knobs and logit bias, plus the strictness both apply to the body.

Each parser checks syntax only and names the caller's field; whether the model's family can carry what was asked
is decided after parsing, once, by admission.check_chat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .. import lazy, validate
from ..errors import InvalidRequest
from ..neutral.chat import ImagePart, JsonSchema, Reasoning, Tool

if TYPE_CHECKING:
    from .. import jsontext
else:  # loaded on first use: not every call needs them
    jsontext = lazy("genai_fn.jsontext")

ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant", "tool": "tool"}
"""OpenAI roles to neutral roles; `developer` is OpenAI's newer name for system instructions."""
TOOL_CHOICE_MODES = ("auto", "none", "required")
EFFORTS = ("none", "minimal", "low", "medium", "high")
"""GenericChatRequest.reasoning_effort's allowed values, lower-cased (the SDK takes NONE ... HIGH)."""
VERBOSITIES = ("low", "medium", "high")
"""GenericChatRequest.verbosity's allowed values, lower-cased."""
IMAGE_DETAILS = ("auto", "low", "high")
"""OpenAI's `detail` values; the SDK's ImageUrl / CohereImageUrlV2 take them upper-cased (AUTO, LOW, HIGH)."""
_DATA_URL = re.compile(r"data:image/[A-Za-z0-9.+-]+;base64,[A-Za-z0-9+/=\s]+\Z")


def reject_unknown(body: Mapping[str, Any], known: frozenset[str]) -> None:
    """A field the contract does not know is a 400 naming it (shortened): a typo never becomes a silent default."""
    unknown = validate.unknown_field(body, known)
    if unknown is not None:
        raise InvalidRequest(f"Unrecognized request argument supplied: {unknown}", param=unknown)


def flag(body: Mapping[str, Any], name: str, field: str | None = None) -> bool:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise InvalidRequest(f"{field or name} must be true or false", param=field or name)
    return bool(value)


def tools(value: Any, function_of: Callable[[Any, str], Mapping[str, Any]]) -> tuple[Tool, ...]:
    """The `tools` list; `function_of(tool, where)` checks one entry's own shape and returns its function spec."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRequest("tools must be a list", param="tools")
    return tuple(
        function_tool(function_of(tool, f"tools[{index}]"), f"tools[{index}]") for index, tool in enumerate(value)
    )


MAX_CALL_ID_CHARS = 256
"""A tool call's id (OpenAI's are ~30 characters): longer is refused, so an id cannot carry a prompt's worth of text
(ids are screened too, never masked: guardrails/plan.py)."""


def call_id(value: Any, where: str) -> str:
    """A tool call's id as a caller echoes it back: non-blank text of at most MAX_CALL_ID_CHARS characters."""
    text = validate.text(value, where)
    if len(text) > MAX_CALL_ID_CHARS:
        raise InvalidRequest(f"{where} is longer than {MAX_CALL_ID_CHARS} characters", param=where)
    return text


def arguments(value: Any, where: str) -> str:
    """A tool call's arguments as the caller echoes them back: text, and, when it is JSON, strict JSON within
    jsontext's depth and size bounds (a 400 naming `where`); text that is not JSON at all is kept as the model
    wrote it (a model may produce it; a family that needs an object says so)."""
    text = validate.text(value, where, allow_empty=True)
    if text.strip():
        try:
            jsontext.decode_json_text(text, where)
        except jsontext.NotJSONText:
            pass
    return text


def function_tool(spec: Mapping[str, Any], where: str) -> Tool:
    """A function tool from its {name, description, parameters} (chat nests them under `function`; Responses not)."""
    parameters = spec.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise InvalidRequest(f"{where}.parameters must be a JSON Schema object", param=f"{where}.parameters")
    description = spec.get("description")
    return Tool(
        validate.text(spec.get("name"), f"{where}.name"),
        validate.text(description, f"{where}.description") if description else None,
        parameters,
    )


def tool_choice(value: Any, named: Any, tools: tuple[Tool, ...], shape: str) -> str:
    """auto, none, required, or the name of one of `tools` (`named`: the name the contract's object form held);
    `shape` is the contract's spelling of the object form, for the error."""
    if isinstance(value, str) and value in TOOL_CHOICE_MODES:
        return value
    if not isinstance(named, str) or named not in {tool.name for tool in tools}:  # a list name is unhashable
        raise InvalidRequest(f"tool_choice must be auto, none, required or {shape}", param="tool_choice")
    return named


def json_schema(spec: Any, where: str, param: str | None = None) -> JsonSchema:
    """{name, schema, description?, strict?}: chat's response_format.json_schema and Responses' text.format.
    `param`: the field an error names (the contract's choice), else the offending sub-field."""
    if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict):
        raise InvalidRequest(f"{where} needs a name and a schema object", param=param or f"{where}.schema")
    strict = spec.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise InvalidRequest(f"{where}.strict must be true or false", param=param or f"{where}.strict")
    description = spec.get("description")
    return JsonSchema(
        name=validate.text(spec.get("name"), f"{where}.name"),
        schema=spec["schema"],
        description=validate.text(description, f"{where}.description") if description else None,
        strict=strict,
    )


def image(url: Any, detail: Any, where: str) -> ImagePart:
    """An image by URL: a base64 data:image/... URL (already inside the body's byte limit, checked but never
    decoded, so no second copy is made) or an https: URL the service fetches; `detail` auto, low or high."""
    if not isinstance(url, str):
        raise InvalidRequest(f"{where}.image_url.url must be a string", param=f"{where}.image_url.url")
    if detail is not None and detail not in IMAGE_DETAILS:
        raise InvalidRequest(
            f"{where}.image_url.detail must be one of {', '.join(IMAGE_DETAILS)}", param=f"{where}.image_url"
        )
    if not (_DATA_URL.match(url) if url.startswith("data:") else url.startswith("https://")):
        raise InvalidRequest(
            f"{where}.image_url.url must be a base64 data:image/... URL or an https: URL",
            param=f"{where}.image_url.url",
        )
    return ImagePart(url=url, detail=detail)


def reasoning(effort: Any, verbosity: Any, completion_limit: bool, names: tuple[str, str]) -> Reasoning | None:
    """The reasoning knobs sent (`names`: the contract's fields for effort and verbosity); None when neither was.
    `completion_limit`: the token limit came as max_completion_tokens / max_output_tokens, which bound reasoning
    plus answer and travel as maxCompletionTokens where the family has it."""
    effort = _choice(effort, names[0], EFFORTS)
    verbosity = _choice(verbosity, names[1], VERBOSITIES)
    if effort is None and verbosity is None:
        return None
    return Reasoning(effort=effort, verbosity=verbosity, completion_limit=completion_limit)


def logit_bias(value: Any) -> dict[str, float] | None:
    """Token ids (as text) to biases in -100..100."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidRequest("logit_bias must map token ids to numbers", param="logit_bias")
    for token, bias in value.items():
        if (
            not (token.isascii() and token.isdigit())
            or isinstance(bias, bool)
            or not isinstance(bias, int | float)
            or not -100 <= bias <= 100
        ):
            raise InvalidRequest("logit_bias must map token ids to numbers between -100 and 100", param="logit_bias")
    return dict(value)


def _choice(value: Any, name: str, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise InvalidRequest(f"{name} must be one of {', '.join(allowed)}", param=name)
    return value
