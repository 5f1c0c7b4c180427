"""concise, json and github formats, the statistics table, dispatch and path display."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layerguard.checks import lookup
from layerguard.model import Edit, Finding, Fix, Report, RuleMeta, Severity
from layerguard.reporters import FORMATS, render
from layerguard.reporters.paths import display_path, uri_reference

COMPLEXITY = RuleMeta("LG105", "endpoint-business-logic", Severity.WARNING, "Route handler too complex")


def make_finding(
    path: Path,
    line: int,
    column: int,
    end_column: int,
    code: str = "LG101",
    message: str = "Service module imports endpoint module `app.api.users`",
    fix: Fix | None = None,
) -> Finding:
    meta = lookup(code) or COMPLEXITY
    return Finding(path, line, column, line, end_column, meta.code, meta.name, meta.severity, message, fix)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    return tmp_path


def sample_report(root: Path) -> Report:
    service = root / "app" / "services" / "UserService.py"
    endpoint = root / "app" / "api" / "users.py"
    fix = Fix("Use `int | None`", (Edit("int | None", 3, 9, 3, 22),))
    findings = (
        make_finding(
            endpoint,
            12,
            0,
            30,
            code="LG105",
            message="Route handler `create_user` is too complex (5 > 3)",
        ),
        make_finding(service, 1, 0, 32),
        make_finding(service, 3, 9, 22, code="LG401", message="Use `int | None` for optional types", fix=fix),
    )
    return Report(findings=findings, rules=(), files_checked=7)


def test_concise_one_line_per_finding_in_report_order(project: Path) -> None:
    assert render(sample_report(project), "concise") == (
        "app/api/users.py:12:1: LG105 Route handler `create_user` is too complex (5 > 3)\n"
        "app/services/UserService.py:1:1: LG101 Service module imports endpoint module `app.api.users`\n"
        "app/services/UserService.py:3:10: LG401 Use `int | None` for optional types\n"
    )


def test_concise_is_empty_without_findings(project: Path) -> None:
    assert render(Report(findings=(), rules=(), files_checked=3), "concise") == ""


def test_concise_keeps_a_multi_line_message_on_one_line(project: Path) -> None:
    finding = make_finding(project / "a.py", 1, 0, 1, message="cycle:\na -> b")
    assert render(Report((finding,), (), 1), "concise") == "a.py:1:1: LG101 cycle: a -> b\n"


def test_concise_statistics_counts_by_code_most_frequent_first(project: Path) -> None:
    report = sample_report(project)
    extra = make_finding(project / "b.py", 2, 0, 1, code="LG401")
    report = Report((*report.findings, extra), (), 8)
    lines = render(report, "concise", statistics=True).splitlines()
    assert lines[-3:] == [
        "2  LG401  optional-annotation",
        "1  LG101  upward-import",
        "1  LG105  endpoint-business-logic",
    ]


def test_statistics_right_align_counts(project: Path) -> None:
    findings = tuple(make_finding(project / "a.py", n, 0, 1) for n in range(1, 11))
    findings += (make_finding(project / "a.py", 20, 0, 1, code="LG401"),)
    lines = render(Report(findings, (), 1), "concise", statistics=True).splitlines()
    assert lines[-2:] == ["10  LG101  upward-import", " 1  LG401  optional-annotation"]


def test_json_objects_have_documented_keys_and_one_based_columns(project: Path) -> None:
    data = json.loads(render(sample_report(project), "json"))
    assert [list(item) for item in data] == [
        [
            "code",
            "name",
            "severity",
            "message",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "fix",
        ]
    ] * 3
    assert data[2] == {
        "code": "LG401",
        "name": "optional-annotation",
        "severity": "error",
        "message": "Use `int | None` for optional types",
        "path": "app/services/UserService.py",
        "line": 3,
        "column": 10,
        "end_line": 3,
        "end_column": 23,
        "fix": {
            "applicability": "safe",
            "message": "Use `int | None`",
            "edits": [
                {
                    "content": "int | None",
                    "location": {"line": 3, "column": 10},
                    "end_location": {"line": 3, "column": 23},
                }
            ],
        },
    }
    assert data[0]["severity"] == "warning"
    assert data[0]["fix"] is None


def test_json_is_indented_unicode_with_trailing_newline(project: Path) -> None:
    finding = make_finding(project / "modèle.py", 1, 0, 1, message="naïve")
    output = render(Report((finding,), (), 1), "json")
    assert output.endswith("]\n")
    assert '\n  {\n    "code": "LG101",' in output
    assert '"path": "modèle.py"' in output
    assert '"message": "naïve"' in output


def test_json_without_findings_is_an_empty_list(project: Path) -> None:
    assert render(Report((), (), 2), "json") == "[]\n"


def test_github_annotations_follow_the_workflow_command_syntax(project: Path) -> None:
    assert render(sample_report(project), "github") == (
        "::warning file=app/api/users.py,line=12,col=1,endLine=12,endColumn=31,title=LG105"
        "::app/api/users.py:12:1: LG105 Route handler `create_user` is too complex (5 > 3)\n"
        "::error file=app/services/UserService.py,line=1,col=1,endLine=1,endColumn=33,title=LG101"
        "::app/services/UserService.py:1:1: LG101 Service module imports endpoint module `app.api.users`\n"
        "::error file=app/services/UserService.py,line=3,col=10,endLine=3,endColumn=23,title=LG401"
        "::app/services/UserService.py:3:10: LG401 Use `int | None` for optional types\n"
    )


def test_github_escapes_data_and_properties(project: Path) -> None:
    finding = make_finding(project / "we,ird:100%.py", 2, 4, 5, message="50% done\r\nnext: a, b")
    assert render(Report((finding,), (), 1), "github") == (
        "::error file=we%2Cird%3A100%25.py,line=2,col=5,endLine=2,endColumn=6,title=LG101"
        "::we,ird:100%25.py:2:5: LG101 50%25 done%0D%0Anext: a, b\n"
    )


def test_github_paths_are_relative_to_the_actions_workspace(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = project / "backend"
    backend.mkdir()
    monkeypatch.chdir(backend)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(project))
    finding = make_finding(backend / "app" / "main.py", 1, 0, 1)
    output = render(Report((finding,), (), 1), "github")
    assert output.startswith("::error file=backend/app/main.py,line=1,")
    assert "::app/main.py:1:1: LG101 " in output


def test_github_is_empty_without_findings(project: Path) -> None:
    assert render(Report((), (), 2), "github") == ""


def test_display_path_is_relative_with_forward_slashes(project: Path) -> None:
    assert display_path(project / "app" / "api" / "users.py") == "app/api/users.py"
    assert display_path(project.parent / "other.py") == "../other.py"


def test_uri_reference_percent_encodes(project: Path) -> None:
    assert uri_reference(project / "my app" / "ünï#1.py") == "my%20app/%C3%BCn%C3%AF%231.py"


def test_every_format_renders(project: Path) -> None:
    report = sample_report(project)
    assert all(render(report, fmt) for fmt in FORMATS)


def test_unknown_format_names_the_choices(project: Path) -> None:
    with pytest.raises(ValueError, match="Unknown output format 'xml': use one of text, concise"):
        render(sample_report(project), "xml")
