"""LG701: a route handler whose response model is not the project's response envelope."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from layerguard.checks.base import ProjectRule
from layerguard.checks.endpoint_handlers import project_route_handlers
from layerguard.checks.responses import (
    effective_response_model,
    fields_with_inherited,
    is_response_subclass,
    referenced_class,
)
from layerguard.checks.routes import ROUTE_CALLS, RouteHandler, registration_keyword
from layerguard.model import ClassFact, ExprFact, FileFacts, Finding, RuleMeta, Severity
from layerguard.presets import PRESET_LAYER_NAMES

if TYPE_CHECKING:
    from layerguard.context import ProjectView
    from layerguard.symbols import Symbols

NO_CONTENT = frozenset(
    {
        "fastapi.status.HTTP_204_NO_CONTENT",
        "starlette.status.HTTP_204_NO_CONTENT",
        "http.HTTPStatus.NO_CONTENT",
    }
)

ClassKey = tuple[str, str]  # (module, qualname)


class ResponseEnvelope(ProjectRule):
    meta = RuleMeta(
        code="LG701",
        name="response-envelope",
        severity=Severity.ERROR,
        summary="A route handler does not respond with the response envelope",
        layers=PRESET_LAYER_NAMES,
        calls=ROUTE_CALLS,
    )

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        envelopes = find_envelopes(project)
        if not envelopes:
            return  # no envelope to hold handlers to: see the card
        example = envelope_spelling(min(envelopes.values(), key=lambda cls: cls.name))
        for facts in project.checked_files:
            # Layer-bound (SPEC §1): route handlers anywhere but in custom layers.
            for handler in project_route_handlers(facts, project):
                problem = envelope_problem(handler, facts, project, envelopes)
                if problem is not None:
                    name = handler.function.name
                    message = f"Route handler `{name}` {problem}: respond with `{example}`"
                    yield self.finding(facts, handler.function.span, message)


def find_envelopes(project: ProjectView) -> dict[ClassKey, ClassFact]:
    """Every project class with all the `envelope-fields`, its own or inherited: found once per
    view (LG701 and LG705 both ask)."""
    return project.once(_find_envelopes)


def _find_envelopes(project: ProjectView) -> dict[ClassKey, ClassFact]:
    wanted = frozenset(project.config.envelope_fields)
    own = partial(_file_envelopes, wanted)
    what = f"envelopes {sorted(wanted)}"
    found: dict[ClassKey, ClassFact] = {}
    for _, envelopes in project.collected(what, own):
        found.update(envelopes)  # in file order: a later file's class wins, as before
    return found


def _file_envelopes(wanted: frozenset[str], facts: FileFacts, symbols: Symbols) -> dict[ClassKey, ClassFact]:
    """One file's part of `find_envelopes`."""
    return {
        (facts.module, cls.qualname): cls
        for cls in facts.classes
        if len(list(fields_with_inherited(cls, facts, symbols, wanted))) == len(wanted)
    }


def envelope_spelling(cls: ClassFact) -> str:
    """`Envelope[...]` for a generic envelope, `Envelope` otherwise."""
    generic = any(base.kind == "subscript" for base in cls.bases)
    return f"{cls.name}[...]" if generic else cls.name


def envelope_problem(
    handler: RouteHandler, facts: FileFacts, project: ProjectView, envelopes: dict[ClassKey, ClassFact]
) -> str | None:
    """Why the handler does not respond with the envelope; None when it does or is exempt."""
    if is_exempt(handler, facts, project.symbols):
        return None
    model = effective_response_model(handler)
    if model is None:
        return "declares no response model"
    if model.expression.kind == "none":
        return None  # `response_model=None`: the handler opted out of a model
    found = referenced_class(model.expression, facts, project.symbols)
    if found is not None and (found[1].module, found[0].qualname) in envelopes:
        return None
    spelled = " ".join(model.expression.text.split())  # one line, even for a wrapped union
    return f"responds with `{spelled}` ({model.source}), not the envelope"


def is_exempt(handler: RouteHandler, facts: FileFacts, symbols: Symbols) -> bool:
    """Websockets, 204 No Content, an explicit `response_class=`, or a `Response` returned."""
    if handler.method == "websocket" or registration_keyword(handler, "response_class") is not None:
        return True
    status = registration_keyword(handler, "status_code")
    if status is not None and is_no_content(status):
        return True
    returns = handler.function.returns
    return returns is not None and is_response_subclass(returns, facts, symbols)


def is_no_content(status: ExprFact) -> bool:
    if status.kind == "number":
        return status.value == 204
    return status.qualified in NO_CONTENT
