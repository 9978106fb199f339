"""Make deploy/apigateway's scripts importable: they are standalone CLIs, not a package."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APIGATEWAY_DIR = REPO / "deploy" / "apigateway"
TERRAFORM_DIR = REPO / "deploy" / "terraform"

if str(APIGATEWAY_DIR) not in sys.path:
    sys.path.insert(0, str(APIGATEWAY_DIR))
