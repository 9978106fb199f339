"""The chat call in the SDK's models: ChatDetails around the family's own chat request (built and screened before,
usecases/guarded.py: what was screened is what is sent), and its ChatResult read back by the same family.
The compartment comes only from Settings; the serving mode from Settings or a configured fallback target."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from oci.generative_ai_inference import models as m

from ..config import Settings
from ..families._base import Family, well_formed_call
from ..http import well_formed
from ..neutral.chat import ChatReply, ChatRequest
from .serving import serving_mode


def to_details(
    request: ChatRequest, chat_request: Any, settings: Settings, endpoint_id: str | None = None
) -> m.ChatDetails:
    """`endpoint_id`: a fallback's dedicated endpoint; else DEDICATED_ENDPOINT_ID; else `request.model` on demand."""
    return m.ChatDetails(
        compartment_id=settings.compartment_ocid,
        serving_mode=serving_mode(endpoint_id or settings.dedicated_endpoint_id, request.model),
        chat_request=chat_request,
    )


def streamed(chat_request: Any) -> Any:
    """`chat_request` (a family's SDK chat request, as screened) asking for its reply streamed as events, usage
    included at its end. Every chat request class of the pinned SDK (2.189.0: CohereChatRequest,
    CohereChatRequestV2, GenericChatRequest) has `is_stream` and `stream_options` (StreamOptions.is_include_usage:
    "an additional chunk will be streamed ... the token usage statistics for the entire request"; Cohere formats put
    usage on their end event instead: docs/emulator.md). Only these two fields change: the texts stay as screened."""
    chat_request.is_stream = True
    chat_request.stream_options = m.StreamOptions(is_include_usage=True)
    return chat_request


def to_reply(result: Any, family: Family, request: ChatRequest, opc_request_id: str | None) -> ChatReply:
    """The ChatResult read by the family that was asked (a reply in another shape is its 502), its texts well
    formed (well_formed_reply): the one edge every chat reply passes."""
    model = getattr(result, "model_id", None) or request.model
    return well_formed_reply(family.from_sdk(getattr(result, "chat_response", None), request, model, opc_request_id))


def well_formed_reply(reply: ChatReply) -> ChatReply:
    """The reply with every text the service wrote free of lone surrogates (U+FFFD instead, one for one, so the
    citations' offsets hold), before anything renders, screens or logs it. Tool-call arguments that hold NaN, an
    infinity or 1e400, or nest past the request's own bound (limits.DEFAULT_MAX_JSON_DEPTH), make it the service's
    failure: the client's parser and the guardrails' reading of them never meet what a request could not carry.
    Arguments that are not JSON at all pass as the model wrote them."""
    calls = tuple(well_formed_call(call, reply.opc_request_id) for call in reply.tool_calls)
    return replace(
        reply,
        text=well_formed(reply.text),
        model=well_formed(reply.model),
        finish_reason=well_formed(reply.finish_reason),
        reasoning=well_formed(reply.reasoning) if reply.reasoning else reply.reasoning,
        tool_calls=calls,
        citations=tuple(
            replace(c, text=well_formed(c.text), document_ids=tuple(map(well_formed, c.document_ids)))
            for c in reply.citations
        ),
    )
