"""LG301: a route handler defined with `def`, which FastAPI runs in its thread pool."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.endpoint_handlers import checked_route_handlers
from layerguard.checks.routes import ROUTE_CALLS
from layerguard.model import UNSAFE, Edit, FileFacts, Finding, Fix, FunctionFact, RuleMeta, Severity
from layerguard.presets import PRESET_LAYER_NAMES

if TYPE_CHECKING:
    from layerguard.context import FileView


class SyncRouteHandler(FileRule):
    meta = RuleMeta(
        code="LG301",
        name="sync-route-handler",
        severity=Severity.ERROR,
        summary="A route handler is `def`, not `async def`",
        layers=PRESET_LAYER_NAMES,
        calls=ROUTE_CALLS,
        fixable=True,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        for handler in checked_route_handlers(facts, view):
            function = handler.function
            if not function.is_async:
                message = f"Route handler `{function.name}` is `def`: make it `async def`"
                yield self.finding(facts, function.span, message, make_async(function))


def make_async(function: FunctionFact) -> Fix:
    """`def` -> `async def`. Unsafe: the body now runs on the event loop, where a blocking call
    (a sync session, `requests`, `time.sleep`) stalls every request, and a direct caller of the
    handler gets a coroutine instead of its result."""
    span = function.span
    edit = Edit("async ", span.line, span.column, span.line, span.column)
    return Fix("Make the handler `async def`", (edit,), UNSAFE)
