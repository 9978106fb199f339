"""The Generative AI client of one container, and its four calls: chat, embed, rerank and apply guardrails.

The SDK client (with its connection pool) is built once per container on first use, with the signer from
credentials.py, no SDK retry strategy or circuit breaker of its own (retry.py bounds retries by the deadline) and the
reply bound installed on its session (bounded_reply.py). Each call takes a neutral request and returns a neutral
reply; what it cost (attempts, time, the service's request id) goes into the caller's own CallFacts, success or not.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import oci
from oci.generative_ai_inference import GenerativeAiInferenceClient

from ..config import Settings
from ..errors import ProxyError, UpstreamFailed
from ..logs import CallFacts
from . import bounded_reply, chat
from .credentials import ExpiringTokenReloader, load_signer
from .retry import DeadlineRetryStrategy

if TYPE_CHECKING:  # each route's mapping is imported by its own call, on first use
    from ..families._base import Family
    from ..guardrails.policy import GuardrailPolicy
    from ..neutral.chat import ChatReply, ChatRequest
    from ..neutral.embeddings import EmbeddingReply, EmbeddingRequest
    from ..neutral.guardrails import Assessment
    from ..neutral.rerank import RerankReply, RerankRequest


class Upstream:
    """One per container. The client is built on first use, so a broken credential is answered, not a crash."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: GenerativeAiInferenceClient | None = None
        self._tokens = ExpiringTokenReloader()

    @property
    def client(self) -> GenerativeAiInferenceClient:
        if self._client is None:
            config, signer = load_signer(self._settings)
            self._client = GenerativeAiInferenceClient(
                config,
                signer=signer,
                service_endpoint=self._settings.service_endpoint,
                retry_strategy=oci.retry.NoneRetryStrategy(),
                circuit_breaker_strategy=oci.circuit_breaker.NoCircuitBreakerStrategy(),
                timeout=(self._settings.connect_timeout, self._settings.read_timeout),
            )
            bounded_reply.install(self._client.base_client.session)
        return self._client

    def chat(self, request: ChatRequest, family: Family, deadline: float, facts: CallFacts) -> ChatReply:
        details = chat.to_details(request, family, self._settings)
        result = self._call(self.client.chat, details, deadline, facts, echo_fields=family.echoed_reply_fields)
        return chat.to_reply(result, family, request, facts.opc_request_id)

    def chat_stream(
        self, request: ChatRequest, family: Family, deadline: float, facts: CallFacts
    ) -> Generator[dict[str, Any], None, None]:
        """The reply as the service streams it: each event's JSON, decoded, as it arrives.

        Signed, deadline-bounded and retried like `chat` until the service answers (its status and headers);
        after that nothing is retried (the model is generating). Each event is bounded in size and in the silence
        before it (STREAM_IDLE_SECONDS), the whole stream by `deadline` (bounded_reply.py). Closing the iterator
        closes the HTTP response, which cancels the generation upstream. Failures are ProxyErrors, as for `chat`.
        """
        details = chat.to_details(request, family, self._settings, stream=True)
        started = time.perf_counter()
        events = self._call(self.client.chat, details, deadline, facts, stream_idle=self._settings.stream_idle_seconds)
        return _decoded(events, facts, started)

    def embed(self, request: EmbeddingRequest, deadline: float, facts: CallFacts) -> EmbeddingReply:
        from . import embeddings

        details = embeddings.to_details(request, self._settings)
        cap = self._settings.max_embeddings_reply_bytes
        result = self._call(self.client.embed_text, details, deadline, facts, cap)
        return embeddings.to_reply(result, facts.opc_request_id, request.model)

    def rerank(self, request: RerankRequest, deadline: float, facts: CallFacts) -> RerankReply:
        from . import rerank

        details = rerank.to_details(request, self._settings)
        result = self._call(self.client.rerank_text, details, deadline, facts)
        return rerank.to_reply(result, facts.opc_request_id, request)

    def apply_guardrails(
        self, policy: GuardrailPolicy, text: str, checks: tuple[str, ...], deadline: float, facts: CallFacts
    ) -> Assessment:
        """Same client, deadline and retry policy as the model call."""
        from . import guardrails

        details = guardrails.to_details(policy, text, self._settings.compartment_ocid, checks)
        return guardrails.to_assessment(self._call(self.client.apply_guardrails, details, deadline, facts))

    def _call(
        self,
        operation: Callable[..., Any],
        details: Any,
        deadline: float,
        facts: CallFacts,
        reply_cap: int | None = None,
        echo_fields: tuple[str, ...] = (),
        stream_idle: float | None = None,
    ) -> Any:
        """One deadline-bounded, retried, translated call; the reply is capped at MAX_REPLY_BYTES unless told, what
        it only echoes (`echo_fields`) dropped while read."""
        client = self.client
        self._tokens.before_call(client.base_client.signer)
        strategy = DeadlineRetryStrategy(
            client.base_client,
            max_attempts=self._settings.max_attempts,
            timeouts=(self._settings.connect_timeout, self._settings.read_timeout),
            deadline=deadline,
            reply_cap=self._settings.max_reply_bytes if reply_cap is None else reply_cap,
            echo_fields=echo_fields,
            stream_idle=stream_idle,
        )
        started = time.perf_counter()
        try:  # one idempotency token for all the call's attempts; the SDK's own costs 30 SystemRandom draws
            response = operation(details, retry_strategy=strategy, opc_retry_token=os.urandom(16).hex())
        except ProxyError:  # the reply bound's or the deadline's own answer: already what the caller sees
            raise
        except Exception as exc:
            from . import failures  # the error path's modules load on the first failure, not at start-up

            raise failures.translate(exc, facts) from exc
        finally:
            facts.attempts, facts.ms = strategy.attempts, (time.perf_counter() - started) * 1000
            facts.billable_attempts = strategy.billable_attempts
        facts.opc_request_id = response.request_id
        return response.data


def _decoded(sse: Any, facts: CallFacts, started: float) -> Generator[dict[str, Any], None, None]:
    """The SSE client's events as JSON objects; an error event, a non-object or a broken connection is a
    ProxyError. The response is closed however the iteration ends (finished, failed or closed by the caller)."""
    try:
        for event in sse.events():
            if event.data.strip() == "[DONE]":  # OpenAI's terminator, named by StreamOptions' docstring
                return
            try:
                value = json.loads(event.data)
            except ValueError:
                value = None
            if not isinstance(value, dict):
                raise UpstreamFailed("the service's stream held an event the function cannot read")
            if isinstance(value.get("message"), str) and "code" in value:  # an error event, not a chat message
                raise UpstreamFailed(f"the service failed while streaming ({str(value['code'])[:64]})")
            yield value
    except ProxyError:
        raise
    except Exception as exc:
        from . import failures

        raise failures.translate(exc, facts) from exc
    finally:
        sse.close()
        facts.ms = (time.perf_counter() - started) * 1000
