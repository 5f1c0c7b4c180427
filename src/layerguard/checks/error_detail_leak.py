"""LG904: an exception's own text sent to the client in an error response.

`raise HTTPException(500, detail=str(exc))` inside `except Exception as exc:` hands whatever the
failure said — a SQL statement and its parameters, a file path, a host name, a key — to every
caller. Reported when the exception is one the code did not choose: caught by a catch-all
(`Exception`, `BaseException`) or a database driver's or SQLAlchemy's error (their text is the
statement), or the `exc` of an exception handler registered for `Exception`. An exception the
project raises on purpose (`except ValueError as e`, `except OrderNotFound as e`) carries a
message written for the caller and is not reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.literals import keyword
from layerguard.model import CallFact, ExprFact, FileFacts, Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import FileView

HTTP_EXCEPTIONS = frozenset(
    {"fastapi.HTTPException", "fastapi.exceptions.HTTPException", "starlette.exceptions.HTTPException"}
)
JSON_RESPONSES = frozenset(
    {"fastapi.responses.JSONResponse", "starlette.responses.JSONResponse", "fastapi.JSONResponse"}
)
CATCH_ALL = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})
# Packages whose exceptions' text is the failing statement, its parameters or the server's address.
DATABASE_PACKAGES = (
    "sqlalchemy",
    "sqlmodel",
    "asyncpg",
    "psycopg",
    "psycopg2",
    "pymysql",
    "aiomysql",
    "sqlite3",
)
STRING_CALLS = frozenset({"str", "repr", "format"})
TRACEBACK_TEXT = frozenset({"traceback.format_exc", "traceback.format_exception"})
LEAK_CALLS = frozenset({"HTTPException", "JSONResponse", "exception_handler"})


class ErrorDetailLeak(FileRule):
    meta = RuleMeta(
        code="LG904",
        name="error-detail-leak",
        severity=Severity.ERROR,
        summary="An unexpected exception's text is sent to the client",
        # By name (`HTTPException`, also re-exported by a project module) and by module, for
        # aliases (`from starlette.exceptions import HTTPException as StarletteHTTPException`).
        calls=LEAK_CALLS,
        call_modules=frozenset({"fastapi", "starlette"}),
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        handler_parameters = catch_all_handler_parameters(facts)
        for call in facts.calls:
            payload = response_payload(call, facts, view)
            if payload is None:
                continue
            names = unexpected_exceptions(call)
            if call.function is not None:
                names |= handler_parameters.get(call.function, frozenset())
            if shows_exception(payload, names, top=True):
                message = (
                    f"The text of an unexpected exception is sent to the client ({payload.text}): "
                    "log it and answer with a fixed message"
                )
                yield self.finding(facts, payload.span, message)


def response_payload(call: CallFact, facts: FileFacts, view: FileView) -> ExprFact | None:
    """The `detail` of an `HTTPException`, the `content` of a `JSONResponse`."""
    expression = call.call
    if expression.kind != "call" or expression.qualified is None:
        return None
    name = view.symbols.canonical_name(expression.qualified, facts)
    if name in HTTP_EXCEPTIONS:
        found = keyword(expression, "detail")
        return found if found is not None else (expression.args[1] if len(expression.args) > 1 else None)
    if name in JSON_RESPONSES:
        found = keyword(expression, "content")
        return found if found is not None else (expression.args[0] if expression.args else None)
    return None


def unexpected_exceptions(call: CallFact) -> set[str]:
    """The names bound by the enclosing `except` clauses that catch everything or a database error."""
    return {handler.name for handler in call.handlers if any(is_unexpected(c) for c in handler.caught)}


def is_unexpected(caught: str) -> bool:
    return caught in CATCH_ALL or caught.partition(".")[0] in DATABASE_PACKAGES


def catch_all_handler_parameters(facts: FileFacts) -> dict[int, frozenset[str]]:
    """Function index -> its exception parameter, for `@app.exception_handler(Exception)`."""
    found: dict[int, frozenset[str]] = {}
    handler_calls = {
        (call.call.span.line, call.call.span.column): call.call
        for call in facts.calls
        if call.method == "exception_handler"
    }
    for index, function in enumerate(facts.functions):
        for decorator in function.decorators:
            registration = handler_calls.get((decorator.span.line, decorator.span.column))
            if registration is None or not registration.args or len(function.params) < 2:
                continue
            caught = registration.args[0]
            if caught.qualified in CATCH_ALL or caught.value == 500:
                found[index] = frozenset({function.params[1].name})
    return found


def shows_exception(expression: ExprFact, names: set[str] | frozenset[str], *, top: bool = False) -> bool:
    """The expression renders one of the exceptions `names` as text (`str(e)`, `f"{e}"`,
    `e.args[0]`, a traceback). At the top, the bare exception object is not text: FastAPI
    cannot serialise it."""
    kind = expression.kind
    if kind == "name":
        head, _, rest = expression.text.partition(".")
        if head in names:
            return rest.startswith("args") or (not rest and not top)
        return False
    if kind == "subscript":
        head, _, rest = (expression.qualified or "").partition(".")
        return head in names and rest == "args"
    if kind == "call":
        if expression.qualified in TRACEBACK_TEXT:
            return True
        if expression.qualified in STRING_CALLS:
            return any(shows_exception(arg, names) for arg in expression.args)
        return False
    if kind in ("fstring", "concat", "percent", "format", "dict", "list", "tuple"):
        return any(shows_exception(arg, names) for arg in expression.args)
    return False
