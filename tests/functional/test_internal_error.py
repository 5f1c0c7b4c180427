"""A bug in one rule on one file is an LG000 finding naming the rule; the run goes on, exit 2.

There is no known real bug to trigger, so the rule is made to fail on purpose: that is the
stand-in, the rest (the pipeline, the CLI, the exit code) is the real code path.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from layerguard import check
from layerguard.checks.optional_annotation import OptionalAnnotation

SOURCE = "from typing import Optional, Union\n\nx: Optional[int] = None\ny: Union[int, str] = 1\n"
BREAK_LG401 = (
    "import sys\n"
    "from layerguard.checks.optional_annotation import OptionalAnnotation\n"
    "def broken(self, facts, project):\n"
    "    raise KeyError('boom')\n"
    "OptionalAnnotation.check_file = broken\n"
    "from layerguard.cli import main\n"
    "sys.argv = ['layerguard', *sys.argv[1:]]\n"
    "main()\n"
)


def make_project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.11"\n')
    (tmp_path / "mod.py").write_text(SOURCE)
    return tmp_path


def test_a_failing_rule_is_reported_and_the_others_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: OptionalAnnotation, facts: object, project: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(OptionalAnnotation, "check_file", broken)
    report = check([make_project(tmp_path)], select=["LG4"])
    codes = [f.code for f in report.findings]
    assert codes == ["LG000", "LG402"]
    internal = report.findings[0]
    assert "LG401 (optional-annotation)" in internal.message
    assert "KeyError" in internal.message and "report" in internal.message
    assert (internal.line, internal.column) == (1, 0)
    assert report.has_internal_error


def test_cli_prints_the_findings_and_exits_2(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", BREAK_LG401, "check", "--format", "concise", "--select", "LG4"],
        cwd=project, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("mod.py:1:1: LG000 Internal error in LG401 (optional-annotation): KeyError")
    assert lines[1].startswith("mod.py:4:4: LG402 ")
