"""LG101 + LG102 report the same module pairs as import-linter's `forbidden` contracts.

On prefect's server (FastAPI + SQLAlchemy) with a four-layer table. import-linter gets the
equivalent contracts: for each layer, a `forbidden` contract (direct imports only, since LG101/
LG102 are about direct imports; chains are LG103) against every layer it may not import.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from layerguard.api import check

from .conftest import PREFECT

pytestmark = pytest.mark.slow

# Top to bottom, with what each layer may import.
LAYERS = {
    "api": ("prefect.server.api", ["models", "database", "schemas"]),
    "models": ("prefect.server.models", ["database", "schemas"]),
    "database": ("prefect.server.database", ["schemas"]),
    "schemas": ("prefect.server.schemas", []),
}

# Module pairs the two tools may legitimately disagree on, with the reason. Empty: none so far.
DOCUMENTED_DIFFERENCES: dict[tuple[str, str], str] = {}

PAIR_RE = re.compile(r"^-\s+(?P<importer>[\w.]+)\s+->\s+(?P<imported>[\w.]+)\s+\(l\.", re.M)


def layerguard_config() -> str:
    lines = [
        'preset = "none"',
        "wiring = []",
        'select = ["LG101", "LG102"]',
        "exclude = []",
        "respect-gitignore = false",
    ]
    for name, (package, may_import) in LAYERS.items():
        lines += [
            f"[layers.{name}]",
            f'modules = ["{package}", "{package}.**"]',
            "may-import = [" + ", ".join(f'"{m}"' for m in may_import) + "]",
        ]
    return "\n".join(lines) + "\n"


def import_linter_config() -> str:
    sections = ["[importlinter]\nroot_package = prefect\n"]
    for number, (name, (package, may_import)) in enumerate(LAYERS.items()):
        forbidden = [pkg for other, (pkg, _) in LAYERS.items() if other != name and other not in may_import]
        if forbidden:
            sections.append(
                f"[importlinter:contract:{number}]\nname = {name}\ntype = forbidden\n"
                f"source_modules = {package}\nforbidden_modules =\n    "
                + "\n    ".join(forbidden)
                + "\nallow_indirect_imports = True\n"
            )
    return "\n".join(sections)


def test_same_module_pairs_as_import_linter(real_project: Callable[[str, str], Path]) -> None:
    root = real_project(*PREFECT).resolve()
    lint_imports = shutil.which("lint-imports")
    if lint_imports is None:
        pytest.skip("import-linter is not installed (it is in the test extras)")
    (root / "layerguard.toml").write_text(layerguard_config())
    (root / ".importlinter").write_text(import_linter_config())

    report = check([root / "prefect"])
    assert {f.code for f in report.findings} <= {"LG101", "LG102"}
    ours = {
        tuple(re.findall(r"`([\w.]+)`", f.message)[:2])  # "... module `a` imports ... module `b` ..."
        for f in report.findings
    }

    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(root), "PATH": str(Path(lint_imports).parent)}, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr  # contracts are broken in prefect
    theirs = {(m["importer"], m["imported"]) for m in PAIR_RE.finditer(result.stdout)}

    assert len(theirs) >= 5, "import-linter reported too few pairs: the parsing of its output broke"
    assert {p for p in ours - theirs if p not in DOCUMENTED_DIFFERENCES} == set()
    assert {p for p in theirs - ours if p not in DOCUMENTED_DIFFERENCES} == set()
