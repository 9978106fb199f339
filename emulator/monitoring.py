"""The emulated PostMetricData operation of OCI Monitoring (served at telemetry-ingestion): validate the body against
the SDK's own PostMetricDataDetails models, then the per-call limits the SDK documents, and answer
PostMetricDataResponseDetails. What arrived is in the emulator's request record, like every other operation.

Limits, from MonitoringClient.post_metric_data and MetricDataDetails / Datapoint docstrings (oci SDK): at most 50
unique metric streams per call; 1 to 20 dimensions; dimension keys printable ASCII without spaces, at most 256
characters; values non-empty, at most 512; namespace and name patterns; timestamps less than two hours in the past
and less than 10 minutes in the future. A structurally invalid body is a 400; a metric object that breaks a content
rule is reported in failedMetrics (batchAtomicity NON_ATOMIC, the default) or fails the call (ATOMIC).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from oci.monitoring import models

from emulator.errors import invalid
from emulator.shape import validate

MAX_STREAMS = 50
MAX_DIMENSIONS = 20
NAMESPACE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
NAME = re.compile(r"[A-Za-z][A-Za-z0-9._$-]*")
DIMENSION_KEY = re.compile(r"[!-~]{1,256}")
MAX_AGE_SECONDS = 2 * 3600
MAX_AHEAD_SECONDS = 10 * 60


def answer(body: Any, *, now: float | None = None) -> dict[str, Any]:
    """PostMetricDataResponseDetails JSON for a valid request, or raise ApiError (400) as the service would."""
    validate(body, models.PostMetricDataDetails)
    metrics = body["metricData"]
    if not metrics:
        raise invalid("Invalid value for metricData: at least one metric object is required.")
    streams = {(m["namespace"], m["name"], tuple(sorted(m["dimensions"].items()))) for m in metrics}
    if len(streams) > MAX_STREAMS:
        raise invalid(f"Invalid value for metricData: {len(streams)} unique metric streams, at most {MAX_STREAMS}.")
    clock = datetime.now(UTC).timestamp() if now is None else now
    failed = []
    for metric in metrics:
        problem = _problem(metric, clock)
        if problem is None:
            continue
        if body.get("batchAtomicity") == "ATOMIC":
            raise invalid(problem)
        failed.append({"message": problem, "metricData": metric})
    return {"failedMetricsCount": len(failed), "failedMetrics": failed}


def _problem(metric: dict[str, Any], now: float) -> str | None:
    namespace = metric["namespace"]
    if not NAMESPACE.fullmatch(namespace) or namespace.lower().startswith(("oci_", "oracle_")):
        return f"Invalid namespace {namespace!r}."
    if not NAME.fullmatch(metric["name"]):
        return f"Invalid metric name {metric['name']!r}."
    dimensions = metric["dimensions"]
    if not 1 <= len(dimensions) <= MAX_DIMENSIONS:
        return f"A metric needs 1 to {MAX_DIMENSIONS} dimensions."
    for key, value in dimensions.items():
        if not DIMENSION_KEY.fullmatch(key) or not value or len(value) > 512:
            return f"Invalid dimension {key!r}."
    if not metric["datapoints"]:
        return "At least one datapoint is required."
    for point in metric["datapoints"]:
        try:
            when = datetime.fromisoformat(point["timestamp"].replace("Z", "+00:00")).timestamp()
        except ValueError:
            return f"Invalid timestamp {point['timestamp']!r}."
        if not now - MAX_AGE_SECONDS < when < now + MAX_AHEAD_SECONDS:
            return "Datapoint timestamp must be within the past two hours and the next 10 minutes."
        if point.get("count") is not None and point["count"] < 1:
            return "Datapoint count must be greater than zero."
    return None
