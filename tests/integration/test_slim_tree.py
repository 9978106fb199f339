"""The pruned dependency tree alone serves requests: the real fdk, PYTHONPATH = the function + the tree, nothing else.

Builds the tree once per session with scripts/build-deps (or uses $SLIM_TREE, so CI builds it once). The function
runs under python -S (no site-packages at all) through scripts/slim_probe.py, which serves func.handler unchanged
and reports what the process loaded, so the test proves both that requests work and where every module came from.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import Emulator
from localfn.client import FnClient
from localfn.fdk_process import FdkProcess
from scripts import slim_allowlist
from scripts.slim_tree import KEPT_SCRIPTS, REPO_ROOT, Allowlist, isolated_fdk_command, stage_function
from tests.conftest import COHERE_MODEL, LLAMA_MODEL, function_config


@pytest.fixture(scope="session")
def slim_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("SLIM_TREE"):
        return Path(os.environ["SLIM_TREE"]).resolve()
    tree = tmp_path_factory.mktemp("slim") / "python"
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "build-deps"), str(tree)], check=True, stdout=subprocess.DEVNULL
    )
    return tree


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
    assert sent == ["COHERE", "GENERIC"]
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
    unexpected = {name for name in entries - allowlist.keep - {"bin", "__pycache__"} if not name.endswith(".dist-info")}

    assert unexpected == set()
    assert {script.name for script in (slim_tree / "bin").iterdir()} == set(KEPT_SCRIPTS)
    assert {sub.name for sub in (slim_tree / "oci").iterdir() if sub.is_dir()} - {"__pycache__"} == allowlist.keep_oci
    assert (slim_tree / "oci" / "generative_ai_inference" / "__pycache__").is_dir()
