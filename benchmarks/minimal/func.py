"""The least an fdk function calling Generative AI can do per call: the benchmark's floor for fdk functions.

One SDK client, signer and request built once at import; each call sends the same chat request and answers the
reply's text. No validation, no mapping, no log line, no error handling: it shows what fdk and the socket hop cost
any function, next to the direct SDK call (benchmarks/run.py). Not a model to follow.
"""

from __future__ import annotations

import os
from typing import Any

import oci
from fdk import response
from oci.generative_ai_inference import GenerativeAiInferenceClient, models

client = GenerativeAiInferenceClient(
    {},
    signer=oci.auth.signers.get_resource_principals_signer(),
    service_endpoint=os.environ["SERVICE_ENDPOINT"],
    retry_strategy=oci.retry.NoneRetryStrategy(),
)
details = models.ChatDetails(
    compartment_id=os.environ["COMPARTMENT_OCID"],
    serving_mode=models.OnDemandServingMode(model_id=os.environ["MODEL_ID"]),
    chat_request=models.CohereChatRequest(message="What is the capital of France?", max_tokens=600),
)


def handler(ctx: Any, data: Any = None) -> response.Response:
    text = client.chat(details).data.chat_response.text
    return response.Response(ctx, response_data=text, headers={"Content-Type": "text/plain"})
