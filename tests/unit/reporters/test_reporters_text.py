"""The text format: grouped by file, source line and caret, summary line, colour only on request."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from layerguard.checks import lookup
from layerguard.model import Finding, Report, RuleMeta, Severity
from layerguard.reporters import render as render_report

COMPLEXITY = RuleMeta("LG105", "endpoint-business-logic", Severity.WARNING, "Route handler too complex")
SERVICE = 'from app.api.users import router\n\nlabel = "é"; limit: Optional[int] = None\n'
ENDPOINT = "@router.post('/users')\ndef create_user(payload: UserCreate) -> User:\n\tif payload:\n"


def render(report: Report, fmt: str, **options: bool) -> str:
    """`reporters.render` on the report with the bytes of its files, as `api.check` gives them:
    reporters never read files."""
    sources = {f.path: f.path.read_bytes() for f in report.findings if f.path.is_file()}
    return render_report(replace(report, sources=sources), fmt, **options)


def make_finding(path: Path, line: int, column: int, end_column: int, code: str, message: str) -> Finding:
    meta = lookup(code) or COMPLEXITY
    return Finding(path, line, column, line, end_column, meta.code, meta.name, meta.severity, message)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app" / "services").mkdir(parents=True)
    (tmp_path / "app" / "api").mkdir(parents=True)
    (tmp_path / "app" / "services" / "UserService.py").write_text(SERVICE, encoding="utf-8")
    (tmp_path / "app" / "api" / "users.py").write_text(ENDPOINT, encoding="utf-8")
    return tmp_path


def sample_report(root: Path) -> Report:
    service = root / "app" / "services" / "UserService.py"
    optional = SERVICE.splitlines()[2].index("Optional")
    return Report(
        findings=(
            make_finding(
                root / "app" / "api" / "users.py",
                2,
                0,
                3,
                "LG105",
                "Route handler is too complex (5 > 3)",
            ),
            make_finding(service, 1, 0, 32, "LG101", "Service imports endpoint module `app.api.users`"),
            make_finding(service, 3, optional, optional + 13, "LG401", "Use `int | None`"),
        ),
        rules=(),
        files_checked=4,
    )


def test_findings_are_grouped_by_file_with_source_and_caret(project: Path) -> None:
    assert render(sample_report(project), "text") == (
        "app/api/users.py\n"
        "  2:1 LG105 Route handler is too complex (5 > 3)\n"
        "    2 | def create_user(payload: UserCreate) -> User:\n"
        "      | ^^^\n"
        "\n"
        "app/services/UserService.py\n"
        "  1:1 LG101 Service imports endpoint module `app.api.users`\n"
        "    1 | from app.api.users import router\n"
        "      | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  3:21 LG401 Use `int | None`\n"
        '    3 | label = "é"; limit: Optional[int] = None\n'
        "      | " + " " * 20 + "^" * 13 + "\n"
        "\n"
        "Found 3 findings (2 errors, 1 warning) in 2 files.\n"
        "Most frequent: LG101 upward-import (1), LG105 endpoint-business-logic (1), "
        "LG401 optional-annotation (1). `layerguard explain LG101` says why and how to fix it.\n"
    )


def test_caret_counts_code_points_and_terminal_cells(project: Path) -> None:
    path = project / "wide.py"
    path.write_text('x = "中文"; y: Optional[int]\n', encoding="utf-8")
    column = len('x = "中文"; y: ')
    output = render(Report((make_finding(path, 1, column, column + 8, "LG401", "m"),), (), 1), "text")
    source, caret = output.splitlines()[2:4]
    assert source == '    1 | x = "中文"; y: Optional[int]'
    # Each CJK character takes two cells, so the caret sits two cells further right.
    assert caret == "      | " + " " * (column + 2) + "^" * 8


def test_tabs_are_expanded_in_source_and_caret(project: Path) -> None:
    path = project / "app" / "api" / "users.py"
    output = render(Report((make_finding(path, 3, 1, 3, "LG101", "m"),), (), 1), "text")
    assert output.splitlines()[2:4] == ["    3 |     if payload:", "      |     ^^"]


def test_span_over_several_lines_carets_to_end_of_line(project: Path) -> None:
    path = project / "app" / "services" / "UserService.py"
    finding = Finding(path, 1, 5, 3, 4, "LG101", "upward-import", Severity.ERROR, "m")
    output = render(Report((finding,), (), 1), "text")
    assert output.splitlines()[3] == "      |      " + "^" * 27


def test_empty_span_still_gets_one_caret(project: Path) -> None:
    path = project / "empty.py"
    path.write_text("", encoding="utf-8")
    output = render(Report((make_finding(path, 1, 0, 0, "LG101", "m"),), (), 1), "text")
    assert output.splitlines()[1:4] == ["  1:1 LG101 m", "    1 | ", "      | ^"]


def test_missing_file_omits_the_source_line(project: Path) -> None:
    finding = make_finding(project / "gone.py", 4, 2, 5, "LG101", "m")
    assert render(Report((finding,), (), 1), "text") == (
        "gone.py\n  4:3 LG101 m\n\nFound 1 finding (1 error) in 1 file.\n"
        "Most frequent: LG101 upward-import (1). `layerguard explain LG101` says why and how to fix it.\n"
    )


def test_line_past_end_of_file_omits_the_source_line(project: Path) -> None:
    finding = make_finding(project / "app" / "api" / "users.py", 40, 0, 1, "LG105", "m")
    assert render(Report((finding,), (), 1), "text").splitlines()[1:3] == ["  40:1 LG105 m", ""]


def test_summary_with_warnings_only(project: Path) -> None:
    finding = make_finding(project / "app" / "api" / "users.py", 1, 0, 1, "LG105", "m")
    assert render(Report((finding,), (), 3), "text").endswith(
        "\nFound 1 finding (1 warning) in 1 file.\nMost frequent: LG105 endpoint-business-logic (1). "
        "`layerguard explain LG105` says why and how to fix it.\n"
    )


def test_all_checks_passed(project: Path) -> None:
    assert render(Report((), (), 12), "text") == "All checks passed! (12 files checked)\n"
    assert render(Report((), (), 1), "text") == "All checks passed! (1 file checked)\n"


def test_statistics_come_before_the_summary(project: Path) -> None:
    lines = render(sample_report(project), "text", statistics=True).splitlines()
    assert lines[-5:-1] == [
        "1  LG101  upward-import",
        "1  LG105  endpoint-business-logic",
        "1  LG401  optional-annotation",
        "Found 3 findings (2 errors, 1 warning) in 2 files.",
    ]
    assert lines[-1].startswith("Most frequent: LG101 upward-import (1), ")


def test_the_summary_ends_with_the_most_frequent_rules_and_how_to_learn_about_them(project: Path) -> None:
    """A first run with hundreds of findings says where to start (issue 14)."""
    path = project / "app" / "x.py"
    meta = Finding(path, 1, 0, 1, 1, "LG401", "optional-annotation", Severity.ERROR, "m")
    findings = tuple(replace(meta, line=n) for n in range(1, 6)) + tuple(
        replace(meta, line=n, code=code, name=name)
        for n, (code, name) in enumerate(
            [("LG102", "layer-bypass")] * 3
            + [("LG101", "upward-import")] * 2
            + [("LG301", "sync-route-handler")]
        )
    )
    last = render(Report(findings, (), 1), "text").splitlines()[-1]
    assert last == (
        "Most frequent: LG401 optional-annotation (5), LG102 layer-bypass (3), LG101 upward-import (2). "
        "`layerguard explain LG401` says why and how to fix it."
    )


def test_no_escape_codes_without_colour(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" not in render(sample_report(project), "text")


def test_colour_keeps_the_text(project: Path) -> None:
    coloured = render(sample_report(project), "text", color=True)
    assert "\x1b[" in coloured
    plain = render(sample_report(project), "text")
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
