"""Start the streaming edge (`python -m genai_fn.edges.serve`) as its own process: run-local, the tests and the
benchmarks serve it on a loopback port, against the same emulator and configuration as the fdk processes."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

from .child_process import ChildProcess
from .fdk_process import REPO_ROOT
from .ports import HOST


class EdgeProcess(ChildProcess):
    """One streaming-edge process (uvicorn) on HOST:port; its stderr (the request log lines) in a file."""

    def __init__(
        self,
        env: Mapping[str, str],
        port: int,
        stderr_path: Path,
        *,
        inherit_env: bool = True,
        interpreter: list[str] | None = None,
        cwd: Path = REPO_ROOT,
        own_process_group: bool = False,
    ) -> None:
        """`interpreter` (default: this one) runs `-m genai_fn.edges.serve`; the image's test passes its own.
        `own_process_group`: a signal to the parent's group (Ctrl-C in a terminal) reaches only the parent, which
        stops this process (run-local)."""
        self.name = f"the streaming edge ({stderr_path.name})"
        self.what = "the streaming edge"
        self.own_process_group = own_process_group
        self.port = port
        self.stderr_path = stderr_path
        self.cwd = cwd
        base = dict(os.environ) if inherit_env else {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        self.env = {**base, "PYTHONPATH": str(REPO_ROOT), **env}
        serve = ["-m", "genai_fn.edges.serve", "--host", HOST, "--port", str(port)]
        self.command = [*(interpreter or [sys.executable]), *serve]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 30.0) -> EdgeProcess:
        super().start(timeout)
        return self

    def listening(self) -> bool:
        return _listening(self.port)

    def where(self) -> str:
        return self.url

    def __enter__(self) -> EdgeProcess:
        return self.start()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((HOST, port)) == 0


def any_free_port() -> int:
    """A port the system just handed out for loopback (free unless something takes it in between)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port
