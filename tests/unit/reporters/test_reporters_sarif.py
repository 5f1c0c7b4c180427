"""The SARIF format: valid against the official schema, and what GitHub code scanning needs."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from layerguard.checks import ALL_METAS, lookup
from layerguard.model import Finding, Report, RuleMeta, Severity
from layerguard.reporters import render as render_report
from layerguard.reporters import sarif as sarif_module

# The official OASIS schema (errata01), vendored so that every checkout validates against it.
SCHEMA = Path(__file__).resolve().parents[2] / "data" / "sarif-schema-2.1.0.json"
SOURCE = "from app.api.users import router\nfrom app.api.users import router\nlimit: Optional[int] = None\n"
CARD = """# LG101 upward-import

## What it does

Checks that no layer imports
a layer above it.

More detail here.

## Why is this bad?

Because.
"""


def render(report: Report, fmt: str, **options: bool) -> str:
    """`reporters.render` on the report with the bytes of its files, as `api.check` gives them:
    reporters never read files."""
    sources = {f.path: f.path.read_bytes() for f in report.findings if f.path.is_file()}
    return render_report(replace(report, sources=sources), fmt, **options)


def make_finding(path: Path, line: int, column: int, end_column: int, code: str = "LG101") -> Finding:
    meta = lookup(code)
    assert meta is not None
    message = f"{meta.name} at {line}:{column + 1}"
    return Finding(path, line, column, line, end_column, meta.code, meta.name, meta.severity, message)


def render_log(report: Report) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render(report, "sarif"))
    return log


def assert_valid(log: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).validate(log)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app" / "my services").mkdir(parents=True)
    (tmp_path / "app" / "my services" / "UserService.py").write_text(SOURCE, encoding="utf-8")
    return tmp_path


def sample_report(root: Path) -> Report:
    service = root / "app" / "my services" / "UserService.py"
    findings = (
        make_finding(service, 1, 0, 32),
        make_finding(service, 2, 0, 32),
        make_finding(service, 3, 7, 20, code="LG401"),
        make_finding(root / "broken.py", 1, 0, 0, code="LG001"),
    )
    rules = tuple(meta for meta in ALL_METAS if meta.code in {"LG101", "LG102", "LG401"})
    return Report(findings=findings, rules=rules, files_checked=3)


def test_report_with_findings_is_valid(project: Path) -> None:
    assert_valid(render_log(sample_report(project)))


def test_report_without_findings_is_valid(project: Path) -> None:
    log = render_log(Report(findings=(), rules=ALL_METAS, files_checked=5))
    assert_valid(log)
    run = log["runs"][0]
    assert run["results"] == []
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == [meta.code for meta in ALL_METAS]


def test_log_header_and_driver(project: Path) -> None:
    log = render_log(sample_report(project))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "layerguard"
    assert driver["version"] == version("layerguard")
    # No made-up home page: https://pypi.org/project/layerguard/ answered 404 (the package is not
    # published) and pyproject.toml declares no [project.urls], so the optional field is left out.
    assert "informationUri" not in driver
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"
    assert log["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": project.as_uri() + "/"}}


def test_information_uri_is_the_declared_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the package declares its home in `[project.urls]`, the driver links to it."""

    class Declared:
        def get_all(self, name: str) -> list[str]:
            assert name == "Project-URL"
            return ["Changelog, https://example.org/changes", "Repository, https://example.org/lg"]

    monkeypatch.setattr(sarif_module, "metadata", lambda name: Declared())
    assert sarif_module.information_uri() == "https://example.org/lg"
    assert sarif_module.sarif_log(Report((), (), 0))["runs"][0]["tool"]["driver"]["informationUri"] == (
        "https://example.org/lg"
    )


def test_rule_properties_github_reads(project: Path) -> None:
    """Every rule has tags and a precision GitHub knows; security-severity is a string score on
    the security rules only, and those are tagged `security` (GitHub ignores it otherwise)."""
    log = render_log(Report(findings=(), rules=ALL_METAS, files_checked=1))
    assert_valid(log)
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        properties = rule["properties"]
        assert 0 < len(properties["tags"]) <= 10, rule["id"]  # GitHub keeps at most 10
        assert len(set(properties["tags"])) == len(properties["tags"])
        assert properties["precision"] in {"very-high", "high", "medium", "low"}
        assert properties["problem.severity"] == rule["defaultConfiguration"]["level"]
        if "security-severity" in properties:
            assert "security" in properties["tags"]
            assert isinstance(properties["security-severity"], str)
            assert 0.0 < float(properties["security-severity"]) <= 10.0
    by_code = {rule["id"]: rule["properties"] for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert by_code["LG502"]["security-severity"] == "8.8"
    assert "external/cwe/cwe-089" in by_code["LG502"]["tags"]
    assert by_code["LG702"]["security-severity"] == "7.5"
    assert by_code["LG101"]["precision"] == "medium"
    assert "security" not in by_code["LG101"]["tags"]
    assert "security-severity" not in by_code["LG101"]


@pytest.mark.parametrize(
    ("code", "cwe"), [("LG901", "798"), ("LG902", "347"), ("LG903", "942"), ("LG904", "209")]
)
def test_security_rules_to_come_get_their_properties(code: str, cwe: str) -> None:
    """The security rules being added get their properties from the table as soon as they exist;
    until then a finding with their code (as a report may carry) still gives a valid log."""
    meta = RuleMeta(code, "security-rule", Severity.ERROR, "A security rule")
    properties = sarif_module.rule_descriptor(meta)["properties"]
    assert "security" in properties["tags"]
    assert f"external/cwe/cwe-{cwe}" in properties["tags"]
    assert 0.0 < float(properties["security-severity"]) <= 10.0
    log = sarif_module.sarif_log(Report((), (meta,), 0))
    assert_valid(log)


@pytest.mark.parametrize("code", ["LG999", "LG250", "XYZ1"])
def test_a_code_without_an_entry_gets_its_familys_properties(code: str) -> None:
    meta = RuleMeta(code, "new-rule", Severity.WARNING, "New")
    properties = sarif_module.rule_descriptor(meta)["properties"]
    assert properties["tags"]
    assert properties["precision"] in {"very-high", "high", "medium", "low"}
    assert "security-severity" not in properties or "security" in properties["tags"]
    assert_valid(sarif_module.sarif_log(Report((), (meta,), 0)))


def test_rules_keep_report_order_and_gain_rules_only_findings_name(project: Path) -> None:
    rules = render_log(sample_report(project))["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["LG101", "LG102", "LG401", "LG001"]


def test_rule_index_points_at_the_rule(project: Path) -> None:
    run = render_log(sample_report(project))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [result["ruleIndex"] for result in run["results"]] == [0, 0, 2, 3]
    assert all(rules[result["ruleIndex"]]["id"] == result["ruleId"] for result in run["results"])


def test_rule_fields_github_requires(project: Path) -> None:
    for rule in render_log(sample_report(project))["runs"][0]["tool"]["driver"]["rules"]:
        for field in ("shortDescription", "fullDescription"):
            assert 0 < len(rule[field]["text"]) <= 1024
        assert rule["help"]["text"]
        assert rule["help"]["markdown"]
        assert 0 < len(rule["name"]) <= 255
        assert rule["defaultConfiguration"]["level"] in {"error", "warning"}


def test_rule_descriptions_and_help_come_from_the_card(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif_module, "card_text", lambda code: CARD if code == "LG101" else None)
    upward = lookup("LG101")
    assert upward is not None
    descriptor = sarif_module.rule_descriptor(upward)
    assert descriptor["shortDescription"] == {"text": upward.summary}
    assert descriptor["fullDescription"] == {"text": "Checks that no layer imports a layer above it."}
    assert descriptor["help"] == {"text": CARD, "markdown": CARD}
    assert descriptor["defaultConfiguration"] == {"level": "error"}


def test_rule_without_card_falls_back_to_its_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif_module, "card_text", lambda code: None)
    meta = RuleMeta("LG105", "endpoint-business-logic", Severity.WARNING, "Too complex")
    descriptor = sarif_module.rule_descriptor(meta)
    assert descriptor["fullDescription"] == {"text": "Too complex"}
    assert descriptor["help"] == {"text": "Too complex", "markdown": "Too complex"}
    assert descriptor["defaultConfiguration"] == {"level": "warning"}


def test_long_card_summary_is_cut_to_github_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif_module, "card_text", lambda code: "## What it does\n\n" + "word " * 400)
    upward = lookup("LG101")
    assert upward is not None
    assert len(sarif_module.rule_descriptor(upward)["fullDescription"]["text"]) == 1024


def test_result_location_and_level(project: Path) -> None:
    result = render_log(sample_report(project))["runs"][0]["results"][2]
    assert result["ruleId"] == "LG401"
    assert result["level"] == "error"
    assert result["message"] == {"text": "optional-annotation at 3:8"}
    assert result["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "app/my%20services/UserService.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 3, "startColumn": 8, "endLine": 3, "endColumn": 21},
            }
        }
    ]


def test_fingerprints_are_stable_and_distinct(project: Path) -> None:
    report = sample_report(project)
    assert render(report, "sarif") == render(report, "sarif")
    hashes = [
        r["partialFingerprints"]["primaryLocationLineHash"] for r in render_log(report)["runs"][0]["results"]
    ]
    assert len(set(hashes)) == len(hashes)
    # Lines 1 and 2 hold the same text: one hash, told apart by the occurrence suffix.
    assert hashes[0].split(":")[0] == hashes[1].split(":")[0]
    assert [h.split(":")[1] for h in hashes] == ["1", "2", "1", "1"]


def test_fingerprint_survives_code_moving_down_and_reindenting(project: Path) -> None:
    path = project / "app" / "my services" / "UserService.py"
    before = render_log(Report((make_finding(path, 3, 7, 20, code="LG401"),), (), 1))
    path.write_text("import os\n\n" + SOURCE.replace("limit:", "    limit:"), encoding="utf-8")
    after = render_log(Report((make_finding(path, 5, 11, 24, code="LG401"),), (), 1))
    assert (
        before["runs"][0]["results"][0]["partialFingerprints"]
        == after["runs"][0]["results"][0]["partialFingerprints"]
    )


def test_output_is_indented_with_trailing_newline(project: Path) -> None:
    output = render(sample_report(project), "sarif")
    assert output.startswith('{\n  "$schema": ')
    assert output.endswith("}\n")


def test_the_cli_log_of_the_example_app_is_valid(tmp_path: Path) -> None:
    """End to end: what `layerguard check --format sarif` writes for the bundled example app
    (every planted finding) validates against the vendored official schema."""
    from cli_runner import run_cli

    example = Path(__file__).resolve().parents[2] / "fixtures" / "fortress_app"
    result = run_cli("check", example, "--format", "sarif", "--no-cache", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    assert log["runs"][0]["results"], "the example app has planted findings"
    assert_valid(log)
