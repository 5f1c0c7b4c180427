"""LG103: a chain of imports through unlayered modules reaches a layer the start may not import."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from layerguard.checks.base import ProjectRule
from layerguard.checks.layer_imports import counted_edges, forbids
from layerguard.graph import ImportEdge, build_import_graph
from layerguard.model import Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import ProjectView


@dataclass(frozen=True)
class IndirectViolation:
    """The first import of a chain, the shortest such chain, and the other modules of
    forbidden layers that the same first import leads to."""

    edge: ImportEdge
    chain: tuple[str, ...]  # importer, the unlayered modules, the forbidden module
    importer_layer: str
    imported_layer: str
    others: tuple[tuple[str, str], ...]  # (module, layer), sorted


def indirect_violations(project: ProjectView) -> Iterator[IndirectViolation]:
    """One violation per (layered importer, unlayered module it imports) that leads, through
    unlayered and non-wiring modules only, to a module of a layer the importer may not import."""
    layers = project.layers

    def passable(module: str) -> bool:
        return layers.layer_of(module) is None and not layers.is_wiring(module)

    edges = list(counted_edges(project))
    starts: dict[tuple[str, str], ImportEdge] = {}
    for edge in sorted(edges, key=lambda e: (e.fact.statement.line, e.fact.statement.column)):
        importer = edge.importer.module
        if project.is_checked(edge.importer) and layers.layer_of(importer) and passable(edge.imported):
            starts.setdefault((importer, edge.imported), edge)
    if not starts:
        return
    # Only imports made by passable modules: a layered or wiring module ends every chain.
    graph = build_import_graph(
        (f.module for f in project.files), (e for e in edges if passable(e.importer.module))
    )

    @cache
    def layered_upstream(module: str) -> tuple[tuple[str, str], ...]:
        found = ((m, layers.layer_of(m)) for m in graph.find_upstream_modules(module))
        return tuple(sorted((m, layer) for m, layer in found if layer is not None))

    @cache
    def shortest_chain(start: str, target: str) -> tuple[str, ...]:
        return tuple(graph.find_shortest_chain(start, target) or ())

    for (importer, first), edge in sorted(starts.items()):
        importer_layer = layers.layer_of(importer)
        assert importer_layer is not None
        targets = [
            (m, layer) for m, layer in layered_upstream(first) if forbids(project, importer_layer, layer)
        ]
        if not targets:
            continue
        chains = sorted(
            ((len(c), c, layer) for m, layer in targets if (c := shortest_chain(first, m))),
        )
        _, chain, layer = chains[0]
        others = tuple(target for target in targets if target[0] != chain[-1])
        yield IndirectViolation(edge, (importer, *chain), importer_layer, layer, others)


class IndirectLayerViolation(ProjectRule):
    meta = RuleMeta(
        code="LG103",
        name="indirect-layer-violation",
        severity=Severity.ERROR,
        summary="An import chain through unlayered modules reaches a forbidden layer",
    )

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        for violation in indirect_violations(project):
            chain = " -> ".join(violation.chain)
            more = _others(violation, project)
            message = (
                f"Indirect layer violation: {violation.importer_layer} module `{violation.chain[0]}` "
                f"reaches {violation.imported_layer} module `{violation.chain[-1]}` through unlayered "
                f"modules: {chain}{more}"
            )
            yield self.finding(violation.edge.importer, violation.edge.fact.statement, message)


def _others(violation: IndirectViolation, project: ProjectView) -> str:
    """` (and 3 more forbidden modules in service, repository)`, or nothing."""
    if not violation.others:
        return ""
    count = len(violation.others)
    layers = sorted({layer for _, layer in violation.others}, key=project.layers.rank)
    return f" (and {count} more forbidden module{'s' if count > 1 else ''} in {', '.join(layers)})"
