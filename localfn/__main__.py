"""`python -m localfn`: the function on http://127.0.0.1:8080 through a local gateway, real fdk underneath.

Without SERVICE_ENDPOINT it starts the signature-checking emulator and a locally minted resource principal;
with SERVICE_ENDPOINT (plus MODEL_ID, COMPARTMENT_OCID and an OCI config file) it talks to the real service.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from .config import LLAMA_MODEL, emulated_config
from .fdk_process import REPO_ROOT, FdkProcess
from .gateway import LocalGateway

LOCAL_DIR = REPO_ROOT / ".local"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localfn", description=__doc__)
    parser.add_argument("--port", type=int, default=8080, help="gateway port (default 8080)")
    parser.add_argument("--containers", type=int, default=1, help="fdk processes behind the gateway (default 1)")
    args = parser.parse_args(argv)

    emulator = None
    if os.environ.get("SERVICE_ENDPOINT"):
        env = {"AUTH_MODE": os.environ.get("AUTH_MODE", "api_key")}
        print(f"Real service: {os.environ['SERVICE_ENDPOINT']} (AUTH_MODE={env['AUTH_MODE']})")
    else:
        from emulator import Emulator, mint_resource_principal

        credentials = LOCAL_DIR / "credentials"
        principal = mint_resource_principal(credentials)  # first: the emulator trusts the issuer key it writes
        emulator = Emulator(credentials).start()
        env = {**principal, **emulated_config(emulator.url)}
        print(f"Emulator (checks OCI request signatures): {emulator.url}")

    LOCAL_DIR.mkdir(exist_ok=True)
    processes = [FdkProcess(env, stderr_path=LOCAL_DIR / f"function-{i}.log").start() for i in range(args.containers)]
    gateway = LocalGateway([p.socket_path for p in processes], port=args.port).start()
    print(f"Function logs: {LOCAL_DIR}/function-*.log")
    print(f"Gateway: {gateway.url}  (Ctrl-C to stop). Try:\n")
    print(
        f"  curl -s {gateway.url}/genai/chat -H 'Content-Type: application/json' "
        '-d \'{"input": "What is the capital of France?"}\''
    )
    print(
        f"  curl -s {gateway.url}/genai/chat -H 'Content-Type: application/json' -H 'Accept: application/json' "
        f'-d \'{{"input": "Hi", "model": "{LLAMA_MODEL}"}}\''
    )
    print(
        f"  curl -s {gateway.url}/genai/v1/chat/completions -H 'Content-Type: application/json' "
        '-d \'{"messages": [{"role": "user", "content": "Hi"}]}\''
    )
    sys.stdout.flush()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        gateway.stop()
        for process in processes:
            process.stop()
        if emulator:
            emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
