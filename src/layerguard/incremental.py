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
after the edit (`ProjectView.per_file` says what a part may read); an index of the names each
part looked up finds them, so that this costs what the edit changed, not the project's size. A
file added or removed changes the module names and the first segments that make a name
absolute: everything is dropped. After a typical edit, only the edited file's parts and those
that looked up one of its names are computed again; everything that is not a per-file part
(the layer of each module, import chains, inherited fields asked for by checked files) is
computed again.

A CLI run starts with nothing in memory: it keeps the parts between processes in the cache
(`FileMemo.stored_state`, `FileMemo.resume`), by each file's entry key. Stored parts refer to
facts by file and position, never by value (`_pickled_by_reference`): a part holding a class of another
file gets that very object back, or, when that file changed since, is not reused at all. Each
file's parts are stored apart, keyed by a digest of their bytes, with a small index naming them:
a run gives back the bytes of the parts it kept as it read them, so after one edit only the
parts computed again are new and the cache writes only those and the index beside the parts
file (`cache.FactsCache.store_project_parts`).
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress
from operator import is_not
from pathlib import Path
from typing import TypeVar, cast

from layerguard.context import GlobAnswers, ProjectLayerMap, ProjectView
from layerguard.graph import ImportEdge, file_imports, module_files
from layerguard.model import AssignmentFact, ClassFact, Config, FileFacts, FunctionFact, ImportFact
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
# Parts never stored: a file's definitions are its facts' own objects, made when one of its
# names is looked up (`_Definitions`); which names it defines is the stored part `defined`.
_PROCESS_ONLY = frozenset({"definitions"})
# The fields of `FileFacts` whose items stored parts refer to by position: what the parts hold
# of the facts. Resolving a reference reads the field (`facts.stored` unpickles its group).
_REFERENCED_FIELDS = ("classes", "functions", "assignments", "imports")
_REFERENCED_ITEMS = (ClassFact, FunctionFact, AssignmentFact, ImportFact)


@dataclass(frozen=True)
class _Looked:
    """A part computed with the symbol tables, and every name it looked up in them."""

    value: object
    names: frozenset[str]


@dataclass
class _Collection:
    """`FileMemo.collected` for one part: each file's part that is not empty, by path; the paths
    whose part may have changed since; the parts in file order, until one changes."""

    parts: dict[Path, tuple[FileFacts, object]]
    stale: set[Path] = field(default_factory=set)
    ordered: list[tuple[FileFacts, object]] | None = None


class FileMemo:
    """Each file's parts of the project tables, by the identity of the facts they came from. An
    entry holds its facts, so their id cannot be reused while it lives."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[FileFacts, dict[str, object]]] = {}
        self._files: dict[Path, FileFacts] = {}  # the files of the last view
        self._order: tuple[FileFacts, ...] = ()  # and in its order
        self._modules: frozenset[str] = frozenset()
        # Parts stored by an earlier process, still valid, not yet unpickled: by path.
        self._pending: dict[Path, StoredParts] = {}
        # Parts unpickled and not changed since: stored again as they were read.
        self._unchanged: dict[Path, StoredParts] = {}
        # Each file's facts and entry key by path as text: what stored parts refer to.
        self._referable: dict[str, tuple[FileFacts, bytes]] = {}
        # So that `start` costs what an edit changed, not the project's size (50 ms an edit at
        # 10,000 files when it asked every file and part): which parts looked up each name (by
        # entry key and part), and which files of `_files` import `*` from each module. Both are
        # made by the first `start` that needs them and from then on kept up to date, also
        # through `_clear`: a CLI run starts once, with nothing changed, and never pays for them.
        self._lookers: dict[str, set[tuple[int, str]]] | None = None
        self._star_importers: dict[str, set[Path]] | None = None
        # Entries made since the last `start`: with those of the files it sees changed, the
        # only ones that may hold facts no longer current.
        self._new_keys: set[int] = set()
        # The symbol tables of the last view, for the next (`_SymbolTables.advanced`).
        self._tables: _SymbolTables | None = None
        # The tables few files add to, by part (`collected`), and each file's position.
        self._collections: dict[str, _Collection] = {}
        self._positions: dict[Path, int] | None = None

    def symbol_tables(self, files: tuple[FileFacts, ...]) -> _SymbolTables:
        """Which file defines each name, and the re-exports, for `files`."""
        tables = self._tables.advanced(files, self) if self._tables is not None else None
        self._tables = tables if tables is not None else _SymbolTables(files, self)
        return self._tables

    def collected(self, what: str, part_of: Callable[[FileFacts], T]) -> list[tuple[FileFacts, T]]:
        """Each file of the current view whose part `what` (`part_of`, kept by `of` or
        `looking_up`) is not empty, with that part, in file order. Kept between checks: after an
        edit, only the files whose part may have changed are asked again (the changed files,
        those whose part looked up a name they define), not every file of the project (the
        language server at 10,000 files: ~6 ms a table, at every edit)."""
        collection = self._collections.get(what)
        if collection is None:
            found: list[tuple[FileFacts, object]] = [
                (facts, part) for facts in self._order if (part := part_of(facts))
            ]
            collection = _Collection({facts.path: (facts, part) for facts, part in found}, ordered=found)
            self._collections[what] = collection
        elif collection.stale:
            for path in collection.stale:
                facts = self._files.get(path)
                if facts is not None and (part := part_of(facts)):
                    collection.parts[path] = (facts, part)
                else:
                    collection.parts.pop(path, None)
            collection.stale.clear()
            collection.ordered = None
        if collection.ordered is None:
            positions = self._file_positions()
            collection.ordered = sorted(collection.parts.values(), key=lambda item: positions[item[0].path])
        return cast("list[tuple[FileFacts, T]]", collection.ordered)

    def _file_positions(self) -> dict[Path, int]:
        if self._positions is None:
            self._positions = {facts.path: position for position, facts in enumerate(self._order)}
        return self._positions

    def of(self, what: str, facts: FileFacts, compute: Callable[[FileFacts], T]) -> T:
        """`compute(facts)`, which reads those facts alone."""
        results = self._results(facts)
        if what not in results:
            results[what] = compute(facts)
            if what not in _PROCESS_ONLY:
                self._unchanged.pop(facts.path, None)
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
            self._unchanged.pop(facts.path, None)
            if self._lookers is not None:
                self._index((id(facts), what), found.names)
        return cast("T", found.value)

    def _results(self, facts: FileFacts) -> dict[str, object]:
        key = id(facts)
        entry = self._entries.get(key)
        if entry is None or entry[0] is not facts:
            if entry is not None:
                self._drop_entry(key)
            entry = self._entries[key] = (facts, self._stored_results(facts))
            self._new_keys.add(key)
            if self._lookers is not None:
                self._index_entry(key, entry[1])
        return entry[1]

    def _stored_results(self, facts: FileFacts) -> dict[str, object]:
        """The file's parts stored by an earlier process, if still valid; else none."""
        stored = self._pending.pop(facts.path, None)
        if stored is None or self._files.get(facts.path) is not facts:
            return {}
        try:
            results = _unpickled_by_reference(stored.pickled, self._referable)
        except Exception:  # a reference to a file that changed, or damaged bytes: computed again
            return {}
        if not isinstance(results, dict):
            return {}
        self._unchanged[facts.path] = stored
        return results

    def start(self, files: Iterable[FileFacts]) -> None:
        """A check of `files` begins: drop what no longer holds since the last one."""
        files = tuple(files)
        current, modules, replaced = self._compared(files)
        if modules != self._modules:
            if self._star_importers is not None:
                changed_paths = replaced if replaced is not None else _changed_paths(self._files, current)
                self._follow_star_imports(changed_paths, current)
            self._clear()
        else:
            changed: set[str] = set()
            changed_files: list[FileFacts] = []
            changed_paths = replaced if replaced is not None else _changed_paths(self._files, current)
            for path in changed_paths:
                for facts in (self._files.get(path), current.get(path)):
                    if facts is not None:
                        changed_files.append(facts)
                        changed.update(self.of("defined", facts, defined_names))
                        changed.update(self.of("reexports", facts, file_reexports))
            if changed_files:
                # Stored parts were checked against the entry keys `resume` had: start over.
                self._pending.clear()
                self._unchanged.clear()
                if self._touches_a_star_import(changed_paths, changed_files, current):
                    self._clear()  # what `import *` binds comes from another file: rare, start over
            self._drop_dead_entries(changed_paths, current)
            if changed:
                self._drop_parts_that_looked_up(changed)
            if replaced is None:  # files added or removed: positions moved
                self._collections.clear()
                self._positions = None
            for collection in self._collections.values():
                collection.stale.update(changed_paths)
        self._new_keys.clear()
        self._files = current
        self._order = files
        self._modules = modules

    def _compared(
        self, files: tuple[FileFacts, ...]
    ) -> tuple[dict[Path, FileFacts], frozenset[str], list[Path] | None]:
        """`files` by path, their modules, and the paths whose facts were replaced since the last
        view (None: not known). After an edit they are the last view's in the same order, a few
        replaced: compared position by position, in C (by path, 7 ms at 10,000 files)."""
        last = self._order
        if len(files) == len(last) == len(self._files):  # and the last had each path once
            replaced = list(compress(range(len(files)), map(is_not, files, last)))
            if all(files[i].path == last[i].path for i in replaced):
                current = self._files.copy()
                current.update((files[i].path, files[i]) for i in replaced)
                if all(files[i].module == last[i].module for i in replaced):
                    modules = self._modules
                else:
                    modules = frozenset(facts.module for facts in files)
                return current, modules, [files[i].path for i in replaced]
        current = {facts.path: facts for facts in files}
        return current, frozenset(facts.module for facts in current.values()), None

    def _touches_a_star_import(
        self, changed_paths: Sequence[Path], changed: Sequence[FileFacts], current: Mapping[Path, FileFacts]
    ) -> bool:
        """A changed file imports `*`, before or after the change, or some file imports `*`
        from a changed module."""
        importers = self._follow_star_imports(changed_paths, current)
        return any(self._star_sources(facts) for facts in changed) or any(
            facts.module in importers for facts in changed
        )

    def _follow_star_imports(
        self, changed_paths: Sequence[Path], current: Mapping[Path, FileFacts]
    ) -> dict[str, set[Path]]:
        """`_star_importers`, made (the first edit asks every file once) or brought up to date
        with `current`, whose files differ from `_files` at `changed_paths`."""
        importers = self._star_importers
        if importers is None:
            importers = self._star_importers = {}
            for facts in current.values():
                for module in self._star_sources(facts):
                    importers.setdefault(module, set()).add(facts.path)
            return importers
        for path in changed_paths:
            old, new = self._files.get(path), current.get(path)
            for module in self._star_sources(old) if old is not None else ():
                rows = importers[module]
                rows.discard(path)
                if not rows:
                    del importers[module]
            for module in self._star_sources(new) if new is not None else ():
                importers.setdefault(module, set()).add(path)
        return importers

    def _star_sources(self, facts: FileFacts) -> list[str]:
        return self.of("star-sources", facts, star_sources)

    def _drop_dead_entries(self, changed_paths: Iterable[Path], current: Mapping[Path, FileFacts]) -> None:
        """Drop the entries of facts not in `current`: the old facts of the changed files, or
        facts first seen since the last `start` (every other entry was current then)."""
        keys = self._new_keys | {id(self._files[path]) for path in changed_paths if path in self._files}
        for key in keys:
            entry = self._entries.get(key)
            if entry is not None and current.get(entry[0].path) is not entry[0]:
                self._drop_entry(key)

    def _drop_parts_that_looked_up(self, names: set[str]) -> None:
        """Drop every part that looked up one of `names`: found by `_lookers`, made here by the
        first edit (from every entry's parts) and from then on kept as parts come and go."""
        lookers = self._lookers
        if lookers is None:
            lookers = self._lookers = {}
            for key, (_, results) in self._entries.items():
                self._index_entry(key, results)
        stale = set().union(*(lookers.get(name, ()) for name in names))
        for key, what in stale:
            facts, results = self._entries[key]
            found = results.pop(what)
            self._unindex((key, what), cast("_Looked", found).names)
            collection = self._collections.get(what)
            if collection is not None:
                collection.stale.add(facts.path)

    def _index(self, part: tuple[int, str], names: Iterable[str]) -> None:
        lookers = cast("dict[str, set[tuple[int, str]]]", self._lookers)
        for name in names:
            rows = lookers.get(name)
            if rows is None:
                lookers[name] = {part}
            else:
                rows.add(part)

    def _index_entry(self, key: int, results: dict[str, object]) -> None:
        for what, found in results.items():
            if isinstance(found, _Looked):
                self._index((key, what), found.names)

    def _unindex(self, part: tuple[int, str], names: Iterable[str]) -> None:
        if self._lookers is None:
            return
        for name in names:
            rows = self._lookers[name]
            rows.discard(part)
            if not rows:
                del self._lookers[name]

    def _drop_entry(self, key: int) -> None:
        """Drop an entry and its rows in `_lookers`: they must not keep its key alive."""
        _, results = self._entries.pop(key)
        if self._lookers is not None:
            for what, found in results.items():
                if isinstance(found, _Looked):
                    self._unindex((key, what), found.names)

    def _clear(self) -> None:
        self._entries.clear()
        self._collections.clear()
        self._positions = None
        if self._lookers is not None:  # edits come: kept up to date as the parts are made again
            self._lookers = {}
        self._new_keys.clear()
        self._pending.clear()
        self._unchanged.clear()

    # --- Between processes: the parts stored in the cache by the last CLI run. ---

    def resume(self, files: Sequence[FileFacts], keys: Mapping[Path, bytes], state: object) -> None:
        """Begin with the parts an earlier process stored (`stored_state`) that still hold for
        `files`, with the same invalidation as `start`: a file whose entry key changed loses its
        parts, and so does every file whose parts looked up a name it defines or re-exports,
        before or after the change; a file added or removed, or a star import touched, loses all.
        `state` comes from the signed cache; anything but the expected shape is ignored."""
        current = {facts.path: facts for facts in files}
        self._clear()
        self._lookers = None
        self._star_importers = None
        self._pending = {}
        self._unchanged = {}
        self._files = current
        self._order = tuple(files)
        self._modules = frozenset(facts.module for facts in files)
        self._referable = {str(path): (facts, keys[path]) for path, facts in current.items() if path in keys}
        stored = _stored_state(state)
        ordered = _in_path_order(current)
        if (
            stored is None
            or stored.modules != _digest(self._modules)
            or stored.paths != _digest(str(path) for path, _ in ordered)
            or len(stored.keys) != len(ordered)
        ):
            return
        changed: set[str] = set()
        changed_modules: set[str] = set()
        unchanged: dict[Path, StoredParts] = {}
        for (path, facts), old_key, entry in zip(ordered, stored.keys, stored.parts, strict=True):
            key = keys.get(path)
            before = _stored_parts(entry, stored.entries.get(entry))
            if key is None:
                return  # an unreadable file: its parts are not worth the care
            if key == old_key:
                if before is not None:
                    unchanged[path] = before
                continue
            if before is None or before.stars or star_sources(facts):
                return  # the old file's names are unknown, or `import *` is involved: start over
            changed.update(before.names, _defined_names(self, facts))
            changed_modules.add(facts.module)
        if any(not changed_modules.isdisjoint(parts.stars) for parts in unchanged.values()):
            return
        self._pending = {path: parts for path, parts in unchanged.items() if changed.isdisjoint(parts.looked)}

    def stored_state(
        self, keys: Mapping[Path, bytes]
    ) -> tuple[tuple[object, ...], dict[bytes, bytes]] | None:
        """What `resume` takes in the next process: an index (digests of the module names and
        of the paths; in path order, each file's entry key and the key of its parts' entry) and
        the entries, each file's parts pickled by reference with the names they looked up and
        the names the file defines, keyed by a digest of their bytes (`StoredParts`).
        Parts resumed and still valid are the bytes read, neither pickled nor digested again:
        after one edit, only the parts computed again are new. None when a file has no key."""
        if any(keys.get(path) is None for path in self._files):
            return None
        references = _References(self._files, keys)
        ordered = _in_path_order(self._files)
        parts_keys: list[bytes] = []
        entries: dict[bytes, bytes] = {}
        for path, facts in ordered:
            kept = self._unchanged.get(path) or self._pending.get(path)
            entry = self._entries.get(id(facts))
            if kept is not None and (entry is None or entry[0] is not facts or path in self._unchanged):
                parts_keys.append(kept.key)
                entries[kept.key] = kept.entry
                continue
            results = entry[1] if entry is not None and entry[0] is facts else {}
            storable = {what: found for what, found in results.items() if what not in _PROCESS_ONLY}
            looked = frozenset(
                name for found in storable.values() if isinstance(found, _Looked) for name in found.names
            )
            references.expect(facts, looked)
            try:
                pickled = _pickled_by_reference(storable, references)
            except Exception:  # a part that cannot be pickled is computed again next time
                parts_keys.append(b"")  # no entry
                continue
            parts = StoredParts.made(_defined_names(self, facts), tuple(star_sources(facts)), looked, pickled)
            parts_keys.append(parts.key)
            entries[parts.key] = parts.entry
        index = (
            _STATE_VERSION,
            _digest(self._modules),
            _digest(str(path) for path, _ in ordered),
            tuple(keys[path] for path, _ in ordered),
            tuple(parts_keys),
        )
        return index, entries


# 3: each file's parts with the places of the facts they hold listed apart (2: each place in
# the pickle; 1: the whole state as one pickle).
_STATE_VERSION = 3
# A parts entry's key: a digest of its bytes, never the length of a `rules_key` (20 bytes),
# which keys the index in the same cache file.
_PARTS_KEY_SIZE = 16


@dataclass(frozen=True)
class StoredParts:
    """One file's stored parts: the names it defines or re-exports, the modules it imports `*`
    from, every name its parts looked up, and the parts pickled by reference; `entry`: all
    four pickled, as the cache holds them, under `key`, a digest of `entry`."""

    names: frozenset[str]
    stars: tuple[str, ...]
    looked: frozenset[str]
    pickled: bytes
    key: bytes
    entry: bytes

    @classmethod
    def made(
        cls, names: frozenset[str], stars: tuple[str, ...], looked: frozenset[str], pickled: bytes
    ) -> StoredParts:
        entry = pickle.dumps((names, stars, looked, pickled), protocol=pickle.HIGHEST_PROTOCOL)
        key = hashlib.blake2b(entry, digest_size=_PARTS_KEY_SIZE).digest()
        return cls(names, stars, looked, pickled, key, entry)


@dataclass(frozen=True)
class _State:
    modules: bytes  # `_digest` of the module names
    paths: bytes  # `_digest` of the paths
    keys: tuple[bytes, ...]  # in path order: each file's entry key
    parts: tuple[bytes, ...]  # and the key of its parts in `entries`
    entries: Mapping[bytes, object]


def _in_path_order(files: Mapping[Path, FileFacts]) -> list[tuple[Path, FileFacts]]:
    return sorted(files.items(), key=lambda item: str(item[0]))


def _digest(names: Iterable[str]) -> bytes:
    """Of a set of module names or paths: the index names them by digest (they are most of its
    size, and it is written at every edit)."""
    text = "\0".join(sorted(names))
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).digest()


def _stored_state(state: object) -> _State | None:
    """`state` as `FileMemo.stored_state` made it (the cache's entries alongside), or None if
    it has any other shape. The entries are checked as `resume` reads them (`_stored_parts`)."""
    if not (isinstance(state, tuple) and len(state) == 2 and isinstance(state[1], Mapping)):
        return None
    index, entries = state
    if not (isinstance(index, tuple) and len(index) == 5 and index[0] == _STATE_VERSION):
        return None
    _, modules, paths, keys, parts = index
    if not (isinstance(modules, bytes) and isinstance(paths, bytes)):
        return None
    if not (isinstance(keys, tuple) and isinstance(parts, tuple) and len(keys) == len(parts)):
        return None
    if not all(isinstance(key, bytes) for key in (*keys, *parts)):
        return None
    return _State(modules, paths, keys, parts, entries)


def _stored_parts(key: bytes, entry: object) -> StoredParts | None:
    """One file's parts as the cache holds them, or None if missing or of any other shape."""
    if not isinstance(entry, bytes):
        return None
    try:
        parts = pickle.loads(entry)
    except Exception:
        return None
    if not (isinstance(parts, tuple) and len(parts) == 4):
        return None
    names, stars, looked, pickled = parts
    if not (
        isinstance(names, frozenset)
        and isinstance(stars, tuple)
        and isinstance(looked, frozenset)
        and isinstance(pickled, bytes)
    ):
        return None
    return StoredParts(names, stars, looked, pickled, key, entry)


def _defined_names(memo: FileMemo, facts: FileFacts) -> frozenset[str]:
    """The absolute names a file defines or re-exports: what its change may change for others."""
    return frozenset(memo.of("defined", facts, defined_names)) | frozenset(
        memo.of("reexports", facts, file_reexports)
    )


Reference = tuple[str, str, bytes, str, int]


class _References:
    """Where each fact of this run is, for another process: (what, path, entry key, field,
    position). Every file's items are many (10,000 files: ~250,000, 0.12–0.16 s to map) and an
    edit pickles a few files' parts, so a file's items are mapped when parts that may hold them
    are about to be pickled (`expect`); a fact of any other file makes every file's be mapped
    (pickled by value, it would come back as a copy, not as the next run's object)."""

    def __init__(self, files: Mapping[Path, FileFacts], keys: Mapping[Path, bytes]) -> None:
        self.files = files
        self.keys = keys
        self.by_module = module_files(files.values())
        self.found: dict[int, Reference] = {
            id(facts): ("facts", str(path), keys[path], "", 0) for path, facts in files.items()
        }
        self.mapped: set[Path] = set()
        self.complete = False

    def expect(self, facts: FileFacts, names: Iterable[str]) -> None:
        """Parts of `facts` that looked up `names` are next: map that file's items and those of
        the modules the names are in (a definition's file)."""
        self._map(facts)
        for name in names:
            module = name
            while module and module not in self.by_module:
                module = module.rpartition(".")[0]
            if module:
                self._map(self.by_module[module])

    def get(self, obj: object) -> Reference | None:
        found = self.found.get(id(obj))
        if found is None and not self.complete and isinstance(obj, _REFERENCED_ITEMS):
            self.complete = True
            for facts in self.files.values():
                self._map(facts)
            found = self.found.get(id(obj))
        return found

    def _map(self, facts: FileFacts) -> None:
        if facts.path in self.mapped:
            return
        self.mapped.add(facts.path)
        path, key = str(facts.path), self.keys[facts.path]
        for name in _REFERENCED_FIELDS:
            for position, item in enumerate(getattr(facts, name)):
                self.found[id(item)] = ("item", path, key, name, position)


class _PartsPickler(pickle.Pickler):
    """Pickles parts with every fact they hold replaced by where it is (`_References`): the
    facts are in the cache already, and the next process must get the very same objects. Each
    distinct place is numbered in `places`, and the pickle names its number."""

    def __init__(self, file: io.BytesIO, references: _References) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.references = references
        self.places: dict[Reference, int] = {}

    def persistent_id(self, obj: object) -> int | None:
        place = self.references.get(obj)
        if place is None:
            return None
        return self.places.setdefault(place, len(self.places))


def _pickled_by_reference(parts: dict[str, object], references: _References) -> bytes:
    """The places the parts refer to, in their numbers' order, and the parts pickled."""
    buffer = io.BytesIO()
    pickler = _PartsPickler(buffer, references)
    pickler.dump(parts)
    return pickle.dumps((tuple(pickler.places), buffer.getvalue()), protocol=pickle.HIGHEST_PROTOCOL)


class _StaleReference(Exception):
    """A stored part refers to facts this run does not have (the file changed, or is gone)."""


def _unpickled_by_reference(pickled: bytes, referable: Mapping[str, tuple[FileFacts, bytes]]) -> object:
    """Parts pickled by `_pickled_by_reference`, each place resolved to this run's facts of the
    same content first, all in one loop: resolved one by one as the unpickler meets them, a
    call from C into Python each, they cost twice as much (10,000 files: ~250,000 places)."""
    places, body = pickle.loads(pickled)
    resolved: list[object] = []
    append = resolved.append
    for what, path, key, name, position in places:
        facts, current_key = referable.get(path, _NOWHERE)
        if current_key != key:
            raise _StaleReference(path)
        if what == "facts":
            append(facts)
        elif what == "item" and name in _REFERENCED_FIELDS:
            append(getattr(facts, name)[position])
        else:
            raise _StaleReference(what)
    unpickler = _PlacesUnpickler(io.BytesIO(body))
    # A number out of range, or not a number, fails the load.
    unpickler.persistent_load = resolved.__getitem__  # type: ignore[method-assign]
    return unpickler.load()


class _PlacesUnpickler(pickle.Unpickler):
    """An unpickler whose `persistent_load` an instance may set: Python 3.13's C `Unpickler`
    has a read-only one (a subclass instance's own attribute comes first on every version)."""


_NOWHERE: tuple[None, bytes] = (None, b"")


def _changed_paths(old: Mapping[Path, FileFacts], new: Mapping[Path, FileFacts]) -> list[Path]:
    """The paths whose facts are not the same object in `old` and `new` (added or removed too)."""
    changed = [path for path, facts in new.items() if old.get(path) is not facts]
    if len(new) - len(changed) + sum(1 for path in changed if path in old) != len(old):
        changed.extend(path for path in old if path not in new)
    return changed


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
        return MemoProjectLayerMap(
            self.config, self.by_module, self.symbols, self.memo, self.glob_layers.glob_answers
        )

    @cached_property
    def edges(self) -> tuple[ImportEdge, ...]:
        return tuple(edge for facts in self.files for edge in self.edges_of(facts))

    def edges_of(self, facts: FileFacts) -> tuple[ImportEdge, ...]:
        # A file's edges read the module names too: `start` drops everything when they change.
        return self.memo.of("edges", facts, self._file_imports)

    def _file_imports(self, facts: FileFacts) -> tuple[ImportEdge, ...]:
        return file_imports(facts, self.by_module)

    def per_file(self, what: str, facts: FileFacts, compute: Callable[[FileFacts, Symbols], T]) -> T:
        return self.memo.looking_up(what, facts, self.symbols, compute)

    def collected(self, what: str, compute: Callable[[FileFacts, Symbols], T]) -> list[tuple[FileFacts, T]]:
        return self.memo.collected(what, lambda facts: self.per_file(what, facts, compute))


class MemoSymbols(Symbols):
    """`Symbols` whose tables are merged from each file's memoised entries, in file order (a
    later file's entry wins, as when the tables are built in one pass)."""

    def __init__(self, files: tuple[FileFacts, ...], memo: FileMemo) -> None:
        super().__init__(files)
        self.memo = memo

    @cached_property
    def tables(self) -> _SymbolTables:
        return self.memo.symbol_tables(self.files)

    @cached_property
    def definitions(self) -> Mapping[str, tuple[Symbol, FileFacts]]:
        return _Definitions(self.tables.owners, self.memo)

    def definition_file(self, name: str) -> FileFacts | None:
        return self.tables.owners.get(name)

    @cached_property
    def reexports(self) -> dict[str, str]:
        tables = self.tables
        if tables.reexports is None:
            tables.reexports = with_star_reexports(
                self.files, self.modules, tables.bound, tables.owners, lambda facts: tables.stars[facts.path]
            )
        return tables.reexports


# More files changed at once than this (a branch switched): the symbol tables are merged anew,
# which then costs about what applying each file's change would.
_TABLES_EDITED_AT_MOST = 16


class _SymbolTables:
    """Which file defines each name and what each re-exported name is bound to, as merged for
    one list of files from their parts, kept for the next list: after an edit they change
    where the edited files' parts do, instead of every file's parts being merged again (the
    language server at 10,000 files: ~25 ms a table, at every edit). `reexports` (with what
    star imports bind) is made when first asked."""

    def __init__(self, files: tuple[FileFacts, ...], memo: FileMemo) -> None:
        self.files = files
        self.defined = [memo.of("defined", facts, defined_names) for facts in files]
        self.reexported = [memo.of("reexports", facts, file_reexports) for facts in files]
        self.stars = {facts.path: memo.of("star-sources", facts, star_sources) for facts in files}
        self.star_modules = frozenset(module for sources in self.stars.values() for module in sources)
        modules = Counter(facts.module for facts in files)
        self.shared_modules = frozenset(module for module, count in modules.items() if count > 1)
        self.owners: dict[str, FileFacts] = {}
        self.bound: dict[str, str] = {}
        for facts, names, reexported in zip(files, self.defined, self.reexported, strict=True):
            self.owners.update(dict.fromkeys(names, facts))  # a later file's definition wins
            self.bound.update(reexported)
        self.reexports: dict[str, str] | None = None

    def advanced(self, files: tuple[FileFacts, ...], memo: FileMemo) -> _SymbolTables | None:
        """These tables for `files`, the same list but for a few files edited; None when they
        must be merged anew: files added, removed or moved, a star import involved, a file's
        re-exports changed, or the names of a module that a stub and its source both define."""
        if len(files) != len(self.files):
            return None
        edited = [i for i, (old, new) in enumerate(zip(self.files, files, strict=True)) if old is not new]
        if not edited:
            return self
        if len(edited) > _TABLES_EDITED_AT_MOST:
            return None
        owners = dict(self.owners)
        defined = list(self.defined)
        for i in edited:
            old, new = self.files[i], files[i]
            if old.path != new.path or old.module != new.module:
                return None
            if (
                self.stars[old.path]
                or memo.of("star-sources", new, star_sources)
                or old.module in self.star_modules
            ):
                return None  # what `import *` binds comes from another file
            if memo.of("reexports", new, file_reexports) != self.reexported[i]:
                return None
            names = memo.of("defined", new, defined_names)
            if names != self.defined[i]:
                if old.module in self.shared_modules:
                    return None  # a stub beside its module defines the same names: file order decides
                for name in set(self.defined[i]).difference(names):
                    del owners[name]
            # A name is its module's: no other file defines it, but a stub beside the module.
            for name in names:
                if owners.get(name, old) is old:
                    owners[name] = new
            defined[i] = names
        tables = object.__new__(_SymbolTables)
        tables.files = files
        tables.defined = defined
        tables.reexported = self.reexported
        tables.stars = self.stars
        tables.star_modules = self.star_modules
        tables.shared_modules = self.shared_modules
        tables.owners = owners
        tables.bound = self.bound
        tables.reexports = self.reexports  # no star import involves an edited file
        return tables


class _Definitions(Mapping[str, tuple[Symbol, FileFacts]]):
    """`Symbols.definitions` from the file defining each name (`_SymbolTables.owners`, merged
    from each file's stored part "defined"), so that a file's definitions are made from its
    facts only when one of its names is looked up: after one edit most files' functions,
    classes and assignments then stay pickled (`facts.stored`)."""

    def __init__(self, owners: Mapping[str, FileFacts], memo: FileMemo) -> None:
        self._memo = memo
        self._owners = owners

    def __getitem__(self, name: str) -> tuple[Symbol, FileFacts]:
        return self._memo.of("definitions", self._owners[name], file_definitions)[name]

    def get(self, name: str, default: object = None) -> tuple[Symbol, FileFacts] | None:  # type: ignore[override]
        facts = self._owners.get(name)
        if facts is None:
            return cast("tuple[Symbol, FileFacts] | None", default)
        return self._memo.of("definitions", facts, file_definitions)[name]

    def __contains__(self, name: object) -> bool:
        return name in self._owners

    def __iter__(self) -> Iterator[str]:
        return iter(self._owners)

    def __len__(self) -> int:
        return len(self._owners)


def defined_names(facts: FileFacts) -> tuple[str, ...]:
    """The names `file_definitions` gives for the file, in its order: a part of its own, stored
    between runs, so that `_Definitions` knows which file defines what without its facts."""
    return tuple(file_definitions(facts))


class MemoProjectLayerMap(ProjectLayerMap):
    """`ProjectLayerMap` whose per-file parts (table bases, `Depends()` providers) come from the memo."""

    def __init__(
        self,
        config: Config,
        modules: Mapping[str, FileFacts],
        symbols: Symbols,
        memo: FileMemo,
        glob_answers: GlobAnswers | None = None,
    ) -> None:
        super().__init__(config, modules, symbols, glob_answers)
        self.memo = memo

    def per_file(self, what: str, facts: FileFacts, compute: Callable[[FileFacts, Symbols], T]) -> T:
        return self.memo.looking_up(what, facts, self.symbols, compute)

    def collected(self, what: str, compute: Callable[[FileFacts, Symbols], T]) -> list[tuple[FileFacts, T]]:
        # The memo's collection covers every file: a stub and its source share one module, of
        # which `modules` keeps one.
        every_file = self.memo.collected(what, lambda facts: self.per_file(what, facts, compute))
        return [(facts, part) for facts, part in every_file if self.modules.get(facts.module) is facts]

    def _globs(self, module: str) -> tuple[str | None, bool]:
        # The globs' answer for a project module is a part of its file: after an edit, the
        # layer map matches no glob again (10,000 modules: ~50 ms a check).
        facts = self.modules.get(module)
        if facts is None:
            return super()._globs(module)
        return self.memo.of("globs", facts, self._module_globs)

    def _module_globs(self, facts: FileFacts) -> tuple[str | None, bool]:
        return super()._globs(facts.module)
