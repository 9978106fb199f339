"""README command 1's server (`python -m localfn`, what scripts/run-local starts), as a newcomer meets it: every
README example answers, frameworks work against it (LangChain tools, the Agents SDK, JSON mode), a taken port is a
clear message and nothing left running, a stop half-way leaves nothing, two instances keep their files apart.
One run-local serves the whole module; the checks that need their own instance start it themselves."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jsonschema
import openai
import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from emulator import Emulator
from localfn.__main__ import EXIT_CHILD_DIED, EXIT_PORT_IN_USE, LATEST_RUN, LOCAL_DIR, TOKENS_FILE
from localfn.fdk_process import REPO_ROOT
from localfn.gateway import LocalGateway
from localfn.readme_examples import README, check_all, curl_examples, session_members, wait_for_gateway
from localfn.supervise import Death, EmulatorChild, Watcher
from tests.constants import COHERE_MODEL, LLAMA_MODEL, RERANK_MODEL

START_TIMEOUT = 120.0
FORECAST_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    "required": ["city", "unit", "days"],
    "additionalProperties": False,
}


@dataclass
class Instance:
    """One `python -m localfn` process, leader of its own session (so what it leaves behind can be found)."""

    process: subprocess.Popen[str]
    url: str
    directory: Path
    stream_url: str | None = None
    """The streaming edge's base URL (its `streaming edge:` line, without /genai/v1)."""

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        assert session_members(self.process.pid) == [], "run-local left processes behind"
        return code


def spawn(*args: str, scripted: bool = False, stderr: int = subprocess.STDOUT) -> subprocess.Popen[str]:
    """run-local in a session of its own; `scripted`: with SIGINT ignored, as a script's `scripts/run-local &` starts
    it (POSIX: a background command of a shell without job control inherits SIGINT ignored)."""
    return subprocess.Popen(
        [sys.executable, "-m", "localfn", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if scripted else None,
    )


@contextlib.contextmanager
def run_local(*args: str) -> Iterator[Instance]:
    """A served instance on a free port, its default directory (.local/<port>/) removed afterwards."""
    process = spawn("--port", "0", *args)
    instance = None
    try:
        urls: dict[str, str] = {}
        url = wait_for_gateway(process, START_TIMEOUT, echo=False, urls=urls)
        instance = Instance(process, url, LOCAL_DIR / url.rsplit(":", 1)[1], urls.get("streaming"))
        yield instance
        assert instance.stop() == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if instance is not None:
            shutil.rmtree(instance.directory, ignore_errors=True)


@pytest.fixture(scope="module")
def served() -> Iterator[Instance]:
    with run_local() as instance:
        yield instance


@pytest.fixture
def client(served: Instance) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{served.url}/genai/v1", api_key="unused", max_retries=0) as client:
        yield client


# --- what the README promises ----------------------------------------------------------------------------------


def test_every_readme_curl_example_answers(served: Instance) -> None:
    examples = curl_examples()
    routes = {re.sub(r"/models/.+", "/models/{model}", example.path) for example in examples}
    assert routes == {
        "/genai/chat",
        "/genai/v1/chat/completions",
        "/genai/v1/responses",
        "/genai/v1/embeddings",
        "/genai/v1/rerank",
        "/genai/v1/models",
        "/genai/v1/models/{model}",
    }, "the README shows one example per route run-local serves"
    assert check_all(served.url, examples, served.stream_url) == []


def test_the_readme_python_example_runs(served: Instance) -> None:
    code = re.findall(r"^```python\n(.*?)^```", README.read_text(), re.M | re.S)[0]  # the streaming one: tests/edges
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code.replace("http://127.0.0.1:8080", served.url), {})  # noqa: S102 - the README's own example

    text, models, dimensions = printed.getvalue().splitlines()
    assert text == "Emulated reply to: What is the capital of France?"
    assert RERANK_MODEL in models and COHERE_MODEL in models
    assert dimensions == "1536"  # Embed 4


# --- frameworks against run-local ------------------------------------------------------------------------------


def test_langchain_bind_tools_runs_the_tool_with_validated_arguments(served: Instance) -> None:
    ran: list[tuple[str, str, int]] = []

    @tool
    def get_forecast(city: str, unit: Literal["celsius", "fahrenheit"], days: int) -> str:
        """The weather forecast for a city."""
        ran.append((city, unit, days))
        return f"{days} days of sun in {city}"

    llm = ChatOpenAI(model=LLAMA_MODEL, base_url=f"{served.url}/genai/v1", api_key="unused", max_retries=0)
    with_tools = llm.bind_tools([get_forecast])
    question = HumanMessage("What is the weather in Paris this week?")

    asked = with_tools.invoke([question])
    result = get_forecast.invoke(asked.tool_calls[0])  # LangChain validates the arguments into the tool's model
    final = with_tools.invoke([question, asked, result])

    assert ran == [("Paris", "celsius", 1)]
    assert final.tool_calls == [] and final.content == "Emulated reply to: What is the weather in Paris this week?"


def test_agents_sdk_runs_a_function_tool(served: Instance) -> None:
    """The OpenAI Agents SDK (strict tool schemas) through chat completions: its tool runs once, then it answers."""
    agents = pytest.importorskip("agents")
    agents.set_tracing_disabled(True)
    ran: list[tuple[str, int]] = []

    @agents.function_tool
    def get_forecast(city: str, days: int) -> str:
        """The weather forecast for a city."""
        ran.append((city, days))
        return f"{days} days of sun in {city}"

    async def run() -> str:
        async with openai.AsyncOpenAI(base_url=f"{served.url}/genai/v1", api_key="unused", max_retries=0) as client:
            agent = agents.Agent(
                name="forecaster",
                instructions="Answer weather questions with the tool.",
                tools=[get_forecast],
                model=agents.OpenAIChatCompletionsModel(model=LLAMA_MODEL, openai_client=client),
            )
            result = await agents.Runner.run(agent, "What is the weather in Paris?")
            return str(result.final_output)

    output = asyncio.run(run())

    assert ran == [("Paris", 1)]
    assert output == "Emulated reply to: What is the weather in Paris?"


@pytest.mark.parametrize("model", [LLAMA_MODEL, COHERE_MODEL])
def test_a_json_schema_request_gets_json_that_fits(client: openai.OpenAI, model: str) -> None:
    completion = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "The forecast for Paris, as JSON"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "forecast", "schema": FORECAST_SCHEMA, "strict": True},
        },
    )
    jsonschema.validate(json.loads(completion.choices[0].message.content or ""), FORECAST_SCHEMA)


# --- what newcomers do to it -----------------------------------------------------------------------------------


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _hold_port(*, free_below: bool) -> socket.socket:
    """A port some other program holds (listening on loopback); with `free_below`, one whose port - 1 is free, so
    run-local's gateway can have that one and its emulator (the next port) finds this one taken."""
    for _ in range(100):
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        if not free_below or _free(holder.getsockname()[1] - 1):
            return holder
        holder.close()
    raise AssertionError("no port with a free neighbour on this machine")


@pytest.mark.parametrize("role", ["gateway", "emulator"])
def test_a_taken_port_is_named_before_anything_starts(role: str) -> None:
    with _hold_port(free_below=role == "emulator") as holder:
        taken = holder.getsockname()[1]
        gateway_port = taken if role == "gateway" else taken - 1
        process = spawn("--port", str(gateway_port))
        output, _ = process.communicate(timeout=60)

    assert process.returncode == EXIT_PORT_IN_USE, output
    assert f"port {taken} for the {role} is not available" in output
    assert "choose another port: scripts/run-local --port " in output
    assert "Traceback" not in output and "starting" not in output
    assert session_members(process.pid) == []
    assert not (LOCAL_DIR / str(gateway_port)).exists()


def test_a_stop_half_way_through_start_up_leaves_nothing_behind(tmp_path: Path) -> None:
    process = spawn("--port", "0", "--dir", str(tmp_path))
    assert process.stdout is not None
    for line in process.stdout:
        if "starting the function" in line:
            break
    while len(session_members(process.pid)) < 2 and process.poll() is None:  # until the fdk process exists
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)  # while fdk starts (it listens only after importing the function)
    assert process.wait(timeout=30) == 0
    process.stdout.close()
    assert session_members(process.pid) == [], "an fdk process outlived run-local"


def test_two_instances_keep_their_files_apart(served: Instance, client: openai.OpenAI) -> None:
    credentials = served.directory / "credentials" / "rpst"
    token = credentials.read_bytes()

    with run_local() as second, openai.OpenAI(base_url=f"{second.url}/genai/v1", api_key="unused") as other:
        assert second.directory != served.directory
        assert (second.directory / "credentials" / "rpst").read_bytes() != token
        assert other.models.list().data and client.models.list().data  # both serve, side by side
        assert (second.directory / LATEST_RUN / "function-0.log").exists()

    assert credentials.read_bytes() == token, "the second instance rewrote the first one's credentials"
    reply = client.chat.completions.create(model=LLAMA_MODEL, messages=[{"role": "user", "content": "Hi"}])
    assert reply.choices[0].message.content == "Emulated reply to: Hi"  # the first instance still signs and serves


def test_with_auth_the_gateway_passes_each_callers_identity_and_the_usage_table_shows_them() -> None:
    """`scripts/run-local --auth`: the gateway takes bearer tokens as a deployment with token authentication does,
    the function logs each caller, and `python -m genai_fn.usage` (scripts/usage) adds them up per caller."""
    with run_local("--auth") as instance:
        written = (instance.directory / TOKENS_FILE).read_text(encoding="utf-8")
        tokens = dict(line.split(" ", 1) for line in written.splitlines())
        assert set(tokens) == {"team-a", "team-b"}

        def chat(token: str | None) -> int:
            headers = {"Content-Type": "application/json"}
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            request = urllib.request.Request(f"{instance.url}/genai/chat", data=b'{"input": "Hi"}', headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return int(response.status)
            except urllib.error.HTTPError as error:
                return int(error.code)

        assert chat(None) == 401
        with pytest.raises(openai.AuthenticationError) as refused:  # the SDK shows the gateway's message
            openai.OpenAI(base_url=f"{instance.url}/genai/v1", api_key="not-a-token", max_retries=0).models.list()
        assert "a valid bearer token is required" in str(refused.value)
        assert isinstance(refused.value.body, dict) and refused.value.body["code"] == "unauthorized"
        status, body = _post(f"{instance.url}/genai/chat", b'{"input": "Hi"}')
        assert (status, body["error"]["type"], body["error"]["status"]) == (401, "unauthorized", 401)
        assert [chat(tokens["team-a"]), chat(tokens["team-a"]), chat(tokens["team-b"])] == [200, 200, 200]
        logs = sorted(str(path) for path in (instance.directory / LATEST_RUN).glob("function-*.log"))
        table = subprocess.run(
            [sys.executable, "-m", "genai_fn.usage", *logs], capture_output=True, text=True, check=True, cwd=REPO_ROOT
        ).stdout
        rows = {line.split()[0]: line.split() for line in table.splitlines() if line.startswith("team-")}
        assert set(rows) == {"team-a", "team-b"}, table


def _post(url: str, body: bytes) -> tuple[int, Any]:
    """POST JSON; (status, the decoded JSON body): a body that is not JSON fails the test."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), json.loads(error.read())


def test_the_gateway_answers_an_unreachable_function_in_each_routes_json(tmp_path: Path) -> None:
    """A function that is not there (its socket gone): the gateway's 502 is the contract's JSON, not HTML."""
    gateway = LocalGateway([tmp_path / "gone.sock"], port=0).start()
    try:
        with openai.OpenAI(base_url=f"{gateway.url}/genai/v1", api_key="unused", max_retries=0) as client:
            with pytest.raises(openai.InternalServerError) as failed:
                client.chat.completions.create(model=LLAMA_MODEL, messages=[{"role": "user", "content": "Hi"}])
        status, body = _post(f"{gateway.url}/genai/chat", b'{"input": "Hi"}')
    finally:
        gateway.stop()

    assert failed.value.status_code == 502
    assert "the function cannot be reached" in str(failed.value)
    assert isinstance(failed.value.body, dict) and failed.value.body["type"] == "server_error"
    assert status == 502 and body["error"]["type"] == "function_failed" and body["error"]["status"] == 502
    assert "the function cannot be reached" in body["error"]["message"]


# --- run-local started from a script, and stopped or broken from outside ------------------------------------------


def _loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def scripted(tmp_path: Path, stderr: int = subprocess.STDOUT) -> Iterator[tuple[subprocess.Popen[str], list[int]]]:
    """run-local started as a script's `&` starts it (SIGINT ignored); (the process, its two ports)."""
    emulator_port = _loopback_port()
    process = spawn(
        "--port", "0", "--emulator-port", str(emulator_port), "--dir", str(tmp_path), scripted=True, stderr=stderr
    )
    try:
        url = wait_for_gateway(process, START_TIMEOUT, echo=False)
        yield process, [int(url.rsplit(":", 1)[1]), emulator_port]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        for pid in session_members(process.pid):
            os.kill(pid, signal.SIGKILL)
        process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _function_pids(run_local: int) -> list[int]:
    """run-local's fdk processes (its session also holds the streaming edge)."""
    return [pid for pid in session_members(run_local) if pid != run_local and b"fdk" in _cmdline(pid)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.parametrize("target", ["run-local", "its process group"])
def test_a_script_started_run_local_stops_on_sigint_and_frees_its_ports(tmp_path: Path, target: str) -> None:
    """`kill -INT <pid>` and `kill -INT -<pgid>` (Ctrl-C in the script's terminal): run-local stops everything."""
    with scripted(tmp_path) as (process, ports):
        assert _function_pids(process.pid), "no function process to stop"
        if target == "run-local":
            process.send_signal(signal.SIGINT)
        else:
            os.killpg(process.pid, signal.SIGINT)
        code = process.wait(timeout=30)

        assert code == 0
        assert session_members(process.pid) == [], "run-local left processes behind"
        assert [port for port in ports if not _free(port)] == []


def test_a_dead_function_is_named_and_run_local_stops_everything(tmp_path: Path) -> None:
    with scripted(tmp_path, stderr=subprocess.PIPE) as (process, ports):
        (function,) = _function_pids(process.pid)
        os.kill(function, signal.SIGKILL)
        code = process.wait(timeout=30)
        assert process.stderr is not None
        said = process.stderr.read()

        assert code == EXIT_CHILD_DIED, said
        assert re.search(r"the function \(.*run-\w+/function-0\.log\) was killed by SIGKILL", said), said
        assert session_members(process.pid) == []
        assert [port for port in ports if not _free(port)] == []


def test_each_run_logs_apart_and_latest_names_the_newest(tmp_path: Path) -> None:
    runs = []
    for _ in range(2):
        with scripted(tmp_path) as (process, _ports):
            runs.append((tmp_path / LATEST_RUN).resolve())
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0

    assert runs[0] != runs[1] and runs[0].parent == runs[1].parent == tmp_path
    assert all((run / "function-0.log").is_file() for run in runs)
    assert (tmp_path / LATEST_RUN).resolve() == runs[1]


def test_the_watcher_names_an_emulator_that_stopped_serving(credentials_dir: Path) -> None:
    """run-local's other child: the emulator is a thread, and the same watcher reports its end."""
    emulator = Emulator(credentials_dir).start()
    deaths: queue.SimpleQueue[Death] = queue.SimpleQueue()
    watcher = Watcher([EmulatorChild(emulator)], deaths.put).start()
    try:
        assert deaths.empty()
        emulator.stop()  # its server thread ends, as if it had died
        death = deaths.get(timeout=30)
    finally:
        watcher.stop()
        emulator.stop()

    assert str(death) == "the emulator stopped serving (its server thread ended)"
