"""The emulated service's prompt cache: a prompt that starts with one sent before reports that part as cached.

Providers cache a prompt's prefix and report it in the usage (the SDK's `Usage.prompt_tokens_details.cached_tokens`,
oci 2.189.0 `models/prompt_tokens_details.py`); OpenAI, whose models OCI serves in the GENERIC format, caches only
prompts of at least 1,024 tokens. Here, as everywhere in the emulator, a token is a word: a prompt of at least
MIN_CACHED_TOKENS words whose leading messages (the same model, the same texts, whole messages) were sent before
reports the words of the longest such prefix as cached. So sending one long prompt twice, or continuing a long
conversation, shows cached tokens; short prompts never do, and `Emulator.reset()` empties the cache.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

MIN_CACHED_TOKENS = 1024
"""The smallest prefix reported as cached (OpenAI's prompt caching: "prompts that are 1024 tokens or longer")."""
MAX_ENTRIES = 10_000
"""Prefixes kept, the oldest forgotten first: the emulator runs for hours under benchmarks."""


class PromptCache:
    """Thread-safe: the emulator answers requests on several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._prefixes: OrderedDict[str, None] = OrderedDict()

    def cached_tokens(self, model: str, texts: list[str]) -> int:
        """Words of the longest cached prefix of `texts` (whole messages) for `model`; then caches this prompt's."""
        keys, counts, words = [], [], 0
        digest = hashlib.sha256(model.encode())
        for text in texts:
            digest.update(json.dumps(text).encode() + b"\n")
            words += len(text.split())
            keys.append(digest.hexdigest())
            counts.append(words)
        with self._lock:
            cached = max((n for key, n in zip(keys, counts, strict=True) if key in self._prefixes), default=0)
            for key, count in zip(keys, counts, strict=True):
                if count >= MIN_CACHED_TOKENS:
                    self._prefixes[key] = None
                    self._prefixes.move_to_end(key)
            while len(self._prefixes) > MAX_ENTRIES:
                self._prefixes.popitem(last=False)
        return cached

    def clear(self) -> None:
        with self._lock:
            self._prefixes.clear()
