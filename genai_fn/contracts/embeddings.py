"""OpenAI embeddings (`POST /v1/embeddings`) onto the neutral embedding request; vectors as floats or base64."""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from typing import Any

from .. import admission, validate
from ..config import Settings
from ..errors import InvalidRequest, RouteNotFound
from ..http import Invocation, Reply, json_reply
from ..neutral.embeddings import EmbeddingReply, EmbeddingRequest
from . import openai_fields as fields
from .openai_errors import OpenAIErrors

EMBEDDING_FIELDS = frozenset({"input", "model", "encoding_format", "dimensions", "user", "input_type", "truncate"})
"""`input_type` and `truncate` are OCI's, sent as extra body fields (the openai SDK's `extra_body`)."""
OUTPUT_DIMENSIONS = {"cohere.embed-v4.0": (256, 512, 1024, 1536)}
"""Models that take `dimensions` (EmbedTextDetails.output_dimensions), with the sizes they offer: "only available
for embed-v4 and newer models. Possible values are 256, 512, 1024, and 1536" (the SDK's EmbedTextDetails; Oracle's
release note "Use Text and Image Together in Cohere Embed 4", docs.oracle.com/iaas/releasenotes/generative-ai/)."""
INPUT_TYPES = ("search_document", "search_query", "classification", "clustering")
TRUNCATE = ("none", "start", "end")
MAX_EMBEDDING_INPUTS = 96
"""The service embeds at most 96 texts per call."""


@dataclass(frozen=True)
class EmbeddingCall(EmbeddingRequest):
    encoding: str = "float"
    """encoding_format, float or base64: the openai SDKs ask for base64 by default."""


def _dimensions(value: Any, model: str) -> int | None:
    if value is None:
        return None
    sizes = OUTPUT_DIMENSIONS.get(model)
    if sizes is None:
        raise InvalidRequest(f"dimensions is not supported by {model}: its own dimension is used", param="dimensions")
    if type(value) is not int or value not in sizes:
        raise InvalidRequest(f"dimensions must be one of {', '.join(map(str, sizes))} for {model}", param="dimensions")
    return value


def _choice(value: Any, choices: tuple[str, ...], field: str) -> str | None:
    """An OCI enum field given in either case; None when absent."""
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in choices:
        raise InvalidRequest(f"{field} must be one of {', '.join(choices)}", param=field)
    return value.upper()


def _encode(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "float":
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


class Embeddings(OpenAIErrors):
    """/v1/embeddings."""

    def parse(self, body: dict[str, Any], settings: Settings) -> EmbeddingCall:
        if not settings.embedding_models:
            raise RouteNotFound("embeddings are not enabled on this function: EMBEDDING_MODELS is not configured")
        fields.reject_unknown(body, EMBEDDING_FIELDS)
        model = admission.allowed_model(body.get("model"), settings.embedding_models, settings)
        dimensions = _dimensions(body.get("dimensions"), model)
        input_type = _choice(body.get("input_type"), INPUT_TYPES, "input_type")
        truncate = _choice(body.get("truncate"), TRUNCATE, "truncate") or "NONE"
        encoding = body.get("encoding_format") or "float"
        if encoding not in ("float", "base64"):
            raise InvalidRequest("encoding_format must be float or base64", param="encoding_format")
        raw = body.get("input")
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not items:
            raise InvalidRequest("input must be a string or a non-empty list of strings", param="input")
        if len(items) > MAX_EMBEDDING_INPUTS:
            raise InvalidRequest(f"input accepts at most {MAX_EMBEDDING_INPUTS} texts per request", param="input")
        if not all(isinstance(item, str) for item in items):
            raise InvalidRequest("input must hold strings: token arrays are not supported", param="input")
        texts = tuple(validate.text(item, f"input[{i}]") for i, item in enumerate(items))
        return EmbeddingCall(
            model=model,
            inputs=texts,
            dimensions=dimensions,
            input_type=input_type,
            truncate=truncate,
            encoding=encoding,
        )

    def render(self, reply: EmbeddingReply, call: EmbeddingCall, invocation: Invocation) -> Reply:
        data = [
            {"object": "embedding", "index": index, "embedding": _encode(vector, call.encoding)}
            for index, vector in enumerate(reply.vectors)
        ]
        usage = {"prompt_tokens": reply.usage.prompt_tokens, "total_tokens": reply.usage.total_tokens}
        return json_reply(200, {"object": "list", "data": data, "model": reply.model, "usage": usage})


EMBEDDINGS = Embeddings()
