"""What to parse: a file, its module name, and its bytes when the caller already has them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from layerguard.model import CallFilter


@dataclass(frozen=True)
class ParseJob:
    """One file to parse. `data` None: the worker reads the file itself. `calls`: the calls to
    record (None: every call)."""

    path: Path
    module: str
    is_package: bool
    data: bytes | None
    calls: CallFilter | None = None
