"""A local stand-in for the OCI Generative AI inference endpoint that checks OCI request signatures.

Tests and benchmarks start an `Emulator` in-process; `python -m emulator` runs one in the foreground.
"""

from __future__ import annotations

from emulator.credentials import mint_api_key_config, mint_resource_principal, write_env_file
from emulator.server import Emulator, RecordedRequest

__all__ = ["Emulator", "RecordedRequest", "mint_api_key_config", "mint_resource_principal", "write_env_file"]
