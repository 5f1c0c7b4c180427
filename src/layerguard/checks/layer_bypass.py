"""LG102: a layer imports a lower layer it may not (endpoint -> repository, endpoint -> model ...)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import ProjectRule
from layerguard.checks.layer_imports import forbidden_imports
from layerguard.model import Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import ProjectView


class LayerBypass(ProjectRule):
    meta = RuleMeta(
        code="LG102",
        name="layer-bypass",
        severity=Severity.ERROR,
        summary="A layer imports a lower layer it may not import",
    )

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        for violation in forbidden_imports(project):
            if not violation.upward:
                allowed = project.config.layer(violation.importer_layer)
                may = ", ".join(allowed.may_import) if allowed and allowed.may_import else "no other layer"
                what = violation.describe(project)
                message = f"Layer bypass: {what}; {violation.importer_layer} may import {may}"
                message += violation.type_only_note()
                yield self.finding(violation.edge.importer, violation.span, message)
