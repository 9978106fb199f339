"""The chat call in the SDK's models: ChatDetails around the family's own chat request, and its ChatResult read
back by the same family. Compartment and serving mode come only from Settings."""

from __future__ import annotations

from typing import Any

from oci.generative_ai_inference import models as m

from ..config import Settings
from ..families._base import Family, well_formed_reply
from ..neutral.chat import ChatReply, ChatRequest
from .serving import serving_mode


def to_details(request: ChatRequest, family: Family, settings: Settings) -> m.ChatDetails:
    return m.ChatDetails(
        compartment_id=settings.compartment_ocid,
        serving_mode=serving_mode(settings.dedicated_endpoint_id, request.model),
        chat_request=family.to_sdk(request),
    )


def to_reply(result: Any, family: Family, request: ChatRequest, opc_request_id: str | None) -> ChatReply:
    """The ChatResult read by the family that was asked (a reply in another shape is its 502), its texts well
    formed (families/_base.well_formed_reply): the one edge every chat reply passes."""
    model = getattr(result, "model_id", None) or request.model
    return well_formed_reply(family.from_sdk(getattr(result, "chat_response", None), request, model, opc_request_id))
