"""The usage function: one Connector Hub batch in, one PostMetricData call out (more only past 50 streams), one log
line about it. Never posts from the chat function's request path: this is a separate function (docs/usage.md).

The answer is JSON counts. A batch with nothing usable is answered 200 (nothing to post); a failed post, or a
configuration error, is answered 502, which fdk passes on to Fn as a failed invocation (fdk turns every other status
into 200 on the socket), and the log line keeps the counts that were not posted.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from ..envelope import monotonic_deadline
from ..errors import ConfigError
from ..logs import utc_now
from .aggregate import aggregate
from .config import UsageSettings
from .lines import read_batch
from .metrics import calls, is_fresh, metric_data
from .publisher import MetricsPublisher, post_all

log = logging.getLogger("genai_fn.usage")


@dataclass
class Outcome:
    status: int
    summary: dict[str, Any]


class UsageFunction:
    """Built once per container; from_env never raises (a configuration error is answered on every call)."""

    def __init__(
        self,
        state: UsageSettings | ConfigError,
        *,
        publisher: MetricsPublisher | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.state = state
        self.publisher = publisher or (MetricsPublisher(state) if isinstance(state, UsageSettings) else None)
        self._stream = stream

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> UsageFunction:
        try:
            return cls(UsageSettings.from_env(os.environ if environ is None else environ))
        except ConfigError as error:
            log.error("configuration error: %s", error.message)
            return cls(error)

    def handle(self, body: bytes, deadline: float, *, now: float | None = None) -> Outcome:
        batch = read_batch(body)
        clock = time.time() if now is None else now
        fresh = [line for line in batch.lines if is_fresh(line.minute, clock)]
        summary: dict[str, Any] = {
            "entries": batch.entries,
            "request_lines": len(batch.lines),
            "ignored": batch.ignored,
            "malformed": batch.malformed,
            "stale": len(batch.lines) - len(fresh),
        }
        if isinstance(self.state, ConfigError):
            return self._finish(Outcome(502, {**summary, "error": self.state.message}))
        details = metric_data(aggregate(fresh), self.state.namespace, self.state.compartment_id, self.state.prices)
        bodies = calls(details)
        summary.update(streams=len(details), datapoints=sum(len(d.datapoints) for d in details), calls=0)
        assert self.publisher is not None
        posted = post_all(self.publisher, bodies, deadline)
        summary["calls"] = posted.calls
        if posted.error is not None:
            if posted.error_status is not None:
                summary["error_status"] = posted.error_status
            return self._stopped(summary, len(bodies), posted.failed_metrics, posted.error)
        return self._finish(Outcome(200, {**summary, "failed_metrics": posted.failed_metrics}))

    def _stopped(self, summary: dict[str, Any], calls: int, failed: int, error: str) -> Outcome:
        """Posting stopped early. Nothing posted yet: a failed invocation, so the batch may be delivered again.
        Something posted: answered as done (at most once), the unposted rest counted in the log line, never posted
        twice (docs/usage.md, what can be lost or doubled)."""
        summary.update(error=error, unposted_calls=calls - summary["calls"])
        return self._finish(Outcome(502 if not summary["calls"] else 200, {**summary, "failed_metrics": failed}))

    def handle_fdk(self, ctx: Any, data: Any) -> Any:
        from fdk import response

        body = data.getvalue() if hasattr(data, "getvalue") else (data or b"")
        outcome = self.handle(
            body if isinstance(body, bytes) else str(body).encode(), monotonic_deadline(ctx.Deadline())
        )
        return response.Response(
            ctx,
            response_data=json.dumps(outcome.summary),
            headers={"Content-Type": "application/json"},
            status_code=outcome.status,
        )

    def _finish(self, outcome: Outcome) -> Outcome:
        """The one log line per batch (never a caller's data beyond counts)."""
        line: dict[str, Any] = {
            "ts": utc_now(),
            "level": "INFO" if outcome.status == 200 else "ERROR",
            "event": "usage_batch",
        }
        line.update(outcome.summary, status=outcome.status)
        stream = self._stream or sys.stderr
        try:
            stream.write(json.dumps(line, separators=(",", ":")) + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass
        return outcome
