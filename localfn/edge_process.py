"""Start the streaming edge (`python -m genai_fn.edges.serve`) as its own process: run-local, the tests and the
benchmarks serve it on a loopback port, against the same emulator and configuration as the fdk processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from .fdk_process import REPO_ROOT
from .ports import HOST
from .supervise import exit_description


class EdgeProcess:
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
        self.own_process_group = own_process_group
        self.port = port
        self.stderr_path = stderr_path
        self.cwd = cwd
        base = dict(os.environ) if inherit_env else {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        self.env = {**base, "PYTHONPATH": str(REPO_ROOT), **env}
        serve = ["-m", "genai_fn.edges.serve", "--host", HOST, "--port", str(port)]
        self.command = [*(interpreter or [sys.executable]), *serve]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 30.0) -> EdgeProcess:
        self._stderr = open(self.stderr_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=self._stderr,
            stderr=self._stderr,
            process_group=0 if self.own_process_group else None,
        )
        deadline = time.monotonic() + timeout
        while not _listening(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"the streaming edge exited with {self.process.returncode}: {self.stderr()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the streaming edge did not listen on {self.url} within {timeout} s")
            time.sleep(0.02)
        return self

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the streaming edge has not been started")
        return self.process.pid

    def ended(self) -> str | None:
        """None while it runs (or before it started); how it ended otherwise (run-local's supervision of children)."""
        code = None if self.process is None else self.process.poll()
        return None if code is None else exit_description(code)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_stderr", None):
            self._stderr.close()

    def __enter__(self) -> EdgeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


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
