"""The Generative AI client of one container, and its four calls: chat, embed, rerank and apply guardrails.

The SDK client (with its connection pool) is built once per thread on first use (one thread under fdk, the streaming
edge's workers under the ASGI edge): retry.py cuts a client's timeouts to each attempt's deadline, and the SDK reads
them from the client, not the call, so a client shared between threads would let one request's cut reach another's.
All of them share one signer (credentials.py, loaded once); none has an SDK retry strategy or circuit breaker of its
own (retry.py bounds retries by the deadline); each has the reply bound installed on its session (bounded_reply.py).
Each call takes a neutral request and returns a neutral reply; what it cost (attempts, time, the service's request
id) goes into the caller's own CallFacts, success or not.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import oci
from oci.generative_ai_inference import GenerativeAiInferenceClient

from .. import lazy
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

if TYPE_CHECKING:
    from . import embeddings, failures, guardrails, rerank
else:  # loaded on first use: not every call needs them
    embeddings = lazy("genai_fn.upstream.embeddings")
    failures = lazy("genai_fn.upstream.failures")
    guardrails = lazy("genai_fn.upstream.guardrails")
    rerank = lazy("genai_fn.upstream.rerank")


SELECTED_REGION_HEADER = "x-genai-selected-region"
"""The region that served a call made through a routing profile, as the service answers it ("check the
x-genai-selected-region response header to see which region served each request":
docs.oracle.com/iaas/Content/generative-ai/routing-profile-tutorial.htm); passed on when present."""


class Upstream:
    """One per container. A client is built on first use, so a broken credential is answered, not a crash.

    `client_factory` builds a thread's SDK client (tests pass a stand-in); by default a GenerativeAiInferenceClient
    signed by the container's one signer."""

    def __init__(
        self, settings: Settings, client_factory: Callable[[], GenerativeAiInferenceClient] | None = None
    ) -> None:
        self._settings = settings
        self._factory = client_factory or self._sdk_client
        self._local = threading.local()
        self._credentials: tuple[dict[str, Any], Any] | None = None
        self._credentials_lock = threading.Lock()
        self._tokens = ExpiringTokenReloader()

    @property
    def client(self) -> GenerativeAiInferenceClient:
        """This thread's client: its timeouts are its calls' own (retry.py sets them per attempt)."""
        client: GenerativeAiInferenceClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._factory()
        return client

    def _sdk_client(self) -> GenerativeAiInferenceClient:
        with self._credentials_lock:  # two threads' first calls load the signer once
            if self._credentials is None:
                self._credentials = load_signer(self._settings)
        config, signer = self._credentials
        client = GenerativeAiInferenceClient(
            config,
            signer=signer,
            service_endpoint=self._settings.service_endpoint,
            retry_strategy=oci.retry.NoneRetryStrategy(),
            circuit_breaker_strategy=oci.circuit_breaker.NoCircuitBreakerStrategy(),
            timeout=(self._settings.connect_timeout, self._settings.read_timeout),
        )
        bounded_reply.install(client.base_client.session)
        return client

    def chat(
        self,
        request: ChatRequest,
        family: Family,
        chat_request: Any,
        deadline: float,
        facts: CallFacts,
        *,
        endpoint_id: str | None = None,
        max_attempts: int | None = None,
    ) -> ChatReply:
        """`chat_request`: the family's SDK request for `request`, as screened (usecases/guarded.py): sent as is, to
        `endpoint_id` (a fallback's dedicated endpoint), else DEDICATED_ENDPOINT_ID, else `request.model` on demand;
        `max_attempts` lowers MAX_ATTEMPTS (a target with a fallback after it is tried once)."""
        facts.served_by = endpoint_id or self._settings.dedicated_endpoint_id or request.model
        details = chat.to_details(request, chat_request, self._settings, endpoint_id)
        result = self._call(
            self.client.chat,
            details,
            deadline,
            facts,
            echo_fields=family.echoed_reply_fields,
            attempts=max_attempts,
            model=request.model,
        )
        return chat.to_reply(result, family, request, facts.opc_request_id)

    def chat_stream(
        self, request: ChatRequest, chat_request: Any, deadline: float, facts: CallFacts
    ) -> Generator[dict[str, Any], None, None]:
        """The reply as the service streams it: each event's JSON, decoded, as it arrives. `chat_request`: the
        family's SDK request for `request`, as screened (usecases/guarded.py), sent as is but asked to stream.

        Signed, deadline-bounded and retried like `chat` until the service answers (its status and headers);
        after that nothing is retried (the model is generating). Each event is bounded in size and in the silence
        before it (STREAM_IDLE_SECONDS), the whole stream by `deadline` (bounded_reply.py). Closing the iterator
        closes the HTTP response, which cancels the generation upstream. Failures are ProxyErrors, as for `chat`.
        """
        facts.served_by = self._settings.dedicated_endpoint_id or request.model
        details = chat.to_details(request, chat.streamed(chat_request), self._settings)
        started = time.perf_counter()
        events = self._call(
            self.client.chat,
            details,
            deadline,
            facts,
            model=request.model,
            stream_idle=self._settings.stream_idle_seconds,
        )
        return _decoded(events, facts, started)

    def embed(self, request: EmbeddingRequest, deadline: float, facts: CallFacts) -> EmbeddingReply:
        details = embeddings.to_details(request, self._settings)
        cap = self._settings.max_embeddings_reply_bytes
        result = self._call(self.client.embed_text, details, deadline, facts, cap, model=request.model)
        return embeddings.to_reply(result, facts.opc_request_id, request.model)

    def rerank(self, request: RerankRequest, deadline: float, facts: CallFacts) -> RerankReply:
        details = rerank.to_details(request, self._settings)
        result = self._call(self.client.rerank_text, details, deadline, facts)
        return rerank.to_reply(result, facts.opc_request_id, request)

    def apply_guardrails(
        self, policy: GuardrailPolicy, text: str, checks: tuple[str, ...], deadline: float, facts: CallFacts
    ) -> Assessment:
        """Same client, deadline and retry policy as the model call."""
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
        model: str | None = None,
        attempts: int | None = None,
        stream_idle: float | None = None,
    ) -> Any:
        """One deadline-bounded, retried, translated call; the reply is capped at MAX_REPLY_BYTES unless told, what
        it only echoes (`echo_fields`) dropped while read; `model` is named when the service refuses it."""
        client = self.client
        self._tokens.before_call(client.base_client.signer)
        strategy = DeadlineRetryStrategy(
            client.base_client,
            max_attempts=min(attempts or self._settings.max_attempts, self._settings.max_attempts),
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
            raise failures.translate(exc, facts, model, self._settings.retirement) from exc
        finally:
            facts.attempts, facts.ms = strategy.attempts, (time.perf_counter() - started) * 1000
            facts.billable_attempts = strategy.billable_attempts
        facts.opc_request_id = response.request_id
        facts.selected_region = (response.headers or {}).get(SELECTED_REGION_HEADER)
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
        raise failures.translate(exc, facts) from exc
    finally:
        sse.close()
        facts.ms = (time.perf_counter() - started) * 1000
