"""Project-wide lookup of classes, functions and module-level assignments by qualified name.

Rules that read more than one file (LG104's session alias defined in `deps`, LG601's pydantic
models, LG701's envelope class, LG702's inherited fields, LG804's routers) resolve names here:
re-exports through a package's `__init__` (`from .User import User`) and module attributes
(`orders.router`) are followed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Generic, NoReturn, TypeVar, cast

from layerguard.graph import absolute_module, module_files
from layerguard.model import AssignmentFact, ClassFact, FileFacts, FunctionFact

Symbol = ClassFact | FunctionFact | AssignmentFact
# Re-export and alias chains (`DB = SessionDep`, `r = orders.router`) longer than this are not
# followed, and cycles end: the one limit for every rule that follows names.
MAX_HOPS = 8
V = TypeVar("V")
# What a class contributes to `Symbols.inherited`, by name: its own fields, its outside bases ...
Own = Callable[[ClassFact, FileFacts], Mapping[str, V]]


class Symbols:
    def __init__(self, files: tuple[FileFacts, ...]) -> None:
        self.files = files

    @cached_property
    def modules(self) -> dict[str, FileFacts]:
        return module_files(self.files)

    @cached_property
    def top_level_names(self) -> frozenset[str]:
        """The first segment of every module name: a name starting with one is absolute."""
        return frozenset(module.split(".", 1)[0] for module in self.modules)

    @cached_property
    def definitions(self) -> Mapping[str, tuple[Symbol, FileFacts]]:
        """`module.Name` -> the module-level class, function or assignment defining it."""
        found: dict[str, tuple[Symbol, FileFacts]] = {}
        for facts in self.files:
            found.update(file_definitions(facts))
        return found

    @cached_property
    def reexports(self) -> dict[str, str]:
        """`package.Name` -> what the package's imports bind `Name` to. `from m import *` binds
        the public names `m` defines or imports by name (its `__all__` when it has a literal one),
        one level deep, where no other import of the module binds them (argilla's
        `models/__init__.py`: `from .database import *`)."""
        bound: dict[str, str] = {}
        for facts in self.files:
            bound.update(file_reexports(facts))
        return with_star_reexports(self.files, self.modules, bound, self.definitions)

    # The lookups everything else is built on: `RecordingSymbols` records them, so that
    # what a rule learnt from other files can be checked again on a later run.

    def definition(self, name: str) -> tuple[Symbol, FileFacts] | None:
        """The module-level class, function or assignment named `module.Name`, if any."""
        return self.definitions.get(name)

    def reexport(self, name: str) -> str | None:
        """What `package.Name` is bound to by the package's imports, if anything."""
        return self.reexports.get(name)

    def definition_file(self, name: str) -> FileFacts | None:
        """The file `definition(name)` would answer with, without making the definition (a
        replayed lookup needs the file only, `answers_unchanged`)."""
        found = self.definitions.get(name)
        return found[1] if found is not None else None

    def is_top_level(self, segment: str) -> bool:
        """A first module-name segment of this project (so a name starting with it is absolute)."""
        return segment in self.top_level_names

    def has_module(self, name: str) -> bool:
        """A module of this project."""
        return name in self.modules

    def qualify(self, name: str, facts: FileFacts) -> str:
        """A name as the facts give it: already absolute when imported, else local to `facts`."""
        if self.is_top_level(name.split(".", 1)[0]):
            return name
        return f"{facts.module}.{name}"

    def resolve(self, qualified: str, facts: FileFacts | None = None) -> tuple[Symbol, FileFacts] | None:
        """The definition a qualified name refers to, following re-exports; None if outside
        the project or unknown. With `facts`, a bare local name is looked up in that file."""
        name = self.qualify(qualified, facts) if facts is not None else qualified
        for _ in range(MAX_HOPS):
            found = self.definition(name)
            if found is not None:
                return found
            forwarded = self.reexport(name)
            if forwarded is None or forwarded == name:
                return None
            name = forwarded
        return None

    def resolve_file(self, qualified: str, facts: FileFacts | None = None) -> tuple[str, FileFacts] | None:
        """`resolve`'s answer as the name of the definition and the file defining it, without
        making the definition (`definition_file`)."""
        name = self.qualify(qualified, facts) if facts is not None else qualified
        for _ in range(MAX_HOPS):
            defining = self.definition_file(name)
            if defining is not None:
                return name, defining
            forwarded = self.reexport(name)
            if forwarded is None or forwarded == name:
                return None
            name = forwarded
        return None

    def canonical_name(self, qualified: str, facts: FileFacts) -> str:
        """A qualified name with the project's re-exports followed
        (`from app.db import AsyncSession` -> `sqlalchemy.ext.asyncio.AsyncSession`); an outside
        or unknown name comes back as written."""
        if self.definition(qualified) is not None:
            return qualified
        name = self.qualify(qualified, facts)
        for _ in range(MAX_HOPS):
            forwarded = self.reexport(name)
            if forwarded is None or forwarded == name:
                break
            name = forwarded
        if self.definition(name) is not None or name != self.qualify(qualified, facts):
            return name
        return qualified

    def resolve_class(
        self, qualified: str, facts: FileFacts | None = None
    ) -> tuple[ClassFact, FileFacts] | None:
        found = self.resolve(qualified, facts)
        if found is not None and isinstance(found[0], ClassFact):
            return found[0], found[1]
        return None

    def ancestors(self, cls: ClassFact, facts: FileFacts) -> Iterator[tuple[ClassFact, FileFacts] | str]:
        """Every base class, transitively: project classes as facts, outside ones by qualified
        name (`pydantic.BaseModel`). Each is given once."""
        seen: set[str] = set()
        stack = [(base.qualified, facts) for base in reversed(cls.bases) if base.qualified]
        while stack:
            qualified, where = stack.pop()
            assert qualified is not None
            found = self.resolve_class(qualified, where)
            key = f"{found[1].module}.{found[0].qualname}" if found else qualified
            if key in seen:
                continue
            seen.add(key)
            if found is None:
                yield qualified
                continue
            yield found
            base_class, base_facts = found
            stack.extend((b.qualified, base_facts) for b in reversed(base_class.bases) if b.qualified)

    def inherits_from(self, cls: ClassFact, facts: FileFacts, qualified_bases: frozenset[str]) -> bool:
        """`cls` derives, directly or through project classes, from one of `qualified_bases`."""
        return not qualified_bases.isdisjoint(self.outside_ancestors(cls, facts))

    def outside_ancestors(self, cls: ClassFact, facts: FileFacts) -> Mapping[str, str]:
        """The qualified names of the outside classes `cls` derives from, directly or through
        project classes (`pydantic.BaseModel`), as `ancestors` gives them, nearest first."""
        return self.inherited(cls, facts, self._outside_bases)

    def _outside_bases(self, cls: ClassFact, facts: FileFacts) -> dict[str, str]:
        # By their outside names: datajunction's `class Kind(StrEnum)` imports `StrEnum` from its
        # own `enum.py`, which re-exports the standard library's (issue 13, the seed-32 audit).
        bases = (base.qualified for base in cls.bases if base.qualified)
        outside = (name for name in bases if self.resolve_class(name, facts) is None)
        return {canonical: canonical for canonical in (self.canonical_name(name, facts) for name in outside)}

    def inherited(self, cls: ClassFact, facts: FileFacts, own: Own[V]) -> Mapping[str, V]:
        """What `own` gives for the class and each of its project ancestors, merged by name,
        nearest first (the order of `ancestors`): `own` is called once per class, and each
        class's merged mapping is computed once and remembered under `own` (pass the same
        function each time), so a rule asking for every class of a 10,000-class chain does
        linear work, not quadratic. Do not change what you are given."""
        # Keyed by the function, not a bound method of this Symbols: that would be a reference
        # cycle keeping every file's facts alive until the cyclic collector runs.
        key = getattr(own, "__func__", own)
        exact = cast("dict[int, tuple[ClassFact, Mapping[str, V]]]", self._inherited.setdefault(key, {}))
        return _Lineage(self, own, exact).of(cls, facts)

    @cached_property
    def _inherited(self) -> dict[Hashable, dict[int, tuple[ClassFact, Mapping[str, object]]]]:
        """`inherited`'s exact answers: per `own`, by class identity (the class is kept, so
        that its id is not reused)."""
        return {}


def file_definitions(facts: FileFacts) -> dict[str, tuple[Symbol, FileFacts]]:
    """One file's part of `Symbols.definitions` (a later definition of a name wins)."""
    found: dict[str, tuple[Symbol, FileFacts]] = {}
    for assignment in facts.assignments:
        found[f"{facts.module}.{assignment.name}"] = (assignment, facts)
    for function in facts.functions:
        if not function.nested and function.class_name is None:
            found[f"{facts.module}.{function.name}"] = (function, facts)
    for cls in facts.classes:
        if cls.module_level:
            found[f"{facts.module}.{cls.name}"] = (cls, facts)
    return found


def star_sources(facts: FileFacts) -> list[str]:
    """The modules the file imports `*` from at module level."""
    found = []
    for fact in facts.imports:
        if fact.name == "*" and not fact.deferred:
            base = absolute_module(facts, fact)
            if base:
                found.append(base)
    return found


def with_star_reexports(
    files: Iterable[FileFacts],
    modules: Mapping[str, FileFacts],
    bound: dict[str, str],
    definitions: Mapping[str, object],
    sources: Callable[[FileFacts], Iterable[str]] = star_sources,
) -> dict[str, str]:
    """`bound` (the imports by name) with what each `from m import *` binds: not a per-file part,
    since the names come from `m`. A name bound by name or defined in the module wins.
    `sources`: `star_sources`, or where it is kept per file."""
    merged = bound
    for facts in files:
        for base in sources(facts):
            source = modules.get(base)
            if source is None:
                continue
            for name in _star_names(source):
                key = f"{facts.module}.{name}"
                if key not in merged and key not in definitions:
                    merged = merged if merged is not bound else dict(bound)
                    merged[key] = merged.get(f"{base}.{name}", f"{base}.{name}")
    return merged


def file_reexports(facts: FileFacts) -> dict[str, str]:
    """One file's part of `Symbols.reexports`."""
    bound: dict[str, str] = {}
    for fact in facts.imports:
        if fact.name is None or fact.name == "*":
            continue
        base = absolute_module(facts, fact)
        if base is not None:
            target = f"{base}.{fact.name}" if base else fact.name
            bound[f"{facts.module}.{fact.alias or fact.name}"] = target
    return bound


@dataclass
class _Frame(Generic[V]):
    """A class whose merged mapping `_Lineage` is building: its project bases, the next to merge."""

    cls: ClassFact
    bases: list[tuple[ClassFact, FileFacts]]
    merged: dict[str, V]
    next_base: int = 0
    # Merged from a mapping that is not final (a cycle in the inheritance): not remembered.
    inexact: bool = False


@dataclass
class _Lineage(Generic[V]):
    """One `Symbols.inherited` query: a depth-first walk without recursion (a chain of 10,000
    classes is fine), merging each base's mapping into its subclass's once the base is done.

    Cyclic inheritance (`class A(B)`, `class B(A)`, which only static analysis meets) ends the
    walk at a class already being built; a mapping built so is not final, so neither it nor any
    mapping merging it is remembered: answers never depend on the order of the questions."""

    symbols: Symbols
    own: Own[V]
    exact: dict[int, tuple[ClassFact, Mapping[str, V]]]
    this_query: dict[int, Mapping[str, V]] = field(default_factory=dict)

    def of(self, cls: ClassFact, facts: FileFacts) -> Mapping[str, V]:
        known = self.exact.get(id(cls))
        if known is not None and known[0] is cls:
            return known[1]
        stack: list[_Frame[V]] = [self._frame(cls, facts)]
        building = {id(cls)}
        while True:
            frame = stack[-1]
            if frame.next_base < len(frame.bases):
                base, where = frame.bases[frame.next_base]
                frame.next_base += 1
                known = self.exact.get(id(base))
                if known is not None and known[0] is base:
                    _merge(frame.merged, known[1])
                elif id(base) in self.this_query:
                    _merge(frame.merged, self.this_query[id(base)])
                    frame.inexact = True
                elif id(base) in building:
                    frame.inexact = True
                else:
                    stack.append(self._frame(base, where))
                    building.add(id(base))
                continue
            stack.pop()
            building.discard(id(frame.cls))
            if frame.inexact:
                self.this_query[id(frame.cls)] = frame.merged
            else:
                self.exact[id(frame.cls)] = (frame.cls, frame.merged)
            if not stack:
                return frame.merged
            _merge(stack[-1].merged, frame.merged)
            stack[-1].inexact |= frame.inexact

    def _frame(self, cls: ClassFact, facts: FileFacts) -> _Frame[V]:
        bases = [self.symbols.resolve_class(base.qualified, facts) for base in cls.bases if base.qualified]
        return _Frame(cls, [found for found in bases if found is not None], dict(self.own(cls, facts)))


def _star_names(facts: FileFacts) -> Iterator[str]:
    """The names `from <facts.module> import *` binds: its literal `__all__`, else its public
    module-level definitions and the names it imports by name."""
    listed = next((a for a in reversed(facts.assignments) if a.name == "__all__"), None)
    if listed is not None and listed.value is not None and listed.value.kind in ("list", "tuple"):
        yield from (e.value for e in listed.value.args if e.kind == "string" and isinstance(e.value, str))
        return
    names = [a.name for a in facts.assignments]
    names += [f.name for f in facts.functions if not f.nested and f.class_name is None]
    names += [c.name for c in facts.classes if c.module_level]
    names += [i.alias or i.name for i in facts.imports if i.name not in (None, "*") and not i.deferred]
    yield from (name for name in dict.fromkeys(names) if name and not name.startswith("_"))


def _merge(into: dict[str, V], nearer_first: Mapping[str, V]) -> None:
    """Add what `into` lacks, keeping what it has (nearer definitions win)."""
    for name, value in nearer_first.items():
        into.setdefault(name, value)


# One recorded lookup: which primitive, the name asked, and what it answered. A definition is
# answered by a description of the file defining it (its content key, see `engine`).
Lookup = tuple[str, str, "str | bytes | bool | None"]


class RecordingSymbols(Symbols):
    """`Symbols` that records every lookup, so that findings computed with it can be reused
    while the same lookups give the same answers (see `answers_unchanged`). Each lookup is
    recorded once: within one check the same question gets the same answer, and file rules ask
    the same few names many times (prefect: 112,753 lookups recorded, 16 % of them distinct),
    every one of which a later run would replay."""

    def __init__(self, symbols: Symbols, describe: Callable[[FileFacts], str | bytes]) -> None:
        self.symbols = symbols
        self.files = symbols.files
        self.describe = describe
        self._answers: dict[tuple[str, str], str | bytes | bool | None] = {}

    @property
    def lookups(self) -> list[Lookup]:
        """Every distinct lookup made so far, in the order first made, with its answer."""
        return [(kind, name, answer) for (kind, name), answer in self._answers.items()]

    def definition(self, name: str) -> tuple[Symbol, FileFacts] | None:
        found = self.symbols.definition(name)
        if ("definition", name) not in self._answers:
            self._answers["definition", name] = self.describe(found[1]) if found is not None else None
        return found

    def definition_file(self, name: str) -> FileFacts | None:
        defining = self.symbols.definition_file(name)
        if ("definition", name) not in self._answers:
            self._answers["definition", name] = self.describe(defining) if defining is not None else None
        return defining

    def reexport(self, name: str) -> str | None:
        forwarded = self.symbols.reexport(name)
        self._answers.setdefault(("reexport", name), forwarded)
        return forwarded

    def is_top_level(self, segment: str) -> bool:
        answer = self.symbols.is_top_level(segment)
        self._answers.setdefault(("top-level", segment), answer)
        return answer

    def has_module(self, name: str) -> bool:
        answer = self.symbols.has_module(name)
        self._answers.setdefault(("module", name), answer)
        return answer

    def _unrecorded(self) -> NoReturn:
        raise AttributeError(
            "file rules look names up through definition(), reexport() and is_top_level(), "
            "which are recorded; reading the tables directly would make cached findings stale"
        )

    modules = property(_unrecorded)
    top_level_names = property(_unrecorded)
    definitions = property(_unrecorded)
    reexports = property(_unrecorded)


def answers_unchanged(
    symbols: Symbols, lookups: Iterable[Lookup], describe: Callable[[FileFacts], str | bytes]
) -> bool:
    """`symbols` answers every recorded lookup as it was answered then (`describe` as given to
    the `RecordingSymbols` that recorded them)."""
    for kind, name, answer in lookups:
        if kind == "definition":
            defining = symbols.definition_file(name)
            now: str | bytes | bool | None = describe(defining) if defining is not None else None
        elif kind == "reexport":
            now = symbols.reexport(name)
        elif kind == "top-level":
            now = symbols.is_top_level(name)
        elif kind == "module":
            now = symbols.has_module(name)
        else:
            return False
        if now != answer:
            return False
    return True
