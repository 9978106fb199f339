"""Load deploy/apigateway's standalone CLIs as modules by path, so tests can `import generate_spec`.

They are scripts, not a package: registering them in sys.modules avoids putting their directory on sys.path.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

APIGATEWAY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "apigateway"


def _load(name: str) -> None:
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, APIGATEWAY_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


for _name in ("generate_spec", "validate_spec"):
    _load(_name)
