"""OCI Functions entrypoint (`fdk func.py handler`). The application is built once per container.

fdk imports this file inside the first call, so everything below is part of that call's time. Importing the SDK
creates some 50,000 long-lived objects and triggers over a hundred cyclic garbage collections that free almost
nothing (benchmarks/results/latest.md), so the collector is paused while the function starts, and what start-up
built is then frozen out of later collections (gc.freeze), which keeps their pauses short on every call after it.
"""

import gc

gc.disable()
try:
    from typing import Any

    import genai_fn.fdk_keepalive  # noqa: F401 - corrects fdk 0.1.128's idle spin on import (docs/fdk-keepalive.md)
    import genai_fn.fdk_zipkin  # noqa: F401 - stops fdk 0.1.128 defining a class on every call (genai_fn/fdk_zipkin.py)
    from genai_fn.app import App

    app = App.from_env()
finally:
    gc.freeze()
    gc.enable()


def handler(ctx: Any, data: Any = None) -> Any:
    return app.handle_fdk(ctx, data)
