"""The published figures are the results files': latest.md and README's benchmark block are what
`python -m benchmarks.report` makes of benchmarks/results/*.json (re-run it after any benchmark)."""

from __future__ import annotations

from pathlib import Path

from benchmarks import report


def test_latest_md_is_generated_from_the_results() -> None:
    assert (report.RESULTS_DIR / "latest.md").read_text() == report.markdown(report.RESULTS_DIR), (
        "benchmarks/results/latest.md is stale: run python -m benchmarks.report"
    )


def test_readmes_figures_are_generated_from_the_results(tmp_path: Path) -> None:
    copy = tmp_path / "README.md"
    copy.write_text(report.README.read_text())
    report.update_readme(report.RESULTS_DIR, copy)
    assert copy.read_text() == report.README.read_text(), (
        "README.md's figures are stale: run python -m benchmarks.report"
    )


def test_the_chart_the_report_shows_is_there() -> None:
    assert (report.RESULTS_DIR / report.CHART).is_file()
    assert f"benchmarks/results/{report.CHART}" in report.README.read_text()
