"""LG804: a router defined in an endpoint module that the project never uses as a value, so no
`include_router`/`mount` can include it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import ProjectRule
from layerguard.checks.routes import router_assignments
from layerguard.model import AssignmentFact, ExprFact, FileFacts, Finding, RuleMeta, Severity
from layerguard.presets import ENDPOINT

if TYPE_CHECKING:
    from layerguard.context import ProjectView
    from layerguard.symbols import Symbols

RouterKey = tuple[str, str]  # (module, name) of the router's assignment
# Calls that show the project serves an app of its own: it makes one, or includes routers.
APP_CALLS = frozenset({"FastAPI", "include_router"})
# Calls that read an attribute by its name as a string (`getattr(module, "router")`).
LOOKUPS = frozenset({"getattr", "hasattr"})


class UnregisteredRouter(ProjectRule):
    meta = RuleMeta(
        code="LG804",
        name="unregistered-router",
        severity=Severity.ERROR,
        summary="A router defined in an endpoint module is never included in the app",
        layers=(ENDPOINT,),
        calls=LOOKUPS | APP_CALLS,
    )

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        used: tuple[set[RouterKey], set[str], set[str]] | None = None
        for facts in project.checked_files:
            if project.layers.layer_of(facts.module) != ENDPOINT:
                continue
            for assignment, made in router_assignments(facts, project.symbols):
                if made == "FastAPI":
                    continue  # an app is served, not included
                if used is None:
                    if not project.collected("makes an app or includes routers", _makes_app):
                        # A package of routers and no app (intentkit's core package, whose server
                        # is another distribution; the seed-39 audit): an exported router is no
                        # forgotten one.
                        return
                    used = used_as_values(project)
                assignments, modules, looked_up = used
                if (
                    (facts.module, assignment.name) not in assignments
                    and facts.module not in modules
                    and assignment.name not in looked_up
                ):
                    message = (
                        f"Router `{assignment.name}` is never passed to `include_router()` or `mount()`: "
                        "its routes are not served"
                    )
                    yield self.finding(facts, assignment.span, message)


def used_as_values(project: ProjectView) -> tuple[set[RouterKey], set[str], set[str]]:
    """The module-level assignments and the modules that some file uses as a value
    (`value_names`): by name, alias, re-export or module attribute, also through an attribute
    (`users.router.routes`). A module used as a value (`for m in (users, orders):
    app.include_router(m.router)`) stands for every router it defines. And the names some file
    reads with `getattr(x, "router")`, or tests on a variable with `hasattr(x, "router")`: every
    router of that name may be the one read (galaxy's
    `include_all_package_routers` walks its controllers package and includes each module's
    `router`, the seed-34 audit; txtai's `apirouters()` each member module's of its api package
    that `hasattr(module, "router")`, the seed-40 audit).

    Precision first: passing a router anywhere — to `include_router` or `mount`, to a wrapper or
    factory of the project or outside it, into a list or dict, returning it — may include it,
    so only a router that is never used as a value is reported."""
    assignments: set[RouterKey] = set()
    modules: set[str] = set()
    looked_up: set[str] = set()
    for _, used in project.collected("used as values", _used_as_values):
        assert used is not None  # `collected` gives the files whose part is not empty
        assignments.update(used[0])
        modules.update(used[1])
        looked_up.update(used[2])
    return assignments, modules, looked_up


def _used_as_values(
    facts: FileFacts, symbols: Symbols
) -> tuple[list[RouterKey], list[str], list[str]] | None:
    """One file's part of `used_as_values`; None when the file uses none (`collected` skips it)."""
    assignments: list[RouterKey] = []
    modules: list[str] = []
    looked_up = [name for call in facts.calls if (name := _looked_up(call.call))]
    for name in facts.value_names:
        parts = name.split(".")
        if _record(parts, facts, symbols, assignments, modules):
            continue
        # keephq (issue 13, the seed-33 audit): `keep/` has no `__init__.py`, so its modules are
        # `api.routes.alerts` while its imports say `keep.api.routes.alerts`: a name that names
        # nothing is tried from its first part that is a top-level name of the project.
        start = next((i for i in range(1, len(parts)) if symbols.is_top_level(parts[i])), None)
        if start is not None:
            _record(parts[start:], None, symbols, assignments, modules)
    return (assignments, modules, looked_up) if assignments or modules or looked_up else None


def _looked_up(call: ExprFact) -> str | None:
    """The name `getattr(x, "name")` reads, or `hasattr(x, "name")` tests on a variable (txtai's
    loop over the members of its api package), not on an attribute (`hasattr(request.app,
    "router")` in a middleware asks about the app's own router)."""
    if call.qualified not in LOOKUPS or len(call.args) < 2:
        return None
    receiver, name = call.args[0], call.args[1]
    if name.kind != "string" or not isinstance(name.value, str):
        return None
    if call.qualified == "hasattr" and (receiver.kind != "name" or "." in receiver.text):
        return None
    return name.value


def _record(
    parts: list[str],
    facts: FileFacts | None,
    symbols: Symbols,
    assignments: list[RouterKey],
    modules: list[str],
) -> bool:
    """Record what the longest prefix of `parts` that names something names (an assignment, or a
    module); whether one did. With `facts`, a bare first part is looked up in that file."""
    for length in range(len(parts), 0, -1):
        prefix = ".".join(parts[:length])
        found = symbols.resolve(prefix, facts)
        if found is not None:
            if isinstance(found[0], AssignmentFact):
                assignments.append((found[1].module, found[0].name))
            return True
        if symbols.has_module(prefix):
            modules.append(prefix)
            return True
    return False


def _makes_app(facts: FileFacts, symbols: Symbols) -> bool:
    """The file calls `FastAPI(...)` or `include_router(...)`, or makes a module-level app under
    another name (`FastAPI as Api`, a subclass of it)."""
    if any(call.method in APP_CALLS for call in facts.calls):
        return True
    return any(made == "FastAPI" for _, made in router_assignments(facts, symbols))
