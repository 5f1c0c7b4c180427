"""LG105: a route handler whose cyclomatic complexity says it holds business logic."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.endpoint_handlers import checked_route_handlers
from layerguard.checks.routes import ROUTE_CALLS
from layerguard.model import FileFacts, Finding, RuleMeta, Severity
from layerguard.presets import PRESET_LAYER_NAMES

if TYPE_CHECKING:
    from layerguard.context import FileView


class EndpointBusinessLogic(FileRule):
    meta = RuleMeta(
        code="LG105",
        name="endpoint-business-logic",
        severity=Severity.WARNING,
        summary="A route handler is more complex than `endpoint-max-complexity` allows",
        layers=PRESET_LAYER_NAMES,
        calls=ROUTE_CALLS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        limit = view.config.endpoint_max_complexity
        for handler in checked_route_handlers(facts, view):
            function = handler.function
            if function.complexity > limit:
                message = (
                    f"Route handler `{function.name}` has cyclomatic complexity {function.complexity} "
                    f"(max {limit}): move the branching into a service"
                )
                yield self.finding(facts, function.span, message)
