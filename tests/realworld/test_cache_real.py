"""The cache never changes an answer, on real code: after edits that remove definitions other
files resolve (and so change what file rules learnt about other files), a cached run reports
exactly what a run without the cache reports, for the whole package and for a few files."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pytest

from layerguard.api import check

from .conftest import LNBITS, PREFECT

pytestmark = pytest.mark.slow


def findings(root: Path, *paths: str | Path, cache: bool) -> list[tuple[str, int, int, str, str]]:
    report = check([root / path for path in paths], cache=cache, jobs=2)
    return [
        (f.path.relative_to(root).as_posix(), f.line, f.column, f.code, f.message) for f in report.findings
    ]


@pytest.mark.parametrize("app", [LNBITS, PREFECT], ids=lambda app: app[0])
def test_cached_runs_equal_uncached_runs_across_edits(
    real_project: Callable[[str, str], Path], tmp_path: Path, app: tuple[str, str]
) -> None:
    root = tmp_path / app[0]
    shutil.copytree(real_project(*app), root)
    (root / "layerguard.toml").write_text('respect-gitignore = false\nextend-select = ["LG805", "LG806"]\n')
    package = root / app[0]
    seen = [findings(root, app[0], cache=True)]
    assert seen[0] == findings(root, app[0], cache=False)
    sources = sorted(package.rglob("*.py"))
    chosen = random.Random(6).sample(sources, 12)
    # Rounds of edits: module-level definitions others import go (a class, a session alias, a
    # router ...), an import is added, and one round puts a file back as it was.
    originals = {path: path.read_text(encoding="utf-8") for path in chosen}
    for round_, edited in enumerate((chosen[:4], chosen[4:8], chosen[8:], chosen[:2])):
        for path in edited:
            if round_ == 3:
                path.write_text(originals[path], encoding="utf-8")
            elif round_ == 1:
                path.write_text(f"from {app[0]} import *\n" + originals[path], encoding="utf-8")
            else:
                path.write_text("", encoding="utf-8")
        seen.append(findings(root, app[0], cache=True))
        assert seen[-1] == findings(root, app[0], cache=False), f"round {round_}"
        # pre-commit's staged files: the whole project's record, narrowed
        staged = [path.relative_to(root) for path in chosen[round_ : round_ + 3]]
        assert findings(root, *staged, cache=True) == findings(root, *staged, cache=False)
    assert all(before != after for before, after in pairwise(seen)), "every round changes findings"
    # Comments changed in three files: their facts are as they were, so the last run's findings
    # are reused without the other files' facts.
    for path in chosen[4:7]:
        path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert findings(root, app[0], cache=True) == seen[-1] == findings(root, app[0], cache=False)
