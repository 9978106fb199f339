"""One function name (func.yaml's `name`) and one application name across every place a user copies from.

`fn deploy` names the function and its image after func.yaml, so a script, tfvars example or doc that says
anything else looks up a function that does not exist, or pushes a tag that was never built (issue 11, row 3).
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APP_NAME = "genai-app"
PLACEHOLDER = re.compile(r"^(<[^>]+>|\$\{?[A-Z_]+\}?|\$\{[^}]+\})$")


def _func_yaml(key: str) -> str:
    text = (REPO / "func.yaml").read_text(encoding="utf-8")
    return re.search(rf"^{key}:\s*(\S+)\s*$", text, re.M).group(1)


def _user_facing_files() -> list[Path]:
    files = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    files += [
        p for p in sorted((REPO / "deploy").rglob("*")) if p.is_file() and p.suffix in {".sh", ".tf", ".md", ".example"}
    ]
    return files


def test_func_yaml_names_the_function_genai() -> None:
    assert _func_yaml("name") == "genai"


def test_fn_commands_everywhere_use_one_app_and_one_function_name() -> None:
    fn = _func_yaml("name")
    seen = []
    for path in _user_facing_files():
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"\bfn (?:invoke|config function) (\S+) (\S+)", text):
            app, function = m.group(1).strip("\"'`.,;"), m.group(2).strip("\"'`.,;")
            seen.append((path.name, app, function))
            if not PLACEHOLDER.match(app):
                assert app == APP_NAME, f"{path.relative_to(REPO)}: {m.group(0)}"
            if not PLACEHOLDER.match(function):
                assert function == fn, f"{path.relative_to(REPO)}: {m.group(0)}"
    assert {name for name, _, _ in seen} >= {"README.md", "deploy.md"}


def test_image_paths_are_named_after_func_yaml() -> None:
    fn, version = _func_yaml("name"), _func_yaml("version")
    usage = re.search(r"^name:\s*(\S+)\s*$", (REPO / "deploy" / "usage" / "func.yaml").read_text(), re.M).group(1)
    # The streaming edge's image is not fn's: deploy-streaming.sh builds ${OCIR_REPO}/<name>:${TAG} (the commit).
    streaming_script = (REPO / "deploy" / "scripts" / "deploy-streaming.sh").read_text(encoding="utf-8")
    stream = re.search(r'^IMAGE="\$\{OCIR_REPO\}/([a-z0-9-]+):\$\{TAG\}"$', streaming_script, re.M).group(1)
    for path in _user_facing_files():
        for image in re.findall(r"[a-z0-9-]+\.ocir\.io/[^\s'\"`]*:[^\s'\"`]+", path.read_text(encoding="utf-8")):
            repo, tag = image.rstrip(".,;)").rsplit(":", 1)
            if repo.rsplit("/", 1)[1] == stream:
                assert tag == "<tag>", f"{path.relative_to(REPO)}: {image}"
                continue
            assert repo.rsplit("/", 1)[1] in (fn, usage), (
                f"{path.relative_to(REPO)}: {image} (fn builds <registry>/{fn}:<version>)"
            )
            assert tag in (version, "<version>"), f"{path.relative_to(REPO)}: {image}"


def test_script_defaults() -> None:
    script = (REPO / "deploy" / "scripts" / "deploy.sh").read_text(encoding="utf-8")
    assert f'APP_NAME="${{APP_NAME:-{APP_NAME}}}"' in script
    assert "awk -F': *' '$1 == \"name\"" in script and "func.yaml" in script, "FN_NAME must come from func.yaml"
    assert 'FN_NAME="${FN_NAME:-${FUNC_YAML_NAME:-genai}}"' in script


def test_terraform_names() -> None:
    variables = (REPO / "deploy" / "terraform" / "variables.tf").read_text(encoding="utf-8")
    prefix = re.search(r'variable "name_prefix" \{.*?default\s*=\s*"([^"]+)"', variables, re.S).group(1)
    functions = (REPO / "deploy" / "terraform" / "functions.tf").read_text(encoding="utf-8")
    assert 'display_name               = "${var.name_prefix}-app"' in functions
    assert re.search(r"display_name\s*=\s*var\.name_prefix\n", functions)
    assert prefix == _func_yaml("name") and f"{prefix}-app" == APP_NAME
