"""The real CLI on the bundled fortress app, in every format, against reviewed golden files.

The CLI runs in a temporary copy of the app, so the repository's fixture never gets a
`.layerguard_cache/` (output paths are relative to the working folder, so the copy's output is the
same). Regenerate after an intended change with `LAYERGUARD_UPDATE_GOLDEN=1 pytest tests/functional`,
then read the diff before committing it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
APP = FIXTURES / "fortress_app"
GOLDEN = FIXTURES / "golden" / "fortress_app"
FORMATS = ["text", "concise", "json", "sarif", "github"]


def tree_state(root: Path) -> dict[str, int]:
    """Every file and folder under `root`, hidden ones included, with its modification time."""
    return {path.relative_to(root).as_posix(): path.stat().st_mtime_ns for path in root.rglob("*")}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixture app (without a cache an older run may have left in it) to run in."""
    copy = tmp_path_factory.mktemp("golden") / "fortress_app"
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns(".layerguard_cache"))
    return copy


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI in `cwd`; fail if the run touched the repository's fixture app (a cache in it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    before = tree_state(APP)
    result = subprocess.run(
        [sys.executable, "-m", "layerguard", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert tree_state(APP) == before, "the run wrote into tests/fixtures/fortress_app"
    return result


def normalise(output: str, fmt: str, root: Path) -> str:
    """Blank the volatile fields of SARIF: the tool version, and the absolute URI of the folder
    the files' URIs are relative to (the temporary copy's)."""
    if fmt != "sarif":
        return output
    log = json.loads(output)
    log["runs"][0]["tool"]["driver"]["version"] = "<version>"
    assert log["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": root.as_uri() + "/"}}
    log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///<root>/"
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("fmt", FORMATS)
def test_fixture_app_output_matches_golden(fmt: str, app: Path) -> None:
    result = run_cli("check", "--format", fmt, cwd=app)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    actual = normalise(result.stdout, fmt, app)
    golden = GOLDEN / f"expected.{fmt}"
    if os.environ.get("LAYERGUARD_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")


def test_every_format_reports_the_same_findings() -> None:
    concise = {
        re.match(r"(.+):(\d+):(\d+): (LG\d+) ", line).groups()  # type: ignore[union-attr]
        for line in (GOLDEN / "expected.concise").read_text().splitlines()
    }
    as_json = {
        (f["path"], str(f["line"]), str(f["column"]), f["code"])
        for f in json.loads((GOLDEN / "expected.json").read_text())
    }
    sarif = json.loads((GOLDEN / "expected.sarif").read_text())["runs"][0]["results"]
    as_sarif = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            str(r["locations"][0]["physicalLocation"]["region"]["startLine"]),
            str(r["locations"][0]["physicalLocation"]["region"]["startColumn"]),
            r["ruleId"],
        )
        for r in sarif
    }
    assert concise == as_json == as_sarif
    assert len(concise) == 16  # LG704 on `read_user_raw` (returns the ORM `User`) is the 16th


def test_excluded_scripts_folder_is_not_reported(app: Path) -> None:
    """`scripts/seed.py` uses `Optional`, but the fixture's config excludes `scripts/**`."""
    result = run_cli("check", "--format", "concise", "scripts/seed.py", cwd=app)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
