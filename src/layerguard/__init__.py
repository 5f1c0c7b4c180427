"""layerguard: a static architecture validator for FastAPI + SQLAlchemy/SQLModel back ends."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("layerguard")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

if TYPE_CHECKING:
    from layerguard.model import Report


def check(*args: Any, **kwargs: Any) -> Report:
    """Check paths and return a `Report`; see `layerguard.api.check`."""
    from layerguard.api import check as run

    return run(*args, **kwargs)


__all__ = ["__version__", "check"]
