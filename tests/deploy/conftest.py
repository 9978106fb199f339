"""Make deploy/apigateway's scripts importable: they are standalone CLIs, not a package."""

from __future__ import annotations

import sys
from pathlib import Path

APIGATEWAY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "apigateway"

if str(APIGATEWAY_DIR) not in sys.path:
    sys.path.insert(0, str(APIGATEWAY_DIR))
