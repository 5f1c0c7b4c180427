"""Imports resolved to project modules, and the grimp graph built from them.

The only module that imports grimp. The graph is filled from the facts' imports with
`add_module`/`add_import`, so namespace folders (no `__init__.py`), which
`grimp.build_graph` skips, are part of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from layerguard.model import FileFacts, ImportFact

if TYPE_CHECKING:
    import grimp


@dataclass(frozen=True)
class ImportEdge:
    """`importer` imports project module `imported` by the statement in `fact`; `names` are
    every name that statement imports from it (`from m import A, B`: both facts, `fact` first),
    and `taken` what each of them takes from `imported` (`taken_name`), worked out once here:
    the layer rules ask it for every name of every edge, several times a check."""

    importer: FileFacts
    imported: str
    fact: ImportFact
    names: tuple[ImportFact, ...] = ()
    taken: tuple[str | None, ...] = ()


def module_files(files: Iterable[FileFacts]) -> dict[str, FileFacts]:
    """Each module's file: its source rather than a `.pyi` stub beside it, whose bodiless
    definitions and imports never run."""
    found: dict[str, FileFacts] = {}
    for facts in files:
        if facts.module not in found or found[facts.module].path.suffix == ".pyi":
            found[facts.module] = facts
    return found


def resolve_imports(files: Iterable[FileFacts], modules: Mapping[str, FileFacts]) -> tuple[ImportEdge, ...]:
    """Every import of a project module (a key of `modules`) by one of `files`, in file and
    line order: one edge per statement and imported module."""
    return tuple(edge for facts in files for edge in file_imports(facts, modules))


def file_imports(facts: FileFacts, modules: Mapping[str, FileFacts]) -> tuple[ImportEdge, ...]:
    """`resolve_imports` for one file: it reads that file's imports and the module names alone."""
    found: dict[tuple[int, int, str], list[ImportFact]] = {}
    for fact in facts.imports:
        target = resolve_import(facts, fact, modules)
        if target is not None and target != facts.module:
            found.setdefault((fact.statement.line, fact.statement.column, target), []).append(fact)
    return tuple(
        ImportEdge(
            facts, target, names[0], tuple(names), tuple(taken_name(facts, fact, target) for fact in names)
        )
        for (_, _, target), names in found.items()
    )


def taken_name(facts: FileFacts, fact: ImportFact, imported: str) -> str | None:
    """The name `fact` (of `facts`) imports from module `imported`, or None when it imports the
    module itself (`import m`, `from pkg import submodule`, `from m import *`)."""
    if fact.name is None or fact.name == "*":
        return None
    base = absolute_module(facts, fact)
    if base is None or f"{base}.{fact.name}" == imported or base != imported:
        return None
    return fact.name


def resolve_import(facts: FileFacts, fact: ImportFact, modules: Mapping[str, FileFacts]) -> str | None:
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
    if fact.level == 0:  # most imports: no package to split (29,000 calls on dstack)
        return fact.module
    package = facts.module.split(".") if facts.is_package else facts.module.split(".")[:-1]
    return absolute_import(package, fact.module, fact.level)


def absolute_import(package: Sequence[str], module: str, level: int) -> str | None:
    """The absolute module `from <level dots><module> import ...` names inside `package` (its
    dotted parts), or None when the dots climb above the top-level package (Python raises
    ImportError)."""
    if level == 0:
        return module
    if level - 1 > len(package):
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, module] if module else base)


def build_import_graph(modules: Iterable[str], edges: Iterable[ImportEdge]) -> grimp.ImportGraph:
    """A grimp graph of `modules` and `edges`, for chain and cycle queries. Rules pass a subset
    of the project's edges to query a restricted graph."""
    import grimp

    graph = grimp.ImportGraph()
    for module in modules:
        graph.add_module(module)
    for edge in edges:
        graph.add_import(
            importer=edge.importer.module,
            imported=edge.imported,
            line_number=edge.fact.statement.line,
            line_contents="",
        )
    return graph


def strongly_connected_components(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The components of more than one module (each sorted, sorted by first module) of the
    directed graph given by `(importer, imported)` pairs: Tarjan's algorithm, iterative."""
    successors: dict[str, list[str]] = {}
    for importer, imported in edges:
        successors.setdefault(importer, []).append(imported)
        successors.setdefault(imported, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in sorted(successors):
        if root in index:
            continue
        work = [(root, iter(successors[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(successors[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(components)
