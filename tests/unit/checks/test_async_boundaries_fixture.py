"""LG201, LG202, LG301–LG305 on the `async_boundaries` fixture: exactly the marked lines."""

from __future__ import annotations

from pathlib import Path

from markers import assert_findings_match, expected_findings, read_tree

from layerguard import check

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "async_boundaries"
CODES = ["LG201", "LG202", "LG301", "LG302", "LG303", "LG304", "LG305"]


def test_exactly_the_marked_lines_are_reported() -> None:
    report = check([FIXTURE], select=CODES, cache=False)
    assert_findings_match(report.findings, read_tree(FIXTURE), root=FIXTURE)


def test_every_rule_has_a_true_positive_in_the_fixture() -> None:
    assert {code for _, _, code in expected_findings(read_tree(FIXTURE))} == set(CODES)
