"""LG402: `Union[X, Y]` (no `None` member) where the target Python has `X | Y`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.optional_annotation import PEP604_MIN_VERSION, pep604_fix
from layerguard.model import FileFacts, Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import FileView


class UnionAnnotation(FileRule):
    meta = RuleMeta(
        code="LG402",
        name="union-annotation",
        severity=Severity.ERROR,
        summary="`Union[X, Y]`: use `X | Y`",
        fixable=True,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        if view.config.target_version < PEP604_MIN_VERSION:
            return
        for sub in facts.typing_subscripts:
            if not sub.has_none:
                message = f"Use `{sub.replacement or 'X | Y'}` instead of `Union[...]`"
                yield self.finding(facts, sub.span, message, pep604_fix(sub))
