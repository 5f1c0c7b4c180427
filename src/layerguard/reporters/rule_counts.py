"""The `--statistics` table: how many findings each rule produced."""

from __future__ import annotations

from collections import Counter

from layerguard.model import Report


def rule_counts(report: Report) -> list[tuple[str, str, int, int]]:
    """(code, name, findings, of them fixable) per rule, most frequent first, then by code."""
    counts = Counter(finding.code for finding in report.findings)
    fixable = Counter(finding.code for finding in report.findings if finding.fix is not None)
    names = {finding.code: finding.name for finding in report.findings}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(code, names[code], count, fixable[code]) for code, count in rows]


def statistics_lines(report: Report) -> list[str]:
    """`count  code  name` rows, most frequent first, then by code, counts right-aligned."""
    rows = rule_counts(report)
    width = max((len(str(count)) for _, _, count, _ in rows), default=1)
    return [f"{count:>{width}}  {code}  {name}" for code, name, count, _ in rows]


def statistics_objects(report: Report) -> list[dict[str, object]]:
    """The `--statistics --format json` list, in ruff's shape: code, name, count, fixable."""
    return [
        {"code": code, "name": name, "count": count, "fixable": fixable == count}
        for code, name, count, fixable in rule_counts(report)
    ]


def most_frequent_line(report: Report, shown: int = 3) -> str | None:
    """What a first run should read next: the most frequent rules and how to learn about them."""
    rows = rule_counts(report)
    if not rows:
        return None
    top = ", ".join(f"{code} {name} ({count})" for code, name, count, _ in rows[:shown])
    return f"Most frequent: {top}. `layerguard explain {rows[0][0]}` says why and how to fix it."
