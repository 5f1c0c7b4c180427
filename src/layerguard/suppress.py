"""What is not reported: `# noqa` comments and `per-file-ignores`."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator

from layerguard.model import FileFacts, Finding


class NoqaIndex:
    """A file's noqa comments, spread over every line of the statement they stand in."""

    def __init__(self, facts: FileFacts) -> None:
        self.comments = dict(facts.noqa)
        self.ranges = facts.statement_ranges
        self.starts = [start for start, _ in self.ranges]

    def statement_lines(self, line: int) -> range:
        index = bisect_right(self.starts, line) - 1
        if index >= 0:
            start, end = self.ranges[index]
            if start <= line <= end:
                return range(start, end + 1)
        return range(line, line + 1)

    def suppresses(self, finding: Finding) -> bool:
        if not self.comments:
            return False
        for line in self.statement_lines(finding.line):
            codes = self.comments.get(line)
            if codes is None:
                continue
            # As flake8: a bare noqa silences everything, a code also silences by prefix.
            if not codes or finding.code.startswith(codes):
                return True
        return False


def without_noqa(findings: Iterable[Finding], facts: FileFacts) -> Iterator[Finding]:
    index = NoqaIndex(facts)
    return (f for f in findings if not index.suppresses(f))
