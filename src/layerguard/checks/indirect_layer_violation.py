"""LG103: an unlayered module is a bridge that lets a layer reach a layer it may not import."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from layerguard.checks.base import ProjectRule
from layerguard.checks.layer_imports import (
    counted_edges,
    counted_names,
    edge_layers,
    forbids,
    imported_name,
    is_type_only,
)
from layerguard.graph import ImportEdge
from layerguard.model import AssignmentFact, Finding, RuleMeta, Severity
from layerguard.presets import MODEL, SCHEMA
from layerguard.symbol_kinds import CONSTANT, ENUM, EXCEPTION, NEWTYPE, TABLE, TYPEVAR
from layerguard.symbols import Symbol

if TYPE_CHECKING:
    from layerguard.context import ProjectView
    from layerguard.model import FileFacts

# A chain reports a bridge only when it passes through at most this many unlayered modules, the
# bridge included (re-export packages not counted): `api.users -> core.auth -> core.helpers ->
# repos.user` is one. On the real apps of issue 13, longer chains ran through a whole SDK or an
# app-wide service locator, and the bridge they named was no line a maintainer would change.
MAX_BRIDGE_DEPTH = 2

# A layered module that itself imports one of these layers does not reach it *through* a helper:
# its own import is the dependency (an LG101/LG102 of its own when forbidden), and the helper
# adds none. On the real apps of issue 13 most LG103 into the model and schema layers came from
# routes that imported the same tables or schemas themselves; fixing the helper changed nothing.
# A service or repository reached through a helper is still a bridge to remove: a route that
# imports a repository and also reaches one through `core.deps` has two paths to cut.
OWN_IMPORT_COVERS = (MODEL, SCHEMA)


@dataclass(frozen=True)
class Bridge:
    """Unlayered `edge.importer` brings in `forbidden_layer` by `edge` (its first such import),
    and `reachers` modules of `importer_layers`, which may not import that layer, reach it
    through unlayered, non-wiring modules; `chain` is one shortest example, importer first and
    the imported module last."""

    edge: ImportEdge
    forbidden_layer: str
    name: str | None  # the imported name that brings the layer in, None for the module itself
    importer_layers: tuple[str, ...]  # in layer-table order
    reachers: int
    chain: tuple[str, ...]
    # No reacher gets there through imports that run (only `if TYPE_CHECKING:` ones or names used
    # only as types, counted under `type-checking-imports = "count"`, SPEC §2's default).
    type_only: bool = False

    @property
    def module(self) -> str:
        return self.edge.importer.module


def carries_chain(edge: ImportEdge) -> bool:
    """Whether an import runs when its importer is imported, so that whoever imports the
    importer reaches the imported module: one inside a function body runs only when the function
    is called (how a team breaks such a dependency on purpose); it still counts as a direct
    import for LG101/LG102. Type-only imports (`if TYPE_CHECKING:`, names used only in
    annotations) are left out before, by `counted_edges`, when `type-checking-imports =
    "ignore"` asks for it."""
    return not edge.fact.deferred


def runs_at_import(project: ProjectView, edge: ImportEdge) -> bool:
    """Some name the import counts is needed at run time (not under `if TYPE_CHECKING:`, not
    used only as a type)."""
    return any(not is_type_only(fact) for fact in counted_names(project, edge))


def imports_only_plain_values(project: ProjectView, edge: ImportEdge) -> bool:
    """`from app.core.models.gateways import GatewayStatus`: every name the import counts is an
    enum, an exception class, a `NewType`, a `TypeVar` or a constant bound to a literal, which
    leads nowhere else, so the import carries no chain (dstack's ORM module importing status
    enums from a module of Pydantic classes does not depend on those classes; skyvern's route
    catching `ScheduleLimitExceededError` from its DB facade does not use the facade). A
    constant holding other names (a dict of response classes) still does."""
    for fact in counted_names(project, edge):
        name = imported_name(edge, fact)
        found = project.layers.imported_name(edge.imported, name) if name is not None else None
        if found is None or found.layer is not None or not _is_plain_value(found.kind, found.symbol):
            return False
    return True


def _is_plain_value(kind: str | None, symbol: Symbol | None) -> bool:
    if kind in (ENUM, EXCEPTION, NEWTYPE, TYPEVAR):
        return True
    value = symbol.value if kind == CONSTANT and isinstance(symbol, AssignmentFact) else None
    return value is not None and value.kind in ("string", "number", "none")


def own_layers(project: ProjectView, edge: ImportEdge) -> set[str]:
    """The layers `edge` itself brings into its importer: those `edge_layers` counts, and the
    layer of an ORM class named only to type an injected dependency (which LG102 leaves out, but
    which shows the importer already depends on the model layer)."""
    layers = {layer for layer, _ in edge_layers(project, edge)}
    for fact in counted_names(project, edge):
        name = imported_name(edge, fact)
        if fact.injected_only and name is not None:
            imported = project.layers.imported_name(edge.imported, name)
            if imported.kind == TABLE and imported.layer is not None:
                layers.add(imported.layer)
    return layers


def is_reexport_hub(facts: FileFacts) -> bool:
    """A package `__init__` that only imports (and may set `__all__` or other dunders): it adds
    no code of its own, so it is never the bridge to fix, and a chain through it is no longer
    for it (zenml's `zenml/models/__init__.py`, argilla's `api/policies/v1/__init__.py`)."""
    return (
        facts.is_package
        and bool(facts.imports)
        and not facts.functions
        and not facts.classes
        and all(a.name.startswith("__") for a in facts.assignments)
    )


@dataclass
class _Reach:
    """Who reaches each passable (unlayered, non-wiring) module. Bit i of a mask stands for the
    i-th layered module that imports a passable one."""

    bit: dict[str, int] = field(default_factory=dict)
    layer_bits: dict[str, int] = field(default_factory=dict)  # layer -> its modules' bits
    reach: dict[str, int] = field(default_factory=dict)  # passable module -> who reaches it
    runtime: dict[str, int] = field(default_factory=dict)  # the same by imports that run
    layered_importers: dict[str, set[str]] = field(default_factory=dict)
    passable_importers: dict[str, set[str]] = field(default_factory=dict)
    outgoing: dict[str, list[ImportEdge]] = field(default_factory=dict)  # passable -> its imports
    hubs: set[str] = field(default_factory=set)


def _reach(project: ProjectView) -> _Reach:
    layers = project.layers

    def passable(module: str) -> bool:
        return layers.layer_of(module) is None and not layers.is_wiring(module)

    found = _Reach(hubs={facts.module for facts in project.files if is_reexport_hub(facts)})
    direct: dict[str, int] = {}
    runtime_direct: dict[str, int] = {}
    successors: dict[str, list[str]] = {}  # passable module -> the passable modules it imports
    runtime_successors: dict[str, list[str]] = {}
    for edge in counted_edges(project):
        if not carries_chain(edge):
            continue
        importer, imported = edge.importer.module, edge.imported
        runs = runs_at_import(project, edge)
        if passable(importer):
            found.outgoing.setdefault(importer, []).append(edge)
        if not passable(imported) or imports_only_plain_values(project, edge):
            continue
        importer_layer = layers.layer_of(importer)
        if importer_layer is not None:
            index = found.bit.setdefault(importer, len(found.bit))
            found.layer_bits[importer_layer] = found.layer_bits.get(importer_layer, 0) | 1 << index
            direct[imported] = direct.get(imported, 0) | 1 << index
            if runs:
                runtime_direct[imported] = runtime_direct.get(imported, 0) | 1 << index
            found.layered_importers.setdefault(imported, set()).add(importer)
        elif passable(importer):
            found.passable_importers.setdefault(imported, set()).add(importer)
            successors.setdefault(importer, []).append(imported)
            if runs:
                runtime_successors.setdefault(importer, []).append(imported)
    found.reach = _propagate(direct, successors, found.hubs)
    found.runtime = _propagate(runtime_direct, runtime_successors, found.hubs)
    return found


def bridges(project: ProjectView) -> Iterator[Bridge]:
    """One bridge per (checked unlayered module, forbidden layer), in module order: a module
    that layered modules reach through at most `MAX_BRIDGE_DEPTH` unlayered modules, and that is
    no re-export hub."""
    graph = _reach(project)
    own_bits = _own_import_bits(project, graph.bit)
    for facts in sorted(project.files, key=lambda f: f.module):
        module = facts.module
        if not graph.reach.get(module) or not project.is_checked(facts) or module in graph.hubs:
            continue
        seen: set[str] = set()
        ordered = sorted(
            graph.outgoing.get(module, ()), key=lambda e: (e.fact.statement.line, e.fact.statement.column)
        )
        for edge in ordered:
            for forbidden_layer, name in edge_layers(project, edge):
                if forbidden_layer in seen:
                    continue
                reaching = graph.reach[module] & ~own_bits.get(forbidden_layer, 0)
                home = _home_layer(project, edge, name)
                importer_layers = tuple(
                    layer.name
                    for layer in project.config.layers
                    if reaching & graph.layer_bits.get(layer.name, 0)
                    and layer.name != home
                    and forbids(project, layer.name, forbidden_layer)
                )
                if not importer_layers:
                    continue  # no reacher, or every one imports that layer itself
                seen.add(forbidden_layer)
                mask = 0
                for layer in importer_layers:
                    mask |= graph.layer_bits[layer]
                reachers = reaching & mask

                def is_start(candidate: str, reachers: int = reachers) -> bool:
                    return bool(reachers >> graph.bit[candidate] & 1)

                path = _shortest_path(module, is_start, graph.layered_importers, graph.passable_importers)
                runs = runs_at_import(project, edge) and graph.runtime.get(module, 0) & reachers
                yield Bridge(
                    edge,
                    forbidden_layer,
                    name,
                    importer_layers,
                    reachers.bit_count(),
                    (*path, edge.imported),
                    type_only=not runs,
                )


def _home_layer(project: ProjectView, edge: ImportEdge, name: str | None) -> str | None:
    """The layer of the module defining the imported name: a model module reaching the
    `NamedTuple` or Pydantic class of a model module through a helper stays in its own layer, as
    LG101/LG102 let a mixed model module use another's payloads (airflow's `CallbackKey`)."""
    if name is None:
        return None
    defined_in = project.layers.imported_name(edge.imported, name).defined_in
    return project.layers.layer_of(defined_in) if defined_in else None


def _own_import_bits(project: ProjectView, bit: dict[str, int]) -> dict[str, int]:
    """Per layer of `OWN_IMPORT_COVERS`, the mask of the layered modules (by their `bit`) that
    import that layer themselves, deferred or type-only imports included: LG101/LG102 count
    those as theirs."""
    own_bits: dict[str, int] = {}
    for edge in counted_edges(project):
        index = bit.get(edge.importer.module)
        if index is None:
            continue
        for layer in own_layers(project, edge).intersection(OWN_IMPORT_COVERS):
            own_bits[layer] = own_bits.get(layer, 0) | 1 << index
    return own_bits


def _propagate(direct: dict[str, int], successors: dict[str, list[str]], hubs: set[str]) -> dict[str, int]:
    """Each passable module's reaching set: the layered modules that import it directly, spread
    to the passable modules it imports while the chain holds at most `MAX_BRIDGE_DEPTH`
    unlayered modules (a re-export hub counts none). Depth by depth, so each layered module
    reaches a module first along its shallowest chain."""
    reach: dict[str, int] = {}
    levels: list[dict[str, int]] = [{} for _ in range(MAX_BRIDGE_DEPTH + 1)]
    for module, mask in direct.items():
        depth = 0 if module in hubs else 1
        levels[depth][module] = levels[depth].get(module, 0) | mask
    for depth, level in enumerate(levels):
        work = deque(sorted(level))
        while work:
            module = work.popleft()
            mask = level.pop(module, 0) & ~reach.get(module, 0)
            if not mask:
                continue
            reach[module] = reach.get(module, 0) | mask
            for successor in successors.get(module, ()):
                step = depth + (0 if successor in hubs else 1)
                if step > MAX_BRIDGE_DEPTH:
                    continue
                target = levels[step]
                if step == depth and successor not in target:
                    work.append(successor)
                target[successor] = target.get(successor, 0) | mask
    return reach


def _shortest_path(
    bridge: str,
    is_start: Callable[[str], bool],
    layered_importers: dict[str, set[str]],
    passable_importers: dict[str, set[str]],
) -> tuple[str, ...]:
    """The shortest chain from a layered module `is_start` accepts to `bridge` over passable
    modules: a backward search, level by level in name order, so the example is the same on
    every run; among starts at the same distance the first by name wins."""
    after: dict[str, str] = {bridge: ""}  # module -> the next module on its way to the bridge
    level = [bridge]
    while level:
        found = sorted(
            (start, module)
            for module in level
            for start in layered_importers.get(module, ())
            if is_start(start)
        )
        if found:
            start, module = found[0]
            path = [start]
            while module:
                path.append(module)
                module = after[module]
            return tuple(path)
        following: list[str] = []
        for module in level:
            for importer in sorted(passable_importers.get(module, ())):
                if importer not in after:
                    after[importer] = module
                    following.append(importer)
        level = sorted(following)
    return (bridge,)  # not reached: a bridge is reached by at least one start


class IndirectLayerViolation(ProjectRule):
    meta = RuleMeta(
        code="LG103",
        name="indirect-layer-violation",
        severity=Severity.ERROR,
        summary="An unlayered module lets a layer reach a layer it may not import",
    )

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        for bridge in bridges(project):
            yield self.finding(bridge.edge.importer, bridge.edge.fact.statement, describe(bridge))


def describe(bridge: Bridge) -> str:
    """The finding's message: the bridge, what it imports, who reaches it, and one chain."""
    imported = bridge.edge.imported
    what = (
        f"{bridge.forbidden_layer} module `{imported}`"
        if bridge.name is None
        else f"{bridge.forbidden_layer} `{bridge.name}` from `{imported}`"
    )
    *others, last = bridge.importer_layers
    importers = f"{', '.join(others)} and {last}" if others else last
    plural = "s" if bridge.reachers != 1 else ""
    verb = "reach" if bridge.reachers != 1 else "reaches"
    return (
        f"Indirect layer violation: unlayered `{bridge.module}` imports {what}, which {importers} "
        f"modules may not import; {bridge.reachers} {importers} module{plural} {verb} it through "
        f"this module (e.g. {' -> '.join(bridge.chain)})"
        + (
            "; only through imports under `if TYPE_CHECKING:` or used only as types, which "
            '`type-checking-imports = "ignore"` leaves out'
            if bridge.type_only
            else ""
        )
    )
