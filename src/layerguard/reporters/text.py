"""The default format for people: findings grouped by file, each with its source line and a caret."""

from __future__ import annotations

import io
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from layerguard.model import SAFE, Finding, Report, Severity
from layerguard.reporters.escapes import one_line, visible, visible_but_tabs
from layerguard.reporters.paths import display_path
from layerguard.reporters.rule_counts import most_frequent_line, statistics_lines
from layerguard.reporters.source import source_line, source_lines

TAB_SIZE = 4
# Characters of a source line shown at most: a minified or generated 5 MB line is cut around the
# finding, with an ellipsis on each side that was cut.
SNIPPET_WIDTH = 200
# Of those, how many come before the finding's column when the line is cut.
SNIPPET_CONTEXT = 60
ELLIPSIS = "…"
SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _shown(text: str) -> str:
    """Source text as displayed: control characters escaped, tabs expanded."""
    return visible_but_tabs(text).expandtabs(TAB_SIZE)


def _snippet(finding: Finding, line: str) -> list[Text]:
    """The source line under a line-number gutter, and a caret line under the finding's span."""
    line = line.rstrip()
    end = finding.end_column if finding.end_line == finding.line else len(line)
    # A column past the end of the line (an empty file's 1:1) still gets its caret.
    raw = line.ljust(max(finding.column, end))
    padded = _shown(raw)
    # Escaping works character by character and tabs expand left to right, so the display of a
    # prefix is a prefix of the display: the span's start and end as positions in `padded`.
    start = len(_shown(raw[: finding.column]))
    stop = len(_shown(raw[:end]))
    shown = _shown(line)
    left, right = 0, len(shown)
    if len(shown) > SNIPPET_WIDTH:
        left = max(0, min(start - SNIPPET_CONTEXT, len(shown) - SNIPPET_WIDTH))
        right = left + SNIPPET_WIDTH
        stop = min(stop, right)
    before = ELLIPSIS if left > 0 else ""
    after = ELLIPSIS if right < len(shown) else ""
    start_cells = cell_len(before + padded[left:start])
    caret_cells = max(1, cell_len(padded[start:stop]))
    gutter = " " * len(str(finding.line))
    source = Text(f"    {finding.line} | ", style="blue")
    source.append(before + shown[left:right] + after, style="default")
    caret = Text(f"    {gutter} | ", style="blue")
    caret.append(" " * start_cells + "^" * caret_cells, style=SEVERITY_STYLE[finding.severity])
    return [source, caret]


def _finding(finding: Finding, lines: list[str] | None) -> list[Text]:
    header = Text("  ")
    header.append(f"{finding.line}:{finding.column + 1}", style="dim")
    header.append(" ")
    header.append(finding.code, style=SEVERITY_STYLE[finding.severity])
    header.append(f" {one_line(finding.message)}")
    line = source_line(lines, finding.line)
    return [header, *(_snippet(finding, line) if line is not None else [])]


def _summary(report: Report) -> Text:
    findings = report.findings
    matched = (
        f"; {_plural(report.baseline_matched, 'finding')} matched the baseline"
        if report.baseline_matched
        else ""
    )
    if not findings:
        return Text(
            f"All checks passed! ({_plural(report.files_checked, 'file')} checked{matched})",
            style="bold green",
        )
    errors = sum(finding.severity is Severity.ERROR for finding in findings)
    warnings = len(findings) - errors
    counts = [_plural(n, word) for n, word in ((errors, "error"), (warnings, "warning")) if n]
    files = len({finding.path for finding in findings})
    fixable = sum(f.fix is not None and f.fix.applicability == SAFE for f in findings)
    unsafe = sum(f.fix is not None and f.fix.applicability != SAFE for f in findings)
    fixes = f" {fixable} fixable with `--fix`." if fixable else ""
    if unsafe:
        fixes += f" ({unsafe} more with `--fix --unsafe-fixes`.)"
    found = (
        f"Found {_plural(len(findings), 'finding')} ({', '.join(counts)}) in {_plural(files, 'file')}"
        f"{matched}."
    )
    return Text(found + fixes, style="bold")


def _lines(report: Report, statistics: bool) -> list[Text]:
    by_file: dict[Path, list[Finding]] = {}
    for finding in report.findings:
        by_file.setdefault(finding.path, []).append(finding)
    out: list[Text] = []
    for path, findings in by_file.items():
        lines = source_lines(report.sources.get(path))
        out.append(Text(visible(display_path(path)), style="bold"))
        for finding in findings:
            out += _finding(finding, lines)
        out.append(Text())
    if statistics:
        out += [Text(row) for row in statistics_lines(report)]
    out.append(_summary(report))
    guide = most_frequent_line(report)
    if guide is not None:
        out.append(Text(guide))
    return out


def render(report: Report, *, color: bool = False, statistics: bool = False) -> str:
    """The report for a terminal; plain, byte-stable text unless `color`."""
    lines = _lines(report, statistics)
    if not color:
        return "".join(f"{line.plain}\n" for line in lines)
    console = Console(
        file=io.StringIO(),
        force_terminal=True,
        color_system="standard",
        width=10_000,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=False,
    )
    with console.capture() as capture:
        for line in lines:
            console.print(line)
    return capture.get()
