"""LG802: an entity-named module does not define the class its name promises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.file_naming import FILE_START
from layerguard.checks.naming import (
    NAMED_LAYERS,
    defines_promised_class,
    entity_of,
    layer_folder_module,
    promised_classes,
)
from layerguard.model import FileFacts, Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import FileView


class MissingEntityClass(FileRule):
    meta = RuleMeta(
        code="LG802",
        name="missing-entity-class",
        severity=Severity.ERROR,
        summary="An entity-named module does not define the class its name promises",
        layers=NAMED_LAYERS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        style = view.config.naming
        if style == "off":
            return
        module = layer_folder_module(facts, view)
        entity = entity_of(module.stem, module.layer, style) if module is not None else None
        if module is None or entity is None:
            return  # misnamed modules are LG801's
        if defines_promised_class(module, entity, style):
            return
        wanted = promised_classes(module.layer, entity)
        if len(wanted) == 1:
            message = f"`{module.file_name}` defines no class `{wanted[0]}`"
        else:
            message = f"`{module.file_name}` defines none of " + ", ".join(f"`{name}`" for name in wanted)
        yield self.finding(facts, FILE_START, message)
