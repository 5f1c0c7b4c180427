"""Issue 13, patterns 7-9, through the real CLI: route handlers by what the receiver resolves to
(tests/fixtures/routes_resolution/route_receivers), LG804 following the router (lg804_follows_router),
and `build`/`dist` excluded as build output, not as packages (build_package)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from cli_runner import run_cli
from markers import expected_findings, read_tree

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "routes_resolution"
# The rules each fixture is about: every other line of the fixture must be clean of them.
SELECTED = {
    "route_receivers": "LG104,LG105,LG301",
    "lg804_follows_router": "LG804",
    "build_package": "LG301",
}


def copy_fixture(name: str, tmp_path: Path) -> Path:
    """The fixture outside the repository: no ignore file of this checkout applies to it."""
    return Path(shutil.copytree(FIXTURES / name, tmp_path / name))


def reported(project: Path, select: str, *paths: str) -> Counter[tuple[str, int, str]]:
    """(path, line, code) of each finding of `layerguard check` run in `project`."""
    result = run_cli("check", "--no-cache", "--format", "json", "--select", select, *paths, cwd=project)
    assert result.returncode in (0, 1), result.stderr
    return Counter((f["path"], f["line"], f["code"]) for f in json.loads(result.stdout))


@pytest.mark.parametrize("name", sorted(SELECTED))
def test_the_fixture_reports_exactly_its_markers(name: str, tmp_path: Path) -> None:
    project = copy_fixture(name, tmp_path)
    assert reported(project, SELECTED[name]) == expected_findings(read_tree(project))


def test_a_slack_app_named_app_has_no_routes(tmp_path: Path) -> None:
    project = copy_fixture("route_receivers", tmp_path)
    found = reported(project, "LG104,LG105,LG301", "app/bots/slack.py")
    assert found == Counter()


def test_a_named_file_of_a_build_package_is_checked_and_one_of_build_output_is_not(tmp_path: Path) -> None:
    project = copy_fixture("build_package", tmp_path)
    found = reported(project, "LG301", "app/features/build/routes.py", "build/lib/app/routes.py")
    assert found == Counter({("app/features/build/routes.py", 7, "LG301"): 1})


def test_extend_exclude_keeps_the_build_output_default(tmp_path: Path) -> None:
    project = copy_fixture("build_package", tmp_path)
    with (project / "pyproject.toml").open("a", encoding="utf-8") as pyproject:
        pyproject.write('\n[tool.layerguard]\nextend-exclude = ["scripts"]\n')
    assert reported(project, "LG301") == expected_findings(read_tree(project))


def test_an_exclude_naming_build_keeps_its_plain_meaning(tmp_path: Path) -> None:
    """`exclude = ["build"]` excludes every `build` folder, packages too; and, replacing the
    default, it no longer skips `dist/` as build output."""
    project = copy_fixture("build_package", tmp_path)
    with (project / "pyproject.toml").open("a", encoding="utf-8") as pyproject:
        pyproject.write('\n[tool.layerguard]\nexclude = ["build"]\n')
    assert reported(project, "LG301") == Counter(
        {("app/features/dist/routes.py", 7, "LG301"): 1, ("dist/app/routes.py", 7, "LG301"): 1}
    )
