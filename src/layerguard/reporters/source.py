"""Source lines for reporters that show or hash the code a finding points at."""

from __future__ import annotations

from pathlib import Path


def read_lines(path: Path) -> list[str] | None:
    """The file's lines as Python numbers them, or None when it cannot be read."""
    try:
        # utf-8-sig: the parser does not count a BOM as a column of line 1.
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None
    # Text mode already turned \r\n and \r into \n; splitlines() would also split on \f and \x1c.
    return text.split("\n")


def source_line(lines: list[str] | None, line: int) -> str | None:
    """Line `line` (1-based) without its line break, or None when it is not there."""
    if lines is None or not 1 <= line <= len(lines):
        return None
    return lines[line - 1]
