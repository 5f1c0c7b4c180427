"""LG104: a route handler takes a database session, so it does data access itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.endpoint_handlers import checked_route_handlers
from layerguard.checks.routes import ROUTE_CALLS, RouteHandler
from layerguard.checks.sessions import type_kind
from layerguard.model import (
    AssignmentFact,
    ClassFact,
    ExprFact,
    FileFacts,
    Finding,
    FunctionFact,
    ParamFact,
    RuleMeta,
    Severity,
)
from layerguard.presets import PRESET_LAYER_NAMES
from layerguard.symbols import MAX_HOPS

if TYPE_CHECKING:
    from layerguard.context import FileView


class EndpointSessionAccess(FileRule):
    meta = RuleMeta(
        code="LG104",
        name="endpoint-session-access",
        severity=Severity.ERROR,
        summary="A route handler takes a database session",
        layers=PRESET_LAYER_NAMES,
        calls=ROUTE_CALLS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        handlers = checked_route_handlers(facts, view)
        for handler in handlers:
            for param in handler.function.params:
                evidence = session_evidence(param, facts, view)
                if evidence is not None:
                    message = (
                        f"Route handler `{handler.function.name}` takes a database session "
                        f"(`{param.name}`: {evidence}): let a service own data access"
                    )
                    yield self.finding(facts, param.span, message)
        for view_class in _class_based_views(handlers, facts):
            yield from self._view_attributes(view_class, facts, view)

    def _view_attributes(self, view_class: ClassFact, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        """A class-based view (fastapi-utils' `@cbv(router)`) declares its dependencies as class
        attributes (`session: Session = Depends(get_db)`), which every route method reads as
        `self.session`: one finding per attribute, at the attribute."""
        for field in view_class.fields:
            if field.annotation is None:
                continue  # `x = Depends(get_db)` without annotation is no cbv dependency
            attribute = ParamFact(field.name, "regular", field.annotation, field.value, field.span)
            evidence = session_evidence(attribute, facts, view)
            if evidence is not None:
                message = (
                    f"Class-based view `{view_class.name}` takes a database session "
                    f"(`{field.name}`: {evidence}): let a service own data access"
                )
                yield self.finding(facts, field.span, message)


def _class_based_views(handlers: list[RouteHandler], facts: FileFacts) -> list[ClassFact]:
    """The classes some route handlers are methods of, in source order."""
    owners = {h.function.qualname.rpartition(".")[0] for h in handlers if h.function.class_name is not None}
    return [cls for cls in facts.classes if cls.qualname in owners]


def session_evidence(param: ParamFact, facts: FileFacts, view: FileView) -> str | None:
    """Why a parameter is a DB session (its type, or the provider it depends on), or None."""
    if param.annotation is not None:
        kind = type_kind(param.annotation, facts, view)
        if kind is not None:
            article = "an" if kind.value.startswith("A") else "a"
            return f"typed `{param.annotation.text}`, {article} {kind.value}"
    for provider in _providers(param, facts, view):
        evidence = provider_evidence(provider, facts, view)
        if evidence is not None:
            return evidence
    return None


def provider_evidence(provider: str, facts: FileFacts, view: FileView) -> str | None:
    """Why `Depends(provider)` gives a DB session (a configured session provider, or a project
    function declared to return one), or None."""
    name = provider.rpartition(".")[2]
    if name in view.config.session_providers:
        return f"`Depends({name})`, a session provider"
    if _provider_returns_session(provider, facts, view):
        return f"`Depends({name})`, which returns a session"
    return None


def _providers(param: ParamFact, facts: FileFacts, view: FileView) -> Iterator[str]:
    """Every `Depends(p)` provider of a parameter: in its default, in `Annotated[...]`, or in
    the value of the type alias it is annotated with (`DB = Annotated[X, Depends(get_db)]`)."""
    if param.default is not None:
        yield from (p for p in param.default.depends if p)
    annotation: ExprFact | None = param.annotation
    where = facts
    for _ in range(MAX_HOPS):
        if annotation is None:
            return
        yield from (p for p in annotation.depends if p)
        if annotation.kind != "name" or not annotation.qualified:
            return
        found = view.symbols.resolve(annotation.qualified, where)
        if found is None or not isinstance(found[0], AssignmentFact):
            return
        annotation, where = found[0].value, found[1]


def _provider_returns_session(provider: str, facts: FileFacts, view: FileView) -> bool:
    """A project function whose return annotation declares a session (`AsyncIterator[AsyncSession]`)."""
    found = view.symbols.resolve(provider, facts)
    if found is None or not isinstance(found[0], FunctionFact) or found[0].returns is None:
        return False
    return type_kind(found[0].returns, found[1], view) is not None
