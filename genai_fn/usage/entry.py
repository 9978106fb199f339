"""Fn entrypoint of the usage function: `fdk /function/genai_fn/usage/entry.py handler` (deploy/usage/Dockerfile).

A file of its own, not a second handler in func.py: importing func.py builds the chat function's App, which the
usage function has no configuration for (it would log a false configuration error on every cold start). fdk loads
this file by path as module `func`, so it imports absolutely.
"""

from typing import Any

import genai_fn.fdk_keepalive  # noqa: F401 - corrects fdk 0.1.128's idle spin on import (docs/fdk-keepalive.md)
from genai_fn.usage.handler import UsageFunction

function = UsageFunction.from_env()


def handler(ctx: Any, data: Any = None) -> Any:
    return function.handle_fdk(ctx, data)
