"""The container lifecycle: the App is built once (from_env never raises), then answers every call and logs it once.

func.handler delegates every call to App.handle_fdk; router.dispatch does the request's work. A configuration
error is logged once here and answered (as a 500) on every call, so the App's state is either Configured or that
ConfigError, never a half-built Settings.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import lazy, router
from .config import Settings
from .envelope import from_fdk, to_fdk
from .errors import ConfigError
from .http import SERVED_BY_HEADER, Chunks, Invocation, Reply, StreamReply, with_headers, with_request_ids
from .logs import CURRENT, RequestLog, RequestRecord
from .scope import scoped
from .upstream.client import SELECTED_REGION_HEADER, Upstream
from .usecases import Configured

if TYPE_CHECKING:
    from .budgets import store as budget_store
    from .fallbacks import cooldown
else:  # loaded on first use: not every call needs them
    budget_store = lazy("genai_fn.budgets.store")
    cooldown = lazy("genai_fn.fallbacks.cooldown")

log = logging.getLogger("genai_fn")


class App:
    def __init__(self, state: Configured | ConfigError, *, request_log: RequestLog | None = None) -> None:
        self.state = state
        self.request_log = request_log or RequestLog()
        self._served = False

    @classmethod
    def configured(
        cls, settings: Settings, *, upstream: Upstream | None = None, request_log: RequestLog | None = None
    ) -> App:
        budgets = None
        if settings.budgets is not None:  # the store (and, on first use, redis) load only when budgets are on
            budgets = budget_store.BudgetStore(settings.budgets)
        cooldowns = None
        if settings.fallbacks is not None:  # likewise the cooldowns, and redis only when they are shared
            cooldowns = cooldown.cooldowns_for(settings, budgets.cache if budgets is not None else None)
        configured = Configured(settings, upstream or Upstream(settings), budgets, cooldowns)
        return cls(configured, request_log=request_log)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, request_log: RequestLog | None = None) -> App:
        """Never raises: a configuration error is logged once here and answered (as a 500) on every call."""
        environ = os.environ if environ is None else environ
        if environ.get("FDK_DEBUG", "").lower() in ("1", "true", "t", "y", "yes"):
            log.warning("FDK_DEBUG is on: fdk logs request headers (Authorization included); never in production")
        try:
            settings = Settings.from_env(environ)
        except ConfigError as error:
            log.error("configuration error: %s", error.message)
            return cls(error, request_log=request_log)
        return cls.configured(settings, request_log=request_log)

    def handle_fdk(self, ctx: Any, data: Any) -> Any:
        reply = self.handle(from_fdk(ctx, data))
        assert isinstance(reply, Reply)  # from_fdk never sets `streaming`: the fdk edge buffers every reply
        return to_fdk(ctx, reply)

    def handle(self, invocation: Invocation) -> Reply | StreamReply:
        """The reply, its request logged once: now, or for a StreamReply when its chunks end or are closed."""
        started = time.perf_counter()
        record = RequestRecord(
            call_id=invocation.call_id,
            route="",
            method=invocation.method,
            via_gateway=invocation.via_gateway,
            cold_start=not self._served,
        )
        self._served = True
        with scoped(CURRENT, record):
            reply = router.dispatch(invocation, self.state)
        record.status = reply.status
        served = {SERVED_BY_HEADER: record.served_by, SELECTED_REGION_HEADER: record.selected_region}
        if isinstance(reply, StreamReply):  # its own time is not known yet: no overhead header
            reply = with_headers(with_request_ids(reply, invocation.call_id, record.opc_request_id), served)
            return replace(reply, chunks=self._logged_at_end(reply.chunks, record, started))
        record.latency_ms = (time.perf_counter() - started) * 1000
        reply = with_request_ids(reply, invocation.call_id, record.opc_request_id, record.overhead_ms)
        reply = with_headers(reply, served)
        self._write(record)
        return reply

    def _logged_at_end(self, chunks: Iterator[bytes], record: RequestRecord, started: float) -> Chunks:
        """The chunks, each made inside the request's record (whichever thread the edge pulls them from), and the
        request's one log line when they end or the edge closes them, started or not (a client gone, or a reader
        too slow for the deadline: `closed_early`)."""

        def ending(early: bool) -> None:
            record.closed_early = record.closed_early or early
            record.latency_ms = (time.perf_counter() - started) * 1000
            self._write(record)

        return Chunks(chunks, ending, lambda: scoped(CURRENT, record))

    def _write(self, record: RequestRecord) -> None:
        with contextlib.suppress(Exception):  # a broken log stream must not turn the answer into fdk's 502
            self.request_log.write(record)
