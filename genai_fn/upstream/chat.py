"""The chat call in the SDK's models: ChatDetails around the family's own chat request, and its ChatResult read
back by the same family. Compartment and serving mode come only from Settings."""

from __future__ import annotations

from typing import Any

from oci.generative_ai_inference import models as m

from ..config import Settings
from ..families._base import Family
from ..neutral.chat import ChatReply, ChatRequest
from .serving import serving_mode


def to_details(request: ChatRequest, family: Family, settings: Settings, *, stream: bool = False) -> m.ChatDetails:
    """ChatDetails; `stream`: the reply streamed as events, usage included at its end. Every chat request class of
    the pinned SDK (2.189.0: CohereChatRequest, CohereChatRequestV2, GenericChatRequest) has `is_stream` and
    `stream_options` (StreamOptions.is_include_usage: "an additional chunk will be streamed ... the token usage
    statistics for the entire request"; Cohere formats put usage on their end event instead: docs/emulator.md)."""
    chat_request = family.to_sdk(request)
    if stream:
        chat_request.is_stream = True
        chat_request.stream_options = m.StreamOptions(is_include_usage=True)
    return m.ChatDetails(
        compartment_id=settings.compartment_ocid,
        serving_mode=serving_mode(settings.dedicated_endpoint_id, request.model),
        chat_request=chat_request,
    )


def to_reply(result: Any, family: Family, request: ChatRequest, opc_request_id: str | None) -> ChatReply:
    """The ChatResult read by the family that was asked (a reply in another shape is its 502)."""
    model = getattr(result, "model_id", None) or request.model
    return family.from_sdk(getattr(result, "chat_response", None), request, model, opc_request_id)
