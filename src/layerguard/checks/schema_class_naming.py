"""LG803: a class in an entity's schema module is not `{Entity}` + Base/Create/Update/Response."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.naming import (
    SCHEMA_CLASS_SUFFIXES,
    defines_promised_class,
    entity_of,
    layer_folder_module,
    module_classes,
    pascal,
    same_name,
)
from layerguard.model import FileFacts, Finding, RuleMeta, Severity
from layerguard.presets import SCHEMA

if TYPE_CHECKING:
    from layerguard.context import FileView


class SchemaClassNaming(FileRule):
    meta = RuleMeta(
        code="LG803",
        name="schema-class-naming",
        severity=Severity.WARNING,
        summary="A class in an entity's schema module is not named {Entity}Base/Create/Update/Response",
        layers=(SCHEMA,),
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        style = view.config.naming
        if style == "off":
            return
        module = layer_folder_module(facts, view)
        if module is None or module.layer != SCHEMA:
            return
        entity = entity_of(module.stem, module.layer, style)
        if entity is None or not defines_promised_class(module, entity, style):
            return  # a misnamed module is LG801's; one with none of the promised classes, LG802's
        allowed = [pascal(entity) + suffix for suffix in SCHEMA_CLASS_SUFFIXES]
        for cls in module_classes(facts):
            # A private helper class is not part of the schema module's interface.
            if cls.name.startswith("_") or any(same_name(cls.name, name, style) for name in allowed):
                continue
            yield self.finding(
                facts,
                cls.span,
                f"Schema class `{cls.name}` in `{module.file_name}` is not named "
                f"`{pascal(entity)}` + `Base`, `Create`, `Update` or `Response`",
            )
