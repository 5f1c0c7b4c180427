"""The one suppression stage: what is found but not reported.

`Suppression.reports(finding, facts)` is the single answer to "would `check` show this finding":
a rule that is off (the pipeline codes LG000/LG001 stay on unless ignored by their exact code),
`per-file-ignores`, and `# noqa` on any line of the reported statement. `check`, `graph` and the
flake8 plugin all ask it. The baseline (`baseline.py`, `Workspace.baselined`) is the stage's last
step, applied to what this leaves of a whole run: its counts and renamed files span findings. It
also records which noqa codes silenced something, so that `reported` adds LG002 for those that
silenced nothing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable
from pathlib import Path

from layerguard.config import is_rule_enabled, per_file_ignored_codes
from layerguard.model import (
    PIPELINE_RULES,
    UNUSED_NOQA,
    Config,
    Edit,
    FileFacts,
    Finding,
    Fix,
    NoqaDirective,
    RuleMeta,
    Span,
    make_finding,
)


class NoqaIndex:
    """A file's noqa comments, spread over every line of the statement they stand in."""

    def __init__(self, facts: FileFacts) -> None:
        self.comments = dict(facts.noqa)
        self.ranges = facts.statement_ranges
        self.starts = [start for start, _ in self.ranges]
        # (line, code) of each noqa code that silenced a finding: the others are LG002's.
        self.used: set[tuple[int, str]] = set()

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
            if not codes:
                return True
            matching = [code for code in codes if finding.code.startswith(code)]
            if matching:
                self.used.update((line, code) for code in matching)
                return True
        return False


class Suppression:
    """Decides, for one configuration, which findings are reported. The codes a file's
    `per-file-ignores` silence and its noqa index are worked out once per file."""

    def __init__(self, config: Config, ran: Collection[str] = ()) -> None:
        """`ran`: the codes of the rules that ran; a noqa naming one of them that silences
        nothing is an LG002 (none when empty, as for `graph`)."""
        self.config = config
        self.ran = tuple(ran)
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

    def reported(self, findings: Iterable[Finding], facts: FileFacts) -> list[Finding]:
        """The findings of one file that `check` shows, then its unused noqa codes (LG002)."""
        shown = [finding for finding in findings if self.reports(finding, facts)]
        if self.ran and facts.noqa_directives and facts.parse_error is None:
            unused = (
                unused_noqa(directive, facts, self._unused_codes(directive, facts))
                for directive in facts.noqa_directives
            )
            shown += [finding for finding in unused if finding is not None and self.reports(finding, facts)]
        return shown

    def _unused_codes(self, directive: NoqaDirective, facts: FileFacts) -> list[str]:
        """The codes of `directive` that name a rule that ran here and silenced nothing, as
        ruff's RUF100 sees them: other tools' codes, codes of rules that did not run (or that
        `per-file-ignores` turns off in this file) and LG002 itself are never unused."""
        used = self._noqa_index(facts).used
        ignored = self._ignored_codes(facts.path)
        return [
            code
            for code in directive.codes
            if code.startswith("LG")
            and code != UNUSED_NOQA.code
            and (directive.line, code) not in used
            and any(ran.startswith(code) and not (ignored and ran.startswith(ignored)) for ran in self.ran)
        ]

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


def unused_noqa(directive: NoqaDirective, facts: FileFacts, unused: list[str]) -> Finding | None:
    """The LG002 finding for the `unused` codes of `directive`, with the fix removing them (the
    whole comment when it names nothing else); None when every code is used."""
    if not unused:
        return None
    kept = [code for code in directive.codes if code not in unused]
    line = directive.line
    if kept:
        edit = Edit(", ".join(kept), line, directive.codes_column, line, directive.end_column)
    elif directive.rest_column is not None and directive.rest_is_comment:  # `# x`
        edit = Edit("", line, directive.column, line, directive.rest_column)
    elif directive.rest_column is not None:  # `
        edit = Edit("#", line, directive.column, line, directive.end_column)
    elif directive.gap_column == 0:  # a comment on a line of its own: the line goes
        edit = Edit("", line, 0, line + 1, 0)
    else:
        edit = Edit("", line, directive.gap_column, line, directive.end_column)
    names = ", ".join(f"`{code}`" for code in unused)
    span = Span(line, directive.column, line, directive.end_column)
    message = f"Unused `noqa` directive (suppresses nothing: {names})"
    action = "Remove the unused codes" if kept else "Remove the `noqa` comment"
    return make_finding(UNUSED_NOQA, facts, span, message, Fix(action, (edit,)))
