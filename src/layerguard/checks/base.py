"""What a rule is: metadata plus a check over facts (one file's, or the whole project's)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from layerguard.model import FileFacts, Finding, Fix, RuleMeta, Severity, Span

if TYPE_CHECKING:
    from layerguard.project import FileContext, Project


class Rule:
    meta: ClassVar[RuleMeta]

    def finding(self, facts: FileFacts, span: Span, message: str, fix: Fix | None = None) -> Finding:
        return make_finding(self.meta, facts, span, message, fix)


class FileRule(Rule):
    """Reads one file's facts; runs on every checked file."""

    def check_file(self, facts: FileFacts, project: FileContext) -> Iterator[Finding]:
        raise NotImplementedError


class ProjectRule(Rule):
    """Reads every file's facts and the import graph; runs once per run."""

    def check_project(self, project: Project) -> Iterator[Finding]:
        raise NotImplementedError


def make_finding(
    meta: RuleMeta, facts: FileFacts, span: Span, message: str, fix: Fix | None = None
) -> Finding:
    return Finding(
        path=facts.path,
        line=span.line,
        column=span.column,
        end_line=span.end_line,
        end_column=span.end_column,
        code=meta.code,
        name=meta.name,
        severity=meta.severity,
        message=message,
        fix=fix,
    )


# The two pipeline codes: no rule class produces them, the pipeline does.
INTERNAL_ERROR = RuleMeta(
    code="LG000",
    name="internal-error",
    severity=Severity.ERROR,
    summary="A rule failed on a file: a bug in layerguard, please report it",
)
PARSE_ERROR = RuleMeta(
    code="LG001",
    name="parse-error",
    severity=Severity.ERROR,
    summary="A file cannot be read, decoded or parsed",
)
