"""The CPU of placing PII findings reported in UTF-16 units: one emoji, then 1,500 addresses (about 0.31 MB), read
by the real verdict code (guardrails/verdict.py, spans.py). Pure CPU, no I/O; reports, never asserts:

    python -m benchmarks.utf16_offsets [--findings 1500]

Issue 28 measured 38 s for this case when each finding was converted with its own pass over the text.
"""

from __future__ import annotations

import argparse
import json
import time

from genai_fn.guardrails.policy import parse_policy
from genai_fn.guardrails.verdict import read_verdict
from genai_fn.neutral.guardrails import Assessment, PiiFinding


def case(findings: int) -> tuple[str, Assessment]:
    """The joined text and the service's findings, offsets in UTF-16 code units (the emoji counts two)."""
    lines = ["🙂 contacts:"] + [
        f"write to user{i:05d}@example.com about the report {'x' * 160}" for i in range(findings)
    ]
    text = "\n".join(lines)
    found, units = [], 0
    for index, char in enumerate(text):
        if text.startswith("user", index) and text[index - 1] == " ":
            address = text[index : text.index(" ", index)]
            found.append(PiiFinding("EMAIL", units, len(address), address))
        units += 2 if char > "\uffff" else 1
    return text, Assessment(pii=tuple(found))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=1500)
    args = parser.parse_args(argv)
    policy = parse_policy({"GUARDRAILS": "pii:mask"})
    assert policy is not None
    text, assessment = case(args.findings)
    started = time.process_time()
    verdict = read_verdict(policy, assessment, text, ("pii",))
    seconds = time.process_time() - started
    report = {
        "findings": len(assessment.pii),
        "text_mb": round(len(text.encode()) / 1e6, 2),
        "located": len(verdict.spans),
        "unlocated": verdict.unlocated,
        "cpu_s": round(seconds, 3),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
