"""Token budgets around a model call: reserve the request's bound before it, settle with the service's count after.

With TOKEN_BUDGETS off (`configured.budgets` is None) this is a no-op that imports nothing more. With it on, the
caller (the request record's `caller`, from the gateway) must have room left in every window, or the request is a
429 (BudgetExceeded) before anything is sent; whatever happens to the call, the reservation is settled and the log
line says what was reserved.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..caller import FN_INVOKE_CALLER
from ..logs import current_record
from ..neutral.chat import ChatRequest
from . import Configured


@dataclass
class Meter:
    """What the call really used; the use case sets it from the service's usage (it stays 0 when the call failed)."""

    used: int = 0


@contextlib.contextmanager
def metered(configured: Configured, bound: Callable[[], int], deadline: float) -> Iterator[Meter]:
    """Reserve `bound()` (computed only when budgets are on) for the request's caller, settle on the way out."""
    meter = Meter()
    store = configured.budgets
    if store is None:
        yield meter
        return
    record = current_record()
    reservation = store.reserve(record.caller or FN_INVOKE_CALLER, bound(), deadline)
    try:
        yield meter
    finally:
        store.settle(reservation, meter.used, deadline)
        record.budget = reservation.log_fields()


def chat_bound(request: ChatRequest) -> int:
    """An upper bound of the tokens a chat request can use: the UTF-8 bytes of everything the model reads (a
    byte-level tokenizer's token takes at least one byte) plus the most it may generate."""
    size = sum(len(message.content.encode()) for message in request.messages)
    size += sum(len(image.url) for message in request.messages for image in message.images)
    size += sum(len(call.name) + len(call.arguments.encode()) for m in request.messages for call in m.tool_calls)
    for tool in request.tools:
        size += len(json.dumps([tool.name, tool.description, tool.parameters], ensure_ascii=False).encode())
    if request.json_schema is not None:
        size += len(json.dumps(request.json_schema.schema, ensure_ascii=False).encode())
    size += sum(len(name.encode()) + len(value.encode()) for doc in request.documents for name, value in doc.fields)
    size += sum(len(doc.id.encode()) for doc in request.documents)  # the model reads the id too
    return size + request.params.max_tokens


def text_bound(texts: tuple[str, ...]) -> int:
    """An upper bound of the tokens of texts to embed: their UTF-8 bytes."""
    return sum(len(text.encode()) for text in texts)
