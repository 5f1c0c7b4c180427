"""LG201 (HTTPException outside endpoints) and LG202 (fastapi/starlette imports outside endpoints)."""

from __future__ import annotations

from pathlib import Path

from tmp_project import lint

CODES = ["LG201", "LG202"]


def test_every_spelling_of_http_exception_is_found(tmp_path: Path) -> None:
    files = {
        "app/core/http.py": "from fastapi import HTTPException as Reexported\n",
        "app/services/OrderService.py": """\
            import fastapi
            import fastapi.exceptions as fx
            from starlette.exceptions import HTTPException as StarletteError
            from app.core.http import Reexported

            async def place(order_id: int) -> None:
                if order_id == 1:
                    raise fastapi.HTTPException(400)
                if order_id == 2:
                    raise fx.HTTPException(status_code=409) from None
                if order_id == 3:
                    raise StarletteError
                if order_id == 4:
                    raise Reexported(404)
                if order_id == 5:
                    raise ValueError(order_id)
                raise
            """,
    }
    assert lint(tmp_path, files, ["LG201"]) == [
        ("app/services/OrderService.py", 8, 9, "LG201"),
        ("app/services/OrderService.py", 10, 9, "LG201"),
        ("app/services/OrderService.py", 12, 9, "LG201"),
        ("app/services/OrderService.py", 14, 9, "LG201"),
    ]


def test_project_subclass_of_http_exception_counts(tmp_path: Path) -> None:
    files = {
        "app/core/errors.py": """\
            from fastapi import HTTPException

            class NotFound(HTTPException):
                pass

            class Gone(NotFound):
                pass

            class DomainError(Exception):
                pass
            """,
        "app/repositories/OrderRepository.py": """\
            from app.core.errors import DomainError, Gone

            def load() -> None:
                raise Gone()

            def other() -> None:
                raise DomainError()
            """,
    }
    assert lint(tmp_path, files, ["LG201"]) == [("app/repositories/OrderRepository.py", 4, 5, "LG201")]


def test_endpoints_unlayered_wiring_and_custom_layers_are_not_checked(tmp_path: Path) -> None:
    source = """\
        from fastapi import HTTPException, Request

        def fail(request: Request) -> None:
            raise HTTPException(400)
        """
    files = {
        "app/api/v1/endpoints/orders.py": source,
        "app/core/errors.py": source,
        "app/deps.py": source,
        "app/domain/rules.py": source,
    }
    settings = '[tool.layerguard.layers.domain]\nmodules = ["**.domain.**"]\nmay-import = []\n'
    assert lint(tmp_path, files, CODES, settings) == []


def test_a_module_with_route_handlers_is_an_endpoint_whatever_its_name(tmp_path: Path) -> None:
    files = {
        "app/api/v1/models.py": """\
            from fastapi import APIRouter, HTTPException

            router = APIRouter()

            @router.get("/models")
            async def list_models() -> list[str]:
                raise HTTPException(404)
            """,
    }
    assert lint(tmp_path, files, CODES) == []


def test_imports_are_reported_per_name_except_allowed_ones(tmp_path: Path) -> None:
    files = {
        "app/schemas/OrderSchema.py": """\
            from typing import TYPE_CHECKING
            import fastapi, starlette.status as http_status
            from fastapi import Depends, status
            from fastapi.params import Depends as ParamDepends
            from . import helpers
            from fastapi_pagination import Page
            if TYPE_CHECKING:
                from starlette.requests import Request
            """,
    }
    assert lint(tmp_path, files, ["LG202"]) == [
        ("app/schemas/OrderSchema.py", 2, 8, "LG202"),
        ("app/schemas/OrderSchema.py", 2, 17, "LG202"),
        ("app/schemas/OrderSchema.py", 3, 30, "LG202"),
        ("app/schemas/OrderSchema.py", 8, 36, "LG202"),
    ]


def test_allow_fastapi_imports_replaces_the_default(tmp_path: Path) -> None:
    files = {"app/models/Order.py": "from fastapi import Depends, Query, status\n"}
    settings = 'allow-fastapi-imports = ["Query", "status"]\n'
    assert lint(tmp_path, files, ["LG202"], settings) == [("app/models/Order.py", 1, 21, "LG202")]


def test_an_http_exception_raised_through_a_variable_a_constant_or_a_helper(tmp_path: Path) -> None:
    """Issue 15: the instance raised may be made elsewhere — a local variable, a module constant,
    a helper annotated to return one. Not: a caught one re-raised, a helper returning something
    else, a domain exception in a variable."""
    files = {
        "app/core/errors.py": """\
            from fastapi import HTTPException

            GONE = HTTPException(status_code=410)
            LIMIT = 10

            def conflict(detail: str) -> HTTPException:
                return HTTPException(status_code=409, detail=detail)

            def domain(detail: str) -> ValueError:
                return ValueError(detail)
            """,
        "app/services/OrderService.py": """\
            from fastapi import HTTPException

            from app.core import errors
            from app.core.errors import GONE, LIMIT, conflict, domain

            async def place(order_id: int) -> None:
                if order_id == 1:
                    error = HTTPException(status_code=400)
                    raise error
                if order_id == 2:
                    raise conflict("taken") from None
                if order_id == 3:
                    raise GONE
                if order_id == 4:
                    raise errors.conflict("taken")
                if order_id == 5:
                    raise domain("no")
                if order_id == 6:
                    failure = ValueError(LIMIT)
                    raise failure
                try:
                    pass
                except HTTPException as caught:
                    raise caught
            """,
    }
    assert lint(tmp_path, files, ["LG201"]) == [
        ("app/services/OrderService.py", 9, 9, "LG201"),
        ("app/services/OrderService.py", 11, 9, "LG201"),
        ("app/services/OrderService.py", 13, 9, "LG201"),
        ("app/services/OrderService.py", 15, 9, "LG201"),
    ]
