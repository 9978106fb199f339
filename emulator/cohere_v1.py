"""The service's rules for a Cohere V1 chat request (apiFormat COHERE) that its model classes cannot express: where
`message` may be empty, how tool calls and their results alternate, and what a tool may declare.

Each rule names where it was learnt, so a wrong history in the product fails the suite the way the service would:
- "cannot specify message if the last entry in chat history contains tool results" (the service's 400, quoted in
  oracle/langchain-oracle PR #8 and #9); the current turn's results go in `toolResults` with `message: ""` (Cohere's
  V1 tool-use guide: "User message: v1: Set as empty", docs.cohere.com);
- "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'"
  (Command A's 400, quoted in oracle/langchain-oracle issue #10): every CHATBOT call is answered by the TOOL entry
  after it, or, for the last entry, by `toolResults`; a result answers a call by the same name and parameters
  (CohereToolResult.call is a CohereToolCall);
- a tool's name has only a-z, A-Z, 0-9 and _, not first a digit (CohereTool.name docstring); a parameter's type
  "Must be a valid Python type" (CohereParameterDefinition.type docstring): the names below.
Outputs being objects and parameters being an object are checked by shape.validate (the SDK types them `object`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from emulator.errors import invalid

PYTHON_TYPES = frozenset({"str", "int", "float", "bool", "list", "dict"})
TOOL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
UNANSWERED = (
    "invalid request: An assistant message with 'tool_calls' must be followed by tool messages responding to each "
    "'tool_call_id'. The following tool calls did not have response messages: {calls}"
)
MESSAGE_AFTER_RESULTS = (
    "invalid request: cannot specify message if the last entry in chat history contains tool results"
)


def check(request: dict[str, Any]) -> None:
    """Raise the service's 400 for a V1 request that breaks a rule above (its shape is already checked)."""
    history = request.get("chatHistory") or []
    results = request.get("toolResults") or []
    message = request["message"]
    last = history[-1] if history else None
    if results or (last is not None and last["role"] == "TOOL"):
        if message.strip():
            raise invalid(MESSAGE_AFTER_RESULTS)
    elif not message.strip():
        raise invalid("Invalid value for chatRequest.message: must not be blank.")
    _check_history(history, results)
    _check_tools(request.get("tools") or [])


def _check_history(history: list[dict[str, Any]], results: list[dict[str, Any]]) -> None:
    """Each CHATBOT entry's calls are answered by the TOOL entry right after it (the last one's by toolResults);
    a TOOL entry or toolResults answer only the calls right before them."""
    for index, entry in enumerate(history):
        if entry["role"] == "TOOL":
            before = history[index - 1] if index else None
            if before is None or before["role"] != "CHATBOT" or not before.get("toolCalls"):
                raise invalid(f"invalid request: chatHistory[{index}] holds tool results that follow no tool calls.")
            continue
        if entry["role"] != "CHATBOT" or not entry.get("toolCalls"):
            continue
        if index + 1 < len(history):
            after = history[index + 1]
            answered = after.get("toolResults") or [] if after["role"] == "TOOL" else []
        else:
            answered = results
        _answers(entry["toolCalls"], answered)
    if results and not (history and history[-1]["role"] == "CHATBOT" and history[-1].get("toolCalls")):
        raise invalid("invalid request: toolResults must answer the tool calls of the last chatHistory entry.")


def _answers(calls: list[dict[str, Any]], results: list[dict[str, Any]]) -> None:
    """Every call has a result whose call is the same (name and parameters), and every result answers a call."""
    asked = [_key(call) for call in calls]
    given = [_key(result["call"]) for result in results]
    missing = [call for call in asked if call not in given]
    if missing:
        raise invalid(UNANSWERED.format(calls=", ".join(name for name, _ in missing)))
    if any(result not in asked for result in given):
        raise invalid("invalid request: a tool result answers no tool call of the chatbot message before it.")


def _key(call: dict[str, Any]) -> tuple[str, str]:
    return call["name"], json.dumps(call.get("parameters") or {}, sort_keys=True)


def _check_tools(tools: list[dict[str, Any]]) -> None:
    for i, tool in enumerate(tools):
        if not TOOL_NAME.match(tool["name"]):
            raise invalid(f"Invalid value for chatRequest.tools[{i}].name: must match [A-Za-z_][A-Za-z0-9_]*.")
        for name, definition in (tool.get("parameterDefinitions") or {}).items():
            if definition["type"] not in PYTHON_TYPES:
                raise invalid(
                    f"Invalid value for chatRequest.tools[{i}].parameterDefinitions.{name}.type: must be a valid "
                    "Python type."
                )


FOLDED = {
    "one of": "enum",
    "always": "const",
    "format": "format",
    "pattern": "pattern",
    "minimum": "minimum",
    "maximum": "maximum",
    "greater than": "exclusiveMinimum",
    "less than": "exclusiveMaximum",
    "at least this many characters": "minLength",
    "at most this many characters": "maxLength",
    "at least this many items": "minItems",
    "at most this many items": "maxItems",
    "unique items": "uniqueItems",
    "a multiple of": "multipleOf",
}
"""The constraints a V1 parameter's description carries as `<label>: <JSON>` (V1 has no field for them, so the
caller's gateway writes them there, as Oracle's LangChain integration does; genai_fn/families/cohere.py), read back
so the emulated model honours them as a real model reading the description would. `items <label>: <JSON>` applies
to a list's items; "a list of <python type>" names their type."""
NOTE = re.compile(r"(?:^|\. )(items )?(" + "|".join(re.escape(label) for label in FOLDED) + r"): ")
ITEM_TYPE = re.compile(r"(?:^|\. )a list of (str|int|float|bool)\b")
JSON_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "list": "array"}


def tool_schema(tool: dict[str, Any]) -> dict[str, Any]:
    """A V1 tool's parameterDefinitions as the JSON schema its call's parameters follow (for schema_example): each
    parameter's type, and the constraints its description states."""
    definitions = tool.get("parameterDefinitions") or {}
    return {
        "type": "object",
        "properties": {name: _parameter_schema(d) for name, d in definitions.items()},
        "required": [name for name, d in definitions.items() if d.get("isRequired")],
    }


def _parameter_schema(definition: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": JSON_TYPES.get(definition["type"], "object")}
    description = definition.get("description")
    if not isinstance(description, str):
        return schema
    items: dict[str, Any] = {}
    found = ITEM_TYPE.search(description)
    if found:
        items["type"] = JSON_TYPES[found.group(1)]
    decoder = json.JSONDecoder()
    for note in NOTE.finditer(description):
        try:
            value, _ = decoder.raw_decode(description, note.end())
        except ValueError:
            continue
        (items if note.group(1) else schema)[FOLDED[note.group(2)]] = value
    if items and schema["type"] == "array":
        schema["items"] = items
    return schema
