"""LG303: the sync database stack — `create_engine`, sync `Session`/`sessionmaker`, sync drivers,
and database URLs without an async driver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.sessions import (
    SYNC_SESSION_CLASSES,
    SYNC_SESSIONMAKERS,
    SessionKind,
    sessionmaker_kind,
)
from layerguard.model import DSN_RE, CallFact, FileFacts, Finding, ImportFact, RuleMeta, Severity, StringFact

if TYPE_CHECKING:
    from layerguard.context import FileView

CREATE_ENGINE = frozenset(
    {"sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlmodel.create_engine"}
)
SYNC_API = CREATE_ENGINE | SYNC_SESSION_CLASSES | SYNC_SESSIONMAKERS
SYNC_API_METHODS = frozenset(name.rpartition(".")[2] for name in SYNC_API)
SYNC_DRIVERS = frozenset({"psycopg2", "pymysql", "MySQLdb", "sqlite3"})
# How a module opens a connection with a driver. A driver imported only for its exceptions or
# version (`except sqlite3.OperationalError`, which aiosqlite raises) is no sync access.
DRIVER_CONNECTIONS = frozenset({"connect", "Connect", "Connection"})
# The dialects SQLAlchemy URLs name (in `model.DSN_RE`'s `dialect`), and the drivers that are async.
DATABASE_DIALECTS = frozenset(
    {"postgresql", "postgres", "mysql", "mariadb", "sqlite", "mssql", "oracle", "cockroachdb"}
)
ASYNC_DRIVERS = frozenset(
    {"asyncpg", "aiosqlite", "aiomysql", "asyncmy", "psycopg", "psycopg_async", "aioodbc", "oracledb_async"}
)
ASYNC_DRIVER_FOR = {
    "postgresql": "asyncpg",
    "postgres": "asyncpg",
    "cockroachdb": "asyncpg",
    "mysql": "aiomysql",
    "mariadb": "aiomysql",
    "sqlite": "aiosqlite",
}


class SyncDbApi(FileRule):
    meta = RuleMeta(
        code="LG303",
        name="sync-db-api",
        severity=Severity.ERROR,
        summary="The sync database API: `create_engine`, sync `Session`, sync drivers or URLs",
        calls=SYNC_API_METHODS,
        call_modules=SYNC_DRIVERS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        yield from self._imports(facts, _async_sessionmakers_only(facts, view))
        for call in facts.calls:
            message = sync_call_message(call, facts, view)
            if message is not None:
                yield self.finding(facts, call.call.span, message)
        for dsn in facts.dsn_strings:
            message = sync_dsn_message(dsn)
            if message is not None:
                yield self.finding(facts, dsn.span, message)

    def _imports(self, facts: FileFacts, async_sessionmakers_only: bool) -> Iterator[Finding]:
        connected = connecting_drivers(facts)
        drivers_seen: set[tuple[int, int]] = set()
        for fact in facts.imports:
            if fact.type_checking or fact.level:
                continue  # an import for annotations only uses no sync API
            name = f"{fact.module}.{fact.name}" if fact.name else fact.module
            if name in SYNC_SESSIONMAKERS and async_sessionmakers_only:
                continue  # only ever called as `sessionmaker(..., class_=AsyncSession)`
            if name in SYNC_API:
                yield self.finding(facts, fact.span, f"`{name}` is the sync API: {_ASYNC_API[name]}")
            elif fact.module.split(".", 1)[0] in connected:
                statement = (fact.statement.line, fact.statement.column)
                if statement not in drivers_seen:  # one finding per import statement
                    drivers_seen.add(statement)
                    yield self.finding(facts, fact.statement, _driver_message(fact))


_ASYNC_API = {
    **{name: "use `sqlalchemy.ext.asyncio.create_async_engine`" for name in CREATE_ENGINE},
    **{name: "use `AsyncSession` (`sqlalchemy.ext.asyncio`)" for name in SYNC_SESSION_CLASSES},
    **{name: "use `async_sessionmaker` (`sqlalchemy.ext.asyncio`)" for name in SYNC_SESSIONMAKERS},
}


def _async_sessionmakers_only(facts: FileFacts, view: FileView) -> bool:
    """The module calls `sessionmaker`, and always with `class_=AsyncSession`."""
    kinds = [
        sessionmaker_kind(call.call, facts, view) for call in facts.calls if call.method == "sessionmaker"
    ]
    return bool(kinds) and all(kind is SessionKind.ASYNC for kind in kinds)


def connecting_drivers(facts: FileFacts) -> frozenset[str]:
    """The sync drivers this module opens connections with (`sqlite3.connect(...)`,
    `psycopg2.pool.SimpleConnectionPool(...)`)."""
    found: set[str] = set()
    for call in facts.calls:
        qualified = call.call.qualified or ""
        driver, _, rest = qualified.partition(".")
        if driver in SYNC_DRIVERS and (
            rest.rpartition(".")[2] in DRIVER_CONNECTIONS or rest.startswith("pool.")
        ):
            found.add(driver)
    return frozenset(found)


def _driver_message(fact: ImportFact) -> str:
    driver = fact.module.split(".", 1)[0]
    return (
        f"`{driver}` is a sync database driver, and this module connects with it: "
        "use an async one (asyncpg, aiosqlite, aiomysql)"
    )


def sync_call_message(call: CallFact, facts: FileFacts, view: FileView) -> str | None:
    """Why a call builds the sync stack, or None: `create_engine(...)`, `Session(...)`,
    `sessionmaker(...)` without `class_=AsyncSession`."""
    if call.method not in SYNC_API_METHODS or not call.call.qualified:
        return None
    name = view.symbols.canonical_name(call.call.qualified, facts)
    if name in SYNC_SESSIONMAKERS and sessionmaker_kind(call.call, facts, view) is SessionKind.ASYNC:
        return None
    if name not in SYNC_API:
        return None
    return f"`{call.callee}(...)` builds the sync database stack: {_ASYNC_API[name]}"


def _names_a_database(dialect: str, rest: str) -> bool:
    """`sqlite:///app.db`, `postgresql://user@host/db`: a path, or a host with a user or a
    database. Not a bare prefix (`"sqlite:///"`) nor a URI of another kind (`"postgres://table"`)."""
    if dialect == "sqlite":
        return bool(rest.strip("/"))
    host, _, database = rest.partition("/")
    return "@" in host or bool(database)


def sync_dsn_message(dsn: StringFact) -> str | None:
    """Why a database URL is sync, or None when its driver is async or it is no database URL."""
    match = DSN_RE.match(dsn.value)
    if match is None or match["dialect"] not in DATABASE_DIALECTS:
        return None
    driver = match["driver"]
    if driver in ASYNC_DRIVERS or not _names_a_database(match["dialect"], match["rest"]):
        return None
    scheme = f"{match['dialect']}+{driver}" if driver else match["dialect"]
    suggestion = ASYNC_DRIVER_FOR.get(match["dialect"])
    advice = f"use `{match['dialect']}+{suggestion}://`" if suggestion else "use an async driver"
    return f"Database URL `{scheme}://` has no async driver: {advice}"
