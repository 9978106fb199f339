"""`python -m genai_fn.edges.serve --host 127.0.0.1 --port 8090`: the streaming edge under uvicorn.

Configuration is the function's (environment variables, docs/configuration.md), the edge's own included
(STREAM_DEADLINE_SECONDS, STREAM_WORKERS, STREAM_TRUST_CALLER_HEADER: docs/streaming.md). One process, one event
loop: scale by replicas.
"""

from __future__ import annotations

import argparse

import uvicorn

from ..logs import quiet_libraries
from .asgi import StreamingEdge


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m genai_fn.edges.serve", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="port to listen on (default 8090; 0: any free port)")
    args = parser.parse_args(argv)
    quiet_libraries()
    # The request log is the App's one JSON line per request (stderr); uvicorn's access log would repeat it.
    uvicorn.run(
        StreamingEdge.from_env(), host=args.host, port=args.port, access_log=False, lifespan="on", log_level="warning"
    )


if __name__ == "__main__":
    main()
