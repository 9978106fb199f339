"""OCI Functions entrypoint (`fdk func.py handler`). The application is built once per container."""

from genai_fn.app import App

app = App.from_env()


def handler(ctx, data=None):
    return app.handle_fdk(ctx, data)
