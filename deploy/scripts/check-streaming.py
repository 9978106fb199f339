#!/usr/bin/env python3
"""Do server-sent events reach the caller one by one, or all at once? Run after `terraform apply` of
deploy/terraform-streaming, from a host that reaches the private gateway (its `check_streaming` output):

    python3 deploy/scripts/check-streaming.py https://<gateway>/stream/v1/chat/completions [-H 'Name: value']

It asks for a long streamed answer and prints when each event arrived. Exit 0: the events came in several reads
spread over time (the gateway passes the stream on); 1: they came together (something on the path buffers, e.g. the
gateway: use the load balancer's `direct_endpoint` instead); 2: the request failed. Python standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import ssl
import sys
import time
from urllib.parse import urlsplit

MIN_EVENTS = 5
MIN_READS = 3
MIN_SPREAD = 0.2
"""Streamed: at least MIN_EVENTS events, arriving in at least MIN_READS reads spread over MIN_SPREAD seconds."""


def _connect(url: str, insecure: bool, timeout: float) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    if parts.scheme == "https":
        context = ssl._create_unverified_context() if insecure else ssl.create_default_context()  # noqa: S323
        return http.client.HTTPSConnection(parts.netloc, timeout=timeout, context=context)
    return http.client.HTTPConnection(parts.netloc, timeout=timeout)


def measure(url: str, headers: dict[str, str], body: bytes, insecure: bool, timeout: float) -> list[tuple[float, int]]:
    """(seconds since the request, events in that read) for every read that brought at least one event."""
    parts = urlsplit(url)
    connection = _connect(url, insecure, timeout)
    start = time.monotonic()
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request(
        "POST", path, body, {"Content-Type": "application/json", "Accept": "text/event-stream", **headers}
    )
    response = connection.getresponse()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {response.read(500).decode('utf-8', 'replace')}")
    reads: list[tuple[float, int]] = []
    pending = b""
    while chunk := response.read1(65536):
        pending += chunk
        events = pending.count(b"\n\n")
        pending = pending[pending.rfind(b"\n\n") + 2 :] if events else pending
        if events:
            reads.append((time.monotonic() - start, events))
    connection.close()
    return reads


def verdict(reads: list[tuple[float, int]]) -> bool:
    """True when the events were streamed: enough of them, in several reads, spread over time."""
    events = sum(count for _, count in reads)
    return events >= MIN_EVENTS and len(reads) >= MIN_READS and reads[-1][0] - reads[0][0] >= MIN_SPREAD


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="the streaming chat completions URL")
    parser.add_argument("-H", "--header", action="append", default=[], help="extra header, 'Name: value'")
    parser.add_argument("--model", default="", help="model to ask (default: the service's MODEL_ID)")
    parser.add_argument("--insecure", action="store_true", help="do not verify the TLS certificate")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the next bytes")
    args = parser.parse_args(argv)
    if any(":" not in header for header in args.header):
        parser.error("a header is 'Name: value'")
    headers = {name.strip(): value.strip() for name, value in (h.split(":", 1) for h in args.header)}
    request: dict[str, object] = {"messages": [{"role": "user", "content": "Tell me a story"}], "stream": True}
    if args.model:
        request["model"] = args.model
    try:
        reads = measure(
            args.url,
            headers,
            json.dumps(request).encode(),
            args.insecure,
            args.timeout,
        )
    except (OSError, RuntimeError, http.client.HTTPException) as exc:
        print(f"request failed: {exc}", file=sys.stderr)
        return 2
    for at, count in reads:
        print(f"{at:8.3f} s  {count} event(s)")
    streamed = verdict(reads)
    events = sum(count for _, count in reads)
    print(f"{events} events in {len(reads)} reads: " + ("one by one (streamed)" if streamed else "buffered"))
    return 0 if streamed else 1


if __name__ == "__main__":
    sys.exit(main())
