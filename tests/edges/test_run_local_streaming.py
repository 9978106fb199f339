"""run-local serves the streaming edge too: its `streaming edge:` line names the OpenAI base URL, and
`--stream-seconds N` makes the emulator spread a long answer over about N seconds, so a newcomer sees it arrive."""

from __future__ import annotations

import time

import openai

from localfn.config import COHERE_MODEL
from tests.integration.test_run_local import run_local

STREAM_SECONDS = 2.0


def test_run_local_streams_a_story_over_the_seconds_asked() -> None:
    with run_local("--stream-seconds", str(STREAM_SECONDS)) as instance:
        assert instance.stream_url is not None and instance.stream_url != instance.url
        arrivals = []
        with openai.OpenAI(base_url=f"{instance.stream_url}/genai/v1", api_key="unused", max_retries=0) as client:
            stream = client.chat.completions.create(
                model=COHERE_MODEL, messages=[{"role": "user", "content": "Tell me a story"}], stream=True
            )
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    arrivals.append(time.monotonic())
    assert len(arrivals) >= 20
    # A lower bound only: the emulator waits between events, so the chunks cannot arrive closer together than that.
    assert arrivals[-1] - arrivals[0] >= STREAM_SECONDS / 2
