"""LG501 / LG502: SQL text reaching `text()`, `.execute()`, `.exec_driver_sql()`, `.executemany()`.

LG501 reports a constant SQL string, LG502 one built at runtime (f-string, `+`, `%`,
`.format()`). Both follow a local variable to the value last assigned to it in the same function.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.model import CallFact, ExprFact, FileFacts, Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import FileView

SQL_METHODS = frozenset({"execute", "exec_driver_sql", "executemany"})
SQL_CALLS = SQL_METHODS | {"text"}
TEXT_CONSTRUCTORS = frozenset(
    {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "sqlmodel.text"}
)
BUILT_KINDS = frozenset({"fstring", "concat", "percent", "format"})
WORD = r"[\w.\"`\[\]{}]+"  # an identifier, maybe quoted, dotted, or interpolated (`{}`)
PRIVILEGES = (
    r"(?:all(?:\s+privileges)?|select|insert|update|delete|truncate|references|trigger|create|connect"
    r"|temp(?:orary)?|execute|usage)(?:\s*\([^)]*\))?"
)
# One statement shape per alternative. The leading keyword is matched in one case (all upper or
# all lower): "Select an option from the list" is prose, `SELECT a FROM t` and `select a from t`
# are SQL.
STATEMENT_SHAPES = (
    r"select\s.*?\bfrom\s",  # SELECT ... FROM
    r"select\s+(?:\d|\*|[\w.]+\s*\()",  # SELECT 1, SELECT *, SELECT now()
    r"insert\s+(?:or\s+\w+\s+|ignore\s+)?into\s",
    r"replace\s+into\s",
    # `UPDATE t SET`, `UPDATE t AS a SET`, `UPDATE t a SET` (a table alias)
    rf"update\s+(?:only\s+)?{WORD}(?:\s+(?:as\s+)?\w+)?\s+set\s",
    r"delete\s+from\s",
    rf"with\s+(?:recursive\s+)?{WORD}\s*(?:\([^)]*\)\s*)?as\s+(?:not\s+)?(?:materialized\s+)?\(",
    r"create\s+(?:or\s+replace\s+)?(?:(?:unique|temp|temporary|materialized|virtual)\s+)*"
    r"(?:table|index|view|sequence|trigger|function|procedure|schema|database|extension|type|policy)\b",
    rf"(?:create|drop)\s+(?:role|user)\s+(?:if\s+(?:not\s+)?exists\s+)?{WORD}",
    r"alter\s+(?:table|index|view|sequence|schema|database|type|extension|role|user)\s",
    r"drop\s+(?:materialized\s+)?(?:table|index|view|sequence|trigger|function|procedure|schema|database"
    r"|extension|type|policy)\b",
    r"truncate\s+(?:table\s+)?\S",
    r"merge\s+into\s",
    # Session settings: `SET search_path TO app`, `SET LOCAL lock_timeout = '5s'`, `SET ROLE x`.
    rf"set\s+(?:local\s+|session\s+)?(?:{WORD}\s*(?:=|\bto\b)|(?:transaction|names|constraints|role|time\s+zone)\s)",
    # `GRANT SELECT, INSERT ON t TO r`, `REVOKE ALL ON t FROM r`, and a role: `GRANT r TO u;`
    rf"(?:grant|revoke)\s+(?:grant\s+option\s+for\s+)?{PRIVILEGES}(?:\s*,\s*{PRIVILEGES})*\s+on\s",
    rf"grant\s+{WORD}\s+to\s+{WORD}\s*(?:;|$|with\s)",
    rf"revoke\s+{WORD}\s+from\s+{WORD}\s*(?:;|$)",
    r"do\s+(?:language\s+\w+\s+)?(?:\$\w*\$|')",  # DO $$ ... $$: an anonymous PL/pgSQL block
)
STATEMENT_RE = re.compile("|".join(f"(?:{shape})" for shape in STATEMENT_SHAPES), re.I | re.S)
# Whitespace, `-- line` and `/* block */` comments before the statement.
LEADING_RE = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)
LEADING_WORD_RE = re.compile(r"[A-Za-z]+")


def looks_like_sql(text: str) -> bool:
    """The text starts (after whitespace and comments) with a SQL statement's shape."""
    start = LEADING_RE.match(text)
    body = text[start.end() if start else 0 :]
    keyword = LEADING_WORD_RE.match(body)
    if keyword is None or not (keyword.group().isupper() or keyword.group().islower()):
        return False
    return STATEMENT_RE.match(body) is not None


@dataclass(frozen=True)
class SqlArgument:
    """The SQL text given to a call: the expression that made it, and whether it was built."""

    expression: ExprFact
    call: CallFact
    through: str | None  # the local variable it came through, if any


def sql_arguments(facts: FileFacts) -> Iterator[SqlArgument]:
    """Each SQL-shaped string (constant or built) given as the SQL of a SQL entry point."""
    if is_migration_script(facts):
        return  # raw SQL is how alembic migrations are written
    seen: set[tuple[int, int]] = set()
    for call in facts.calls:
        argument = sql_argument(call)
        if argument is None:
            continue
        through = None
        if argument.kind == "name" and argument.assigned is not None:
            through, argument = argument.text, argument.assigned
        text = sql_text(argument)
        position = (argument.span.line, argument.span.column)
        if text is None or position in seen or not looks_like_sql(text):
            continue
        seen.add(position)
        yield SqlArgument(argument, call, through)


def sql_argument(call: CallFact) -> ExprFact | None:
    """The SQL argument of `text(sql)`, `x.execute(sql)` ..., None for any other call."""
    if call.method == "text":
        if call.call.qualified not in TEXT_CONSTRUCTORS:
            return None
        keyword = "text"
    elif call.method in SQL_METHODS and call.callee != call.method:
        keyword = "statement"
    else:
        return None
    if call.call.args:
        return call.call.args[0]
    return dict(call.call.keywords).get(keyword)


def sql_text(expression: ExprFact) -> str | None:
    if expression.kind == "string" and isinstance(expression.value, str):
        return expression.value
    if expression.kind in BUILT_KINDS:
        return expression.template
    return None


def is_migration_script(facts: FileFacts) -> bool:
    """An alembic revision module (module-level `revision` with `down_revision` or `def upgrade()`)
    or alembic's `env.py` (it imports `alembic.context`). A service that merely imports alembic,
    to run migrations, is checked like any other module."""
    if facts.path.name == "env.py" and any(
        not i.level and (i.module, i.name) in (("alembic", "context"), ("alembic.context", None))
        for i in facts.imports
    ):
        return True
    assigned = {assignment.name for assignment in facts.assignments}
    if "revision" not in assigned:
        return False
    return "down_revision" in assigned or any(
        f.name == "upgrade" and f.class_name is None and not f.nested for f in facts.functions
    )


def describe_call(call: CallFact) -> str:
    return f"`{call.callee or '.' + call.method}()`"


class RawSql(FileRule):
    meta = RuleMeta(
        code="LG501",
        name="raw-sql",
        severity=Severity.WARNING,
        summary="A constant SQL string is passed to `text()` or `.execute()`",
        calls=SQL_CALLS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        for found in sql_arguments(facts):
            if found.expression.kind != "string":
                continue
            via = f" (through `{found.through}`)" if found.through else ""
            message = (
                f"Raw SQL passed to {describe_call(found.call)}{via}: "
                "express the query with the ORM in a repository"
            )
            yield self.finding(facts, found.expression.span, message)


class SqlInjection(FileRule):
    meta = RuleMeta(
        code="LG502",
        name="sql-injection",
        severity=Severity.ERROR,
        summary="SQL text built with an f-string, `+`, `%` or `.format()` reaches a SQL call",
        calls=SQL_CALLS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        for found in sql_arguments(facts):
            kind = found.expression.kind
            if kind == "string":
                continue
            how = {"fstring": "an f-string", "concat": "`+`", "percent": "`%`", "format": "`.format()`"}[kind]
            via = f" through `{found.through}`" if found.through else ""
            message = (
                f"SQL built with {how} reaches {describe_call(found.call)}{via}: "
                "pass values as bound parameters (`:name`) instead"
            )
            yield self.finding(facts, found.expression.span, message)
