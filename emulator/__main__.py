"""`python -m emulator --credentials DIR [--port 8999] [--tls] [--print-env] [--stream-seconds N]`: run the emulator
in the foreground."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from emulator.credentials import RPST_FILE, mint_api_key_config, mint_resource_principal, write_env_file
from emulator.server import Emulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--credentials", type=Path, required=True, help="credentials directory (minted if absent)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8999)
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a CA written to emulator-ca.pem")
    parser.add_argument("--print-env", action="store_true", help="write function.env (KEY=VALUE) into DIR")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument(
        "--stream-seconds", type=float, default=0.0, help="spread each streamed reply over about N seconds"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")

    directory: Path = args.credentials.resolve()
    if not (directory / RPST_FILE).exists():
        env = mint_resource_principal(directory)
        mint_api_key_config(directory)
    else:
        env = mint_resource_principal(directory)  # re-issue: an old token may have expired
    env_file = write_env_file(directory, env) if args.print_env else None

    try:
        emulator = Emulator(directory, host=args.host, port=args.port, tls=args.tls, stream_seconds=args.stream_seconds)
    except ValueError as exc:
        parser.error(str(exc))
    emulator.start()
    line = f"emulator listening on {emulator.url}"
    if env_file:
        line += f" env={env_file}"
    if emulator.ca_bundle:
        line += f" ca_bundle={emulator.ca_bundle}"
    print(line, flush=True)
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
