"""LG804: routers in endpoint modules that no `include_router`/`mount` receives."""

from __future__ import annotations

from pathlib import Path

import pytest
from tmp_project import lint

from layerguard import check

ORDERS = "app/api/v1/endpoints/orders.py"
ROUTER = "from fastapi import APIRouter\n\nrouter = APIRouter(prefix='/orders')\n"


@pytest.mark.parametrize(
    "main",
    [
        "from app.api.v1.endpoints.orders import router\napp.include_router(router)\n",
        "from app.api.v1.endpoints.orders import router as orders_router\n"
        "app.include_router(orders_router)\n",
        "from app.api.v1.endpoints import orders\napp.include_router(orders.router, prefix='/o')\n",
        "import app.api.v1.endpoints.orders\napp.include_router(app.api.v1.endpoints.orders.router)\n",
        "from app.api.v1.endpoints import orders\napp.include_router(router=orders.router)\n",
        "from app.api.v1.endpoints import orders\nfor r in [orders.router]:\n    app.include_router(r)\n",
        "from app.api.v1.endpoints import orders\nROUTERS = (orders.router,)\n"
        "def wire() -> None:\n    for r in ROUTERS:\n        app.include_router(r)\n",
        "from app.api.v1.routers import ALL\n"
        "def wire() -> None:\n    for r in ALL:\n        app.include_router(r)\n",
        "from app.api.v1.endpoints import orders\n"
        "def wire() -> None:\n    r = orders.router\n    app.include_router(r)\n",
        "from app.api.v1.endpoints import orders\napp.mount('/orders', orders.router)\n",
        "from app.api.v1.endpoints import orders\n"
        "app.generate_and_include_versioned_routers(orders.router)\n",
        "from app.api.v1.endpoints import ORDERS_ROUTER\napp.include_router(ORDERS_ROUTER)\n",  # re-exported
    ],
)
def test_an_included_router_is_clean(tmp_path: Path, main: str) -> None:
    files = {
        ORDERS: ROUTER,
        "app/api/v1/endpoints/__init__.py": "from .orders import router as ORDERS_ROUTER\n",
        "app/api/v1/routers.py": "from app.api.v1.endpoints import orders\nALL = [orders.router]\n",
        "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n" + main,
    }
    assert lint(tmp_path, files, ["LG804"]) == []


def test_a_router_no_one_includes_is_reported_at_its_assignment(tmp_path: Path) -> None:
    files = {
        ORDERS: ROUTER,
        "app/api/v1/endpoints/users.py": "from fastapi import APIRouter\n\nusers_router = APIRouter()\n",
        "app/main.py": (
            "from fastapi import FastAPI\n\nfrom app.api.v1.endpoints import orders, users\n\n"
            "app = FastAPI()\napp.include_router(users.users_router)\n"
        ),
    }
    assert lint(tmp_path, files, ["LG804"]) == [(ORDERS, 3, 1, "LG804")]
    [finding] = check([tmp_path], select=["LG804"], cache=False).findings
    assert finding.message == (
        "Router `router` is never passed to `include_router()` or `mount()`: its routes are not served"
    )


def test_a_fastapi_app_and_routers_outside_endpoint_modules_are_not_reported(tmp_path: Path) -> None:
    files = {
        "app/api/v1/endpoints/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        "app/main.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
        "app/core/extra.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
    }
    assert lint(tmp_path, files, ["LG804"]) == []


def test_including_it_with_another_router_is_enough(tmp_path: Path) -> None:
    files = {
        ORDERS: ROUTER,
        "app/api/v1/api.py": (
            "from fastapi import APIRouter\n\nfrom app.api.v1.endpoints import orders\n\n"
            "api_router = APIRouter()\napi_router.include_router(orders.router)\n"
        ),
    }
    # The parent router is the one no one includes.
    assert lint(tmp_path, files, ["LG804"]) == [("app/api/v1/api.py", 5, 1, "LG804")]


def test_an_include_only_in_excluded_tests_does_not_count(tmp_path: Path) -> None:
    files = {
        ORDERS: ROUTER,
        "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        "tests/test_orders.py": (
            "from fastapi import FastAPI\nfrom app.api.v1.endpoints import orders\n"
            "FastAPI().include_router(orders.router)\n"
        ),
    }
    assert lint(tmp_path, files, ["LG804"]) == [(ORDERS, 3, 1, "LG804")]


@pytest.mark.parametrize(
    ("main", "expected"),
    [
        ("", []),
        (
            "def serve() -> None:\n    from fastapi import FastAPI\n\n    FastAPI()\n",
            [(ORDERS, 3, 1, "LG804")],
        ),
        ("def wire(app, other) -> None:\n    app.include_router(other)\n", [(ORDERS, 3, 1, "LG804")]),
    ],
)
def test_routers_of_a_project_that_makes_no_app_and_includes_none_are_not_reported(
    tmp_path: Path, main: str, expected: list[tuple[str, int, int, str]]
) -> None:
    """intentkit's core package (seed 39) exports its routers to a server in another
    distribution: no `FastAPI()` and no `include_router()` anywhere, so an exported router cannot
    be told from a forgotten one. Once the project makes an app or includes a router, it can."""
    files = {ORDERS: ROUTER, "app/server.py": main}
    assert lint(tmp_path, files, ["LG804"]) == expected


def test_a_router_named_under_a_namespace_root_layerguard_does_not_see_is_included(tmp_path: Path) -> None:
    """keephq (the seed-33 audit): `keep/` has no `__init__.py`, so layerguard names its modules
    `api.v1.endpoints.orders` while its imports say `keep.api.v1.endpoints`: the name is tried
    without its leading parts and finds the router. A third party's `ext.users.router` names no
    router of the project: `users` is still reported."""
    files = {
        "api/v1/endpoints/orders.py": ROUTER,
        "api/v1/endpoints/users.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
        "api/main.py": (
            "import somelib as ext\nfrom fastapi import FastAPI\n\n"
            "from keep.api.v1.endpoints import orders\n\napp = FastAPI()\n"
            "app.include_router(orders.router)\nprint(ext.users.router)\n"
        ),
    }
    assert lint(tmp_path, files, ["LG804"]) == [("api/v1/endpoints/users.py", 3, 1, "LG804")]


@pytest.mark.parametrize(
    "main",
    [
        "from fastapi import FastAPI as Api\n\napp = Api()\n",
        "from fastapi import FastAPI\n\n\nclass ShopApp(FastAPI):\n    pass\n\n\napp = ShopApp()\n",
    ],
)
def test_an_app_made_under_another_name_still_makes_the_project_an_app(tmp_path: Path, main: str) -> None:
    """An aliased `FastAPI` or a subclass of it is an app too: the forgotten router is reported."""
    files = {ORDERS: ROUTER, "app/main.py": main}
    assert lint(tmp_path, files, ["LG804"]) == [(ORDERS, 3, 1, "LG804")]
