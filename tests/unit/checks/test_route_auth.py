"""LG905 route-without-auth on small projects in memory: how auth dependencies match, how far
providers and router chains are followed, and where precision first says nothing."""

from __future__ import annotations

import pytest
from markers import assert_findings_match, findings_of

from layerguard.checks.auth_dependencies import matches_setting

CONFIG = 'auth-dependencies = ["get_current_user"]\n'

DEPS = """\
from typing import Annotated

from fastapi import Depends


async def get_db() -> None:
    return None


async def get_current_user(db: Annotated[None, Depends(get_db)]) -> int:
    return 1


DB = Annotated[None, Depends(get_db)]
User = Annotated[int, Depends(get_current_user)]
"""


def check(files: dict[str, str], config: str = CONFIG) -> None:
    files = {"app/deps.py": DEPS, **files}
    assert_findings_match(findings_of(files, config, select=["LG905"]), files)


@pytest.mark.parametrize(
    ("name", "entry", "wanted"),
    [
        ("app.core.auth.get_current_user", "get_current_user", True),
        ("app.core.auth.get_current_user", "auth.get_current_user", True),
        ("app.core.auth.get_current_user", "app.core.auth.get_current_user", True),
        ("app.core.auth.get_current_user", "core.get_current_user", False),
        ("app.core.auth.get_current_user_optional", "get_current_user", False),
        ("app.core.myauth.get_current_user", "auth.get_current_user", False),
    ],
)
def test_entries_match_by_last_name_or_dotted_suffix(name: str, entry: str, wanted: bool) -> None:
    assert matches_setting(name, (entry,)) is wanted


def test_an_app_level_dependency_made_in_a_factory_guards_every_route() -> None:
    check(
        {
            "app/api/items.py": """\
            from fastapi import APIRouter

            from app.deps import DB, User

            router = APIRouter()


            @router.get("/items")
            async def items(db: DB) -> int:
                return 1


            @router.get("/mine")
            async def mine(db: DB, user: User) -> int:
                return user
            """,
            "app/main.py": """\
            from fastapi import Depends, FastAPI

            from app.api import items
            from app.deps import get_current_user


            def create_app() -> FastAPI:
                app = FastAPI(dependencies=[Depends(get_current_user)])
                app.include_router(items.router)
                return app
            """,
        }
    )


def test_routes_on_an_app_passed_as_a_parameter_are_followed() -> None:
    check(
        {
            "app/api/items.py": """\
            from fastapi import APIRouter

            from app.deps import DB, User

            router = APIRouter(prefix="/items")


            @router.get("/")
            async def items(db: DB) -> int:  # error: [LG905]
                return 1


            @router.get("/mine")
            async def mine(db: DB, user: User) -> int:
                return user
            """,
            "app/routes.py": """\
            from fastapi import FastAPI

            from app.api import items


            def register(app: FastAPI) -> None:
                app.include_router(items.router)
            """,
            "app/main.py": """\
            from fastapi import FastAPI

            from app.routes import register

            app = FastAPI()
            register(app)
            """,
        }
    )


def test_module_level_depends_and_dependency_lists_are_read() -> None:
    check(
        {
            "app/api/items.py": """\
            from fastapi import APIRouter, Depends

            from app.deps import DB, User, get_current_user

            AUTH = Depends(get_current_user)
            GUARDED = [AUTH]
            router = APIRouter(dependencies=GUARDED)
            open_router = APIRouter()


            @router.get("/items")
            async def items(db: DB) -> int:
                return 1


            @open_router.get("/notes")
            async def notes(db: DB) -> int:  # error: [LG905]
                return 1


            @open_router.get("/notes/mine", dependencies=[AUTH])
            async def my_notes(db: DB) -> int:
                return 1
            """,
            "app/main.py": """\
            from fastapi import FastAPI

            from app.api import items

            app = FastAPI()
            app.include_router(items.router)
            app.include_router(items.open_router)
            """,
        }
    )


def test_what_cannot_be_resolved_is_not_reported() -> None:
    check(
        {
            "app/api/items.py": """\
            from fastapi import APIRouter, Depends

            from app.deps import DB, User
            from app.settings import DEPENDENCIES

            router = APIRouter(dependencies=DEPENDENCIES)


            class Guard:
                def check(self) -> None:
                    return None


            @router.get("/items")
            async def items(db: DB) -> int:
                return 1


            @router.get("/mine")
            async def mine(db: DB, user: User) -> int:
                return user


            other = APIRouter()


            @other.get("/method")
            async def by_method(db: DB, guard: None = Depends(Guard.check)) -> int:
                return 1


            @other.get("/mine")
            async def mine_too(db: DB, user: User) -> int:
                return user
            """,
            "app/settings.py": """\
            def dependencies() -> list[object]:
                return []


            DEPENDENCIES = dependencies()
            """,
            "app/main.py": """\
            from fastapi import FastAPI

            from app.api import items

            app = FastAPI()
            app.include_router(items.router)
            app.include_router(items.other)
            """,
        }
    )


def test_a_dependency_named_for_auth_but_not_configured_is_not_judged() -> None:
    check(
        {
            "app/api/items.py": """\
            from fastapi import APIRouter, Depends

            from app.deps import DB, User

            router = APIRouter()


            async def get_current_user_optional() -> int | None:
                return None


            @router.get("/items")
            async def items(db: DB, user: int | None = Depends(get_current_user_optional)) -> int:
                return 1


            @router.get("/mine")
            async def mine(db: DB, user: User) -> int:
                return user
            """,
            "app/main.py": """\
            from fastapi import FastAPI

            from app.api import items

            app = FastAPI()
            app.include_router(items.router)
            """,
        }
    )


def test_off_without_auth_dependencies() -> None:
    files = {
        "app/deps.py": DEPS,
        "app/main.py": """\
        from fastapi import FastAPI

        from app.deps import DB

        app = FastAPI()


        @app.get("/items")
        async def items(db: DB) -> int:
            return 1
        """,
    }
    assert findings_of(files, "", select=["LG905"]) == []


def test_a_subclass_of_a_configured_class_authenticates() -> None:
    check(
        {
            "app/guards.py": """\
            class Guard:
                async def __call__(self) -> None:
                    return None


            class AdminGuard(Guard):
                pass
            """,
            "app/main.py": """\
            from fastapi import Depends, FastAPI

            from app.deps import DB
            from app.guards import AdminGuard

            app = FastAPI()


            @app.get("/admin")
            async def admin(db: DB, guard: None = Depends(AdminGuard())) -> int:
                return 1


            @app.get("/items")
            async def items(db: DB) -> int:  # error: [LG905]
                return 1
            """,
        },
        config='auth-dependencies = ["app.guards.Guard"]\n',
    )
