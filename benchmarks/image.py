"""Build the real function image and run it as OCI Functions does; report its size, start time and memory.
Reports, never asserts. Needs root, a Docker engine and a base image; none of this runs in CI.

    python benchmarks/image.py engine DIR      # a private dockerd (no networking of its own); prints DOCKER_HOST
    python benchmarks/image.py base            # the base image from Debian's packages (debootstrap), no registry
    python benchmarks/image.py measure [--requests 50] [--starts 5] [--no-cache]   # writes results/image.json

No registry is reachable here, so the base image stands in for `python:3.11-slim-bookworm`: Debian bookworm's own
python3 (3.11) with `/usr/local/bin/python3` linked as in the official images and pip trusting this machine's CA
bundle. The build is `DOCKER_BUILDKIT=0 docker build --network host --build-arg PYTHON_IMAGE=<base>` of ./Dockerfile,
exactly the file `fn build` uses. The container runs as Functions runs it: user 1000:1000, read-only root with a
writable /tmp (32 MB at 128 MB memory), `--memory 128m --memory-swap 128m`, http-stream on a unix socket in a mounted
directory, the function's config and resource principal files from the host (docs: "Accessing File Systems from
Running Functions", "Permissions Granted to Containers Running Functions"). The upstream is the local emulator.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from localfn.client import FnClient
from localfn.config import emulated_config
from scripts.slim_tree import REPO_ROOT

BASE_IMAGE = "local/python:3.11-bookworm"
IMAGE_TAG = "oci-genai-fn:bench"


def debian_mirror() -> str:
    """The Debian mirror this machine's apt uses (debootstrap needs one; no host is named in the repo)."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in sources:
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        for line in text.splitlines():
            words = [w for w in line.split() if not (w.startswith("[") or w.endswith("]") or "=" in w)]
            if words[:1] in (["URIs:"], ["deb"]) and len(words) > 1:
                return words[1]
    raise SystemExit("no Debian mirror in this machine's apt sources; pass one to debootstrap yourself")


MEMORY = "128m"
TMP_SIZE = "32m"
"""/tmp allowed at 128 MB of function memory (Oracle: "Accessing File Systems from Running Functions")."""
FN_USER = "1000:1000"
"""Functions starts every container as user `fn`, UID/GID 1000, with no capabilities (Oracle: "Permissions Granted
to Containers Running Functions")."""
IOFS = "/tmp/iofs"


def docker(*args: str, check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], check=check, text=True, capture_output=True, **kwargs)


def start_engine(root: Path) -> str:
    """A dockerd with its own data and exec roots and no bridge, NAT or iptables (containers use --network host)."""
    root.mkdir(parents=True, exist_ok=True)
    socket_path = root / "docker.sock"
    command = [
        "dockerd",
        f"--data-root={root / 'data'}",
        f"--exec-root={root / 'exec'}",
        f"--pidfile={root / 'docker.pid'}",
        f"--host=unix://{socket_path}",
        "--storage-driver=overlay2",
        "--iptables=false",
        "--ip6tables=false",
        "--bridge=none",
        "--ip-masq=false",
    ]
    with open(root / "dockerd.log", "ab") as log:
        subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 60
    while not socket_path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return f"unix://{socket_path}"


def base_image_exists() -> bool:
    return docker("image", "inspect", BASE_IMAGE, check=False).returncode == 0


def make_base(work: Path, ca_bundle: Path) -> None:
    """debootstrap a minimal bookworm with python3 and pip, then `docker import` it as BASE_IMAGE."""
    rootfs = work / "rootfs"
    if not (rootfs / "usr" / "bin" / "python3").exists():
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                "--include=python3,python3-pip,python3-venv,ca-certificates",
                "bookworm",
                str(rootfs),
                debian_mirror(),
            ],
            check=True,
        )
    for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):  # debootstrap's downloads: not part of an image
        for leftover in (rootfs / cache).glob("*"):
            if leftover.is_file():
                leftover.unlink()
    local_bin = rootfs / "usr" / "local" / "bin"
    local_bin.mkdir(parents=True, exist_ok=True)
    if not (local_bin / "python3").exists():
        (local_bin / "python3").symlink_to("/usr/bin/python3")  # where the official images keep it
    shutil.copy2(ca_bundle, rootfs / "etc" / "ssl" / "certs" / "build-ca-bundle.pem")
    (rootfs / "etc" / "pip.conf").write_text("[global]\ncert = /etc/ssl/certs/build-ca-bundle.pem\n")
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    subprocess.run(["docker", "import", "-", BASE_IMAGE], stdin=tar.stdout, check=True)
    tar.wait()


def build_image(context: Path = REPO_ROOT, tag: str = IMAGE_TAG, *, no_cache: bool = False) -> str:
    """`docker build` of ./Dockerfile on the local base (the classic builder: no buildx plugin here)."""
    options = ["--quiet", "--network=host", f"--build-arg=PYTHON_IMAGE={BASE_IMAGE}", *(["--no-cache"] * no_cache)]
    subprocess.run(
        ["docker", "build", *options, "-t", tag, "."],
        cwd=context,
        env={**os.environ, "DOCKER_BUILDKIT": "0"},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return tag


class FnContainer:
    """One function container started as Functions starts it; `client` speaks http-stream to its socket."""

    def __init__(self, tag: str, workdir: Path, config: Mapping[str, str]) -> None:
        self.tag = tag
        self.iofs = workdir / "iofs"
        self.iofs.mkdir(parents=True, exist_ok=True)
        self.iofs.chmod(0o777)  # the fn user (1000) creates the socket here
        self.config = {key: self._readable_copy(value, workdir / "files") for key, value in config.items()}
        self.container_id = ""
        self.started_at = 0.0
        self.client: FnClient

    @staticmethod
    def _readable_copy(value: str, files: Path) -> str:
        """A config value naming a file (the resource principal's token and key) becomes a copy the fn user can read,
        as the platform's own files are; other values pass through."""
        if not (value.startswith("/") and Path(value).is_file()):
            return value
        files.mkdir(parents=True, exist_ok=True)
        copy = files / Path(value).name
        shutil.copyfile(value, copy)
        copy.chmod(0o444)
        return str(copy)

    def __enter__(self) -> FnContainer:
        mounts = {str(Path(value).parent) for value in self.config.values() if Path(value).is_file()}
        args = ["run", "--detach", "--network", "host", "--user", FN_USER, "--read-only"]
        args += ["--tmpfs", f"/tmp:size={TMP_SIZE},mode=1777", "--memory", MEMORY, "--memory-swap", MEMORY]
        args += ["--volume", f"{self.iofs}:{IOFS}"]
        for directory in sorted(mounts):  # resource principal token and key, at the paths the config names
            args += ["--volume", f"{directory}:{directory}:ro"]
        env = {**self.config, "FN_FORMAT": "http-stream", "FN_LISTENER": f"unix:{IOFS}/lsnr.sock"}
        env.update(FN_APP_ID="ocid1.fnapp.oc1..image", FN_FN_ID="ocid1.fnfunc.oc1..image", FN_FN_NAME="genai")
        for key, value in env.items():
            args += ["--env", f"{key}={value}"]
        self.started_at = time.perf_counter()
        self.container_id = docker(*args, self.tag).stdout.strip()
        socket_path = self.iofs / "lsnr.sock"
        deadline = time.monotonic() + 60
        while not socket_path.exists():
            if time.monotonic() > deadline or not self.running():
                raise RuntimeError(f"the container did not listen: {self.logs()[-2000:]}")
            time.sleep(0.01)
        self.client = FnClient(socket_path)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if hasattr(self, "client"):
            self.client.close()
        docker("rm", "--force", self.container_id, check=False)

    def running(self) -> bool:
        state = docker("inspect", "--format", "{{.State.Running}}", self.container_id, check=False)
        return state.stdout.strip() == "true"

    def oom_killed(self) -> bool:
        return docker("inspect", "--format", "{{.State.OOMKilled}}", self.container_id).stdout.strip() == "true"

    def logs(self) -> str:
        result = docker("logs", self.container_id, check=False)
        return result.stdout + result.stderr

    def peak_memory_bytes(self) -> int | None:
        """The cgroup's peak usage: v1 `memory.max_usage_in_bytes`, v2 `memory.peak` (kernel 5.19+)."""
        full_id = docker("inspect", "--format", "{{.Id}}", self.container_id).stdout.strip()
        for path in (
            Path(f"/sys/fs/cgroup/memory/docker/{full_id}/memory.max_usage_in_bytes"),
            Path(f"/sys/fs/cgroup/system.slice/docker-{full_id}.scope/memory.peak"),
            Path(f"/sys/fs/cgroup/docker/{full_id}/memory.peak"),
        ):
            if path.exists():
                return int(path.read_text())
        return None


def image_bytes(tag: str) -> int:
    return int(docker("image", "inspect", "--format", "{{.Size}}", tag).stdout)


def tree_bytes(tag: str, path: str) -> int:
    """Apparent size of `path` inside the image (du in a throwaway container)."""
    out = docker("run", "--rm", "--network", "none", "--entrypoint", "du", tag, "-s", "-b", path).stdout
    return int(out.split()[0])


def first_reply_seconds(tag: str, workdir: Path, config: Mapping[str, str]) -> float:
    """`docker run` -> the first reply complete, for one fresh container."""
    with FnContainer(tag, workdir, config) as container:
        reply = container.client.invoke(json.dumps({"input": "What is the capital of France?"}))
        elapsed = time.perf_counter() - container.started_at
        if reply.status != 200:
            raise RuntimeError(f"first reply {reply.status}: {container.logs()[-2000:]}")
    return elapsed


def container_floor_seconds(tag: str) -> float:
    """`docker run` -> exit of a bare `python3 -S -c pass` in the same image with the same limits: what any
    container of this image costs before a function runs (the engine, the cgroup, the mounts, the interpreter)."""
    args = ["run", "--network", "host", "--user", FN_USER, "--read-only", "--memory", MEMORY, "--memory-swap", MEMORY]
    started = time.perf_counter()
    container = docker(*args, "--detach", "--entrypoint", "/usr/local/bin/python3", tag, "-S", "-c", "pass")
    container_id = container.stdout.strip()
    docker("wait", container_id)
    elapsed = time.perf_counter() - started
    docker("rm", "--force", container_id, check=False)
    return elapsed


def measure(requests: int, no_cache: bool, starts: int = 5) -> dict[str, Any]:
    from emulator import Emulator, mint_resource_principal

    load_before = [round(x, 2) for x in os.getloadavg()]
    print(f"building {IMAGE_TAG} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    tag = build_image(no_cache=no_cache)
    build_s = time.perf_counter() - started
    results: dict[str, Any] = {
        "load_before": load_before,
        "build_s": round(build_s, 1),
        "image_mb": round(image_bytes(tag) / 1e6, 1),
        "base_mb": round(image_bytes(BASE_IMAGE) / 1e6, 1),
        "python_mb": round(tree_bytes(tag, "/python") / 1e6, 1),
        "function_kb": round(tree_bytes(tag, "/function") / 1e3, 1),
        "layers": len(json.loads(docker("image", "inspect", "--format", "{{json .RootFS.Layers}}", tag).stdout)),
    }
    with tempfile.TemporaryDirectory(prefix="image-bench-") as tmp:
        creds = Path(tmp) / "creds"
        rp_env = mint_resource_principal(creds)
        with Emulator(creds) as emulator:
            config = {**rp_env, **emulated_config(emulator.url)}
            print(f"{starts} container starts at --memory {MEMORY} ...", file=sys.stderr, flush=True)
            firsts = [first_reply_seconds(tag, Path(tmp) / f"start-{i}", config) for i in range(starts)]
            floors = [container_floor_seconds(tag) for _ in range(starts)]
            results["container_floor_all_s"] = [round(x, 3) for x in floors]
            results["container_floor_s"] = round(statistics.median(floors), 3)
            results["first_reply_all_s"] = [round(x, 3) for x in firsts]
            results["first_reply_s"] = round(statistics.median(firsts), 3)
            results["starts"] = starts
            print(f"{requests} requests with 100 KB prompts ...", file=sys.stderr, flush=True)
            with FnContainer(tag, Path(tmp) / "requests", config) as container:
                first = container.client.invoke(json.dumps({"input": "What is the capital of France?"}))
                replies = [first]
                prompt = json.dumps({"input": "x" * 100_000})
                replies += [container.client.invoke(prompt) for _ in range(requests)]
                peak = container.peak_memory_bytes()
                results.update(
                    requests=len(replies),
                    answered=sum(r.status == 200 and r.body.startswith(b"Emulated reply to: ") for r in replies),
                    peak_mib=None if peak is None else round(peak / 2**20, 1),
                    oom_killed=container.oom_killed(),
                    upstream_calls=len(emulator.requests),
                )
    results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    engine = sub.add_parser("engine", help="start a private dockerd under DIR")
    engine.add_argument("dir", type=Path)
    base = sub.add_parser("base", help=f"make {BASE_IMAGE} with debootstrap")
    base.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "oci-genai-fn-base")
    base.add_argument("--ca-bundle", type=Path, default=Path("/etc/ssl/certs/ca-certificates.crt"))
    run = sub.add_parser("measure", help="build the image, run it as Functions does, report")
    run.add_argument("--requests", type=int, default=50, help="100 KB prompts after the first reply")
    run.add_argument("--no-cache", action="store_true", help="time a build from scratch (pip install included)")
    run.add_argument("--starts", type=int, default=5, help="fresh containers timed from docker run to first reply")
    run.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    if args.command == "engine":
        print(f"export DOCKER_HOST={start_engine(args.dir.resolve())}")
    elif args.command == "base":
        make_base(args.work, args.ca_bundle)
    else:
        results = measure(args.requests, args.no_cache, args.starts)
        results["command"] = " ".join(["python -m benchmarks.image", *(argv if argv is not None else sys.argv[1:])])
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "image.json").write_text(json.dumps(results, indent=2) + "\n")
        print(json.dumps(results))
        print(
            f"image {results['image_mb']} MB (base {results['base_mb']} MB, /python {results['python_mb']} MB); "
            f"first reply {results['first_reply_s']} s after docker run (median of {results['starts']}); "
            f"{results['answered']}/{results['requests']} "
            f"requests answered (100 KB prompts), "
            f"cgroup peak {results['peak_mib']} MiB at --memory {MEMORY}, OOM killed: {results['oom_killed']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
