"""The streaming edge's usage metrics: the usage function's job, done in the edge's own process.

A container instance's stdout never reaches OCI Logging (docs/usage.md, the streaming edge), so Connector Hub cannot
feed the edge's request lines to the usage function. Instead the edge keeps each request line's usage (the dict its
log line is made from, handed over by RequestLog's sink), and a background thread adds them up and posts them once
a minute, and once more at shutdown, with the usage function's own code: `usage_line`, `aggregate`, `metric_data`,
`calls` and `MetricsPublisher` (the container's resource principal). Same namespace, metric names and dimensions as
the usage function, so a dashboard or an alarm cannot tell which edge served a request.

Never on the request path: `record` only parses the dict and appends it under a lock; at most MAX_PENDING lines
wait (more are dropped and counted). A failed post is one `usage_flush` log line, never a crash, never a retry (a
retried post that had in fact arrived would count twice). What a crash loses: the lines not yet posted, at most
the last FLUSH_SECONDS. Loaded only by the streaming edge, and only when usage metrics are configured
(edges/asgi.py posts_usage_metrics).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any, TextIO

from ..logs import utc_now
from ..usage.aggregate import aggregate
from ..usage.config import UsageSettings
from ..usage.lines import UsageLine, usage_line
from ..usage.metrics import calls, is_fresh, metric_data
from ..usage.publisher import MetricsPublisher, post_all

FLUSH_SECONDS = 60.0
"""How often the pending lines are posted: one datapoint per stream and minute, as the usage function posts them."""
POST_SECONDS = 30.0
"""The deadline of one flush's posts (MetricsPublisher cuts each post's timeouts to it): a flush never outlives the
next one's turn, and shutdown waits at most this long."""
MAX_PENDING = 100_000
"""Request lines kept between two flushes (a UsageLine is a few hundred bytes: tens of MB at most); past it, lines
are dropped and the next `usage_flush` line counts them."""


class EdgeUsage:
    """Pending request lines and the thread that posts them; `record` is the RequestLog sink."""

    def __init__(
        self,
        settings: UsageSettings,
        *,
        publisher: MetricsPublisher | None = None,
        interval: float = FLUSH_SECONDS,
        max_pending: int = MAX_PENDING,
        stream: TextIO | None = None,
    ) -> None:
        self.settings = settings
        self.publisher = publisher or MetricsPublisher(settings)
        self.interval = interval
        self.max_pending = max_pending
        self._stream = stream
        self._lock = threading.Lock()
        self._pending: list[UsageLine] = []
        self._dropped = 0
        self._malformed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> EdgeUsage:
        """The usage function's own variables (USAGE_METRICS_NAMESPACE, _COMPARTMENT_OCID, _ENDPOINT, USAGE_PRICES);
        ConfigError naming the variable."""
        return cls(UsageSettings.from_env(environ))

    def record(self, line: dict[str, Any]) -> None:
        """Keep one request line's usage for the next flush; called on the request's thread, never raises."""
        try:
            usage = usage_line(line)
        except ValueError:
            with self._lock:
                self._malformed += 1
            return
        if usage is None:
            return
        with self._lock:
            if len(self._pending) >= self.max_pending:
                self._dropped += 1
            else:
                self._pending.append(usage)

    def start(self) -> None:
        """The flushing thread (lifespan startup); a daemon, so a stuck post cannot hold the process at exit."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="genai-usage", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the thread and post what is pending (lifespan shutdown); blocks for at most about POST_SECONDS
        beyond a flush already under way."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def flush(self) -> None:
        """Post the pending lines, one PostMetricData call per 50 streams; one `usage_flush` log line when there was
        anything to post or to report. Never raises."""
        with self._lock:
            lines, self._pending = self._pending, []
            dropped, self._dropped = self._dropped, 0
            malformed, self._malformed = self._malformed, 0
        if not lines and not dropped and not malformed:
            return
        summary: dict[str, Any] = {"request_lines": len(lines), "dropped": dropped, "malformed": malformed}
        try:
            fresh = [line for line in lines if is_fresh(line.minute, time.time())]
            settings = self.settings
            details = metric_data(aggregate(fresh), settings.namespace, settings.compartment_id, settings.prices)
            bodies = calls(details)
            summary.update(
                stale=len(lines) - len(fresh),
                streams=len(details),
                datapoints=sum(len(d.datapoints) for d in details),
            )
            posted = post_all(self.publisher, bodies, time.monotonic() + POST_SECONDS)
            summary.update(calls=posted.calls, failed_metrics=posted.failed_metrics)
            if posted.error is not None:
                summary.update(error=posted.error, unposted_calls=len(bodies) - posted.calls)
                if posted.error_status is not None:
                    summary["error_status"] = posted.error_status
        except Exception as exc:  # a bug here must not end the edge: the line names it, the lines are lost
            summary["error"] = type(exc).__name__
        self._write(summary)

    def _write(self, summary: dict[str, Any]) -> None:
        line: dict[str, Any] = {
            "ts": utc_now(),
            "level": "ERROR" if "error" in summary else "INFO",
            "event": "usage_flush",
            **summary,
        }
        stream = self._stream or sys.stderr
        try:
            stream.write(json.dumps(line, separators=(",", ":")) + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass
