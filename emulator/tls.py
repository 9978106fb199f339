"""TLS material for 127.0.0.1/localhost from `trustme`: a CA the client trusts and a leaf certificate it issued.

Written once per directory, so an emulator in another process (`python -m emulator --tls`) and its callers share
the CA file.
"""

from __future__ import annotations

from pathlib import Path

import trustme

from emulator.credentials import write_atomic

CA_FILE = "emulator-ca.pem"
CERT_FILE = "emulator-tls-cert.pem"
KEY_FILE = "emulator-tls-key.pem"


def ensure_tls_material(directory: Path) -> tuple[Path, Path, Path]:
    """Return (ca_bundle, cert chain, key), creating them once per directory."""
    directory = Path(directory).resolve()
    paths = (directory / CA_FILE, directory / CERT_FILE, directory / KEY_FILE)
    if all(p.exists() for p in paths):
        return paths
    ca = trustme.CA(organization_name="OCI GenAI emulator")
    leaf = ca.issue_cert("localhost", "127.0.0.1")
    write_atomic(paths[0], ca.cert_pem.bytes(), mode=0o644)
    write_atomic(paths[1], b"".join(blob.bytes() for blob in leaf.cert_chain_pems), mode=0o644)
    write_atomic(paths[2], leaf.private_key_pem.bytes())
    return paths
