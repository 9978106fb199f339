"""Perform ./Dockerfile's steps on this machine, without Docker, into one directory per stage.

Each stage gets a root directory that stands for `/`. COPY honours .dockerignore and Docker's copy rules (a
directory's contents land in the destination), WORKDIR and ENV are tracked, and RUN executes its `&&`-joined
commands with every absolute path moved under the stage root and `python3` replaced by this interpreter (same
version as the image's). Each RUN's result is cached by everything before it in its stage (instructions and the
content each COPY brought in), as Docker's layer cache does, so only a change to what the step sees rebuilds it.
A RUN this module cannot perform faithfully (a shell construct other than `&&`) raises: the test then has to learn
the new step rather than skip it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from scripts.build_cache import build_once
from scripts.slim_tree import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"
CACHE_DIR = Path(tempfile.gettempdir()) / "oci-genai-fn-image-steps"
"""RUN results, keyed by what the step sees; safe to delete at any time."""


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    flags: dict[str, str]


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[Instruction] = field(default_factory=list)


@dataclass
class Built:
    """A stage performed: its root (standing for `/`), working directory, environment and entrypoint."""

    root: Path
    workdir: PurePosixPath
    env: dict[str, str]
    entrypoint: list[str]
    chain: str = ""
    """Identifies the stage's content (see _Performing.chain)."""

    def host(self, container_path: str | PurePosixPath) -> Path:
        """The host path for an absolute path inside the image."""
        return self.root / PurePosixPath(container_path).relative_to("/")


@dataclass
class _Performing:
    """A stage being performed. Like Docker, it is a cached layer plus writes not yet made: COPY and WORKDIR are
    recorded, and made only when a RUN misses the cache (or the stage ends), so a fully cached stage copies nothing.
    `chain` hashes every instruction so far and the content each COPY brought in: the next RUN's cache key."""

    own: Path
    workdir: PurePosixPath = PurePosixPath("/")
    env: dict[str, str] = field(default_factory=dict)
    entrypoint: list[str] = field(default_factory=list)
    layer: Path | None = None
    pending: list[Callable[[Path], None]] = field(default_factory=list)
    chain: str = ""

    def record(self, *facts: str) -> None:
        self.chain = hashlib.sha256("\0".join((self.chain, *facts)).encode()).hexdigest()

    def materialise(self) -> Path:
        """Make `own` the stage's whole file system: the cached layer's copy, then the recorded writes."""
        if self.layer is not None:
            shutil.rmtree(self.own)
            shutil.copytree(self.layer, self.own, symlinks=True)
            self.layer = None
        for write in self.pending:
            write(self.own)
        self.pending.clear()
        return self.own

    def done(self) -> Built:
        root = self.layer if self.layer is not None and not self.pending else self.materialise()
        return Built(root, self.workdir, self.env, self.entrypoint, self.chain)


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """(ARG defaults before the first FROM, stages in order). Comments and line continuations as Docker reads them."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):  # a comment inside a continued instruction
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        flags: dict[str, str] = {}
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            name, _, value = flag[2:].partition("=")
            flags[name] = value
        if keyword == "FROM":
            base, *alias = re.split(r"\s+as\s+", rest.strip(), flags=re.IGNORECASE)
            stages.append(Stage(alias[0] if alias else str(len(stages)), _expand(base, args)))
        elif keyword == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name.strip()] = default.strip()
        elif stages:
            stages[-1].instructions.append(Instruction(keyword, rest.strip(), flags))
        else:
            raise ValueError(f"{keyword} before FROM")
    return args, stages


def _expand(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), ""), value)


def parse_env(args: str) -> dict[str, str]:
    """`ENV A=1 B=2` (the key=value form; the legacy `ENV A 1` form is refused)."""
    pairs = shlex.split(args)
    if not all("=" in pair for pair in pairs):
        raise ValueError(f"ENV {args!r}: use the KEY=value form")
    return dict(pair.split("=", 1) for pair in pairs)


def parse_entrypoint(args: str) -> list[str]:
    """The exec (JSON) form only: the shell form would run under /bin/sh -c and not receive Fn's signals."""
    value = json.loads(args)
    if not (isinstance(value, list) and all(isinstance(part, str) for part in value)):
        raise ValueError(f"ENTRYPOINT {args!r} is not the exec form")
    return value


class DockerIgnore:
    """.dockerignore as Docker reads it: patterns match whole path segments from the context root (`*` never
    crosses a `/`, `**` spans any number of segments), and excluding a directory excludes what it holds."""

    def __init__(self, text: str) -> None:
        self.patterns = [line.strip().strip("/") for line in text.splitlines() if line.strip() and line[0] != "#"]
        if any(pattern.startswith("!") for pattern in self.patterns):
            raise ValueError(".dockerignore exceptions (!) are not handled here")

    def ignores(self, relative: str) -> bool:
        parts = relative.split("/")
        return any(_match(pattern.split("/"), parts[: i + 1]) for pattern in self.patterns for i in range(len(parts)))


def _match(pattern: list[str], parts: list[str]) -> bool:
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_match(pattern[1:], parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatchcase(parts[0], pattern[0]) and _match(pattern[1:], parts[1:])


def build(text: str | None = None, context: Path = REPO_ROOT, work: Path | None = None) -> dict[str, Built]:
    """Perform every stage of `text` (default: ./Dockerfile) with `context` as the build context; returns the stages
    by name, in order (the last one is what `docker run` starts). A stage may be a read-only cached layer."""
    args, stages = parse(DOCKERFILE.read_text() if text is None else text)
    ignore = DockerIgnore((context / ".dockerignore").read_text())
    work = work or Path(tempfile.mkdtemp(prefix="image-"))
    built: dict[str, Built] = {}
    for stage in stages:
        current = _Performing(work / stage.name)
        current.own.mkdir(parents=True)
        current.record(sys.version, stage.base)
        for step in stage.instructions:
            _perform(step, current, context, ignore, built)
        built[stage.name] = current.done()
    return built


def _perform(
    step: Instruction, stage: _Performing, context: Path, ignore: DockerIgnore, built: dict[str, Built]
) -> None:
    if step.keyword != "COPY":  # COPY records the content it brings in, below
        stage.record(step.keyword, step.args)
    if step.keyword == "WORKDIR":
        stage.workdir = stage.workdir / step.args
        workdir = stage.workdir
        stage.pending.append(lambda root: _under(root, workdir).mkdir(parents=True, exist_ok=True))
    elif step.keyword == "ENV":
        stage.env.update(parse_env(step.args))
    elif step.keyword == "ENTRYPOINT":
        stage.entrypoint = parse_entrypoint(step.args)
    elif step.keyword == "COPY":
        *sources, dest = shlex.split(step.args)
        into_dir = dest.endswith("/") or len(sources) > 1
        target = stage.workdir / dest
        if "from" in step.flags:
            origin = built[step.flags["from"]]
            for source in sources:
                files = _listing(origin.host(source), None, "")
                stage.pending.append(lambda root, f=files: _copy(f, _under(root, target), into_dir))
            stage.record("COPY", step.args, origin.chain)
        else:
            for source in sources:
                files = _listing(context / source, ignore, source)
                stage.pending.append(lambda root, f=files: _copy(f, _under(root, target), into_dir))
                stage.record("COPY", source, _digest(files))
            stage.record(step.args)
    elif step.keyword == "RUN":
        _run_cached(step.args, stage)
    elif step.keyword not in ("USER", "EXPOSE"):  # these two describe the running container, not its files
        raise ValueError(f"{step.keyword} is not performed by tests/deploy/dockerfile.py; teach it the step")


def _under(root: Path, container_path: PurePosixPath) -> Path:
    return root / container_path.relative_to("/")


def _listing(source: Path, ignore: DockerIgnore | None, relative: str) -> tuple[Path, list[tuple[str, Path]]]:
    """(source, [(path relative to the copy's destination, file)]) for one COPY source, .dockerignore applied."""
    if ignore is not None and ignore.ignores(relative.strip("/")):
        raise ValueError(f"COPY {relative}: excluded by .dockerignore, so Docker would fail")
    if not source.is_dir():
        return source, [("", source)]
    files = []
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source).as_posix()
        if path.is_file() and not (ignore is not None and ignore.ignores(f"{relative.rstrip('/')}/{rel}")):
            files.append((rel, path))
    return source, files


def _copy(listing: tuple[Path, list[tuple[str, Path]]], target: Path, into_dir: bool) -> None:
    """Docker's rules: a directory's contents land in the target; a file lands in it when it is a directory."""
    source, files = listing
    for rel, path in files:
        dest = target / rel if rel else (target / source.name if into_dir else target)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)


def _run_cached(command: str, stage: _Performing) -> None:
    cached = CACHE_DIR / stage.chain[:20]
    if cached.is_dir():  # the recorded writes are part of the cached result
        stage.layer, stage.pending = cached, []
        return
    root = stage.materialise()
    _run(command, root, stage)
    # atomic: a concurrent run either sees the whole layer or builds its own
    build_once(cached, lambda into: shutil.copytree(root, into, symlinks=True, dirs_exist_ok=True))


def _run(command: str, root: Path, stage: _Performing) -> None:
    if re.search(r"[;|<>`$]|\|\||(?<!&)&(?!&)", command):
        raise ValueError(f"RUN {command!r}: only `&&`-joined commands are performed here")
    for part in command.split("&&"):
        argv = [str(_under(root, PurePosixPath(w))) if w.startswith("/") else w for w in shlex.split(part)]
        argv = [sys.executable if word == "python3" else word for word in argv]
        env = {**os.environ, **stage.env}
        subprocess.run(argv, cwd=_under(root, stage.workdir), env=env, check=True, stdout=subprocess.DEVNULL)


def _digest(listing: tuple[Path, list[tuple[str, Path]]]) -> str:
    """Names, modes and contents of what one COPY brings in."""
    digest = hashlib.sha256()
    for rel, path in listing[1]:
        digest.update(f"{rel}\0{path.stat().st_mode}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
