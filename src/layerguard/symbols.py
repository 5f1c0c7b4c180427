"""Project-wide lookup of classes, functions and module-level assignments by qualified name.

Rules that read more than one file (LG104's session alias defined in `deps`, LG601's pydantic
models, LG701's envelope class, LG702's inherited fields, LG804's routers) resolve names here:
re-exports through a package's `__init__` (`from .User import User`) and module attributes
(`orders.router`) are followed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from typing import NoReturn

from layerguard.graph import absolute_module
from layerguard.model import AssignmentFact, ClassFact, FileFacts, FunctionFact

Symbol = ClassFact | FunctionFact | AssignmentFact
# Re-export and alias chains (`DB = SessionDep`, `r = orders.router`) longer than this are not
# followed, and cycles end: the one limit for every rule that follows names.
MAX_HOPS = 8


class Symbols:
    def __init__(self, files: tuple[FileFacts, ...]) -> None:
        self.files = files

    @cached_property
    def modules(self) -> dict[str, FileFacts]:
        return {facts.module: facts for facts in self.files}

    @cached_property
    def top_level_names(self) -> frozenset[str]:
        """The first segment of every module name: a name starting with one is absolute."""
        return frozenset(module.split(".", 1)[0] for module in self.modules)

    @cached_property
    def definitions(self) -> dict[str, tuple[Symbol, FileFacts]]:
        """`module.Name` -> the module-level class, function or assignment defining it."""
        found: dict[str, tuple[Symbol, FileFacts]] = {}
        for facts in self.files:
            for assignment in facts.assignments:
                found[f"{facts.module}.{assignment.name}"] = (assignment, facts)
            for function in facts.functions:
                if not function.nested and function.class_name is None:
                    found[f"{facts.module}.{function.name}"] = (function, facts)
            for cls in facts.classes:
                if cls.module_level:
                    found[f"{facts.module}.{cls.name}"] = (cls, facts)
        return found

    @cached_property
    def reexports(self) -> dict[str, str]:
        """`package.Name` -> what the package's imports bind `Name` to."""
        bound: dict[str, str] = {}
        for facts in self.files:
            for fact in facts.imports:
                if fact.name is None or fact.name == "*":
                    continue
                base = absolute_module(facts, fact)
                if base is not None:
                    target = f"{base}.{fact.name}" if base else fact.name
                    bound[f"{facts.module}.{fact.alias or fact.name}"] = target
        return bound

    # The three lookups everything else is built on: `RecordingSymbols` records them, so that
    # what a rule learnt from other files can be checked again on a later run.

    def definition(self, name: str) -> tuple[Symbol, FileFacts] | None:
        """The module-level class, function or assignment named `module.Name`, if any."""
        return self.definitions.get(name)

    def reexport(self, name: str) -> str | None:
        """What `package.Name` is bound to by the package's imports, if anything."""
        return self.reexports.get(name)

    def is_top_level(self, segment: str) -> bool:
        """A first module-name segment of this project (so a name starting with it is absolute)."""
        return segment in self.top_level_names

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
        return any(isinstance(a, str) and a in qualified_bases for a in self.ancestors(cls, facts))


# One recorded lookup: which primitive, the name asked, and what it answered. A definition is
# answered by a description of the file defining it (its path and content key, see `api`).
Lookup = tuple[str, str, "str | bool | None"]


class RecordingSymbols(Symbols):
    """`Symbols` that records every lookup, so that findings computed with it can be reused
    while the same lookups give the same answers (see `answers_unchanged`)."""

    def __init__(self, symbols: Symbols, describe: Callable[[FileFacts], str]) -> None:
        self.symbols = symbols
        self.files = symbols.files
        self.describe = describe
        self.lookups: list[Lookup] = []

    def definition(self, name: str) -> tuple[Symbol, FileFacts] | None:
        found = self.symbols.definition(name)
        self.lookups.append(("definition", name, self.describe(found[1]) if found is not None else None))
        return found

    def reexport(self, name: str) -> str | None:
        forwarded = self.symbols.reexport(name)
        self.lookups.append(("reexport", name, forwarded))
        return forwarded

    def is_top_level(self, segment: str) -> bool:
        answer = self.symbols.is_top_level(segment)
        self.lookups.append(("top-level", segment, answer))
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
    symbols: Symbols, lookups: Iterable[Lookup], describe: Callable[[FileFacts], str]
) -> bool:
    """`symbols` answers every recorded lookup as it was answered then (`describe` as given to
    the `RecordingSymbols` that recorded them)."""
    for kind, name, answer in lookups:
        if kind == "definition":
            found = symbols.definition(name)
            now: str | bool | None = describe(found[1]) if found is not None else None
        elif kind == "reexport":
            now = symbols.reexport(name)
        elif kind == "top-level":
            now = symbols.is_top_level(name)
        else:
            return False
        if now != answer:
            return False
    return True
