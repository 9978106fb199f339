"""The numeric limits the emulated service enforces, each derived here on its own, never read from the product.

Where the SDK's model docstrings state a number, it is read from them (so an SDK upgrade that changes it changes
the emulator); where they only describe a range in words, the table below writes it down with that wording as its
source. The product keeps its own table (genai_fn/families/*.py); tests/unit/test_families.py compares the two, so
a wrong product range fails the suite instead of being accepted by its own test double.
"""

from __future__ import annotations

import re
from functools import cache

from oci.generative_ai_inference import models


def _doc(cls: type, attribute: str) -> str:
    prop = getattr(cls, attribute)
    return " ".join((prop.fget.__doc__ or "").split())


def _number(pattern: str, text: str, source: str) -> int:
    found = re.search(pattern, text)
    if found is None:
        raise RuntimeError(f"the SDK's {source} docstring no longer states its limit ({pattern!r})")
    return int(found.group(1).replace(",", ""))


@cache
def on_demand_max_tokens() -> int:
    """maxTokens docstrings: "For on-demand inferencing, the response length is capped at 4,000 tokens"."""
    return _number(r"capped at ([\d,]+) tokens", _doc(models.GenericChatRequest, "max_tokens"), "max_tokens")


@cache
def max_tools() -> int:
    """GenericChatRequest.tools docstring: "A max of 128 functions are supported"."""
    return _number(r"max of (\d+) functions", _doc(models.GenericChatRequest, "tools"), "tools")


@cache
def ranges(api_format: str) -> dict[str, tuple[float, float]]:
    """Inclusive ranges of the sampling parameters (SDK attribute names) the service checks for `api_format`."""
    cohere = api_format in ("COHERE", "COHEREV2")
    top_k_high = _number(r"integer between 1 and (\d+)", _doc(models.CohereChatRequest, "top_k"), "top_k")
    return {
        # "Start with temperatures lower than 1.0 and increase the temperature for more creative outputs": no upper
        # bound in the SDK; OpenAI-style 0..2, which the service's playground offers for every family.
        "temperature": (0, 2),
        # "Set to 1.0 to consider all tokens and set to 0 to disable" (every family).
        "top_p": (0, 1),
        # Cohere: "The default value for k is 0 which disables this method ... choose an integer between 1 and
        # 500"; Generic: "Default value is -1 which means to consider all tokens. Setting to 0 disables this method"
        # (its upper bound is not stated; Cohere's is used).
        "top_k": (0 if cohere else -1, top_k_high),
        # Cohere: "Set to 0 to disable" with only positive values described (0..1 per Oracle's Cohere parameter
        # pages); Generic: "Values > 0 encourage the model to use new tokens and values < 0 encourage the model
        # to repeat tokens" (OpenAI's -2..2).
        "frequency_penalty": (0, 1) if cohere else (-2, 2),
        "presence_penalty": (0, 1) if cohere else (-2, 2),
    }
