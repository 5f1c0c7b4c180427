"""GitHub Actions workflow commands: one `::error`/`::warning` annotation per finding."""

from __future__ import annotations

import os
from pathlib import Path

from layerguard.model import Finding, Report
from layerguard.reporters.escapes import visible, visible_but_line_breaks
from layerguard.reporters.paths import display_path


def escape_data(value: str) -> str:
    """Escape a command's message the way the Actions runner unescapes it."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a command property value: the data escapes plus the `:` and `,` separators."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation_path(path: Path) -> str:
    """The path GitHub matches annotations by: relative to the repository checkout.

    In Actions that is `GITHUB_WORKSPACE`, which differs from the current directory when a
    step sets `working-directory`; elsewhere, the path relative to the current directory.
    """
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace:
        try:
            return path.relative_to(workspace).as_posix()
        except ValueError:
            pass
    return display_path(path)


def annotation(finding: Finding) -> str:
    """One finding as a workflow command; the message repeats the location for the job log."""
    properties = {
        "file": visible(annotation_path(finding.path)),
        "line": str(finding.line),
        "col": str(finding.column + 1),
        "endLine": str(finding.end_line),
        "endColumn": str(finding.end_column + 1),
        "title": finding.code,
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    # The job log is a terminal of sorts: it renders ESC sequences.
    location = f"{visible(display_path(finding.path))}:{finding.line}:{finding.column + 1}"
    message = f"{location}: {finding.code} {visible_but_line_breaks(finding.message)}"
    return f"::{finding.severity.value} {joined}::{escape_data(message)}"


def render(report: Report) -> str:
    """One annotation line per finding, in report order."""
    return "".join(f"{annotation(finding)}\n" for finding in report.findings)
