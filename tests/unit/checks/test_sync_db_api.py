"""LG303: the sync database stack — imports, calls and database URLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from markers import assert_findings_match, findings_of
from tmp_project import lint

CODES = ["LG303"]


def test_imports_of_the_sync_api_one_finding_per_name(tmp_path: Path) -> None:
    files = {
        "app/db.py": """\
            from typing import TYPE_CHECKING
            from sqlalchemy import create_engine, select
            from sqlalchemy.engine import create_engine as make
            from sqlalchemy.orm import Session, sessionmaker, DeclarativeBase
            from sqlmodel import Session as ModelSession, SQLModel
            from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
            import sqlalchemy
            if TYPE_CHECKING:
                from sqlalchemy.orm import Session as TypingOnly
            """,
    }
    assert lint(tmp_path, files, CODES) == [
        ("app/db.py", 2, 24, "LG303"),
        ("app/db.py", 3, 31, "LG303"),
        ("app/db.py", 4, 28, "LG303"),
        ("app/db.py", 4, 37, "LG303"),
        ("app/db.py", 5, 22, "LG303"),
    ]


def test_calls_under_any_alias_and_sessionmaker_with_async_class() -> None:
    files = {
        "app/db.py": """\
            import sqlalchemy as sa
            import sqlalchemy.orm
            from sqlalchemy.ext.asyncio import AsyncSession

            def build(url: str) -> None:
                engine = sa.create_engine(url)  # error: [LG303]
                session = sqlalchemy.orm.Session(engine)  # error: [LG303]
                sync_factory = sqlalchemy.orm.sessionmaker(engine)  # error: [LG303]
                async_factory = sqlalchemy.orm.sessionmaker(engine, class_=AsyncSession)
                positional = sqlalchemy.orm.sessionmaker(engine, AsyncSession)
                other = requests_like.Session()
            """,
    }
    assert_findings_match(findings_of(files, select=CODES), files)


def test_sessionmaker_import_used_only_for_async_sessions_is_fine() -> None:
    files = {
        "app/db.py": """\
            from sqlalchemy.ext.asyncio import AsyncSession
            from sqlalchemy.orm import sessionmaker
            Factory = sessionmaker(class_=AsyncSession)
            """,
    }
    assert_findings_match(findings_of(files, select=CODES), files)


@pytest.mark.parametrize(
    ("url", "reported"),
    [
        ("postgresql://app:secret@db/app", True),
        ("postgresql+psycopg2://app@db/app", True),
        ("postgres://user:pw@host:5432/db", True),
        ("postgresql:///app", True),
        ("mysql://root@localhost/app", True),
        ("mysql+pymysql://root@localhost/app", True),
        ("sqlite:///./app.db", True),
        ("sqlite:////var/app.db", True),
        ("sqlite:///:memory:", True),
        ("mssql+pyodbc://user@dsn", True),
        ("postgresql+asyncpg://app@db/app", False),
        ("postgresql+psycopg://app@db/app", False),
        ("sqlite+aiosqlite:///./app.db", False),
        ("mysql+aiomysql://root@localhost/app", False),
        ("mysql+asyncmy://root@localhost/app", False),
        ("postgres://", False),
        ("sqlite:///", False),
        ("sqlite://", False),
        ("postgres://table", False),
        ("redis://localhost:6379/0", False),
        ("https://example.com/db", False),
        ("see postgresql://app@db/app", False),
    ],
)
def test_database_urls(url: str, reported: bool, tmp_path: Path) -> None:
    files = {"app/settings.py": f"URL = {url!r}\n"}
    assert lint(tmp_path, files, CODES) == ([("app/settings.py", 1, 7, "LG303")] if reported else [])


def test_driver_imports_count_where_the_module_connects(tmp_path: Path) -> None:
    files = {
        "app/legacy.py": """\
            import sqlite3
            from psycopg2 import pool, extras

            def open_both() -> None:
                sqlite3.connect("app.db")
                pool.SimpleConnectionPool(1, 2)
            """,
        "app/errors.py": """\
            import sqlite3

            def is_locked(error: Exception) -> bool:
                return isinstance(error, sqlite3.OperationalError) or sqlite3.sqlite_version < "3"
            """,
    }
    assert lint(tmp_path, files, CODES) == [
        ("app/legacy.py", 1, 1, "LG303"),
        ("app/legacy.py", 2, 1, "LG303"),
    ]


def test_annotations_are_not_findings() -> None:
    files = {
        "app/db.py": """\
            from __future__ import annotations
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from sqlalchemy.orm import Session

            def run(db: Session, other: "Session") -> Session:
                return db
            """,
    }
    assert_findings_match(findings_of(files, select=CODES), files)


def test_calls_through_an_import_alias_and_f_string_urls() -> None:
    """Issue 15: `create_engine` under an import alias, and an f-string URL read by its literal
    parts — reported when it names a sync driver, not when it is a driverless template."""
    files = {
        "app/db.py": """\
            from sqlalchemy import create_engine as make_engine  # error: [LG303]
            from sqlalchemy.orm import sessionmaker as maker  # error: [LG303]

            def build(user: str, host: str, driver: str) -> None:
                engine = make_engine(f"postgresql+psycopg2://{user}@{host}/app")  # error: [LG303, LG303]
                maker(engine)  # error: [LG303]
                template = f"postgresql://{user}@{host}/app"
                chosen = f"postgresql+{driver}://{user}@{host}/app"
                fast = f"postgresql+asyncpg://{user}@{host}/app"
                local = f"sqlite+pysqlite:///{host}/app.db"  # error: [LG303]
            """,
    }
    assert_findings_match(findings_of(files, select=CODES), files)


def test_code_that_never_runs_on_the_event_loop_is_left_alone() -> None:
    """Issue 15: functions handed to a thread (by name, as a method, through `partial`), SQLAlchemy's
    `run_sync` bridge, CLI commands and their nested functions; the imports they alone use."""
    files = {
        "app/reports.py": """\
            import asyncio
            import functools
            import sqlite3

            import typer
            from sqlalchemy import create_engine
            from sqlalchemy.orm import Session

            cli = typer.Typer()

            def _count(url: str) -> int:
                def inner() -> object:
                    return create_engine(url)
                inner()
                return 0

            def _vacuum(path: str, full: bool) -> None:
                sqlite3.connect(path).close()

            class Store:
                def _search(self, url: str) -> None:
                    Session(create_engine(url))

                async def search(self, url: str) -> None:
                    await asyncio.to_thread(self._search, url)

            def _with_sync(session: Session) -> None:
                Session(session.bind)

            async def run(url: str, session: object) -> int:
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, functools.partial(_vacuum, url, True))
                await session.run_sync(_with_sync)
                return await asyncio.to_thread(_count, url)

            @cli.command()
            def dump(url: str) -> None:
                create_engine(url)
            """,
        "app/mixed.py": """\
            import asyncio

            from sqlalchemy import create_engine  # error: [LG303]

            def _off(url: str) -> None:
                create_engine(url)

            async def on(url: str) -> None:
                create_engine(url)  # error: [LG303]
                await asyncio.to_thread(_off, url)
            """,
        "app/driver.py": """\
            import asyncio
            import sqlite3  # error: [LG303]

            from sqlalchemy import create_engine

            def _off(url: str) -> None:
                create_engine(url)

            async def on(path: str) -> None:
                sqlite3.connect(path)
                await asyncio.to_thread(_off, path)
            """,
        "app/initial_data.py": """\
            from sqlalchemy import create_engine
            from sqlalchemy.orm import Session

            engine = create_engine("postgresql://app@db/app")

            def init() -> None:
                Session(engine).commit()

            if __name__ == "__main__":
                init()
            """,
    }
    assert_findings_match(findings_of(files, select=CODES), files)
