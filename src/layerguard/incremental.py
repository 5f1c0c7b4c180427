"""What a Workspace keeps between checks so that one edit does not redo the whole project's work.

The project rules read every file's facts, so after an edit they run again over the whole
project: their findings may change in any file. Much of what they compute first is one file's
part of a project-wide table: its import edges, its entries in the symbol tables, the ORM
table bases and `Depends()` providers it defines or names, its response schemas. Such a part
reads that file's facts and, at most, the names it looks up in the symbol tables. A `FileMemo`
keeps each part by the identity of the file's facts (immutable: a file whose content changes
gets a new object) together with the names it looked up; `MemoProjectView` assembles the
tables from the parts in file order, exactly as `ProjectView` computes them from scratch.

Before each check, the parts whose answers may have changed are dropped: those of a file whose
facts changed, and those that looked up a name that file defines or re-exports, before or
after the edit (`ProjectView.per_file` says what a part may read). A file added or removed
changes the module names and the first segments that make a name absolute: everything is
dropped. After a typical edit, only the edited file's parts and those that looked up one of
its names are computed again; everything that is not a per-file part (the layer of each
module, import chains, inherited fields asked for by checked files) is computed again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar, cast

from layerguard.context import ProjectLayerMap, ProjectView, module_definitions
from layerguard.graph import ImportEdge, file_imports
from layerguard.model import Config, FileFacts
from layerguard.symbol_kinds import symbol_kind
from layerguard.symbols import (
    RecordingSymbols,
    Symbol,
    Symbols,
    file_definitions,
    file_reexports,
    star_sources,
    with_star_reexports,
)

T = TypeVar("T")


@dataclass(frozen=True)
class _Looked:
    """A part computed with the symbol tables, and every name it looked up in them."""

    value: object
    names: frozenset[str]


class FileMemo:
    """Each file's parts of the project tables, by the identity of the facts they came from. An
    entry holds its facts, so their id cannot be reused while it lives."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[FileFacts, dict[str, object]]] = {}
        self._files: dict[Path, FileFacts] = {}  # the files of the last view
        self._modules: frozenset[str] = frozenset()

    def of(self, what: str, facts: FileFacts, compute: Callable[[FileFacts], T]) -> T:
        """`compute(facts)`, which reads those facts alone."""
        results = self._results(facts)
        if what not in results:
            results[what] = compute(facts)
        return cast("T", results[what])

    def looking_up(
        self, what: str, facts: FileFacts, symbols: Symbols, compute: Callable[[FileFacts, Symbols], T]
    ) -> T:
        """`compute(facts, symbols)`, which reads those facts and names looked up in `symbols`."""
        entry = self._entries.get(id(facts))
        if entry is not None and entry[0] is facts:  # the common case, inline: 100,000 calls an edit at scale
            found = entry[1].get(what)
            if isinstance(found, _Looked):
                return cast("T", found.value)
        results = self._results(facts)
        found = results.get(what)
        if not isinstance(found, _Looked):
            recorder = RecordingSymbols(symbols, _undescribed)
            value = compute(facts, recorder)
            found = results[what] = _Looked(value, frozenset(name for _, name, _ in recorder.lookups))
        return cast("T", found.value)

    def _results(self, facts: FileFacts) -> dict[str, object]:
        entry = self._entries.get(id(facts))
        if entry is None or entry[0] is not facts:
            entry = self._entries[id(facts)] = (facts, {})
        return entry[1]

    def start(self, files: Iterable[FileFacts]) -> None:
        """A check of `files` begins: drop what no longer holds since the last one."""
        current = {facts.path: facts for facts in files}
        modules = frozenset(facts.module for facts in current.values())
        if modules != self._modules:
            self._entries.clear()
        else:
            changed: set[str] = set()
            changed_files: list[FileFacts] = []
            for path in current.keys() | self._files.keys():
                old, new = self._files.get(path), current.get(path)
                if old is not new:
                    for facts in (old, new):
                        if facts is not None:
                            changed_files.append(facts)
                            changed.update(self.of("definitions", facts, file_definitions))
                            changed.update(self.of("reexports", facts, file_reexports))
            if changed_files and _touches_a_star_import(
                changed_files,
                [*current.values(), *self._files.values()],
                lambda facts: self.of("star-sources", facts, star_sources),
            ):
                self._entries.clear()  # what `import *` binds comes from another file: rare, start over
            live = {id(facts) for facts in current.values()}
            for key in [key for key in self._entries if key not in live]:
                del self._entries[key]
            if changed:
                for _, results in self._entries.values():
                    stale = [
                        what
                        for what, found in results.items()
                        if isinstance(found, _Looked) and not changed.isdisjoint(found.names)
                    ]
                    for what in stale:
                        del results[what]
        self._files = current
        self._modules = modules


def _touches_a_star_import(
    changed: list[FileFacts], files: list[FileFacts], sources: Callable[[FileFacts], Iterable[str]]
) -> bool:
    """A changed file imports `*`, or some file imports `*` from a changed module (`sources`:
    `star_sources`, kept per file: asked of every file at every edit, 0.1 s on 10,000 files)."""
    modules = {facts.module for facts in changed}
    return any(sources(facts) for facts in changed) or any(
        not modules.isdisjoint(sources(facts)) for facts in files
    )


def file_kinds(facts: FileFacts, symbols: Symbols) -> dict[int, str]:
    """The kind of each module-level definition of the file, by the definition's identity."""
    return {id(symbol): symbol_kind(symbol, facts, symbols) for symbol in module_definitions(facts)}


def _undescribed(facts: FileFacts) -> str:
    return ""  # `looking_up` keeps the names asked; the answers change only with `start`'s names


@dataclass
class MemoProjectView(ProjectView):
    """A `ProjectView` whose per-file parts come from `memo`."""

    memo: FileMemo = field(default_factory=FileMemo)

    def __post_init__(self) -> None:
        self.memo.start(self.files)

    @cached_property
    def symbols(self) -> Symbols:
        return MemoSymbols(self.files, self.memo)

    @cached_property
    def layers(self) -> ProjectLayerMap:
        return MemoProjectLayerMap(self.config, self.by_module, self.symbols, self.memo)

    @cached_property
    def edges(self) -> tuple[ImportEdge, ...]:
        # A file's edges read the module names too: `start` drops everything when they change.
        by_module = self.by_module
        return tuple(
            edge
            for facts in self.files
            for edge in self.memo.of("edges", facts, lambda f: file_imports(f, by_module))
        )

    def per_file(self, what: str, facts: FileFacts, compute: Callable[[FileFacts, Symbols], T]) -> T:
        return self.memo.looking_up(what, facts, self.symbols, compute)


class MemoSymbols(Symbols):
    """`Symbols` whose tables are merged from each file's memoised entries, in file order (a
    later file's entry wins, as when the tables are built in one pass)."""

    def __init__(self, files: tuple[FileFacts, ...], memo: FileMemo) -> None:
        super().__init__(files)
        self.memo = memo

    @cached_property
    def definitions(self) -> dict[str, tuple[Symbol, FileFacts]]:
        found: dict[str, tuple[Symbol, FileFacts]] = {}
        for facts in self.files:
            found.update(self.memo.of("definitions", facts, file_definitions))
        return found

    @cached_property
    def reexports(self) -> dict[str, str]:
        bound: dict[str, str] = {}
        for facts in self.files:
            bound.update(self.memo.of("reexports", facts, file_reexports))
        return with_star_reexports(self.files, self.modules, bound, self.definitions)


class MemoProjectLayerMap(ProjectLayerMap):
    """`ProjectLayerMap` whose per-file parts (table bases, `Depends()` providers) come from the memo."""

    def __init__(
        self, config: Config, modules: Mapping[str, FileFacts], symbols: Symbols, memo: FileMemo
    ) -> None:
        super().__init__(config, modules, symbols)
        self.memo = memo

    def per_file(self, what: str, facts: FileFacts, compute: Callable[[FileFacts, Symbols], T]) -> T:
        return self.memo.looking_up(what, facts, self.symbols, compute)

    def kind_of(self, symbol: Symbol, facts: FileFacts) -> str:
        # The kinds of all the file's module-level definitions at once, by identity: a layer
        # map asks for a few hundred of them, and each follows base classes across files.
        kind = self.per_file("kinds", facts, file_kinds).get(id(symbol))
        return kind if kind is not None else symbol_kind(symbol, facts, self.symbols)
