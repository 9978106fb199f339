"""USAGE_PRICES: an optional per-model price table that turns token counts into cost (docs/usage.md, Cost).

`model:input:output[:cached]`, comma-separated: prices per million tokens of the prompt, of the completion
(reasoning included: it is part of the completion), and of the prompt tokens the service read from its cache
(default: the input price). No currency: the cost is in whatever unit the prices are written in. A model the table
does not name has no cost (never a guessed one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from ..config_numbers import decimal
from ..errors import ConfigError

PER_TOKENS = 1_000_000
"""Prices are per this many tokens."""
MAX_PRICE = 1_000_000.0
FORMAT = "USAGE_PRICES entries are model:input:output[:cached], prices per million tokens, e.g. m:3:15:0.3"


class Counts(Protocol):
    """What a cost is computed from (an aggregate's Usage)."""

    input_tokens: int
    output_tokens: int
    cached_tokens: int


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cached: float

    def cost(self, usage: Counts) -> float:
        cached = min(usage.cached_tokens, usage.input_tokens)
        fresh = usage.input_tokens - cached
        return (fresh * self.input + cached * self.cached + usage.output_tokens * self.output) / PER_TOKENS


@dataclass(frozen=True)
class Prices:
    by_model: Mapping[str, Price]

    def __bool__(self) -> bool:
        return bool(self.by_model)

    def cost(self, model: str, usage: Counts) -> float | None:
        """The usage's cost, None when the table does not price the model."""
        price = self.by_model.get(model)
        return None if price is None else price.cost(usage)


def parse_prices(raw: str, name: str = "USAGE_PRICES") -> Prices:
    """The table, empty for an empty value; ConfigError naming the variable otherwise."""
    table: dict[str, Price] = {}
    for entry in (item.strip() for item in raw.split(",")):
        if not entry:
            continue
        model, *fields = entry.split(":")
        if not model or len(fields) not in (2, 3):
            raise ConfigError(FORMAT.replace("USAGE_PRICES", name))
        if model in table:
            raise ConfigError(f"{name} prices the model {model} twice")
        values = [decimal(name, text, 0, MAX_PRICE, what=_number(name)) for text in fields]
        table[model] = Price(values[0], values[1], values[2] if len(values) == 3 else values[0])
    return Prices(table)


def _number(name: str) -> str:
    return f"{name} prices must be decimal numbers from 0 to {MAX_PRICE:g} (per million tokens)"
