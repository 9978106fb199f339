"""Start `fdk func.py handler` as Fn does: FN_FORMAT=http-stream, FN_LISTENER=unix:<path>, config as environment."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from .child_process import ChildProcess

REPO_ROOT = Path(__file__).resolve().parent.parent


def fdk_command(
    func_file: Path,
    entrypoint: str = "handler",
    *,
    fdk_timeouts: Mapping[str, float] | None = None,
    keepalive_fix: bool = True,
) -> list[str]:
    """The fdk console script beside this interpreter (as in Fn's image: /python/bin/fdk), else the same via -c.

    `fdk_timeouts` (e.g. keep_alive_timeout, 75 s in fdk) or `keepalive_fix=False` run fdk through
    localfn.fdk_launch, which changes them for a test or a benchmark; the function image never does.
    """
    if fdk_timeouts or not keepalive_fix:
        options = [f"--timeout={name}={seconds}" for name, seconds in (fdk_timeouts or {}).items()]
        options += [] if keepalive_fix else ["--without-keepalive-fix"]
        return [sys.executable, "-m", "localfn.fdk_launch", *options, str(func_file), entrypoint]
    script = Path(sys.executable).parent / "fdk"
    if script.exists():
        return [str(script), str(func_file), entrypoint]
    return [sys.executable, "-c", "from fdk.scripts.fdk import main; main()", str(func_file), entrypoint]


class FdkProcess(ChildProcess):
    """One function container: a real fdk process serving func.py on a unix socket."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        func_dir: Path = REPO_ROOT,
        func_file: str = "func.py",
        pythonpath: str | None = None,
        stderr_path: Path | None = None,
        inherit_env: bool = True,
        command: list[str] | None = None,
        fdk_timeouts: Mapping[str, float] | None = None,
        keepalive_fix: bool = True,
        name: str = "the function",
        own_process_group: bool = False,
    ) -> None:
        """`own_process_group`: fdk leads a process group of its own, so a signal to its parent's group (Ctrl-C in a
        terminal, `kill -INT -PGID`) reaches only the parent, which stops it (run-local does)."""
        self.name = name
        self.what = "fdk"
        self.poll_seconds = 0.005
        self.own_process_group = own_process_group
        self.func_dir = self.cwd = func_dir
        self.workdir = Path(tempfile.mkdtemp(prefix="fn-"))  # short: unix socket paths are limited to 107 bytes
        self.socket_path = self.workdir / "fn.sock"
        self.stderr_path = stderr_path or self.workdir / "stderr.log"
        base = dict(os.environ) if inherit_env else {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        launched = bool(fdk_timeouts) or not keepalive_fix
        if pythonpath is None:  # localfn.fdk_launch is imported from this repository
            pythonpath = f"{func_dir}{os.pathsep}{REPO_ROOT}" if launched and func_dir != REPO_ROOT else str(func_dir)
        self.env = {
            **base,
            "PYTHONPATH": pythonpath,
            **env,
            "FN_FORMAT": "http-stream",
            "FN_LISTENER": f"unix:{self.socket_path}",
            "FN_APP_ID": "ocid1.fnapp.oc1..local",
            "FN_FN_ID": "ocid1.fnfunc.oc1..local",
            "FN_APP_NAME": "local",
            "FN_FN_NAME": "genai",
        }
        if command is not None and launched:
            raise ValueError("fdk_timeouts and keepalive_fix apply to fdk_command(), not to a command of your own")
        self.command = command or fdk_command(
            func_dir / func_file, fdk_timeouts=fdk_timeouts, keepalive_fix=keepalive_fix
        )
        self.started_at = 0.0

    def start(self, timeout: float = 30.0) -> FdkProcess:
        self.started_at = time.perf_counter()
        super().start(timeout)
        return self

    def listening(self) -> bool:
        return self.socket_path.exists()  # fdk symlinks the socket into place once it listens

    def where(self) -> str:
        return str(self.socket_path)

    def cpu_seconds(self) -> float:
        """CPU time the fdk process has used so far (user + system)."""
        return cpu_seconds(self.pid)

    def rss_kib(self) -> int:
        """Peak resident memory of the fdk process so far (VmHWM), in KiB."""
        return memory_kib(self.pid, "VmHWM")

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> FdkProcess:
        return self.start()


def memory_kib(pid: int, field: str = "VmRSS") -> int:
    """One memory figure of a process from /proc/<pid>/status (VmRSS now, VmHWM the peak), in KiB; 0 if absent."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far, user + system, from /proc/<pid>/stat (utime and stime, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()  # after "pid (comm)"
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
