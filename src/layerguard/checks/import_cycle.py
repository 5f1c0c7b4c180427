"""LG106: modules of one layer that import each other, in a cycle, at runtime."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import ProjectRule
from layerguard.graph import ImportEdge, build_import_graph, strongly_connected_components
from layerguard.model import FileFacts, Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import ProjectView

SHOWN_MEMBERS = 10  # a component's other modules listed in the message, at most


class ImportCycle(ProjectRule):
    meta = RuleMeta(
        code="LG106",
        name="import-cycle",
        severity=Severity.WARNING,
        summary="Modules of one layer import each other in a cycle",
    )

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        if not project.checks_everything and not any(
            _in_a_cycle(project, facts.module) for facts in project.checked_files
        ):
            return  # a narrow check whose files are on no cycle: their findings are none
        runtime = same_layer_runtime_edges(project)
        components = strongly_connected_components((e.importer.module, e.imported) for e in runtime)
        if not components:
            return
        component_of = {module: index for index, component in enumerate(components) for module in component}
        inside: list[list[ImportEdge]] = [[] for _ in components]
        for edge in runtime:
            index = component_of.get(edge.importer.module)
            if index is not None and component_of.get(edge.imported) == index:
                inside[index].append(edge)
        # Built as before: which of several shortest ways back grimp finds follows the order
        # modules and imports were added to it (a smaller graph changed a message on phoenix).
        graph = build_import_graph((f.module for f in project.files), runtime)
        for component, edges in zip(components, inside, strict=True):
            first = min(edges, key=_edge_order)
            # The shortest way back closes the cycle the first edge is on.
            back = graph.find_shortest_chain(first.imported, first.importer.module) or ()
            cycle = " -> ".join((first.importer.module, *back))
            layer = project.layers.layer_of(first.importer.module)
            message = f"Import cycle in the {layer} layer: {cycle}{_rest(component, set(back))}"
            yield self.finding(first.importer, first.fact.statement, message)


def _in_a_cycle(project: ProjectView, module: str) -> bool:
    """`module` imports, through same-layer runtime imports, a module that imports it back:
    a search from it alone (the language server's open files), not the whole graph's
    components. A cycle is reported at its first import, in one of its modules."""
    layer_of = project.layers.layer_of
    layer = layer_of(module)
    if layer is None:
        return False
    files = _files_by_module(project)
    seen = {module}
    work = [module]
    while work:
        for facts in files.get(work.pop(), ()):
            for edge in project.edges_of(facts):
                if edge.fact.type_checking or layer_of(edge.imported) != layer:
                    continue
                if edge.imported == module:
                    return True
                if edge.imported not in seen:
                    seen.add(edge.imported)
                    work.append(edge.imported)
    return False


def _files_by_module(project: ProjectView) -> dict[str, list[FileFacts]]:
    """Each module's files: its source, and a stub beside it."""
    return project.once(_each_files_by_module)


def _each_files_by_module(project: ProjectView) -> dict[str, list[FileFacts]]:
    found: dict[str, list[FileFacts]] = {}
    for facts in project.files:
        found.setdefault(facts.module, []).append(facts)
    return found


def same_layer_runtime_edges(project: ProjectView) -> list[ImportEdge]:
    """Imports not under `if TYPE_CHECKING:` between two modules of the same layer."""
    layer_of = project.layers.layer_of
    return [
        edge
        for edge in project.edges
        if not edge.fact.type_checking
        and (layer := layer_of(edge.importer.module)) is not None
        and layer == layer_of(edge.imported)
    ]


def _edge_order(edge: ImportEdge) -> tuple[str, int, int, str]:
    statement = edge.fact.statement
    return (edge.importer.module, statement.line, statement.column, edge.imported)


def _rest(component: list[str], on_cycle: set[str]) -> str:
    """The component's modules that the cycle shown does not pass through."""
    others = [m for m in component if m not in on_cycle]
    if not others:
        return ""
    shown = ", ".join(f"`{m}`" for m in others[:SHOWN_MEMBERS])
    more = f" and {len(others) - SHOWN_MEMBERS} more" if len(others) > SHOWN_MEMBERS else ""
    return f" (the cycle's strongly connected component also holds {shown}{more})"
