"""Route handler detection (SPEC §1) and project-wide symbol resolution."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from layerguard.checks.routes import find_route_handlers, registration_keyword
from layerguard.facts.ast_extract import extract_facts
from layerguard.model import ClassFact, FileFacts
from layerguard.symbols import Symbols


def facts_of(source: str, module: str, is_package: bool = False) -> FileFacts:
    source = textwrap.dedent(source)
    return extract_facts(source, ast.parse(source), Path(f"/p/{module}.py"), module, is_package)


def test_route_handlers_by_decorator_and_add_api_route() -> None:
    facts = facts_of(
        """\
        from fastapi import APIRouter, FastAPI
        from app.api.base import shared_router as imported
        from app import cache

        api = APIRouter(prefix="/x")
        app = FastAPI()
        items_router = something()
        other = object()

        @api.get("/a")
        async def a(): ...
        @app.post(path="/b", status_code=204)
        def b(): ...
        @imported.websocket("/c")
        async def c(): ...
        @items_router.api_route("/d", methods=["GET"])
        async def d(): ...
        @other.get("/e")
        async def not_a_route(): ...
        @cache.get("key")
        def also_not(): ...
        async def f(): ...
        api.add_api_route("/f", f, methods=["GET"])
        """,
        "app.api.items",
    )
    base = facts_of("from fastapi import APIRouter\nshared_router = APIRouter()\n", "app.api.base")
    cache = facts_of("def get(key): ...\n", "app.cache")
    handlers = find_route_handlers(facts, Symbols((facts, base, cache)))
    # Receivers are resolved (SPEC §1, 2026-12): `items_router = something()` is no router
    # whatever its name, and an imported module's `get` is not a route method.
    assert [(h.function.name, h.method, h.router) for h in handlers] == [
        ("a", "get", "api"),
        ("b", "post", "app"),
        ("c", "websocket", "imported"),
        ("f", "add_api_route", "api"),
    ]
    assert registration_keyword(handlers[1], "status_code").value == 204  # type: ignore[union-attr]


def test_routers_annotated_final_are_routers() -> None:
    """litellm declares its 113 routers `router: Final = APIRouter()`: `Final` says the name is
    never rebound, the value (or `Final[T]`'s `T`) says what it is."""
    facts = facts_of(
        """\
        from typing import Final

        import typing_extensions
        from fastapi import APIRouter

        from app.api import shared

        router: Final = APIRouter()
        typed: Final[APIRouter] = make()
        wrapped: typing_extensions.Final = APIRouter(prefix="/w")
        limit: Final = 10

        @router.get("/a")
        async def a(): ...
        @typed.post("/b")
        async def b(): ...
        @wrapped.put("/c")
        async def c(): ...
        @shared.router.delete("/d")
        async def d(): ...
        @limit.get("/e")
        async def not_a_route(): ...
        """,
        "app.api.items",
    )
    shared = facts_of(
        "from typing import Final\nfrom fastapi import APIRouter\nrouter: Final = APIRouter()\n",
        "app.api.shared",
    )
    handlers = find_route_handlers(facts, Symbols((facts, shared)))
    assert [(h.function.name, h.router) for h in handlers] == [
        ("a", "router"),
        ("b", "typed"),
        ("c", "wrapped"),
        ("d", "shared.router"),
    ]


def test_symbols_follow_reexports_and_inheritance() -> None:
    base = facts_of(
        "from pydantic import BaseModel\nclass Envelope(BaseModel):\n    code: int\n", "app.schemas.base"
    )
    user = facts_of(
        "from .base import Envelope\nclass UserResponse(Envelope):\n    id: int\n", "app.schemas.user"
    )
    package = facts_of("from .user import UserResponse\n", "app.schemas", is_package=True)
    deps = facts_of("from typing import Annotated\nSessionDep = Annotated[int, 1]\n", "app.api.deps")
    symbols = Symbols((base, user, package, deps))

    found = symbols.resolve("app.schemas.UserResponse")
    assert found is not None and isinstance(found[0], ClassFact) and found[0].name == "UserResponse"
    assert symbols.resolve("app.api.deps.SessionDep") is not None
    assert symbols.resolve("fastapi.Depends") is None
    assert symbols.resolve("UserResponse", user) == found

    cls, where = symbols.resolve_class("app.schemas.user.UserResponse")  # type: ignore[misc]
    ancestors = list(symbols.ancestors(cls, where))
    assert [a[0].name if isinstance(a, tuple) else a for a in ancestors] == ["Envelope", "pydantic.BaseModel"]
    assert symbols.inherits_from(cls, where, frozenset({"pydantic.BaseModel"}))
