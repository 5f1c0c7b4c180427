"""`check --fix` on a real application: every LG401/LG402 with a fix fixed, the tree still
parses, and ruff's UP045/UP007 (the same rules) find nothing but the findings layerguard offers
no fix for (issue 14)."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_runner import run_cli

from .conftest import LNBITS, PREFECT, installed_tool

pytestmark = pytest.mark.slow

SETTINGS = 'target-version = "py310"\nselect = ["LG401", "LG402"]\nexclude = []\nrespect-gitignore = false\n'


def ruff_up045_up007(root: Path) -> list[str]:
    ruff = installed_tool("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it is in the test extras)")
    result = subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", "--select", "UP045,UP007",
         "--target-version", "py310", "--output-format", "json", "--exit-zero", str(root)],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    return [
        f"{Path(d['filename']).resolve()}:{d['location']['row']}:{d['location']['column']}"
        for d in json.loads(result.stdout)
    ]


# lnbits: 1,599 findings, all in four generated `.pyi` stubs (a 1,025-finding one among them);
# prefect: thousands over hundreds of ordinary modules.
@pytest.mark.parametrize(("name", "version"), [LNBITS, PREFECT])
def test_fix_every_pep604_finding_of_a_real_app(
    name: str,
    version: str,
    real_project: Callable[[str, str], Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "app"
    shutil.copytree(real_project(name, version), root)
    (root / "layerguard.toml").write_text(SETTINGS)
    assert len(ruff_up045_up007(root)) > 1000  # there is a lot to fix
    started = time.perf_counter()
    result = run_cli("check", "--fix", "--no-cache", "--format", "json", cwd=root, timeout=900)
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n--fix on {name} {version}: {seconds:.1f} s; {result.stderr.strip().splitlines()[-1]}")
    assert result.returncode in (0, 1), result.stderr[-2000:]
    for path in [*root.rglob("*.py"), *root.rglob("*.pyi")]:
        ast.parse(path.read_bytes(), filename=str(path))
    # What is left has no safe fix (a member spanning lines, a quoted member): ruff finds
    # those places, and no other (ruff names `Union[X, None]` UP007, layerguard LG401).
    left = json.loads(result.stdout)
    assert all(f["fix"] is None for f in left)
    assert len(left) < 100
    assert sorted(ruff_up045_up007(root)) == sorted(
        f"{(root / f['path']).resolve()}:{f['line']}:{f['column']}" for f in left
    )
    # A second run has nothing left to do.
    again = run_cli("check", "--diff", "--no-cache", cwd=root, timeout=900)
    assert (again.returncode, again.stdout) == (0, "")
