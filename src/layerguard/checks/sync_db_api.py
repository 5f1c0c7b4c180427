"""LG303: the sync database stack — `create_engine`, sync `Session`/`sessionmaker`, sync drivers,
and database URLs without an async driver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.sessions import SessionKind, sessionmaker_kind
from layerguard.model import DSN_RE, CallFact, FileFacts, Finding, ImportFact, RuleMeta, Severity, StringFact
from layerguard.symbol_kinds import SYNC_SESSION_CLASSES, SYNC_SESSIONMAKERS

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


# Calls that run a function off the event loop: `asyncio.to_thread(f)`, `loop.run_in_executor(pool,
# f)`, `run_in_threadpool(f)` (starlette, fastapi), `anyio.to_thread.run_sync(f)`, and
# `AsyncSession.run_sync(f)`, SQLAlchemy's own bridge that hands `f` a sync Session.
THREAD_RUNNERS = frozenset({"to_thread", "run_in_executor", "run_in_threadpool", "run_sync"})
# `@app.command()` (typer), `@click.command()`, `@cli.command()`: command-line code.
CLI_DECORATORS = frozenset({"command"})


class SyncDbApi(FileRule):
    meta = RuleMeta(
        code="LG303",
        name="sync-db-api",
        severity=Severity.ERROR,
        summary="The sync database API: `create_engine`, sync `Session`, sync drivers or URLs",
        calls=SYNC_API_METHODS | THREAD_RUNNERS,
        call_modules=SYNC_DRIVERS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        if facts.is_script:
            return  # `python -m app.initial_data`: never on the server's event loop
        off_loop = off_loop_functions(facts)
        sync_calls = [
            (call, message)
            for call in facts.calls
            if (message := sync_call_message(call, facts, view)) is not None
        ]
        on_loop = [(call, message) for call, message in sync_calls if call.function not in off_loop]
        # A module using the sync API only off the loop imports it for that use alone.
        api_off_loop_only = bool(sync_calls) and not on_loop
        yield from self._imports(facts, _async_sessionmakers_only(facts, view), off_loop, api_off_loop_only)
        for call, message in on_loop:
            yield self.finding(facts, call.call.span, message)
        for dsn in facts.dsn_strings:
            message = sync_dsn_message(dsn)
            if message is not None:
                yield self.finding(facts, dsn.span, message)

    def _imports(
        self,
        facts: FileFacts,
        async_sessionmakers_only: bool,
        off_loop: frozenset[int],
        api_off_loop_only: bool,
    ) -> Iterator[Finding]:
        connected = connecting_drivers(facts, off_loop)
        drivers_seen: set[tuple[int, int]] = set()
        for fact in facts.imports:
            if fact.type_checking or fact.level:
                continue  # an import for annotations only uses no sync API
            name = f"{fact.module}.{fact.name}" if fact.name else fact.module
            if name in SYNC_SESSIONMAKERS and async_sessionmakers_only:
                continue  # only ever called as `sessionmaker(..., class_=AsyncSession)`
            if name in SYNC_API:
                if api_off_loop_only:
                    continue
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
        sessionmaker_kind(call.call, facts, view)
        for call in facts.calls
        if call.method == "sessionmaker" or (call.call.qualified or "").rpartition(".")[2] == "sessionmaker"
    ]
    return bool(kinds) and all(kind is SessionKind.ASYNC for kind in kinds)


def off_loop_functions(facts: FileFacts) -> frozenset[int]:
    """The functions of this module that never run on the event loop, with those nested in them:
    command-line commands, and the functions it hands to a worker thread (by name, or through
    `functools.partial`)."""
    handed: set[str] = set()
    for call in facts.calls:
        runner = (call.call.qualified or call.method).rpartition(".")[2]
        position = 1 if runner == "run_in_executor" else 0
        if runner not in THREAD_RUNNERS or len(call.call.args) <= position:
            continue
        target = call.call.args[position]
        if target.kind == "call" and (target.qualified or "").rpartition(".")[2] == "partial" and target.args:
            target = target.args[0]
        if target.kind == "name":
            handed.add(target.text.rpartition(".")[2])  # `self._search_sync` -> `_search_sync`
    roots = [
        function.qualname
        for function in facts.functions
        if function.name in handed
        or any((d.qualified or "").rpartition(".")[2] in CLI_DECORATORS for d in function.decorators)
    ]
    return frozenset(
        index
        for index, function in enumerate(facts.functions)
        if any(function.qualname == root or function.qualname.startswith(root + ".") for root in roots)
    )


def connecting_drivers(facts: FileFacts, off_loop: frozenset[int] = frozenset()) -> frozenset[str]:
    """The sync drivers this module opens connections with (`sqlite3.connect(...)`,
    `psycopg2.pool.SimpleConnectionPool(...)`), outside the functions in `off_loop`."""
    found: set[str] = set()
    for call in facts.calls:
        if call.function in off_loop:
            continue
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
    if not call.call.qualified or call.call.qualified.rpartition(".")[2] not in SYNC_API_METHODS:
        return None  # by the imported name: `from sqlalchemy import create_engine as ce` too
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
    if driver is None and "{}" in dsn.value:
        # A template (`f"postgresql://{user}@{host}"`) naming no driver: apps build such URLs
        # and then set the async driver on them (phoenix: `url.set(drivername="postgresql+asyncpg")`).
        return None
    scheme = f"{match['dialect']}+{driver}" if driver else match["dialect"]
    suggestion = ASYNC_DRIVER_FOR.get(match["dialect"])
    advice = f"use `{match['dialect']}+{suggestion}://`" if suggestion else "use an async driver"
    return f"Database URL `{scheme}://` has no async driver: {advice}"
