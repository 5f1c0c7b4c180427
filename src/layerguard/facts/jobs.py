"""What to parse: a file, its module name, and its bytes when the caller already has them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from layerguard.model import CallFilter


@dataclass(frozen=True)
class ParseJob:
    """One file to parse. `data` None: the worker reads the file itself. `refused`: the message
    of the LG001 finding the entry gets instead; it is never opened (see `project.FileFinder`).
    `calls`: the calls to record (None: every call)."""

    path: Path
    module: str
    is_package: bool
    data: bytes | None
    refused: str | None = None
    calls: CallFilter | None = None
