"""The package's shape, held deterministically: configuration imports no SDK, and genai_fn's imports form no cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "genai_fn"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every genai_fn module `path` imports (module level, in functions, and for type checking alike)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from . import x` names a module
    return {m for m in found if m.split(".")[0] == "genai_fn"}


def graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()}


def package_graph() -> dict[str, set[str]]:
    """Which of genai_fn's packages (`guardrails`, `usecases`, ...) import which: a package that imports another that
    imports it back is one concern split in two (top-level modules are the shared ground, not nodes)."""
    folded: dict[str, set[str]] = {}
    for name, imported in graph().items():
        if name.count(".") < 2 and not (PACKAGE / name.split(".")[-1]).is_dir():
            continue
        node = name.split(".")[1]
        folded.setdefault(node, set()).update(
            m.split(".")[1] for m in imported if m.count(".") >= 2 or (PACKAGE / m.split(".")[-1]).is_dir()
        )
        folded[node].discard(node)
    return {node: {m for m in imported if m in folded} for node, imported in folded.items()}


def assert_acyclic(edges: dict[str, set[str]]) -> None:
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycle = path[path.index(nxt) :] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_the_import_graph_of_genai_fn_has_no_cycle() -> None:
    edges = graph()
    assert_acyclic(edges)
    assert "genai_fn.config" in edges and edges["genai_fn.usecases.chat"]  # the graph was really read


def test_the_packages_of_genai_fn_import_each_other_without_a_cycle() -> None:
    edges = package_graph()
    assert_acyclic(edges)
    assert "guardrails" in edges["usecases"]  # the graph was really read: the use cases call the guardrails


def test_the_graph_reader_sees_relative_and_function_level_imports() -> None:
    edges = graph()
    assert "genai_fn.families" in edges["genai_fn.config"]
    assert "genai_fn.guardrails.screening" in edges["genai_fn.usecases.guarded"]  # imported inside a function


def test_importing_the_configuration_loads_no_sdk() -> None:
    """Configuration is pure data: every cold start reads it, and it must not pay for the SDK."""
    code = "import sys, genai_fn.config; print(sorted(m for m in sys.modules if m.split('.')[0] == 'oci'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_fn_entrypoint_applies_the_fdk_idle_spin_fix() -> None:
    """Both functions of this package run under fdk 0.1.128: each entrypoint imports the correction first
    (docs/fdk-keepalive.md), or its hot containers would spin when idle."""
    root = PACKAGE.parent
    for entrypoint in (root / "func.py", PACKAGE / "usage" / "entry.py"):
        tree = ast.parse(entrypoint.read_text(encoding="utf-8"))
        imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
        assert "genai_fn.fdk_keepalive" in imported, entrypoint


def test_what_only_some_calls_need_is_named_at_the_top_of_its_module() -> None:
    """A module loads what only some calls need through `genai_fn.lazy`, named once beside its TYPE_CHECKING import,
    not inside its functions; configuration alone imports a feature's parser where it reads the feature's variable."""
    inside: list[str] = []
    for path in PACKAGE.rglob("*.py"):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                inside += [
                    f"{module_name(path)}.{function.name}"
                    for node in ast.walk(function)
                    if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("genai_fn"))
                ]
    assert sorted(inside) == ["genai_fn.config._budgets", "genai_fn.config._fallbacks", "genai_fn.config._guardrails"]
