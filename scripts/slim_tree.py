"""Prune a `pip install --target` tree to what the function can load, and run fdk on that tree alone.

Standard library only: scripts/build-deps imports it on a clean build machine (Python 3 and pip, nothing else),
once per architecture when Fn builds a multi-architecture image (shape GENERIC_X86_ARM).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

SCRIPTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = SCRIPTS_DIR.parent
ALLOWLIST_FILE = SCRIPTS_DIR / "slim-allowlist.json"
FUNCTION_FILES = ("func.py", "genai_fn")
"""What the image's /function holds (the rest of the repository is in .dockerignore)."""
KEPT_SCRIPTS = ("fdk",)
"""Console scripts kept in TARGET/bin: the image's entrypoint is /python/bin/fdk."""
MACHINE_TAG = re.compile(r"\.cpython-\d+-[a-z0-9_]+-linux-gnu\.so$")
"""The interpreter/machine part of a compiled extension's name (`.cpython-311-x86_64-linux-gnu.so`)."""
PORTABLE_TAG = ".cpython-*-*-linux-gnu.so"
"""What an allow-list entry says instead, so the list keeps the same module on x86_64 and aarch64."""


def portable_name(name: str) -> str:
    """`_cffi_backend.cpython-311-x86_64-linux-gnu.so` -> `_cffi_backend.cpython-*-*-linux-gnu.so`; others as is."""
    return MACHINE_TAG.sub(PORTABLE_TAG, name)


@dataclass(frozen=True)
class Allowlist:
    """Top-level entries of the tree the function loads (names or, for compiled extensions, machine-independent
    patterns), and the `oci` subpackages among them (the SDK's service packages are 95 % of the install).
    Derived by scripts/slim_allowlist.py; see its docstring."""

    keep: frozenset[str]
    keep_oci: frozenset[str]

    @classmethod
    def load(cls, path: Path = ALLOWLIST_FILE) -> Allowlist:
        data = json.loads(path.read_text())
        tied = [name for name in data["keep"] if portable_name(name) != name]
        if tied:  # an ARM shape would lose the file and fail at `import oci`
            raise ValueError(f"{path.name} names machine-specific files {tied}; use {PORTABLE_TAG!r} patterns")
        return cls(frozenset(data["keep"]), frozenset(data["keep_oci"]))

    def keeps(self, name: str) -> bool:
        """Whether the top-level entry `name` is on the list (exactly or through a pattern)."""
        return name in self.keep or any(fnmatchcase(name, pattern) for pattern in self.keep)


def prune(tree: Path, allowlist: Allowlist) -> list[str]:
    """Delete everything under `tree` the allow-list does not name; return what went, relative to `tree`."""
    removed: list[str] = []
    kept_dists = {info.name for info in tree.glob("*.dist-info") if _dist_is_kept(info, allowlist)}
    for entry in sorted(tree.iterdir()):
        name = entry.name
        if name == "bin":
            removed += [f"bin/{s.name}" for s in sorted(entry.iterdir()) if s.name not in KEPT_SCRIPTS]
            for script in entry.iterdir():
                if script.name not in KEPT_SCRIPTS:
                    _remove(script)
        elif name.endswith(".dist-info") and name in kept_dists or allowlist.keeps(name):
            continue
        else:
            removed.append(name)
            _remove(entry)
    oci = tree / "oci"
    for sub in sorted(oci.iterdir()) if oci.is_dir() else ():
        if sub.is_dir() and sub.name not in allowlist.keep_oci:
            removed.append(f"oci/{sub.name}")
            _remove(sub)
    return removed


def _dist_is_kept(info: Path, allowlist: Allowlist) -> bool:
    """A distribution's metadata stays when any file it installed at top level is kept."""
    record = info / "RECORD"
    if not record.exists():
        return False
    for line in record.read_text().splitlines():
        top = line.split(",", 1)[0].split("/", 1)[0]
        if allowlist.keeps(top):
            return True
    return False


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def tree_size(path: Path) -> int:
    """Bytes of regular files under `path` (what `du --apparent-size` counts)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def stage_function(dest: Path, extra: tuple[Path, ...] = ()) -> Path:
    """Copy what the image's /function holds (plus `extra` files) into `dest`, so nothing else is importable."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in FUNCTION_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
        else:
            shutil.copy2(source, dest / name)
    for path in extra:
        shutil.copy2(path, dest / path.name)
    return dest


def base_python() -> str:
    """The interpreter beneath any virtualenv: with -S it sees only the standard library and PYTHONPATH."""
    return getattr(sys, "_base_executable", None) or sys.executable


def isolated_fdk_command(tree: Path, func_file: Path, entrypoint: str = "handler") -> list[str]:
    """`TREE/bin/fdk FUNC handler` as the image runs it, but with no site-packages at all (python -S)."""
    return [base_python(), "-S", str(tree / "bin" / "fdk"), str(func_file), entrypoint]
