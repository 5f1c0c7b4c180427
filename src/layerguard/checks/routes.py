"""Which functions are FastAPI route handlers (SPEC §1), from one file's facts."""

from __future__ import annotations

from dataclasses import dataclass

from layerguard.model import AssignmentFact, ExprFact, FileFacts, FunctionFact, ImportFact

ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route", "websocket"}
)
ROUTER_FACTORIES = frozenset(
    {"fastapi.APIRouter", "fastapi.FastAPI", "fastapi.routing.APIRouter", "fastapi.applications.FastAPI"}
)
ROUTER_NAMES = frozenset({"router", "app"})
# The calls route detection reads: every rule that finds route handlers declares them.
ROUTE_CALLS = frozenset({"add_api_route"})
# The calls that build or wire an app: what `init` reads to find the modules that route.
APP_WIRING_CALLS = frozenset({"APIRouter", "FastAPI", "include_router", "add_api_route", "mount"})


@dataclass(frozen=True)
class RouteHandler:
    function: FunctionFact
    method: str  # `get`, `post` ..., `api_route`, `websocket`, or `add_api_route`
    router: str  # the router's name as written (`router`, `users.router`)
    # The `@router.get(...)` call, or the `add_api_route(...)` call: path, response_model ...
    registration: ExprFact


def callee_text(call: ExprFact) -> str:
    """`router.get` for the call `router.get("/x")`, as written in the file."""
    return call.text.split("(", 1)[0].strip()


def router_assignments(facts: FileFacts) -> list[AssignmentFact]:
    """Module-level `x = APIRouter(...)` / `x = FastAPI(...)`."""
    return [
        a
        for a in facts.assignments
        if a.value is not None and a.value.kind == "call" and a.value.qualified in ROUTER_FACTORIES
    ]


def is_router_name(name: str, facts: FileFacts, local_routers: set[str]) -> bool:
    """`X` in `@X.get(...)` is a router: bound to APIRouter()/FastAPI() here, imported, or named
    `router`, `app` or `*_router`."""
    head = name.split(".", 1)[0]
    imported = any(bound_name(i) == head for i in facts.imports)
    last = name.rsplit(".", 1)[-1]
    return name in local_routers or imported or last in ROUTER_NAMES or last.endswith("_router")


def bound_name(fact: ImportFact) -> str:
    """The local name an import binds: `import a.b` binds `a`; `from x import y as z`, `z`."""
    if fact.alias:
        return fact.alias
    return fact.name if fact.name is not None else fact.module.split(".", 1)[0]


def find_route_handlers(facts: FileFacts) -> list[RouteHandler]:
    """Route handlers in one file, in source order."""
    local_routers = {a.name for a in router_assignments(facts)}
    handlers: dict[int, RouteHandler] = {}
    module_functions = {
        f.name: i for i, f in enumerate(facts.functions) if not f.nested and f.class_name is None
    }
    for index, function in enumerate(facts.functions):
        for decorator in function.decorators:
            if decorator.kind != "call":
                continue
            router, _, method = callee_text(decorator).rpartition(".")
            if method in ROUTE_METHODS and router and is_router_name(router, facts, local_routers):
                handlers.setdefault(index, RouteHandler(function, method, router, decorator))
                break
    for call in facts.calls:
        if call.method != "add_api_route" or not call.callee:
            continue
        endpoint = dict(call.call.keywords).get("endpoint")
        if endpoint is None and len(call.call.args) >= 2:
            endpoint = call.call.args[1]
        if endpoint is not None and endpoint.kind == "name" and endpoint.text in module_functions:
            index = module_functions[endpoint.text]
            router = call.callee.rpartition(".")[0]
            handlers.setdefault(
                index, RouteHandler(facts.functions[index], "add_api_route", router, call.call)
            )
    return [handlers[i] for i in sorted(handlers)]


def registration_keyword(handler: RouteHandler, name: str) -> ExprFact | None:
    """A keyword of the route registration (`response_model`, `status_code`, `path` ...)."""
    return dict(handler.registration.keywords).get(name)
