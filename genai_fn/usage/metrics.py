"""Turn per-minute usage into OCI Monitoring custom metrics (the SDK's own PostMetricDataDetails models).

Metrics `requests`, `input_tokens`, `output_tokens` and `total_tokens` in USAGE_METRICS_NAMESPACE, dimensions
`caller`, `model` and `route`, plus `cached_tokens` and `reasoning_tokens` for a stream whose batch holds any, and
`cost` for a model USAGE_PRICES prices; one datapoint per minute, its value the minute's sum (query them with
`.sum()`: two batches may each post part of one minute). Limits, from PostMetricData's docstring in the oci SDK
(oci/monitoring/monitoring_client.py): "Dimensions per metric group. Maximum: 20. Minimum: 1", "Unique metric streams.
Maximum: 50" per call, and a timestamp "less than two hours in the past and less than 10 minutes in the future". So
a batch is ONE call unless it holds more than 50 streams (metric x caller x model x route): then as many calls as
that needs, 50 streams each, and the function's log line says how many.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from oci.monitoring.models import Datapoint, MetricDataDetails, PostMetricDataDetails

from ..errors import ConfigError
from .aggregate import Key, Usage
from .prices import Prices

METRICS = ("requests", "input_tokens", "output_tokens", "total_tokens")
"""Posted for every stream."""
DETAIL_METRICS = ("cached_tokens", "reasoning_tokens")
"""Posted for a stream only when one of its minutes holds some: most models report none, and every metric stream
counts against the 50 per call."""
COST = "cost"
"""Posted for a stream whose model USAGE_PRICES prices (genai_fn/usage/prices.py), in the prices' unit."""
DIMENSIONS = ("caller", "model", "route")
MAX_STREAMS_PER_CALL = 50
MAX_AGE_SECONDS = 2 * 3600
MAX_AHEAD_SECONDS = 10 * 60
"""Datapoint.timestamp (oci/monitoring/models/datapoint.py, SDK 2.189.0): "For a data point to be posted, its
timestamp must be near current time (less than two hours in the past and less than 10 minutes in the future)"."""
AGE_MARGIN_SECONDS = 5 * 60
"""Kept back from the two hours: Monitoring judges a timestamp when the post arrives, up to the function's whole
run later (a usage function runs for at most its timeout, 60 s as deployed; Functions allow 300 s)."""
AHEAD_MARGIN_SECONDS = 60
"""Kept back from the 10 minutes: a batch may come from a container whose clock runs ahead."""
NAMESPACE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}")
"""MetricDataDetails.namespace: "starts with an alphabetical character and includes only alphanumeric characters and
underscores" (the 255-character cap is ours)."""
RESERVED_PREFIXES = ("oci_", "oracle_")
""""Custom metrics can't use the following reserved prefixes: oci_ and oracle_" (same docstring)."""


def check_namespace(namespace: str) -> str:
    if not NAMESPACE.fullmatch(namespace) or namespace.lower().startswith(RESERVED_PREFIXES):
        raise ConfigError(
            "USAGE_METRICS_NAMESPACE must start with a letter, hold only letters, digits and underscores, and not "
            "start with oci_ or oracle_ (reserved by OCI Monitoring)"
        )
    return namespace


def is_fresh(minute: int, now: float) -> bool:
    """Whether Monitoring will still accept this minute's datapoint (its timestamp is the minute's start) when the
    post arrives: inside Oracle's window with the margins above (a batch may arrive late)."""
    start = minute * 60
    return now - (MAX_AGE_SECONDS - AGE_MARGIN_SECONDS) < start < now + MAX_AHEAD_SECONDS - AHEAD_MARGIN_SECONDS


def metric_data(
    totals: dict[Key, Usage], namespace: str, compartment_id: str, prices: Prices | None = None
) -> list[MetricDataDetails]:
    """One MetricDataDetails per metric stream (metric, caller, model, route), its minutes as datapoints."""
    streams: dict[tuple[str, str, str], dict[int, Usage]] = {}
    for (caller, model, route, minute), usage in totals.items():
        streams.setdefault((caller, model, route), {})[minute] = usage
    details = []
    for (caller, model, route), minutes in sorted(streams.items()):
        values: dict[str, list[float]] = {
            metric: [float(getattr(usage, metric)) for usage in minutes.values()] for metric in METRICS
        }
        for metric in DETAIL_METRICS:
            counts = [float(getattr(usage, metric)) for usage in minutes.values()]
            if any(counts):
                values[metric] = counts
        price = prices.by_model.get(model) if prices else None
        if price is not None:
            values[COST] = [price.cost(usage) for usage in minutes.values()]
        stamps = [_minute_time(minute) for minute in minutes]
        for metric, points in values.items():
            details.append(
                MetricDataDetails(
                    namespace=namespace,
                    compartment_id=compartment_id,
                    name=metric,
                    dimensions={"caller": caller, "model": model, "route": route},
                    datapoints=[
                        Datapoint(timestamp=stamp, value=value)
                        for stamp, value in sorted(zip(stamps, points, strict=True), key=lambda point: point[0])
                    ],
                )
            )
    return details


def calls(details: list[MetricDataDetails]) -> list[PostMetricDataDetails]:
    """As few PostMetricData bodies as the 50-streams-per-call limit allows (one for up to 50 streams)."""
    return [
        PostMetricDataDetails(metric_data=details[i : i + MAX_STREAMS_PER_CALL])
        for i in range(0, len(details), MAX_STREAMS_PER_CALL)
    ]


def _minute_time(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, tz=UTC)
