"""Derive the slim tree's allow-list from what the function really loads, and check the checked-in copy.

    python scripts/slim_allowlist.py derive [--tree FULL_TREE] [--write]
    python scripts/slim_allowlist.py check [--tree FULL_TREE]      # exit 1 when slim-allowlist.json has drifted

Runs the real fdk on an unpruned install (python -S, PYTHONPATH = the function + the tree, nothing else) and drives
it through the emulator: chat for both model families, a 429 retry, a 401 (the SDK reloads the resource principal
and retries), embed, a token refresh and error translation — with a resource principal over HTTP, then with an API
key over TLS. Every module file loaded from the tree is recorded; whole top-level packages and whole `oci`
subpackages are kept, never single files, so a lazily imported sibling module is not lost. A compiled extension at
the top level is kept by a machine-independent pattern (`_cffi_backend.cpython-*-*-linux-gnu.so`): the list is
derived on x86_64 and must keep the same modules on an ARM shape.
Dev-only (needs the emulator and its `cryptography`); scripts/build-deps reads only the JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from localfn.config import LLAMA_MODEL, emulated_config
from scripts.slim_tree import ALLOWLIST_FILE, REPO_ROOT, isolated_fdk_command, portable_name, stage_function

PROBE = REPO_ROOT / "scripts" / "slim_probe.py"
ALWAYS_KEEP_OCI = ("auth",)
"""Kept whole even where a run cannot reach all of it: instance-principal signing needs the metadata service."""
OPTIONAL_EXCLUDED = {
    "pkcs11": "python-pkcs11, for HSM signing: oci.auth.signers imports it in try/except ImportError; never used here",
    "asn1crypto": "imported only by pkcs11",
}
"""Loaded, but only by an import the SDK guards: dropping them saves 8 MB and their import time."""


@contextmanager
def probe_function(tree: Path, workdir: Path, env: dict[str, str]) -> Iterator[Any]:
    """The probe (func.handler plus reports) under the real fdk, seeing only the staged function and `tree`."""
    from localfn.client import FnClient
    from localfn.fdk_process import FdkProcess

    function_dir = workdir / "function"
    if not function_dir.exists():
        stage_function(function_dir, extra=(PROBE,))
    process = FdkProcess(
        env,
        func_dir=function_dir,
        pythonpath=f"{function_dir}:{tree}",
        inherit_env=False,
        command=isolated_fdk_command(tree, function_dir / PROBE.name),
    ).start()
    client = FnClient(process.socket_path)
    try:
        yield client
    finally:
        client.close()
        process.stop()


def drive(client: Any, emulator: Any, *, strict: bool = True) -> dict[str, Any]:
    """Every path the function can take in production, then the probe's report of what was loaded."""

    def ok(reply: Any, what: str) -> None:
        if reply.status != 200:
            message = f"{what}: {reply.status} {reply.body[:200]!r}"
            if strict:
                raise RuntimeError(message)
            print(f"slim_allowlist: warning: {message}", file=sys.stderr)

    ok(client.invoke(json.dumps({"input": "hello"})), "cohere chat")
    ok(
        client.invoke(
            json.dumps({"input": "hello", "model": LLAMA_MODEL}),
            gateway=True,
            url="/v1/chat",
            headers={"Accept": "application/json"},
        ),
        "llama chat",
    )
    emulator.fail_next(status=429, code="TooManyRequests")
    ok(client.invoke(json.dumps({"input": "retry me"})), "429 then retry")
    emulator.fail_next(status=401, code="NotAuthenticated")
    client.invoke(json.dumps({"input": "reload the key"}))
    client.invoke(json.dumps({"input": "x", "model": "not.allowed"}))
    client.invoke(b"{not json")
    exercised = json.loads(client.invoke(b"", headers={"X-Slim-Probe": "exercise"}).body)
    if exercised.get("embed_text") != "ok" and strict:
        raise RuntimeError(f"embed_text through the probe failed: {exercised}")
    report: dict[str, Any] = json.loads(client.invoke(b"", headers={"X-Slim-Probe": "report"}).body)
    return report


def loaded_modules(tree: Path) -> dict[str, str]:
    """Module name -> file, merged over three runs: resource principal over HTTP and over TLS, API key over HTTP."""
    from emulator import Emulator, mint_api_key_config, mint_resource_principal

    modules: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="slim-") as tmp:
        work, creds = Path(tmp), Path(tmp) / "creds"
        rp_env = mint_resource_principal(creds)
        api_key_env = {"AUTH_MODE": "api_key", "OCI_CONFIG_FILE": str(mint_api_key_config(creds))}
        for tls, auth_env in ((False, rp_env), (True, rp_env), (False, api_key_env)):
            with Emulator(creds, tls=tls) as emulator:
                env = {**auth_env, **emulated_config(emulator.url)}
                if emulator.ca_bundle:
                    env["REQUESTS_CA_BUNDLE"] = str(emulator.ca_bundle)
                with probe_function(tree, work, env) as client:
                    # API-key mode is not strict: genai_fn/service.py passes signer=None, which the SDK takes as
                    # "do not sign" (see the report); the key and config loading paths still run.
                    modules.update(drive(client, emulator, strict=auth_env is rp_env)["modules"])
    return modules


def allowlist_from(modules: dict[str, str], tree: Path) -> dict[str, Any]:
    """Top-level tree entries and oci subpackages that hold a loaded module; anything from outside is a leak."""
    keep: set[str] = set()
    keep_oci: set[str] = set(ALWAYS_KEEP_OCI)
    leaks = []
    for name, file in sorted(modules.items()):
        path = Path(file).resolve()
        if path.is_relative_to(tree):
            parts = path.relative_to(tree).parts
            if parts[0] in OPTIONAL_EXCLUDED or parts[0] == "bin":  # bin/fdk: slim_tree.KEPT_SCRIPTS
                continue
            keep.add(portable_name(parts[0]))  # the same extension module on x86_64 and aarch64
            if parts[0] == "oci" and len(parts) > 2:
                keep_oci.add(parts[1])
        elif "site-packages" in path.parts or not path.is_relative_to(Path(sys.base_prefix).resolve()):
            if path.name not in ("func.py", PROBE.name) and "genai_fn" not in path.parts:
                leaks.append(f"{name}: {file}")
    if leaks:
        raise RuntimeError("modules loaded from outside the tree and the standard library:\n" + "\n".join(leaks))
    return {"keep": sorted(keep), "keep_oci": sorted(keep_oci)}


def full_tree(tmp: Path) -> Path:
    """An unpruned install of requirements.txt, made by build-deps itself so the two cannot differ."""
    tree = tmp / "full"
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "build-deps"), str(tree), "--no-prune", "--no-compile"], check=True
    )
    return tree


def derive(tree: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="slim-full-") as tmp:
        tree = (tree or full_tree(Path(tmp))).resolve()
        return {
            "_comment": "Generated by `python scripts/slim_allowlist.py derive --write`; do not edit.",
            "python": f"{sys.version_info.major}.{sys.version_info.minor}",
            "requirements": _requirements(),
            **allowlist_from(loaded_modules(tree), tree),
        }


def _requirements() -> list[str]:
    lines = (REPO_ROOT / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("command", choices=("derive", "check"))
    parser.add_argument("--tree", type=Path, help="an unpruned `build-deps --no-prune` tree (else one is built)")
    parser.add_argument("--write", action="store_true", help="derive: overwrite scripts/slim-allowlist.json")
    args = parser.parse_args(argv)
    derived = derive(args.tree)
    if args.command == "derive":
        text = json.dumps(derived, indent=2) + "\n"
        if args.write:
            ALLOWLIST_FILE.write_text(text)
        print(text, end="")
        return 0
    current = json.loads(ALLOWLIST_FILE.read_text())
    drift = {
        key: {"checked_in": current.get(key), "derived": derived[key]}
        for key in ("keep", "keep_oci", "requirements")
        if current.get(key) != derived[key]
    }
    if drift:
        print(f"slim-allowlist.json has drifted; rerun `derive --write`:\n{json.dumps(drift, indent=2)}")
        return 1
    subpackages = ",".join(derived["keep_oci"])
    print(f"slim-allowlist.json matches: {len(derived['keep'])} top-level entries, oci/{{{subpackages}}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
