"""Add request lines up per (caller, model, route, minute); and the per-caller, per-model table of the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .lines import UsageLine
from .prices import Prices

Key = tuple[str, str, str, int]
"""(caller, model, route, minute)."""


COUNTS = ("requests", "input_tokens", "output_tokens", "total_tokens", "cached_tokens", "reasoning_tokens")
"""What is added up, in the table's and the metrics' order."""


@dataclass
class Usage:
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0

    def add(self, line: UsageLine) -> None:
        self.requests += 1
        for name in COUNTS[1:]:
            setattr(self, name, getattr(self, name) + getattr(line, name))

    def merge(self, other: Usage) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def aggregate(lines: Iterable[UsageLine]) -> dict[Key, Usage]:
    totals: dict[Key, Usage] = {}
    for line in lines:
        totals.setdefault((line.caller, line.model, line.route, line.minute), Usage()).add(line)
    return totals


def by_caller_and_model(totals: dict[Key, Usage]) -> dict[tuple[str, str], Usage]:
    table: dict[tuple[str, str], Usage] = {}
    for (caller, model, _route, _minute), usage in sorted(totals.items()):
        table.setdefault((caller, model), Usage()).merge(usage)
    return table


def render_table(totals: dict[Key, Usage], prices: Prices | None = None) -> str:
    """Plain text, one row per caller and model, sorted; what run-local's logs add up to. With a price table, a
    `cost` column (in the table's unit; empty for a model it does not price) and a total row."""
    header = ("caller", "model", *COUNTS) + (("cost",) if prices else ())
    table = sorted(by_caller_and_model(totals).items())
    rows = [(caller, model, *(str(getattr(u, name)) for name in COUNTS)) for (caller, model), u in table]
    if prices:
        costs = [prices.cost(model, u) for (_caller, model), u in table]
        rows = [(*row, "" if cost is None else f"{cost:.6f}") for row, cost in zip(rows, costs, strict=True)]
        known = [cost for cost in costs if cost is not None]
        rows.append(("total", "", *[""] * len(COUNTS), f"{sum(known):.6f}"))
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    text = []
    for row in (header, *rows):
        cells = [cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        text.append("  ".join(cells))
    return "\n".join(line.rstrip() for line in text) + "\n"
