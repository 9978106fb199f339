"""Model families: which API format a model speaks and which parameter ranges it accepts.

One table per fact, read by the request validation (genai_fn) and by the emulator (emulator/validation.py),
so "the emulator accepted it" and "the function forwards it" cannot drift apart.
"""

from __future__ import annotations

PARAMETER_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "COHERE": {
        "temperature": (0, 2),
        "top_p": (0, 1),
        "top_k": (0, 500),
        "frequency_penalty": (0, 1),
        "presence_penalty": (0, 1),
    },
    "GENERIC": {
        "temperature": (0, 2),
        "top_p": (0, 1),
        "top_k": (-1, 500),
        "frequency_penalty": (-2, 2),
        "presence_penalty": (-2, 2),
    },
}
"""Inclusive ranges per API format, in the internal (snake_case) parameter names. Sources: the SDK docstrings of
CohereChatRequest / GenericChatRequest (top_k 0 or 1..500 for Cohere, -1 = all for Generic; top_p 0..1; Cohere
penalties 0..1, Generic -2..2); temperature 0..2 is our documented choice (docs/api.md), the narrowest range that
every family accepts. Outside them the service answers an opaque 400, so the function answers first."""
