"""LG801: a module in a model/schema/repository/service folder is not named after its entity."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.naming import NAMED_LAYERS, entity_of, expected_file_name, layer_folder_module
from layerguard.model import FileFacts, Finding, RuleMeta, Severity, Span

if TYPE_CHECKING:
    from layerguard.context import FileView

FILE_START = Span(1, 0, 1, 0)


class FileNaming(FileRule):
    meta = RuleMeta(
        code="LG801",
        name="file-naming",
        severity=Severity.ERROR,
        summary="A module in a model/schema/repository/service folder is not named after its entity",
        layers=NAMED_LAYERS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        style = view.config.naming
        if style == "off":
            return
        module = layer_folder_module(facts, view)
        if module is None or entity_of(module.stem, module.layer, style) is not None:
            return
        yield self.finding(
            facts,
            FILE_START,
            f"`{module.file_name}` in the {module.layer} folder `{module.folder}` is not named "
            f'{expected_file_name(module.layer, style)}, as naming = "{style}" asks',
        )
