"""`python -m genai_fn.usage [LOG ...]` (scripts/usage): the per-caller, per-model table of request-log lines.

Reads the files named (or standard input), e.g. run-local's `.local/<port>/latest/function-*.log`, or Functions log
entries exported from OCI Logging (one JSON entry per line); other lines are ignored. The same parsing and adding up
as the usage function, without posting anything.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import ConfigError
from .aggregate import aggregate, render_table
from .lines import Batch, read_lines
from .prices import parse_prices


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m genai_fn.usage", description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="*", type=Path, help="log files (default: standard input)")
    parser.add_argument(
        "--prices",
        default=os.environ.get("USAGE_PRICES", ""),
        help="model:input:output[:cached] per million tokens, comma-separated (default: $USAGE_PRICES): adds a "
        "cost column",
    )
    args = parser.parse_args(argv)
    try:
        prices = parse_prices(args.prices, "--prices")
    except ConfigError as error:
        parser.error(error.message)
    total = Batch()
    try:
        sources = [path.read_text(encoding="utf-8", errors="replace").splitlines() for path in args.logs] or [sys.stdin]
    except OSError as error:
        print(f"python -m genai_fn.usage: cannot read {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    for source in sources:
        batch = read_lines(source)
        total.lines += batch.lines
        total.entries += batch.entries
        total.ignored += batch.ignored
        total.malformed += batch.malformed
    sys.stdout.write(render_table(aggregate(total.lines), prices))
    print(
        f"{len(total.lines)} request lines, {total.ignored} other lines ignored, {total.malformed} malformed",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
