"""The error facts in the docs come from the code: api.md holds the one error table (tests/unit/test_errors.py
checks its rows against the error classes), other pages link to it, and openai.md's `type` column is the contract's.
"""

from __future__ import annotations

import re
from pathlib import Path

from genai_fn.contracts.openai_errors import ERROR_TYPES
from genai_fn.errors import ProxyError

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"


def answered() -> list[type[ProxyError]]:
    """What a caller can see: every leaf of the error tree, plus the root (internal_error)."""
    found: list[type[ProxyError]] = []
    pending = [ProxyError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls is ProxyError or not cls.__subclasses__():
            found.append(cls)
    return found


def error_rows(text: str) -> dict[str, int]:
    """Table rows that start with an error code and a status: `| `code` | 400 |`."""
    codes = {cls.code for cls in answered()}
    rows = re.findall(r"^\| `?([a-z_]+)`? \| (\d{3}) \|", text, re.M)
    return {code: int(status) for code, status in rows if code in codes}


def test_the_error_table_is_in_api_md_only() -> None:
    assert error_rows((DOCS / "api.md").read_text(encoding="utf-8")) == {cls.code: cls.status for cls in answered()}
    others = [REPO / "README.md", *(page for page in DOCS.glob("*.md") if page.name != "api.md")]
    copies = {page.name: rows for page in others if (rows := error_rows(page.read_text(encoding="utf-8")))}
    assert not copies, f"link to api.md#errors instead of repeating its rows: {copies}"


def test_openai_error_types_are_the_contracts() -> None:
    text = (DOCS / "openai.md").read_text(encoding="utf-8")
    documented = {int(status): kind for status, kind in re.findall(r"^\| (\d{3}) \| `([a-z_]+)` \|$", text, re.M)}
    statuses = {cls.status for cls in answered()}
    assert set(documented) == statuses
    assert {status: kind for status, kind in documented.items() if status in ERROR_TYPES} == {
        status: kind for status, kind in ERROR_TYPES.items() if status in statuses
    }
    assert all(kind == "server_error" for status, kind in documented.items() if status not in ERROR_TYPES)
