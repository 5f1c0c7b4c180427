"""The `--statistics` table: how many findings each rule produced."""

from __future__ import annotations

from collections import Counter

from layerguard.model import Report


def statistics_lines(report: Report) -> list[str]:
    """`count  code  name` rows, most frequent first, then by code, counts right-aligned."""
    counts = Counter(finding.code for finding in report.findings)
    names = {finding.code: finding.name for finding in report.findings}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = max((len(str(count)) for _, count in rows), default=1)
    return [f"{count:>{width}}  {code}  {names[code]}" for code, count in rows]
