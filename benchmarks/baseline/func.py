"""The seed blog's function, rewritten in our style but doing the same work: the benchmark's baseline. Do not tune it.

Per invocation, as the blog does: load the resource principal (read and validate the key), build a client (so a new
connection, and with TLS a new handshake), log at INFO under fdk's DEBUG root logger, and round-trip the reply
through str() and json.loads. Same request as the project's plain invoke: a CohereChatRequest, max_tokens 600.
"""

from __future__ import annotations

import io
import json
import logging
import os
from typing import Any

import oci.auth.signers
import oci.generative_ai_inference
from fdk import response

models = oci.generative_ai_inference.models


def handler(ctx: Any, data: io.BytesIO | None = None) -> response.Response:
    log = logging.getLogger()
    prompt = "Respond back with Please repeat your question"
    try:
        prompt = json.loads(data.getvalue()).get("input")
    except (Exception, ValueError) as exc:
        log.info("error parsing json payload: %s", exc)
    signer = oci.auth.signers.get_resource_principals_signer()
    client = oci.generative_ai_inference.GenerativeAiInferenceClient(
        config={},
        signer=signer,
        service_endpoint=os.getenv("SERVICE_ENDPOINT"),
        retry_strategy=oci.retry.NoneRetryStrategy(),
        timeout=(10, 240),
    )
    chat_request = models.CohereChatRequest(
        message=prompt, max_tokens=600, temperature=1, frequency_penalty=0, top_p=0.75, top_k=0
    )
    details = models.ChatDetails(
        serving_mode=models.OnDemandServingMode(model_id=os.getenv("MODEL_ID")),
        chat_request=chat_request,
        compartment_id=os.getenv("COMPARTMENT_OCID"),
    )
    log.info("Calling")
    result = json.loads(str(client.chat(details).data))
    log.info(result)
    return response.Response(ctx, response_data=result["chat_response"]["text"])
