"""The graph rules and LG104/LG105/LG804 on the layouts real FastAPI projects use.

Each fixture marks every expected finding with a trailing `# expect: [LGxxx]` comment; every
other line must stay clean.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from layerguard import check

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
LAYOUTS = ["layers_classic", "layers_feature_sliced", "layers_src_layout", "layers_several_packages"]
CODES = ["LG101", "LG102", "LG103", "LG104", "LG105", "LG106", "LG804"]
EXPECT_RE = re.compile(r"#\s*expect:\s*\[(?P<codes>[^\]]+)\]")


def expected_findings(root: Path) -> Counter[tuple[str, int, str]]:
    expected: Counter[tuple[str, int, str]] = Counter()
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            marker = EXPECT_RE.search(line)
            if marker:
                for code in marker.group("codes").split(","):
                    expected[(path.relative_to(root).as_posix(), number, code.strip())] += 1
    return expected


def found(root: Path, settings: str = "") -> Counter[tuple[str, int, str]]:
    if settings:
        pyproject = root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + settings)
    report = check([root], select=CODES, cache=False)
    return Counter((f.path.relative_to(root).as_posix(), f.line, f.code) for f in report.findings)


@pytest.fixture
def layout(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A copy of the fixture, so that settings can be added and no cache is left behind."""
    root = tmp_path / request.param
    shutil.copytree(FIXTURES / request.param, root)
    return root


@pytest.mark.parametrize("layout", LAYOUTS, indirect=True)
def test_layout_gets_exactly_the_marked_findings(layout: Path) -> None:
    expected = expected_findings(layout)
    assert expected, "the fixture marks no finding"
    assert found(layout) == expected


def test_every_rule_of_the_issue_is_planted_somewhere() -> None:
    planted = {code for fixture in LAYOUTS for (_, _, code) in expected_findings(FIXTURES / fixture)}
    assert planted == set(CODES)


@pytest.mark.parametrize("layout", ["layers_classic"], indirect=True)
def test_type_checking_imports_can_be_ignored(layout: Path) -> None:
    expected = expected_findings(layout)
    del expected[("app/models/Order.py", 8, "LG101")]  # the import under `if TYPE_CHECKING:`
    assert found(layout, 'type-checking-imports = "ignore"\n') == expected


@pytest.mark.parametrize("layout", ["layers_classic"], indirect=True)
def test_a_partial_run_reports_the_same_findings_for_its_files(layout: Path) -> None:
    """As pre-commit passes files: findings in them are computed against the whole graph."""
    orders = layout / "app/api/v1/endpoints/orders.py"
    report = check([orders], select=CODES, cache=False)
    partial = Counter((f.path.relative_to(layout).as_posix(), f.line, f.code) for f in report.findings)
    full = expected_findings(layout)
    assert partial == Counter({k: v for k, v in full.items() if k[0] == "app/api/v1/endpoints/orders.py"})
