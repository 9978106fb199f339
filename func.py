"""OCI Functions entrypoint (`fdk func.py handler`). The application is built once per container."""

from typing import Any

from genai_fn.app import App

app = App.from_env()


def handler(ctx: Any, data: Any = None) -> Any:
    return app.handle_fdk(ctx, data)
