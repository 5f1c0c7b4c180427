"""LG201, LG202, LG301–LG305 on the `async_boundaries` fixture: exactly the marked lines."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from layerguard import check

FIXTURE = Path(__file__).parents[2] / "fixtures" / "async_boundaries"
CODES = ["LG201", "LG202", "LG301", "LG302", "LG303", "LG304", "LG305"]
EXPECT_RE = re.compile(r"#\s*expect:\s*(?P<codes>LG\d{3}(?:\s*,\s*LG\d{3})*)")


def expected_findings() -> Counter[tuple[str, int, str]]:
    expected: Counter[tuple[str, int, str]] = Counter()
    for path in sorted(FIXTURE.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            marker = EXPECT_RE.search(line)
            if marker:
                for code in marker.group("codes").split(","):
                    expected[(path.relative_to(FIXTURE).as_posix(), number, code.strip())] += 1
    return expected


def test_exactly_the_marked_lines_are_reported() -> None:
    report = check([FIXTURE], select=CODES, cache=False)
    found = Counter((f.path.relative_to(FIXTURE).as_posix(), f.line, f.code) for f in report.findings)
    assert found == expected_findings()


def test_every_rule_has_a_true_positive_in_the_fixture() -> None:
    assert {code for _, _, code in expected_findings()} == set(CODES)
