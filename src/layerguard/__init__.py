"""layerguard: a static architecture validator for FastAPI + SQLAlchemy/SQLModel back ends.

`from layerguard import check` is the library entry point (`layerguard.api.check`); it is
imported on first use, so `import layerguard` stays cheap for the CLI and the flake8 plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from layerguard.version import __version__

if TYPE_CHECKING:
    from layerguard.api import check


def __getattr__(name: str) -> Any:
    if name == "check":
        from layerguard.api import check

        return check
    raise AttributeError(f"module 'layerguard' has no attribute {name!r}")


__all__ = ["__version__", "check"]
