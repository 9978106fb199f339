"""The Responses API's stored responses: creating a response is the chat use case (usecases.chat); retrieving one is
always a 404, because the function is stateless and stores no responses."""

from __future__ import annotations

from typing import NoReturn

from ..errors import RouteNotFound
from . import Configured


def retrieve(configured: Configured, request: None, deadline: float) -> NoReturn:
    """GET /v1/responses/{id}: nothing was stored, so nothing can be found (the id is not echoed back)."""
    raise RouteNotFound(
        "response not found: this function is stateless and stores no responses; "
        "send the prior items in `input` instead of retrieving or chaining a stored response"
    )
