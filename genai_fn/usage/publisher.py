"""Post metric data to OCI Monitoring's telemetry-ingestion endpoint, within the invocation's deadline.

PostMetricData is served only there: "Replace the string telemetry with telemetry-ingestion in the endpoint"
(MonitoringClient.post_metric_data docstring, oci SDK). The client is built once per container with the function's
resource principal; the operation's own default is not to retry, and it stays so (a retried post that had in fact
arrived would count twice). IAM: `use metrics` in the compartment, narrowed by `target.metrics.namespace`
(docs/iam.md).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import oci
from oci.monitoring import MonitoringClient

from .config import UsageSettings

CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 10.0
MARGIN_SECONDS = 0.5
"""Kept back from the deadline for the answer and the log line."""
MIN_POST_SECONDS = 1.0
"""A post with less time than this is not started: its timeouts would be too short to expect an answer, and a post
that times out may still have been applied (docs/usage.md)."""


class MetricsPublisher:
    def __init__(self, settings: UsageSettings) -> None:
        self.settings = settings
        self._client: MonitoringClient | None = None

    def can_post(self, deadline: float) -> bool:
        """Whether a post started now can end before the deadline (MIN_POST_SECONDS left, after the margin)."""
        return deadline - time.monotonic() - MARGIN_SECONDS >= MIN_POST_SECONDS

    def post(self, body: Any, deadline: float) -> int:
        """Post one PostMetricDataDetails; returns the service's failedMetricsCount. SDK errors propagate.

        Its worst case is its connect timeout plus its read timeout, and both are cut so that their sum is the time
        left before the deadline (minus MARGIN_SECONDS): a post started never outlives the invocation. (Each
        timeout bounds one socket wait; a reply trickled byte by byte could take longer: Monitoring's is one
        short JSON object.)"""
        client = self._monitoring()
        left = deadline - time.monotonic() - MARGIN_SECONDS
        connect = min(CONNECT_TIMEOUT_SECONDS, left / 2)
        client.base_client.timeout = (connect, min(READ_TIMEOUT_SECONDS, left - connect))
        response = client.post_metric_data(body, retry_strategy=oci.retry.NoneRetryStrategy())
        return int(response.data.failed_metrics_count or 0)

    def _monitoring(self) -> MonitoringClient:
        if self._client is None:
            signer = oci.auth.signers.get_resource_principals_signer()
            if self.settings.endpoint:
                client = MonitoringClient({}, signer=signer, service_endpoint=self.settings.endpoint)
            else:
                client = MonitoringClient({"region": signer.region}, signer=signer)
                client.base_client.endpoint = client.base_client.endpoint.replace(
                    "://telemetry.", "://telemetry-ingestion.", 1
                )
            self._client = client
        return self._client


@dataclass
class Posted:
    """What posting a run of PostMetricData bodies did: calls made, the service's failed metrics, and why it stopped
    early (an exception's class name, or `deadline`), None when every body was posted."""

    calls: int = 0
    failed_metrics: int = 0
    error: str | None = None
    error_status: int | None = None


def post_all(publisher: MetricsPublisher, bodies: Sequence[Any], deadline: float) -> Posted:
    """Post the bodies in order, one attempt each; stop at the first failure, or before a post that could not end
    before the deadline. Never raises: the usage function and the streaming edge log what it returns."""
    posted = Posted()
    for body in bodies:
        if not publisher.can_post(deadline):  # a post that could not end before the deadline: not begun
            posted.error = "deadline"
            return posted
        try:
            posted.failed_metrics += publisher.post(body, deadline)
        except Exception as exc:  # the SDK raises many kinds; the counts stay in the log line, never a crash
            status = getattr(exc, "status", None)
            posted.error = type(exc).__name__
            posted.error_status = status if isinstance(status, int) else None
            return posted
        posted.calls += 1
    return posted
