"""layerguard: a static architecture validator for FastAPI + SQLAlchemy/SQLModel back ends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from layerguard.model import Report


def check(*args: Any, **kwargs: Any) -> Report:
    """Check paths and return a `Report`; see `layerguard.api.check`."""
    from layerguard.api import check as run

    return run(*args, **kwargs)


__all__ = ["__version__", "check"]
