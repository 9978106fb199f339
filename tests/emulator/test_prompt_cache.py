"""The emulator's prompt cache: a long prompt whose leading messages were sent before reports them as cached."""

from __future__ import annotations

from emulator.prompt_cache import MIN_CACHED_TOKENS, PromptCache
from emulator.responses import Completion

LONG = " ".join(["w"] * MIN_CACHED_TOKENS)


def test_a_long_prompt_sent_again_is_all_cached_and_a_continued_one_has_its_history_cached() -> None:
    cache = PromptCache()
    assert cache.cached_tokens("m", [LONG, "question"]) == 0, "first sight"
    assert cache.cached_tokens("m", [LONG, "question"]) == MIN_CACHED_TOKENS + 1
    assert cache.cached_tokens("m", [LONG, "question", "answer", "next"]) == MIN_CACHED_TOKENS + 1
    assert cache.cached_tokens("m", [LONG, "other question"]) == MIN_CACHED_TOKENS, "the shared first message"
    assert cache.cached_tokens("other-model", [LONG, "question"]) == 0, "a cache per model"


def test_short_prompts_and_changed_prefixes_are_never_cached_and_clear_forgets() -> None:
    cache = PromptCache()
    for _ in range(2):
        assert cache.cached_tokens("m", ["short", "prompt"]) == 0
    cache.cached_tokens("m", [LONG])
    assert cache.cached_tokens("m", ["x " + LONG]) == 0, "whole messages only"
    cache.clear()
    assert cache.cached_tokens("m", [LONG]) == 0


def test_the_usage_carries_the_cached_and_reasoning_details_only_when_there_are_some() -> None:
    plain = Completion("a b", 2000, 2, False)
    assert "promptTokensDetails" not in plain.usage() and "completionTokensDetails" not in plain.usage()
    both = Completion("a b", 2000, 5, False, reasoning="x y z", cached_tokens=1500)
    assert both.usage()["promptTokensDetails"] == {"cachedTokens": 1500}
    assert both.usage()["completionTokensDetails"] == {"reasoningTokens": 3}
