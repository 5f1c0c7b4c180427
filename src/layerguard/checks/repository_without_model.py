"""LG805 (opt-in): an `{Entity}Repository` module whose entity has no model class."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import ProjectRule
from layerguard.checks.file_naming import FILE_START
from layerguard.checks.naming import (
    entity_of_any_style,
    layer_folder_module,
    module_classes,
    pascal,
    same_name,
)
from layerguard.model import Finding, RuleMeta, Severity
from layerguard.presets import MODEL, REPOSITORY

if TYPE_CHECKING:
    from layerguard.context import ProjectView


class RepositoryWithoutModel(ProjectRule):
    meta = RuleMeta(
        code="LG805",
        name="repository-without-model",
        severity=Severity.WARNING,
        summary="An {Entity}Repository module whose entity has no model class",
        opt_in=True,
        layers=(REPOSITORY,),
    )

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        models = [
            cls.name
            for facts in project.files
            if project.layers.layer_of(facts.module) == MODEL
            for cls in module_classes(facts)
        ]
        for facts in project.files:
            module = layer_folder_module(facts, project.file_view) if project.is_checked(facts) else None
            if module is None or module.layer != REPOSITORY:
                continue
            named = entity_of_any_style(module.stem, module.layer, project.config.naming)
            if named is None:
                continue
            entity, style = named
            if not any(same_name(name, pascal(entity), style) for name in models):
                yield self.finding(
                    facts,
                    FILE_START,
                    f"`{module.file_name}` is the repository of `{pascal(entity)}`, but no module of "
                    f"the model layer defines a class `{pascal(entity)}`",
                )
