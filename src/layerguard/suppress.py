"""The one suppression stage: what is found but not reported.

`Suppression.reports(finding, facts)` is the single answer to "would `check` show this finding":
a rule that is off (the pipeline codes LG000/LG001 stay on unless ignored by their exact code),
`per-file-ignores`, and `# noqa` on any line of the reported statement. `check`, `graph` and the
flake8 plugin all ask it. The baseline (`baseline.py`, `Workspace.baselined`) is the stage's last
step, applied to what this leaves of a whole run: its counts and renamed files span findings.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from pathlib import Path

from layerguard.config import is_rule_enabled, per_file_ignored_codes
from layerguard.model import PIPELINE_RULES, Config, FileFacts, Finding, RuleMeta


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


class Suppression:
    """Decides, for one configuration, which findings are reported. The codes a file's
    `per-file-ignores` silence and its noqa index are worked out once per file."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.pipeline_off = frozenset(m.code for m in PIPELINE_RULES if not is_rule_enabled(config, m))
        self._per_file: dict[Path, tuple[str, ...]] = {}
        self._noqa: dict[Path, NoqaIndex] = {}

    def is_enabled(self, meta: RuleMeta) -> bool:
        return is_rule_enabled(self.config, meta)

    def reports(self, finding: Finding, facts: FileFacts) -> bool:
        """Whether `check` shows `finding`, found in the file `facts` describe."""
        if finding.code in self.pipeline_off:
            return False
        ignored = self._ignored_codes(finding.path)
        if ignored and finding.code.startswith(ignored):
            return False
        return not self._noqa_index(facts).suppresses(finding)

    def reported(self, findings: Iterable[Finding], facts: FileFacts) -> Iterator[Finding]:
        """The findings of one file that `check` shows."""
        return (finding for finding in findings if self.reports(finding, facts))

    def _ignored_codes(self, path: Path) -> tuple[str, ...]:
        ignored = self._per_file.get(path)
        if ignored is None:
            try:
                relative = path.relative_to(self.config.root).as_posix()
            except ValueError:
                relative = path.as_posix()
            ignored = self._per_file[path] = per_file_ignored_codes(self.config, relative)
        return ignored

    def _noqa_index(self, facts: FileFacts) -> NoqaIndex:
        index = self._noqa.get(facts.path)
        if index is None:
            index = self._noqa[facts.path] = NoqaIndex(facts)
        return index
