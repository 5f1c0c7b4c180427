"""LG804: a router defined in an endpoint module that no `include_router`/`mount` includes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import ProjectRule
from layerguard.checks.routes import router_assignments
from layerguard.model import AssignmentFact, CallFact, ExprFact, FileFacts, Finding, RuleMeta, Severity
from layerguard.presets import ENDPOINT
from layerguard.symbols import MAX_HOPS

if TYPE_CHECKING:
    from layerguard.context import ProjectView

APP_FACTORIES = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI"})
# Calls that serve a router: its keyword and position (None: every positional argument).
INCLUDING_METHODS: dict[str, tuple[str | None, int | None]] = {
    "include_router": ("router", 0),
    "mount": ("app", 1),
    "generate_and_include_versioned_routers": (None, None),  # cadwyn's versioned include_router
}

RouterKey = tuple[str, str]  # (module, name) of the router's assignment


class UnregisteredRouter(ProjectRule):
    meta = RuleMeta(
        code="LG804",
        name="unregistered-router",
        severity=Severity.ERROR,
        summary="A router defined in an endpoint module is never included in the app",
        layers=(ENDPOINT,),
        calls=frozenset(INCLUDING_METHODS),
    )

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        included: set[RouterKey] | None = None
        for facts in project.files:
            if not project.is_checked(facts) or project.layers.layer_of(facts.module) != ENDPOINT:
                continue
            for assignment in router_assignments(facts):
                if assignment.value is None or assignment.value.qualified in APP_FACTORIES:
                    continue  # a FastAPI() app is served, not included
                if included is None:
                    included = included_routers(project)
                if (facts.module, assignment.name) not in included:
                    message = (
                        f"Router `{assignment.name}` is never passed to `include_router()` or `mount()`: "
                        "its routes are not served"
                    )
                    yield self.finding(facts, assignment.span, message)


def included_routers(project: ProjectView) -> set[RouterKey]:
    """Every module-level assignment that an `include_router(...)`/`mount(...)` call anywhere
    in the project passes: by name, alias, module attribute, or inside an iterated list."""
    included: set[RouterKey] = set()
    for facts in project.files:
        for call in facts.calls:
            for argument in _included_arguments(call):
                included.update(_assignments_named(argument, facts, project, MAX_HOPS))
    return included


def _included_arguments(call: CallFact) -> tuple[ExprFact, ...]:
    if call.method not in INCLUDING_METHODS:
        return ()
    keyword, position = INCLUDING_METHODS[call.method]
    if position is None:
        return call.call.args
    given = dict(call.call.keywords).get(keyword) if keyword else None
    if given is not None:
        return (given,)
    return call.call.args[position : position + 1]


def _assignments_named(
    expr: ExprFact, facts: FileFacts, project: ProjectView, hops: int
) -> Iterator[RouterKey]:
    """The module-level assignments an expression stands for, following local values, list and
    tuple elements, and module-level aliases."""
    if hops <= 0:
        return
    if expr.kind in ("list", "tuple"):
        for element in expr.args:
            yield from _assignments_named(element, facts, project, hops - 1)
        return
    if expr.kind != "name":
        return
    if expr.assigned is not None:
        yield from _assignments_named(expr.assigned, facts, project, hops - 1)
        return
    found = project.symbols.resolve(expr.qualified or expr.text, facts)
    if found is None:
        return
    assignment, where = found
    if not isinstance(assignment, AssignmentFact):
        return
    yield (where.module, assignment.name)
    if assignment.value is not None and assignment.value.kind in ("name", "list", "tuple"):
        yield from _assignments_named(assignment.value, where, project, hops - 1)
