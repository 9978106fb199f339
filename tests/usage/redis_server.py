"""A real redis-server (Debian's, installed by scripts/ensure-redis) on loopback, as OCI Cache runs one: TLS only,
the default user off, and one ACL user with a password and only the rights the budget store needs."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import trustme

USER = "genai-budgets"
PASSWORD = "s3cret-Budget-pass"
ACL = ("~genai:budget:*", "+evalsha", "+script|load", "+get", "+incrby", "+ttl", "+expire", "+exists", "+ping")
"""What docs/usage.md tells operators to give the OCI Cache user: the store's keys, its two scripts' commands."""
COOLDOWN_ACL = ("(~genai:cooldown:* +set +mget)",)
"""What docs/usage.md adds for the fallbacks' shared cooldowns: a selector (Redis 7 ACL) giving SET ... PX and MGET
on their keys only, so the budget counters stay out of SET's reach."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """`redis-server` with a TLS port only; `url` is what BUDGET_STORE_URL would be for it."""

    def __init__(self, workdir: Path, acl: tuple[str, ...] = ACL) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is missing: run scripts/ensure-redis")
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        authority = trustme.CA()
        cert = authority.issue_cert("localhost")
        self.ca_file = workdir / "ca.pem"
        authority.cert_pem.write_to_path(str(self.ca_file))
        cert.private_key_and_cert_chain_pem.write_to_path(str(workdir / "server.pem"))
        self.port = _free_port()
        self.command = [
            binary,
            "--port", "0",
            "--tls-port", str(self.port),
            "--bind", "127.0.0.1",
            "--tls-cert-file", str(workdir / "server.pem"),
            "--tls-key-file", str(workdir / "server.pem"),
            "--tls-ca-cert-file", str(self.ca_file),
            "--tls-auth-clients", "no",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(workdir),
            "--user", "default", "off",
            "--user", USER, "on", f">{PASSWORD}", *acl,
        ]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"rediss://{USER}:{PASSWORD}@localhost:{self.port}/0?ssl_ca_certs={self.ca_file}"

    def start(self) -> RedisServer:
        log = open(self.workdir / "redis.log", "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(self.command, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 10
        while True:
            if self.process.poll() is not None:
                raise RuntimeError((self.workdir / "redis.log").read_text(errors="replace")[-2000:])
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            if time.monotonic() > deadline:
                raise TimeoutError("redis-server did not listen within 10 s")
            time.sleep(0.02)

    def pause(self) -> None:
        """SIGSTOP: the port stays open (the kernel still accepts connections) but nothing answers."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
