"""The `api_contract` fixture: exactly the findings its `# error: [...]` markers name (LG403, LG501,
LG502, LG601, LG602, LG701, LG702, LG703), and none on the tricky negatives."""

from __future__ import annotations

from pathlib import Path

from markers import assert_findings_match, expected_findings, read_tree

from layerguard import check

APP = Path(__file__).resolve().parents[2] / "fixtures" / "api_contract"
CODES = ["LG403", "LG501", "LG502", "LG601", "LG602", "LG701", "LG702", "LG703"]


def test_findings_match_the_markers() -> None:
    report = check([APP], select=CODES, cache=False)
    assert_findings_match(report.findings, read_tree(APP), root=APP)


def test_every_rule_is_exercised() -> None:
    assert {code for _, _, code in expected_findings(read_tree(APP))} == set(CODES)


def test_positions_are_the_construct_the_spec_names() -> None:
    report = check([APP], select=CODES, cache=False)
    at = {(f.path.relative_to(APP).as_posix(), f.line, f.code): f.column + 1 for f in report.findings}
    assert at[("app/schemas/UserSchema.py", 28, "LG601")] == 31  # the `orm_mode` keyword
    assert at[("app/schemas/UserSchema.py", 23, "LG601")] == 5  # `class Config`
    assert at[("app/schemas/UserSchema.py", 20, "LG702")] == 1  # `class` of an inheriting schema
    assert at[("app/schemas/UserSchema.py", 42, "LG702")] == 5  # the field itself
    assert at[("app/api/users.py", 47, "LG701")] == 1  # the `async` of the handler
    assert at[("app/repositories/UserRepository.py", 17, "LG501")] == 13  # the literal, not the call
    assert at[("app/repositories/UserRepository.py", 32, "LG502")] == 21  # where the f-string is built
