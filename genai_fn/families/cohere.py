"""Cohere V1 (apiFormat COHERE, `CohereChatRequest`): the current turn as `message` (or `toolResults`), earlier turns
as `chatHistory`, with tools, documents and citations.

Ranges from the SDK's CohereChatRequest docstrings: top_k 0 (off) or 1..500, top_p 0..1, frequency and presence
penalties 0..1 (0 = off); temperature 0..2 is the project's documented choice (docs/api.md), the narrowest range
every family accepts.

Tools, the wire rules of a V1 round trip (docs/openai.md, "Cohere V1 tools", has them with their sources):
- an OpenAI function tool becomes a `CohereTool` whose `parameterDefinitions` are the JSON schema's top-level
  properties, each with a Python type name (`str`, `int`, `float`, `bool`, `list`, `dict`: "Must be a valid Python
  type", CohereParameterDefinition.type) and `isRequired` from `required`; what V1 cannot hold (a nested object,
  an array of objects, `$ref`, a union other than "X or null") is a 400 naming the tool and the construct, never a
  flattened schema. Constraints V1 has no field for (enum, format, bounds, default) are written into the
  parameter's description, as Oracle's own LangChain integration does.
- V1 calls carry no id: each gets one derived from (position, name, parameters), and a `tool` message is resolved
  to its call through the assistant `tool_calls` it follows in the same request; nothing is stored.
- the current turn's results go in top-level `toolResults` with `message: ""` (V1 refuses a `message` when the
  history ends with tool results: "cannot specify message if the last entry in chat history contains tool
  results", oracle/langchain-oracle PR #8/#9); every CHATBOT tool call in `chatHistory` is followed by the TOOL
  entry answering it (Command A refuses a call without its result, oracle/langchain-oracle issue #10); a TOOL entry
  that a user turn follows directly (a tool whose output was the answer) gets a CHATBOT turn holding that output,
  as Oracle's integration does (PR #9), a JSON output re-encoded from its decoded value (`_answer`: that copy is
  screened as plain text, so it must spell every character as the model reads it); `outputs` are objects ("An
  array of objects returned by tool", CohereToolResult.outputs): a tool's JSON object (or list of objects) as is,
  any other text as {"output": text}.
- no tool choice in V1: `none` is served by not sending `tools`; `required` and a named function are refused by
  the features below, the 400 naming what works instead (`way_out`: for a model the catalogue knows speaks V2,
  MODEL_API_FORMATS=<model>:COHEREV2); `parallel_tool_calls: false` is a 400, since V1 may call several tools
  in one step and `isForceSingleStep` does not prevent it ("the model will issue (potentially multiple) tool
  calls in a single step", its docstring).

A V1 reply echoes the whole `chatHistory` (and the documents) back: `echoed_reply_fields` lets the upstream layer
drop them while reading (upstream/echo.py), so the caller's own prompt never counts against MAX_REPLY_BYTES.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from oci.generative_ai_inference import models as m

from .. import catalog, lazy
from ..errors import InvalidRequest, UpstreamFailed
from ..neutral.chat import ChatReply, ChatRequest
from ._base import (
    NAME,
    STOP_SEQUENCES,
    Family,
    Reading,
    anchored,
    finish_reason,
    sampling,
    stream_cut,
    stream_list,
    stream_text,
    stream_usage,
    unreadable,
    usage,
    well_formed_call,
)

if TYPE_CHECKING:  # feature types load on first use (neutral/features.py)
    from ..neutral.features import Document, Tool, ToolCall

if TYPE_CHECKING:
    from .. import jsontext
    from ..neutral import features
    from ..neutral import stream as neutral_stream
else:  # loaded on first use: not every call needs them
    features = lazy("genai_fn.neutral.features")
    jsontext = lazy("genai_fn.jsontext")
    neutral_stream = lazy("genai_fn.neutral.stream")

PYTHON_TYPES = {
    "string": "str",
    "integer": "int",
    "number": "float",
    "boolean": "bool",
    "array": "list",
    "object": "dict",
}
"""JSON Schema types as the Python type names CohereParameterDefinition.type takes."""
SCALAR_TYPES = ("string", "integer", "number", "boolean")
TOOL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
"""CohereTool.name: "Valid names contain only the characters a-z, A-Z, 0-9, _ and must not begin with a digit"."""
REFUSED_KEYWORDS = ("$ref", "allOf", "not", "if", "patternProperties", "prefixItems")
"""Schema keywords a parameter definition has no room for (anyOf/oneOf are taken only as "X or null")."""
FOLDED_KEYWORDS = (
    ("enum", "one of"),
    ("const", "always"),
    ("format", "format"),
    ("pattern", "pattern"),
    ("minimum", "minimum"),
    ("maximum", "maximum"),
    ("exclusiveMinimum", "greater than"),
    ("exclusiveMaximum", "less than"),
    ("minLength", "at least this many characters"),
    ("maxLength", "at most this many characters"),
    ("minItems", "at least this many items"),
    ("maxItems", "at most this many items"),
    ("uniqueItems", "unique items"),
    ("multipleOf", "a multiple of"),
    ("default", "default"),
)
"""Constraints V1 has no field for, written into the description so the model still sees them."""
CALL_ID_PREFIX = "call_"
Refusal = Callable[[str, str], InvalidRequest]
"""Builds the 400 for one tool: (where in its schema, the construct V1 cannot take)."""


def stop_and_format(request: ChatRequest) -> dict[str, Any]:
    """Stop sequences and the JSON response format: the same fields in Cohere V1 and V2."""
    extra: dict[str, Any] = {}
    if request.params.stop:
        extra["stop_sequences"] = list(request.params.stop)
    if request.json_schema:
        extra["response_format"] = m.CohereResponseJsonFormat(schema=request.json_schema.schema)
    elif request.json_mode:
        extra["response_format"] = m.CohereResponseJsonFormat()
    return extra


def safety(request: ChatRequest) -> dict[str, Any]:
    """safetyMode (CONTEXTUAL, STRICT): the same field in Cohere V1 and V2."""
    return {"safety_mode": request.safety_mode.upper()} if request.safety_mode else {}


def call_id(position: int, name: str, parameters: Any) -> str:
    """A stable id for a V1 tool call, which carries none: the same call at the same place gets the same id, two
    calls of one function get two (never the bare function name)."""
    canonical = json.dumps(parameters, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    digest = hashlib.sha256(f"{position}\x00{name}\x00{canonical}".encode()).hexdigest()
    return CALL_ID_PREFIX + digest[:24]


@dataclass(frozen=True)
class _Parameter:
    name: str
    type: str
    description: str | None
    required: bool


@dataclass
class _Entry:
    """One chatHistory entry: USER or CHATBOT text (a CHATBOT entry with its calls), or a TOOL entry's results."""

    role: str
    text: str = ""
    calls: tuple[features.ToolCall, ...] = ()
    results: list[tuple[ToolCall, str]] = field(default_factory=list)


@dataclass
class _Plan:
    """The request as V1 lays it out: history, the current `message`, and the current turn's tool results."""

    history: list[_Entry]
    message: str
    tool_results: list[tuple[ToolCall, str]]


@dataclass(frozen=True)
class _Checked:
    """What `check` made of a request, which `to_sdk` builds on: its layout and each tool's parameters."""

    plan: _Plan
    parameters: tuple[list[_Parameter], ...]


class CohereV1(Family):
    api_format = "COHERE"
    ranges = {
        "temperature": (0, 2),
        "top_p": (0, 1),
        "top_k": (0, 500),
        "frequency_penalty": (0, 1),
        "presence_penalty": (0, 1),
    }
    features = frozenset(
        {"tools", "json_object", "json_schema", "stop", "seed", "documents", "citation_quality", "safety_mode"}
    )
    echoed_reply_fields = ("chatHistory", "documents")
    reading = Reading(
        not_text={
            ("CohereChatRequest", "stop_sequences"): STOP_SEQUENCES,
            ("CohereParameterDefinition", "type"): "a Python type name from the family's own table (PYTHON_TYPES)",
        },
        kinds={("CohereTool", "name"): NAME, ("CohereToolCall", "name"): NAME},
        keys={("CohereChatRequest", "documents"): {"id": NAME}},  # what citations name it by: never masked
    )
    """Tool results and call parameters are objects here (decoded by the family): screened as the model reads them."""

    def check(self, request: ChatRequest) -> _Checked:
        """The turns lay out as V1 needs (the last one the user's or a tool result, every call answered), each tool
        fits parameterDefinitions, and no V2-only choice is asked for."""
        if request.parallel_tool_calls is False:
            raise InvalidRequest(
                f"parallel_tool_calls false is not supported for {self.api_format} models: the model may call "
                "several tools in one step",
                param="parallel_tool_calls",
            )
        if request.citation_quality == "off":
            raise InvalidRequest(
                f"citation_quality off is not supported for {self.api_format} models: send accurate or "
                "fast, or no documents",
                param="citation_quality",
            )
        parameters = tuple(_parameters(tool, f"tools[{index}]") for index, tool in enumerate(request.tools))
        return _Checked(_plan(request), parameters)

    def way_out(self, feature: str, request: ChatRequest) -> str:
        """A forced tool choice: V1 has no field for it; V2's toolsChoice forces a tool where the model speaks V2."""
        if feature not in ("tool_choice_required", "named_tool_choice"):
            return ""
        if catalog.default_api_format(request.model) == "COHEREV2":
            return (
                f"COHERE requests have no tool choice; send tool_choice auto or none, or have the operator serve "
                f"{request.model} as COHEREV2 (MODEL_API_FORMATS={request.model}:COHEREV2), whose toolsChoice "
                "forces a tool"
            )
        return (
            "COHERE requests have no tool choice; send tool_choice auto or none, or use a model served as COHEREV2 "
            "(Command R7B and newer) or GENERIC"
        )

    def to_sdk(self, request: ChatRequest) -> m.CohereChatRequest:
        system = [msg.content for msg in request.messages if msg.role == "system"]
        checked: _Checked = self.prepared(request)
        plan = checked.plan
        extra: dict[str, Any] = {**stop_and_format(request), **safety(request)}
        if request.tools and request.tool_choice != "none":  # V1 has no tool choice: none is served by no tools
            extra["tools"] = [
                _tool(tool, params) for tool, params in zip(request.tools, checked.parameters, strict=True)
            ]
        if plan.tool_results:
            extra["tool_results"] = [_result(call, output) for call, output in plan.tool_results]
        if request.documents:
            extra["documents"] = [_document(document) for document in request.documents]
        if request.citation_quality:
            extra["citation_quality"] = request.citation_quality.upper()
        return m.CohereChatRequest(
            message=plan.message,
            chat_history=[_history_entry(entry) for entry in plan.history] or None,
            preamble_override="\n\n".join(system) if system else None,
            is_stream=False,
            **sampling(request),
            **extra,
        )

    def from_sdk(self, response: Any, request: ChatRequest, model: str, opc_request_id: str | None) -> ChatReply:
        if not isinstance(response, m.CohereChatResponse) or not isinstance(response.text, str):
            raise unreadable(opc_request_id)
        if response.finish_reason == "ERROR":
            raise UpstreamFailed(
                "the model stopped with an error before finishing its reply", opc_request_id=opc_request_id
            )
        calls = tuple(
            _reply_call(i, getattr(call, "name", None), getattr(call, "parameters", None), opc_request_id)
            for i, call in enumerate(response.tool_calls or [])
        )
        finish = finish_reason(response.finish_reason)  # V1 has no TOOL_CALL: a call ends COMPLETE
        return ChatReply(
            text=response.text,
            model=model,
            finish_reason="tool_calls" if calls and finish == "stop" else finish,
            usage=usage(response.usage, opc_request_id),
            opc_request_id=opc_request_id,
            tool_calls=calls,
            citations=anchored(response.text, _citations(response.citations or [])),
        )

    def stream_deltas(
        self, events: Iterable[dict[str, Any]], request: ChatRequest, model: str
    ) -> Iterator[neutral_stream.ChatDelta]:
        """V1 events: `text` deltas; an event restating the whole text with `toolCalls`; the end event restating it
        with `finishReason` (and `citations`, `usage`) (docs/emulator.md#streaming). Restated text is not repeated.
        Each call is read as a whole reply's is (`_reply_call`) and well formed as one (upstream/chat.py)."""

        text: list[str] = []
        calls = 0
        for event in events:
            raw_finish = event.get("finishReason")
            if isinstance(raw_finish, str):
                if raw_finish == "ERROR":
                    raise UpstreamFailed("the model stopped with an error before finishing its reply")
                cited = anchored("".join(text), _stream_citations(event.get("citations")))
                if cited:
                    yield neutral_stream.ChatDelta(citations=cited)
                finish = finish_reason(raw_finish)  # V1 has no TOOL_CALL: a call ends COMPLETE
                yield neutral_stream.ChatDelta(
                    finish_reason="tool_calls" if calls and finish == "stop" else finish,
                    usage=stream_usage(event.get("usage")),
                )
                return
            if "toolCalls" in event:  # the whole text again, with the calls
                pieces = []
                for raw in stream_list(event["toolCalls"]):
                    fields = raw if isinstance(raw, dict) else {}
                    call = well_formed_call(_reply_call(calls, fields.get("name"), fields.get("parameters"), None))
                    pieces.append(neutral_stream.ToolCallDelta(calls, call.id, call.name, call.arguments))
                    calls += 1
                if pieces:
                    yield neutral_stream.ChatDelta(tool_calls=tuple(pieces))
                continue
            piece = stream_text(event.get("text"))
            if piece:
                text.append(piece)
                yield neutral_stream.ChatDelta(text=piece)
        raise stream_cut()


def _reply_call(position: int, name: Any, parameters: Any, opc_request_id: str | None) -> features.ToolCall:
    """The reply's call at `position` (in a whole reply or a stream) with its parameters as JSON text; a call
    without a name or an object, or parameters that are not JSON (NaN or an infinity, which the SDK's reader and a
    stream event's decoding accept) make the reply unreadable: they are never forwarded."""

    if not isinstance(name, str) or not isinstance(parameters, dict | None):
        raise unreadable(opc_request_id)
    parameters = parameters or {}
    try:
        arguments = jsontext.encode_json(parameters)
    except (ValueError, RecursionError):
        raise unreadable(opc_request_id) from None
    return features.ToolCall(call_id(position, name, parameters), name, arguments)


def _citations(citations: list[Any]) -> Iterator[features.Citation]:
    for citation in citations:
        start, end, text = getattr(citation, "start", None), getattr(citation, "end", None), citation.text
        if isinstance(start, int) and isinstance(end, int) and isinstance(text, str):
            ids = tuple(i for i in citation.document_ids or () if isinstance(i, str))
            yield features.Citation(start, end, text, ids)


# --- the conversation, laid out as V1 takes it -------------------------------------------------------------------


def _plan(request: ChatRequest) -> _Plan:
    """The turns (system messages aside: they are the preamble) as history, message and tool results; refuses a
    conversation V1 cannot carry, naming `messages` (the caller's contract names its own field)."""
    where = "messages"  # the neutral path: the caller's contract names its own field (admission.check_chat)
    history: list[_Entry] = []
    awaiting: dict[str, ToolCall] = {}  # calls of the last assistant turn not yet answered
    run: _Entry | None = None  # the results answering the last assistant turn's calls
    turns = [msg for msg in request.messages if msg.role != "system"]
    for turn in turns:
        if turn.role == "tool":
            if run is None:
                raise InvalidRequest(
                    f"{where}: a tool message must follow the assistant message whose tool call it answers",
                    param=where,
                )
            call = awaiting.pop(turn.tool_call_id or "", None)
            if call is None:
                raise InvalidRequest(
                    f"{where}: tool_call_id {_shown(turn.tool_call_id)} matches no unanswered tool call of the "
                    "assistant message before it",
                    param=where,
                )
            _outputs(turn.content, call, where)  # refused here, at parse time: to_sdk never refuses
            run.results.append((call, turn.content))
            continue
        if run is not None:
            _close(run, awaiting, where)
            history.append(run)
            if turn.role == "user":  # a tool's output was the answer: V1 needs a CHATBOT turn before the user's
                history.append(_Entry("CHATBOT", "\n".join(_answer(output, call) for call, output in run.results)))
            run = None
        if turn.role == "user":
            history.append(_Entry("USER", turn.content))
        else:
            for call in turn.tool_calls:
                _parameters_of(call, where)
            history.append(_Entry("CHATBOT", turn.content, turn.tool_calls))
            if turn.tool_calls:
                awaiting = {call.id: call for call in turn.tool_calls}
                run = _Entry("TOOL")
    if run is not None and run.results:
        _close(run, awaiting, where)
        return _Plan(history, "", run.results)
    if not turns or turns[-1].role != "user":
        raise InvalidRequest(f"{where}: the last message must come from the user or be a tool result", param=where)
    return _Plan(history[:-1], turns[-1].content, [])


def _close(run: _Entry, awaiting: Mapping[str, ToolCall], where: str) -> None:
    """Every call of the assistant turn has its result: the service refuses a call left unanswered."""
    if awaiting:
        call = next(iter(awaiting.values()))
        raise InvalidRequest(
            f"{where}: the assistant's tool call {_shown(call.id)} ({_shown(call.name)}) has no tool message "
            "answering it",
            param=where,
        )


def _shown(value: str | None) -> str:
    return repr((value or "")[:64])


def _parameters_of(call: ToolCall, where: str) -> dict[str, Any]:
    """A call's arguments as the object CohereToolCall.parameters holds; JSON that is not strict JSON (NaN, 1e400,
    too deep) is refused as jsontext refuses it, naming the field."""
    field = f"{where} (the arguments of tool call {_shown(call.id)})"
    try:
        parameters = jsontext.decode_json_text(call.arguments, field, param=where) if call.arguments.strip() else {}
    except jsontext.NotJSONText:
        parameters = None
    if not isinstance(parameters, dict):
        raise InvalidRequest(
            f"{where}: the arguments of tool call {_shown(call.id)} ({_shown(call.name)}) must be a JSON object",
            param=where,
        )
    return parameters


def _outputs(text: str, call: ToolCall, where: str) -> list[dict[str, Any]]:
    """A tool's output as CohereToolResult.outputs, a list of objects: its JSON object or list of objects as is,
    any other text wrapped as {"output": text}. Text that is JSON but not strict JSON (NaN, 1e400, nested past
    jsontext.MAX_DEPTH) is a 400: sent on, it would not be JSON."""
    value = _json_output(text, call, where)
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return value
    return [{"output": text}]


def _json_output(text: str, call: ToolCall, where: str) -> Any:
    """A tool output's JSON value (an object or a list), or None when it is no such JSON."""
    if text.lstrip()[:1] not in ("{", "["):
        return None
    try:
        return jsontext.decode_json_text(text, f"{where} (the output of tool call {_shown(call.id)})", param=where)
    except jsontext.NotJSONText:
        return None


def _answer(text: str, call: ToolCall) -> str:
    """A tool output as the CHATBOT turn that repeats it: a JSON output re-encoded from its decoded value, so the
    copy (plain text, screened as it is) spells every character as the model reads it: no `\\u0040` escape can
    hide an address from screening there; any other output as it is."""
    value = _json_output(text, call, "messages")
    if value is None:
        return text
    return jsontext.encode_json(value)


def _sdk_call(call: ToolCall) -> m.CohereToolCall:
    return m.CohereToolCall(name=call.name, parameters=_parameters_of(call, "messages"))


def _result(call: ToolCall, output: str) -> m.CohereToolResult:
    return m.CohereToolResult(call=_sdk_call(call), outputs=_outputs(output, call, "messages"))


def _history_entry(entry: _Entry) -> m.CohereMessage:
    if entry.role == "USER":
        return m.CohereUserMessage(message=entry.text)
    if entry.role == "TOOL":
        return m.CohereToolMessage(tool_results=[_result(call, output) for call, output in entry.results])
    return m.CohereChatBotMessage(message=entry.text, tool_calls=[_sdk_call(c) for c in entry.calls] or None)


def _document(document: Document) -> dict[str, str]:
    """V1 documents are flat objects of text fields; `id` is what its citations name."""
    return {"id": document.id, **dict(document.fields)}


# --- tools --------------------------------------------------------------------------------------------------------


def _tool(tool: Tool, parameters: list[_Parameter]) -> m.CohereTool:
    return m.CohereTool(
        name=tool.name,
        # CohereTool.description is required; an OpenAI tool may have none, so its name describes it.
        description=tool.description or tool.name,
        parameter_definitions={
            p.name: m.CohereParameterDefinition(type=p.type, description=p.description, is_required=p.required)
            for p in parameters
        }
        or None,
    )


def _parameters(tool: Tool, where: str) -> list[_Parameter]:
    """The tool's JSON schema as V1 parameter definitions, or a 400 naming the tool and what V1 cannot take."""
    if not TOOL_NAME.match(tool.name):
        raise InvalidRequest(
            f"{where}: tool name {_shown(tool.name)} is not valid for COHERE models: letters, digits and _ only, "
            "not starting with a digit",
            param=where,
        )
    schema = tool.parameters
    if not schema:
        return []

    def refuse(path: str, construct: str) -> InvalidRequest:
        return InvalidRequest(
            f"{where} ({tool.name}): {path} is {construct}, which COHERE models cannot take: their tools hold one "
            "level of named parameters of type str, int, float, bool, list or dict (CohereParameterDefinition). "
            "Flatten the schema, or use a model served as COHEREV2 or GENERIC",
            param=where,
        )

    for keyword in (*REFUSED_KEYWORDS, "anyOf", "oneOf"):
        if keyword in schema:
            raise refuse("parameters", f"a schema with {keyword}")
    if schema.get("type", "object") != "object":
        raise refuse("parameters", "not an object schema")
    properties = schema.get("properties") or {}
    required = schema.get("required") or []
    if not isinstance(properties, dict) or not isinstance(required, list):
        raise refuse("parameters", "a schema whose properties or required list is malformed")
    parameters = []
    for name, spec in properties.items():
        path = f"parameters.properties.{name}"
        prop = _non_null(spec, path, refuse)
        kind = _json_type(prop, path, refuse)
        notes = _notes(prop, kind, path, refuse)
        description = prop.get("description") if isinstance(prop.get("description"), str) else None
        text = ". ".join(part for part in (description, *notes) if part) or None
        parameters.append(_Parameter(name, PYTHON_TYPES[kind], text, name in required))
    return parameters


def _non_null(spec: Any, path: str, refuse: Refusal) -> dict[str, Any]:
    """The property's schema, with "X or null" (anyOf/oneOf of X and null, or type [X, "null"]) read as X: an
    optional parameter V1 expresses as not required."""
    if not isinstance(spec, dict):
        raise refuse(path, "not a schema object")
    for keyword in REFUSED_KEYWORDS:
        if keyword in spec:
            raise refuse(path, f"a schema with {keyword}")
    for keyword in ("anyOf", "oneOf"):
        branches = spec.get(keyword)
        if branches is None:
            continue
        options = (
            [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
            if isinstance(branches, list)
            else []
        )
        if len(options) != 1 or not isinstance(options[0], dict):
            raise refuse(path, f"a union ({keyword}) of several types")
        merged = {key: value for key, value in spec.items() if key != keyword}
        return _non_null({**options[0], **merged}, path, refuse)
    kind = spec.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if len(kinds) != 1:
            raise refuse(path, "a union of several types")
        return {**spec, "type": kinds[0]}
    return spec


def _json_type(prop: dict[str, Any], path: str, refuse: Refusal) -> str:
    kind = prop.get("type")
    if kind is None and isinstance(prop.get("enum"), list) and prop["enum"]:
        kind = _enum_type(prop["enum"])
    if not isinstance(kind, str) or kind not in PYTHON_TYPES:  # any JSON may stand here: a list, an object
        raise refuse(path, "a parameter without one of the types string, integer, number, boolean, array, object")
    if kind == "object" and prop.get("properties"):
        raise refuse(path, "a nested object")
    return str(kind)


def _enum_type(values: list[Any]) -> str | None:
    """The type an untyped enum implies, when all its values share one."""
    kinds = {type(value) for value in values}
    return {frozenset({str}): "string", frozenset({bool}): "boolean", frozenset({int}): "integer"}.get(
        frozenset(kinds), "number" if kinds <= {int, float} else None
    )


def _notes(prop: dict[str, Any], kind: str, path: str, refuse: Refusal) -> list[str]:
    notes = []
    if kind == "array" and "items" in prop:
        items = _non_null(prop["items"], f"{path}.items", refuse)
        item_kind = items.get("type")
        if item_kind == "object" or "properties" in items:
            raise refuse(path, "an array of objects")
        if not isinstance(item_kind, str) or item_kind not in SCALAR_TYPES:
            raise refuse(path, "an array whose items are not strings, numbers or booleans")
        notes.append(f"a list of {PYTHON_TYPES[item_kind]}")
        notes.extend(f"items {n}" for n in _notes(items, item_kind, path, refuse))
    for keyword, label in FOLDED_KEYWORDS:
        if keyword in prop:
            notes.append(f"{label}: {json.dumps(prop[keyword], ensure_ascii=False)}")
    return notes


def _stream_citations(raw: Any) -> Iterator[features.Citation]:
    """V1 citations as a stream event carries them (the reply's JSON names: start, end, text, documentIds)."""
    for citation in stream_list(raw):
        if not isinstance(citation, dict):
            continue

        start, end, text = citation.get("start"), citation.get("end"), citation.get("text")
        if isinstance(start, int) and isinstance(end, int) and isinstance(text, str):
            ids = stream_list(citation.get("documentIds"))
            yield features.Citation(start, end, text, tuple(i for i in ids if isinstance(i, str)))


FAMILY = CohereV1()
