"""LG906: a route handler parameter named `dependencies` holding `Depends(...)`.

`dependencies=[Depends(verify_token)]` belongs in the route decorator; written as a parameter of
the handler, FastAPI takes it for a request parameter with a default value and never runs the
dependencies in it, so the check it was meant to add silently does not happen.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.routes import ROUTE_CALLS, find_route_handlers
from layerguard.model import FileFacts, Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import FileView


class DependenciesParameter(FileRule):
    meta = RuleMeta(
        code="LG906",
        name="dependencies-parameter",
        severity=Severity.ERROR,
        summary="A route handler parameter named `dependencies` whose `Depends()` never runs",
        calls=ROUTE_CALLS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        for handler in find_route_handlers(facts, view.symbols):
            for param in handler.function.params:
                # Only a default holding `Depends`/`Security`: a query parameter that happens to
                # be called `dependencies` (a package's) is fine.
                if param.name == "dependencies" and param.default is not None and param.default.providers:
                    message = (
                        f"Route handler `{handler.function.name}` takes a parameter named `dependencies`: "
                        "FastAPI reads it as a request parameter and never runs the `Depends()` in its "
                        "default; pass `dependencies=[...]` to the route decorator instead"
                    )
                    yield self.finding(facts, param.span, message)
