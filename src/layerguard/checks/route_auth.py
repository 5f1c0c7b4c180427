"""LG905: a route that no authentication dependency guards.

A route is guarded when one of its dependencies is, or depends on, a configured
`auth-dependencies` callable or a `fastapi.security` scheme (auth_dependencies.py): the
handler's parameters (`Depends`, `Security`, `Annotated` aliases from any module), the
decorator's `dependencies=`, its router's `APIRouter(dependencies=)`, every
`include_router(..., dependencies=)` on the way to the app (in a loop over a literal list of
routers too, and of a router a project factory made and returned), and the app's
`FastAPI(dependencies=)`. `public-routes` globs exempt a route by its path, the prefixes of its
routers and `include_router` calls included. A handler that calls a configured auth function
in its own body and keeps the result (`user = await get_current_user(credentials, db)`) is
guarded too.

Precision first: a route is reported only when all of that is known and none authenticates. A
router that reaches the app other than through `include_router` calls layerguard can follow
(passed to a helper, included from a list imported or computed), a `dependencies=` that is not a
literal list, a router made by a factory with more than one `return` or by a subclass with its
own `__init__`, a dependency whose name resolves to nothing: no finding. Websocket, HEAD and
OPTIONS routes and methods of class-based views are left out (they authenticate in ways a
decorator does not show, or send no body).

On ten real apps nearly every unguarded route was public on purpose, so two more narrowings
keep only likely omissions: the handler must get something injected (a route taking nothing is
a version string, a redirect, a static list), and its router must guard some of its other
routes one by one (a router that guards none is a login flow, webhook receivers or public
assets). See tests/realworld/test_auth_rule_real.py for the audit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from layerguard.checks.auth_dependencies import (
    AuthDependencies,
    Verdict,
    any_auth,
    listed_providers,
    parameter_providers,
    resolve,
)
from layerguard.checks.base import ProjectRule
from layerguard.checks.routes import (
    ROUTE_CALLS,
    ROUTER_CLASSES,
    RouteHandler,
    callee_text,
    find_route_handlers,
    registration_keyword,
    router_class,
)
from layerguard.globs import path_glob_matches
from layerguard.model import AssignmentFact, ExprFact, FileFacts, Finding, FunctionFact, RuleMeta, Severity
from layerguard.symbols import MAX_HOPS

if TYPE_CHECKING:
    from layerguard.context import ProjectView
    from layerguard.symbols import Symbols

# A router: (module, name) of a module-level assignment, or (module, "<i>:name") for a variable
# of the module's function number i (`def create_app(): app = FastAPI(); ...`).
RouterKey = tuple[str, str]
# A parameter typed `FastAPI` (`def register(app: FastAPI)`): one of the project's apps.
ANY_APP: RouterKey = ("", "<app>")
UNKNOWN_PART = "{}"  # a prefix or path that is not a literal
# Websockets authenticate in their handshake handler's body; HEAD and OPTIONS send no body
# (liveness probes, CORS preflight).
UNCHECKED_METHODS = frozenset({"websocket", "head", "options"})
MAX_PATHS = 16  # prefixes kept per router: enough to match `public-routes`


@dataclass(frozen=True)
class Inclusion:
    """`parent.include_router(child, prefix=..., dependencies=...)`; parent None: unknown."""

    parent: RouterKey | None
    call: ExprFact
    facts: FileFacts


class RouteWithoutAuth(ProjectRule):
    meta = RuleMeta(
        code="LG905",
        name="route-without-auth",
        severity=Severity.ERROR,
        summary="A route that no authentication dependency guards",
        calls=ROUTE_CALLS | frozenset({"include_router"}),
        requires_setting="auth-dependencies",
    )

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        graph = RouterGraph(project, AuthDependencies(project.symbols, project.config.auth_dependencies))
        for facts in project.checked_files:
            if facts.parse_error is not None:
                continue
            for handler in find_route_handlers(facts, project.symbols):
                paths = graph.unguarded_paths(handler, facts)
                if paths is None or any(
                    path_glob_matches(glob, path) for glob in project.config.public_routes for path in paths
                ):
                    continue
                method = (
                    handler.method.upper() if handler.method not in ("api_route", "add_api_route") else ""
                )
                route = f"{method} {paths[0]}".strip()
                message = (
                    f"Route `{route}` (`{handler.function.name}`) is reachable without authentication: "
                    "none of its dependencies, its routers' or its app's is one of `auth-dependencies` "
                    "or depends on one; add one, or list the path in `public-routes`"
                )
                yield self.finding(facts, handler.function.span, message)


@dataclass
class RouterGraph:
    """Which routers include which, with what prefix and dependencies, across the project."""

    project: ProjectView
    auth: AuthDependencies
    _paths: dict[RouterKey, list[str] | None] = field(default_factory=dict)
    # Routers that are variables of a function: the call that made each.
    _local_sites: dict[RouterKey, tuple[ExprFact, FileFacts]] = field(default_factory=dict)

    def unguarded_paths(self, handler: RouteHandler, facts: FileFacts) -> list[str] | None:
        """The full paths of a route that no dependency guards, or None: guarded, or unknown."""
        function = handler.function
        if handler.method in UNCHECKED_METHODS or function.class_name is not None:
            return None
        own = any_auth([self.auth.parameters(function.params, facts), self._registration(handler, facts)])
        if own is not False or not self._injects(handler, facts):
            return None
        if self._authenticates_in_body(handler, facts):
            return None
        key = self._handler_router(handler, facts)
        if key is None or key not in self.guarding_routers:
            return None
        prefixes = self._open_paths(key, ())
        if not prefixes:
            return None
        path = _path_part(
            registration_keyword(handler, "path") or _first_arg(handler.registration),
            facts,
            self.project.symbols,
        )
        return [prefix + path for prefix in prefixes]

    @cached_property
    def guarding_routers(self) -> frozenset[RouterKey]:
        """The routers with a route that authenticates itself (its parameters or decorator).
        Where routes are guarded one by one, one without a guard is likely an omission; a router
        whose routes guard none (a login flow, webhook receivers, public assets) is public by
        design, and precision first leaves it alone."""
        found: set[RouterKey] = set()
        for facts in self.project.files:
            for handler in find_route_handlers(facts, self.project.symbols):
                params = handler.function.params
                if any_auth([self.auth.parameters(params, facts), self._registration(handler, facts)]):
                    key = self._handler_router(handler, facts)
                    if key is not None:
                        found.add(key)
        return frozenset(found)

    def _injects(self, handler: RouteHandler, facts: FileFacts) -> bool:
        """The handler gets something injected (a session, a repository, a service): a route
        that takes none (`get_version()`, a redirect, a static list) is public by design far
        more often than it lacks a login, so precision first leaves it out."""
        symbols = self.project.symbols
        return any(
            True for param in handler.function.params for _ in parameter_providers(param, facts, symbols)
        )

    def _authenticates_in_body(self, handler: RouteHandler, facts: FileFacts) -> bool:
        """The handler calls a configured auth callable itself and keeps what it returns
        (`user = await get_current_user(credentials, db)`, after reading the token from a
        cookie): no dependency shows that guard, but the body has it."""
        index = next((i for i, f in enumerate(facts.functions) if f is handler.function), None)
        return any(
            opened.function == index and self.auth.called_directly(_callee(opened.call), facts)
            for opened in facts.opened
        )

    def _registration(self, handler: RouteHandler, facts: FileFacts) -> Verdict:
        registration = handler.registration
        listed = listed_providers(
            registration_keyword(handler, "dependencies"), registration, facts, self.project.symbols
        )
        return self._listed(listed)

    def _listed(self, listed: list[tuple[str, FileFacts]] | None) -> Verdict:
        if listed is None:
            return None
        return any_auth(self.auth.provider(provider, where) for provider, where in listed)

    # --- Which router a handler is registered on. ---

    def _handler_router(self, handler: RouteHandler, facts: FileFacts) -> RouterKey | None:
        receiver = callee_text(handler.registration).rpartition(".")[0]
        if not receiver:
            return None
        scope, declared = self._registration_scope(handler, facts)
        if scope is not None and declared is not None and "." not in receiver:
            return self._local(facts, scope, receiver, declared)
        return self._module_router(receiver, facts)

    def _registration_scope(
        self, handler: RouteHandler, facts: FileFacts
    ) -> tuple[int | None, ExprFact | None]:
        """The function the registration runs in (None: the module), and the receiver's
        declared type there."""
        function = handler.function
        for position, decorator in enumerate(function.decorators):
            if decorator is handler.registration:
                declared = (
                    function.decorator_receivers[position]
                    if position < len(function.decorator_receivers)
                    else None
                )
                return _enclosing(function, facts), declared
        for call in facts.calls:
            if call.call is handler.registration or call.inner_call is handler.registration:
                return call.function, call.receiver_type
        return None, None

    def _local(self, facts: FileFacts, scope: int, name: str, made: ExprFact) -> RouterKey | None:
        if made.kind != "call":
            return None  # a parameter: whatever the caller passes
        key = (facts.module, f"{scope}:{name}")
        self._local_sites.setdefault(key, (made, facts))
        return key

    def _module_router(self, name: str, facts: FileFacts) -> RouterKey | None:
        found = resolve(self.project.symbols, name, facts)
        if found is None or not isinstance(found[0], AssignmentFact):
            return None
        return found[1].module, found[0].name

    # --- The inclusions. ---

    @cached_property
    def inclusions(self) -> dict[RouterKey, list[Inclusion]]:
        found: dict[RouterKey, list[Inclusion]] = {}
        for facts in self.project.files:
            for call in facts.calls:
                if call.method != "include_router" or not call.callee:
                    continue
                child = dict(call.call.keywords).get("router") or (
                    call.call.args[0] if call.call.args else None
                )
                keys = self._child_keys(child, call.function, facts) if child is not None else []
                if keys:
                    parent = self._parent_key(
                        call.callee.rpartition(".")[0], call.function, call.receiver_type, facts
                    )
                    for key in keys:
                        found.setdefault(key, []).append(Inclusion(parent, call.call, facts))
        return found

    def _child_keys(self, child: ExprFact, scope: int | None, facts: FileFacts) -> list[RouterKey]:
        """The routers an `include_router` call includes: one, or each router of a literal list
        or tuple a loop goes over (`for r in [users.router, items.router]: app.include_router(r)`,
        the list written in the loop or bound to a name in the function or module)."""
        assigned = child.assigned if child.kind == "name" and "." not in child.text else None
        if assigned is not None and assigned.kind in ("list", "tuple"):
            keys = [
                self._module_router(element.qualified or element.text, facts)
                for element in assigned.args
                # A bare name in a function may be a local variable the summary does not follow.
                if element.kind == "name"
                and (scope is None or "." in element.text or element.qualified != element.text)
            ]
            return [key for key in keys if key is not None]
        if child.kind == "call":
            made = self._factory_router(child, facts)
            return [made] if made is not None else []
        if assigned is not None and assigned.kind == "call" and self._plain_router(assigned, facts) is None:
            # `router = build_router(); app.include_router(router)`
            made = self._factory_router(assigned, facts)
            if made is not None:
                return [made]
        key = self._child_key(child, scope, facts)
        return [key] if key is not None else []

    def _factory_router(self, call: ExprFact, facts: FileFacts) -> RouterKey | None:
        """`include_router(build_router())`: the router a project function makes and returns
        (`router = APIRouter(...); ...; return router`), when it has that one `return` only."""
        found = resolve(self.project.symbols, call.qualified, facts) if call.qualified else None
        if found is None or not isinstance(found[0], FunctionFact):
            return None
        function, where = found
        index = next((i for i, defined in enumerate(where.functions) if defined is function), None)
        returns = [fact for fact in where.returns if fact.function == index]
        if index is None or len(returns) != 1:
            return None
        value = returns[0].value
        # What the name last holds is an `APIRouter(...)` itself: not `router = wrap(router)`,
        # whose routes were registered on another object.
        if value is None or value.assigned is None or self._plain_router(value.assigned, where) is None:
            return None
        return self._local(where, index, value.text, value.assigned)

    def _child_key(self, child: ExprFact, scope: int | None, facts: FileFacts) -> RouterKey | None:
        if child.kind != "name":
            return None
        if scope is not None and "." not in child.text and child.assigned is not None:
            return self._local(facts, scope, child.text, child.assigned)
        return self._module_router(child.qualified or child.text, facts)

    def _parent_key(
        self, receiver: str, scope: int | None, declared: ExprFact | None, facts: FileFacts
    ) -> RouterKey | None:
        if not receiver or "." in receiver:
            return None  # `self.app`, `app.router`: not followed
        if scope is not None and declared is not None:
            if declared.kind == "call":
                return self._local(facts, scope, receiver, declared)
            typed = (
                router_class(declared.qualified, facts, self.project.symbols) if declared.qualified else None
            )
            return ANY_APP if typed == "FastAPI" else None
        return self._module_router(receiver, facts)

    @cached_property
    def value_users(self) -> dict[RouterKey, set[str]]:
        """The modules that use each module-level router as a value (`FileFacts.value_names`)."""
        users: dict[RouterKey, set[str]] = {}
        symbols = self.project.symbols
        for facts in self.project.files:
            for name in facts.value_names:
                parts = name.split(".")
                for length in range(len(parts), 0, -1):
                    found = symbols.resolve(".".join(parts[:length]), facts)
                    if found is not None:
                        if isinstance(found[0], AssignmentFact):
                            users.setdefault((found[1].module, found[0].name), set()).add(facts.module)
                        break
        return users

    # --- Where a router's routes are served, and whether anything on the way authenticates. ---

    def _site(self, key: RouterKey) -> tuple[ExprFact, FileFacts] | None:
        if key in self._local_sites:
            return self._local_sites[key]
        found = self.project.symbols.definition(f"{key[0]}.{key[1]}")
        if found is None or not isinstance(found[0], AssignmentFact) or found[0].value is None:
            return None
        return found[0].value, found[1]

    def _open_paths(self, key: RouterKey, stack: tuple[RouterKey, ...]) -> list[str] | None:
        """The prefixes under which the router's routes are served with no authenticating
        dependency on the way; None when one way has one, or any way is unknown."""
        if key in stack:
            return None
        if key not in self._paths:
            self._paths[key] = self._compute_paths(key, (*stack, key))
        return self._paths[key]

    def _compute_paths(self, key: RouterKey, stack: tuple[RouterKey, ...]) -> list[str] | None:
        if key == ANY_APP:
            return self._any_app()
        site = self._site(key)
        made = self._plain_router(*site) if site is not None else None
        if site is None or made is None:
            return None
        call, facts = site
        if (
            self._listed(
                listed_providers(dict(call.keywords).get("dependencies"), call, facts, self.project.symbols)
            )
            is not False
        ):
            return None
        if made == "FastAPI":
            return [""]
        inclusions = self.inclusions.get(key, [])
        including = {inclusion.facts.module for inclusion in inclusions}
        if not inclusions or not self.value_users.get(key, set()) <= including:
            return None  # never included, or also used some way not followed
        own_prefix = _path_part(dict(call.keywords).get("prefix"), facts, self.project.symbols, empty="")
        paths: list[str] = []
        for inclusion in inclusions:
            verdict = self._listed(
                listed_providers(
                    dict(inclusion.call.keywords).get("dependencies"),
                    inclusion.call,
                    inclusion.facts,
                    self.project.symbols,
                )
            )
            parents = self._open_paths(inclusion.parent, stack) if inclusion.parent is not None else None
            if verdict is not False or parents is None:
                return None
            prefix = _path_part(
                dict(inclusion.call.keywords).get("prefix"), inclusion.facts, self.project.symbols, empty=""
            )
            paths += [parent + prefix + own_prefix for parent in parents]
        return paths[:MAX_PATHS]

    def _any_app(self) -> list[str] | None:
        """An app passed as a parameter: open only when no `FastAPI(...)` the project makes has
        authenticating (or unknown) dependencies."""
        symbols = self.project.symbols
        made = [
            (call.call, facts)
            for facts in self.project.files
            for call in facts.calls
            if call.method == "FastAPI" and self._plain_router(call.call, facts) == "FastAPI"
        ]
        verdicts = [
            self._listed(listed_providers(dict(call.keywords).get("dependencies"), call, facts, symbols))
            for call, facts in made
        ]
        return [""] if made and not any(v is not False for v in verdicts) else None

    def _plain_router(self, call: ExprFact, facts: FileFacts) -> str | None:
        """`APIRouter`/`FastAPI` when `call` makes one whose `prefix`/`dependencies` keywords are
        fastapi's: the class itself, or a project subclass that defines no `__init__`."""
        if call.kind != "call" or not call.qualified:
            return None
        symbols = self.project.symbols
        canonical = symbols.canonical_name(call.qualified, facts)
        if canonical in ROUTER_CLASSES:
            return ROUTER_CLASSES[canonical]
        found = symbols.resolve_class(call.qualified, facts)
        if found is None:
            return None
        classes = [found, *(item for item in symbols.ancestors(*found) if not isinstance(item, str))]
        if any(_defines(where, cls.qualname, "__init__") for cls, where in classes):
            return None
        return router_class(call.qualified, facts, symbols)


def _callee(call: ExprFact) -> str:
    """`auth.verify` for the call `auth.verify(token)`, through the file's imports."""
    return call.qualified or call.text.split("(", 1)[0].strip()


def _defines(facts: FileFacts, class_qualname: str, method: str) -> bool:
    return any(f.qualname == f"{class_qualname}.{method}" for f in facts.functions)


def _enclosing(function: FunctionFact, facts: FileFacts) -> int | None:
    """The index of the function `function` is nested in, None at module level."""
    if not function.nested:
        return None
    outer = function.qualname.rpartition(".<locals>.")[0]
    return next((i for i, f in enumerate(facts.functions) if f.qualname == outer), None)


def _first_arg(call: ExprFact) -> ExprFact | None:
    return call.args[0] if call.args else None


def _path_part(
    expr: ExprFact | None, facts: FileFacts, symbols: Symbols, empty: str = "/" + UNKNOWN_PART
) -> str:
    """A path or prefix: a literal, a module-level constant (`LOGIN = "/login"`, imported or
    not), or text built from those; `{}` for each part known only at runtime."""
    if expr is None:
        return empty
    text = _literal(expr, facts, symbols, MAX_HOPS)
    return text if text is not None else "/" + UNKNOWN_PART


def _literal(expr: ExprFact, facts: FileFacts, symbols: Symbols, hops: int) -> str | None:
    if expr.kind == "string" and isinstance(expr.value, str):
        return expr.value
    if hops <= 0:
        return None
    if expr.kind == "name" and expr.qualified:
        found = resolve(symbols, expr.qualified, facts)
        if found is None or not isinstance(found[0], AssignmentFact) or found[0].value is None:
            return None
        return _literal(found[0].value, found[1], symbols, hops - 1)
    if expr.template is not None and expr.template.count("{}") == len(expr.args):
        literals = expr.template.split("{}")
        parts = [_literal(arg, facts, symbols, hops - 1) for arg in expr.args]
        text = literals[0]
        for part, literal in zip(parts, literals[1:], strict=True):
            text += (part if part is not None else UNKNOWN_PART) + literal
        return text
    return None
