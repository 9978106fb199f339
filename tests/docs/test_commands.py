"""What README.md and docs/ tell a reader to run or to read exists: every repository path they name, every
`python -m` module, every script; every configuration variable docs/configuration.md documents is one the function
reads, and every one it reads is documented. The README's curl examples themselves are sent to run-local by
tests/integration/test_run_local.py and by CI (localfn/readme_examples.py); this checks their parser offline."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from genai_fn.config import Settings
from genai_fn.edges.asgi import posts_usage_metrics
from genai_fn.usage.config import UsageSettings
from localfn.readme_examples import ExampleError, check, curl_examples, parse_curl

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
TOP_LEVEL = ("scripts", "benchmarks", "deploy", "tests", "emulator", "localfn", "genai_fn", "docs", ".ci")
REPO_PATH = re.compile(rf"(?<![\w./-])((?:{'|'.join(re.escape(d) for d in TOP_LEVEL)})/[\w./-]*[\w/])")
PYTHON_MODULE = re.compile(r"\bpython3? -m ([\w.]+)")


def _named_paths(text: str) -> Iterator[str]:
    for match in REPO_PATH.finditer(text):
        path = match.group(1)
        after = text[match.end() : match.end() + 1]
        if after in ("<", "*", "{") or path.endswith((".", "/.")):
            continue  # a pattern or placeholder (`.local/<port>/`, `docs/*.md`), not a path
        if text[: match.start()].endswith("> "):
            continue  # a file the command writes
        yield path.split("::")[0].rstrip(".")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(REPO).as_posix())
def test_every_named_path_exists(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    missing = sorted({path for path in _named_paths(text) if not (REPO / path).exists()})
    assert not missing, f"{page.name} names paths that do not exist: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(REPO).as_posix())
def test_every_python_module_run_exists(page: Path) -> None:
    modules = set(PYTHON_MODULE.findall(page.read_text(encoding="utf-8")))
    missing = sorted(module for module in modules if importlib.util.find_spec(module) is None)
    assert not missing, f"{page.name} runs modules that do not exist: {missing}"


class _Recording(dict[str, str]):
    """An environment that remembers every variable the configuration reads."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.read.add(key)
        return super().__contains__(key)


def test_documented_variables_are_the_ones_read() -> None:
    table = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", table, re.M))
    environment = _Recording(
        {
            "MODEL_ID": "cohere.command-a-03-2025",
            "COMPARTMENT_OCID": "ocid1.compartment.oc1..docs",
            "SERVICE_ENDPOINT": "https://inference.generativeai.us-chicago-1.oci.oraclecloud.com",
            "GUARDRAILS": "content_moderation:block,prompt_injection:block,pii:mask",  # so its variables are read
            "TOKEN_BUDGETS": "*:1000/day",  # likewise
            "BUDGET_STORE_URL": "rediss://genai:secret@cache.example.com:6379/0",
            "ALLOWED_MODELS": "meta.llama-3.3-70b-instruct",
            "FALLBACKS": "cohere.command-a-03-2025>meta.llama-3.3-70b-instruct",  # likewise
            "USAGE_METRICS_COMPARTMENT_OCID": "ocid1.compartment.oc1..docs",
        }
    )
    Settings.from_env(environment)
    UsageSettings.from_env(environment)  # the usage function's own config, in the same table file
    posts_usage_metrics(environment)  # the streaming edge's one variable of its own

    assert documented - environment.read == set(), "documented but never read"
    assert environment.read - documented == set(), "read but not in docs/configuration.md"


def test_the_readme_shows_curl_examples_the_check_understands() -> None:
    examples = curl_examples()
    assert len(examples) >= 7
    assert all(example.url.startswith(("http://127.0.0.1:8080/", "http://127.0.0.1:8090/")) for example in examples)
    assert any(example.streaming_edge for example in examples), "the README shows the streaming edge"


def test_the_curl_parser_reads_as_the_shell_does() -> None:
    markdown = (
        "```sh\ncurl -s http://127.0.0.1:8080/genai/chat -H 'Content-Type: application/json' \\\n"
        '  -d \'{"input": "a\n  b"}\'  # a comment\necho skipped\ncurl -s http://127.0.0.1:8080/genai/v1/models\n```\n'
    )
    first, second = curl_examples(markdown)
    assert (first.method, first.path, first.headers) == ("POST", "/genai/chat", {"Content-Type": "application/json"})
    assert first.body == b'{"input": "a\n  b"}'
    assert (second.method, second.path, second.body) == ("GET", "/genai/v1/models", None)


@pytest.mark.parametrize(
    ("command", "refusal"),
    [
        ("curl -s -o out.json http://127.0.0.1:8080/genai/v1/models", "not understood"),
        ("curl -s https://gateway.example.com/genai/v1/models", "run-local's gateway"),
        ("curl -s -H 'Accept: text/plain'", "no URL"),
    ],
)
def test_an_example_the_check_cannot_send_faithfully_fails(command: str, refusal: str) -> None:
    with pytest.raises(ExampleError, match=refusal):
        parse_curl(command)


def test_an_example_on_a_route_without_a_check_fails() -> None:
    with pytest.raises(ExampleError, match="no check for POST /genai/v1/completions"):
        check(parse_curl("curl -s http://127.0.0.1:8080/genai/v1/completions -d '{}'"), "http://127.0.0.1:9")
