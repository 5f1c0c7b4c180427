"""What rules read: the layer of each module, and per-file and whole-project views of the facts.

Pure: no filesystem, no git. Rules get a `FileView` (file rules) or a `ProjectView` (project
rules), so they can be tested on facts built in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar, cast

from layerguard.globs import module_glob_matches
from layerguard.graph import ImportEdge, absolute_module, module_files, resolve_imports
from layerguard.model import AssignmentFact, ClassFact, Config, ExprFact, FileFacts, FunctionFact
from layerguard.presets import MODEL, SCHEMA
from layerguard.symbol_kinds import (
    ANNOTATED,
    CLASS,
    COLUMN_TYPE,
    CONSTANT,
    DATA_CLASS,
    NEUTRAL_KINDS,
    ORM_BASE,
    PYDANTIC,
    PYDANTIC_MODEL,
    SQLMODEL,
    TABLE,
    TYPE_ALIAS,
    alias_targets,
    is_orm_definition,
    is_session_class,
    kind_noun,
    returns_sessions,
    symbol_kind,
)
from layerguard.symbols import MAX_HOPS, Symbol, Symbols, file_definitions

T = TypeVar("T")

# Decorators that make a function a route handler (`@router.get(...)`): a module with one is
# an endpoint module, never wiring by content.
ROUTE_DECORATORS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route", "websocket"}
)


# Module -> what the globs alone say of it: its layer, and whether it is wiring (`glob_layer`).
GlobAnswers = dict[str, tuple[str | None, bool]]


class LayerMap:
    """Module -> layer, by the configured globs: wiring first, then the deepest match."""

    def __init__(self, config: Config, glob_answers: GlobAnswers | None = None) -> None:
        self.config = config
        # Memos in plain dicts: an `lru_cache` of a bound method would be a reference cycle,
        # keeping the project's facts alive until the cyclic collector runs.
        self._layers: dict[str, str | None] = {}
        self._wiring: dict[str, bool] = {}
        # `glob_layer` of each module: the globs alone, so one view's file and project rules'
        # maps share them (each module matched against every glob once, not twice).
        self.glob_answers = {} if glob_answers is None else glob_answers

    def layer_of(self, module: str) -> str | None:
        """The layer name, or None for wiring and unlayered modules."""
        if module not in self._layers:
            self._layers[module] = self._layer_of(module)
        return self._layers[module]

    def is_wiring(self, module: str) -> bool:
        if module not in self._wiring:
            self._wiring[module] = self._is_wiring(module)
        return self._wiring[module]

    def _is_wiring(self, module: str) -> bool:
        return self._globs(module)[1]

    def _layer_of(self, module: str) -> str | None:
        return None if self.is_wiring(module) else self._globs(module)[0]

    def _globs(self, module: str) -> tuple[str | None, bool]:
        found = self.glob_answers.get(module)
        if found is None:
            found = self.glob_answers[module] = glob_layer(self.config, module)
        return found

    def rank(self, layer: str) -> int:
        """0 for the top layer; a higher number is a lower layer."""
        return next(i for i, candidate in enumerate(self.config.layers) if candidate.name == layer)


def _holds_no_code(facts: FileFacts) -> bool:
    """A package `__init__` that imports and binds nothing (a docstring at most)."""
    return facts.is_package and not facts.imports and all(not d.name for d in facts.definitions)


def glob_layer(config: Config, module: str) -> tuple[str | None, bool]:
    """What the configured globs alone say of `module`: the layer of the deepest layer glob
    matching it (on a tie, the layer listed first), and whether a wiring glob matches it."""
    best: tuple[int, str] | None = None
    for layer in config.layers:
        for pattern in layer.modules:
            depth = module_glob_matches(pattern, module)
            # Strictly deeper wins, so on a tie the layer listed first keeps it.
            if depth is not None and (best is None or depth > best[0]):
                best = (depth, layer.name)
    wiring = any(module_glob_matches(pattern, module) is not None for pattern in config.wiring)
    return (best[1] if best else None), wiring


@dataclass(frozen=True)
class ImportedName:
    """What `from module import name` brings in (SPEC §1, "What an import brings in"): the layer
    (None: none), the kind of the definition the name resolves to (None: a module, or a name
    that resolves to no definition), the module defining it, and what `definition` says of it."""

    layer: str | None
    kind: str | None = None
    defined_in: str | None = None
    definition: DefinitionSummary | None = None


@dataclass(frozen=True)
class DefinitionSummary:
    """What the layer map reads of one module-level definition, so that it can answer from a
    file's stored parts without its facts (`facts.stored` keeps a file's functions, classes and
    assignments pickled until read): its name and kind (`symbol_kinds`), what a message calls
    it, its qualname ("" for an assignment), whether it is a class or a function, an ORM
    definition, a session class or a constant bound to a literal, and a type alias's value."""

    name: str
    kind: str
    noun: str
    qualname: str
    is_class: bool
    is_function: bool
    orm: bool
    session_class: bool
    literal: bool
    alias: ExprFact | None
    returns_sessions: bool = False  # a function declared to return a session or a sessionmaker


@dataclass(frozen=True)
class DefinitionTable:
    """One file's `DefinitionSummary`s in `module_definitions` order, which of them each name
    resolves to (`Symbols.definitions`: the later definition wins), and its `__all__` names."""

    summaries: tuple[DefinitionSummary, ...]
    by_name: Mapping[str, int]
    all_names: frozenset[str]


class ProjectLayerMap(LayerMap):
    """The globs' layers refined by what the modules hold (SPEC §1), for the project rules: a
    module a `model` glob matches that defines or re-exports no ORM class is a schema module when
    it holds Pydantic models, else unlayered; a module whose public functions all serve as
    `Depends()` providers is wiring. Also the layer each imported name brings in."""

    def __init__(
        self,
        config: Config,
        modules: Mapping[str, FileFacts],
        symbols: Symbols,
        glob_answers: GlobAnswers | None = None,
    ) -> None:
        super().__init__(config, glob_answers)
        self.modules = modules
        self.symbols = symbols
        self._imported: dict[tuple[str, str], ImportedName] = {}
        self._orm: dict[str, bool] = {}
        self._pydantic: dict[str, bool] = {}
        self._alias_depth = 0  # how many type aliases `_aliased_layer` is following now
        self._tables: dict[int, tuple[FileFacts, DefinitionTable]] = {}
        self._below: dict[str, list[str]] | None = None  # package -> the modules under it

    def _is_wiring(self, module: str) -> bool:
        return super()._is_wiring(module) or module in self.provider_modules

    @property
    def reads_kinds(self) -> bool:
        """Whether `model` means ORM classes and `schema` Pydantic models: with the fortress
        preset; with `preset = "none"` layer names are the user's own (layerguard's own `model`
        layer is its dataclasses), so modules keep their globs' layers and names their modules'."""
        return self.config.preset != "none"

    def _layer_of(self, module: str) -> str | None:
        layer = super()._layer_of(module)
        if layer is None or not self.reads_kinds or module not in self.modules:
            return layer
        if layer != MODEL and _holds_no_code(self.modules[module]) and len(self._layers_below(module)) > 1:
            # A package `__init__` of comments or a docstring over modules of several layers
            # (mlrun's and fides' `api/`, the whole back end under `**.api.**`): importing it
            # brings in none of them; `import mlrun.api` read as `mlrun.api.crud.X` was an
            # endpoint import (seed 38). One over a single layer keeps it; a `models` package
            # is model by the tables under it (`holds_orm`).
            return None
        if layer != MODEL or self.holds_orm(module):
            return layer
        # Named a model, holds no ORM class: Pydantic models make it a schema module (the
        # SQLModel idiom's non-table half, or a `models.py` of API models); else it is
        # typing helpers, a registry of ML models ...: unlayered.
        if self.config.layer(SCHEMA) is not None and self.holds_pydantic(module):
            return SCHEMA
        return None

    def _layers_below(self, package: str) -> set[str]:
        """The layers of the modules under `package`."""
        if self._below is None:
            self._below = {}
            for module in self.modules:
                parts = module.split(".")
                for end in range(1, len(parts)):
                    self._below.setdefault(".".join(parts[:end]), []).append(module)
        return {layer for m in self._below.get(package, ()) if (layer := self.layer_of(m)) is not None}

    def holds_orm(self, module: str) -> bool:
        """The module (a package: or a module below it) defines or re-exports an ORM class, a
        `Table(...)` or a declarative base."""
        if module not in self._orm:
            self._orm[module] = self._holds(module, self._is_orm)
        return self._orm[module]

    def holds_pydantic(self, module: str) -> bool:
        """The module (a package: or a module below it) defines or re-exports a Pydantic model."""
        if module not in self._pydantic:
            self._pydantic[module] = self._holds(module, self._is_pydantic)
        return self._pydantic[module]

    def _is_orm(self, summary: DefinitionSummary, facts: FileFacts) -> bool:
        # The tables' own non-table base (`class BaseSchema(SQLModel)` under zenml's tables) is
        # model as an imported name, so its module is a model module too.
        return summary.orm or (facts.module, summary.qualname) in self.table_bases

    def _is_pydantic(self, summary: DefinitionSummary, facts: FileFacts) -> bool:
        return summary.kind == PYDANTIC

    def definition_table(self, facts: FileFacts) -> DefinitionTable:
        """The file's `DefinitionTable`: a part of the file (`per_file`), remembered here too,
        since a plain map computes its parts on every call."""
        found = self._tables.get(id(facts))
        if found is None or found[0] is not facts:
            found = self._tables[id(facts)] = (
                facts,
                self.per_file("definitions table", facts, definition_table),
            )
        return found[1]

    def resolve_summary(
        self, qualified: str, facts: FileFacts | None = None
    ) -> tuple[DefinitionSummary, FileFacts] | None:
        """`Symbols.resolve`, answered with the definition's summary: the file defining it is
        found without making its definitions."""
        found = self.symbols.resolve_file(qualified, facts)
        if found is None:
            return None
        name, where = found
        table = self.definition_table(where)
        return table.summaries[table.by_name[name[len(where.module) + 1 :]]], where

    def _holds(self, module: str, wanted: Callable[[DefinitionSummary, FileFacts], bool]) -> bool:
        facts = self.modules[module]
        below = [facts]
        if facts.is_package:
            prefix = module + "."
            below += [other for name, other in self.modules.items() if name.startswith(prefix)]
        return any(self._defines(facts, wanted) or self._reexports(facts, wanted) for facts in below)

    def _defines(self, facts: FileFacts, wanted: Callable[[DefinitionSummary, FileFacts], bool]) -> bool:
        return any(wanted(summary, facts) for summary in self.definition_table(facts).summaries)

    def _reexports(self, facts: FileFacts, wanted: Callable[[DefinitionSummary, FileFacts], bool]) -> bool:
        """A name the module re-exports resolves to a wanted definition; `from m import *`
        counts when `m` itself defines one (star imports are not followed further). A package's
        imports are its re-exports; a plain module re-exports only what its `__all__` lists (a
        query module importing the table it queries is no model module)."""
        exported = None if facts.is_package else self.definition_table(facts).all_names
        for fact in facts.imports:
            base = absolute_module(facts, fact)
            if base is None or fact.name is None:
                continue
            if exported is not None and (fact.alias or fact.name) not in exported:
                continue
            if fact.name == "*":
                star = self.modules.get(base)
                if star is not None and self._defines(star, wanted):
                    return True
                continue
            found = self.resolve_summary(f"{base}.{fact.name}" if base else fact.name)
            if found is not None and wanted(*found):
                return True
        return False

    @cached_property
    def table_bases(self) -> frozenset[tuple[str, str]]:
        """(module, qualname) of every project class that an ORM table class derives from."""
        found: set[tuple[str, str]] = set()
        for _, bases in self.collected("table-bases", file_table_bases):
            found.update(bases)
        return frozenset(found)

    @cached_property
    def providers(self) -> dict[str, set[str]]:
        """Module -> its functions, and names bound to what a call makes, that the project uses as
        `Depends()` providers."""
        found: dict[str, set[str]] = {}
        for _, provided in self.collected("providers", file_providers):
            for module, name in provided:
                found.setdefault(module, set()).add(name)
        return found

    @cached_property
    def provider_modules(self) -> frozenset[str]:
        """Modules that are wiring by content: every public module-level function (at least one)
        serves somewhere in the project as a `Depends()` provider, no function is a route
        handler, and every public class is of a neutral kind (an enum, an exception ...)."""
        modules, only = self.modules, self._only_provides
        return frozenset(module for module, names in self.providers.items() if only(modules[module], names))

    def per_file(self, what: str, facts: FileFacts, compute: Callable[[FileFacts, Symbols], T]) -> T:
        """`compute(facts, symbols)`: one file's part of a project table, which reads that file's
        facts and names looked up in `symbols` only (a seam: `incremental` keeps it between edits)."""
        return compute(facts, self.symbols)

    def collected(self, what: str, compute: Callable[[FileFacts, Symbols], T]) -> list[tuple[FileFacts, T]]:
        """Each module's file with its part `what`, for the parts that are not empty (a seam:
        `incremental` keeps it between edits)."""
        return [
            (facts, part) for facts in self.modules.values() if (part := self.per_file(what, facts, compute))
        ]

    def _only_provides(self, facts: FileFacts, providers: set[str]) -> bool:
        functions = [f for f in facts.functions if not f.nested and f.class_name is None]
        public = [f for f in functions if not f.name.startswith("_")]
        if not public or any(f.name not in providers for f in public):
            return False
        if any(_is_route_decorator(decorator) for f in functions for decorator in f.decorators):
            return False
        summaries = self.definition_table(facts).summaries
        classes = (s for s in summaries if s.is_class and not s.name.startswith("_"))
        return all(summary.kind in NEUTRAL_KINDS for summary in classes)

    def imported_name(self, module: str, name: str) -> ImportedName:
        key = (module, name)
        found = self._imported.get(key)
        if found is None:
            found = self._imported_name(module, name)
            if not self._alias_depth:  # a name met inside an alias chain may be cut short there
                self._imported[key] = found
        return found

    def _imported_name(self, module: str, name: str) -> ImportedName:
        """What `from module import name` brings in: a neutral kind (as configured) no layer;
        an ORM table or mapped class `model` wherever it is defined; a declarative base `model`
        and a Pydantic model `schema` when defined in a layered module (an unlayered helper
        stays unlayered); anything else the layer of the module defining it, re-exports
        followed; but through a wiring module nothing, and through an unlayered module only
        what a name is by its kind (its other re-exports are LG103's bridges)."""
        module_layer = self.layer_of(module)
        if self.is_wiring(module):
            return ImportedName(None)
        found = self.resolve_summary(f"{module}.{name}")
        if found is None:
            # A third party's name the module imports (`from sqlmodel import Session`) is the
            # third party's, not the module's layer.
            return ImportedName(None if self._bound_outside(f"{module}.{name}") else module_layer)
        summary, where = found
        kind = summary.kind
        if summary.session_class:
            # zenml's `class Session(SqlModelSession)` beside its store: the session type every
            # layer is handed, as SQLModel's own `Session` is, not the store's layer.
            return ImportedName(None, kind, where.module, summary)
        if summary.returns_sessions:
            # A function declared to return a session or a sessionmaker (arcsitegraph's
            # `get_session` and `_get_session_maker` beside its tables; the seed-39 audit): the
            # plumbing every layer may use, as a module of database setup is. Who takes its
            # session is LG104's to judge. A name alone is no evidence (a domain `get_session`).
            return ImportedName(None, kind, where.module, summary)
        if kind == TYPE_ALIAS and summary.alias is not None:
            # `QuestionSettings = Annotated[Union[TextSettings, ...], Field(...)]` brings in
            # what it stands for; an alias of nothing layered (`UserId = Annotated[int, ...]`)
            # is neutral.
            aliased = self._aliased_layer(summary.alias, where)
            if aliased is not None:
                return ImportedName(aliased, kind, where.module, summary)
        if kind in self.config.neutral_kinds:
            return ImportedName(None, kind, where.module, summary)
        defined_in = self.layer_of(where.module)
        layer: str | None
        if not self.reads_kinds:
            layer = defined_in if module_layer is not None else None
        elif kind == TABLE:
            layer = MODEL if self.config.layer(MODEL) is not None else defined_in
        elif kind in (ORM_BASE, COLUMN_TYPE):
            # A custom column type (gpustack's `UTCDateTime` in `schemas/common.py`) belongs to
            # the tables that use it, as their declarative base does.
            layer = MODEL if defined_in is not None and self.config.layer(MODEL) is not None else defined_in
        elif kind in (PYDANTIC, CLASS) and (where.module, summary.qualname) in self.table_bases:
            # A non-table SQLModel that tables derive from (`class HeroBase(SQLModel)` under
            # `class Hero(HeroBase, table=True)`), or a mixin they derive from (gpustack's
            # `ActiveRecordMixin`, in a data-access module), is the tables' own base: model, as a
            # declarative base is.
            layer = MODEL if defined_in is not None and self.config.layer(MODEL) is not None else defined_in
        elif kind in (PYDANTIC, DATA_CLASS):
            # A data class is a payload as a Pydantic model is (issue 13: the dataclasses beside
            # the tables of a `models.py`), whatever module of a layer holds it.
            layer = SCHEMA if defined_in is not None and self.config.layer(SCHEMA) is not None else defined_in
        else:
            layer = defined_in if module_layer is not None else None
        return ImportedName(layer, kind, where.module, summary)

    def _bound_outside(self, qualified: str) -> bool:
        """`module.Name` is bound, through the project's re-exports, to a name outside the project."""
        name = qualified
        for _ in range(MAX_HOPS):
            forwarded = self.symbols.reexport(name)
            if forwarded is None or forwarded == name:
                break
            name = forwarded
        return name != qualified and not self.symbols.is_top_level(name.split(".", 1)[0])

    def _aliased_layer(self, value: ExprFact, where: FileFacts) -> str | None:
        """The layer of the first name a type alias stands for that brings one in; aliases of
        aliases are followed `MAX_HOPS` deep, as re-exports are."""
        if self._alias_depth >= MAX_HOPS:
            return None
        self._alias_depth += 1
        # `DagBagDep = Annotated[DBDagBag, Depends(dag_bag_from_app)]`: an injected dependency's
        # declared type; an ORM class there is what the dependency returns, as for a parameter.
        injected = value.qualified in ANNOTATED and any(value.providers)
        try:
            for target in alias_targets(value):
                found = self.resolve_summary(target, where)
                if found is None or found[0].is_function:
                    continue
                imported = self.imported_name(found[1].module, found[0].name)
                if imported.layer is not None and not (injected and imported.kind == TABLE):
                    return imported.layer
            return None
        finally:
            self._alias_depth -= 1


def module_definitions(facts: FileFacts) -> Iterator[Symbol]:
    """The module-level classes, functions and assignments of a file."""
    yield from (c for c in facts.classes if c.module_level)
    yield from (f for f in facts.functions if not f.nested and f.class_name is None)
    yield from facts.assignments


def definition_table(facts: FileFacts, symbols: Symbols) -> DefinitionTable:
    """One file's part of the layer map's answers about names (`DefinitionTable`)."""
    definitions = list(module_definitions(facts))
    position = {id(symbol): index for index, symbol in enumerate(definitions)}
    winners = {
        name[len(facts.module) + 1 :]: position[id(symbol)]
        for name, (symbol, _) in file_definitions(facts).items()
    }
    return DefinitionTable(
        tuple(_summary(symbol, facts, symbols) for symbol in definitions), winners, _all_names(facts)
    )


def _summary(symbol: Symbol, facts: FileFacts, symbols: Symbols) -> DefinitionSummary:
    kind = symbol_kind(symbol, facts, symbols)
    value = symbol.value if isinstance(symbol, AssignmentFact) else None
    return DefinitionSummary(
        name=symbol.name,
        kind=kind,
        noun=kind_noun(kind, symbol),
        qualname=getattr(symbol, "qualname", ""),
        is_class=isinstance(symbol, ClassFact),
        is_function=isinstance(symbol, FunctionFact),
        orm=is_orm_definition(symbol, facts, symbols, kind),
        session_class=isinstance(symbol, ClassFact) and is_session_class(symbol, facts, symbols),
        literal=kind == CONSTANT and value is not None and value.kind in ("string", "number", "none"),
        alias=value if kind == TYPE_ALIAS else None,
        returns_sessions=isinstance(symbol, FunctionFact) and returns_sessions(symbol, facts, symbols),
    )


def _all_names(facts: FileFacts) -> frozenset[str]:
    """The names a module's `__all__ = [...]` lists (none when it has no literal one)."""
    found = next((a for a in reversed(facts.assignments) if a.name == "__all__"), None)
    elements = found.value.args if found is not None and found.value is not None else ()
    return frozenset(e.value for e in elements if e.kind == "string" and isinstance(e.value, str))


def file_table_bases(facts: FileFacts, symbols: Symbols) -> frozenset[tuple[str, str]]:
    """One file's part of `table_bases`: the ancestors of its ORM table classes, but plain
    Pydantic models (not SQLModels): gpustack's tables derive from payloads such as
    `GPUDeviceStatus(BaseModel)`, which stay schema wherever the tables use them."""
    found: set[tuple[str, str]] = set()
    for cls in facts.classes:
        if cls.bases and symbol_kind(cls, facts, symbols) == TABLE:
            found.update(
                (where.module, ancestor.qualname)
                for item in symbols.ancestors(cls, facts)
                if not isinstance(item, str)
                for ancestor, where in [item]
                if not _plain_pydantic(ancestor, where, symbols)
            )
    return frozenset(found)


def _plain_pydantic(cls: ClassFact, facts: FileFacts, symbols: Symbols) -> bool:
    pydantic = symbols.inherits_from(cls, facts, PYDANTIC_MODEL)
    return pydantic and not symbols.inherits_from(cls, facts, SQLMODEL)


def file_providers(facts: FileFacts, symbols: Symbols) -> tuple[tuple[str, str], ...]:
    """One file's part of `providers`: (module, name) of each `Depends()` provider it names, a
    function or a module-level name bound to what a call makes (fastapi-users'
    `current_active_user = fastapi_users.current_user(active=True)`, the seed-40 audit); not a
    name bound to another name (litellm's `premium_user_check = require_enterprise_license`)."""
    found: list[tuple[str, str]] = []
    for expression in _expressions(facts):
        for provider in expression.depends:
            resolved = symbols.resolve(provider, facts) if provider else None
            if resolved is not None and _is_provider(*resolved, symbols):
                found.append((resolved[1].module, resolved[0].name))
    return tuple(found)


def _is_provider(symbol: Symbol, facts: FileFacts, symbols: Symbols) -> bool:
    """A function, or a name bound to what a call of the project or a library makes; not an
    instance of fastapi's own classes (`oauth2_scheme = OAuth2PasswordBearer(...)` reads a
    credential: a module declaring it defines no provider of its own)."""
    if isinstance(symbol, FunctionFact):
        return True
    if not isinstance(symbol, AssignmentFact) or symbol.value is None or symbol.value.kind != "call":
        return False
    return not symbols.canonical_name(symbol.value.qualified or "", facts).startswith("fastapi.")


def _expressions(facts: FileFacts) -> list[ExprFact]:
    """The outermost expressions of a file that can hold `Depends(...)`: parameters,
    decorators, module-level assignments, class fields and recorded calls. A list built in
    loops: nested generators cost more than the reading (20,000 expressions on dstack)."""
    found: list[ExprFact] = []
    for function in facts.functions:
        found += function.decorators
        for param in function.params:
            found += [e for e in (param.annotation, param.default) if e is not None]
    for assignment in facts.assignments:
        found += [e for e in (assignment.value, assignment.annotation) if e is not None]
    for cls in facts.classes:
        for class_field in cls.fields:
            found += [e for e in (class_field.annotation, class_field.value) if e is not None]
    found += [call.call for call in facts.calls]
    return found


def _is_route_decorator(decorator: ExprFact) -> bool:
    callee = decorator.qualified or "" if decorator.kind == "call" else ""
    return "." in callee and callee.rsplit(".", 1)[-1] in ROUTE_DECORATORS


@dataclass(frozen=True)
class FileView:
    """What a file rule reads besides its file's facts. `symbols` may be a `RecordingSymbols`
    that remembers each lookup, so the rule's findings can be reused while the answers hold."""

    config: Config
    layers: LayerMap
    symbols: Symbols


@dataclass
class ProjectView:
    """Every file's facts, the files to report on, the layer map, the symbols and the import
    edges: what project rules read."""

    config: Config
    files: tuple[FileFacts, ...]
    checked: frozenset[Path]
    _once: dict[object, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    def once(self, compute: Callable[[ProjectView], T]) -> T:
        """`compute(self)`, computed once for this view: a table that several project rules
        walk (LG101 and LG102 both report from the forbidden imports)."""
        if compute not in self._once:
            self._once[compute] = compute(self)
        return cast("T", self._once[compute])

    @cached_property
    def layers(self) -> ProjectLayerMap:
        """The layers the project rules see: the globs refined by what the modules hold."""
        return ProjectLayerMap(self.config, self.by_module, self.symbols, self.glob_layers.glob_answers)

    @cached_property
    def glob_layers(self) -> LayerMap:
        """The layers by the globs alone, for the file rules: their findings are reused while
        the lookups they recorded give the same answers, and the refined layers depend on
        other files in ways those lookups do not record."""
        return LayerMap(self.config)

    @cached_property
    def by_module(self) -> dict[str, FileFacts]:
        return module_files(self.files)

    @cached_property
    def symbols(self) -> Symbols:
        """Classes, functions and assignments of every file, by qualified name."""
        return Symbols(self.files)

    @cached_property
    def edges(self) -> tuple[ImportEdge, ...]:
        return resolve_imports(self.files, self.by_module)

    @cached_property
    def file_view(self) -> FileView:
        """The per-file view of the whole project, for helpers that file rules share."""
        return FileView(self.config, self.layers, self.symbols)

    def is_checked(self, facts: FileFacts) -> bool:
        return facts.path in self.checked

    @cached_property
    def checked_files(self) -> tuple[FileFacts, ...]:
        """The files to report on, in file order."""
        return tuple(facts for facts in self.files if self.is_checked(facts))

    @cached_property
    def checks_everything(self) -> bool:
        """Every file is checked (a whole run), not a few (the language server's open files,
        where rules may look near the checked files alone)."""
        return len(self.checked_files) == len(self.files)

    def edges_of(self, facts: FileFacts) -> tuple[ImportEdge, ...]:
        """`edges`, of one file."""
        return self._edges_by_file.get(facts.path, ())

    @cached_property
    def _edges_by_file(self) -> dict[Path, tuple[ImportEdge, ...]]:
        found: dict[Path, list[ImportEdge]] = {}
        for edge in self.edges:
            found.setdefault(edge.importer.path, []).append(edge)
        return {path: tuple(edges) for path, edges in found.items()}

    def per_file(self, what: str, facts: FileFacts, compute: Callable[[FileFacts, Symbols], T]) -> T:
        """`compute(facts, symbols)`: one file's part of a project rule's work, which reads that
        file's facts and names looked up in `symbols` only (a seam: `incremental` keeps it between
        edits while those names mean the same). `what` names the part, and whatever it depends on
        besides (a setting's value)."""
        return compute(facts, self.symbols)

    def collected(self, what: str, compute: Callable[[FileFacts, Symbols], T]) -> list[tuple[FileFacts, T]]:
        """Each file with its part `what` (as `per_file` computes it), for the files whose part
        is not empty, in file order: a project table that few files add to (a seam: `incremental`
        keeps it between edits, and asks again only the files whose part may have changed)."""
        return [(facts, part) for facts in self.files if (part := self.per_file(what, facts, compute))]
