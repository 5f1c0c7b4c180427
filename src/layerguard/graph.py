"""Imports resolved to project modules, and the grimp graph built from them.

The only module that imports grimp. The graph is filled from the facts' imports with
`add_module`/`add_import`, so namespace folders (no `__init__.py`), which
`grimp.build_graph` skips, are part of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from layerguard.model import FileFacts, ImportFact

if TYPE_CHECKING:
    import grimp

    from layerguard.project import Project


@dataclass(frozen=True)
class ImportEdge:
    """`importer` imports project module `imported` by the statement in `fact`."""

    importer: FileFacts
    imported: str
    fact: ImportFact


def resolve_imports(project: Project) -> tuple[ImportEdge, ...]:
    """Every import of a project module by a project module, in file and line order."""
    modules = project.by_module
    edges: list[ImportEdge] = []
    for facts in project.files:
        seen: set[tuple[int, int, str]] = set()
        for fact in facts.imports:
            target = resolve_import(facts, fact, modules)
            if target is None or target == facts.module:
                continue
            key = (fact.statement.line, fact.statement.column, target)
            if key not in seen:
                seen.add(key)
                edges.append(ImportEdge(facts, target, fact))
    return tuple(edges)


def resolve_import(facts: FileFacts, fact: ImportFact, modules: dict[str, FileFacts]) -> str | None:
    """The project module an import statement depends on, or None when it is external."""
    base = absolute_module(facts, fact)
    if base is None:
        return None
    if fact.name is not None and fact.name != "*":
        submodule = f"{base}.{fact.name}" if base else fact.name
        if submodule in modules:
            return submodule
    # `import a.b.c` depends on the deepest of a.b.c, a.b, a that is a project module.
    parts = base.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def absolute_module(facts: FileFacts, fact: ImportFact) -> str | None:
    """The absolute module named by an import, resolving `from ..x import y`."""
    if fact.level == 0:
        return fact.module
    package = facts.module.split(".") if facts.is_package else facts.module.split(".")[:-1]
    if fact.level - 1 > len(package):
        return None  # beyond the top-level package: Python raises ImportError
    base = package[: len(package) - (fact.level - 1)]
    return ".".join(base + ([fact.module] if fact.module else []))


def build_import_graph(project: Project) -> grimp.ImportGraph:
    """A grimp graph of every project module and import, for chain and cycle queries."""
    import grimp

    graph = grimp.ImportGraph()
    for facts in project.files:
        graph.add_module(facts.module)
    for edge in project.edges:
        graph.add_import(
            importer=edge.importer.module,
            imported=edge.imported,
            line_number=edge.fact.statement.line,
            line_contents="",
        )
    return graph
