"""Run fdk's own entrypoint with test-only changes to its timers, for the idle tests and benchmarks/idle.py.

`python -m localfn.fdk_launch [--timeout NAME=SECONDS ...] [--without-keepalive-fix] func.py handler` is
`fdk func.py handler` with fdk's HTTP server built with those timeouts (serve()'s keep_alive_timeout=75,
request_timeout=60, response_timeout=60), so an idle test need not wait 75 s. With `--without-keepalive-fix`,
func.py's import of genai_fn.fdk_keepalive installs nothing, to measure fdk as it is. Whatever keep-alive callback
func.py leaves installed, the first time it fires after a reply it writes KEEPALIVE_FIRED to stderr: the event an
idle test waits for before it measures. Nothing here ships: the function image runs fdk's console script.
"""

from __future__ import annotations

import argparse
import functools
import sys
import types
from typing import Any

KEEPALIVE_FIX_MODULE = "genai_fn.fdk_keepalive"
KEEPALIVE_FIRED = "localfn.fdk_launch: keep-alive timer fired"
TIMEOUTS = ("keep_alive_timeout", "request_timeout", "response_timeout")
"""fdk.async_http.server.serve()'s timers; AsyncHTTPServer.run() passes none of them, so fdk's defaults apply."""


def timeout_option(text: str) -> tuple[str, float]:
    name, _, seconds = text.partition("=")
    if name not in TIMEOUTS:
        raise argparse.ArgumentTypeError(f"{name!r} is not one of {', '.join(TIMEOUTS)}")
    return name, float(seconds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m localfn.fdk_launch")
    parser.add_argument("--timeout", type=timeout_option, action="append", default=[], help="NAME=SECONDS")
    parser.add_argument("--without-keepalive-fix", action="store_true", help="leave fdk's keep-alive timer as is")
    parser.add_argument("fdk_args", nargs=argparse.REMAINDER, help="what `fdk` takes: func.py [entrypoint]")
    args = parser.parse_args(argv)

    from fdk import customer_code
    from fdk.async_http import app, server
    from fdk.scripts import fdk

    if args.timeout:
        app.serve = functools.partial(server.serve, **dict(args.timeout))  # the name run() calls
    if args.without_keepalive_fix:
        sys.modules[KEEPALIVE_FIX_MODULE] = types.ModuleType(KEEPALIVE_FIX_MODULE)  # func.py's import finds this
    load_function = customer_code.Function.handler

    def handler(self: Any) -> Any:
        entrypoint = load_function(self)  # fdk imports func.py here, on the first call
        _mark_keepalive_expiry()
        return entrypoint

    customer_code.Function.handler = handler
    sys.argv = ["fdk", *args.fdk_args]
    fdk.main()


def _mark_keepalive_expiry() -> None:
    """Wrap the keep-alive callback func.py left in place (fdk's or the fix) to report its first firing per reply."""
    from fdk.async_http.protocol import HttpProtocol

    installed = HttpProtocol.keep_alive_timeout_callback
    if getattr(installed, "marks_expiry", False):
        return
    reported: set[tuple[int, int]] = set()

    def marked(self: Any) -> None:
        reply = (id(self), self.state["requests_count"])  # fdk's rescheduled calls for one idle period: one line
        if reply not in reported:
            reported.add(reply)
            print(KEEPALIVE_FIRED, file=sys.stderr, flush=True)
        installed(self)

    marked.marks_expiry = True  # type: ignore[attr-defined]
    HttpProtocol.keep_alive_timeout_callback = marked


if __name__ == "__main__":
    main()
