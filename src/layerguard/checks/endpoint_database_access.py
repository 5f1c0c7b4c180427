"""LG107: an endpoint reaches the database by a way other than a session parameter (LG104's).

Three ways, each judged from declared types and definitions only (never a variable's name):

- a route handler opens a session or connection itself: `async with SessionLocal() as s`,
  `db = SessionLocal()`, `Session(engine)`, `async with engine.begin() as conn`, where the
  callee is a session class, a sessionmaker, an engine made by `create_engine`/
  `create_async_engine` (or declared `Engine`/`AsyncEngine`), or a project function or method
  that gives a session: declared to return one, or yielding what one of those made;
- a route, its router or its app lists a session provider in `dependencies=[Depends(get_db)]`
  (a provider as LG104 knows them): the route runs with a session it cannot see, so its code
  reaches the database through a global or a context variable;
- an endpoint module imports a sessionmaker or an engine (`from app.db.session import
  SessionLocal`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.auth_dependencies import dependency_marker
from layerguard.checks.base import FileRule
from layerguard.checks.endpoint_handlers import checked_route_handlers
from layerguard.checks.endpoint_session_access import provider_evidence
from layerguard.checks.routes import ROUTE_CALLS, registration_keyword, router_assignments
from layerguard.checks.sessions import SessionKind, sessionmaker_kind, type_kind, value_kind
from layerguard.graph import absolute_module
from layerguard.model import (
    AssignmentFact,
    ClassFact,
    ExprFact,
    FileFacts,
    Finding,
    FunctionFact,
    OpenedFact,
    RuleMeta,
    Severity,
)
from layerguard.presets import PRESET_LAYER_NAMES
from layerguard.symbols import MAX_HOPS

if TYPE_CHECKING:
    from layerguard.context import FileView

ENGINE_FACTORIES = frozenset(
    {
        "sqlalchemy.create_engine",
        "sqlalchemy.engine.create_engine",
        "sqlmodel.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.ext.asyncio.engine.create_async_engine",
    }
)
ENGINE_CLASSES = frozenset(
    {
        "sqlalchemy.Engine",
        "sqlalchemy.engine.Engine",
        "sqlalchemy.engine.base.Engine",
        "sqlalchemy.ext.asyncio.AsyncEngine",
        "sqlalchemy.ext.asyncio.engine.AsyncEngine",
    }
)
# What opens a connection on an engine: `engine.connect()`, `engine.begin()`.
ENGINE_OPENERS = frozenset({"connect", "begin", "raw_connection"})
ENDPOINT_LAYER = "endpoint"


class EndpointDatabaseAccess(FileRule):
    meta = RuleMeta(
        code="LG107",
        name="endpoint-database-access",
        severity=Severity.ERROR,
        summary="An endpoint opens a database session or connection, or imports a sessionmaker or engine",
        layers=PRESET_LAYER_NAMES,
        calls=ROUTE_CALLS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        handlers = checked_route_handlers(facts, view)
        handler_names = {facts.functions.index(h.function): h.function.name for h in handlers}
        for opened in facts.opened:
            name = handler_names.get(opened.function)
            if name is None:
                continue
            what = opened_database(opened, facts, view)
            if what is not None:
                message = f"Route handler `{name}` opens a database {what}: let a service own data access"
                yield self.finding(facts, opened.call.span, message)
        for handler in handlers:
            listed = registration_keyword(handler, "dependencies")
            where = f"Route `{handler.function.name}`"
            yield from self._dependencies(listed, handler.registration, where, facts, view)
        if handlers or view.layers.layer_of(facts.module) == ENDPOINT_LAYER:
            for assignment, kind in router_assignments(facts, view.symbols):
                if assignment.value is not None:
                    value = dict(assignment.value.keywords).get("dependencies")
                    where = f"Every route of {kind} `{assignment.name}`"
                    yield from self._dependencies(value, assignment.value, where, facts, view)
        if view.layers.layer_of(facts.module) == ENDPOINT_LAYER:
            yield from self._imports(facts, view)

    def _dependencies(
        self, value: ExprFact | None, holder: ExprFact, where: str, facts: FileFacts, view: FileView
    ) -> Iterator[Finding]:
        """A session provider listed in `dependencies=[...]`, reported at its `Depends(...)`."""
        if value is None or value.kind not in ("list", "tuple"):
            return
        written = [element for element in value.args if dependency_marker(element, facts, view.symbols)]
        if len(written) != len(holder.providers):
            return  # a marker elsewhere in the call: providers and elements cannot be paired
        for element, provider in zip(written, holder.providers, strict=True):
            if not provider or provider == "?":
                continue
            evidence = provider_evidence(provider, facts, view)
            if evidence is not None:
                message = (
                    f"{where} runs with a database session ({evidence}, in `dependencies=`): "
                    "its code then reaches the database without a service; let a service own data access"
                )
                yield self.finding(facts, element.span, message)

    def _imports(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        for fact in facts.imports:
            if fact.name is None or fact.name == "*" or fact.type_checking:
                continue  # a module, a star, or a name only type checkers import
            module = absolute_module(facts, fact)
            if module is None:
                continue
            found = view.symbols.resolve(f"{module}.{fact.name}", facts)
            if found is None or not isinstance(found[0], AssignmentFact):
                continue
            what = _factory_kind(found[0], found[1], view)
            if what is not None:
                message = (
                    f"Endpoint module imports `{fact.name}`, {what}, from `{module}`: "
                    "let a service own data access"
                )
                yield self.finding(facts, fact.span, message)


def opened_database(opened: OpenedFact, facts: FileFacts, view: FileView) -> str | None:
    """What a call opens, for the message ("session (`SessionLocal()` makes an AsyncSession)",
    "connection (`engine.begin()` on an engine)"), or None when it is not known to open either."""
    call = opened.call
    kind = _made_kind(call, opened.receiver_class, None, facts, view)
    if kind is not None:
        article = "an" if kind.value.startswith("A") else "a"
        return f"session (`{_callee(call)}()` makes {article} {kind.value})"
    receiver, _, method = (call.qualified or "").rpartition(".")
    if method in ENGINE_OPENERS and receiver and _is_engine_name(receiver, facts, view):
        return f"connection (`{_callee(call)}()` on an engine)"
    return None


def _made_kind(
    call: ExprFact,
    receiver_class: str | None,
    caller: FunctionFact | None,
    facts: FileFacts,
    view: FileView,
    hops: int = MAX_HOPS,
) -> SessionKind | None:
    """The session kind a call of a project function or method gives, from its return annotation
    or, without one, from what it yields (`async with SessionLocal() as s: yield s`). The
    function is a module-level one the callee names, a method of the class `x` is declared as
    in `x.m()`, or for `self.m()` a method of the caller's own class."""
    if hops <= 0:
        return None
    kind = value_kind(call, facts, view)
    if kind is not None:
        return kind
    found = _called_function(call, receiver_class, caller, facts, view)
    if found is None:
        return None
    function, index, where = found
    if function.returns is not None:
        return type_kind(function.returns, where, view)
    for yielded in where.yielded:
        if yielded.function == index:
            kind = _made_kind(yielded.made_by, None, function, where, view, hops - 1)
            if kind is not None:
                return kind
    return None


def _called_function(
    call: ExprFact,
    receiver_class: str | None,
    caller: FunctionFact | None,
    facts: FileFacts,
    view: FileView,
) -> tuple[FunctionFact, int, FileFacts] | None:
    """The project function or method a call runs, with its index in its file's functions."""
    callee = call.qualified or ""
    receiver, _, method = callee.rpartition(".")
    if receiver == "self" and caller is not None and caller.class_name is not None:
        owner = caller.qualname.rpartition(".")[0]
        cls = next((c for c in facts.classes if c.qualname == owner), None)
        return _method(cls, facts, method, view) if cls is not None else None
    if receiver_class is not None:
        found_class = view.symbols.resolve_class(receiver_class, facts)
        return _method(*found_class, method, view) if found_class is not None else None
    found = view.symbols.resolve(callee, facts) if callee else None
    if found is None or not isinstance(found[0], FunctionFact):
        return None
    function, where = found[0], found[1]
    return function, where.functions.index(function), where


def _method(
    cls: ClassFact, facts: FileFacts, name: str, view: FileView
) -> tuple[FunctionFact, int, FileFacts] | None:
    """The method `name` of a project class or of its nearest project base class that has one."""
    classes: list[tuple[ClassFact, FileFacts] | str] = [(cls, facts), *view.symbols.ancestors(cls, facts)]
    for candidate in classes:
        if isinstance(candidate, str):
            continue
        owner, where = candidate
        qualname = f"{owner.qualname}.{name}"
        for index, function in enumerate(where.functions):
            if function.qualname == qualname:
                return function, index, where
    return None


def _callee(call: ExprFact) -> str:
    return call.text.split("(", 1)[0].strip()


def _is_engine_name(name: str, facts: FileFacts, view: FileView) -> bool:
    """A module-level name bound to `create_engine(...)`/`create_async_engine(...)`, or declared
    `Engine`/`AsyncEngine`, here or in the module it is imported from."""
    found = view.symbols.resolve(name, facts)
    if found is None or not isinstance(found[0], AssignmentFact):
        return False
    return _factory_kind(found[0], found[1], view) == "an engine"


def _factory_kind(assignment: AssignmentFact, where: FileFacts, view: FileView) -> str | None:
    """ "a sessionmaker" or "an engine" for a module-level name that holds one, else None."""
    for _ in range(MAX_HOPS):
        annotation, value = assignment.annotation, assignment.value
        if annotation is not None and annotation.qualified:
            declared = view.symbols.canonical_name(annotation.qualified, where)
            if declared in ENGINE_CLASSES:
                return "an engine"
        if value is None:
            return None
        if value.kind == "call" and value.qualified:
            if view.symbols.canonical_name(value.qualified, where) in ENGINE_FACTORIES:
                return "an engine"
            return "a sessionmaker" if sessionmaker_kind(value, where, view) is not None else None
        if value.kind != "name" or not value.qualified:
            return None
        found = view.symbols.resolve(value.qualified, where)  # `SessionLocal = _maker`
        if found is None or not isinstance(found[0], AssignmentFact):
            return None
        assignment, where = found[0], found[1]
    return None
