"""LG201, LG202: HTTP stays in endpoints — no `HTTPException`, no fastapi/starlette imports in
services, repositories, models and schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.routes import ROUTE_CALLS, find_route_handlers
from layerguard.model import (
    AssignmentFact,
    ExprFact,
    FileFacts,
    Finding,
    FunctionFact,
    ImportFact,
    RuleMeta,
    Severity,
)
from layerguard.presets import BELOW_HTTP

if TYPE_CHECKING:
    from layerguard.context import FileView

HTTP_PACKAGES = ("fastapi", "starlette")
HTTP_EXCEPTIONS = frozenset(
    {"fastapi.HTTPException", "fastapi.exceptions.HTTPException", "starlette.exceptions.HTTPException"}
)


def non_http_layer(facts: FileFacts, view: FileView) -> str | None:
    """The file's layer when it is one that must not know about HTTP, else None. A module that
    defines route handlers is an endpoint whatever its name (`api/v1/models.py` with a router):
    its layer is misconfigured, which the layer rules report, not HTTP leaking down."""
    layer = view.layers.layer_of(facts.module)
    if layer not in BELOW_HTTP or find_route_handlers(facts, view.symbols):
        return None
    return layer


class HttpExceptionOutsideEndpoint(FileRule):
    meta = RuleMeta(
        code="LG201",
        name="http-exception-outside-endpoint",
        severity=Severity.ERROR,
        summary="`HTTPException` raised outside an endpoint",
        layers=BELOW_HTTP,
        calls=ROUTE_CALLS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        layer = non_http_layer(facts, view)
        if layer is None:
            return
        for raised in facts.raises:
            if raised.exception is None:
                continue
            name = http_exception_name(raised.exception, facts, view)
            if name is not None:
                message = (
                    f"{name} raised in a {layer} module: raise a domain exception and turn it "
                    "into an HTTP response in the endpoint"
                )
                yield self.finding(facts, raised.span, message)


def http_exception_name(exception: ExprFact, facts: FileFacts, view: FileView) -> str | None:
    """How the raise spells what it raises, when that is fastapi's or starlette's `HTTPException`
    (under any alias) or a project class derived from it: the class or an instance of it, a
    variable or module constant made by calling it (`exc = HTTPException(...); raise exc`), or
    a helper declared to return one (`raise http_404(...)`, `def http_404(...) -> HTTPException`)."""
    spelled = f"`{exception.text.split('(', 1)[0].strip()}`"
    instance = f"{spelled} (an `HTTPException`)"
    original = exception
    if exception.kind == "name" and exception.assigned is not None:
        exception = exception.assigned  # what this function last assigned to the name
    if exception.kind not in ("call", "name") or not exception.qualified:
        return None
    if is_http_exception_class(exception.qualified, facts, view):
        return spelled if exception is original else instance
    found = view.symbols.resolve(exception.qualified, facts)
    if found is None:
        return None
    symbol, where = found
    if exception.kind == "call" and isinstance(symbol, FunctionFact):
        returns = symbol.returns
        if returns is not None and returns.kind == "name" and returns.qualified:
            return instance if is_http_exception_class(returns.qualified, where, view) else None
    if exception.kind == "name" and isinstance(symbol, AssignmentFact) and symbol.value is not None:
        made = symbol.value  # `GONE = HTTPException(410)` at module level
        if made.kind == "call" and made.qualified and is_http_exception_class(made.qualified, where, view):
            return instance
    return None


def is_http_exception_class(qualified: str, facts: FileFacts, view: FileView) -> bool:
    """fastapi's or starlette's `HTTPException`, or a project class derived from it."""
    if view.symbols.canonical_name(qualified, facts) in HTTP_EXCEPTIONS:
        return True
    found = view.symbols.resolve_class(qualified, facts)
    return found is not None and view.symbols.inherits_from(*found, HTTP_EXCEPTIONS)


class HttpImportOutsideEndpoint(FileRule):
    meta = RuleMeta(
        code="LG202",
        name="http-import-outside-endpoint",
        severity=Severity.ERROR,
        summary="fastapi or starlette imported outside an endpoint",
        layers=BELOW_HTTP,
        calls=ROUTE_CALLS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        layer = non_http_layer(facts, view)
        if layer is None:
            return
        allowed = frozenset(view.config.allow_fastapi_imports)
        for fact in facts.imports:
            if is_http_import(fact) and fact.name not in allowed:
                imported = f"{fact.module}.{fact.name}" if fact.name else fact.module
                message = (
                    f"`{imported}` imported in a {layer} module: HTTP belongs in endpoints "
                    "(names in `allow-fastapi-imports` may be imported)"
                )
                yield self.finding(facts, fact.span, message)


def is_http_import(fact: ImportFact) -> bool:
    """`import fastapi`, `from starlette.requests import Request` ...: absolute imports only."""
    if fact.level:
        return False
    package = fact.module.split(".", 1)[0]
    return package in HTTP_PACKAGES
