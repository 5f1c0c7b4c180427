"""Which functions are FastAPI route handlers (SPEC §1), from one file's facts and the project's
symbols: a handler is registered on a receiver that resolves to a `FastAPI`/`APIRouter` instance
(or one of a project subclass of either), whatever the receiver is called."""

from __future__ import annotations

from dataclasses import dataclass

from layerguard.model import AssignmentFact, ExprFact, FileFacts, FunctionFact
from layerguard.symbols import MAX_HOPS, Symbols

ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route", "websocket"}
)
# `app.get(path)(func)`: the call of what `app.get(path)` returns (see `CallFact.method`).
CURRIED_ROUTE_CALLS = frozenset(method + "()" for method in ROUTE_METHODS)
# The classes whose instances serve routes, by every name fastapi exports them under, and the
# subclasses of them that libraries export (cadwyn's versioned routers, which airflow uses).
ROUTER_CLASSES: dict[str, str] = {
    "fastapi.APIRouter": "APIRouter",
    "fastapi.routing.APIRouter": "APIRouter",
    "fastapi.FastAPI": "FastAPI",
    "fastapi.applications.FastAPI": "FastAPI",
    "cadwyn.VersionedAPIRouter": "APIRouter",
    "cadwyn.Cadwyn": "FastAPI",
}
FINAL = frozenset({"typing.Final", "typing_extensions.Final"})
# The calls route detection reads: every rule that finds route handlers declares them.
ROUTE_CALLS = frozenset({"add_api_route"}) | CURRIED_ROUTE_CALLS
# The calls that build or wire an app: what `init` reads to find the modules that route.
APP_WIRING_CALLS = frozenset({"APIRouter", "FastAPI", "include_router", "add_api_route", "mount"})


@dataclass(frozen=True)
class RouteHandler:
    function: FunctionFact
    method: str  # `get`, `post` ..., `api_route`, `websocket`, or `add_api_route`
    router: str  # the router's name as written (`router`, `users.router`)
    # The `@router.get(...)` call, the `router.get(...)` of `router.get(...)(func)`, or the
    # `add_api_route(...)` call: path, response_model ...
    registration: ExprFact


def callee_text(call: ExprFact) -> str:
    """`router.get` for the call `router.get("/x")`, as written in the file."""
    return call.text.split("(", 1)[0].strip()


def router_class(type_name: str, facts: FileFacts, symbols: Symbols) -> str | None:
    """`APIRouter` or `FastAPI` when the class `type_name` (as `facts` qualify it) is that fastapi
    class, or a project class derived from it at any depth; else None."""
    canonical = symbols.canonical_name(type_name, facts)
    if canonical in ROUTER_CLASSES:
        return ROUTER_CLASSES[canonical]
    found = symbols.resolve_class(type_name, facts)
    if found is None:
        return None
    return next((ROUTER_CLASSES[a] for a in symbols.outside_ancestors(*found) if a in ROUTER_CLASSES), None)


def value_router_class(
    value: ExprFact, facts: FileFacts, symbols: Symbols, hops: int = MAX_HOPS
) -> str | None:
    """The router class of the instance a value makes or names: `APIRouter(...)`, `UserRouter()`,
    a call of a project function annotated to return one, or a name bound to one."""
    if hops <= 0 or not value.qualified:
        return None
    if value.kind == "call":
        made = router_class(value.qualified, facts, symbols)
        if made is not None:
            return made
        found = symbols.resolve(value.qualified, facts)
        if found is not None and isinstance(found[0], FunctionFact):
            returns = found[0].returns
            return (
                router_class(returns.qualified, found[1], symbols) if returns and returns.qualified else None
            )
        return None
    if value.kind == "name":
        return name_router_class(value.qualified, facts, symbols, hops - 1)
    return None


def name_router_class(name: str, facts: FileFacts, symbols: Symbols, hops: int = MAX_HOPS) -> str | None:
    """The router class of the module-level name `name` (as `facts` qualify it): an assignment
    here, an import, a re-export or a module attribute (`users.router`), typed or made by its value."""
    found = symbols.resolve(name, facts)
    if found is None:
        return None
    assignment, where = found
    if not isinstance(assignment, AssignmentFact):
        return None
    annotation = assignment.annotation
    if annotation is not None and annotation.qualified:
        if symbols.canonical_name(annotation.qualified, where) not in FINAL:
            return router_class(annotation.qualified, where, symbols)
        # `router: Final = APIRouter()` (litellm's 113 routers): the value says what it is, or the
        # `T` of `Final[T]`.
        if annotation.kind == "subscript" and annotation.args and annotation.args[0].qualified:
            return router_class(annotation.args[0].qualified, where, symbols)
    if assignment.value is None:
        return None
    return value_router_class(assignment.value, where, symbols, hops)


def receiver_router_class(
    registration: ExprFact, declared: ExprFact | None, facts: FileFacts, symbols: Symbols
) -> str | None:
    """The router class of `x` in the call `x.get(...)`: by its declared type where the call is
    (an annotated parameter or variable, or the call that made it), else by the module-level
    name it resolves to. None when it is not a router, or cannot be resolved."""
    if declared is not None:
        if declared.kind == "call":
            return value_router_class(declared, facts, symbols)
        return router_class(declared.qualified, facts, symbols) if declared.qualified else None
    receiver = (registration.qualified or "").rpartition(".")[0]
    return name_router_class(receiver, facts, symbols) if receiver else None


def router_assignments(facts: FileFacts, symbols: Symbols) -> list[tuple[AssignmentFact, str]]:
    """Module-level assignments of a router instance (`x = APIRouter(...)`, `x = UserRouter()`),
    with its class, `APIRouter` or `FastAPI`."""
    found: list[tuple[AssignmentFact, str]] = []
    for assignment in facts.assignments:
        if assignment.value is not None and assignment.value.kind == "call":
            made = value_router_class(assignment.value, facts, symbols)
            if made is not None:
                found.append((assignment, made))
    return found


def find_route_handlers(facts: FileFacts, symbols: Symbols) -> list[RouteHandler]:
    """Route handlers in one file, in source order: functions decorated with `@x.get(...)` (or
    another route method), registered with `x.add_api_route(path, func)` or `x.get(path)(func)`,
    where `x` is a FastAPI app or router."""
    handlers: dict[int, RouteHandler] = {}
    module_functions = {
        f.name: i for i, f in enumerate(facts.functions) if not f.nested and f.class_name is None
    }
    for index, function in enumerate(facts.functions):
        for position, decorator in enumerate(function.decorators):
            if decorator.kind != "call":
                continue
            router, _, method = callee_text(decorator).rpartition(".")
            if method not in ROUTE_METHODS or not router:
                continue
            declared = (
                function.decorator_receivers[position]
                if position < len(function.decorator_receivers)
                else None
            )
            if receiver_router_class(decorator, declared, facts, symbols) is not None:
                handlers.setdefault(index, RouteHandler(function, method, router, decorator))
                break
    for call in facts.calls:
        if call.method == "add_api_route" and call.callee:
            endpoint = dict(call.call.keywords).get("endpoint")
            if endpoint is None and len(call.call.args) >= 2:
                endpoint = call.call.args[1]
            registration, method = call.call, "add_api_route"
        elif call.method in CURRIED_ROUTE_CALLS and call.inner_call is not None:
            endpoint = call.call.args[0] if call.call.args else None
            registration, method = call.inner_call, call.method.removesuffix("()")
        else:
            continue
        if endpoint is None or endpoint.kind != "name" or endpoint.text not in module_functions:
            continue
        if receiver_router_class(registration, call.receiver_type, facts, symbols) is None:
            continue
        index = module_functions[endpoint.text]
        router = callee_text(registration).rpartition(".")[0]
        handlers.setdefault(index, RouteHandler(facts.functions[index], method, router, registration))
    return [handlers[i] for i in sorted(handlers)]


def registration_keyword(handler: RouteHandler, name: str) -> ExprFact | None:
    """A keyword of the route registration (`response_model`, `status_code`, `path` ...)."""
    return dict(handler.registration.keywords).get(name)
