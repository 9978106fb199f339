"""Shared fixtures: a signature-checking emulator and the real fdk serving func.py on a unix socket."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import fdk.log  # noqa: F401 - imported for its side effect (root logger at DEBUG), undone below
import pytest

from emulator import Emulator, mint_resource_principal
from localfn.client import FnClient
from localfn.config import emulated_config
from localfn.fdk_process import FdkProcess
from localfn.gateway import LocalGateway
from tests.constants import MODEL_OCID

# fdk sets the root logger to DEBUG when imported (tests import it in-process); keep pytest's output readable.
logging.getLogger().setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def credentials_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("credentials")


@pytest.fixture(scope="session")
def rp_env(credentials_dir: Path) -> dict[str, str]:
    """A locally minted resource principal (token + session key files), as the Functions platform provides."""
    return mint_resource_principal(credentials_dir)


@pytest.fixture(scope="session")
def emulator(credentials_dir: Path, rp_env: dict[str, str]) -> Iterator[Emulator]:
    with Emulator(credentials_dir) as running:
        yield running


def function_config(emulator: Emulator, **overrides: str | None) -> dict[str, str]:
    """The local rig's function config against this emulator (localfn.config); an override of None removes it."""
    return emulated_config(emulator.url, **overrides)


class RunningFunction:
    """An fdk process plus a kept-alive Fn client and access to its log lines."""

    def __init__(self, process: FdkProcess) -> None:
        self.process = process
        self.client = FnClient(process.socket_path)
        self._log_offset = 0

    def invoke(self, body: bytes | str | dict = b"", **kwargs) -> object:
        if isinstance(body, dict):
            body = json.dumps(body)
        return self.client.invoke(body, **kwargs)

    def new_log(self) -> str:
        """Everything the function wrote to stderr since the last call."""
        text = self.process.stderr()
        new, self._log_offset = text[self._log_offset :], len(text)
        return new

    def request_logs(self) -> list[dict]:
        """The JSON request-log lines written since the last call."""
        lines = []
        for line in self.new_log().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def stop(self) -> None:
        self.client.close()
        self.process.stop()


@pytest.fixture(scope="session")
def start_function(rp_env: dict[str, str]) -> Iterator[Callable[..., RunningFunction]]:
    """Start func.py under the real fdk with the given function config (plus the resource principal env)."""
    running: list[RunningFunction] = []

    def start(config: dict[str, str], *, with_principal: bool = True, **kwargs) -> RunningFunction:
        env = {**rp_env, **config} if with_principal else config
        kwargs.setdefault("inherit_env", False)  # as in Fn: the container's environment is its config, nothing else
        function = RunningFunction(FdkProcess(env, **kwargs).start())
        running.append(function)
        return function

    yield start
    for function in running:
        function.stop()


@pytest.fixture(scope="session")
def fn(start_function: Callable[..., RunningFunction], emulator: Emulator) -> RunningFunction:
    """The function under test, started once for the session (a hot container)."""
    return start_function(function_config(emulator))


@pytest.fixture
def upstream(emulator: Emulator, fn: RunningFunction) -> Iterator[Emulator]:
    """The emulator, cleared of faults and recorded requests; the function's log is read from here on."""
    emulator.reset()
    fn.new_log()
    yield emulator
    emulator.reset()


@pytest.fixture(scope="session")
def gateway(fn: RunningFunction) -> Iterator[LocalGateway]:
    """A local API Gateway in front of the session's function, on a free port."""
    running = LocalGateway([fn.process.socket_path], port=0).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def cohere_v2_url(start_function: Callable[..., RunningFunction], emulator: Emulator) -> Iterator[str]:
    """The OpenAI base URL of a function serving a Cohere model as COHEREV2 (a model OCID with API_FORMAT)."""
    config = function_config(emulator, MODEL_ID=MODEL_OCID, ALLOWED_MODELS=None, API_FORMAT="COHEREV2")
    function = start_function(config)
    running = LocalGateway([function.process.socket_path], port=0).start()
    yield f"{running.url}/genai/v1"
    running.stop()
