"""What a Workspace keeps between checks so that one edit does not redo the whole project's work.

The project rules read every file's facts, so after an edit they run again over the whole
project (their findings may change anywhere: SPEC §4's "a partial run gives the same answer").
What they build first from each file alone — its import edges, its entries in the symbol
tables, the `Depends()` providers it names — only changes when that file's facts do. A
`FileMemo` keeps those per-file parts by the identity of the facts they came from (facts are
immutable, and a file's facts are a new object whenever its content changes), and a
`MemoProjectView` assembles the project-wide tables from them in file order, exactly as
`ProjectView` computes them from scratch: after one edit, only the edited file's parts are
computed again.

Only parts that read one file's facts and nothing else are kept here; anything that resolves
names across files is recomputed on every check (it may change when any file does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar, cast

from layerguard.context import ProjectLayerMap, ProjectView, depends_named
from layerguard.graph import ImportEdge, file_imports
from layerguard.model import Config, FileFacts
from layerguard.symbols import Symbol, Symbols, file_definitions, file_reexports

T = TypeVar("T")


class FileMemo:
    """Results computed from one file's facts alone, by the identity of those facts. An entry
    holds its facts, so their id cannot be reused while it lives; `keep_only` drops the entries
    of facts no longer in the project."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[FileFacts, dict[str, object]]] = {}
        # The module names the `edges` entries were resolved against: an import's target
        # depends on which modules the project has, so a file added or removed drops them.
        self.edge_modules: frozenset[str] = frozenset()

    def of(self, what: str, facts: FileFacts, compute: Callable[[FileFacts], T]) -> T:
        entry = self._entries.get(id(facts))
        if entry is None or entry[0] is not facts:
            entry = self._entries[id(facts)] = (facts, {})
        results = entry[1]
        if what not in results:
            results[what] = compute(facts)
        return cast("T", results[what])

    def forget(self, what: str) -> None:
        for _, results in self._entries.values():
            results.pop(what, None)

    def keep_only(self, files: Iterable[FileFacts]) -> None:
        live = {id(facts) for facts in files}
        for key in [key for key in self._entries if key not in live]:
            del self._entries[key]


@dataclass
class MemoProjectView(ProjectView):
    """A `ProjectView` whose per-file parts come from `memo` (computed once per file content)."""

    memo: FileMemo = field(default_factory=FileMemo)

    def __post_init__(self) -> None:
        self.memo.keep_only(self.files)

    @cached_property
    def symbols(self) -> Symbols:
        return MemoSymbols(self.files, self.memo)

    @cached_property
    def layers(self) -> ProjectLayerMap:
        return MemoProjectLayerMap(self.config, self.by_module, self.symbols, self.memo)

    @cached_property
    def edges(self) -> tuple[ImportEdge, ...]:
        modules = frozenset(self.by_module)
        if modules != self.memo.edge_modules:
            self.memo.forget("edges")
            self.memo.edge_modules = modules
        by_module = self.by_module
        return tuple(
            edge
            for facts in self.files
            for edge in self.memo.of("edges", facts, lambda f: file_imports(f, by_module))
        )


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
        return bound


class MemoProjectLayerMap(ProjectLayerMap):
    """`ProjectLayerMap` reading each file's `Depends()` providers from the memo."""

    def __init__(
        self, config: Config, modules: Mapping[str, FileFacts], symbols: Symbols, memo: FileMemo
    ) -> None:
        super().__init__(config, modules, symbols)
        self.memo = memo

    def depends_named(self, facts: FileFacts) -> tuple[str, ...]:
        return self.memo.of("depends", facts, depends_named)
