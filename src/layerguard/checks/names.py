"""Where a name used in one file really comes from, across the project's re-exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from layerguard.model import FileFacts

if TYPE_CHECKING:
    from layerguard.project import Project

MAX_HOPS = 8  # re-export chains longer than this are not followed (and cycles end)


def canonical_name(qualified: str, facts: FileFacts, project: Project) -> str:
    """A qualified name with the project's re-exports followed
    (`from app.db import AsyncSession` -> `sqlalchemy.ext.asyncio.AsyncSession`); an outside
    or unknown name comes back as written."""
    symbols = project.symbols
    if qualified in symbols.definitions:
        return qualified
    name = symbols.qualify(qualified, facts)
    for _ in range(MAX_HOPS):
        forwarded = symbols.reexports.get(name)
        if forwarded is None or forwarded == name:
            break
        name = forwarded
    if name in symbols.definitions or name != symbols.qualify(qualified, facts):
        return name
    return qualified
