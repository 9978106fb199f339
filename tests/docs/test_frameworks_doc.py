"""docs/frameworks.md's snippets are what `python3 -m localfn.doc_snippets` (CI) runs: every marked block is found,
each calls run-local's documented URL and checks what it got; requirements-frameworks.txt pins, on its own, every
framework the forced tool choice tests import, so CI's run of them in .venv-frameworks skips none."""

from __future__ import annotations

import re

from localfn.doc_snippets import FORCED_TESTS, PAGE, REQUIREMENTS, snippets
from localfn.readme_examples import README_BASE_URL, REPO_ROOT

FRAMEWORKS = ["openai", "langchain", "llamaindex", "pydantic-ai", "instructor", "openai-agents", "vercel-ai"]


def test_every_marker_opens_a_snippet_the_runner_reads() -> None:
    markers = re.findall(r"<!-- snippet: ([\w-]+) -->", PAGE.read_text(encoding="utf-8"))
    names = [snippet.name for snippet in snippets()]

    assert names == markers  # a marker before a block in another language (or none) would be silently dropped
    assert len(set(names)) == len(names)


def test_every_framework_has_a_snippet() -> None:
    names = [snippet.name for snippet in snippets()]

    assert {"openai-python", "openai-npm"} <= set(names)
    assert all(any(name.startswith(framework) for name in names) for framework in FRAMEWORKS)


def test_each_snippet_calls_run_local_and_asserts() -> None:
    for snippet in snippets():
        assert f"{README_BASE_URL}/genai/v1" in snippet.code, snippet.name
        assert re.search(r"^\s*assert", snippet.code, re.M), f"{snippet.name} checks nothing"


def test_the_frameworks_requirements_stand_alone_and_pin_what_the_forced_tests_import() -> None:
    lines = [line for line in (REPO_ROOT / REQUIREMENTS).read_text().splitlines() if line and line[0] != "#"]
    pins = dict(line.split("==") for line in lines if not line.startswith("-r "))
    forced = (REPO_ROOT / FORCED_TESTS).read_text()

    assert [line for line in lines if line.startswith("-r ")] == ["-r requirements-local.txt"]  # not -dev's openai
    assert all(version for version in pins.values())
    for package, module in [
        ("instructor", "instructor"),
        ("pydantic-ai-slim[openai]", "pydantic_ai"),
        ("llama-index-llms-openai-like", "llama_index.llms.openai_like"),
        ("langchain-openai", "langchain_openai"),
        ("pytest", "pytest"),
        ("jsonschema", "jsonschema"),
    ]:
        assert package in pins and module in forced, package


def test_for_url_points_the_snippet_at_the_gateway_under_test() -> None:
    snippet = snippets()[0]

    code = snippet.for_url("http://127.0.0.1:8093")

    assert README_BASE_URL not in code and "http://127.0.0.1:8093/genai/v1" in code
