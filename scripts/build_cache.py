"""A directory built once per machine and shared by every run, safe when two runs build it at the same time.

Each builder writes into a private sibling directory and renames it into place: rename is atomic, so a reader sees
the whole result or nothing, and when two runs race the first rename wins and the other's copy is discarded (a
rename onto a non-empty directory fails). Two test runs on one machine once shared one fixed `.partial` folder and
the second failed with "Directory not empty". Standard library only.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

PARTIAL_SUFFIX = ".partial"
"""Builds in progress (or left by a killed run: safe to delete) end so."""


def build_once(target: Path, build: Callable[[Path], None]) -> Path:
    """`target`, made by `build(directory)` into a fresh empty directory unless it is already there."""
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f"{target.name}.", suffix=PARTIAL_SUFFIX, dir=target.parent))
    try:
        build(partial)
        try:
            partial.rename(target)
        except OSError:
            if not target.is_dir():
                raise  # not another run's finished build
    finally:
        shutil.rmtree(partial, ignore_errors=True)  # gone when the rename won; a loser's copy or a failed build
    return target
