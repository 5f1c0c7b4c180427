"""The `response_contract` fixture: exactly the findings its `# error: [...]` markers name (LG704,
and the opt-in LG705), and none on the tricky negatives its README lists."""

from __future__ import annotations

from pathlib import Path

from markers import assert_findings_match, expected_findings, read_tree

from layerguard import check

APP = Path(__file__).resolve().parents[2] / "fixtures" / "response_contract"
CODES = ["LG704", "LG705"]


def test_findings_match_the_markers() -> None:
    report = check([APP], select=CODES, cache=False)
    assert_findings_match(report.findings, read_tree(APP), root=APP)


def test_every_rule_is_exercised() -> None:
    assert {code for _, _, code in expected_findings(read_tree(APP))} == set(CODES)


def test_lg705_is_opt_in() -> None:
    """The default selection runs LG704 and leaves the undeclared and bare-dict responses alone."""
    codes = {f.code for f in check([APP], select=["LG7"], cache=False).findings}
    assert codes & set(CODES) == {"LG704"}


def test_messages_name_the_type_and_what_is_wrong_with_it() -> None:
    messages = {f.line: f.message for f in check([APP], select=CODES, cache=False).findings}
    assert messages[27] == (
        "Route handler `maybe_user` responds with `User | None` (return annotation), the ORM class "
        "`User`, whose every column is sent: declare a Pydantic response model"
    )
    assert "`object` (response_model), which lets anything through" in messages[47]
    assert "declares no response type (no `response_model=`, no return annotation)" in messages[52]
