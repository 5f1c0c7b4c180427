"""LG107: an endpoint opens a session or connection, lists a session provider in
`dependencies=`, or imports a sessionmaker or engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from markers import assert_findings_match, expected_findings, findings_of, read_tree
from tmp_project import lint

from layerguard import check

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "endpoint_db_access"
ENDPOINT = "app/api/routes/items.py"
DB = """\
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

engine = create_async_engine("sqlite+aiosqlite:///app.db")
declared_engine: AsyncEngine = make_engine()
AsyncMaker = sessionmaker(engine, class_=AsyncSession)
SessionLocal = async_sessionmaker(engine)
ALIAS = SessionLocal


async def get_db() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


@asynccontextmanager
async def scope() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


def helper() -> int:
    return 1
"""
HEADER = """\
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import session as db
from app.db.session import AsyncMaker, SessionLocal, declared_engine, engine, get_db, helper, scope

router = APIRouter()
"""


def _handler(body: str) -> str:
    return HEADER + f'\n\n@router.get("/")\nasync def read_items() -> None:\n    {body}\n'


@pytest.mark.parametrize(
    "body",
    [
        "async with SessionLocal() as s: ...",
        "async with SessionLocal.begin() as s: ...",
        "s = SessionLocal()",
        "s: AsyncSession = SessionLocal()",
        "async with AsyncMaker() as s: ...",
        "async with db.SessionLocal() as s: ...",
        "async with scope() as s: ...",
        "async with AsyncSession(engine) as s: ...",
        "s = AsyncSession(bind=engine)",
        "async with engine.connect() as c: ...",
        "async with engine.begin() as c: ...",
        "c = await declared_engine.connect()",
        "async with db.engine.begin() as c: ...",
    ],
)
def test_a_session_or_connection_opened_in_a_handler_is_reported_at_the_call(
    tmp_path: Path, body: str
) -> None:
    source = _handler(body)
    findings = lint(tmp_path, {"app/db/session.py": DB, ENDPOINT: source}, ["LG107"])
    line = source.splitlines().index(f"    {body}") + 1
    call = body.split("= ", 1)[1] if " = " in body else body.split("with ", 1)[1]
    column = 5 + body.index(call.removeprefix("await ").split(" as ")[0])
    handler_findings = [f for f in findings if f[1] == line]
    assert handler_findings == [(ENDPOINT, line, column, "LG107")]


@pytest.mark.parametrize(
    "body",
    [
        "x = helper()",
        "s = ALIAS",  # no call
        "async with httpx.AsyncClient() as c: ...",
        "c = engine.dispose()",
        "s = session.begin()",  # an unknown receiver
    ],
)
def test_a_call_not_known_to_open_a_session_is_clean(tmp_path: Path, body: str) -> None:
    source = _handler(body).replace("from fastapi import", "import httpx\nfrom fastapi import")
    findings = lint(tmp_path, {"app/db/session.py": DB, ENDPOINT: source}, ["LG107"])
    assert [f for f in findings if f[1] > 6] == []


INTERFACE = """\
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Maker = async_sessionmaker()


class BaseInterface:
    async def session(self) -> AsyncSession:
        return Maker()

    @asynccontextmanager
    async def inherited_context(self):
        session = await self.session()
        yield session


class Interface(BaseInterface):
    @asynccontextmanager
    async def session_context(self):
        session = await self.session()
        async with session:
            yield session

    @asynccontextmanager
    async def connection(self):
        value = await self.healthy()
        yield value

    async def healthy(self) -> bool:
        return True

    def loop(self):
        again = self.loop()
        yield again


@asynccontextmanager
async def unannotated():
    async with Maker() as session:
        yield session


@asynccontextmanager
async def wrapped():
    async with unannotated() as session:
        yield session


def recursive():
    value = recursive()
    yield value
"""


@pytest.mark.parametrize(
    ("body", "reported"),
    [
        ("async with db.session_context() as s: ...", True),  # a method of the declared class
        ("async with db.inherited_context() as s: ...", True),  # ... or of a project base class
        ("async with unannotated() as s: ...", True),  # yields what a sessionmaker made
        ("async with wrapped() as s: ...", True),  # ... through another such function
        ("async with db.connection() as c: ...", False),  # yields a bool
        ("s = await db.healthy()", False),
        ("s = db.loop()", False),  # yields what it returns: followed a few hops, then given up
        ("s = recursive()", False),
        ("async with other.session_context() as s: ...", False),  # an undeclared receiver
    ],
)
def test_what_a_function_without_return_annotation_yields(tmp_path: Path, body: str, reported: bool) -> None:
    source = (
        "from fastapi import APIRouter\n\n"
        "from app.db.interface import Interface, recursive, unannotated, wrapped\n\n"
        "router = APIRouter()\n\n\n"
        '@router.get("/")\nasync def read_items(db: Interface, other) -> None:\n'
        f"    {body}\n"
    )
    findings = lint(tmp_path, {"app/db/interface.py": INTERFACE, ENDPOINT: source}, ["LG107"])
    assert [f[1] for f in findings] == ([source.count("\n")] if reported else [])


def test_a_provider_without_return_annotation_is_not_a_session_by_its_name() -> None:
    files = {
        "app/core/http.py": "async def get_session():\n    return object()\n",
        ENDPOINT: (
            "from fastapi import APIRouter\n\nfrom app.core.http import get_session\n\n"
            "router = APIRouter()\n\n\n"
            '@router.get("/")\nasync def fetch() -> None:\n    http = await get_session()\n'
        ),
    }
    assert findings_of(files, select=["LG107"]) == []


def test_a_handler_outside_the_endpoint_layer_is_checked_but_its_imports_are_not() -> None:
    files = {
        "app/db/session.py": DB,
        "app/main.py": """\
            from fastapi import FastAPI

            from app.db.session import engine

            app = FastAPI()


            @app.get("/health")
            async def health() -> None:
                async with engine.connect() as connection:  # error: [LG107]
                    pass
            """,
    }
    assert_findings_match(findings_of(files, select=["LG107"]), files)


def test_dependencies_lists_are_read_on_routes_routers_and_apps() -> None:
    files = {
        "app/db/session.py": DB,
        "app/core/auth.py": "async def current_user() -> str:\n    return 'me'\n",
        "app/api/routes/items.py": """\
            from fastapi import APIRouter, Depends, FastAPI, Security

            from app.core.auth import current_user
            from app.db.session import get_db

            AUTH = Depends(current_user)
            router = APIRouter(dependencies=[Depends(current_user), Security(get_db)])  # error: [LG107]
            app = FastAPI(dependencies=(Depends(get_db),))  # error: [LG107]
            other = APIRouter(dependencies=[AUTH, Depends(get_db)])  # error: [LG107]
            mixed = APIRouter(dependencies=[Depends(get_db)], responses={404: Depends(get_db)})


            @router.get("/a", dependencies=[Depends(get_db)])  # error: [LG107]
            async def a() -> None: ...


            @router.get("/b", dependencies=[Depends(current_user)])
            async def b() -> None: ...


            @router.get("/c", dependencies=[Depends()])
            async def c() -> None: ...
            """,
    }
    # `mixed` is not reported: a `Depends` outside `dependencies=` means the list's elements and
    # the providers the call holds cannot be paired one to one (precision first).
    assert_findings_match(findings_of(files, select=["LG107"]), files)


def test_configured_session_providers_count_in_dependencies() -> None:
    files = {
        "app/core/database.py": "def open_unit():\n    yield object()\n",
        "app/api/routes/items.py": """\
            from fastapi import APIRouter, Depends

            from app.core.database import open_unit

            router = APIRouter(dependencies=[Depends(open_unit)])  # error: [LG107]
            """,
    }
    config = 'extend-session-providers = ["open_unit"]\n'
    assert_findings_match(findings_of(files, config, select=["LG107"]), files)


def test_imports_of_a_sessionmaker_or_engine_in_an_endpoint_module() -> None:
    files = {
        "app/db/session.py": DB,
        "app/db/__init__.py": "from app.db.session import SessionLocal as Maker\n",
        "app/api/routes/items.py": """\
            from typing import TYPE_CHECKING

            from app.db import Maker  # error: [LG107]
            from app.db.session import ALIAS, AsyncMaker, declared_engine  # error: [LG107, LG107, LG107]
            from app.db.session import get_db, helper
            from app.db.session import *
            from app.db import session

            if TYPE_CHECKING:
                from app.db.session import engine
            """,
        "app/services/ItemService.py": "from app.db.session import SessionLocal, engine\n",
    }
    assert_findings_match(findings_of(files, select=["LG107"]), files)


def test_custom_layers_are_left_to_the_graph_rules() -> None:
    files = {
        "app/db/session.py": DB,
        "app/web/items.py": """\
            from fastapi import APIRouter

            from app.db.session import SessionLocal

            router = APIRouter()


            @router.get("/")
            async def read() -> None:
                async with SessionLocal() as s:
                    pass
            """,
    }
    config = '[tool.layerguard.layers.web]\nmodules = ["app.web.**"]\nmay-import = []\n'
    assert_findings_match(findings_of(files, config, select=["LG107"]), files)


def test_the_message_names_the_handler_and_what_it_opens() -> None:
    files = {"app/db/session.py": DB, ENDPOINT: _handler("async with scope() as s: ...")}
    [finding] = [f for f in findings_of(files, select=["LG107"]) if f.line > 6]
    assert finding.message == (
        "Route handler `read_items` opens a database session (`scope()` makes an AsyncSession): "
        "let a service own data access"
    )


def test_fixture_exactly_the_marked_lines_are_reported() -> None:
    report = check([FIXTURE], select=["LG104", "LG107"], cache=False)
    assert_findings_match(report.findings, read_tree(FIXTURE), root=FIXTURE)


def test_fixture_marks_every_part_of_the_rule() -> None:
    report = check([FIXTURE], select=["LG107"], cache=False)
    messages = {f.message.split(" ", 2)[1] for f in report.findings}
    assert {"handler", "module", "route", "`create_user`"} <= messages  # opens / imports / router / route
    assert expected_findings(read_tree(FIXTURE))
