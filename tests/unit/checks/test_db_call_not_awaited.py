"""LG302: AsyncSession coroutines called without `await`, on receivers known to be AsyncSessions."""

from __future__ import annotations

from pathlib import Path

from markers import assert_findings_match, findings_of
from tmp_project import lint

CODES = ["LG302"]


def test_receivers_typed_by_annotation_in_every_form() -> None:
    files = {
        "app/db.py": """\
            from typing import Annotated, Optional, TypeAlias
            from fastapi import Depends
            from sqlalchemy.ext.asyncio import AsyncSession

            async def get_db(): ...

            SessionDep = Annotated[AsyncSession, Depends(get_db)]
            DB: TypeAlias = SessionDep

            class TenantSession(AsyncSession):
                pass
            """,
        "app/repositories/OrderRepository.py": """\
            from typing import Optional
            from sqlalchemy.ext.asyncio import AsyncSession as AS
            from app.db import DB, SessionDep, TenantSession

            async def a(s: AS) -> None:
                s.commit()  # error: [LG302]
            async def b(s: SessionDep) -> None:
                s.commit()  # error: [LG302]
            async def c(s: DB) -> None:
                s.commit()  # error: [LG302]
            async def d(s: Optional[AS]) -> None:
                s.commit()  # error: [LG302]
            async def e(s: AS | None) -> None:
                s.commit()  # error: [LG302]
            async def f(s: "AS") -> None:
                s.commit()  # error: [LG302]
            async def g(s: TenantSession) -> None:
                s.commit()  # error: [LG302]
            async def h() -> None:
                s: AS = make()
                s.commit()  # error: [LG302]
            """,
    }
    assert_findings_match(findings_of(files, select=CODES), files)


def test_receivers_made_by_a_sessionmaker_or_a_provider() -> None:
    files = {
        "app/core/database.py": """\
            from collections.abc import AsyncIterator
            from contextlib import asynccontextmanager
            from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
            from sqlalchemy.orm import sessionmaker

            engine = create_async_engine("sqlite+aiosqlite://")
            Maker = async_sessionmaker(engine)
            Annotated_maker: async_sessionmaker[AsyncSession] = build()
            Legacy = sessionmaker(engine, AsyncSession)
            SyncMaker = sessionmaker(engine)

            @asynccontextmanager
            async def scope() -> AsyncIterator[AsyncSession]:
                yield AsyncSession(engine)
            """,
        "app/services/OrderService.py": """\
            from sqlalchemy.ext.asyncio import AsyncSession
            from app.core import database
            from app.core.database import Annotated_maker, Legacy, Maker, SyncMaker, engine, scope

            async def run() -> None:
                async with Maker() as a:
                    a.flush()  # error: [LG302]
                async with Maker.begin() as b:
                    b.flush()  # error: [LG302]
                async with Annotated_maker() as c:
                    c.flush()  # error: [LG302]
                async with Legacy() as d:
                    d.flush()  # error: [LG302]
                async with scope() as e:
                    e.flush()  # error: [LG302]
                f = AsyncSession(engine)
                f.flush()  # error: [LG302]
                with SyncMaker() as sync:
                    sync.flush()
                async with a.begin() as transaction:
                    transaction.commit()
            """,
    }
    assert_findings_match(findings_of(files, select=CODES), files)


def test_self_attribute_typed_in_init_or_class_body() -> None:
    files = {
        "app/repositories/OrderRepository.py": """\
            from sqlmodel.ext.asyncio.session import AsyncSession

            class OrderRepository:
                audit: AsyncSession

                def __init__(self, session: AsyncSession, engine) -> None:
                    self.session = session
                    self.made = AsyncSession(engine)

                async def save(self) -> None:
                    self.session.exec(q)  # error: [LG302]
                    self.made.get(1, 2)  # error: [LG302]
                    self.audit.scalar(q)  # error: [LG302]
                    self.session.add(1)
                    self.session.add_all([])
                    self.session.expunge(1)
            """,
    }
    assert_findings_match(findings_of(files, select=CODES), files)


def test_awaited_scheduled_or_outside_async_code_is_fine() -> None:
    files = {
        "app/repositories/OrderRepository.py": """\
            import asyncio
            from asyncio import gather
            from sqlalchemy.ext.asyncio import AsyncSession

            async def ok(s: AsyncSession) -> None:
                await s.commit()
                await gather(s.refresh(1), s.refresh(2))
                await asyncio.gather(s.refresh(1))
                task = asyncio.create_task(s.commit())
                asyncio.ensure_future(s.flush())
                await asyncio.wait_for(s.flush(), 1)
                await asyncio.shield(s.commit())
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(s.commit())
                asyncio.get_running_loop().create_task(s.close())
                async with s.begin():
                    pass
                def inner() -> None:
                    s.commit()
                callback = lambda: s.commit()

            def sync(s: AsyncSession) -> None:
                s.commit()
            """,
    }
    assert_findings_match(findings_of(files, select=CODES), files)


def test_name_alone_never_makes_a_session() -> None:
    files = {
        "app/services/AvatarService.py": """\
            import aiohttp
            from sqlalchemy.orm import Session

            async def fetch(session, db: Session, url: str) -> None:
                async with aiohttp.ClientSession() as client_session:
                    client_session.get(url)
                session.execute(url)
                session.commit()
                db.commit()
                unknown = make_session()
                unknown.commit()
            """,
    }
    assert_findings_match(findings_of(files, select=CODES), files)


def test_reported_at_the_call(tmp_path: Path) -> None:
    files = {
        "app/repositories/OrderRepository.py": """\
            from sqlalchemy.ext.asyncio import AsyncSession

            async def save(s: AsyncSession) -> None:
                result = s.execute(
                    q,
                )
            """,
    }
    assert lint(tmp_path, files, CODES) == [("app/repositories/OrderRepository.py", 4, 14, "LG302")]


def test_self_attribute_inherited_from_a_project_base_class(tmp_path: Path) -> None:
    files = {
        "app/repositories/base.py": """\
            from sqlalchemy.ext.asyncio import AsyncSession

            class BaseRepository:
                def __init__(self, session: AsyncSession, client) -> None:
                    self.session = session
                    self.client = client
            """,
        "app/repositories/OrderRepository.py": """\
            from app.repositories.base import BaseRepository

            class Middle(BaseRepository):
                pass

            class OrderRepository(Middle):
                async def save(self) -> None:
                    self.session.commit()
                    self.client.get("u")
                    await self.session.flush()
            """,
    }
    assert lint(tmp_path, files, CODES) == [("app/repositories/OrderRepository.py", 8, 9, "LG302")]
