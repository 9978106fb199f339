"""docs/frameworks.md's snippets, read from the page itself (the one place they are written), each run as a program
against a running `scripts/run-local`; a snippet passes when it exits 0 (its own `assert`s check what came back).

    python3 -m localfn.doc_snippets [--port 28090] [--only NAME ...] [--no-install]

installs what the snippets import (requirements-frameworks.txt into its own .venv-frameworks, through
scripts/_venv.sh: two of the frameworks install beside no openai 3.x, which .venv pins; the npm packages of
tests/frameworks/js/ with `npm ci`), starts README command 1 on free ports, runs every snippet (Python with
.venv-frameworks' interpreter, JavaScript with `node`), stops run-local, then runs FORCED_TESTS with that
interpreter, where every framework they cover is installed (so none is skipped: FRAMEWORKS_REQUIRED), for what the
snippets cannot show: the forced tool choice as the service receives it, on the emulator's record. Exits non-zero
if anything failed. Standard library only, like localfn.readme_examples, whose run-local helpers it shares.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from localfn.ports import free_instance_port
from localfn.readme_examples import (
    README_BASE_URL,
    REPO_ROOT,
    SETUP_TIMEOUT_SECONDS,
    ExampleError,
    start_run_local,
    stop,
    wait_for_gateway,
)

PAGE = REPO_ROOT / "docs" / "frameworks.md"
REQUIREMENTS = "requirements-frameworks.txt"
VENV = ".venv-frameworks"
PYTHON = REPO_ROOT / VENV / "bin" / "python"
FORCED_TESTS = "tests/integration/test_forced_tool_choice.py"
JS_DIR = REPO_ROOT / "tests" / "frameworks" / "js"
"""package.json (exact versions) and its lockfile, without registry URLs (.npmrc)."""
SNIPPET = re.compile(r"^<!-- snippet: ([\w-]+) -->\n```(python|js)\n(.*?)^```", re.M | re.S)
"""A fenced block right after its marker comment (invisible on the rendered page): name, language, code."""
SNIPPET_TIMEOUT_SECONDS = 300.0
"""Per snippet: importing a framework takes seconds, far longer on a loaded CI machine."""


@dataclass(frozen=True)
class Snippet:
    name: str
    language: str
    code: str

    def for_url(self, base_url: str) -> str:
        """The code pointed at `base_url` instead of run-local's default gateway."""
        return self.code.replace(README_BASE_URL, base_url)


def snippets() -> list[Snippet]:
    """Every marked snippet of docs/frameworks.md, in page order."""
    return [Snippet(*found) for found in SNIPPET.findall(PAGE.read_text(encoding="utf-8"))]


def install() -> None:
    """What the snippets import: the Python frameworks into .venv-frameworks (scripts/_venv.sh: one stamp per
    requirements file, a lock against a concurrent set-up) and the npm packages exactly as locked, likewise once per
    lockfile and under a lock (`npm ci` empties node_modules first)."""
    subprocess.run(
        ["bash", "-c", f'source scripts/_venv.sh && ensure_venv "{REQUIREMENTS}" "{VENV}"'], cwd=REPO_ROOT, check=True
    )
    digest = hashlib.sha256((JS_DIR / "package-lock.json").read_bytes()).hexdigest()
    stamp = JS_DIR / "node_modules" / ".installed.sha256"
    with open(JS_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.is_file() or stamp.read_text() != digest:
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS_DIR, check=True)
            stamp.write_text(digest)


def run(snippet: Snippet, base_url: str, folder: Path) -> str | None:
    """Run one snippet against `base_url`, written into `folder`: None when it exits 0, else why it failed."""
    if snippet.language == "python":
        path = folder / f"snippet_{snippet.name.replace('-', '_')}.py"  # never shadows a module it imports
        command = [str(PYTHON), str(path)]
    else:
        path = folder / f"{snippet.name}.mjs"
        command = ["node", str(path)]
    path.write_text(snippet.for_url(base_url), encoding="utf-8")
    try:
        done = subprocess.run(
            command, cwd=path.parent, capture_output=True, text=True, timeout=SNIPPET_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return f"no answer within {SNIPPET_TIMEOUT_SECONDS:.0f} s"
    if done.returncode == 0:
        return None
    tail = (done.stderr or done.stdout).splitlines()[-15:]
    return f"exit {done.returncode}:\n" + "\n".join("    " + line for line in tail)


def run_all(base_url: str, chosen: list[Snippet], workers: int = 2) -> dict[str, str | None]:
    """Every chosen snippet, two at a time (most of a snippet's time is its imports); name -> failure or None.
    The snippets are written into a folder of this run's own under JS_DIR (node looks for packages upwards)."""
    with tempfile.TemporaryDirectory(dir=JS_DIR, prefix=".snippets-") as folder, ThreadPoolExecutor(workers) as pool:
        outcomes = pool.map(lambda snippet: run(snippet, base_url, Path(folder)), chosen)
        return {snippet.name: outcome for snippet, outcome in zip(chosen, outcomes, strict=True)}


def forced_tests() -> bool:
    """FORCED_TESTS with the frameworks' interpreter, one process (no pytest-xdist there: addopts emptied), a
    framework that does not import failing instead of skipping; True when they passed (pytest's output shown)."""
    command = [str(PYTHON), "-m", "pytest", "-o", "addopts=-ra", "-p", "no:cacheprovider", "-q", FORCED_TESTS]
    done = subprocess.run(command, cwd=REPO_ROOT, env={**os.environ, "FRAMEWORKS_REQUIRED": "1"}, check=False)
    return done.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m localfn.doc_snippets", description=__doc__)
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="gateway port (default: a free one from 28090, localfn.ports.free_instance_port)",
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run these snippets only (and not FORCED_TESTS)")
    parser.add_argument("--no-install", action="store_true", help="use .venv-frameworks and node_modules as they are")
    args = parser.parse_args(argv)

    found = snippets()
    unknown = set(args.only or []) - {snippet.name for snippet in found}
    if unknown:
        print(f"no such snippet in {PAGE.name}: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 1
    chosen = [snippet for snippet in found if not args.only or snippet.name in args.only]
    started = time.monotonic()
    if not args.no_install:
        install()
        print(f"installed the frameworks in {time.monotonic() - started:.0f} s")
    port = args.port if args.port is not None else free_instance_port()
    if port is None:
        print("no free ports from 28090 on: pass --port", file=sys.stderr)
        return 1
    process = start_run_local(port)
    failures: list[str] = []
    passed = 0
    try:
        url = wait_for_gateway(process, SETUP_TIMEOUT_SECONDS, echo=False)
        ran = time.monotonic()
        for name, failure in run_all(url, chosen).items():
            print(f"{'FAILED' if failure else 'passed'} {name}" + (f": {failure}" if failure else ""))
            if failure:
                failures.append(name)
            else:
                passed += 1
        print(f"ran {len(chosen)} snippets in {time.monotonic() - ran:.0f} s")
    except ExampleError as exc:
        failures.append(str(exc))
        print(f"FAILED: {exc}", file=sys.stderr)
    finally:
        try:
            code = stop(process)
            if code != 0:
                failures.append(f"run-local exited with {code} on SIGTERM (expected 0)")
        except ExampleError as exc:
            failures.append(str(exc))
    if not args.only:
        tested = time.monotonic()
        if not forced_tests():
            failures.append(FORCED_TESTS)
        print(f"ran {FORCED_TESTS} in {time.monotonic() - tested:.0f} s")
    print(f"{PAGE.name}: {passed} of {len(chosen)} snippets passed ({time.monotonic() - started:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
