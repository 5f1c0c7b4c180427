"""The default format for people: findings grouped by file, each with its source line and a caret."""

from __future__ import annotations

import io
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from layerguard.model import Finding, Report, Severity
from layerguard.reporters.paths import display_path
from layerguard.reporters.rule_counts import statistics_lines
from layerguard.reporters.source import read_lines, source_line

TAB_SIZE = 4
SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _width(text: str) -> int:
    """Terminal cells `text` takes once tabs are expanded (wide characters count twice)."""
    return cell_len(text.expandtabs(TAB_SIZE))


def _snippet(finding: Finding, line: str) -> list[Text]:
    """The source line under a line-number gutter, and a caret line under the finding's span."""
    line = line.rstrip()
    end = finding.end_column if finding.end_line == finding.line else len(line)
    # A column past the end of the line (an empty file's 1:1) still gets its caret.
    padded = line.ljust(max(finding.column, end))
    start_cells = _width(padded[: finding.column])
    caret_cells = max(1, _width(padded[:end]) - start_cells)
    gutter = " " * len(str(finding.line))
    source = Text(f"    {finding.line} | ", style="blue")
    source.append(line.expandtabs(TAB_SIZE), style="default")
    caret = Text(f"    {gutter} | ", style="blue")
    caret.append(" " * start_cells + "^" * caret_cells, style=SEVERITY_STYLE[finding.severity])
    return [source, caret]


def _finding(finding: Finding, lines: list[str] | None) -> list[Text]:
    header = Text("  ")
    header.append(f"{finding.line}:{finding.column + 1}", style="dim")
    header.append(" ")
    header.append(finding.code, style=SEVERITY_STYLE[finding.severity])
    header.append(f" {finding.message}")
    line = source_line(lines, finding.line)
    return [header, *(_snippet(finding, line) if line is not None else [])]


def _summary(report: Report) -> Text:
    findings = report.findings
    if not findings:
        return Text(
            f"All checks passed! ({_plural(report.files_checked, 'file')} checked)",
            style="bold green",
        )
    errors = sum(finding.severity is Severity.ERROR for finding in findings)
    warnings = len(findings) - errors
    counts = [_plural(n, word) for n, word in ((errors, "error"), (warnings, "warning")) if n]
    files = len({finding.path for finding in findings})
    return Text(
        f"Found {_plural(len(findings), 'finding')} ({', '.join(counts)}) in {_plural(files, 'file')}.",
        style="bold",
    )


def _lines(report: Report, statistics: bool) -> list[Text]:
    by_file: dict[Path, list[Finding]] = {}
    for finding in report.findings:
        by_file.setdefault(finding.path, []).append(finding)
    out: list[Text] = []
    for path, findings in by_file.items():
        lines = read_lines(path)
        out.append(Text(display_path(path), style="bold"))
        for finding in findings:
            out += _finding(finding, lines)
        out.append(Text())
    if statistics:
        out += [Text(row) for row in statistics_lines(report)]
    out.append(_summary(report))
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
