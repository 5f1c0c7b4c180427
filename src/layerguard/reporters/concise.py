"""flake8's one-line format, the one editors parse: `path:line:col: CODE message`."""

from __future__ import annotations

from layerguard.model import Finding, Report
from layerguard.reporters.escapes import one_line, visible
from layerguard.reporters.paths import display_path
from layerguard.reporters.rule_counts import statistics_lines


def concise_line(finding: Finding) -> str:
    """One finding on one line, column 1-based."""
    # A line break in a name or message would split one finding into two for a line-based parser.
    path = visible(display_path(finding.path))
    return f"{path}:{finding.line}:{finding.column + 1}: {finding.code} {one_line(finding.message)}"


def render(report: Report, *, statistics: bool = False) -> str:
    """Every finding in report order; no summary line, as flake8 prints none."""
    lines = [concise_line(finding) for finding in report.findings]
    if statistics:
        lines += statistics_lines(report)
    return "".join(f"{line}\n" for line in lines)
