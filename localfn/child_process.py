"""A child process run-local, the tests and the benchmarks start and stop: its output in a file, started until it
listens, stopped on terminate (killed if it lingers). FdkProcess and EdgeProcess say only how to run it and how to
tell it listens."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import IO

from .supervise import exit_description


class ChildProcess:
    """Subclasses set `name`, `what` (as errors name it), `command`, `cwd`, `env`, `stderr_path` and
    `own_process_group` (a signal to the parent's group then reaches only the parent, which stops the child), and
    say how to tell it listens (`listening`)."""

    name: str
    what: str
    command: list[str]
    cwd: Path
    env: dict[str, str]
    stderr_path: Path
    own_process_group: bool = False
    process: subprocess.Popen[bytes] | None = None
    poll_seconds: float = 0.02
    _stderr: IO[bytes] | None = None

    def listening(self) -> bool:
        raise NotImplementedError

    def where(self) -> str:
        """Where it listens, for a timeout's message."""
        raise NotImplementedError

    def start(self, timeout: float = 30.0) -> ChildProcess:
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
        while not self.listening():
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.what} exited with {self.process.returncode}: {self.stderr()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.what} did not listen on {self.where()} within {timeout} s")
            time.sleep(self.poll_seconds)
        return self

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError(f"{self.what} has not been started")
        return self.process.pid

    def ended(self) -> str | None:
        """None while it runs (or before it started); how it ended otherwise (localfn.supervise.Child)."""
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
        if self._stderr is not None:
            self._stderr.close()

    def __exit__(self, *exc: object) -> None:
        self.stop()
