"""LG401: `Optional[X]` / `Union[X, None]` where the target Python has `X | None`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.model import Edit, FileFacts, Finding, Fix, RuleMeta, Severity, TypingSubscriptFact

if TYPE_CHECKING:
    from layerguard.context import FileView

PEP604_MIN_VERSION = (3, 10)


class OptionalAnnotation(FileRule):
    meta = RuleMeta(
        code="LG401",
        name="optional-annotation",
        severity=Severity.ERROR,
        summary="`Optional[X]` or `Union[X, None]`: use `X | None`",
        fixable=True,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        if view.config.target_version < PEP604_MIN_VERSION:
            return
        for sub in facts.typing_subscripts:
            if sub.has_none:
                spelling = sub.replacement or "X | None"
                message = f"Use `{spelling}` instead of `{sub.kind}[...]`"
                yield self.finding(facts, sub.span, message, pep604_fix(sub))


def pep604_fix(sub: TypingSubscriptFact) -> Fix | None:
    """The edit replacing the whole subscript with its PEP 604 spelling, when one is safe."""
    if sub.replacement is None:
        return None
    span = sub.span
    edit = Edit(sub.replacement, span.line, span.column, span.end_line, span.end_column)
    return Fix(f"Replace with `{sub.replacement}`", (edit,))
