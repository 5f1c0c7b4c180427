"""How one file's facts are pickled for the cache and between processes: the fields that only
file rules read are kept pickled apart, and unpickled when first read.

After one edit the CLI unpickles every other file's facts for the project rules (the import
graph, the symbol tables, route handlers, `Depends()` providers, envelopes) and the suppression
stage, none of which reads these fields; only the file rules do, and they run on the changed
files alone (the others' findings are replayed, `engine.FileFindingsMemo`). On prefect they are
17 % of the unpickling (0.08 of 0.45 s, bench/README.md, "Fourth pass"). A field read anyway
unpickles them: the deferral can cost time, never change an answer. The deferred bytes are
part of the entry they came in (a signed cache entry, or a worker's answer in this run), and the
cache key covers this module and the model, so they are as trusted as the rest of the facts.
"""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

from layerguard.model import FileFacts

# Read by file rules only: `bench/README.md` lists, per field, the readers met on an edit run.
DEFERRED_FIELDS = (
    "typing_subscripts",
    "raises",
    "dsn_strings",
    "unpacked",
    "key_reads",
    "opened",
    "yielded",
    "returns",
)
_FIELDS = tuple(field.name for field in dataclasses.fields(FileFacts))
_EAGER_FIELDS = tuple(name for name in _FIELDS if name not in DEFERRED_FIELDS)


def pickle_facts(facts: FileFacts) -> bytes:
    """One file's facts as the cache stores them (unpickled, a `DeferredFileFacts`)."""
    return pickle.dumps(_Split(facts), protocol=pickle.HIGHEST_PROTOCOL)


class _Split:
    """Pickles as a call of `_revive` with the eager fields' values and the others' pickle."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts

    def __reduce__(self) -> tuple[Any, ...]:
        facts = self.facts
        deferred = pickle.dumps(
            tuple(getattr(facts, name) for name in DEFERRED_FIELDS), protocol=pickle.HIGHEST_PROTOCOL
        )
        return _revive, (tuple(getattr(facts, name) for name in _EAGER_FIELDS), deferred)


def _revive(values: tuple[object, ...], deferred: bytes) -> DeferredFileFacts:
    facts = object.__new__(DeferredFileFacts)
    for name, value in zip(_EAGER_FIELDS, values, strict=True):
        object.__setattr__(facts, name, value)
    object.__setattr__(facts, "_deferred", deferred)
    return facts


class DeferredFileFacts(FileFacts):
    """`FileFacts` whose `DEFERRED_FIELDS` are unpickled on first read. Equal to the plain facts
    they were made from, and pickled as those."""

    _deferred: bytes | None = None

    def _load_deferred(self) -> None:
        deferred = self._deferred
        if deferred is None:
            return
        values = pickle.loads(deferred)
        for name, value in zip(DEFERRED_FIELDS, values, strict=True):
            object.__setattr__(self, name, value)
        # Not deleted: deleting an attribute makes CPython give up the instance's compact
        # attribute storage, and every later read slower.
        object.__setattr__(self, "_deferred", None)

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

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: DeferredFileFacts | None, owner: type | None = None) -> object:
        if instance is None:
            return self
        instance._load_deferred()
        return object.__getattribute__(instance, self.name)


for _name in DEFERRED_FIELDS:
    setattr(DeferredFileFacts, _name, _DeferredField(_name))
