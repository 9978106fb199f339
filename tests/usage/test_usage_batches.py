"""The usage function survives any batch: a bad entry is skipped and counted (whatever its size, depth or numbers),
the rest is added up and posted. Property tests over generated batches, through the real handler; the poster is a
recording stand-in at the SDK's edge (test_usage_function.py posts to the emulator through the real fdk)."""

from __future__ import annotations

import io
import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genai_fn.usage.config import UsageSettings
from genai_fn.usage.handler import UsageFunction
from genai_fn.usage.lines import read_batch

from .batches import entry, request_line

NOW = time.time()


class Recorder:
    """Accepts every post and keeps its bodies."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []

    def can_post(self, deadline: float) -> bool:
        return True

    def post(self, body: Any, deadline: float) -> int:
        self.bodies.append(body)
        return 0


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
hostile_messages = st.one_of(
    st.integers(min_value=0, max_value=10**400).map(
        lambda n: request_line("team-x", "m", "/chat", 1, 1, NOW).replace('"prompt_tokens":1', f'"prompt_tokens":{n}')
    ),
    st.integers(min_value=17, max_value=100_000).map(
        lambda d: '{"event":"request","caller":"team-x","x":' + nested(d) + "}"
    ),
    st.sampled_from(
        [
            '{"event":"request","caller":"team-x","total_tokens":1e400}',
            '{"event":"request","ts":"0001-01-01T00:00:00-23:59","caller":"team-x"}',
        ]
    ),
    json_values.map(json.dumps),
    st.text(max_size=50),
)
hostile_entries = st.one_of(
    hostile_messages.map(lambda message: json.dumps(entry(message, NOW))),
    st.integers(min_value=17, max_value=100_000).map(nested),
    json_values.map(json.dumps),
    st.sampled_from(['{"data": {"message": 5}}', "1" * 5000, '"\\ud800"']),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(bad=st.lists(hostile_entries, max_size=4), good=st.integers(min_value=0, max_value=3))
def test_any_entry_is_read_or_skipped_and_the_valid_ones_are_posted(bad: list[str], good: int) -> None:
    valid = [json.dumps(entry(request_line(f"team-{i}", "m", "/chat", 10, 5, NOW), NOW)) for i in range(good)]
    body = ("[" + ",".join([*bad, *valid]) + "]").encode()
    read = read_batch(body)
    assert read.entries == len(bad) + good
    assert {line.caller for line in read.lines} >= {f"team-{i}" for i in range(good)}
    recorder = Recorder()
    settings_ = UsageSettings("genai_usage", "ocid1.compartment.oc1..usage")
    function = UsageFunction(settings_, publisher=recorder, stream=io.StringIO())  # type: ignore[arg-type]
    outcome = function.handle(body, time.monotonic() + 30, now=NOW)
    assert outcome.status == 200 and outcome.summary["malformed"] + outcome.summary["ignored"] + len(read.lines) == (
        len(bad) + good
    )
    posted = {
        (m.dimensions["caller"], m.name): p.value for b in recorder.bodies for m in b.metric_data for p in m.datapoints
    }
    for i in range(good):
        assert posted[(f"team-{i}", "total_tokens")] >= 15.0


def test_a_400_digit_count_and_an_entry_100k_deep_are_two_malformed_entries() -> None:
    huge = request_line("team-x", "m", "/chat", 1, 1, NOW).replace('"prompt_tokens":1', '"prompt_tokens":' + "9" * 400)
    deep_message = '{"event":"request","caller":"team-x","x":' + nested(100_000) + "}"
    good = json.dumps(entry(request_line("team-a", "m", "/chat", 3, 4, NOW), NOW))
    body = f"[{json.dumps(entry(huge, NOW))},{nested(100_000)},{json.dumps(entry(deep_message, NOW))},{good}]"
    read = read_batch(body.encode())
    assert (read.entries, read.malformed, [line.caller for line in read.lines]) == (4, 3, ["team-a"])
    assert read_batch(nested(100_000).encode()).malformed == 1
