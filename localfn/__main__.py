"""`python -m localfn` (README command 1, through scripts/run-local): the function behind a local API Gateway on
http://127.0.0.1:8080, the real fdk underneath.

Without SERVICE_ENDPOINT it starts the signature-checking emulator of OCI Generative AI (on the gateway's port + 1
unless --emulator-port says otherwise) and a locally minted resource principal; with SERVICE_ENDPOINT (plus
MODEL_ID, COMPARTMENT_OCID and an OCI config file) it talks to the real service. Each instance keeps its files
(credentials, tokens) in .local/<port>/, so two instances never share them, and each run's function logs in
.local/<port>/run-<UTC time>/ (`latest` points to the newest), so scripts/usage reads one run. Both ports are
checked before anything starts, and everything it starts stops with it: on SIGINT (Ctrl-C), SIGTERM or SIGHUP,
also when started in the background of a script (which starts it with SIGINT ignored), or a failure on the way up.
Its children lead process groups of their own, so a signal to run-local's group reaches run-local alone, and it
stops them. A child that ends on its own (the function, the emulator) is named on stderr with how it ended, and
run-local stops the rest and exits with code 4 rather than answer 502 for ever.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import queue
import secrets
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from .config import local_run_config
from .edge_process import EdgeProcess, any_free_port
from .fdk_process import REPO_ROOT, FdkProcess
from .gateway import LocalGateway
from .gateway_auth import TokenAuth
from .ports import HOST, bind_error, free_port
from .readme_examples import README_BASE_URL, ExampleError, curl_examples
from .supervise import Child, Death, EmulatorChild, Watcher

if TYPE_CHECKING:
    from emulator import Emulator

LOCAL_DIR = REPO_ROOT / ".local"
TOKENS_FILE = "tokens.txt"
"""With --auth: `caller token` lines, in the instance's directory."""
LATEST_RUN = "latest"
"""In the instance's directory: a symbolic link to the newest run's directory (run-<UTC time>/, its function logs)."""
EXIT_FAILED = 1
EXIT_PORT_IN_USE = 3
EXIT_CHILD_DIED = 4
PROG = "run-local"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Each stops whatever started. Handlers are installed whatever run-local inherited: a script's `cmd &` starts it
with SIGINT ignored (POSIX, without job control). SIGKILL cannot be handled: its children then outlive it."""


class StartError(Exception):
    """A step that failed on the way up: what failed and what to do about it."""

    def __init__(self, what: str, todo: str, code: int = EXIT_FAILED) -> None:
        super().__init__(what)
        self.what, self.todo, self.code = what, todo, code


class _Stopped(BaseException):
    """Raised in the main thread by a stop signal, wherever start-up is, so one clean-up runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signal = signal.Signals(signum)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # each step shows at once, also through a pipe

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stopped(signum)

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    started = contextlib.ExitStack()
    try:
        death = _serve(args, started)
    except _Stopped as stopped:
        say(f"{stopped.signal.name}: stopping everything it started...")
        return 0
    except StartError as error:
        print(f"{PROG}: {error.what}\n  {error.todo}", file=sys.stderr, flush=True)
        return error.code
    finally:
        for signum in STOP_SIGNALS:  # a second Ctrl-C must not cut the clean-up short
            signal.signal(signum, signal.SIG_IGN)
        started.close()
    print(f"{PROG}: {death}; stopped everything else (exit code {EXIT_CHILD_DIED})", file=sys.stderr, flush=True)
    return EXIT_CHILD_DIED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/run-local",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"Exit codes: 0 stopped by a signal, {EXIT_FAILED} a step failed, {EXIT_PORT_IN_USE} a port is taken, "
        f"{EXIT_CHILD_DIED} a child (the function, the emulator) ended on its own.",
    )
    parser.add_argument("--port", type=port_number, default=8080, help="gateway port (default 8080; 0: any free port)")
    parser.add_argument(
        "--emulator-port", type=port_number, default=None, help="emulator port (default: the gateway's port + 1)"
    )
    parser.add_argument("--dir", type=Path, default=None, help="this instance's files (default .local/<port>)")
    parser.add_argument("--containers", type=int, default=1, help="fdk processes behind the gateway (default 1)")
    parser.add_argument(
        "--stream-port",
        type=port_number,
        default=None,
        help="streaming edge port (default: the gateway's port + 10, or the next free one after it)",
    )
    parser.add_argument(
        "--stream-seconds",
        type=float,
        default=0.0,
        help="the emulator spreads each streamed reply over about N seconds (default 0: at once)",
    )
    parser.add_argument(
        "--auth",
        action="store_true",
        help="the gateway requires a bearer token and passes its `sub` as the caller, as a deployment with token "
        "authentication does (tokens are printed; scripts/usage then shows each caller)",
    )
    return parser


def port_number(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65534:  # the emulator may need the next one
        raise argparse.ArgumentTypeError(f"{port} is not a port number from 0 to 65534")
    return port


def say(step: str) -> None:
    print(f"{PROG}: {step}", flush=True)


def _serve(args: argparse.Namespace, started: contextlib.ExitStack) -> Death:
    """Start emulator, function(s) and gateway, each registered in `started` as soon as it exists; wait until a
    stop signal raises _Stopped, or a child ends on its own (returned)."""
    emulated = not os.environ.get("SERVICE_ENDPOINT")
    emulator_port = args.emulator_port
    emulator_flag = "--emulator-port"
    if emulator_port is None:  # derived from the gateway's, so moved with --port
        emulator_port, emulator_flag = (args.port + 1 if args.port else 0), "--port"
    ports = [("the gateway", args.port, "--port")]
    if emulated:
        ports.append(("the emulator", emulator_port, emulator_flag))
        if emulator_port and emulator_port == args.port:
            raise StartError(f"the gateway and the emulator cannot share port {args.port}.", "Give each its own.")
    for role, port, flag in ports:
        _check_port(role, port, flag)

    gateway = _bind_gateway(args.port)
    started.callback(gateway.stop)
    port = gateway.address[1]
    directory = (args.dir or LOCAL_DIR / str(port)).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    tokens = directory / TOKENS_FILE
    if args.auth:  # the tokens are written before the gateway serves, so they are there when its URL shows
        gateway.auth = TokenAuth(secrets.token_urlsafe(32))
        tokens.write_text("".join(f"{c} {gateway.auth.token(c)}\n" for c in ("team-a", "team-b")), encoding="utf-8")

    children: list[Child] = []  # every child the watcher checks: a new one is one append (its stop in `started`)
    if emulated:
        emulator, env = _start_emulator(
            directory / "credentials", emulator_port, emulator_flag, started, args.stream_seconds
        )
        children.append(EmulatorChild(emulator))
    else:
        env = {"AUTH_MODE": os.environ.get("AUTH_MODE", "api_key")}
        say(f"real service: {os.environ['SERVICE_ENDPOINT']} (AUTH_MODE={env['AUTH_MODE']})")

    say("starting the function under the real fdk (http-stream on a unix socket, as Fn runs it)...")
    run = _run_directory(directory)
    for i in range(args.containers):
        log = run / f"function-{i}.log"
        process = FdkProcess(env, stderr_path=log, name=f"the function ({_shown(log)})", own_process_group=True)
        started.callback(process.stop)
        try:
            process.start()
        except (RuntimeError, TimeoutError) as exc:
            raise StartError(
                f"the function did not start: {exc}",
                f"Read its log, {_shown(log)}; with SERVICE_ENDPOINT set, check the configuration variables "
                "(docs/configuration.md).",
            ) from exc
        gateway.add_function(process.socket_path)
        children.append(process)

    edge = _start_streaming_edge(env, args.stream_port, port, run, started)
    children.append(edge)
    say(f"starting the local API Gateway on {gateway.url}...")
    gateway.start()
    print(f"\nstreaming edge: {edge.url}/genai/v1  (OpenAI routes; stream: true answers token by token)")
    print(f"Gateway: {gateway.url}  (Ctrl-C stops everything)")
    print(f"Files of this instance: {_shown(directory)}/; this run's function logs: {_shown(run)}/function-*.log")
    _print_examples(gateway.url)
    if gateway.auth is not None:
        _print_tokens(gateway.url, tokens, directory / LATEST_RUN)
    deaths: queue.SimpleQueue[Death] = queue.SimpleQueue()
    started.callback(Watcher(children, deaths.put).start().stop)  # closed first: a child stopped on purpose is no death
    return deaths.get()  # a stop signal raises in this thread while it waits


def _run_directory(directory: Path) -> Path:
    """A new directory for this run's function logs, and `latest` pointing to it (replaced atomically)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for n in itertools.count(1):
        run = directory / (f"run-{stamp}" if n == 1 else f"run-{stamp}-{n}")  # a restart within the second
        try:
            run.mkdir()
            break
        except FileExistsError:
            continue
    link = directory / f".{LATEST_RUN}.{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(run.name)  # relative: the instance's directory may move
    os.replace(link, directory / LATEST_RUN)
    return run


def _start_emulator(
    credentials: Path, port: int, flag: str, started: contextlib.ExitStack, stream_seconds: float = 0.0
) -> tuple[Emulator, dict[str, str]]:
    from emulator import Emulator, mint_resource_principal

    say(f"starting the emulator of OCI Generative AI (it checks OCI request signatures) on {HOST}:{port or 'any'}...")
    principal = mint_resource_principal(credentials)  # first: the emulator trusts the issuer key it writes
    emulator = Emulator(credentials, host=HOST, port=port, stream_seconds=stream_seconds)
    try:
        emulator.start()
    except OSError as exc:
        raise _port_error("the emulator", port, flag, exc) from exc
    started.callback(emulator.stop)
    say(f"emulator: {emulator.url}")
    return emulator, {**principal, **local_run_config(emulator.url)}


def _start_streaming_edge(
    env: dict[str, str], port: int | None, gateway_port: int, directory: Path, started: contextlib.ExitStack
) -> EdgeProcess:
    """The same function behind the streaming edge (genai_fn/edges/), on its own port: replies to `stream: true`
    arrive as the model writes them, which the Fn edge behind the gateway cannot do (docs/streaming.md)."""
    if port is None:  # derived from the gateway's, so moved with --port
        port = free_port(gateway_port + 10, pair=False, step=1) or 0
    elif port:
        _check_port("the streaming edge", port, "--stream-port")
    edge = EdgeProcess(env, port or any_free_port(), directory / "streaming-edge.log", own_process_group=True)
    say(f"starting the streaming edge on {edge.url}...")
    started.callback(edge.stop)
    try:
        edge.start()
    except (RuntimeError, TimeoutError) as exc:
        raise StartError(
            f"the streaming edge did not start: {exc}", f"Read its log, {_shown(edge.stderr_path)}."
        ) from exc
    return edge


def _bind_gateway(port: int) -> LocalGateway:
    """Bind the gateway's port first: its number names this instance's directory (also when 0 picked one)."""
    try:
        return LocalGateway([], host=HOST, port=port)
    except OSError as exc:
        raise _port_error("the gateway", port, "--port", exc) from exc


def _check_port(role: str, port: int, flag: str) -> None:
    """Fail before anything starts when a port cannot be listened on."""
    error = bind_error(port) if port else None
    if error is not None:
        raise _port_error(role, port, flag, error)


def _port_error(role: str, port: int, flag: str, exc: OSError) -> StartError:
    free = free_port(port + 10, pair=flag == "--port", stop=min(port + 200, 65534))
    suggestion = f"scripts/run-local {flag} {free}" if free else f"scripts/run-local {flag} <another port>"
    return StartError(
        f"port {port} for {role} is not available ({exc.strerror or exc}): another run-local, or another program, "
        "may be using it.",
        f"Stop that program, or choose another port: {suggestion}",
        EXIT_PORT_IN_USE,
    )


def _print_examples(url: str, count: int = 2) -> None:
    """The first README examples, pointed at this gateway (README.md holds them all; CI sends every one)."""
    try:
        examples = curl_examples()[:count]
    except (OSError, ExampleError):
        examples = []
    print("Try (more in README.md, 'Calling it'):\n")
    for example in examples:
        print("  " + " ".join(example.command.replace(README_BASE_URL, url).split()))
    print(flush=True)


def _print_tokens(url: str, path: Path, logs: Path) -> None:
    """The tokens of `path`: each request must carry one (`Authorization: Bearer ...`), as behind a deployment's
    token authentication; the function logs its caller, and scripts/usage adds them up."""
    print(f"The gateway requires a bearer token (--auth). Tokens for two callers (also in {_shown(path)}):\n")
    for line in path.read_text(encoding="utf-8").splitlines():
        caller, _, token = line.partition(" ")
        print(f"  {caller}: {token}")
    print(
        f"\n  curl -s {url}/genai/chat -H 'Authorization: Bearer <token>' -H 'Content-Type: application/json' "
        f'-d \'{{"input": "Hi"}}\'\n  scripts/usage {_shown(logs)}/function-*.log\n',
        flush=True,
    )


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is under it (shorter to read and to copy)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    raise SystemExit(main())
