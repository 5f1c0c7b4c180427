"""The import edges that cross layers in a way the layer table forbids (LG101, LG102)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from layerguard.graph import ImportEdge
from layerguard.model import Span

if TYPE_CHECKING:
    from layerguard.context import ProjectView


@dataclass(frozen=True)
class ForbiddenImport:
    edge: ImportEdge
    importer_layer: str
    imported_layer: str
    upward: bool

    @property
    def span(self) -> Span:
        return self.edge.fact.statement

    def describe(self) -> str:
        return (
            f"{self.importer_layer} module `{self.edge.importer.module}` imports "
            f"{self.imported_layer} module `{self.edge.imported}`"
        )


def counted_edges(project: ProjectView) -> Iterator[ImportEdge]:
    """Every project import the layer rules see: `if TYPE_CHECKING:` ones unless configured away."""
    skip_type_checking = project.config.type_checking_imports == "ignore"
    return (edge for edge in project.edges if not (skip_type_checking and edge.fact.type_checking))


def forbids(project: ProjectView, importer_layer: str, imported_layer: str) -> bool:
    """Whether the layer table forbids `importer_layer` to import `imported_layer`."""
    if importer_layer == imported_layer:
        return False
    layer = project.config.layer(importer_layer)
    return layer is not None and imported_layer not in layer.may_import


def is_upward(project: ProjectView, importer_layer: str, imported_layer: str) -> bool:
    return project.layers.rank(imported_layer) < project.layers.rank(importer_layer)


def edge_layers(project: ProjectView, edge: ImportEdge) -> tuple[tuple[str, str | None], ...]:
    """The layers of what `edge` brings in, as (layer, the imported name that brings it, or
    None for the module itself), first name first; empty when it brings in no layer."""
    layer = project.layers.layer_of(edge.imported)
    return ((layer, None),) if layer is not None else ()


def forbidden_imports(project: ProjectView) -> Iterator[ForbiddenImport]:
    """Direct imports, in checked files, of a layer the importer's layer may not import: one
    per statement and imported module, for the first forbidden layer it brings in."""
    layers = project.layers
    for edge in counted_edges(project):
        if not project.is_checked(edge.importer):
            continue
        importer_layer = layers.layer_of(edge.importer.module)
        if importer_layer is None:
            continue
        for imported_layer, _name in edge_layers(project, edge):
            if forbids(project, importer_layer, imported_layer):
                upward = is_upward(project, importer_layer, imported_layer)
                yield ForbiddenImport(edge, importer_layer, imported_layer, upward)
                break
