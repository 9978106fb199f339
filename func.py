"""OCI Functions entrypoint (`fdk func.py handler`). The application is built once per container."""

from typing import Any

import genai_fn.fdk_keepalive  # noqa: F401 - corrects fdk 0.1.128's idle spin on import (docs/fdk-keepalive.md)
import genai_fn.fdk_zipkin  # noqa: F401 - stops fdk 0.1.128 defining a class on every call (genai_fn/fdk_zipkin.py)
from genai_fn.app import App

app = App.from_env()


def handler(ctx: Any, data: Any = None) -> Any:
    return app.handle_fdk(ctx, data)
