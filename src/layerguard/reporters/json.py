"""Machine-readable findings: a JSON list, columns 1-based, fixes in ruff's shape."""

from __future__ import annotations

import json
from typing import Any

from layerguard.model import Edit, Finding, Fix, Report
from layerguard.reporters.escapes import json_safe
from layerguard.reporters.paths import display_path
from layerguard.reporters.rule_counts import statistics_objects


def _edit(edit: Edit) -> dict[str, Any]:
    return {
        "content": edit.content,
        "location": {"line": edit.line, "column": edit.column + 1},
        "end_location": {"line": edit.end_line, "column": edit.end_column + 1},
    }


def _fix(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability,
        "message": fix.message,
        "edits": [_edit(edit) for edit in fix.edits],
    }


def finding_object(finding: Finding) -> dict[str, Any]:
    """One finding as a JSON object, keys in the documented order."""
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "path": display_path(finding.path),
        "line": finding.line,
        "column": finding.column + 1,
        "end_line": finding.end_line,
        "end_column": finding.end_column + 1,
        "fix": _fix(finding.fix),
    }


def render(report: Report) -> str:
    """The findings as an indented JSON list, with a trailing newline."""
    objects = [finding_object(finding) for finding in report.findings]
    return json_safe(json.dumps(objects, indent=2, ensure_ascii=False)) + "\n"


def render_statistics(report: Report) -> str:
    """`--statistics`: the per-rule counts as an indented JSON list, as ruff gives them."""
    return json.dumps(statistics_objects(report), indent=2, ensure_ascii=False) + "\n"
