"""LG806 (opt-in): an `{Entity}Service` module that imports no repository."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import ProjectRule
from layerguard.checks.file_naming import FILE_START
from layerguard.checks.naming import entity_of_any_style, layer_folder_module, pascal
from layerguard.model import Finding, RuleMeta, Severity
from layerguard.presets import REPOSITORY, SERVICE

if TYPE_CHECKING:
    from layerguard.context import ProjectView


class ServiceWithoutRepository(ProjectRule):
    meta = RuleMeta(
        code="LG806",
        name="service-without-repository",
        severity=Severity.WARNING,
        summary="An {Entity}Service module that imports no repository",
        opt_in=True,
        layers=(SERVICE,),
    )

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        # Every import counts, under TYPE_CHECKING too: an injected repository is often
        # imported for its annotation only.
        importers = {
            edge.importer.module
            for edge in project.edges
            if project.layers.layer_of(edge.imported) == REPOSITORY
        }
        for facts in project.files:
            module = layer_folder_module(facts, project.file_view) if project.is_checked(facts) else None
            if module is None or module.layer != SERVICE or facts.module in importers:
                continue
            named = entity_of_any_style(module.stem, module.layer, project.config.naming)
            if named is not None:
                yield self.finding(
                    facts,
                    FILE_START,
                    f"`{module.file_name}` is the service of `{pascal(named[0])}`, but imports no module "
                    "of the repository layer",
                )
