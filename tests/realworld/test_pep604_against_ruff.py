"""LG401 + LG402 find exactly what ruff's UP045 + UP007 find, at the same places."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from layerguard.api import check
from layerguard.model import Config

from .conftest import LNBITS, PREFECT, installed_tool

pytestmark = pytest.mark.slow

# Places where the two tools are allowed to differ, with the reason. Empty: none found so far.
DOCUMENTED_DIFFERENCES: dict[tuple[str, int, int], str] = {}


def ruff_findings(root: Path) -> Counter[tuple[str, int, int]]:
    ruff = installed_tool("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it is in the test extras)")
    result = subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", "--select", "UP045,UP007",
         "--target-version", "py310", "--output-format", "json", "--exit-zero", str(root)],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    return Counter(
        (
            Path(d["filename"]).resolve().relative_to(root).as_posix(),
            d["location"]["row"],
            d["location"]["column"],
        )
        for d in json.loads(result.stdout)
    )


def layerguard_findings(root: Path) -> Counter[tuple[str, int, int]]:
    # The same files ruff reads: no default excludes, no gitignore.
    config = Config(
        root=root, target_version=(3, 10), select=("LG401", "LG402"), exclude=(), respect_gitignore=False
    )
    report = check([root], config=config)
    assert not [f for f in report.findings if f.code in ("LG000", "LG001")]
    return Counter((f.path.relative_to(root).as_posix(), f.line, f.column + 1) for f in report.findings)


@pytest.mark.parametrize(("name", "version", "minimum"), [(*LNBITS, 1000), (*PREFECT, 4000)])
def test_same_places_as_ruff(
    name: str, version: str, minimum: int, real_project: Callable[[str, str], Path]
) -> None:
    root = real_project(name, version).resolve()
    ours, theirs = layerguard_findings(root), ruff_findings(root)
    only_ours = {k: v for k, v in (ours - theirs).items() if k not in DOCUMENTED_DIFFERENCES}
    only_theirs = {k: v for k, v in (theirs - ours).items() if k not in DOCUMENTED_DIFFERENCES}
    assert only_ours == {}
    assert only_theirs == {}
    # Guard against both tools silently finding nothing.
    assert sum(ours.values()) >= minimum
