"""Shared fixtures: a signature-checking emulator and the real fdk serving func.py on a unix socket."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator, mint_resource_principal
from localfn.client import FnClient
from localfn.config import emulated_config
from localfn.fdk_process import FdkProcess
from localfn.gateway import LocalGateway
from tests.constants import LLAMA_MODEL, MODEL_OCID, V1_PIN, VISION_MODEL


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
        return _request_lines(self.new_log())

    def last_request_log(self) -> dict:
        """The newest request-log line, without moving on what new_log() and request_logs() read."""
        return _request_lines(self.process.stderr())[-1]

    def stop(self) -> None:
        self.client.close()
        self.process.stop()


def _request_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


class FunctionPool:
    """Function processes started under the real fdk, stopped together by `stop` (at the end of the fixture's scope).

    `start` always starts a new process (a test that changes its credentials or measures it needs its own);
    `shared` starts one per distinct configuration and hands the same one to every later caller, with a local
    gateway in front of it on request.
    """

    def __init__(self, rp_env: dict[str, str]) -> None:
        self._rp_env = rp_env
        self._running: list[RunningFunction] = []
        self._shared: dict[str, RunningFunction] = {}
        self._gateways: dict[str, LocalGateway] = {}

    def start(self, config: dict[str, str], *, with_principal: bool = True, **kwargs: Any) -> RunningFunction:
        env = {**self._rp_env, **config} if with_principal else config
        kwargs.setdefault("inherit_env", False)  # as in Fn: the container's environment is its config, nothing else
        function = RunningFunction(FdkProcess(env, **kwargs).start())
        self._running.append(function)
        return function

    def shared(self, config: dict[str, str], *, with_principal: bool = True, **kwargs: Any) -> RunningFunction:
        key = self._key(config, with_principal, kwargs)
        if key not in self._shared:
            self._shared[key] = self.start(config, with_principal=with_principal, **kwargs)
        return self._shared[key]

    def gateway(self, config: dict[str, str], **kwargs: Any) -> LocalGateway:
        """A local API Gateway (on a free port) in front of the shared function for this configuration."""
        key = self._key(config, True, kwargs)
        if key not in self._gateways:
            function = self.shared(config, **kwargs)
            self._gateways[key] = LocalGateway([function.process.socket_path], port=0).start()
        return self._gateways[key]

    @staticmethod
    def _key(config: dict[str, str], with_principal: bool, kwargs: dict[str, Any]) -> str:
        return json.dumps([config, with_principal, kwargs], sort_keys=True, default=str)

    def stop(self) -> None:
        for gateway in self._gateways.values():
            gateway.stop()
        for function in self._running:
            function.stop()
        self._running, self._shared, self._gateways = [], {}, {}


@pytest.fixture(scope="session")
def session_functions(rp_env: dict[str, str]) -> Iterator[FunctionPool]:
    """Functions for configurations that several modules use (the default one, COHEREV2, vision), one each."""
    pool = FunctionPool(rp_env)
    yield pool
    pool.stop()


@pytest.fixture(scope="module")
def module_functions(rp_env: dict[str, str]) -> Iterator[FunctionPool]:
    """Functions for one module's own configurations: stopped when the module's tests are done."""
    pool = FunctionPool(rp_env)
    yield pool
    pool.stop()


@pytest.fixture
def start_function(rp_env: dict[str, str]) -> Iterator[Callable[..., RunningFunction]]:
    """Start func.py under the real fdk with the given function config (plus the resource principal env); the
    process is the test's own and stops when the test ends."""
    pool = FunctionPool(rp_env)
    yield pool.start
    pool.stop()


@pytest.fixture(scope="module")
def start_module_function(module_functions: FunctionPool) -> Callable[..., RunningFunction]:
    """Like start_function, for a module-scoped fixture: one process per distinct config, until the module ends."""
    return module_functions.shared


@pytest.fixture(scope="session")
def fn(session_functions: FunctionPool, emulator: Emulator) -> RunningFunction:
    """The function under test, started once for the session (a hot container)."""
    return session_functions.shared(function_config(emulator))


@pytest.fixture
def upstream(emulator: Emulator, fn: RunningFunction) -> Iterator[Emulator]:
    """The emulator, cleared of faults and recorded requests; the function's log is read from here on."""
    emulator.reset()
    fn.new_log()
    yield emulator
    emulator.reset()


@pytest.fixture(scope="session")
def gateway(session_functions: FunctionPool, emulator: Emulator) -> LocalGateway:
    """A local API Gateway in front of the session's function, on a free port."""
    return session_functions.gateway(function_config(emulator))


@pytest.fixture(scope="session")
def v1_gateway(session_functions: FunctionPool, emulator: Emulator) -> LocalGateway:
    """A local API Gateway in front of a function that keeps Command A on Cohere V1 (MODEL_API_FORMATS)."""
    return session_functions.gateway(function_config(emulator, **V1_PIN))


def cohere_v2_config(emulator: Emulator) -> dict[str, str]:
    """A function serving a Cohere model as COHEREV2 (a model OCID with API_FORMAT)."""
    return function_config(emulator, MODEL_ID=MODEL_OCID, ALLOWED_MODELS=None, API_FORMAT="COHEREV2")


def vision_config(emulator: Emulator) -> dict[str, str]:
    """A function whose default model is the vision model, Llama also allowed."""
    return function_config(emulator, MODEL_ID=VISION_MODEL, ALLOWED_MODELS=f"{VISION_MODEL},{LLAMA_MODEL}")


@pytest.fixture(scope="session")
def cohere_v2_url(session_functions: FunctionPool, emulator: Emulator) -> str:
    """The OpenAI base URL of the shared COHEREV2 function."""
    return f"{session_functions.gateway(cohere_v2_config(emulator)).url}/genai/v1"


@pytest.fixture(scope="session")
def vision_url(session_functions: FunctionPool, emulator: Emulator) -> str:
    """The OpenAI base URL of the shared vision function."""
    return f"{session_functions.gateway(vision_config(emulator)).url}/genai/v1"
