"""The graph rules and LG104/LG105/LG804 on the layouts real FastAPI projects use.

Each fixture marks every expected finding with a trailing `# error: [LGxxx]` comment (read by
tests/markers.py); every other line must stay clean.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from markers import assert_findings_match, expected_findings, read_tree

from layerguard import check
from layerguard.model import Finding

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
LAYOUTS = ["layers_classic", "layers_feature_sliced", "layers_src_layout", "layers_several_packages"]
CODES = ["LG101", "LG102", "LG103", "LG104", "LG105", "LG106", "LG804"]


def found(root: Path, settings: str = "") -> tuple[Finding, ...]:
    if settings:
        pyproject = root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + settings)
    return check([root], select=CODES, cache=False).findings


@pytest.fixture
def layout(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A copy of the fixture, so that settings can be added and no cache is left behind."""
    root = tmp_path / request.param
    shutil.copytree(FIXTURES / request.param, root)
    return root


@pytest.mark.parametrize("layout", LAYOUTS, indirect=True)
def test_layout_gets_exactly_the_marked_findings(layout: Path) -> None:
    files = read_tree(layout)
    assert expected_findings(files), "the fixture marks no finding"
    assert_findings_match(found(layout), files, root=layout)


def test_every_rule_of_the_issue_is_planted_somewhere() -> None:
    planted = {
        code for fixture in LAYOUTS for (_, _, code) in expected_findings(read_tree(FIXTURES / fixture))
    }
    assert planted == set(CODES)


@pytest.mark.parametrize("layout", ["layers_classic"], indirect=True)
def test_type_checking_imports_can_be_ignored(layout: Path) -> None:
    order = layout / "app/models/Order.py"  # its LG101 is the import under `if TYPE_CHECKING:`
    marked = order.read_text()
    assert marked.count("  # error: [LG101]") == 1
    order.write_text(marked.replace("  # error: [LG101]", ""))
    assert_findings_match(found(layout, 'type-checking-imports = "ignore"\n'), read_tree(layout), root=layout)


@pytest.mark.parametrize("layout", ["layers_classic"], indirect=True)
def test_a_partial_run_reports_the_same_findings_for_its_files(layout: Path) -> None:
    """As pre-commit passes files: findings in them are computed against the whole graph."""
    # The endpoint and the unlayered helper it reaches a repository through (LG103's bridge).
    tree = read_tree(layout)
    files = ["app/api/v1/endpoints/orders.py", "app/core/pagination.py"]
    report = check([layout / f for f in files], select=CODES, cache=False)
    assert_findings_match(report.findings, {f: tree[f] for f in files}, root=layout)
