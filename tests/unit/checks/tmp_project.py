"""Write a small project into a tmp folder and lint it: the helper of the per-rule tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

from layerguard import check

PYPROJECT = '[project]\nname = "shop"\nrequires-python = ">=3.12"\n'


def write_project(root: Path, files: dict[str, str], settings: str = "") -> Path:
    """Write the files (folders get an `__init__.py`) and a pyproject whose
    `[tool.layerguard]` holds `settings`."""
    (root / "pyproject.toml").write_text(PYPROJECT + ("[tool.layerguard]\n" + settings if settings else ""))
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    for folder in [p for p in root.rglob("*") if p.is_dir()]:
        if not (folder / "__init__.py").exists():
            (folder / "__init__.py").write_text("")
    return root


def lint(
    root: Path, files: dict[str, str], codes: list[str], settings: str = ""
) -> list[tuple[str, int, int, str]]:
    """(path, line, 1-based column, code) of each finding of `codes` in the project `files`."""
    write_project(root, files, settings)
    report = check([root], select=codes, cache=False)
    return [(f.path.relative_to(root).as_posix(), f.line, f.column + 1, f.code) for f in report.findings]
