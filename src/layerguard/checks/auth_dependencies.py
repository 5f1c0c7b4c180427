"""Whether a FastAPI dependency authenticates (LG905): it is, or depends on, a configured
`auth-dependencies` callable or a `fastapi.security` scheme.

Three answers: True (it authenticates), False (it is known not to), None (layerguard cannot
tell: a name it cannot resolve in the project, a provider nested deeper than it follows).
Precision first: a route with a None among its dependencies is not reported.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from layerguard.facts.summarize import DEPENDENCY_MARKERS
from layerguard.model import AssignmentFact, ClassFact, ExprFact, FileFacts, FunctionFact, ParamFact
from layerguard.symbols import MAX_HOPS

if TYPE_CHECKING:
    from layerguard.symbols import Symbol, Symbols

# A provider's own dependencies are followed this many levels (`get_current_active_user`
# depends on `get_current_user`, which depends on `oauth2_scheme`).
MAX_PROVIDER_DEPTH = 5
# The `fastapi.security` classes that read credentials from a request: a dependency on an
# instance of one (or of a project subclass) guards the route. Not `OAuth2PasswordRequestForm`,
# the login form itself.
SECURITY_SCHEMES = frozenset(
    {
        "OAuth2", "OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer", "OpenIdConnect",
        "APIKeyHeader", "APIKeyQuery", "APIKeyCookie", "APIKeyBase",
        "HTTPBase", "HTTPBasic", "HTTPBearer", "HTTPDigest", "SecurityBase",
    }
)  # fmt: skip
UNKNOWN = "?"  # a provider no name says (`ExprFact.providers`)

Verdict = bool | None


def resolve(symbols: Symbols, name: str, facts: FileFacts) -> tuple[Symbol, FileFacts] | None:
    """`Symbols.resolve`, but a bare name this module binds is its own (`app = FastAPI()` in a
    project whose package is also called `app`)."""
    if "." not in name:
        found = symbols.definition(f"{facts.module}.{name}")
        if found is not None:
            return found
    return symbols.resolve(name, facts)


def any_auth(verdicts: Iterable[Verdict]) -> Verdict:
    """True when one authenticates, else None when one is unknown, else False."""
    unknown = False
    for verdict in verdicts:
        if verdict:
            return True
        unknown |= verdict is None
    return None if unknown else False


def matches_setting(name: str, entries: tuple[str, ...]) -> bool:
    """`get_current_user` matches the last segment of a qualified name; a dotted entry
    (`auth.get_current_user`) matches the whole name or a dotted suffix of it."""
    last = name.rpartition(".")[2]
    return any(
        name == entry or name.endswith("." + entry) if "." in entry else last == entry for entry in entries
    )


def is_security_scheme(canonical: str) -> bool:
    return canonical.startswith("fastapi.security") and canonical.rpartition(".")[2] in SECURITY_SCHEMES


def dependency_marker(expr: ExprFact, facts: FileFacts, symbols: Symbols) -> bool:
    """`Depends(...)` or `Security(...)`, under any import name."""
    if expr.kind != "call" or not expr.qualified:
        return False
    return expr.qualified in DEPENDENCY_MARKERS or symbols.canonical_name(expr.qualified, facts) in (
        DEPENDENCY_MARKERS
    )


def listed_providers(
    value: ExprFact | None, holder: ExprFact, facts: FileFacts, symbols: Symbols
) -> list[tuple[str, FileFacts]] | None:
    """The providers of a `dependencies=` value, each with the file it is written in (`holder`
    is the outermost expression holding the value, whose `providers` it reads): none for no
    value; None when it is not a literal list whose elements are `Depends`/`Security` calls or
    module-level names bound to one, or a module-level name bound to such a list."""
    if value is None:
        return []
    if value.kind == "name" and value.qualified:
        found = resolve(symbols, value.qualified, facts)
        if found is None or not isinstance(found[0], AssignmentFact) or found[0].value is None:
            return None
        return listed_providers(found[0].value, found[0].value, found[1], symbols)
    if value.kind not in ("list", "tuple"):
        return None
    written = [element for element in value.args if dependency_marker(element, facts, symbols)]
    # Only `dependencies=` holds dependency markers in a route decorator, a router or an
    # `include_router` call; a count that differs means one hides somewhere else.
    if len(holder.providers) != len(written):
        return None
    providers = [(provider, facts) for provider in holder.providers]
    for element in value.args:
        if element in written:
            continue
        named = _named_dependency(element, facts, symbols)
        if named is None:
            return None
        providers += named
    return providers


def _named_dependency(
    element: ExprFact, facts: FileFacts, symbols: Symbols
) -> list[tuple[str, FileFacts]] | None:
    """`AUTH = Depends(verify)` at module level, listed as `dependencies=[AUTH]`."""
    found = (
        resolve(symbols, element.qualified, facts) if element.kind == "name" and element.qualified else None
    )
    if found is None or not isinstance(found[0], AssignmentFact) or found[0].value is None:
        return None
    value, where = found[0].value, found[1]
    if not dependency_marker(value, where, symbols) or len(value.providers) != 1:
        return None
    return [(value.providers[0], where)]


@dataclass
class AuthDependencies:
    """Answers, with memory, whether a provider authenticates."""

    symbols: Symbols
    entries: tuple[str, ...]
    _memo: dict[tuple[str, str, str], Verdict] = field(default_factory=dict)

    def provider(self, provider: str, facts: FileFacts, param_type: ExprFact | None = None) -> Verdict:
        """The verdict on one entry of `ExprFact.providers`, written in `facts`; `param_type` is
        the type FastAPI calls for a bare `Depends()`."""
        return self._provider(provider, facts, param_type, MAX_PROVIDER_DEPTH)

    def parameters(self, params: Iterable[ParamFact], facts: FileFacts) -> Verdict:
        """Whether the dependencies of these parameters authenticate."""
        return self._parameters(params, facts, MAX_PROVIDER_DEPTH)

    def _parameters(self, params: Iterable[ParamFact], facts: FileFacts, depth: int) -> Verdict:
        return any_auth(
            self._provider(provider, where, param_type, depth)
            for param in params
            for provider, where, param_type in parameter_providers(param, facts, self.symbols)
        )

    def _provider(self, provider: str, facts: FileFacts, param_type: ExprFact | None, depth: int) -> Verdict:
        if provider == UNKNOWN:
            return None
        if provider == "":
            if param_type is None or param_type.kind != "name" or not param_type.qualified:
                return None
            return self._cached("name", param_type.qualified, facts, depth)
        if provider.endswith("()"):
            return self._cached("call", provider.removesuffix("()"), facts, depth)
        return self._cached("name", provider, facts, depth)

    def _cached(self, kind: str, name: str, facts: FileFacts, depth: int) -> Verdict:
        key = (kind, facts.module, name)
        if key in self._memo:
            return self._memo[key]
        if depth <= 0:
            return None
        self._memo[key] = False  # a cycle adds no authentication
        verdict = self._name(name, facts, depth) if kind == "name" else self._call(name, facts, depth)
        if verdict is False and self._looks_like_auth(name):
            verdict = None
        self._memo[key] = verdict
        return verdict

    def _configured(self, name: str, facts: FileFacts) -> bool:
        canonical = self.symbols.canonical_name(name, facts)
        return matches_setting(name, self.entries) or matches_setting(canonical, self.entries)

    def _outside(self, name: str, facts: FileFacts) -> Verdict:
        """An unresolved name: a library's is known not to authenticate (unless configured,
        checked before); the project's (a method, a nested function) is unknown."""
        canonical = self.symbols.canonical_name(name, facts)
        if is_security_scheme(canonical):
            return True
        head = canonical.split(".", 1)[0]
        # A bare name, or one starting with a project package or a name of this module.
        ours = (
            "." not in canonical
            or self.symbols.is_top_level(head)
            or self.symbols.definition(f"{facts.module}.{head}") is not None
        )
        return None if ours else False

    def _name(self, name: str, facts: FileFacts, depth: int) -> Verdict:
        """`Depends(name)`: FastAPI calls what `name` is bound to."""
        if self._configured(name, facts):
            return True
        found = resolve(self.symbols, name, facts)
        if found is None:
            return self._outside(name, facts)
        symbol, where = found
        if matches_setting(f"{where.module}.{symbol.name}", self.entries):
            return True
        if isinstance(symbol, FunctionFact):
            return self._parameters(symbol.params, where, depth - 1)
        if isinstance(symbol, ClassFact):
            if self._is_scheme_class(symbol, where):
                return True
            init = self._method(symbol, where, "__init__")
            return self._parameters(init[0].params, init[1], depth - 1) if init else False
        if symbol.value is None:
            return None
        if symbol.value.kind == "call" and symbol.value.qualified:
            return self._cached("call", symbol.value.qualified, where, depth - 1)
        if symbol.value.kind == "name" and symbol.value.qualified:
            return self._cached("name", symbol.value.qualified, where, depth - 1)
        return None

    def _call(self, callee: str, facts: FileFacts, depth: int) -> Verdict:
        """`Depends(callee(...))`: FastAPI calls what `callee(...)` returns — an instance (its
        `__call__`) or, from a factory, a function defined inside it."""
        if self._configured(callee, facts):
            return True
        found = resolve(self.symbols, callee, facts)
        if found is None:
            return self._outside(callee, facts)
        symbol, where = found
        if matches_setting(f"{where.module}.{symbol.name}", self.entries):
            return True
        if isinstance(symbol, ClassFact):
            if self._is_scheme_class(symbol, where):
                return True
            call = self._method(symbol, where, "__call__")
            return self._parameters(call[0].params, call[1], depth - 1) if call else None
        if isinstance(symbol, FunctionFact):
            inner = [
                f
                for f in where.functions
                if f.qualname.startswith(symbol.qualname + ".<locals>.") and f.qualname.count("<locals>") == 1
            ]
            if not inner:
                return None
            return any_auth(self._parameters(f.params, where, depth - 1) for f in inner)
        return None

    def called_directly(self, callee: str, facts: FileFacts) -> bool:
        """A handler's body calls `callee` itself (`user = await get_current_user(creds, db)`):
        a configured function, not a class (calling `ProjectMember()` only builds the guard).
        Its own `Depends()` parameters do not run then, so only a configured name counts."""
        found = resolve(self.symbols, callee, facts)
        if found is None:
            # Defined outside the project: a CapWords name is taken for a class (`AuthJWT()`).
            return not callee.rpartition(".")[2][:1].isupper() and self._configured(callee, facts)
        symbol, where = found
        return isinstance(symbol, FunctionFact) and (
            self._configured(callee, facts) or matches_setting(f"{where.module}.{symbol.name}", self.entries)
        )

    def _looks_like_auth(self, name: str) -> bool:
        """A provider named for authentication that is not configured (`get_current_user_optional`,
        `verify_project_auth`): it may well authenticate, so precision first does not judge it."""
        last = name.rpartition(".")[2]
        return looks_like_auth(last) and not is_security_scheme(name)

    def _is_scheme_class(self, cls: ClassFact, facts: FileFacts) -> bool:
        """A subclass of a `fastapi.security` scheme or of a configured class."""
        names = [
            item if isinstance(item, str) else f"{item[1].module}.{item[0].qualname}"
            for item in self.symbols.ancestors(cls, facts)
        ]
        return any(is_security_scheme(name) or matches_setting(name, self.entries) for name in names)

    def _method(self, cls: ClassFact, facts: FileFacts, name: str) -> tuple[FunctionFact, FileFacts] | None:
        """The method `name` of a project class, its own or a project base's."""
        classes: list[tuple[ClassFact, FileFacts]] = [(cls, facts)]
        classes += [item for item in self.symbols.ancestors(cls, facts) if not isinstance(item, str)]
        for owner, where in classes:
            for function in where.functions:
                if function.name == name and function.qualname == f"{owner.qualname}.{name}":
                    return function, where
        return None


def parameter_providers(
    param: ParamFact, facts: FileFacts, symbols: Symbols
) -> Iterator[tuple[str, FileFacts, ExprFact | None]]:
    """(provider, file it is written in, the type FastAPI calls for a bare `Depends()`) of a
    parameter: in its default, its `Annotated[...]`, or the type alias it is annotated with
    (`CurrentUser = Annotated[User, Depends(get_current_user)]`, in any module)."""
    declared = _declared_type(param.annotation)
    # `dependencies=[Depends(f)]` as a parameter is no dependency: FastAPI never runs it (LG906).
    if param.default is not None and param.default.kind == "call":
        yield from ((p, facts, declared) for p in param.default.providers)
    annotation, where = param.annotation, facts
    for _ in range(MAX_HOPS):
        if annotation is None:
            return
        yield from ((p, where, _declared_type(annotation)) for p in annotation.providers)
        if annotation.kind != "name" or not annotation.qualified:
            return
        found = resolve(symbols, annotation.qualified, where)
        if found is None or not isinstance(found[0], AssignmentFact):
            return
        annotation, where = found[0].value, found[1]


def _declared_type(annotation: ExprFact | None) -> ExprFact | None:
    """`User` for `User` and for `Annotated[User, ...]`."""
    if annotation is None:
        return None
    if (
        annotation.kind == "subscript"
        and (annotation.qualified or "").endswith("Annotated")
        and annotation.args
    ):
        return annotation.args[0]
    return annotation


# `init`: provider names that say they authenticate (`get_current_user`, `verify_api_key`,
# `require_admin_token`), not those that merely serve users (`get_user_service`).
AUTH_WORDS = re.compile(r"auth|current_user|user|token|api_?key|verif|login|admin|permission|scope", re.I)
NOT_AUTH_WORDS = re.compile(r"service|repo|session|db$|database|_db_|settings|config|client", re.I)
MAX_CANDIDATES = 8


def looks_like_auth(name: str) -> bool:
    return bool(AUTH_WORDS.search(name)) and not NOT_AUTH_WORDS.search(name)


def auth_candidates(files: Iterable[FileFacts], symbols: Symbols) -> tuple[str, ...]:
    """What `init` proposes for `auth-dependencies`: the `Depends()`/`Security()` providers of
    the project whose name says authentication or that read a `fastapi.security` scheme, the
    most used first."""
    schemes = AuthDependencies(symbols, ())
    used: Counter[str] = Counter()
    for facts in files:
        for expression in _dependency_holders(facts):
            for provider in expression.providers:
                name = provider.removesuffix("()").rpartition(".")[2]
                if not name or name == UNKNOWN or NOT_AUTH_WORDS.search(name):
                    continue
                says_auth = looks_like_auth(name) or _reads_credentials(provider, facts, symbols)
                if says_auth or schemes.provider(provider, facts):
                    used[name] += 1
    return tuple(name for name, _ in used.most_common(MAX_CANDIDATES))


# A provider taking one of these (a header, a cookie) reads credentials itself.
CREDENTIAL_PARAMS = re.compile(r"(x_)?(authorization|api_?key|access_token|token|bearer|credentials)", re.I)


def _reads_credentials(provider: str, facts: FileFacts, symbols: Symbols) -> bool:
    found = resolve(symbols, provider.removesuffix("()"), facts)
    function = found[0] if found is not None else None
    return isinstance(function, FunctionFact) and any(
        CREDENTIAL_PARAMS.fullmatch(param.name) for param in function.params
    )


def _dependency_holders(facts: FileFacts) -> Iterator[ExprFact]:
    """The outermost expressions that can hold `Depends()`: parameters, decorators, aliases."""
    for function in facts.functions:
        yield from function.decorators
        yield from (e for p in function.params for e in (p.annotation, p.default) if e is not None)
    yield from (a.value for a in facts.assignments if a.value is not None)
    yield from (call.call for call in facts.calls if call.method == "include_router")
