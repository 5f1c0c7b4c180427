"""Every function's complexity (LG105's measure) equals ruff's C901 on real code."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from layerguard.facts.parse import parse_file

from .conftest import LNBITS, PREFECT, installed_tool

pytestmark = pytest.mark.slow


def ruff_complexities(root: Path) -> Counter[tuple[str, int, int]]:
    ruff = installed_tool("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it is in the test extras)")
    result = subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", "--select", "C901", "--config",
         "lint.mccabe.max-complexity=0", "--output-format", "json", "--exit-zero", str(root)],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    found: Counter[tuple[str, int, int]] = Counter()
    for diagnostic in json.loads(result.stdout):
        number = re.search(r"\((\d+) > 0\)", diagnostic["message"])
        assert number, diagnostic["message"]
        path = Path(diagnostic["filename"]).resolve().relative_to(root).as_posix()
        found[(path, diagnostic["location"]["row"], int(number.group(1)))] += 1
    return found


@pytest.mark.parametrize(("name", "version"), [LNBITS, PREFECT])
def test_every_function_has_ruffs_complexity(
    name: str, version: str, real_project: Callable[[str, str], Path]
) -> None:
    root = real_project(name, version).resolve()
    ours: Counter[tuple[str, int, int]] = Counter()
    for path in sorted(p for p in root.rglob("*.py*") if p.suffix in (".py", ".pyi")):
        facts = parse_file(path, "module", False)
        for function in facts.functions:
            ours[(path.relative_to(root).as_posix(), function.span.line, function.complexity)] += 1
    theirs = ruff_complexities(root)
    assert sum(ours.values()) > 1000
    assert theirs - ours == Counter()
    # Documented difference: ruff honours `# noqa: C901` on the def line; the facts do not.
    only_ours = ours - theirs
    for path, line, _ in only_ours:
        header = "".join(
            (root / path).read_text(encoding="utf-8").splitlines(keepends=True)[line - 1 : line + 2]
        )
        assert "noqa" in header, (path, line)
