"""The streaming edge's image (Dockerfile.streaming), proven without Docker as tests/deploy/test_image.py proves the
function's: its steps are performed on this machine (tests/deploy/dockerfile.py), and the final stage's layout
alone, run by a bare interpreter (python -S: no site-packages) with the image's environment and nothing inherited,
streams a reply against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator import Emulator
from localfn.edge_process import EdgeProcess, any_free_port
from scripts.slim_tree import REPO_ROOT, base_python
from tests.conftest import function_config
from tests.deploy import dockerfile
from tests.deploy.dockerfile import Built
from tests.edges.conftest import Edge

SERVE = ["python3", "-m", "genai_fn.edges.serve", "--host", "0.0.0.0", "--port", "8080"]
"""The image's ENTRYPOINT: the test runs the same module on a loopback port of its own."""


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Built:
    text = (REPO_ROOT / "Dockerfile.streaming").read_text()
    return list(dockerfile.build(text, work=tmp_path_factory.mktemp("stream-image")).values())[-1]


def test_the_image_holds_the_function_slim_tree_and_the_edge_pins(image: Built) -> None:
    assert image.entrypoint == SERVE
    assert image.workdir == Path("/app")
    packages = {path.name for path in image.host("/python").iterdir()}
    assert {"uvicorn", "h11", "click", "oci", "fdk"} <= packages
    assert not {"starlette", "httpx", "anyio", "pytest", "Cython", "aiohttp"} & packages, "pruned as the function's"
    pins = [line for line in (REPO_ROOT / "requirements-streaming.txt").read_text().splitlines() if "==" in line]
    for pin in pins:
        name, version = pin.split("==")
        assert f"{name}-{version}.dist-info" in packages, f"the image's {name} is not requirements-streaming's"


def test_the_image_alone_streams_a_reply(image: Built, emulator: Emulator, rp_env: dict[str, str], tmp_path) -> None:
    image_env = {
        key: ":".join(str(image.host(part)) if part.startswith("/") else part for part in value.split(":"))
        for key, value in image.env.items()
    }
    env = {**image_env, **rp_env, **function_config(emulator)}
    process = EdgeProcess(
        env,
        any_free_port(),
        tmp_path / "edge.log",
        inherit_env=False,
        interpreter=[base_python(), "-S"],
        cwd=image.host(image.workdir),
    )
    with process:
        edge = Edge("image", process.url, process=process)
        body = {"messages": [{"role": "user", "content": "Tell me a story"}], "stream": True}
        answer = edge.call("POST", "/genai/v1/chat/completions", body)
    assert answer.status == 200 and answer.headers["transfer-encoding"] == "chunked"
    events = [line[6:] for line in answer.body.decode().splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]" and len(events) > 100
    assert json.loads(events[1])["choices"][0]["delta"]["content"] == "Emulated"
