"""Offline checks of deploy/terraform: it parses, its variables are consistent, its IAM is least-privilege,
and the deployment it builds from the generated JSON spec is exactly that spec (no second hand-written copy).

There is no terraform binary or provider here, so the `specification` block's dynamic blocks are expanded by
a small evaluator that understands only the expression forms the stack uses; any other form fails loudly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import generate_spec as gen
import hcl2
import pytest

REPO = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO / "deploy" / "terraform"

TF_FILES = sorted(TERRAFORM_DIR.glob("*.tf"))
MEMORY_SIZES = {128, 256, 512, 1024, 2048, 3072}


def _unquote(value: object) -> object:
    """python-hcl2 v8 keeps quotes of literals and labels, and adds __is_block__/__comments__; drop them."""
    if isinstance(value, str):
        return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if not k.startswith("__")}
    return value


@cache
def _parsed() -> dict[str, dict]:
    out = {}
    for path in TF_FILES:
        with path.open(encoding="utf-8") as fh:
            out[path.name] = _unquote(hcl2.load(fh))
    return out


def _blocks(kind: str) -> list[dict]:
    return [b for doc in _parsed().values() for b in doc.get(kind, [])]


def _resource(rtype: str, name: str) -> dict:
    matches = [r[rtype][name] for r in _blocks("resource") if rtype in r and name in r[rtype]]
    assert len(matches) == 1, f"{rtype}.{name}"
    return matches[0]


def _locals() -> dict:
    merged: dict = {}
    for block in _blocks("locals"):
        merged.update(block)
    return merged


def _text(exclude: str = "") -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in TF_FILES if p.name != exclude)


def _strip_comments(text: str) -> str:
    return re.sub(r"(?m)^\s*#.*$", "", text)


# ---------------------------------------------------------------- parsing and variables


def test_every_tf_file_parses() -> None:
    assert {p.name for p in TF_FILES} >= {
        "versions.tf",
        "variables.tf",
        "network.tf",
        "iam.tf",
        "functions.tf",
        "apigateway.tf",
        "logging.tf",
        "outputs.tf",
    }
    assert all(_parsed()[p.name] for p in TF_FILES)


def test_variables_declared_and_used() -> None:
    declared = {name for block in _blocks("variable") for name in block}
    used = set(re.findall(r"\bvar\.([a-z_][a-z0-9_]*)", _strip_comments(_text(exclude="variables.tf"))))
    assert used - declared == set(), "used but not declared"
    assert declared - used == set(), "declared but never used"
    for block in _blocks("variable"):
        for name, body in block.items():
            assert body.get("description"), f"variable {name} has no description"


def test_locals_defined_before_use() -> None:
    defined = set(_locals())
    used = set(re.findall(r"\blocal\.([a-z_][a-z0-9_]*)", _strip_comments(_text())))
    assert used <= defined, used - defined


def test_outputs() -> None:
    outputs = {name: body for block in _blocks("output") for name, body in block.items()}
    assert {"gateway_endpoint", "curl_chat", "curl_openai", "fn_invoke", "function_id"} <= set(outputs)
    assert (
        "oci_apigateway_gateway.this.hostname" in outputs["gateway_endpoint"]["value"]
        or "local.gateway_url" in outputs["gateway_endpoint"]["value"]
    )
    assert (
        "/chat" in outputs["curl_chat"]["value"] and "Content-Type: application/json" in outputs["curl_chat"]["value"]
    )
    assert "https://${oci_apigateway_gateway.this.hostname}${var.path_prefix}" in _locals()["gateway_url"]


# ---------------------------------------------------------------- function, gateway, network


def _variable(name: str) -> dict:
    return next(block[name] for block in _blocks("variable") if name in block)


def test_function_memory_and_timeout() -> None:
    assert _variable("function_memory_mb")["default"] in MEMORY_SIZES
    assert _variable("function_memory_mb")["default"] == 128
    assert _variable("function_timeout_seconds")["default"] == 120
    condition = _variable("function_memory_mb")["validation"][0]["condition"]
    assert {int(n) for n in re.findall(r"\d+", condition)} == MEMORY_SIZES
    fn = _resource("oci_functions_function", "this")
    assert fn["memory_in_mbs"] == "${var.function_memory_mb}"
    assert fn["timeout_in_seconds"] == "${var.function_timeout_seconds}"


def _contract_variables() -> set[str]:
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\|\s*`?([A-Z][A-Z0-9_]+)`?\s*\|", text, re.M))


def test_function_config_uses_contract_names_and_drops_empty_values() -> None:
    config = _locals()["function_config_all"]
    keys = set(re.findall(r"^\s*([A-Z][A-Z0-9_]+)\s*=", _text(), re.M))
    assert {"MODEL_ID", "COMPARTMENT_OCID", "SERVICE_ENDPOINT"} <= keys
    assert keys <= _contract_variables(), keys - _contract_variables()
    assert 'if v != ""' in _locals()["function_config"]
    assert "var.extra_function_config" in config


def test_gateway_is_private_and_deployment_uses_the_generated_spec() -> None:
    gw = _resource("oci_apigateway_gateway", "this")
    assert gw["endpoint_type"] == "PRIVATE"
    assert "network_security_group_ids" in gw
    loc = _locals()
    assert loc["api_spec"].replace(" ", "") == (
        "${jsondecode(templatefile(local.api_spec_template,{function_id=local.function_id_placeholder}))}"
    )
    assert "spec.default.json.tftpl" in loc["api_spec_template"]
    assert (TERRAFORM_DIR / "spec.default.json.tftpl").read_text() == gen.render_terraform(
        gen.build_spec(gen.SpecOptions(function_id=gen.TERRAFORM_FUNCTION_ID))
    )


def test_service_gateway_route_for_function_and_gateway_subnets() -> None:
    """Row 6: a private gateway reaches Functions through the service gateway, so its subnet gets the route."""
    rt = _resource("oci_core_route_table", "functions")
    rule = rt["route_rules"][0]
    assert rule["destination_type"] == "SERVICE_CIDR_BLOCK"
    assert rule["network_entity_id"] == "${local.service_gateway_id}"
    assert _resource("oci_core_route_table_attachment", "functions")["subnet_id"] == "${var.function_subnet_id}"
    gateway = _resource("oci_core_route_table_attachment", "gateway")
    assert gateway["subnet_id"] == "${var.gateway_subnet_id}"
    assert gateway["route_table_id"] == "${oci_core_route_table.functions[0].id}"
    assert "var.gateway_subnet_id != var.function_subnet_id" in gateway["count"]
    assert _variable("attach_gateway_route_table")["default"] is True
    sgw = _resource("oci_core_service_gateway", "this")
    assert sgw["count"] == "${var.create_service_gateway ? 1 : 0}"
    assert "var.service_gateway_id" in _locals()["service_gateway_id"]


def test_existing_vcn_reuses_its_service_gateway() -> None:
    """Row 14: the VCN is always an existing one; it usually has a service gateway, so none is created by
    default, and forgetting service_gateway_id is a plan-time error, not a route to nowhere."""
    assert _variable("create_service_gateway")["default"] is False
    precondition = _resource("oci_core_route_table", "functions")["lifecycle"][0]["precondition"][0]
    assert precondition["condition"] == '${var.create_service_gateway || var.service_gateway_id != ""}'
    assert "service_gateway_id" in precondition["error_message"]


def test_no_open_ingress() -> None:
    assert "0.0.0.0/0" not in _strip_comments(_text(exclude="variables.tf"))
    rule = _resource("oci_core_network_security_group_security_rule", "gateway_ingress_clients")
    assert rule["source"] == "${each.value}" and "var.client_cidrs" in rule["for_each"]


# ---------------------------------------------------------------- IAM


def _norm(statement: str) -> str:
    """Replace every placeholder form (${...}, $VAR, <...>) so TF, script and docs can be compared."""
    statement = re.sub(r"\$\{[^${}]*\}|\$[A-Z_]+|<[^>]+>", "X", statement)
    return re.sub(r"dynamic-group \S+", "dynamic-group X", statement)


GATEWAY_STATEMENT = (
    "ALLOW any-user to use functions-family in compartment id X where ALL "
    "{request.principal.type = 'ApiGateway', request.principal.id = 'X'}"
)
GATEWAY_STATEMENT_COMPARTMENT = (
    "ALLOW any-user to use functions-family in compartment id X where ALL "
    "{request.principal.type = 'ApiGateway', request.resource.compartment.id = 'X'}"
)
CHAT_STATEMENT = "allow dynamic-group X to use generative-ai-chat in compartment id X"
EMBED_STATEMENT = "allow dynamic-group X to use generative-ai-text-embedding in compartment id X"


def test_iam_statements_are_least_privilege() -> None:
    loc = _locals()
    gateway = _norm(loc["gateway_statements"][0])
    assert GATEWAY_STATEMENT in gateway and GATEWAY_STATEMENT_COMPARTMENT in gateway
    assert 'var.gateway_policy_scope == "gateway"' in loc["gateway_statements"][0]
    assert "request.principal.id = '${oci_apigateway_gateway.this.id}'" in loc["gateway_statements"][0]
    function_statements = _norm(loc["function_statements"])
    assert CHAT_STATEMENT in function_statements
    assert EMBED_STATEMENT in function_statements and 'var.embedding_models == ""' in loc["function_statements"]
    guardrails_only = (
        'var.guardrails == "" ? [] : ["allow dynamic-group ${local.dynamic_group_name} to use generative-ai-family'
    )
    assert guardrails_only in loc["function_statements"], "the family only for ApplyGuardrails (no documented type)"
    without = loc["function_statements"].replace(guardrails_only, "")
    assert "family" not in without, "use the individual resource types, not generative-ai-family"
    rule = loc["dynamic_group_rule"]
    assert "resource.type = 'fnfunc', resource.id = '${oci_functions_function.this.id}'" in rule
    assert "resource.type = 'fnfunc', resource.compartment.id = '${var.compartment_ocid}'" in rule
    assert _resource("oci_identity_dynamic_group", "functions")["compartment_id"] == "${var.tenancy_ocid}"


def test_script_and_docs_use_the_same_statements() -> None:
    script = (REPO / "deploy" / "scripts" / "deploy.sh").read_text(encoding="utf-8")
    docs = (REPO / "docs" / "iam.md").read_text(encoding="utf-8")
    for text in (script, docs):
        normalized = _norm(text)
        for statement in (GATEWAY_STATEMENT, CHAT_STATEMENT, EMBED_STATEMENT):
            assert statement in normalized


# ---------------------------------------------------------------- the deployment spec Terraform would send


class _Missing(Exception):
    """A reference into the JSON that does not exist (what try() catches)."""


def _eval(expr: str, env: dict) -> object:
    """Evaluate the few HCL expression forms used in the specification block."""
    expr = expr.strip()
    if expr.startswith("${") and expr.endswith("}"):
        expr = expr[2:-1].strip()
    if m := re.fullmatch(r"try\((.*), (null|\[\]|\{\})\)", expr, re.S):
        try:
            return _eval(m.group(1), env)
        except _Missing:
            return {"null": None, "[]": [], "{}": {}}[m.group(2)]
    if m := re.fullmatch(r"replace\((.*), local\.function_id_placeholder, oci_functions_function\.this\.id\)", expr):
        return str(_eval(m.group(1), env)).replace(PLACEHOLDER, TF_FUNCTION_ID)
    if m := re.fullmatch(r"\[(.*)\]", expr, re.S):
        return [_eval(m.group(1), env)]
    if re.fullmatch(r"[a-z_]+(\.[A-Za-z_]+)+", expr):
        head, *rest = expr.split(".")
        value = env[head]
        for part in rest:
            if not isinstance(value, dict) or part not in value:
                raise _Missing(expr)
            value = value[part]
        return value
    raise AssertionError(f"the test's evaluator does not understand {expr!r}; extend it or simplify the .tf")


def _expand(body: dict, env: dict) -> dict:
    """Expand static and dynamic blocks into {name: [block, ...]} and evaluate attributes (null = absent)."""
    out: dict = {}
    for key, value in body.items():
        if key == "dynamic":
            for dyn in value:
                for name, spec in dyn.items():
                    items = _eval(spec["for_each"], env)
                    pairs = items.items() if isinstance(items, dict) else enumerate(items)
                    iterator = spec.get("iterator", name)
                    for k, v in pairs:
                        block = _expand(spec["content"][0], {**env, iterator: {"key": k, "value": v}})
                        out.setdefault(name, []).append(block)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out[key] = [_expand(v, env) for v in value]
        elif key not in ("iterator", "for_each"):
            evaluated = _eval(value, env) if isinstance(value, str) and value.startswith("${") else value
            if evaluated is not None:
                out[key] = evaluated
    return out


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


LIST_BLOCKS = ("routes", "items", "verify_claims")
"""Blocks that are JSON lists even with one element."""


def _to_json(blocks: dict) -> dict:
    """Turn the provider's block shape back into the ApiSpecification wire shape."""
    out: dict = {}
    for key, value in blocks.items():
        if key == "content":  # body_validation: list of {media_type, validation_type} -> map by media type
            out["content"] = {c["media_type"]: {"validationType": c["validation_type"]} for c in value}
        elif key in LIST_BLOCKS:
            out[_camel(key)] = [_to_json(r) for r in value]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            assert len(value) == 1, key
            inner = _to_json(value[0])
            if inner:
                out[_camel(key)] = inner
        else:
            out[_camel(key)] = value
    return out


PLACEHOLDER = "ocid1.fnfunc.oc1..terraform-placeholder"
TF_FUNCTION_ID = "ocid1.fnfunc.oc1..terraform"


def terraform_view(spec_text: str) -> dict:
    """What the deployment resource would send for this template, mapped back to JSON.

    Like the stack, the template is rendered with the plan-time placeholder; the backend swaps in the OCID."""
    assert _locals()["function_id_placeholder"] == PLACEHOLDER
    # templatefile() turns the template's $${ (a literal ${) into ${; the gateway's own expressions stay literal.
    api_spec = json.loads(spec_text.replace(gen.TERRAFORM_FUNCTION_ID, PLACEHOLDER).replace("$${", "${"))
    env: dict = {"local": {"api_spec": api_spec}}
    env["local"]["api_policies"] = _eval(_locals()["api_policies"], env)
    deployment = _resource("oci_apigateway_deployment", "this")
    return _to_json(_expand(deployment["specification"][0], env))


def _template_for(options: gen.SpecOptions) -> str:
    """The --terraform-template output for the same choices as a committed example."""
    options = gen.SpecOptions(**{**options.__dict__, "function_id": gen.TERRAFORM_FUNCTION_ID})
    return gen.render_terraform(gen.build_spec(options))


@pytest.mark.parametrize("name", sorted(gen.EXAMPLE_OPTIONS))
def test_terraform_sends_exactly_the_json_spec(name) -> None:
    template = _template_for(gen.EXAMPLE_OPTIONS[name])
    expected = json.loads(template.replace(gen.TERRAFORM_FUNCTION_ID, TF_FUNCTION_ID).replace("$${", "${"))
    assert terraform_view(template) == expected


def test_terraform_routes_equal_the_default_spec_routes() -> None:
    text = (TERRAFORM_DIR / "spec.default.json.tftpl").read_text(encoding="utf-8")
    tf_routes = [(r["path"], r["methods"], r["backend"]["type"]) for r in terraform_view(text)["routes"]]
    json_routes = [(r["path"], r["methods"], r["backend"]["type"]) for r in json.loads(text)["routes"]]
    assert all(r["backend"]["functionId"] == TF_FUNCTION_ID for r in terraform_view(text)["routes"])
    assert tf_routes == json_routes
    assert {(m[0], p) for p, m, _ in tf_routes} == set(gen.ROUTES)
    backend = _resource("oci_apigateway_deployment", "this")["specification"][0]["dynamic"]
    routes = next(d["routes"] for d in backend if "routes" in d)
    assert routes["for_each"] == "${local.api_spec.routes}"


def test_evaluator_would_notice_a_dropped_key() -> None:
    spec = json.loads(_template_for(gen.EXAMPLE_OPTIONS["jwt"]))
    unescaped = json.loads(json.dumps(spec).replace(gen.TERRAFORM_FUNCTION_ID, TF_FUNCTION_ID).replace("$${", "${"))
    assert terraform_view(json.dumps(spec)) == unescaped
    spec["routes"][0]["responsePolicies"] = {"headerTransformations": {"filterHeaders": {"type": "BLOCK"}}}
    expected = json.loads(json.dumps(spec).replace(gen.TERRAFORM_FUNCTION_ID, TF_FUNCTION_ID).replace("$${", "${"))
    assert terraform_view(json.dumps(spec)) != expected


def test_usage_plan_resources_follow_the_spec() -> None:
    assert "usagePlans" in _locals()["uses_usage_plans"]
    assert _resource("oci_apigateway_usage_plan", "this")["count"] == "${local.uses_usage_plans ? 1 : 0}"
    assert _variable("usage_plan_clients")["sensitive"] is True


# ---------------------------------------------------------------- checkov (static security analysis)


def _checkov() -> str | None:
    candidates = [os.environ.get("CHECKOV", ""), shutil.which("checkov") or "", "/tmp/checkov-venv/bin/checkov"]
    return next((c for c in candidates if c and Path(c).exists()), None)


def test_checkov_has_no_unjustified_findings() -> None:
    binary = _checkov()
    if binary is None:
        pytest.skip("checkov is not installed (about 290 MB, so not in CI); see deploy/terraform/SECURITY-CHECKS.md")
    result = subprocess.run(
        [binary, "-d", str(TERRAFORM_DIR), "--framework", "terraform", "--skip-download", "--compact", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(result.stdout)
    failed = [f"{c['check_id']} {c['resource']}" for c in report["results"]["failed_checks"]]
    assert failed == [], failed
    skipped = {c["check_id"] for c in report["results"]["skipped_checks"]}
    justified = (TERRAFORM_DIR / "SECURITY-CHECKS.md").read_text(encoding="utf-8")
    assert all(check in justified for check in skipped), skipped


# ---------------------------------------------------------------- issue 11: what a first real apply needs

PROVIDER_PREFIXES = ("oci_", "time_", "terraform_data")
ITERATOR_ATTRS = ("value", "key")


def _managed_refs(expr: str) -> set[str]:
    """Managed-resource references (`type.name`) in an expression, iterators (`x.value`) excluded."""
    refs = set()
    for rtype, name in re.findall(r"(?<![\w.])([a-z][a-z0-9_]*)\.([a-z_][a-z0-9_]*)", expr):
        if rtype.startswith(PROVIDER_PREFIXES) and name not in ITERATOR_ATTRS:
            refs.add(f"{rtype}.{name}")
    return refs


def _plan_time_unknowns(expr: str, seen: frozenset[str] = frozenset()) -> set[str]:
    """Managed resources an expression depends on, following locals and data sources transitively."""
    found = _managed_refs(expr)
    for name in re.findall(r"\blocal\.([a-z_][a-z0-9_]*)", expr):
        if name not in seen:
            found |= _plan_time_unknowns(json.dumps(_locals()[name]), seen | {name})
    for dtype, dname in re.findall(r"\bdata\.([a-z0-9_]+)\.([a-z0-9_]+)", expr):
        key = f"data.{dtype}.{dname}"
        if key not in seen:
            body = next(b[dtype][dname] for b in _blocks("data") if dtype in b and dname in b[dtype])
            found |= _plan_time_unknowns(json.dumps(body), seen | {key})
    return found


def _repetitions(body: dict, where: str) -> list[tuple[str, str]]:
    """(where, expression) of every count/for_each of a block and of the dynamic blocks inside it."""
    found = [(f"{where}.{k}", body[k]) for k in ("count", "for_each") if isinstance(body.get(k), str)]
    for key, value in body.items():
        if key == "dynamic":
            for dyn in value:
                for name, spec in dyn.items():
                    found.append((f"{where}.dynamic.{name}.for_each", spec["for_each"]))
                    found += _repetitions(spec["content"][0], f"{where}.dynamic.{name}")
        elif isinstance(value, list):
            found += [r for v in value if isinstance(v, dict) for r in _repetitions(v, f"{where}.{key}")]
    return found


def _all_repetitions() -> list[tuple[str, str]]:
    found = []
    for kind in ("resource", "data"):
        for block in _blocks(kind):
            for rtype, named in block.items():
                for name, body in named.items():
                    found += _repetitions(body, f"{rtype}.{name}")
    return found


def test_every_count_and_for_each_is_known_at_plan_time() -> None:
    """Row 1: a count or for_each derived from a managed resource's attribute (even through locals and
    templatefile) is unknown on the first plan and fails the first apply ("Invalid count argument")."""
    repetitions = _all_repetitions()
    assert any("oci_apigateway_usage_plan.this.count" == w for w, _ in repetitions)
    offenders = {where: sorted(_plan_time_unknowns(expr)) for where, expr in repetitions}
    assert {w: r for w, r in offenders.items() if r} == {}


def test_plan_time_analysis_follows_locals_and_templatefile() -> None:
    """The analysis itself catches the shape that broke the first apply (a local rendering the function OCID)."""
    expr = "${jsondecode(templatefile(local.api_spec_template, { function_id = oci_functions_function.this.id }))}"
    assert _plan_time_unknowns(expr) == {"oci_functions_function.this"}
    assert _plan_time_unknowns("${local.uses_usage_plans ? 1 : 0}") == set()
    assert _plan_time_unknowns("${try([authentication.value.publicKeys], [])}") == set()


def test_iam_resources_use_the_home_region_provider() -> None:
    """Row 2: IAM writes are refused outside the home region."""
    identity = [
        (rtype, name, body)
        for block in _blocks("resource")
        for rtype, named in block.items()
        for name, body in named.items()
        if rtype.startswith("oci_identity_")
    ]
    assert len(identity) == 5, "dynamic groups and policies of both functions"
    for rtype, name, body in identity:
        assert body.get("provider") == "${oci.home}", f"{rtype}.{name} must set provider = oci.home"
    providers = [p["oci"] for p in _blocks("provider") if "oci" in p]
    home = [p for p in providers if p.get("alias") == "home"]
    assert len(home) == 1 and home[0]["region"] == "${local.home_region}"
    assert "var.home_region" in _locals()["home_region"]
    assert "data.oci_identity_region_subscriptions.home" in _locals()["home_region"]
    data = next(
        b["oci_identity_region_subscriptions"]["home"]
        for b in _blocks("data")
        if "oci_identity_region_subscriptions" in b
    )
    assert data["tenancy_id"] == "${var.tenancy_ocid}" and data["filter"][0]["name"] == "is_home_region"
    assert _plan_time_unknowns(_locals()["home_region"]) == set(), "the home provider's region must be known at plan"


def test_provider_is_pinned_to_the_tested_major() -> None:
    """Row 13: schemas checked against oracle/oci 8.x; a later major may move the image into source_details."""
    required = _blocks("terraform")[0]["required_providers"][0]
    oci = required["oci"]
    assert oci["source"] == "oracle/oci"
    assert oci["version"].replace(" ", "") == ">=8.0.0,<9.0.0"
    assert required["time"]["source"] == "hashicorp/time"
    assert "<" in required["time"]["version"]


def test_deployment_waits_for_iam_to_propagate() -> None:
    """Row 15: the deployment's creation checks the gateway's permission; a just-created policy may not apply yet."""
    sleep = _resource("time_sleep", "iam_propagation")
    assert sleep["create_duration"] == "${var.iam_propagation_seconds}s"
    for dep in ("oci_identity_policy.gateway_to_functions", "oci_identity_policy.function_to_genai"):
        assert any(dep in v for v in sleep["triggers"].values()), dep
    deployment = _resource("oci_apigateway_deployment", "this")
    assert "${time_sleep.iam_propagation}" in deployment["depends_on"]
    assert _variable("iam_propagation_seconds")["default"] >= 30


def test_gateway_policy_is_narrowed_to_this_gateway_by_default() -> None:
    """Row 16: any gateway in the compartment could invoke every function there; now only ours can."""
    assert _variable("gateway_policy_scope")["default"] == "gateway"
    policy = _resource("oci_identity_policy", "gateway_to_functions")
    assert policy["statements"] == "${local.gateway_statements}"


def _terraform() -> str:
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("terraform is not on PATH: fmt and variable-validation checks need the binary (1.x)")
    return binary


def test_terraform_fmt_is_clean() -> None:
    """Row 11. (`terraform validate` cannot run offline: it needs the provider plugins downloaded.)"""
    result = subprocess.run(
        [_terraform(), "fmt", "-check", "-recursive", "-diff", str(TERRAFORM_DIR)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


REQUIRED_VARS = {
    "tenancy_ocid": "t",
    "region": "us-chicago-1",
    "compartment_ocid": "c",
    "vcn_id": "v",
    "function_subnet_id": "f",
    "gateway_subnet_id": "g",
    "function_image": "i",
    "model_id": "m",
    "client_cidrs": ["10.0.0.0/16"],
}


@pytest.fixture(scope="module")
def variables_only(tmp_path_factory) -> Path:
    """variables.tf alone: terraform evaluates its validations at plan time with no provider to download."""
    binary = _terraform()
    work = tmp_path_factory.mktemp("variables")
    (work / "variables.tf").write_text((TERRAFORM_DIR / "variables.tf").read_text(encoding="utf-8"))
    subprocess.run([binary, "init", "-input=false", "-no-color"], cwd=work, capture_output=True, check=True)
    return work


def _plan_errors(work: Path, **overrides: object) -> str:
    values = {**REQUIRED_VARS, **overrides}
    (work / "test.tfvars.json").write_text(json.dumps(values))
    result = subprocess.run(
        [_terraform(), "plan", "-input=false", "-no-color", "-var-file=test.tfvars.json"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return "" if result.returncode == 0 else result.stderr


@pytest.mark.parametrize(
    ("cidrs", "accepted"),
    [
        (["10.0.0.0/16", "192.168.0.0/16"], True),
        (["10.0.0.0/8"], True),
        (["fc00::/7"], True),
        (["0.0.0.0/0"], False),
        (["::/0"], False),
        (["0.0.0.0/1", "128.0.0.0/1"], False),
        (["10.0.0.0/16", "0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"], False),
        (["not-a-cidr"], False),
        ([], False),
    ],
)
def test_client_cidrs_refuse_everything_however_spelled(variables_only, cidrs, accepted) -> None:
    """Row 16: only the literal 0.0.0.0/0 used to be refused."""
    errors = _plan_errors(variables_only, client_cidrs=cidrs)
    assert (errors == "") == accepted, errors
    if not accepted:
        assert "client_cidrs" in errors


@pytest.mark.parametrize(
    ("days", "accepted"), [(30, True), (90, True), (180, True), (45, False), (210, False), (0, False)]
)
def test_log_retention_is_a_30_day_step(variables_only, days, accepted) -> None:
    """Row 10: OCI Logging keeps logs 30, 60, ... 180 days (SDK CreateLogDetails.retention_duration)."""
    errors = _plan_errors(variables_only, log_retention_days=days)
    assert (errors == "") == accepted, errors
