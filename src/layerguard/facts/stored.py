"""How one file's facts are pickled for the cache and between processes: the large fields are
kept pickled apart, in groups, each unpickled when one of its fields is first read.

After one edit the CLI needs every other file's facts for the project tables and the
suppression stage, but most of them reads little of each: the file rules run on the changed
files alone (the others' findings are replayed, `engine.FileFindingsMemo`), and the project
tables' per-file parts are stored between runs (`incremental`), so an unchanged file's
functions, classes, calls and module-level assignments are read only where a rule looks one of
its names up. Those four fields are three quarters of the unpickling (prefect: 0.28 of 0.30 s,
bench/README.md, "Eighth pass"); each is a group of its own, so a lookup of a class does not
unpickle the file's calls. A field read anyway unpickles its group: the deferral can cost time,
never change an answer. The deferred bytes are part of the entry they came in (a signed cache
entry, or a worker's answer in this run), and the cache key covers this module and the model,
so they are as trusted as the rest of the facts.
"""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

from layerguard.known_paths import dumps
from layerguard.model import FileFacts

# Each group is pickled apart and unpickled on the first read of one of its fields.
# `bench/README.md` lists, per field, the readers met on an edit run.
DEFERRED_GROUPS: tuple[tuple[str, ...], ...] = (
    # Read by file rules only.
    ("typing_subscripts", "raises", "dsn_strings", "unpacked", "key_reads", "opened", "yielded", "returns"),
    # Read where a rule looks a name of the file up, or computes one of its stored parts again.
    ("functions",),
    ("classes",),
    ("calls",),
    ("assignments",),
)
DEFERRED_FIELDS = tuple(name for group in DEFERRED_GROUPS for name in group)
_FIELDS = tuple(field.name for field in dataclasses.fields(FileFacts))
_EAGER_FIELDS = tuple(name for name in _FIELDS if name not in DEFERRED_FIELDS)


def pickle_facts(facts: FileFacts) -> bytes:
    """One file's facts as the cache stores them (unpickled, a `DeferredFileFacts`)."""
    return dumps(_Split(facts))


class _Split:
    """Pickles as a call of `_revive` with the eager fields' values and the others' pickle."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts

    def __reduce__(self) -> tuple[Any, ...]:
        facts = self.facts
        deferred = tuple(dumps(tuple(getattr(facts, name) for name in group)) for group in DEFERRED_GROUPS)
        return _revive, (tuple(getattr(facts, name) for name in _EAGER_FIELDS), deferred)


def _revive(values: tuple[object, ...], deferred: tuple[bytes, ...]) -> DeferredFileFacts:
    facts = object.__new__(DeferredFileFacts)
    for name, value in zip(_EAGER_FIELDS, values, strict=True):
        object.__setattr__(facts, name, value)
    if len(deferred) != len(DEFERRED_GROUPS):
        raise ValueError("deferred groups of another layout")  # a miss for the cache, never a crash
    object.__setattr__(facts, "_deferred", deferred)
    return facts


class DeferredFileFacts(FileFacts):
    """`FileFacts` whose `DEFERRED_GROUPS` are unpickled on first read, a group at a time. Equal
    to the plain facts they were made from, and pickled as those."""

    # Per group, its pickle until it is unpickled, then None.
    _deferred: tuple[bytes | None, ...] = ()

    def _load_group(self, index: int) -> None:
        deferred = self._deferred
        pickled = deferred[index]
        if pickled is None:
            return
        values = pickle.loads(pickled)
        for name, value in zip(DEFERRED_GROUPS[index], values, strict=True):
            object.__setattr__(self, name, value)
        # Not deleted: deleting an attribute makes CPython give up the instance's compact
        # attribute storage, and every later read slower.
        object.__setattr__(self, "_deferred", (*deferred[:index], None, *deferred[index + 1 :]))

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _FIELDS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FileFacts):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _FIELDS)

    def __hash__(self) -> int:
        return hash(self._values())

    def __reduce__(self) -> tuple[Any, ...]:
        return FileFacts, self._values()


class _DeferredField:
    """A deferred field of `DeferredFileFacts`: read once, it is an ordinary attribute (an
    instance's own value comes before a descriptor without `__set__`)."""

    def __init__(self, name: str, group: int) -> None:
        self.name = name
        self.group = group

    def __get__(self, instance: DeferredFileFacts | None, owner: type | None = None) -> object:
        if instance is None:
            return self
        instance._load_group(self.group)
        return object.__getattribute__(instance, self.name)


for _index, _group in enumerate(DEFERRED_GROUPS):
    for _name in _group:
        setattr(DeferredFileFacts, _name, _DeferredField(_name, _index))
