"""Paths pickled as their text and unpickled as the `Path` object this process already made for
that file, instead of a new one parsed from its parts.

Pickle rebuilds a `Path` by calling its class with its parts: on Python 3.11 that parses the
path again, ~16 µs each. After one edit on the 10,000-file tree, a CLI run unpickled ~17,000 of
them (each file's facts, each file's stored findings: 0.27 s), all paths that discovery had
just made. Discovery's paths are registered here (`known`), and every pickle layerguard writes
of facts or findings names `revived` with the text instead (`dumps`), which returns the
registered object (a new one, registered, for a path not met yet). Equal either way: only the
cost differs, and an interned path's cached hash makes the dict lookups keyed by it cheaper.
"""

from __future__ import annotations

import copyreg
import io
import pickle
from pathlib import Path
from typing import Any

from layerguard.model import FACT_REDUCERS

# Every path registered or revived in this process. Never emptied: it holds one entry per
# project file met (a language server sees renames add a few).
_KNOWN: dict[str, Path] = {}


def known(path: Path) -> Path:
    """Register `path` as the object to revive for its text (the latest registered wins: a
    new Workspace discovers its files again); `path`."""
    _KNOWN[str(path)] = path
    return path


def revived(text: str) -> Path:
    """The registered path with this text, else a new one (registered)."""
    found = _KNOWN.get(text)
    if found is None:
        found = _KNOWN[text] = Path(text)
    return found


def _reduce(path: Path) -> tuple[Any, ...]:
    return revived, (str(path),)


# Only concrete paths of this platform's kind are revived by text: a pure path, or one of the
# other flavour, keeps its own pickling. Facts pickle as their own `__reduce__` makes them, found
# here without the lookup of `__reduce_ex__` on each.
_TABLE = copyreg.dispatch_table.copy()
_TABLE[type(Path())] = _reduce
_TABLE.update(FACT_REDUCERS)


def dumps(value: object) -> bytes:
    """`pickle.dumps(value)` at the highest protocol, with paths pickled by text (`revived`)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _TABLE
    pickler.dump(value)
    return buffer.getvalue()
