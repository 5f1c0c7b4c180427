"""The route handlers the endpoint rules (LG104, LG105) look at."""

from __future__ import annotations

from typing import TYPE_CHECKING

from layerguard.checks.routes import RouteHandler, find_route_handlers
from layerguard.model import FileFacts
from layerguard.presets import PRESET_LAYER_NAMES

if TYPE_CHECKING:
    from layerguard.context import FileView


def checked_route_handlers(facts: FileFacts, view: FileView) -> list[RouteHandler]:
    """Route handlers in a module of a preset layer or of none: the endpoint rules are
    layer-bound (SPEC §1), so modules of custom layers are left to the graph rules."""
    layer = view.layers.layer_of(facts.module)
    if layer is not None and layer not in PRESET_LAYER_NAMES:
        return []
    return find_route_handlers(facts, view.symbols)
