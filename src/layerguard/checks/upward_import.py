"""LG101: a layer imports a layer above it (service -> endpoint, model -> repository ...)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import ProjectRule
from layerguard.checks.layer_imports import forbidden_imports
from layerguard.model import Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import ProjectView


class UpwardImport(ProjectRule):
    meta = RuleMeta(
        code="LG101",
        name="upward-import",
        severity=Severity.ERROR,
        summary="A layer imports a higher layer",
    )

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        for violation in forbidden_imports(project):
            if violation.upward:
                message = f"Upward import: {violation.describe(project)}, a higher layer"
                message += violation.type_only_note()
                yield self.finding(violation.edge.importer, violation.span, message)
