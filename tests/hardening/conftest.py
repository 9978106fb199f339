"""Hardening fixtures: the app in-process against the emulator, reusing tests/conftest.py's emulator and principal."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator

import pytest

from emulator import Emulator
from genai_fn.app import App
from genai_fn.config import Settings
from genai_fn.logs import RequestLog
from tests.conftest import function_config


class InProcess:
    """An App built exactly as func.py builds it, but with a readable request log."""

    def __init__(self, emulator: Emulator, **config: str) -> None:
        self.log = io.StringIO()
        self.settings = Settings.from_env(function_config(emulator, **config))
        self.app = App.configured(self.settings, request_log=RequestLog(self.log))


@pytest.fixture(scope="session")
def principal_environ(rp_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The resource principal in os.environ: the SDK's signer reads it from there, as on the platform."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in rp_env.items():
            patch.setenv(name, value)
        yield rp_env


@pytest.fixture(scope="session")
def inproc(emulator: Emulator, principal_environ: dict[str, str]) -> InProcess:
    """The app with a small body and max_tokens limit, so both edges are cheap to reach."""
    return InProcess(emulator, MAX_BODY_BYTES="65536", MAX_TOKENS_LIMIT="1000")


@pytest.fixture
def cases(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    """A property's generated cases by outcome, shown after the run (`property cases`), also under xdist."""
    counter: Counter[str] = Counter()
    yield counter
    request.node.user_properties.append(("property_cases", dict(counter)))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per property test: how many cases it generated, and their outcomes."""
    rows: dict[str, dict[str, int]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == "property_cases":
                    rows[report.nodeid] = value
    if not rows:
        return
    terminalreporter.section("property cases")
    for nodeid, counts in sorted(rows.items()):
        outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()) if k != "cases")
        terminalreporter.write_line(f"{nodeid}: {counts.get('cases', 0)} cases ({outcomes})")
