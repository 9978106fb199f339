"""The image Fn builds (./Dockerfile: the Fn CLI builds it whenever it exists), proven without Docker: its steps are
performed on this machine (tests/deploy/dockerfile.py: the same scripts/build-deps, the same COPY list, the same
ENV and ENTRYPOINT), and the final stage's layout alone serves requests under the real fdk on a unix socket, run by
a bare interpreter (python -S: no site-packages) with the image's environment and nothing inherited.

The real image (docker build, then docker run as Fn runs it) is tested at the end when a Docker engine and the
locally made base image exist (see benchmarks/image.py); CI has neither, so that test is skipped there.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest

from emulator import Emulator
from localfn.client import FnClient
from localfn.fdk_process import FdkProcess
from scripts.slim_tree import REPO_ROOT, base_python
from tests.conftest import function_config
from tests.constants import LLAMA_MODEL
from tests.deploy import dockerfile
from tests.deploy.dockerfile import Built

FN_PYTHON_ENTRYPOINT = ["/python/bin/fdk", "/function/func.py", "handler"]
"""What Fn's own Python images run (fnproject/cli langs/python.go `Entrypoint()`); fdk's handle() insists on it."""
FN_PLATFORM_ENV = ("FN_FORMAT", "FN_LISTENER", "FN_APP_ID", "FN_FN_ID", "FN_APP_NAME", "FN_FN_NAME")
"""Set by Fn at `docker run` (localfn.fdk_process adds them), never by the image."""


def final_stage(stages: dict[str, Built]) -> Built:
    return list(stages.values())[-1]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return final_stage(dockerfile.build(work=tmp_path_factory.mktemp("image")))


def start(image: Built, env: dict[str, str]) -> FdkProcess:
    """`docker run` of the layout: ENTRYPOINT (its paths under the layout's root) under python -S, in WORKDIR, with
    the image's ENV (paths likewise) plus what Fn and the function's config add, and nothing from this process."""
    interpreter, *entrypoint = [_host_path(image, word) for word in image.entrypoint]
    image_env = {
        key: ":".join(_host_path(image, part) for part in value.split(":")) for key, value in image.env.items()
    }
    process = FdkProcess(
        {**image_env, **env},
        func_dir=image.host(image.workdir),
        pythonpath=image_env.get("PYTHONPATH", ""),
        inherit_env=False,
        command=[base_python(), "-S", interpreter, *entrypoint],
    )
    try:
        return process.start()
    except Exception:
        process.stop()  # closes its log file too
        raise


def _host_path(image: Built, word: str) -> str:
    return str(image.host(word)) if word.startswith("/") else word


@pytest.fixture(scope="module")
def served(image: Built, emulator: Emulator, rp_env: dict[str, str]) -> Iterator[FnClient]:
    process = start(image, {**rp_env, **function_config(emulator)})
    client = FnClient(process.socket_path)
    yield client
    client.close()
    process.stop()


def test_entrypoint_env_and_base_are_what_fn_runs(image: Built) -> None:
    _, stages = dockerfile.parse(dockerfile.DOCKERFILE.read_text())

    assert image.entrypoint == FN_PYTHON_ENTRYPOINT
    assert image.workdir == PurePosixPath("/function")
    assert image.env == {"PYTHONPATH": "/function:/python", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
    assert not set(image.env) & set(FN_PLATFORM_ENV)
    assert len({stage.base for stage in stages}) == 1  # bin/fdk's shebang and the bytecode need the build's Python
    assert [step.keyword for step in stages[-1].instructions].count("RUN") == 0  # a RUN here duplicates /python


def test_layout_holds_the_function_and_the_tree_only(image: Built) -> None:
    function = image.host("/function")
    shipped = {path.name for path in function.iterdir()}

    assert shipped == {"func.py", "genai_fn", "__pycache__"}
    assert (function / "genai_fn" / "__pycache__").is_dir()  # precompiled: /function is read-only in Functions
    assert (image.host("/python/bin/fdk")).is_file()
    assert (image.host("/python/oci/generative_ai_inference")).is_dir()
    assert not (image.host("/python/oci/core")).exists()  # pruned by scripts/build-deps
    assert all(path.stat().st_mode & 0o004 for path in image.host("/python").rglob("*.py"))  # any user reads it


def test_layout_serves_both_families_and_the_gateway(served: FnClient, emulator: Emulator) -> None:
    emulator.reset()
    plain = served.invoke(json.dumps({"input": "What is the capital of France?"}))
    gateway = served.invoke(
        json.dumps({"model": LLAMA_MODEL, "messages": [{"role": "user", "content": "Hi"}]}),
        gateway=True,
        url="/genai/v1/chat/completions",
        headers={"Content-Type": "application/json"},
    )
    big = served.invoke(json.dumps({"input": "x" * 100_000}))

    assert plain.status == 200, plain.body
    assert plain.body.decode() == "Emulated reply to: What is the capital of France?"
    assert gateway.status == 200, gateway.body
    assert json.loads(gateway.body)["choices"][0]["message"]["content"] == "Emulated reply to: Hi"
    assert big.status == 200, big.body[:200]
    sent = [request.json["chatRequest"]["apiFormat"] for request in emulator.requests]
    assert sent == ["COHEREV2", "GENERIC", "COHEREV2"]  # Command A is sent as V2 (docs/models.md)
    emulator.reset()


MUTATIONS = {
    "genai_fn not copied": ("COPY genai_fn ./genai_fn\n", ""),
    "func.py not copied": ("COPY func.py ./\n", ""),
    "/python left off PYTHONPATH": ("PYTHONPATH=/function:/python", "PYTHONPATH=/function"),
    "entrypoint names another file": ('"/function/func.py"', '"/function/main.py"'),
}
"""Dockerfile edits that would ship a broken image: the layout built from each must fail to serve."""


@pytest.mark.parametrize("mutation", MUTATIONS, ids=list(MUTATIONS))
def test_a_broken_dockerfile_does_not_serve(
    mutation: str, tmp_path: Path, emulator: Emulator, rp_env: dict[str, str]
) -> None:
    old, new = MUTATIONS[mutation]
    text = dockerfile.DOCKERFILE.read_text()
    assert old in text, f"the mutation no longer applies to the Dockerfile: {old!r}"
    broken = final_stage(dockerfile.build(text.replace(old, new), work=tmp_path))

    try:
        process = start(broken, {**rp_env, **function_config(emulator)})
    except RuntimeError as exc:  # fdk exited before listening: the import failed
        assert "fdk exited" in str(exc)
        return
    client = FnClient(process.socket_path)
    try:
        reply = client.invoke(json.dumps({"input": "hello"}))
    finally:
        client.close()
        process.stop()
    assert reply.status != 200, reply.body


def docker_ready() -> str | None:
    """Why the real image cannot be built here, or None when it can."""
    from benchmarks import image as real_image

    if not os.environ.get("DOCKER_HOST") or shutil.which("docker") is None:
        return "no Docker engine (set DOCKER_HOST; see benchmarks/image.py for a private daemon)"
    if not real_image.base_image_exists():
        return f"base image {real_image.BASE_IMAGE} absent (make it with `python benchmarks/image.py base`)"
    return None


def test_real_image_serves_as_fn_runs_it(tmp_path: Path, emulator: Emulator, rp_env: dict[str, str]) -> None:
    """docker build of ./Dockerfile, then docker run as Functions runs it: user 1000, read-only root, 128 MB."""
    reason = docker_ready()
    if reason:
        pytest.skip(reason)
    from benchmarks import image as real_image

    tag = real_image.build_image(REPO_ROOT, tag="oci-genai-fn-test:latest")
    with real_image.FnContainer(tag, tmp_path, {**rp_env, **function_config(emulator)}) as container:
        replies = [container.client.invoke(json.dumps({"input": "x" * 100_000})) for _ in range(5)]
        oom_killed = container.oom_killed()

    assert [reply.status for reply in replies] == [200] * 5
    assert all(reply.body.startswith(b"Emulated reply to: xxx") for reply in replies)
    assert not oom_killed
