"""LG305: plain `def` functions in services and repositories that use a database session."""

from __future__ import annotations

from pathlib import Path

from tmp_project import lint

CODES = ["LG305"]

REPOSITORY = """\
    from typing import Annotated
    from fastapi import Depends
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import Session
    from app.db import SessionLocal, get_db, open_db

    class OrderRepository:
        def __init__(self, session: Session) -> None:
            self.session = session

        def one(self) -> None:
            self.session.query(1)
            self.session.execute(2)

        async def two(self) -> None:
            await self.session.execute(1)

        def pure(self) -> int:
            return 1

    def with_maker() -> None:
        with SessionLocal() as db:
            db.commit()

    def with_provider(db=Depends(get_db)) -> None:
        db.get(1, 2)

    def with_annotated_provider(db: Annotated[object, Depends(open_db)]) -> None:
        db.scalars(1)

    def with_async_session(db: AsyncSession) -> None:
        db.commit()

    def untyped(session) -> None:
        session.execute(1)

    def helper_for_run_sync(session: Session) -> None:
        session.execute(1)

    async def uses_helper(session: AsyncSession) -> None:
        await session.run_sync(helper_for_run_sync)
    """
DB = """\
    from sqlalchemy.orm import sessionmaker
    SessionLocal = sessionmaker()
    def get_db(): ...
    def open_db(): ...
    """


def test_sync_functions_using_a_session_are_reported_once_at_the_def(tmp_path: Path) -> None:
    files = {"app/db.py": DB, "app/repositories/OrderRepository.py": REPOSITORY}
    assert lint(tmp_path, files, CODES, 'extend-session-providers = ["open_db"]\n') == [
        ("app/repositories/OrderRepository.py", 11, 5, "LG305"),
        ("app/repositories/OrderRepository.py", 21, 1, "LG305"),
        ("app/repositories/OrderRepository.py", 25, 1, "LG305"),
        ("app/repositories/OrderRepository.py", 28, 1, "LG305"),
        ("app/repositories/OrderRepository.py", 31, 1, "LG305"),
    ]


def test_only_services_and_repositories_are_checked(tmp_path: Path) -> None:
    files = {
        "app/db.py": DB,
        "app/models/Order.py": REPOSITORY,
        "app/core/orders.py": REPOSITORY,
        "app/api/orders.py": REPOSITORY,
        "app/services/OrderService.py": REPOSITORY,
    }
    found = {path for path, _, _, _ in lint(tmp_path, files, CODES)}
    assert found == {"app/services/OrderService.py"}


def test_session_attribute_inherited_from_a_base_class(tmp_path: Path) -> None:
    files = {
        "app/repositories/base.py": """\
            from sqlalchemy.orm import Session

            class BaseRepository:
                session: Session
            """,
        "app/repositories/OrderRepository.py": """\
            from app.repositories.base import BaseRepository

            class OrderRepository(BaseRepository):
                def count(self) -> int:
                    return self.session.query(1).count()
            """,
    }
    assert lint(tmp_path, files, CODES) == [("app/repositories/OrderRepository.py", 4, 5, "LG305")]
