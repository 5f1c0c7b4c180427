"""The route handlers the endpoint rules (LG104, LG105) look at."""

from __future__ import annotations

from typing import TYPE_CHECKING

from layerguard.checks.routes import RouteHandler, find_route_handlers
from layerguard.model import FileFacts
from layerguard.presets import PRESET_LAYER_NAMES

if TYPE_CHECKING:
    from layerguard.context import FileView, ProjectView
    from layerguard.symbols import Symbols


def checked_route_handlers(facts: FileFacts, view: FileView) -> list[RouteHandler]:
    """Route handlers in a module of a preset layer or of none: the endpoint rules are
    layer-bound (SPEC §1), so modules of custom layers are left to the graph rules."""
    if not in_endpoint_rules_scope(facts, view):
        return []
    return find_route_handlers(facts, view.symbols)


def in_endpoint_rules_scope(facts: FileFacts, view: FileView | ProjectView) -> bool:
    """The module is in a preset layer or in none, where the endpoint rules look."""
    layer = view.layers.layer_of(facts.module)
    return layer is None or layer in PRESET_LAYER_NAMES


def project_route_handlers(facts: FileFacts, project: ProjectView) -> list[RouteHandler]:
    """`checked_route_handlers` for a project rule, which asks it of every file: whether a file
    has any is a part of its own (`ProjectView.per_file`, kept between runs), so after an edit
    only the files with handlers are read again, not every file's functions and calls."""
    if not project.per_file("has route handlers", facts, _has_route_handlers):
        return []
    return checked_route_handlers(facts, project.file_view)


def _has_route_handlers(facts: FileFacts, symbols: Symbols) -> bool:
    return bool(find_route_handlers(facts, symbols))
