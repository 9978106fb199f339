"""OpenAI's model list (`GET /v1/models`) and model lookup (`GET /v1/models/{model}`)."""

from __future__ import annotations

from typing import Any

from .. import validate
from ..config import Settings
from ..http import Invocation, Reply, json_reply
from .openai_errors import OpenAIErrors


def model_json(model: str) -> dict[str, Any]:
    owner = "oci" if model.startswith("ocid1.") else model.split(".", 1)[0]
    return {"id": model, "object": "model", "created": 0, "owned_by": owner}


class Models(OpenAIErrors):
    """/v1/models: the ids the use case lists, in OpenAI's list format."""

    def parse(self, body: dict[str, Any], settings: Settings) -> None:
        return None

    def render(self, models: tuple[str, ...], request: None, invocation: Invocation) -> Reply:
        return json_reply(200, {"object": "list", "data": [model_json(model) for model in models]})


class Model(OpenAIErrors):
    """/v1/models/{model}: the router hands the path parameter over as the body."""

    def parse(self, body: dict[str, Any], settings: Settings) -> str:
        return validate.text(body.get("model"), "model")

    def render(self, model: str, request: str, invocation: Invocation) -> Reply:
        return json_reply(200, model_json(model))


MODELS = Models()
MODEL = Model()
