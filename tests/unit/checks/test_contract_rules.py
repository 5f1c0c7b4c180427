"""LG403, LG501/LG502, LG601/LG602, LG701, LG702 on small tmp projects and on their helpers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from tmp_project import write_project as project

from layerguard import check
from layerguard.checks.pydantic_v1 import keyword_span
from layerguard.checks.raw_sql import looks_like_sql
from layerguard.facts.summarize import string_template
from layerguard.model import ExprFact, Span


def findings(root: Path, code: str) -> list[tuple[str, int, int]]:
    report = check([root], select=[code], cache=False)
    return [(f.path.relative_to(root).as_posix(), f.line, f.column + 1) for f in report.findings]


def messages(root: Path, code: str) -> list[str]:
    return [f.message for f in check([root], select=[code], cache=False).findings]


# --- SQL detection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "SELECT id FROM users",
        "select id\nfrom users",
        "  -- comment\n/* block */ SELECT * FROM t",
        "SELECT 1",
        "SELECT pg_advisory_xact_lock(:key)",
        "INSERT INTO users (id) VALUES (1)",
        "insert or replace into t values (1)",
        "UPDATE users SET name = 'x'",
        "UPDATE {} SET name = {}",
        "DELETE FROM users",
        "WITH recent AS (SELECT 1) SELECT * FROM recent",
        "WITH RECURSIVE tree(id) AS (SELECT 1)",
        "CREATE TABLE IF NOT EXISTS t (id int)",
        "CREATE UNIQUE INDEX ix ON t (id)",
        "CREATE OR REPLACE VIEW v AS SELECT 1",
        "ALTER TABLE t ADD COLUMN c int",
        "DROP TABLE t",
        "DROP MATERIALIZED VIEW v",
        "TRUNCATE TABLE t",
        "MERGE INTO t USING s ON t.id = s.id",
    ],
)
def test_statement_shapes_are_sql(text: str) -> None:
    assert looks_like_sql(text)


@pytest.mark.parametrize(
    "text",
    [
        "Select an option from the list",
        "Delete from the list",
        "select the option you like",
        "update your profile to set a name",
        "Update your profile",
        "CURRENT_TIMESTAMP",
        "(GEN_RANDOM_UUID())",
        "COMMIT",
        "BEGIN IMMEDIATE",
        "PRAGMA foreign_keys=ON",
        "SHOW server_version",
        "{} WHERE id = 1",
        "created DESC",
        "",
    ],
)
def test_prose_fragments_and_session_control_are_not(text: str) -> None:
    assert not looks_like_sql(text)


@pytest.mark.parametrize(
    ("source", "template"),
    [
        ('f"SELECT {a} FROM t"', "SELECT {} FROM t"),
        ('"SELECT * FROM " + t + " WHERE x"', "SELECT * FROM {} WHERE x"),
        ('"SELECT %s FROM t" % x', "SELECT %s FROM t"),
        ('"SELECT {} FROM t".format(x)', "SELECT {} FROM t"),
        ('"a" + f"{b}c" + d', "a{}c{}"),
    ],
)
def test_string_template(source: str, template: str) -> None:
    assert string_template(ast.parse(source, mode="eval").body) == template


def test_long_concatenation_does_not_recurse() -> None:
    chain: ast.expr = ast.Constant("SELECT 1")
    for _ in range(5000):  # deeper than the recursion limit; `ast.parse` itself could not build it
        chain = ast.BinOp(chain, ast.Add(), ast.Name("x"))
    assert string_template(chain) == "SELECT 1" + "{}" * 5000


# --- LG403 -------------------------------------------------------------------------------


def test_missing_annotation_exemptions(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "app/util.py": """\
                from typing import overload


                @overload
                def parse(raw: int) -> int: ...
                @overload
                def parse(raw: str) -> str: ...
                def parse(raw):
                    return raw


                def __init__(x: int):
                    return None


                class Box:
                    def __init__(self, size: int):
                        self.size = size

                    def __repr__(self):
                        return "Box"

                    def only_keywords(*, size: int) -> None:
                        return None

                    async def grow(this, by: int) -> None:
                        def inner(step):
                            return step
                        inner(by)
                """,
        },
    )
    assert findings(root, "LG403") == [
        ("app/util.py", 12, 1),  # a module-level `__init__` is no method: it needs its return hint
        ("app/util.py", 20, 5),  # `__repr__`
        ("app/util.py", 27, 9),  # nested `inner`: return
        ("app/util.py", 27, 19),  # and parameter
    ]


# --- LG501 / LG502 -----------------------------------------------------------------------


def test_sql_calls_and_their_receivers(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "app/repositories/sql.py": """\
                import sqlalchemy as sa
                from rich.text import text


                def run(conn: object, cursor: object, table: str) -> None:
                    conn.execute("DELETE FROM users")
                    cursor.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
                    conn.exec_driver_sql("SELECT 1")
                    sa.text(text="SELECT id FROM users")
                    text("SELECT id FROM users")
                    execute("SELECT id FROM users")
                    query = "SELECT id FROM users"
                    conn.execute(query)
                    conn.execute(query)
                    (conn or cursor).execute(f"SELECT * FROM {table}")
                """,
            "app/migrations_like/versions/0001.py": """\
                from alembic import op

                revision = "0001"
                down_revision = None


                def upgrade() -> None:
                    op.execute("UPDATE users SET active = true")
                    op.execute(f"DROP TABLE {'old'}")
                """,
            "app/migrations_like/env.py": """\
                from alembic import context
                from sqlalchemy import text


                def run(connection: object) -> None:
                    connection.execute(text("SET search_path TO app"))
                    context.run_migrations()
                """,
        },
    )
    assert findings(root, "LG501") == [
        ("app/repositories/sql.py", 6, 18),
        ("app/repositories/sql.py", 7, 24),
        ("app/repositories/sql.py", 8, 26),
        ("app/repositories/sql.py", 9, 18),
        ("app/repositories/sql.py", 12, 13),  # once, though two calls execute it
    ]
    assert findings(root, "LG502") == [("app/repositories/sql.py", 15, 30)]


def test_a_module_importing_alembic_is_checked_unless_it_is_a_migration(tmp_path: Path) -> None:
    """Only revision modules (and alembic's `env.py`) are exempt: a service that runs migrations
    and also runs raw SQL is reported (issue 15)."""
    root = project(
        tmp_path,
        {
            "app/services/maintenance.py": """\
                from alembic import command
                from sqlalchemy import text


                def migrate(config: object, conn: object) -> None:
                    command.upgrade(config, "head")
                    conn.execute(text("DELETE FROM sessions"))
                """,
            "app/versions/0002_add.py": """\
                from alembic import op

                revision: str = "0002"


                def upgrade() -> None:
                    op.execute("DELETE FROM sessions")
                """,
        },
    )
    assert findings(root, "LG501") == [("app/services/maintenance.py", 7, 23)]


def test_sql_built_with_augmented_assignment_is_lg502(tmp_path: Path) -> None:
    """`sql += f"..."` makes the text built at runtime: LG502 at the f-string, not LG501 at the
    first constant; two constants joined stay one constant (LG501)."""
    root = project(
        tmp_path,
        {
            "app/repositories/sql.py": """\
                from sqlalchemy import text


                def run(conn: object, where: str) -> None:
                    sql = "SELECT * FROM users"
                    sql += f" WHERE {where}"
                    conn.execute(text(sql))
                    fixed = "SELECT * FROM users"
                    fixed += " WHERE active"
                    conn.execute(text(fixed))
                """,
        },
    )
    assert findings(root, "LG502") == [("app/repositories/sql.py", 6, 12)]
    assert findings(root, "LG501") == [("app/repositories/sql.py", 8, 13)]


def test_only_the_last_local_assignment_is_followed(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "app/repositories/sql.py": """\
                def run(conn: object, name: str) -> None:
                    query = f"SELECT * FROM users WHERE name = '{name}'"
                    query = "SELECT * FROM users WHERE name = :name"
                    conn.execute(query, {"name": name})
                """,
        },
    )
    assert findings(root, "LG502") == []
    assert findings(root, "LG501") == [("app/repositories/sql.py", 3, 13)]


# --- LG601 / LG602 -----------------------------------------------------------------------


PYDANTIC_MODELS = {
    "app/schemas/base.py": """\
        from pydantic import BaseModel


        class Schema(BaseModel):
            pass
        """,
    "app/schemas/UserSchema.py": """\
        from pydantic import validator, root_validator
        from pydantic_settings import BaseSettings
        from sqlmodel import SQLModel

        from app.schemas.base import Schema


        class UserRead(Schema):
            name: str

            class Config:
                extra = "forbid"

            @root_validator(pre=True)
            def check(cls, values: dict) -> dict:
                return cls.parse_obj(values).dict()

            def copy_me(self) -> dict:
                return self.schema()


        class Table(SQLModel, table=True):
            class Config:
                arbitrary_types_allowed = True


        class Settings(BaseSettings):
            class Config:
                env_file = ".env"


        class Plain:
            class Config:
                pass

            def as_dict(self, other: dict) -> dict:
                return other.dict(1)
        """,
}


def test_pydantic_models_through_project_bases(tmp_path: Path) -> None:
    root = project(tmp_path, PYDANTIC_MODELS)
    assert findings(root, "LG601") == [
        ("app/schemas/UserSchema.py", 11, 5),
        ("app/schemas/UserSchema.py", 23, 5),
        ("app/schemas/UserSchema.py", 28, 5),
    ]
    assert findings(root, "LG602") == [
        ("app/schemas/UserSchema.py", 14, 6),  # @root_validator
        ("app/schemas/UserSchema.py", 16, 16),  # cls.parse_obj(...).dict(): the outer `.dict()`
        ("app/schemas/UserSchema.py", 16, 16),  # and `cls.parse_obj` inside the model
        ("app/schemas/UserSchema.py", 19, 16),  # self.schema()
    ]


def test_config_dict_keys_use_pydantics_names(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "app/schemas/item.py": """\
                import pydantic


                class Item(pydantic.BaseModel):
                    model_config = pydantic.ConfigDict(
                        allow_population_by_field_name = True,
                        smart_union=True,
                        strict=True,
                    )
                """,
        },
    )
    assert findings(root, "LG601") == [("app/schemas/item.py", 6, 9), ("app/schemas/item.py", 7, 9)]
    assert messages(root, "LG601") == [
        "`allow_population_by_field_name` is a Pydantic v1 config key: use `validate_by_name`",
        "`smart_union` is a Pydantic v1 config key that v2 removed",
    ]


def test_keyword_span_falls_back_to_the_value() -> None:
    value = ExprFact("name", "x", Span(1, 300, 1, 301))
    call = ExprFact("call", "ConfigDict(" + "a" * 189, Span(1, 0, 1, 400))
    assert keyword_span(call, "orm_mode", value) == value.span


# --- LG701 -------------------------------------------------------------------------------

ENVELOPE = """\
    from pydantic import BaseModel


    class ApiResult(BaseModel):
        code: int
        data: dict | None = None
        message: str
    """


HANDLERS = """\
    from fastapi import FastAPI

    from app.schemas.result import ApiResult

    app = FastAPI()


    async def listing() -> list[int]:
        return []


    app.add_api_route("/listing", listing)


    @app.get("/ok")
    async def ok() -> ApiResult:
        return ApiResult(code=200, message="ok")
    """


def test_envelope_rule_needs_an_envelope(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/api/routes.py": HANDLERS.replace("ApiResult", "dict")})
    assert findings(root, "LG701") == []


def test_envelope_rule_with_add_api_route(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/schemas/result.py": ENVELOPE, "app/api/routes.py": HANDLERS})
    assert findings(root, "LG701") == [("app/api/routes.py", 8, 1)]
    assert messages(root, "LG701") == [
        "Route handler `listing` responds with `list[int]` (return annotation), not the envelope: "
        "respond with `ApiResult`"
    ]


def test_envelope_fields_option_and_custom_layers(tmp_path: Path) -> None:
    envelope = ENVELOPE.replace("code: int", "status: int")
    settings = (
        'envelope-fields = ["status", "data", "message"]\n'
        "[tool.layerguard.layers.web]\n"
        'modules = ["app.web.**"]\n'
        "may-import = []\n"
    )
    files = {
        "app/schemas/result.py": envelope,
        "app/api/routes.py": HANDLERS.replace("code=200", "status=200"),
        "app/web/pages.py": HANDLERS.replace("code=200", "status=200"),
    }
    root = project(tmp_path, files, settings)
    assert findings(root, "LG701") == [("app/api/routes.py", 8, 1)]


# --- LG702 -------------------------------------------------------------------------------


def test_secret_fields_in_response_models(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "app/schemas/UserSchema.py": """\
                from typing import Annotated, ClassVar

                from pydantic import BaseModel, Field


                class Owner(BaseModel):
                    password: str


                class UserOut(BaseModel):
                    Password: str
                    salt: ClassVar[str] = "x"
                    secret: Annotated[str, Field(exclude=True)] = ""
                    owner: Owner
                """,
            "app/api/users.py": """\
                from fastapi import APIRouter

                from app.schemas.UserSchema import UserOut

                router = APIRouter()


                @router.get("/users", response_model=list[UserOut])
                async def users() -> list[UserOut]:
                    return []
                """,
        },
    )
    # `Password` matches case-insensitively; the ClassVar, the excluded field and the nested
    # `Owner.password` do not count.
    assert findings(root, "LG702") == [("app/schemas/UserSchema.py", 11, 5)]
