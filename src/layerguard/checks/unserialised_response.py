"""LG704 and LG705: a route handler whose response FastAPI does not serialise through a schema.

LG704 (on by default): the declared response type is an ORM table class or `Any`/`object`
(`Any` not on a handler that builds a `Response` or serialises a model itself).
LG705 (opt-in): no response type is declared at all, or it is a bare `dict`. On real apps a
handler without one often returns a `Response` a helper builds (langflow's event streams and
zip downloads: 6 of 20 sampled), which the facts cannot see; and a `-> dict` of
`{"status": "ok"}` is a finding many teams would not act on.

LG701's exemptions apply to both (websockets, 204, `response_class=`, `response_model=None`, a
`Response` returned), and a handler LG701 reports is left to it: one finding per handler.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from layerguard.checks.base import ProjectRule
from layerguard.checks.endpoint_handlers import in_endpoint_rules_scope
from layerguard.checks.response_envelope import envelope_problem, find_envelopes, is_exempt
from layerguard.checks.responses import (
    CONTAINERS,
    effective_response_model,
    is_response_class_name,
    referenced_class,
)
from layerguard.checks.routes import ROUTE_CALLS, RouteHandler, find_route_handlers
from layerguard.model import AssignmentFact, ExprFact, FileFacts, Finding, RuleMeta, Severity, Span
from layerguard.presets import PRESET_LAYER_NAMES
from layerguard.symbol_kinds import is_table_class
from layerguard.symbols import MAX_HOPS, Symbols

if TYPE_CHECKING:
    from layerguard.context import ProjectView

# A handler that builds one of these returns its own body (on some path at least): with no
# declared type, FastAPI passes the response through, so there is nothing to report.
RESPONSE_CALLS = frozenset(
    {
        "Response", "JSONResponse", "HTMLResponse", "PlainTextResponse", "RedirectResponse",
        "StreamingResponse", "FileResponse", "ORJSONResponse", "UJSONResponse", "EventSourceResponse",
        "TemplateResponse",
    }
)  # fmt: skip
# A handler that calls one of these turns a Pydantic model into plain data itself (zenml's
# `-> Any` handlers return `response.model_dump(mode="json", exclude=...)`, an exclude chosen per
# client): the body is serialised through a schema, by hand, so `Any` is not reported.
SERIALISING_CALLS = frozenset({"model_dump", "model_dump_json", "jsonable_encoder"})
ANYTHING = frozenset({"typing.Any", "typing_extensions.Any", "object"})
MAPPINGS = frozenset({"dict", "typing.Dict", "typing.Mapping", "collections.abc.Mapping"})


# What each rule reports, of the problems `response_problem` finds.
ORM, ANY, UNDECLARED, BARE_DICT = "orm", "any", "undeclared", "bare-dict"


class _ResponseRule(ProjectRule):
    problems: ClassVar[frozenset[str]]

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        envelopes = find_envelopes(project)
        for facts in project.checked_files:
            if not in_endpoint_rules_scope(facts, project):
                continue  # layer-bound (SPEC §1), as `checked_route_handlers`
            # Each file's problems are a part of it (kept between runs): after an edit, only the
            # files whose problems may have changed are read again.
            problems = project.per_file("response problems", facts, file_response_problems)
            handlers = find_route_handlers(facts, project.symbols) if problems and envelopes else []
            for index, name, span, kind, phrase in problems:
                if kind not in self.problems:
                    continue
                if envelopes and envelope_problem(handlers[index], facts, project, envelopes) is not None:
                    continue  # LG701 reports it
                message = f"Route handler `{name}` {phrase}: declare a Pydantic response model"
                yield self.finding(facts, span, message)


def file_response_problems(facts: FileFacts, symbols: Symbols) -> tuple[tuple[int, str, Span, str, str], ...]:
    """One file's part of LG704/LG705: for each route handler not exempt whose response FastAPI
    does not serialise through a schema, its position among the file's handlers, its name and
    place, and the problem (kind, phrase)."""
    found = []
    for index, handler in enumerate(find_route_handlers(facts, symbols)):
        if is_exempt(handler, facts, symbols):
            continue
        problem = response_problem(handler, facts, symbols)
        if problem is not None:
            found.append((index, handler.function.name, handler.function.span, *problem))
    return tuple(found)


class UnserialisedResponse(_ResponseRule):
    meta = RuleMeta(
        code="LG704",
        name="unserialised-response",
        severity=Severity.ERROR,
        summary="A route handler responds with an ORM class or `Any` instead of a response schema",
        layers=PRESET_LAYER_NAMES,
        calls=ROUTE_CALLS | RESPONSE_CALLS | SERIALISING_CALLS,
    )
    problems = frozenset({ORM, ANY})


class UndeclaredResponse(_ResponseRule):
    meta = RuleMeta(
        code="LG705",
        name="undeclared-response",
        severity=Severity.WARNING,
        summary="A route handler declares no response type, or a bare `dict`",
        layers=PRESET_LAYER_NAMES,
        calls=ROUTE_CALLS | RESPONSE_CALLS,
        # Opt-in: see the module docstring and the card (issue 15's audit).
        opt_in=True,
    )
    problems = frozenset({UNDECLARED, BARE_DICT})


def response_problem(handler: RouteHandler, facts: FileFacts, symbols: Symbols) -> tuple[str, str] | None:
    """What keeps FastAPI from serialising the handler's result through a schema, as (kind,
    phrase); None when nothing does."""
    model = effective_response_model(handler)
    if model is None:
        if builds_response(handler, facts, symbols):
            return None
        return UNDECLARED, "declares no response type (no `response_model=`, no return annotation)"
    if model.expression.kind == "none":
        return None
    spelled = " ".join(model.expression.text.split())
    for member, where in members(model.expression, facts, symbols):
        found = unserialised_member(member, where, symbols)
        if found is None:
            continue
        kind, what = found
        if kind == ANY and builds_response(handler, facts, symbols):
            return None  # `-> Any` on a handler that returns a template, redirect or file
        if kind == ANY and _serialises_by_hand(handler, facts):
            return None
        return kind, f"responds with `{spelled}` ({model.source}), {what}"
    return None


def members(
    expression: ExprFact, facts: FileFacts, symbols: Symbols, hops: int = MAX_HOPS
) -> Iterator[tuple[ExprFact, FileFacts]]:
    """The types a response is made of, with the file each is written in: itself, each member of
    a container or union, or those of the module-level alias it names (`UserRows = list[User]`)."""
    if hops <= 0:
        return
    container = expression.kind == "subscript" and expression.qualified in CONTAINERS
    if (container and not _is_mapping(expression, facts, symbols)) or expression.kind == "binop":
        for member in expression.args:
            yield from members(member, facts, symbols, hops - 1)
        return
    if expression.kind == "name" and expression.qualified:
        found = symbols.resolve(expression.qualified, facts)
        alias = found[0].value if found is not None and isinstance(found[0], AssignmentFact) else None
        if found is not None and alias is not None and alias.kind in ("subscript", "binop"):
            yield from members(alias, found[1], symbols, hops - 1)
            return
    yield expression, facts


def unserialised_member(member: ExprFact, facts: FileFacts, symbols: Symbols) -> tuple[str, str] | None:
    name = symbols.canonical_name(member.qualified, facts) if member.qualified else None
    if name in ANYTHING:
        return ANY, "which lets anything through"
    if _is_mapping(member, facts, symbols):
        values = member.args[1:] if member.kind == "subscript" else ()
        if not values or any(v.qualified in ANYTHING for v in values):
            return BARE_DICT, "a bare dict"
        return None
    found = referenced_class(member, facts, symbols)
    if found is not None and is_table_class(found[0], found[1], symbols):
        return ORM, f"the ORM class `{found[0].name}`, whose every column is sent"
    return None


def _is_mapping(expression: ExprFact, facts: FileFacts, symbols: Symbols) -> bool:
    if not expression.qualified or expression.kind not in ("name", "subscript"):
        return False
    return symbols.canonical_name(expression.qualified, facts) in MAPPINGS


def _serialises_by_hand(handler: RouteHandler, facts: FileFacts) -> bool:
    index = next(i for i, function in enumerate(facts.functions) if function is handler.function)
    return any(call.function == index and call.method in SERIALISING_CALLS for call in facts.calls)


def builds_response(handler: RouteHandler, facts: FileFacts, symbols: Symbols) -> bool:
    """The handler calls a Starlette `Response` class (or `templates.TemplateResponse`)."""
    index = next(i for i, function in enumerate(facts.functions) if function is handler.function)
    for call in facts.calls:
        if call.function != index or call.method not in RESPONSE_CALLS:
            continue
        qualified = call.call.qualified or ""
        if call.method == "TemplateResponse" or is_response_class_name(
            symbols.canonical_name(qualified, facts)
        ):
            return True
    return False
