"""Offline checks of deploy/terraform-streaming: every argument exists in the provider's schema (8.28.0, extracted
from its source into provider_schema.json), the stack is private and least-privilege, and terraform fmt is clean;
and deploy/scripts/check-streaming.py tells a streamed reply from a buffered one."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import hcl2
import pytest
from provider_schema import SCHEMA_FILE

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "deploy" / "terraform-streaming"
CHECK_SCRIPT = REPO / "deploy" / "scripts" / "check-streaming.py"
TERRAFORM_META = {"count", "for_each", "depends_on", "provider", "lifecycle"}


def _unquote(value: Any) -> Any:
    """python-hcl2 keeps quotes of literals and labels and adds __is_block__/__comments__: drop them."""
    if isinstance(value, str):
        return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if not k.startswith("__")}
    return value


@cache
def _parsed() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted(STACK.glob("*.tf")):
        with path.open(encoding="utf-8") as fh:
            out[path.name] = _unquote(hcl2.load(fh))
    return out


def _blocks(kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(type, name, body) of every `resource` or `data` block."""
    found = []
    for doc in _parsed().values():
        for block in doc.get(kind, []):
            for rtype, named in block.items():
                for name, body in named.items():
                    found.append((rtype, name, body))
    return found


def _resource(rtype: str, name: str) -> dict[str, Any]:
    return next(body for t, n, body in _blocks("resource") if (t, n) == (rtype, name))


def _text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(STACK.glob("*.tf")))


def _unknown_arguments(body: dict[str, Any], schema: dict[str, Any], where: str) -> list[str]:
    """Every argument or block of `body` that `schema` (settable arguments, nested blocks as dicts) lacks."""
    unknown = []
    for key, value in body.items():
        if key not in schema:
            unknown.append(f"{where}.{key}")
        elif isinstance(schema[key], dict):
            for item in value if isinstance(value, list) else [value]:
                assert isinstance(item, dict), f"{where}.{key} is a block in the provider's schema"
                unknown += _unknown_arguments(item, schema[key], f"{where}.{key}")
    return unknown


def test_every_argument_is_in_the_providers_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["tag"] == "v8.28.0"
    checked = 0
    for kind, table in (("resource", schema["resources"]), ("data", schema["data_sources"])):
        for rtype, name, body in _blocks(kind):
            if not rtype.startswith("oci_"):
                continue
            assert rtype in table, f"{rtype} is not in {SCHEMA_FILE.name}: add it to provider_schema.py"
            arguments = {k: v for k, v in body.items() if k not in TERRAFORM_META}
            assert _unknown_arguments(arguments, table[rtype], f"{rtype}.{name}") == []
            checked += 1
    assert checked >= 12


def test_the_check_notices_an_unknown_argument() -> None:
    schema = {"port": None, "connection_configuration": {"idle_timeout_in_seconds": None}}
    body = {"port": 80, "connection_configuration": [{"idle_timeout": 300}]}
    assert _unknown_arguments(body, schema, "l") == ["l.connection_configuration.idle_timeout"]


def test_private_load_balancer_and_containers() -> None:
    lb = _resource("oci_load_balancer_load_balancer", "edge")
    assert lb["is_private"] is True and lb["shape"] == "flexible"
    ci = _resource("oci_container_instances_container_instance", "edge")
    assert ci["vnics"][0]["is_public_ip_assigned"] is False
    assert "is_resource_principal_disabled" not in ci["containers"][0], "the service needs its resource principal"
    assert "0.0.0.0/0" not in re.sub(r"(?m)^\s*#.*$", "", _text())


def test_containers_reach_the_functions_budget_store_only_when_given_its_nsg() -> None:
    """Budgets work the same on both edges: one OCI Cache, which admits the functions' NSG only unless told."""
    egress = _resource("oci_core_network_security_group_security_rule", "containers_to_cache")
    ingress = _resource("oci_core_network_security_group_security_rule", "cache_from_containers")
    for rule in (egress, ingress):
        assert rule["count"] == '${var.budget_store_nsg_id == "" ? 0 : 1}'
        assert rule["tcp_options"][0]["destination_port_range"][0] == {"min": 6379, "max": 6379}
    assert egress["destination"] == ingress["network_security_group_id"] == "${var.budget_store_nsg_id}"
    assert (
        ingress["source"] == egress["network_security_group_id"] == "${oci_core_network_security_group.containers.id}"
    )
    functions_outputs = (REPO / "deploy" / "terraform" / "outputs.tf").read_text(encoding="utf-8")
    assert 'output "budget_store_nsg_id"' in functions_outputs


def test_a_stream_stays_open_between_events() -> None:
    listener = _resource("oci_load_balancer_listener", "edge")
    assert listener["connection_configuration"][0]["idle_timeout_in_seconds"] == "${var.stream_idle_seconds}"
    backend = _resource("oci_apigateway_deployment", "streaming")["specification"][0]["routes"][0]["backend"][0]
    assert backend["type"] == "HTTP_BACKEND"
    assert backend["read_timeout_in_seconds"] == "${var.gateway_read_timeout_seconds}"
    assert backend["url"].endswith("/$${request.path[path]}")


def test_iam_is_least_privilege_in_the_home_region() -> None:
    locals_ = {k: v for doc in _parsed().values() for block in doc.get("locals", []) for k, v in block.items()}
    assert "resource.type = 'computecontainerinstance'" in locals_["dynamic_group_rule"]
    assert "resource.compartment.id" in locals_["dynamic_group_rule"]
    statements = str(locals_["container_statements"])
    assert "manage" not in statements and "any-user" not in statements
    assert "use generative-ai-chat" in statements and "read repos" in statements
    for rtype, _, body in _blocks("resource"):
        if rtype.startswith("oci_identity_"):
            assert body["provider"] == "${oci.home}"


def test_usage_metrics_add_the_usage_functions_statement_and_variables_only_when_on() -> None:
    """The containers post the usage metrics themselves (genai_fn/edges/usage.py): the usage function's `use metrics`
    statement (../terraform/usage.tf), narrowed to the namespace, and the usage function's variables."""
    locals_ = {k: v for doc in _parsed().values() for block in doc.get("locals", []) for k, v in block.items()}
    statements = str(locals_["container_statements"])
    usage = 'var.usage_metrics ? ["allow dynamic-group ${local.dynamic_group_name} to use metrics in compartment id '
    assert (
        usage + "${local.usage_compartment} where target.metrics.namespace = '${var.usage_metrics_namespace}'"
        in statements
    )
    environment = str(locals_["usage_environment"])
    assert environment.startswith("${var.usage_metrics ? {") and 'USAGE_METRICS = "edge"' in environment
    for name in ("USAGE_METRICS_NAMESPACE", "USAGE_METRICS_COMPARTMENT_OCID"):
        assert name in environment
    (edge,) = [body for rtype, _, body in _blocks("resource") if rtype == "oci_container_instances_container_instance"]
    assert edge["containers"][0]["environment_variables"] == "${merge(var.environment, local.usage_environment)}"


def test_variables_declared_and_used() -> None:
    declared = {name for doc in _parsed().values() for block in doc.get("variable", []) for name in block}
    used = set(re.findall(r"\bvar\.([a-z_][a-z0-9_]*)", _text()))
    assert declared == used


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
def test_terraform_fmt_is_clean() -> None:
    result = subprocess.run(["terraform", "fmt", "-check", "-diff", str(STACK)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


class _Events(BaseHTTPRequestHandler):
    """`/paced`: eight events 50 ms apart; `/buffered`: the same eight in one write."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        events = [b'data: {"choices": [{"delta": {"content": "w"}}]}\n\n'] * 8
        if self.path == "/buffered":
            self.wfile.write(b"".join(events))
            return
        for event in events:
            self.wfile.write(event)
            self.wfile.flush()
            time.sleep(0.05)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def events_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Events)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("path", "code", "word"), [("/paced", 0, "one by one"), ("/buffered", 1, "buffered")])
def test_check_streaming_tells_streamed_from_buffered(events_server: str, path: str, code: int, word: str) -> None:
    run = subprocess.run(
        [sys.executable, str(CHECK_SCRIPT), events_server + path, "-H", "Authorization: Bearer t"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == code, run.stdout + run.stderr
    assert "8 events" in run.stdout and word in run.stdout


def test_check_streaming_reports_a_failed_request() -> None:
    run = subprocess.run(
        [sys.executable, str(CHECK_SCRIPT), "http://127.0.0.1:9/none"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2 and "request failed" in run.stderr
