"""The CPU of masking PII findings: 6,000 addresses in a 5.5 MB text (issue 28's attack: 16 s of CPU and a 504 when
each finding rebuilt the whole text), masked by the real spans.mask and, for comparison, by the masking of a given
git revision (`--before main`, loaded from `git show <rev>:genai_fn/guardrails/spans.py` into a temporary module).
Pure CPU, no I/O; reports, never asserts:

    python -m benchmarks.masking [--findings 6000] [--before main]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from genai_fn.guardrails import spans
from genai_fn.guardrails.spans import Span

SPANS = "genai_fn/guardrails/spans.py"


def case(findings: int) -> tuple[str, list[Span]]:
    """The attack's text (an address, then 916 x's, per finding) and one EMAIL span per address."""
    parts, found, at = [], [], 0
    for i in range(findings):
        address = f"a{i}@b.cc"
        found.append(Span(at, at + len(address), "EMAIL"))
        part = f"{address} {'x' * 916} "
        parts.append(part)
        at += len(part)
    return "".join(parts), found


def revision(rev: str) -> ModuleType:
    """spans.py as it is at git revision `rev`, imported as a module of its own."""
    source = subprocess.run(["git", "show", f"{rev}:{SPANS}"], check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "spans_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("spans_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["spans_before"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def cpu(mask: Callable[..., tuple[str, ...]], span: type, text: str, found: Sequence[Span]) -> tuple[float, str]:
    """Seconds of CPU one masking of `text` takes, and the masked text."""
    converted = [span(s.start, s.end, s.label) for s in found]
    started = time.process_time()
    (masked,) = mask((text,), [0], converted)
    return time.process_time() - started, masked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=6000)
    parser.add_argument("--before", metavar="REV", help="also time the masking of this git revision")
    args = parser.parse_args(argv)
    text, found = case(args.findings)
    seconds, masked = cpu(spans.mask, Span, text, found)
    report = {"findings": len(found), "text_mb": round(len(text.encode()) / 1e6, 2), "cpu_s": round(seconds, 3)}
    if args.before:
        old = revision(args.before)
        before, old_masked = cpu(old.mask, old.Span, text, found)
        report.update(before=args.before, before_cpu_s=round(before, 3), same_result=old_masked == masked)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
