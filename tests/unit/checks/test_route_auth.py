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


ROUTERS = """\
from fastapi import APIRouter

from app.deps import DB, User

users = APIRouter(prefix="/users")
teams = APIRouter(prefix="/teams")
local_like = APIRouter(prefix="/local")


@users.get("/")
async def list_users(db: DB) -> int:{users}
    return 1


@users.get("/me")
async def me(db: DB, user: User) -> int:
    return user


@teams.get("/")
async def list_teams(db: DB) -> int:{teams}
    return 1


@teams.get("/mine")
async def my_teams(db: DB, user: User) -> int:
    return user


@local_like.get("/")
async def list_local(db: DB) -> int:
    return 1


@local_like.get("/mine")
async def my_local(db: DB, user: User) -> int:
    return user
"""


def routers(users: str = "", teams: str = "") -> str:
    return ROUTERS.format(users=users, teams=teams)


def test_routers_included_in_a_loop_over_a_literal_list_are_followed() -> None:
    """The loop's list or tuple, written in it or bound to a name in the function or module:
    each router gets the call's prefix and dependencies."""
    marked = "  # error: [LG905]"
    check(
        {
            "app/api/routes.py": routers(users=marked, teams=marked),
            "app/main.py": """\
            from fastapi import Depends, FastAPI

            from app.api import routes
            from app.deps import get_current_user

            OPEN = (routes.users,)


            def create_app() -> FastAPI:
                app = FastAPI()
                guarded = [routes.local_like]
                for router in OPEN:
                    app.include_router(router, prefix="/v1")
                for router in [routes.teams]:
                    app.include_router(router)
                for router in guarded:
                    app.include_router(router, dependencies=[Depends(get_current_user)])
                return app
            """,
        }
    )


def test_a_loop_over_what_is_not_a_literal_list_here_is_not_followed() -> None:
    """A list imported from another module (also used there), a parameter, or a bare name in
    the list that may be a local variable: where those routers are served is unknown."""
    check(
        {
            "app/api/routes.py": routers(),
            "app/api/registry.py": """\
            from app.api import routes

            ROUTERS = [routes.users]
            """,
            "app/main.py": """\
            from fastapi import FastAPI

            from app.api import routes
            from app.api.registry import ROUTERS


            def create_app(extra: list[object]) -> FastAPI:
                app = FastAPI()
                for router in ROUTERS:
                    app.include_router(router)
                for router in extra:
                    app.include_router(router)
                teams = routes.teams
                for router in [teams]:
                    app.include_router(router)
                return app
            """,
        }
    )


def test_routers_made_and_returned_by_a_factory_are_followed() -> None:
    """`include_router(build())` and `r = build(); include_router(r)`: the router the factory
    made and returned, with its routes; a factory with another `return`, or whose name last
    holds something else (`router = wrap(router)`), is not followed."""
    check(
        {
            "app/api/factories.py": """\
            from fastapi import APIRouter

            from app.deps import DB, User


            def build_open() -> APIRouter:
                router = APIRouter(prefix="/open")

                @router.get("/")
                async def open_list(db: DB) -> int:  # error: [LG905]
                    return 1

                @router.get("/mine")
                async def open_mine(db: DB, user: User) -> int:
                    return user

                return router


            def build_named() -> APIRouter:
                router = APIRouter(prefix="/named")

                @router.get("/")
                async def named_list(db: DB) -> int:  # error: [LG905]
                    return 1

                @router.get("/mine")
                async def named_mine(db: DB, user: User) -> int:
                    return user

                return router


            def build_guarded() -> APIRouter:
                router = APIRouter(prefix="/guarded")

                @router.get("/")
                async def guarded_list(db: DB) -> int:
                    return 1

                @router.get("/mine")
                async def guarded_mine(db: DB, user: User) -> int:
                    return user

                return router


            def build_either(flag: bool) -> APIRouter:
                router = APIRouter(prefix="/either")

                @router.get("/")
                async def either_list(db: DB) -> int:
                    return 1

                @router.get("/mine")
                async def either_mine(db: DB, user: User) -> int:
                    return user

                if flag:
                    return router
                return APIRouter()


            def wrap(router: APIRouter) -> APIRouter:
                return router


            def build_wrapped() -> APIRouter:
                router = APIRouter(prefix="/wrapped")

                @router.get("/")
                async def wrapped_list(db: DB) -> int:
                    return 1

                @router.get("/mine")
                async def wrapped_mine(db: DB, user: User) -> int:
                    return user

                router = wrap(router)
                return router
            """,
            "app/main.py": """\
            from fastapi import Depends, FastAPI

            from app.api import factories
            from app.api.factories import build_named
            from app.deps import get_current_user

            app = FastAPI()
            app.include_router(factories.build_open(), prefix="/v1")
            named = build_named()
            app.include_router(named)
            app.include_router(factories.build_guarded(), dependencies=[Depends(get_current_user)])
            app.include_router(factories.build_either(True))
            app.include_router(factories.build_wrapped())
            """,
        }
    )


def test_a_loop_at_module_level_is_followed() -> None:
    marked = "  # error: [LG905]"
    check(
        {
            "app/api/routes.py": routers(users=marked, teams=marked),
            "app/main.py": """\
            from fastapi import Depends, FastAPI

            from app.api import routes
            from app.deps import get_current_user

            app = FastAPI()
            for router in [routes.users, routes.teams]:
                app.include_router(router, prefix="/v1")
            for router in (routes.local_like,):
                app.include_router(router, dependencies=[Depends(get_current_user)])
            """,
        }
    )


def test_a_handler_that_calls_a_configured_function_in_its_body_is_guarded() -> None:
    """The call counts under a module alias too; one in a function nested in the handler, which
    may never run, or a result the handler drops does not."""
    check(
        {
            "app/api/items.py": """\
            from fastapi import APIRouter, Request

            from app import deps as auth
            from app.deps import DB, User

            router = APIRouter(prefix="/items")


            @router.post("/restore")
            async def restore(request: Request, db: DB) -> int:
                user = await auth.get_current_user(None)
                return user


            @router.post("/later")
            async def later(db: DB) -> int:  # error: [LG905]
                async def check() -> int:
                    user = await auth.get_current_user(None)
                    return user

                return 1


            @router.post("/dropped")
            async def dropped(db: DB) -> int:  # error: [LG905]
                await auth.get_current_user(None)
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


def test_building_a_configured_class_from_outside_the_project_in_the_body_guards_nothing() -> None:
    """`AuthJWT()` (fastapi_jwt_auth, not in the project) only builds the guard, as calling a
    project class does; taken as a `Depends()` parameter it guards."""
    check(
        {
            "app/api/items.py": """\
            from fastapi import APIRouter, Depends
            from fastapi_jwt_auth import AuthJWT

            from app.deps import DB

            router = APIRouter(prefix="/items")


            @router.get("/built")
            async def built(db: DB) -> int:  # error: [LG905]
                auth = AuthJWT()
                return 1


            @router.get("/taken")
            async def taken(db: DB, authorize: AuthJWT = Depends()) -> int:
                return 1
            """,
            "app/main.py": """\
            from fastapi import FastAPI

            from app.api import items

            app = FastAPI()
            app.include_router(items.router)
            """,
        },
        config='auth-dependencies = ["get_current_user", "AuthJWT"]\n',
    )
