"""The pruned dependency tree alone serves requests: the real fdk, PYTHONPATH = the function + the tree, nothing else.

The tree is the image's /python, made by performing the Dockerfile's steps (tests/deploy/dockerfile.py: the same
scripts/build-deps; its result is cached by its inputs). The function runs under python -S (no site-packages at
all) through scripts/slim_probe.py, which serves func.handler unchanged and reports what the process loaded, so the
test proves both that requests work and where every module came from. The same allow-list must also keep every
compiled extension on aarch64 (ARM shapes): proven on a tree of aarch64 wheels, pruned by the same script.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import Emulator
from localfn.client import FnClient
from localfn.fdk_process import FdkProcess
from scripts import slim_allowlist
from scripts.build_cache import PARTIAL_SUFFIX, build_once
from scripts.slim_tree import (
    ALLOWLIST_FILE,
    KEPT_SCRIPTS,
    REPO_ROOT,
    Allowlist,
    isolated_fdk_command,
    portable_name,
    stage_function,
)
from tests.conftest import function_config
from tests.constants import COHERE_MODEL, LLAMA_MODEL

AARCH64 = "manylinux2014_aarch64"
"""The wheels an ARM shape (GENERIC_ARM, or the ARM half of GENERIC_X86_ARM) installs; the Fn CLI builds for it with
`--platform linux/arm64`."""
WHEEL_CACHE = Path(tempfile.gettempdir()) / "oci-genai-fn-wheels"
"""Downloaded aarch64 wheels (one directory per requirements.txt: the registry is asked once per machine) and the
trees built from them; shared by every run on the machine, each entry written atomically (scripts/build_cache.py)."""


@pytest.fixture(scope="session")
def slim_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image's /python (x86_64 here)."""
    from tests.deploy import dockerfile

    stages = dockerfile.build(work=tmp_path_factory.mktemp("image"))
    return list(stages.values())[-1].host("/python")


def aarch64_wheels() -> Path:
    requirements = REPO_ROOT / "requirements.txt"
    major, minor = sys.version_info[:2]  # the interpreter build-deps installs for (scripts/build-deps)
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    platform = ["--platform", AARCH64, "--implementation", "cp", f"--python-version={major}.{minor}"]
    platform.append(f"--abi=cp{major}{minor}")
    download = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", *platform]

    def fetch(into: Path) -> None:
        subprocess.run([*download, "--dest", str(into), "-r", str(requirements)], check=True)

    return build_once(WHEEL_CACHE / f"{AARCH64}-cp{major}{minor}-{digest}", fetch)


@pytest.fixture(scope="session")
def aarch64_tree() -> Path:
    """scripts/build-deps on aarch64 wheels (installed, never run: this machine cannot load them), pruned as ever;
    cached by everything the step reads."""
    scripts = REPO_ROOT / "scripts"
    inputs = (REPO_ROOT / "requirements.txt", ALLOWLIST_FILE, scripts / "build-deps", scripts / "slim_tree.py")
    key = hashlib.sha256(b"".join(path.read_bytes() for path in inputs)).hexdigest()[:12]

    def build(into: Path) -> None:
        build_deps = [sys.executable, str(scripts / "build-deps"), str(into), "--no-compile"]
        foreign = ["--platform", AARCH64, "--find-links", str(aarch64_wheels())]
        subprocess.run([*build_deps, *foreign], check=True, stdout=subprocess.DEVNULL)

    return build_once(WHEEL_CACHE / f"tree-{AARCH64}-{key}", build)


@pytest.fixture(scope="session")
def function_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stage_function(tmp_path_factory.mktemp("function"), extra=(slim_allowlist.PROBE,))


def start_slim(tree: Path, function_dir: Path, env: dict[str, str]) -> tuple[FdkProcess, FnClient]:
    process = FdkProcess(
        env,
        func_dir=function_dir,
        pythonpath=f"{function_dir}:{tree}",
        inherit_env=False,
        command=isolated_fdk_command(tree, function_dir / slim_allowlist.PROBE.name),
    ).start()
    return process, FnClient(process.socket_path)


@pytest.fixture(scope="module")
def slim_fn(slim_tree: Path, function_dir: Path, emulator: Emulator, rp_env: dict[str, str]) -> Iterator[FnClient]:
    process, client = start_slim(slim_tree, function_dir, {**rp_env, **function_config(emulator)})
    yield client
    client.close()
    process.stop()


def test_serves_cohere_and_llama(slim_fn: FnClient, emulator: Emulator) -> None:
    emulator.reset()
    cohere = slim_fn.invoke(json.dumps({"input": "What is the capital of France?"}))
    llama = slim_fn.invoke(
        json.dumps({"input": "Hello", "model": LLAMA_MODEL}),
        gateway=True,
        url="/chat",
        headers={"Accept": "application/json"},
    )

    assert cohere.status == 200, cohere.body
    assert cohere.body.decode() == "Emulated reply to: What is the capital of France?"
    assert llama.status == 200, llama.body
    assert json.loads(llama.body)["text"] == "Emulated reply to: Hello"
    sent = [request.json["chatRequest"]["apiFormat"] for request in emulator.requests]
    assert sent == ["COHEREV2", "GENERIC"]  # Command A is sent as V2 (docs/models.md)
    assert emulator.requests[0].json["servingMode"]["modelId"] == COHERE_MODEL
    assert all(request.principal for request in emulator.requests)


def test_process_sees_only_the_tree_and_the_function(slim_fn: FnClient, slim_tree: Path, function_dir: Path) -> None:
    report = json.loads(slim_fn.invoke(b"", headers={"X-Slim-Probe": "report"}).body)

    assert report["no_site"] is True
    assert report["foreign_importable"] == []  # pytest, Cython, emulator... are installed here but unreachable
    stdlib = Path(sys.base_prefix).resolve()
    outside = [
        f"{name}: {path}"
        for name, path in report["modules"].items()
        if not Path(path).resolve().is_relative_to(slim_tree)
        and not Path(path).resolve().is_relative_to(function_dir.resolve())
        and (not Path(path).resolve().is_relative_to(stdlib) or "site-packages" in Path(path).parts)
    ]
    assert outside == []


def test_every_path_works_and_every_kept_entry_is_used(
    slim_tree: Path, function_dir: Path, emulator: Emulator, rp_env: dict[str, str], credentials_dir: Path
) -> None:
    """The allow-list derivation's own drive (429, 401, embed, refresh...), over HTTP and TLS, on the slim tree:
    it must pass, and re-deriving from what loaded must give the checked-in list (nothing kept that is unused)."""
    modules: dict[str, str] = {}
    with Emulator(credentials_dir, tls=True) as tls_emulator:
        for upstream, extra in ((emulator, {}), (tls_emulator, {"REQUESTS_CA_BUNDLE": str(tls_emulator.ca_bundle)})):
            upstream.reset()
            process, client = start_slim(slim_tree, function_dir, {**rp_env, **function_config(upstream), **extra})
            try:
                modules.update(slim_allowlist.drive(client, upstream)["modules"])
            finally:
                client.close()
                process.stop()
    emulator.reset()
    derived = slim_allowlist.allowlist_from(modules, slim_tree)
    checked_in = Allowlist.load()

    assert set(derived["keep"]) == checked_in.keep
    assert set(derived["keep_oci"]) == checked_in.keep_oci


def test_tree_holds_only_the_allowlist_and_bytecode(slim_tree: Path) -> None:
    allowlist = Allowlist.load()
    entries = {entry.name for entry in slim_tree.iterdir()}
    ours = {"bin", "__pycache__"}
    unexpected = {name for name in entries - ours if not allowlist.keeps(name) and not name.endswith(".dist-info")}

    assert unexpected == set()
    assert {script.name for script in (slim_tree / "bin").iterdir()} == set(KEPT_SCRIPTS)
    assert {sub.name for sub in (slim_tree / "oci").iterdir() if sub.is_dir()} - {"__pycache__"} == allowlist.keep_oci
    assert (slim_tree / "oci" / "generative_ai_inference" / "__pycache__").is_dir()


def extensions(tree: Path) -> set[str]:
    """Every compiled extension module under `tree`, by its machine-independent path."""
    return {portable_name(path.relative_to(tree).as_posix()) for path in tree.rglob("*.so")}


def test_allowlist_names_no_machine() -> None:
    keep = json.loads(ALLOWLIST_FILE.read_text())["keep"]
    tied = [name for name in keep if portable_name(name) != name]

    assert tied == []
    assert not [name for name in keep if "x86_64" in name or "aarch64" in name]


def test_aarch64_tree_keeps_every_extension_the_x86_64_tree_keeps(slim_tree: Path, aarch64_tree: Path) -> None:
    """Derived on x86_64, the list must keep the same modules from aarch64 wheels: `import oci` on an ARM shape
    needs `_cffi_backend.cpython-311-aarch64-linux-gnu.so`, which an x86_64 file name would have pruned."""
    x86_64, aarch64 = extensions(slim_tree), extensions(aarch64_tree)
    top = {portable_name(entry.name) for entry in slim_tree.iterdir()} - {"__pycache__"}

    assert any(path.name.endswith("-aarch64-linux-gnu.so") for path in aarch64_tree.rglob("*.so"))  # really ARM
    assert x86_64 - aarch64 == set()
    assert aarch64 - x86_64 == set()  # nothing kept on ARM only: the list was derived from what x86_64 loads
    assert "_cffi_backend.cpython-*-*-linux-gnu.so" in aarch64
    assert "cryptography/hazmat/bindings/_rust.abi3.so" in aarch64
    assert {portable_name(entry.name) for entry in aarch64_tree.iterdir()} == top


@pytest.mark.parametrize("which", ["x86_64", "aarch64"])
def test_kept_distributions_keep_their_bundled_libraries(which: str, slim_tree: Path, aarch64_tree: Path) -> None:
    """manylinux wheels may bundle shared libraries in a top-level `<dist>.libs` directory, and which ones can differ
    per machine; an extension whose library was pruned fails to load on that machine only."""
    tree = slim_tree if which == "x86_64" else aarch64_tree
    missing = set()
    for record in tree.glob("*.dist-info/RECORD"):
        for line in record.read_text().splitlines():
            top = line.split(",", 1)[0].split("/", 1)[0]
            if top.endswith(".libs") and not (tree / top).is_dir():
                missing.add(f"{record.parent.name}: {top}")

    assert missing == set()


BUILDERS = 2


def _build_together(target: Path, arrivals: Path, name: str) -> None:
    """One run's build of a shared cache entry; it finishes only once every builder has started, so the builds
    overlap for certain (the case that once failed with "Directory not empty")."""

    def build(into: Path) -> None:
        (into / "result.txt").write_text(f"built by {name}\n")
        (arrivals / name).touch()
        deadline = time.monotonic() + 60
        while len(list(arrivals.iterdir())) < BUILDERS and time.monotonic() < deadline:
            time.sleep(0.01)

    build_once(target, build)


def test_two_runs_building_one_cache_entry_at_once_both_succeed(tmp_path: Path) -> None:
    target, arrivals = tmp_path / "cache" / "entry", tmp_path / "arrivals"
    arrivals.mkdir()
    context = multiprocessing.get_context("spawn")
    runs = [context.Process(target=_build_together, args=(target, arrivals, f"run-{i}")) for i in range(BUILDERS)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(120)

    assert [run.exitcode for run in runs] == [0] * BUILDERS
    assert len(list(arrivals.iterdir())) == BUILDERS, "the builds did not overlap"
    assert (target / "result.txt").read_text() in {f"built by run-{i}\n" for i in range(BUILDERS)}
    assert [path.name for path in target.parent.iterdir()] == ["entry"]  # no partial build left behind
    assert not list(target.parent.glob(f"*{PARTIAL_SUFFIX}"))
