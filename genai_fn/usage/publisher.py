"""Post metric data to OCI Monitoring's telemetry-ingestion endpoint, within the invocation's deadline.

PostMetricData is served only there: "Replace the string telemetry with telemetry-ingestion in the endpoint"
(MonitoringClient.post_metric_data docstring, oci SDK). The client is built once per container with the function's
resource principal; the operation's own default is not to retry, and it stays so (a retried post that had in fact
arrived would count twice). IAM: `use metrics` in the compartment, narrowed by `target.metrics.namespace`
(docs/iam.md).
"""

from __future__ import annotations

import time
from typing import Any

import oci
from oci.monitoring import MonitoringClient

from .config import UsageSettings

CONNECT_TIMEOUT_SECONDS = 5.0
MARGIN_SECONDS = 0.5


class MetricsPublisher:
    def __init__(self, settings: UsageSettings) -> None:
        self.settings = settings
        self._client: MonitoringClient | None = None

    def post(self, body: Any, deadline: float) -> int:
        """Post one PostMetricDataDetails; returns the service's failedMetricsCount. SDK errors propagate."""
        client = self._monitoring()
        left = max(0.5, deadline - time.monotonic() - MARGIN_SECONDS)
        client.base_client.timeout = (min(CONNECT_TIMEOUT_SECONDS, left), left)
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
