"""LG103: an unlayered module is a bridge that lets a layer reach a layer it may not import."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from layerguard.checks.base import ProjectRule
from layerguard.checks.layer_imports import (
    PAYLOAD_KINDS,
    attributes_read,
    counted_edges,
    counted_names,
    edge_layers,
    forbids,
    is_type_only,
    read_name,
    taken_by,
    used_only_as_payload,
)
from layerguard.graph import ImportEdge
from layerguard.model import Finding, ImportFact, RuleMeta, Severity
from layerguard.presets import MODEL, SCHEMA
from layerguard.symbol_kinds import ENUM, EXCEPTION, NEWTYPE, TABLE, TYPEVAR

if TYPE_CHECKING:
    from layerguard.context import ImportedName, ProjectView
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
    # For the module's import (`name` None): the attribute the bridge reads of it that brings the
    # layer in (`models.User`), which the message names, as LG101/LG102's do.
    read: str | None = None

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
        name = taken_by(project, edge, fact)
        found = project.layers.imported_name(edge.imported, name) if name is not None else None
        if found is None or found.layer is not None or not _is_plain_value(found):
            return False
    return True


def _is_plain_value(found: ImportedName) -> bool:
    if found.kind in (ENUM, EXCEPTION, NEWTYPE, TYPEVAR):
        return True
    return found.definition is not None and found.definition.literal  # a constant bound to a literal


def own_layers(project: ProjectView, edge: ImportEdge) -> set[str]:
    """The layers `edge` itself brings into its importer: those `edge_layers` counts, and the
    layer of an ORM class named only to type an injected dependency (which LG102 leaves out, but
    which shows the importer already depends on the model layer)."""
    layers = {layer for layer, _ in edge_layers(project, edge)}
    for fact in counted_names(project, edge):
        name = taken_by(project, edge, fact)
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


def _is_reexport_hub(facts: FileFacts, _: object) -> bool:
    return is_reexport_hub(facts)


# A chain node: a passable module and the name an importer takes from it; None for the whole
# module (`import m`, `from pkg import m`, `from m import *`, a name it does not define).
Node = tuple[str, str | None]
# The node name for a module's top-level code alone: what importing it runs whatever is taken.
TOP_LEVEL = ""
# The attributes the import system gives every module: reading one needs only its top-level code.
MODULE_DUNDERS = frozenset({"__path__", "__file__", "__name__", "__spec__", "__loader__", "__package__"})


class _NameUses:
    """Inside one passable module, what each module-level name needs: the names it uses, and
    theirs in turn; the module's other top-level code runs for every name (`DefinitionFact`)."""

    def __init__(self, facts: FileFacts, with_types: bool) -> None:
        self.uses = {d.name: d.uses + d.type_uses if with_types else d.uses for d in facts.definitions}
        self.imported = {fact.bound_name for fact in facts.imports if not fact.deferred}
        self.closures: dict[str | None, frozenset[str] | None] = {}

    def closure(self, name: str | None) -> frozenset[str] | None:
        """The module-level names `name` needs, itself included; None for all of them (the whole
        module, or a name the module does not bind, which may come from anywhere)."""
        if name in self.closures:
            return self.closures[name]
        found: frozenset[str] | None = None
        if name == TOP_LEVEL or (name is not None and (name in self.uses or name in self.imported)):
            seen = {name, *self.uses.get("", ())}
            work = list(seen)
            while work:
                for used in self.uses.get(work.pop(), ()):
                    if used not in seen:
                        seen.add(used)
                        work.append(used)
            found = frozenset(seen)
        self.closures[name] = found
        return found


def chain_names(project: ProjectView, edge: ImportEdge, fact: ImportFact) -> tuple[str | None, ...]:
    """The names of `edge.imported` a chain follows from `fact`: the name it imports; for a
    module import, the module's names the file reads of it (`import memgpt` read only as
    `memgpt.__version__` needs `__version__`, not the SDK client `memgpt/__init__.py` imports:
    5 false LG103 in the seed-39 audit), only its top-level code (`TOP_LEVEL`) for an attribute
    every module has (`memgpt.__path__`); the whole module (None) when the file uses it
    otherwise or reads through its submodules."""
    name = taken_by(project, edge, fact)
    if name is not None:
        return (name,)
    read = attributes_read(project, edge, fact)
    if read is None or any("." in attribute for attribute in read):
        return (None,)
    # What every module has needs only its top-level code (memgpt's `memgpt.__path__[0]`).
    return tuple(dict.fromkeys(TOP_LEVEL if attribute in MODULE_DUNDERS else attribute for attribute in read))


def _payload_only(project: ProjectView, edge: ImportEdge, fact: ImportFact, name: str | None) -> bool:
    """`name` is a Pydantic model, data class or alias of them that a model module uses only to
    type its tables' columns (or in its own Pydantic classes): no upward import directly
    (LG101), none through a helper beyond the helper's top-level code (datajunction's `config:
    Mapped[GenericMaterializationConfig | ...]`). A column type whose code runs (fides'
    `EncryptedLargeDataDescriptor`, calling a storage service) still leads on."""
    if not name or project.layers.imported_name(edge.imported, name).kind not in PAYLOAD_KINDS:
        return False
    return used_only_as_payload(project, edge, fact, columns=True)


def needs(closure: frozenset[str] | None, fact: ImportFact) -> bool:
    """Whether code needing `closure` needs what `fact` binds (a star import: always)."""
    return closure is None or fact.bound_name is None or fact.bound_name in closure


@dataclass
class _Graph:
    """Chains by names, over passable (unlayered, non-wiring) modules; `runtime` marks the graph
    of imports that run and names used at run time."""

    project: ProjectView
    runtime: bool
    files: dict[str, FileFacts]
    passable_edges: dict[str, list[ImportEdge]]  # passable module -> its carried passable imports
    uses: dict[str, _NameUses] = field(default_factory=dict)
    # Passable module -> each name it imports from a passable module: the local name it binds
    # (None for `*`) and the node it leads to. Made once per module: every node of it walks them.
    steps: dict[str, list[tuple[str | None, Node]]] = field(default_factory=dict)

    def names(self, edge: ImportEdge) -> tuple[ImportFact, ...]:
        counted = counted_names(self.project, edge)
        return tuple(f for f in counted if not is_type_only(f)) if self.runtime else counted

    def closure(self, node: Node) -> frozenset[str] | None:
        module, name = node
        if module not in self.uses:
            with_types = not self.runtime and self.project.config.type_checking_imports == "count"
            # A part of the file (kept between edits and runs): its closures are computed once.
            self.uses[module] = self.project.per_file(
                "name uses with types" if with_types else "name uses",
                self.files[module],
                _name_uses_with_types if with_types else _name_uses,
            )
        return self.uses[module].closure(name)

    def successors(self, node: Node) -> Iterator[Node]:
        closure = self.closure(node)
        steps = self.steps.get(node[0])
        if steps is None:
            steps = self.steps[node[0]] = [
                (fact.bound_name, (edge.imported, name))
                for edge in self.passable_edges.get(node[0], ())
                for fact in self.names(edge)
                for name in chain_names(self.project, edge, fact)
            ]
        for bound, successor in steps:
            if closure is None or bound is None or bound in closure:  # `needs`, inline
                yield successor


def _name_uses(facts: FileFacts, _: object) -> _NameUses:
    return _NameUses(facts, with_types=False)


def _name_uses_with_types(facts: FileFacts, _: object) -> _NameUses:
    return _NameUses(facts, with_types=True)


@dataclass
class _Reach:
    """Who reaches each chain node. Bit i of a mask stands for the i-th layered module that
    imports a passable one."""

    bit: dict[str, int] = field(default_factory=dict)
    layer_bits: dict[str, int] = field(default_factory=dict)  # layer -> its modules' bits
    reach: dict[Node, int] = field(default_factory=dict)  # node -> who reaches it
    runtime: dict[Node, int] = field(default_factory=dict)  # the same by imports that run
    nodes: dict[str, set[Node]] = field(default_factory=dict)  # module -> its reached nodes
    starts: dict[Node, set[str]] = field(default_factory=dict)  # node -> layered importers
    before: dict[Node, set[Node]] = field(default_factory=dict)  # node -> nodes leading to it
    outgoing: dict[str, list[ImportEdge]] = field(default_factory=dict)  # checked passable -> its imports
    hubs: set[str] = field(default_factory=set)
    graph: _Graph | None = None
    runtime_graph: _Graph | None = None

    def cost(self, node: Node) -> int:
        """What a node's module counts towards `MAX_BRIDGE_DEPTH`: a re-export hub nothing."""
        return 0 if node[0] in self.hubs else 1

    def reaching(self, edge: ImportEdge, name: str | None, runtime: bool = False) -> int:
        """Who reaches the bridge `edge.importer` needing the names by which `edge` brings in
        `name` (None: the module itself)."""
        graph = self.runtime_graph if runtime else self.graph
        reach = self.runtime if runtime else self.reach
        assert graph is not None
        facts = [f for f in graph.names(edge) if taken_by(graph.project, edge, f) == name]
        mask = 0
        for node in self.nodes.get(edge.importer.module, ()):
            if node in reach and any(needs(graph.closure(node), fact) for fact in facts):
                mask |= reach[node]
        return mask


def _reach(project: ProjectView) -> _Reach:
    layers = project.layers
    files = project.by_module
    passable = _Passable(project)
    # A part of each package (kept between runs): after an edit, an unchanged package's
    # functions, classes and assignments stay pickled (`facts.stored`).
    found = _Reach(
        hubs={
            facts.module
            for facts in project.files
            if facts.is_package and project.per_file("re-export hub", facts, _is_reexport_hub)
        }
    )
    direct: dict[Node, int] = {}
    runtime_direct: dict[Node, int] = {}
    passable_edges: dict[str, list[ImportEdge]] = {}
    for edge in _chain_edges(project, passable, found.hubs):
        importer, imported = edge.importer.module, edge.imported
        if not carries_chain(edge) or files[importer] is not edge.importer:
            continue  # a deferred import, or one of a stub beside the module's source
        importer_layer = layers.layer_of(importer)
        if imported not in passable or (importer_layer is None and importer not in passable):
            continue  # a chain starts at a layered module and goes on through passable ones
        if imports_only_plain_values(project, edge):
            continue
        if importer_layer is not None:
            if importer in found.hubs:
                continue  # a layered re-export package adds no code: it reaches nothing itself
            index = found.bit.setdefault(importer, len(found.bit))
            found.layer_bits[importer_layer] = found.layer_bits.get(importer_layer, 0) | 1 << index
            for fact in counted_names(project, edge):
                for name in chain_names(project, edge, fact):
                    # A column's payload type needs only what importing its module runs.
                    payload = importer_layer == MODEL and _payload_only(project, edge, fact, name)
                    node = (imported, TOP_LEVEL if payload else name)
                    direct[node] = direct.get(node, 0) | 1 << index
                    if not is_type_only(fact):
                        runtime_direct[node] = runtime_direct.get(node, 0) | 1 << index
                    found.starts.setdefault(node, set()).add(importer)
        else:
            passable_edges.setdefault(importer, []).append(edge)
    for facts in project.checked_files:  # a bridge's own imports, where it is reported
        if facts.module in passable and files[facts.module] is facts:
            own = project.edges_of(facts)
            found.outgoing[facts.module] = [e for e in own if carries_chain(e) and counted_names(project, e)]
    found.graph = _Graph(project, False, files, passable_edges)
    found.runtime_graph = _Graph(project, True, files, passable_edges)
    found.reach = _propagate(direct, found.graph, found.hubs, found.before)
    found.runtime = _propagate(runtime_direct, found.runtime_graph, found.hubs, {})
    for node in found.reach:
        found.nodes.setdefault(node[0], set()).add(node)
    return found


class _Passable:
    """Whether a module is passable (unlayered, not wiring): asked for both ends of every edge,
    answered once per module, and in a narrow check for the modules near its files alone."""

    def __init__(self, project: ProjectView) -> None:
        self.layers = project.layers
        self.known: dict[str, bool] = {}

    def __contains__(self, module: str) -> bool:
        found = self.known.get(module)
        if found is None:
            layers = self.layers
            found = self.known[module] = layers.layer_of(module) is None and not layers.is_wiring(module)
        return found


def _chain_edges(project: ProjectView, passable: _Passable, hubs: set[str]) -> Iterable[ImportEdge]:
    """The imports a chain to a checked bridge may take: all of them in a whole run. A narrow
    check (the language server's open files) follows the chains to its files alone: the
    imports of modules within `MAX_BRIDGE_DEPTH` unlayered modules of a checked one, counted
    backwards (a re-export hub counts none), by layered modules or other such modules. Every
    chain within the depth lies among them, and so every reacher and shortest example."""
    if project.checks_everything:
        return counted_edges(project)
    bridges = {
        facts.module
        for facts in project.checked_files
        if facts.module in passable and facts.module not in hubs
    }
    into: dict[str, list[ImportEdge]] = {}  # module -> the imports of it that run
    if bridges:
        for edge in counted_edges(project):
            if carries_chain(edge):
                into.setdefault(edge.imported, []).append(edge)
    counted = dict.fromkeys(bridges, 1)  # module -> the fewest modules counted from it to a bridge
    work = deque(bridges)
    while work:  # costs are 0 (a hub) or 1: a hub goes first
        module = work.popleft()
        for edge in into.get(module, ()):
            importer = edge.importer.module
            if importer not in passable:
                continue
            hub = importer in hubs
            through = counted[module] + (0 if hub else 1)
            if through <= MAX_BRIDGE_DEPTH and through < counted.get(importer, MAX_BRIDGE_DEPTH + 1):
                counted[importer] = through
                (work.appendleft if hub else work.append)(importer)
    return [
        edge
        for module in counted
        for edge in into.get(module, ())
        if edge.importer.module not in passable or edge.importer.module in counted
    ]


def bridges(project: ProjectView) -> Iterator[Bridge]:
    """One bridge per (checked unlayered module, forbidden layer), in module order: a module
    that layered modules reach through at most `MAX_BRIDGE_DEPTH` unlayered modules, needing
    the names it binds by the import, and that is no re-export hub."""
    graph = _reach(project)
    own_bits = _own_import_bits(project, graph)
    assert graph.graph is not None
    for module, facts in sorted(graph.graph.files.items()):
        if module not in graph.nodes or not project.is_checked(facts) or module in graph.hubs:
            continue
        seen: set[str] = set()
        ordered = sorted(
            graph.outgoing.get(module, ()), key=lambda e: (e.fact.statement.line, e.fact.statement.column)
        )
        for edge in ordered:
            for forbidden_layer, names in _layer_names(project, edge).items():
                if forbidden_layer in seen:
                    continue
                found = _reached_by(project, graph, edge, forbidden_layer, names, own_bits)
                if found is None:
                    continue  # no reacher, or every one imports that layer itself
                seen.add(forbidden_layer)
                name, importer_layers, reachers = found
                path = _shortest_path(graph, edge, name, reachers)
                runs = any(graph.reaching(edge, other, runtime=True) & reachers for other in names)
                yield Bridge(
                    edge,
                    forbidden_layer,
                    name,
                    importer_layers,
                    reachers.bit_count(),
                    (*path, edge.imported),
                    type_only=not runs,
                    read=read_name(project, edge, forbidden_layer, None) if name is None else None,
                )


def _layer_names(project: ProjectView, edge: ImportEdge) -> dict[str, list[str | None]]:
    """The names of `edge`'s statement that bring in each layer, first name first."""
    found: dict[str, list[str | None]] = {}
    for layer, name in edge_layers(project, edge):
        found.setdefault(layer, []).append(name)
    return found


def _reached_by(
    project: ProjectView,
    graph: _Reach,
    edge: ImportEdge,
    forbidden_layer: str,
    names: list[str | None],
    own_bits: dict[str, int],
) -> tuple[str | None, tuple[str, ...], int] | None:
    """Who reaches the bridge needing one of `names` (each a name of `edge` bringing in
    `forbidden_layer`) from a layer that may not import it: the first such name, the importer
    layers, and the reachers' mask; None when there is none. A chain needing `num_traces_by_session`
    counts for the statement that also brings in `SessionAggregate` first."""
    first: str | None = None
    layers: set[str] = set()
    reachers = 0
    for name in names:
        reaching = graph.reaching(edge, name) & ~own_bits.get(forbidden_layer, 0)
        home = _home_layer(project, edge, name)
        for layer in project.config.layers:
            bits = reaching & graph.layer_bits.get(layer.name, 0)
            if bits and layer.name != home and forbids(project, layer.name, forbidden_layer):
                first = name if not reachers else first
                layers.add(layer.name)
                reachers |= bits
    if not reachers:
        return None
    return first, tuple(layer.name for layer in project.config.layers if layer.name in layers), reachers


def _home_layer(project: ProjectView, edge: ImportEdge, name: str | None) -> str | None:
    """The layer of the module defining the imported name: a model module reaching the
    `NamedTuple` or Pydantic class of a model module through a helper stays in its own layer, as
    LG101/LG102 let a mixed model module use another's payloads (airflow's `CallbackKey`)."""
    if name is None:
        return None
    defined_in = project.layers.imported_name(edge.imported, name).defined_in
    return project.layers.layer_of(defined_in) if defined_in else None


def _own_import_bits(project: ProjectView, graph: _Reach) -> dict[str, int]:
    """Per layer of `OWN_IMPORT_COVERS`, the mask of the layered modules (by their `bit`) that
    import that layer themselves, deferred or type-only imports included: LG101/LG102 count
    those as theirs."""
    own_bits: dict[str, int] = {}
    for facts in project.files:
        index = graph.bit.get(facts.module)
        if index is None:
            continue
        for edge in project.edges_of(facts):
            if counted_names(project, edge):
                for layer in own_layers(project, edge).intersection(OWN_IMPORT_COVERS):
                    own_bits[layer] = own_bits.get(layer, 0) | 1 << index
    return own_bits


def _propagate(
    direct: dict[Node, int], graph: _Graph, hubs: set[str], before: dict[Node, set[Node]]
) -> dict[Node, int]:
    """Each chain node's reaching set: the layered modules that import its name directly, spread
    along the names it needs while the chain holds at most `MAX_BRIDGE_DEPTH` unlayered modules
    (a re-export hub counts none). Depth by depth, so each layered module reaches a node first
    along its shallowest chain. `before` collects, per node, the nodes leading to it."""
    reach: dict[Node, int] = {}
    levels: list[dict[Node, int]] = [{} for _ in range(MAX_BRIDGE_DEPTH + 1)]
    for node, mask in direct.items():
        depth = 0 if node[0] in hubs else 1
        levels[depth][node] = levels[depth].get(node, 0) | mask
    for depth, level in enumerate(levels):
        work = deque(sorted(level, key=_node_key))
        while work:
            node = work.popleft()
            mask = level.pop(node, 0) & ~reach.get(node, 0)
            if not mask:
                continue
            reach[node] = reach.get(node, 0) | mask
            for successor in graph.successors(node):
                # Every step from a reached node, within the depth or not: `_shortest_path` keeps
                # to the depth itself, so its example is one chain that holds.
                before.setdefault(successor, set()).add(node)
                step = depth + (0 if successor[0] in hubs else 1)
                if step > MAX_BRIDGE_DEPTH:
                    continue
                target = levels[step]
                if step == depth and successor not in target:
                    work.append(successor)
                target[successor] = target.get(successor, 0) | mask
    return reach


def _node_key(node: Node) -> tuple[str, str]:
    return (node[0], node[1] or "")


def _shortest_path(graph: _Reach, edge: ImportEdge, name: str | None, reachers: int) -> tuple[str, ...]:
    """The shortest chain from a layered module among `reachers` to the bridge `edge.importer`,
    along the names that need `edge`'s import, through at most `MAX_BRIDGE_DEPTH` unlayered
    modules (re-export hubs not counted): a backward search, level by level in name order, so
    the example is the same on every run; among starts at the same distance the first by name
    wins. A state is a node and the unlayered modules counted from it to the bridge."""
    assert graph.graph is not None
    facts = [f for f in graph.graph.names(edge) if taken_by(graph.graph.project, edge, f) == name]
    bridge_nodes = sorted(
        (
            node
            for node in graph.nodes.get(edge.importer.module, ())
            if any(needs(graph.graph.closure(node), fact) for fact in facts)
        ),
        key=_node_key,
    )
    level = [(node, graph.cost(node)) for node in bridge_nodes]
    after: dict[_State, _State | None] = dict.fromkeys(level)  # state -> the next one to the bridge
    while level:
        found = sorted(
            (start, _node_key(state[0]), position, state)
            for position, state in enumerate(level)
            for start in graph.starts.get(state[0], ())
            if reachers >> graph.bit[start] & 1
        )
        if found:
            start, _, _, state = found[0]
            path = [start]
            step: _State | None = state
            while step is not None:
                path.append(step[0][0])
                step = after[step]
            return tuple(path)
        following: list[_State] = []
        for state in level:
            node, counted = state
            for previous in sorted(graph.before.get(node, ()), key=_node_key):
                earlier = (previous, counted + graph.cost(previous))
                if earlier[1] <= MAX_BRIDGE_DEPTH and earlier not in after:
                    after[earlier] = state
                    following.append(earlier)
        level = sorted(following, key=lambda state: _node_key(state[0]))  # stable: first found first
    return (edge.importer.module,)  # not reached: a bridge is reached by at least one start


# A node of `_shortest_path`'s search, and the unlayered modules counted from it to the bridge.
_State = tuple[Node, int]


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
    name = bridge.name or bridge.read
    what = (
        f"{bridge.forbidden_layer} module `{imported}`"
        if name is None
        else f"{bridge.forbidden_layer} `{name}` from `{imported}`"
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
