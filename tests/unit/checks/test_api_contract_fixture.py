"""The `api_contract` fixture: exactly the findings its `# expect:` markers name (LG403, LG501,
LG502, LG601, LG602, LG701, LG702), and none on the tricky negatives."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from layerguard import check

APP = Path(__file__).resolve().parents[2] / "fixtures" / "api_contract"
CODES = ["LG403", "LG501", "LG502", "LG601", "LG602", "LG701", "LG702"]
MARKER_RE = re.compile(r"#\s*expect:\s*(?P<codes>LG\d{3}(?:\s*,\s*LG\d{3})*)")


def expected_findings() -> Counter[tuple[str, int, str]]:
    expected: Counter[tuple[str, int, str]] = Counter()
    for path in sorted(APP.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            marker = MARKER_RE.search(line)
            if marker:
                for code in marker.group("codes").split(","):
                    expected[(path.relative_to(APP).as_posix(), number, code.strip())] += 1
    return expected


def test_findings_match_the_markers() -> None:
    report = check([APP], select=CODES, cache=False)
    found = Counter((f.path.relative_to(APP).as_posix(), f.line, f.code) for f in report.findings)
    assert found == expected_findings()


def test_every_rule_is_exercised() -> None:
    assert {code for _, _, code in expected_findings()} == set(CODES)


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
