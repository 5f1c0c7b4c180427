"""LG104: route handlers that take a database session."""

from __future__ import annotations

from pathlib import Path

import pytest
from tmp_project import lint

from layerguard import check

ENDPOINT = "app/api/v1/endpoints/users.py"
DB = """\
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession


async def get_db() -> AsyncIterator[AsyncSession]:
    yield AsyncSession()


async def open_database() -> AsyncIterator[AsyncSession]:
    yield AsyncSession()


async def get_current_user() -> str:
    return "me"


SessionDep = Annotated[AsyncSession, Depends(get_db)]
ProviderDep = Annotated[object, Depends(get_db)]
"""
HEADER = """\
from typing import Annotated, Optional

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session
from sqlalchemy.ext.asyncio import AsyncSession as AS
from sqlmodel import Session as ModelSession

from app.db import session as db_module
from app.db.session import ProviderDep, SessionDep, get_current_user, get_db, open_database
from app.db.reexport import Dep

router = APIRouter()
"""


@pytest.mark.parametrize(
    "parameter",
    [
        "db: Session",
        "db: AS",
        "db: ModelSession",
        "db: Optional[Session]",
        "db: Session | None = None",
        "db: Annotated[AS, Depends(get_db)]",
        "db: SessionDep",  # an alias imported from another module
        "db: db_module.SessionDep",  # the alias as a module attribute
        "db: Dep",  # an alias re-exported by another module
        "db: LocalDep",  # an alias defined in this module
        "db=Depends(get_db)",  # a configured provider
        "db: object = Depends(db_module.get_db)",
        "db: ProviderDep",  # a provider inside an alias
        "db: Annotated[object, Depends(open_database)]",  # a provider declared to return a session
        "*, db: Annotated[AS, Depends()]",
    ],
)
def test_a_session_parameter_is_reported_at_the_parameter(tmp_path: Path, parameter: str) -> None:
    source = HEADER + (
        "LocalDep = Annotated[Session, Depends(get_db)]\n\n\n"
        f'@router.get("/")\nasync def read_users(\n    limit: int,\n    {parameter},\n) -> None: ...\n'
    )
    files = {"app/db/session.py": DB, "app/db/reexport.py": "from app.db.session import SessionDep as Dep\n"}
    findings = lint(tmp_path, {**files, ENDPOINT: source}, ["LG104"])
    line = source.splitlines().index(f"    {parameter},") + 1
    column = 5 + (3 if parameter.startswith("*, ") else 0)
    assert findings == [(ENDPOINT, line, column, "LG104")]


@pytest.mark.parametrize(
    "parameter",
    [
        "user: str = Depends(get_current_user)",
        "client: aiohttp.ClientSession",
        "session: str",
        "session=None",
        "db: Annotated[object, Depends(get_current_user)]",
    ],
)
def test_other_parameters_are_clean(tmp_path: Path, parameter: str) -> None:
    source = (
        HEADER + f'import aiohttp\n\n\n@router.get("/")\nasync def read_users({parameter}) -> None: ...\n'
    )
    assert lint(tmp_path, {"app/db/session.py": DB, ENDPOINT: source}, ["LG104"]) == []


def test_only_route_handlers_are_checked(tmp_path: Path) -> None:
    source = HEADER + "async def helper(db: Session) -> None: ...\n"
    assert lint(tmp_path, {"app/db/session.py": DB, ENDPOINT: source}, ["LG104"]) == []


def test_session_providers_are_configurable(tmp_path: Path) -> None:
    db = "def provide_conn() -> object: ...\n"
    source = (
        "from fastapi import APIRouter, Depends\n\nfrom app.db.conn import provide_conn\n\n"
        'router = APIRouter()\n\n\n@router.get("/")\n'
        "async def read(conn=Depends(provide_conn)) -> None: ...\n"
    )
    files = {"app/db/conn.py": db, ENDPOINT: source}
    assert lint(tmp_path, files, ["LG104"]) == []
    settings = 'extend-session-providers = ["provide_conn"]\n'
    assert lint(tmp_path, files, ["LG104"], settings) == [(ENDPOINT, 9, 16, "LG104")]


def test_the_message_names_the_handler_and_why(tmp_path: Path) -> None:
    source = HEADER + '\n\n@router.get("/")\nasync def read_users(db: SessionDep) -> None: ...\n'
    lint(tmp_path, {"app/db/session.py": DB, ENDPOINT: source}, ["LG104"])
    [finding] = check([tmp_path], select=["LG104"], cache=False).findings
    assert finding.message == (
        "Route handler `read_users` takes a database session (`db`: typed `SessionDep`, an AsyncSession): "
        "let a service own data access"
    )


def test_handlers_in_custom_layers_are_left_to_the_graph_rules(tmp_path: Path) -> None:
    settings = '[tool.layerguard.layers.web]\nmodules = ["app.web.**"]\n'
    source = HEADER + '\n\n@router.get("/")\nasync def read_users(db: Session) -> None: ...\n'
    files = {"app/db/session.py": DB, "app/web/users.py": source}
    assert lint(tmp_path, files, ["LG104"], settings) == []


def test_a_class_based_view_session_attribute_is_reported_once(tmp_path: Path) -> None:
    """Issue 15: `@cbv(router)` views declare dependencies as class attributes, read by every
    route method as `self.session`. Reported at the attribute, once however many routes; not in
    a class with no route method, not for other attributes."""
    source = HEADER + (
        "from fastapi_utils.cbv import cbv\n\n\n"
        "@cbv(router)\n"
        "class UsersView:\n"
        "    session: AS = Depends(get_db)\n"
        "    db = Depends(get_db)\n"
        "    user: str = Depends(get_current_user)\n\n"
        '    @router.get("/")\n'
        "    async def list_users(self) -> list[int]: ...\n\n"
        '    @router.get("/{user_id}")\n'
        "    async def read_user(self, user_id: int) -> int: ...\n\n\n"
        "class Helper:\n"
        "    session: AS = Depends(get_db)\n"
    )
    files = {"app/db/session.py": DB, ENDPOINT: source}
    assert lint(tmp_path, files, ["LG104"]) == [(ENDPOINT, 18, 5, "LG104")]
    [finding] = check([tmp_path], select=["LG104"], cache=False).findings
    assert finding.message.startswith(
        "Class-based view `UsersView` takes a database session (`session`: typed `AS`"
    )
