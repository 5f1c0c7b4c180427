"""What a rule is: metadata plus a check over facts (one file's, or the whole project's)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from layerguard.model import FileFacts, Finding, Fix, RuleMeta, Span, make_finding

if TYPE_CHECKING:
    from layerguard.context import FileView, ProjectView


class Rule:
    meta: ClassVar[RuleMeta]

    def finding(self, facts: FileFacts, span: Span, message: str, fix: Fix | None = None) -> Finding:
        return make_finding(self.meta, facts, span, message, fix)


class FileRule(Rule):
    """Reads one file's facts; runs on every checked file."""

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        raise NotImplementedError


class ProjectRule(Rule):
    """Reads every file's facts and the import graph; runs once per run."""

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        raise NotImplementedError
