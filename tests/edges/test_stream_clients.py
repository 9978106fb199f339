"""Issue 30's "done when", as ordering facts: through the streaming edge, the openai SDK (Python and npm), the
Vercel AI SDK's `streamText` and LangChain's `astream` each see the first text while the emulator is still sending
the answer, at least 20 chunks, and usage after the last of them. No clock: the emulator's count of events sent
is read at the moment the client sees its first text (benchmarks/stream_clients.py measures the times)."""

from __future__ import annotations

import pytest

from benchmarks.stream_clients import CLIENTS, npm_missing, progress_of
from emulator import Emulator
from localfn.config import COHERE_MODEL
from tests.edges.conftest import Edge

PACE_SECONDS = 2.0
"""The emulated generation's length: long enough for a client to see text before its end on a loaded machine."""
MIN_CHUNKS = 20


@pytest.mark.parametrize("name", list(CLIENTS))
def test_each_client_gets_tokens_as_they_are_made(edges: tuple[Edge, Edge], emu: Emulator, name: str) -> None:
    if name in ("openai-npm", "ai-sdk") and npm_missing():
        pytest.skip(f"{npm_missing()}: the npm clients cannot run")
    emu.set_stream_seconds(PACE_SECONDS)
    logged = len(edges[1].log_lines())
    run = CLIENTS[name](f"{edges[1].url}/genai/v1", COHERE_MODEL, progress_of(emu))

    (stream,) = emu.streams
    assert len(stream.sent) == stream.total and not stream.closed_early
    assert run.sent_at_first_chunk is not None and run.sent_at_first_chunk < stream.total, (
        "the first text arrived only after the emulator had sent its last event"
    )
    assert len(run.chunks) >= MIN_CHUNKS
    assert run.usage_last, "usage after the last text chunk"
    assert run.usage is not None
    total = run.usage.get("total_tokens", run.usage.get("totalTokens"))
    assert total > 0 and edges[1].logged(logged, lambda line: line.get("total_tokens") == total), (
        "the usage the service reported, as logged"
    )
