"""Add request lines up per (caller, model, route, minute); and the per-caller, per-model table of the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .lines import UsageLine

Key = tuple[str, str, str, int]
"""(caller, model, route, minute)."""


@dataclass
class Usage:
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0

    def add(self, line: UsageLine) -> None:
        self.requests += 1
        self.input_tokens += line.input_tokens
        self.output_tokens += line.output_tokens
        self.total_tokens += line.total_tokens

    def merge(self, other: Usage) -> None:
        self.requests += other.requests
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.total_tokens += other.total_tokens


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


def render_table(totals: dict[Key, Usage]) -> str:
    """Plain text, one row per caller and model, sorted; what run-local's logs add up to."""
    header = ("caller", "model", "requests", "input_tokens", "output_tokens", "total_tokens")
    rows = [
        (caller, model, str(u.requests), str(u.input_tokens), str(u.output_tokens), str(u.total_tokens))
        for (caller, model), u in sorted(by_caller_and_model(totals).items())
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    text = []
    for row in (header, *rows):
        cells = [cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        text.append("  ".join(cells))
    return "\n".join(line.rstrip() for line in text) + "\n"
