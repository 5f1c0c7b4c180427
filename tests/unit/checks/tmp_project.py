"""Lint a small project written into a tmp folder, keeping columns: for the per-rule tests that
assert where a finding stands, which the `# error: [...]` markers of tests/markers.py do not say."""

from __future__ import annotations

from pathlib import Path

from markers import write_project

from layerguard import check

__all__ = ["lint", "write_project"]


def lint(
    root: Path, files: dict[str, str], codes: list[str], settings: str = ""
) -> list[tuple[str, int, int, str]]:
    """(path, line, 1-based column, code) of each finding of `codes` in the project `files`."""
    write_project(root, files, settings)
    report = check([root], select=codes, cache=False)
    return [(f.path.relative_to(root).as_posix(), f.line, f.column + 1, f.code) for f in report.findings]
