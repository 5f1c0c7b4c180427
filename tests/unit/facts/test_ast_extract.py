"""The ast fact extractor: imports, typing subscripts, noqa comments, statement ranges."""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import pytest

from layerguard.facts.ast_extract import extract_facts, find_noqa_comments
from layerguard.model import FileFacts, Span


def facts_of(source: str, module: str = "app.services.x", is_package: bool = False) -> FileFacts:
    source = textwrap.dedent(source)
    return extract_facts(source, ast.parse(source), Path("/p/x.py"), module, is_package)


def subscripts(source: str) -> list[tuple[str, int, int, bool, str | None]]:
    return [
        (s.kind, s.span.line, s.span.column, s.has_none, s.replacement)
        for s in facts_of(source).typing_subscripts
    ]


# --- imports ---------------------------------------------------------------------------


def test_import_forms_are_recorded_with_positions() -> None:
    facts = facts_of(
        """\
        import a.b as ab, c
        from .x import y as z
        from .. import w
        from d.e import (
            f,
        )
        """
    )
    got = [(i.module, i.name, i.alias, i.level, i.span.line, i.statement.line) for i in facts.imports]
    assert got == [
        ("a.b", None, "ab", 0, 1, 1),
        ("c", None, None, 0, 1, 1),
        ("x", "y", "z", 1, 2, 2),
        ("", "w", None, 2, 3, 3),
        ("d.e", "f", None, 0, 5, 4),
    ]
    assert facts.imports[4].statement == Span(4, 0, 6, 1)


def test_type_checking_imports_are_marked() -> None:
    facts = facts_of(
        """\
        import typing
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import a
        if typing.TYPE_CHECKING:
            import b
        else:
            import c
        def f():
            import d
        """
    )
    flags = {i.module: i.type_checking for i in facts.imports}
    assert flags == {"typing": False, "a": True, "b": True, "c": False, "d": False}


# --- typing subscripts (LG401 / LG402) --------------------------------------------------


def test_optional_and_union_under_every_alias() -> None:
    source = """\
        import typing as t
        import typing_extensions
        from typing import Optional as Opt, Union
        a: Opt[int] = None
        b: t.Union[int, str] = 1
        c: typing_extensions.Optional[str] = None
        d: Union[int, None] = None
        """
    assert subscripts(source) == [
        ("Optional", 4, 3, True, "int | None"),
        ("Union", 5, 3, False, "int | str"),
        ("Optional", 6, 3, True, "str | None"),
        ("Union", 7, 3, True, "int | None"),
    ]


def test_unrelated_optional_is_not_typing() -> None:
    assert subscripts("from mylib import Optional\nx: Optional[int] = 1\n") == []


def test_nested_and_runtime_positions() -> None:
    source = """\
        from typing import Optional, Union, cast
        x: list[Optional[int]] = []
        y = cast(Union[int, str], 1)
        Alias = dict[str, Optional[int]]
        """
    got = subscripts(source)
    assert [(k, line, col) for k, line, col, _, _ in got] == [
        ("Optional", 2, 8),
        ("Union", 3, 9),
        ("Optional", 4, 18),
    ]


def test_quoted_member_is_skipped_where_python_evaluates_it() -> None:
    source = """\
        from typing import Optional
        class User:
            friend: Optional["User"] = None
        def f(u: Optional["User"]) -> None: ...
        def g() -> None:
            local: Optional["User"] = None
        """
    # Only the local variable's annotation is never evaluated at runtime.
    assert subscripts(source) == [("Optional", 6, 11, True, None)]


def test_future_annotations_make_quoted_members_reportable() -> None:
    source = """\
        from __future__ import annotations
        from typing import Optional
        def f(u: Optional["User"]) -> None: ...
        """
    assert subscripts(source) == [("Optional", 3, 9, True, None)]


def test_string_annotation_is_parsed_and_positioned_inside_the_string() -> None:
    source = """\
        from typing import Optional
        def f(u: "Optional[int]") -> None: ...
        """
    assert subscripts(source) == [("Optional", 2, 10, True, None)]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="`Union[*Ts]` is Python 3.11 syntax")
def test_starred_union_is_skipped() -> None:
    assert subscripts("from typing import Union\nx: Union[*Ts] = 1\n") == []


def test_columns_are_code_points_not_bytes() -> None:
    source = "from typing import Optional\nnäme: Optional[int] = None\n"
    assert subscripts(source)[0][2] == 6


def test_type_checking_block_is_typing_only() -> None:
    source = """\
        from typing import TYPE_CHECKING, Optional
        if TYPE_CHECKING:
            Alias = Optional["User"]
        """
    assert subscripts(source) == [("Optional", 3, 12, True, None)]


# --- noqa and statements ------------------------------------------------------------------


def test_noqa_comments() -> None:
    source = "a = 1  # noqa\nb = 2  # noqa: LG101,lg102\nc = 3  # NOQA:LG4\nd = 4  # not a noqa\n"
    assert list(find_noqa_comments(source)) == [(1, ()), (2, ("LG101", "LG102")), (3, ("LG4",))]


def test_multi_line_statements_and_headers_are_ranges() -> None:
    facts = facts_of(
        """\
        from a import (
            b,
        )
        @decorator
        def f(
            x,
        ):
            return x
        """
    )
    assert facts.statement_ranges == ((1, 3), (4, 7))


# --- functions, calls, classes, raises, assignments (facts for the rule families) -----


def test_function_facts() -> None:
    facts = facts_of(
        """\
        from typing import Annotated
        from fastapi import APIRouter, Depends
        from ..deps import SessionDep, get_db

        router = APIRouter()

        @router.get("/items/{item_id}", response_model=None)
        async def read_item(item_id: int, db: SessionDep, other=Depends(get_db), *args, key: str = "k", **kw) -> dict:
            if item_id:
                return {}
            return {}

        class Service:
            def run(self):
                def inner(): ...
        """,
        module="app.api.v1.items",
    )
    read, run, inner = facts.functions
    assert (read.name, read.qualname, read.is_async, read.class_name, read.nested) == (
        "read_item",
        "read_item",
        True,
        None,
        False,
    )
    assert read.span.line == 8 and read.span.column == 0
    assert read.complexity == 2
    decorator = read.decorators[0]
    assert (decorator.kind, decorator.qualified, decorator.args[0].value) == (
        "call",
        "router.get",
        "/items/{item_id}",
    )
    assert dict(decorator.keywords)["response_model"].kind == "none"
    params = {p.name: p for p in read.params}
    assert [p.kind for p in read.params] == ["regular", "regular", "regular", "vararg", "keyword", "kwarg"]
    assert params["db"].annotation.qualified == "app.api.deps.SessionDep"
    assert params["other"].default.depends == ("app.api.deps.get_db",)
    assert params["key"].default.value == "k"
    assert read.returns.qualified == "dict"
    assert (run.qualname, run.class_name) == ("Service.run", "Service")
    assert (inner.qualname, inner.nested, inner.class_name) == ("Service.run.<locals>.inner", True, None)


def test_calls_know_await_async_context_and_receiver_type() -> None:
    facts = facts_of(
        """\
        import asyncio
        from sqlalchemy.ext.asyncio import AsyncSession

        class Repo:
            def __init__(self, session: AsyncSession) -> None:
                self.session = session

            async def save(self, session: AsyncSession) -> None:
                await self.session.commit()
                session.rollback()
                await asyncio.gather(session.flush())
                fn = lambda: session.close()
        """
    )
    calls = {c.callee: c for c in facts.calls}
    commit = calls["self.session.commit"]
    assert (commit.awaited, commit.in_async, commit.method) == (True, True, "commit")
    assert commit.receiver_type.qualified == "sqlalchemy.ext.asyncio.AsyncSession"
    rollback = calls["session.rollback"]
    assert (rollback.awaited, rollback.receiver_type.qualified) == (
        False,
        "sqlalchemy.ext.asyncio.AsyncSession",
    )
    assert calls["session.flush"].outer_call == "asyncio.gather"
    assert calls["session.close"].in_async is False  # inside a lambda
    assert calls["asyncio.gather"].call.qualified == "asyncio.gather"


def test_sql_argument_follows_a_local_variable() -> None:
    facts = facts_of(
        """\
        from sqlalchemy import text
        async def find(session, name: str):
            query = f"SELECT * FROM users WHERE name = '{name}'"
            return await session.execute(text(query))
        """
    )
    text_call = next(c for c in facts.calls if c.method == "text")
    argument = text_call.call.args[0]
    assert (argument.kind, argument.assigned.kind) == ("name", "fstring")
    assert argument.assigned.span.line == 3


def test_with_and_for_bind_names() -> None:
    facts = facts_of(
        """\
        from app.db import SessionLocal
        from app.api import users, orders
        from fastapi import FastAPI
        app = FastAPI()
        for router in (users.router, orders.router):
            app.include_router(router)
        async def job():
            async with SessionLocal() as session:
                await session.execute("x")
        """
    )
    include = next(c for c in facts.calls if c.method == "include_router")
    assert [e.qualified for e in include.call.args[0].assigned.args] == [
        "app.api.users.router",
        "app.api.orders.router",
    ]
    execute = next(c for c in facts.calls if c.method == "execute")
    assert (execute.receiver_type.kind, execute.receiver_type.qualified) == ("call", "app.db.SessionLocal")


def test_classes_raises_assignments_and_dsn_strings() -> None:
    facts = facts_of(
        """\
        from fastapi import HTTPException as HE
        from pydantic import BaseModel
        DATABASE_URL = "postgresql+psycopg2://u:p@h/db"

        class UserResponse(BaseModel):
            id: int
            password: str = "x"

            class Config:
                orm_mode = True

        def fail() -> None:
            raise HE(status_code=404)
        """
    )
    user, config = facts.classes
    assert (config.name, config.qualname, config.module_level) == ("Config", "UserResponse.Config", False)
    assert [b.qualified for b in user.bases] == ["pydantic.BaseModel"]
    assert [(f.name, f.annotation.text) for f in user.fields] == [("id", "int"), ("password", "str")]
    assert user.nested_classes == (("Config", Span(9, 4, 10, 23)),)
    assert (user.span.line, user.span.column, user.module_level) == (5, 0, True)
    (raised,) = facts.raises
    assert (raised.exception.qualified, raised.function, raised.span.line) == ("fastapi.HTTPException", 0, 13)
    assert [a.name for a in facts.assignments] == ["DATABASE_URL"]
    assert [s.value for s in facts.dsn_strings] == ["postgresql+psycopg2://u:p@h/db"]


def test_a_union_written_with_bars_lists_its_members() -> None:
    facts = facts_of(
        """\
        from typing import Any

        def f(a: dict[str, Any] | list[dict] | None, b: int | str = 0) -> None: ...
        """
    )
    a, b = facts.functions[0].params
    assert a.annotation is not None and b.annotation is not None
    assert a.annotation.kind == "binop"
    assert [(m.kind, m.qualified) for m in a.annotation.args] == [
        ("subscript", "dict"),
        ("subscript", "list"),
        ("none", None),
    ]
    assert [m.qualified for m in a.annotation.args[0].args] == ["str", "typing.Any"]
    assert [m.text for m in b.annotation.args] == ["int", "str"]


def test_bit_arithmetic_longer_than_any_union_keeps_no_members() -> None:
    chain = " | ".join(f"F{i}" for i in range(100))
    facts = facts_of(f"def f(x: {chain}) -> None: ...\n")
    annotation = facts.functions[0].params[0].annotation
    assert annotation is not None and annotation.kind == "binop" and annotation.args == ()


def test_names_unpacked_into_calls_are_recorded_with_their_value() -> None:
    facts = facts_of(
        """\
        from app.schemas import Item

        async def handler(request, form_data: dict) -> None:
            Item(**form_data)
            data = await request.json()
            build(**data, extra=1)
            merged = {**form_data}
            print(**{"sep": ""})

        Item(**defaults)
        """
    )
    unpacked = [(u.value.text, u.callee, u.function) for u in facts.unpacked]
    assert unpacked == [("form_data", "app.schemas.Item", 0), ("data", "build", 0)]
    data = facts.unpacked[1].value.assigned
    assert data is not None and data.kind == "await" and data.args[0].text == "request.json()"


def test_constant_keys_read_from_names_are_recorded_with_the_receivers_value() -> None:
    facts = facts_of(
        """\
        async def handler(request, form_data: dict) -> None:
            form_data["model"]
            form_data.get("chat_id", None)
            data = await request.json()
            data.pop("email")
            "stream" in data
            (await request.json()).setdefault("k", 1)
            form_data["params"] = {}
            form_data[key]
            form_data.get(key)
            self.body["x"]
            del form_data["gone"]

        settings["module_level"]
        """
    )
    reads = [(r.receiver.text, r.key, r.text, r.function) for r in facts.key_reads]
    assert reads == [
        ("form_data", "model", 'form_data["model"]', 0),
        ("form_data", "chat_id", 'form_data.get("chat_id", None)', 0),
        ("data", "email", 'data.pop("email")', 0),
        ("data", "stream", '"stream" in data', 0),
        ("await request.json()", "k", '(await request.json()).setdefault("k", 1)', 0),
    ]
    assigned = facts.key_reads[2].receiver.assigned
    assert assigned is not None and assigned.kind == "await" and assigned.args[0].text == "request.json()"
    assert facts.key_reads[0].receiver.assigned is None


# --- module-level definitions and the names they use (LG103's chains by name) -------------


DEFINITIONS_SOURCE = """
    from __future__ import annotations

    from typing import TYPE_CHECKING

    from pydantic import BaseModel

    from app.db import models
    from app.repositories.UserRepository import UserRepository
    from app.core.cache import DEFAULT_TTL, MAX_SIZE
    from functools import lru_cache

    if TYPE_CHECKING:
        from app.core.context import RunContext


    class Precursor(BaseModel):
        user: models.User | None = None


    class QueueInserter:
        def __init__(self) -> None:
            self.repository = UserRepository()

        async def insert(self, item: Precursor, context: RunContext) -> None:
            await self.repository.add(item)


    @lru_cache(maxsize=MAX_SIZE)
    def describe(item: "Precursor", ttl: int = DEFAULT_TTL) -> str:
        return str(item)


    A, (B, *C) = 1, (2, 3)
    INSERTERS = {"queue": QueueInserter}
    INSERTERS["describe"] = describe
"""


FIELD_USES_SOURCE = """
from sqlalchemy import JSON, Column
from sqlalchemy.orm import Mapped, mapped_column
from app.schemas import Config, Item, Other, Shape, User

class Agent(Base):
    __tablename__ = "agents"
    __pydantic_model__ = User
    config: Mapped[Config] = mapped_column(JSON)
    items = Column(ItemsType(Item))
    shape: Mapped[Shape]
    other: Mapped[Other]

    def to_pydantic(self) -> Shape:
        return Other(config=self.config)

if True:
    class Plain:
        size: Item
"""


def test_a_class_records_the_names_only_its_fields_use() -> None:
    """`DefinitionFact.field_uses`: a table's column types (a Pydantic class typing a JSON column
    is the table's stored value), not what its methods, dunders or bases use."""
    found = {d.name: d.field_uses for d in facts_of(FIELD_USES_SOURCE).definitions}
    assert found == {
        "": (),
        "Agent": ("Column", "Config", "Item", "JSON", "Mapped", "mapped_column"),
        "Plain": ("Item",),
    }


def test_each_module_level_definition_records_the_module_level_names_it_uses() -> None:
    found = {d.name: (d.uses, d.type_uses) for d in facts_of(DEFINITIONS_SOURCE).definitions}
    assert found == {
        # Top-level code that defines no name (here the `if` test and the item assignment) runs
        # for every name an importer takes.
        "": (("INSERTERS", "TYPE_CHECKING", "describe"), ()),
        # Bases run, and so does the field annotation of a class deriving from another: Pydantic
        # reads it when the class is made.
        "Precursor": (("BaseModel", "models"), ()),
        # Method bodies belong to their class; parameter annotations are type uses.
        "QueueInserter": (("UserRepository",), ("Precursor", "RunContext")),
        # Decorators and defaults run; a quoted annotation is a type use.
        "describe": (("DEFAULT_TTL", "MAX_SIZE", "lru_cache"), ("Precursor",)),
        "A": ((), ()),
        "B": ((), ()),
        "C": ((), ()),
        "INSERTERS": (("QueueInserter",), ()),
    }


REGISTERING_SOURCE = """
    from functools import lru_cache

    from app.core.retries import retried
    from app.repositories.UserRepository import UserRepository

    HANDLERS = {}
    REPO = None


    def register(fn):
        HANDLERS[fn.__name__] = fn
        return fn


    def register_as(name):
        def add(fn):
            HANDLERS[name] = fn
            return fn

        return add


    @register
    async def save(user_id):
        return await UserRepository().get(user_id)


    @register_as("load")
    async def load(user_id):
        return await UserRepository().get(user_id)


    @lru_cache
    @retried
    def settings_name():
        return "users"


    def init():
        global REPO
        REPO = UserRepository()
"""


def test_a_registering_decorator_runs_for_every_name_and_a_global_needs_its_setter() -> None:
    # `register` and `register_as("load")` hand back what they decorate: they are there to store
    # it (here in `HANDLERS`) when the module is imported, as top-level code would, so the code
    # of `save` and `load` counts for every name. A decorator from elsewhere (`retried`) or the
    # standard library's is taken for a wrapper. `init` sets `REPO`, so `REPO` needs `init`.
    found = {d.name: (d.uses, d.type_uses) for d in facts_of(REGISTERING_SOURCE).definitions}
    assert found == {
        "": (("UserRepository", "register", "register_as"), ()),
        "HANDLERS": ((), ()),
        "register": (("HANDLERS",), ()),
        "register_as": (("HANDLERS",), ()),
        "save": (("UserRepository", "register"), ()),
        "load": (("UserRepository", "register_as"), ()),
        "settings_name": (("lru_cache", "retried"), ()),
        "init": (("UserRepository",), ()),
        "REPO": (("init",), ()),
    }


def test_definitions_are_the_same_from_the_libcst_tree() -> None:
    from layerguard.facts.cst_to_ast import parse_with_libcst

    source = textwrap.dedent(DEFINITIONS_SOURCE)
    from_cst = extract_facts(source, parse_with_libcst(source), Path("/p/x.py"), "app.services.x", False)
    assert from_cst.definitions == facts_of(DEFINITIONS_SOURCE).definitions
