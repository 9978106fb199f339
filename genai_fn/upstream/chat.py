"""The chat call in the SDK's models: ChatDetails around the family's own chat request (built and screened before,
usecases/guarded.py: what was screened is what is sent), and its ChatResult read back by the same family.
The compartment comes only from Settings; the serving mode from Settings or a configured fallback target."""

from __future__ import annotations

from typing import Any

from oci.generative_ai_inference import models as m

from ..config import Settings
from ..families._base import Family
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


def to_reply(result: Any, family: Family, request: ChatRequest, opc_request_id: str | None) -> ChatReply:
    """The ChatResult read by the family that was asked (a reply in another shape is its 502)."""
    model = getattr(result, "model_id", None) or request.model
    return family.from_sdk(getattr(result, "chat_response", None), request, model, opc_request_id)
