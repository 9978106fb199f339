"""The arguments a Terraform configuration may set, read from the oracle/oci provider's own Go source.

`provider_schema.json` holds, for each resource and data source the streaming stack uses, the arguments its schema
marks Required or Optional (nested blocks as nested objects), extracted from the provider's git tag named in the file.
Regenerate it from a checkout of github.com/oracle/terraform-provider-oci:

    python tests/deploy/provider_schema.py /path/to/terraform-provider-oci v8.28.0
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("provider_schema.json")
RESOURCES = (
    "oci_apigateway_deployment",
    "oci_container_instances_container_instance",
    "oci_core_network_security_group",
    "oci_core_network_security_group_security_rule",
    "oci_generative_ai_hosted_application",
    "oci_generative_ai_hosted_deployment",
    "oci_identity_dynamic_group",
    "oci_identity_policy",
    "oci_load_balancer_backend",
    "oci_load_balancer_backend_set",
    "oci_load_balancer_listener",
    "oci_load_balancer_load_balancer",
)
DATA_SOURCES = ("oci_apigateway_gateway", "oci_core_services", "oci_identity_region_subscriptions")
SCHEMA_MAP = "map[string]*schema.Schema{"


def _block(text: str, start: int) -> str:
    """The text between the `{` at `start` and its matching `}` (Go source without braces in strings that matter)."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index]
    raise ValueError("unbalanced braces")


def _top_level(body: str) -> str:
    """`body` with every nested `{...}` removed, so flags of nested fields do not count."""
    out, depth = [], 0
    for char in body:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _schema_map(body: str) -> dict[str, Any]:
    """Parse the entries `"name": {...}` of one `map[string]*schema.Schema{...}` body."""
    arguments: dict[str, Any] = {}
    index = 0
    entry = re.compile(r'\s*"([a-z0-9_]+)":\s*\{')
    while True:
        match = entry.search(body, index)
        if match is None:
            return arguments
        start = match.end() - 1
        field = _block(body, start)
        index = start + len(field) + 2
        flags = _top_level(field)
        if not re.search(r"\b(Required|Optional):\s*true", flags):
            continue
        nested = field.find("Elem: &schema.Resource{")
        if nested >= 0 and SCHEMA_MAP in field[nested:]:
            inner = field.index(SCHEMA_MAP, nested) + len(SCHEMA_MAP) - 1
            arguments[match.group(1)] = _schema_map(_block(field, inner))
        else:
            arguments[match.group(1)] = None


def _function_schema(source: str, function: str) -> dict[str, Any]:
    head = re.search(rf"func {function}\(\) \*schema\.Resource \{{", source)
    if head is None:
        raise ValueError(f"{function} not found")
    body = _block(source, head.end() - 1)
    if SCHEMA_MAP not in body:  # a singular data source: its own arguments in fieldMap, the rest computed
        fields = re.finditer(r'fieldMap\["([a-z0-9_]+)"\] = &schema\.Schema\{', body)
        return {
            f.group(1): None for f in fields if re.search(r"(Required|Optional):\s*true", _block(body, f.end() - 1))
        }
    start = body.index(SCHEMA_MAP) + len(SCHEMA_MAP) - 1
    arguments = _schema_map(_block(body, start))
    if '"filter": tfresource.DataSourceFiltersSchema()' in body:  # internal/tfresource/filters.go
        arguments["filter"] = dict.fromkeys(("name", "values", "regex"))
    return arguments


def extract(checkout: Path, tag: str) -> dict[str, Any]:
    """Every RESOURCES and DATA_SOURCES schema at `tag`, found through the services' register_*.go files."""

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(checkout), *args], check=True, capture_output=True, text=True).stdout

    out: dict[str, Any] = {"provider": "oracle/oci", "tag": tag, "resources": {}, "data_sources": {}}
    for kind, names, register in (
        ("resources", RESOURCES, "RegisterResource"),
        ("data_sources", DATA_SOURCES, "RegisterDatasource"),
    ):
        for name in names:
            line = git("grep", "-h", f'{register}("{name}",', tag, "--", "internal/service/*/register_*.go")
            function = re.search(r",\s*(\w+)\(\)\)", line)
            assert function, name
            path = git("grep", "-l", f"func {function.group(1)}()", tag, "--", "internal/service").split(":", 1)[1]
            out[kind][name] = _function_schema(git("show", f"{tag}:{path.strip()}"), function.group(1))
    return out


if __name__ == "__main__":
    checkout, tag = Path(sys.argv[1]), sys.argv[2]
    SCHEMA_FILE.write_text(json.dumps(extract(checkout, tag), indent=1, sort_keys=True) + "\n", encoding="utf-8")
