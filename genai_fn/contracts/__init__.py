"""Wire contracts: each turns its JSON into the neutral model (neutral/) and renders replies and errors its own way.

A route pairs one contract with one use case (router.py): the router parses with the contract, runs the use case
and renders its result, or any error, with the same contract.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, TypeVar

from ..config import Settings
from ..errors import ProxyError
from ..http import Invocation, Reply, StreamReply

Q = TypeVar("Q")
"""What parse makes of the body: the use case's input (plus anything rendering needs, e.g. OpenAI's `stream`)."""
R_contra = TypeVar("R_contra", contravariant=True)
"""What the use case returns and render turns into a Reply."""


class ErrorRenderer(Protocol):
    def render_error(self, error: ProxyError, invocation: Invocation) -> Reply:
        """Every error of the route, in the contract's shape, with the status in the body for `fn invoke`."""
        ...


class Contract(ErrorRenderer, Protocol[Q, R_contra]):
    def parse(self, body: dict[str, Any], settings: Settings) -> Q:
        """The validated request; raises a RequestError naming the field (a GET route: its path parameters)."""
        ...

    def render(self, result: R_contra, request: Q, invocation: Invocation) -> Reply: ...


class StreamingContract(Contract[Any, Any], Protocol):
    """A contract that can also send its reply as it comes (a route with a `stream_use_case`)."""

    def render_stream(self, results: Iterator[Any], request: Any, invocation: Invocation) -> StreamReply:
        """The use case's results (neutral deltas) as the contract's stream; chunks are made as they are pulled."""
        ...

    def stream_error(self, error: ProxyError, invocation: Invocation) -> bytes:
        """An error after the first chunk, in the contract's stream shape: the stream's last chunk."""
        ...
