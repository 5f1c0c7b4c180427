"""LG101/LG102 on every import form, at the import statement, naming both layers."""

from __future__ import annotations

from pathlib import Path

import pytest
from tmp_project import lint

from layerguard import check

SERVICE = "app/services/OrderService.py"
BASE = {
    "app/api/v1/endpoints/orders.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
    "app/repositories/OrderRepository.py": "class OrderRepository: ...\n",
    # A model module holds ORM classes: a module named `models` without one is no model (SPEC §1).
    "app/models/Order.py": "class Order:\n    __tablename__ = 'orders'\n",
    "app/core/config.py": "DEBUG = False\n",
    "app/api/deps.py": "",
}


@pytest.mark.parametrize(
    ("source", "column"),
    [
        ("import app.api.v1.endpoints.orders\n", 1),
        ("import app.api.v1.endpoints.orders as orders\n", 1),
        ("from app.api.v1.endpoints import orders\n", 1),  # `b` in `from a import b` is a module
        ("from app.api.v1.endpoints.orders import router\n", 1),
        ("from ..api.v1.endpoints import orders\n", 1),  # relative
        ("from ..api.v1.endpoints.orders import router as r\n", 1),
        ("def f() -> None:\n    from app.api.v1.endpoints import orders\n", 5),  # in a function
        ("from app.api.v1.endpoints import (\n    orders,\n)\n", 1),  # at the statement's start
    ],
)
def test_every_import_form_of_a_higher_layer_is_lg101(tmp_path: Path, source: str, column: int) -> None:
    findings = lint(tmp_path, {**BASE, SERVICE: source}, ["LG101", "LG102"])
    line = next(
        n for n, text in enumerate(source.splitlines(), 1) if "import" in text and "typing" not in text
    )
    assert findings == [(SERVICE, line, column, "LG101")]


@pytest.mark.parametrize(
    "source",
    [
        "import app.repositories.OrderRepository\n",
        "from app.repositories import OrderRepository\n",
        "from ....repositories.OrderRepository import OrderRepository\n",
        "from app.models.Order import Order\n",
    ],
)
def test_every_import_form_of_a_forbidden_lower_layer_is_lg102(tmp_path: Path, source: str) -> None:
    findings = lint(tmp_path, {**BASE, "app/api/v1/endpoints/users.py": source}, ["LG101", "LG102"])
    assert findings == [("app/api/v1/endpoints/users.py", 1, 1, "LG102")]


def test_messages_name_both_modules_and_both_layers(tmp_path: Path) -> None:
    files = {
        **BASE,
        SERVICE: "from app.api.v1.endpoints import orders\n",
        "app/api/v1/endpoints/users.py": "from app.models.Order import Order\n",
    }
    lint(tmp_path, files, ["LG101", "LG102"])
    messages = sorted(f.message for f in check([tmp_path], select=["LG1"], cache=False).findings)
    assert messages == [
        "Layer bypass: endpoint module `app.api.v1.endpoints.users` imports model class `Order` from "
        "`app.models.Order`; endpoint may import service, schema",
        "Upward import: service module `app.services.OrderService` imports endpoint module "
        "`app.api.v1.endpoints.orders`, a higher layer",
    ]


def test_type_checking_imports_count_unless_ignored(tmp_path: Path) -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import app.api.v1.endpoints.orders\n"
    files = {**BASE, SERVICE: source}
    assert lint(tmp_path, files, ["LG101"]) == [(SERVICE, 3, 5, "LG101")]  # "count" is the default (SPEC §3)
    assert lint(tmp_path, files, ["LG101"], 'type-checking-imports = "ignore"\n') == []
    assert lint(tmp_path, files, ["LG101"], 'type-checking-imports = "count"\n') == [(SERVICE, 3, 5, "LG101")]


TYPE_ONLY_TAIL = (
    "only under `if TYPE_CHECKING:` or used only as a type, "
    'which `type-checking-imports = "ignore"` leaves out'
)


def test_a_type_only_import_says_so_in_its_message(tmp_path: Path) -> None:
    """skyvern's route importing `WorkflowScriptModel` under `if TYPE_CHECKING:`, phoenix's
    `models.UserRole` used only in a parameter annotation: counted by default (SPEC §3), and the
    message tells the user why and which setting leaves them out (issue 13 audit, pattern A)."""
    under_type_checking = "if TYPE_CHECKING:\n    from app.api.v1.endpoints import orders\n"
    files = {
        **BASE,
        SERVICE: "from typing import TYPE_CHECKING\n" + under_type_checking,
        ROUTE: "from app.models.Order import Order\ndef count(order: Order) -> int:\n    return 1\n",
    }
    lint(tmp_path, files, ["LG101", "LG102"])
    messages = {f.code: f.message for f in check([tmp_path], select=["LG1"], cache=False).findings}
    assert messages["LG101"].endswith(f"a higher layer; {TYPE_ONLY_TAIL}")
    assert messages["LG102"].endswith(f"may import service, schema; {TYPE_ONLY_TAIL}")


def test_an_import_that_runs_carries_no_type_only_note(tmp_path: Path) -> None:
    """One name of the statement used at run time makes the whole statement a run-time import."""
    tables = "class Order:\n    __tablename__ = 'o'\nclass Line:\n    __tablename__ = 'l'\n"
    route = "from app.models.Order import Line, Order\ndef count(order: Order) -> int:\n    return Line.x\n"
    files = {**BASE, "app/models/Order.py": tables, ROUTE: route}
    assert lint(tmp_path, files, ["LG102"]) == [(ROUTE, 1, 1, "LG102")]
    [finding] = check([tmp_path], select=["LG102"], cache=False).findings
    assert TYPE_ONLY_TAIL not in finding.message


ROUTE = "app/api/v1/endpoints/users.py"
ROUTE_HEAD = (
    "from typing import Annotated, Callable, TypeAlias, cast\nfrom fastapi import APIRouter, Depends\n"
    "from pydantic import TypeAdapter\nfrom app.api.deps import current_order\nrouter = APIRouter()\n"
)


@pytest.mark.parametrize(
    "use",
    [
        "async def read(order: 'Order') -> int:\n    return order.id\n",  # a string annotation
        "async def read(orders: 'list[models.Order]') -> int:\n    return len(orders)\n",
        "async def read() -> list[Order]:\n    return []\n",
        "async def read(x: object) -> int:\n    return cast(Order, x).id\n",
        "async def read(x: object) -> int:\n    order: Order = x\n    return order.id\n",
        # argilla's `PolicyAction = Callable[[User], Awaitable[bool]]`: a type alias's value.
        "Check = Callable[[Order], bool]\ndef run(check: Check) -> None: ...\n",
        "Row: TypeAlias = Order\n",
        # The field of a class only typing reads: a plain class, a Protocol.
        "class Holder:\n    order: Order\n",
        "from typing import Protocol\nclass Reader(Protocol):\n    order: 'Order'\n",
    ],
)
def test_a_name_used_only_as_a_type_is_no_finding_when_ignored(tmp_path: Path, use: str) -> None:
    """dstack's routes: `user: Annotated[UserModel, Depends(Authenticated())]` (issue 13, N4)."""
    importing = (
        "import app.models as models\n" if "models." in use else "from app.models.Order import Order\n"
    )
    files = {**BASE, ROUTE: ROUTE_HEAD + importing + use}
    assert lint(tmp_path, files, ["LG101", "LG102"], 'type-checking-imports = "ignore"\n') == []
    assert lint(tmp_path, files, ["LG102"], 'type-checking-imports = "count"\n') == [(ROUTE, 6, 1, "LG102")]
    assert lint(tmp_path, files, ["LG102"]) == [(ROUTE, 6, 1, "LG102")]  # the default counts them


INJECTED = [
    "async def read(order: Order = Depends(current_order)) -> int:\n    return order.id\n",
    "async def read(order: Annotated[Order, Depends(current_order)]) -> int:\n    return order.id\n",
    "async def read(order: 'Order' = Depends(current_order)) -> int:\n    return order.id\n",
    "async def read(pair: tuple[Order, int] = Depends(current_order)) -> int:\n    return pair[1]\n",
    "CurrentOrder = Annotated[Order, Depends(current_order)]\n",  # the type of an alias
    "CurrentOrder = Annotated[Order, Depends(current_order)]\nasync def read(o: CurrentOrder) -> None: ...\n",
]


@pytest.mark.parametrize("use", INJECTED)
@pytest.mark.parametrize(
    "setting", ["", 'type-checking-imports = "count"\n', 'type-checking-imports = "ignore"\n']
)
def test_an_orm_class_a_dependency_returns_is_no_finding(tmp_path: Path, use: str, setting: str) -> None:
    """dstack's routes: `user: Annotated[UserModel, Depends(Authenticated())]` (issue 13, N4):
    the route names what its dependency returns; it depends on the dependency, whatever the
    setting."""
    files = {**BASE, ROUTE: ROUTE_HEAD + "from app.models.Order import Order\n" + use}
    assert lint(tmp_path, files, ["LG101", "LG102"], setting) == []


@pytest.mark.parametrize("use", INJECTED)
def test_any_other_class_a_dependency_returns_still_counts(tmp_path: Path, use: str) -> None:
    """A repository handed to a route is the repository layer all the same."""
    use = use.replace("Order", "OrderRepository").replace("current_order", "current_repository")
    head = ROUTE_HEAD.replace("current_order", "current_order, current_repository")
    files = {**BASE, ROUTE: head + "from app.repositories.OrderRepository import OrderRepository\n" + use}
    assert lint(tmp_path, files, ["LG102"]) == [(ROUTE, 6, 1, "LG102")]
    assert lint(tmp_path, files, ["LG102"], 'type-checking-imports = "ignore"\n') == []


@pytest.mark.parametrize(
    "use",
    [
        "async def read(order_id: int) -> int:\n    return Order(id=order_id).id\n",  # called
        # Injected, and used at run time as well.
        "async def read(order: Order = Depends(current_order)) -> int:\n    return Order.count(order)\n",
        "def is_order(x: Order) -> bool:\n    return isinstance(x, Order)\n",  # and a value too
        "@router.get('/', response_model=Order)\nasync def read() -> None: ...\n",  # a runtime argument
        "async def read(order: Annotated[int, Depends(Order)]) -> int:\n    return order\n",  # metadata runs
        # A bare `Depends()`: FastAPI calls the annotated class itself.
        "async def read(order: Annotated[Order, Depends()]) -> int:\n    return order.id\n",
        "async def read(order: Order = Depends()) -> int:\n    return order.id\n",
        "class Page(Order):\n    pass\n",  # a base class
        "Rows = list[Order]\nADAPTER = TypeAdapter(Rows)\n",  # an alias used at run time
        "BY_MODEL = {}\nHANDLER = BY_MODEL[Order]\n",  # a subscript that is no type
        "__all__ = ['Order']\n",  # a re-export
        "",  # never used: imported for its side effects, or re-exported
        # A field of a class deriving from something: Pydantic and SQLAlchemy read the
        # annotation when the class is made (letta's `Mapped[LLMConfig | None]` JSON column,
        # which SQLAlchemy cannot map when `LLMConfig` is imported under `if TYPE_CHECKING:`).
        "from pydantic import BaseModel\nclass Body(BaseModel):\n    order: Order | None = None\n",
        "from sqlalchemy.orm import Mapped\nclass Row(Base):\n    order: Mapped['Order']\n",
    ],
)
def test_a_name_used_at_run_time_is_a_finding(tmp_path: Path, use: str) -> None:
    files = {**BASE, ROUTE: ROUTE_HEAD + "from app.models.Order import Order\n" + use}
    assert lint(tmp_path, files, ["LG101", "LG102"]) == [(ROUTE, 6, 1, "LG102")]
    ignoring = tmp_path / "ignoring"
    ignoring.mkdir()
    assert lint(ignoring, files, ["LG102"], 'type-checking-imports = "ignore"\n') == [(ROUTE, 6, 1, "LG102")]


def test_each_name_of_a_statement_is_judged_by_its_own_uses(tmp_path: Path) -> None:
    """`Order` appears only in an annotation, `OrderRepository` is called: the statement is
    reported for the repository, the one name that brings a forbidden layer in at run time."""
    files = {
        **BASE,
        "app/repositories/OrderRepository.py": (
            "class OrderRepository: ...\nclass Order:\n    __tablename__ = 'orders'\n"
        ),
        ROUTE: (
            ROUTE_HEAD + "from app.repositories.OrderRepository import Order, OrderRepository\n"
            "async def read(order: Order) -> int:\n    return OrderRepository().count(order)\n"
        ),
    }
    assert lint(tmp_path, files, ["LG102"], 'type-checking-imports = "ignore"\n') == [(ROUTE, 6, 1, "LG102")]
    [finding] = check([tmp_path], select=["LG102"], cache=False).findings
    assert "repository class `OrderRepository`" in finding.message


@pytest.mark.parametrize(
    "statement",
    [
        "from app.api.migrations.helpers import HashMixin\n",  # excluded by `**/migrations/**`
        "import app.api.generated.client\n",  # not in the tree (generated at build time)
        "from app.api.generated import client\n",
    ],
)
def test_a_module_the_project_does_not_hold_brings_in_no_layer(tmp_path: Path, statement: str) -> None:
    """fides' tables import a mixin from `fides/api/migrations/` (excluded by default): the import
    graph depends on the nearest package the project holds (`app.api`, as grimp resolves it), but
    that package's layer is not what the import brings in (three false LG101, the seed-37 audit)."""
    files = {
        **BASE,
        "app/api/__init__.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
        "app/api/migrations/__init__.py": "",
        "app/api/migrations/helpers.py": "class HashMixin: ...\n",
        "app/models/Audit.py": statement + "class Audit:\n    __tablename__ = 'audits'\n",
    }
    assert lint(tmp_path, files, ["LG101", "LG102", "LG103"]) == []


@pytest.mark.parametrize(
    "source",
    [
        "from app.core.config import DEBUG\n",  # unlayered: anyone may import it
        "from app.repositories.OrderRepository import OrderRepository\n",  # allowed by may-import
        "import fastapi\n",  # outside the project
        "from app.services import OrderService as same_layer\n",
    ],
)
def test_allowed_imports_are_clean(tmp_path: Path, source: str) -> None:
    assert lint(tmp_path, {**BASE, SERVICE: source}, ["LG101", "LG102"]) == []


def test_wiring_and_unlayered_importers_are_never_reported(tmp_path: Path) -> None:
    files = {
        **BASE,
        "app/api/deps.py": "from app.repositories.OrderRepository import OrderRepository\n",
        "app/core/helpers.py": "from app.api.v1.endpoints import orders\n",
    }
    assert lint(tmp_path, files, ["LG101", "LG102"]) == []


def test_the_sqlmodel_base_of_tables_is_model_and_its_read_schema_is_schema() -> None:
    """The SQLModel idiom: `HeroBase(SQLModel)` under `Hero(HeroBase, table=True)` is the
    tables' own base (model), so a table module importing it is no upward import; `HeroRead`
    beside it is a schema a route may import."""
    from markers import findings_of

    files = {
        "app/models/base.py": "from sqlmodel import SQLModel\n\nclass HeroBase(SQLModel):\n    name: str\n",
        "app/models/hero.py": (
            "from sqlmodel import Field\nfrom app.models.base import HeroBase\n\n"
            "class Hero(HeroBase, table=True):\n"
            "    id: int | None = Field(default=None, primary_key=True)\n\n"
            "class HeroRead(HeroBase):\n    id: int\n"
        ),
        "app/schemas/hero_page.py": "from app.models.base import HeroBase\n",
        "app/api/heroes.py": "from app.models.hero import HeroRead\nfrom app.models.hero import Hero\n",
    }
    found = [(f.path.as_posix(), f.line, f.code) for f in findings_of(files, select=["LG101", "LG102"])]
    assert found == [("app/api/heroes.py", 2, "LG102")]


def test_a_mixed_model_module_may_use_another_model_modules_pydantic_class() -> None:
    """open-webui's idiom: each `models/x.py` holds a table and its Pydantic forms; one imports
    another's form. Both modules are model modules: no upward import (issue 13, final audit)."""
    from markers import findings_of

    table = "from sqlalchemy.orm import DeclarativeBase\n\nclass Base(DeclarativeBase):\n    pass\n"
    files = {
        "app/db.py": table,
        "app/models/users.py": (
            "from pydantic import BaseModel\nfrom app.db import Base\n\n"
            "class User(Base):\n    __tablename__ = 'user'\n\nclass UserModel(BaseModel):\n    id: int\n"
        ),
        "app/models/chats.py": (
            "from pydantic import BaseModel\nfrom app.db import Base\n"
            "from app.models.users import UserModel\n\n"
            "class Chat(Base):\n    __tablename__ = 'chat'\n\n"
            "class ChatForm(BaseModel):\n    user: UserModel\n"
        ),
        "app/schemas/chat_page.py": (
            "from pydantic import BaseModel\n\nclass ChatPage(BaseModel):\n    n: int\n"
        ),
        "app/models/pages.py": (
            "from app.db import Base\nfrom app.schemas.chat_page import ChatPage\n\n"
            "class Page(Base):\n    __tablename__ = 'page'\n"
        ),
    }
    found = [(f.path.as_posix(), f.line, f.code) for f in findings_of(files, select=["LG101", "LG102"])]
    assert found == [("app/models/pages.py", 2, "LG101")]  # a schema module's class stays schema


def test_a_type_alias_brings_in_what_it_stands_for() -> None:
    """argilla's `QuestionSettings = Annotated[Union[...], Field(...)]`, read by a table at run
    time: an upward import of the schema layer. An alias of an alias is followed; one of nothing
    layered, or an alias cycle, brings in nothing."""
    from markers import findings_of

    files = {
        "app/schemas/questions.py": (
            "from typing import Annotated, Union\nfrom pydantic import BaseModel, Field\n"
            "class Text(BaseModel):\n    kind: str\n"
            "Settings = Annotated[Union[Text, None], Field(discriminator='kind')]\n"
            "Again = Annotated[Settings, 1]\nName = Annotated[str, Field(min_length=1)]\n"
            "Loop = Annotated['Back', 1]\nBack = Annotated['Loop', 1]\n"
        ),
        "app/models/question.py": (
            "from app.schemas.questions import Again  # error: [LG101]\n"
            "from app.schemas.questions import Name, Loop\n"
            "class Question:\n    __tablename__ = 'questions'\n"
            "USED = (Again, Name, Loop)\n"
        ),
    }
    found = findings_of(files, select=["LG101", "LG102"])
    assert [(f.path.as_posix(), f.line) for f in found] == [("app/models/question.py", 1)]
    assert "schema type alias `Again`" in found[0].message


@pytest.mark.parametrize(
    ("definition", "name"),
    [
        # zenml's sql_zen_store: `class Session(SqlModelSession)` beside its store (issue 13's one false).
        ("from sqlmodel import Session as SqlModelSession\nclass Session(SqlModelSession): ...\n", "Session"),
        ("from sqlalchemy.ext.asyncio import AsyncSession\nclass Tracked(AsyncSession): ...\n", "Tracked"),
        # A third-party class re-exported by a project module is still the third party's.
        ("from sqlmodel import Session\n", "Session"),
        ("from sqlalchemy.ext.asyncio import AsyncSession as Tracked\n", "Tracked"),
    ],
)
def test_a_db_session_class_imported_through_a_repository_brings_in_no_layer(
    tmp_path: Path, definition: str, name: str
) -> None:
    files = {
        **BASE,
        "app/repositories/store.py": definition + "class Store: ...\n",
        SERVICE: "",
        "app/api/v1/endpoints/users.py": f"from app.repositories.store import {name}\n",
    }
    assert lint(tmp_path, files, ["LG101", "LG102"]) == []
    # The store class beside it is the repository layer.
    files["app/api/v1/endpoints/users.py"] = f"from app.repositories.store import {name}, Store\n"
    assert lint(tmp_path, files, ["LG101", "LG102"]) == [("app/api/v1/endpoints/users.py", 1, 1, "LG102")]


def test_a_name_a_module_neither_defines_nor_imports_still_brings_in_its_layer(tmp_path: Path) -> None:
    files = {
        **BASE,
        "app/repositories/store.py": "def __getattr__(name): ...\n",
        "app/api/v1/endpoints/users.py": "from app.repositories.store import Anything\n",
    }
    assert lint(tmp_path, files, ["LG102"]) == [("app/api/v1/endpoints/users.py", 1, 1, "LG102")]


PYDANTIC_MODULE = "from pydantic import BaseModel\n\nclass {name}(BaseModel):\n    x: int\n"
SCHEMA_TYPES = '[tool.layerguard.layers.schema]\nmodules = ["app.db.types.**", "app.schemas.**"]\n'


def test_a_model_module_may_use_the_payloads_of_its_own_package(tmp_path: Path) -> None:
    """phoenix's `db/models.py` types JSON columns with the Pydantic classes of `db/types/`:
    the tables' own payloads, not an upward import. A schema of another package still is."""
    files = {
        "app/db/__init__.py": "",
        "app/db/types/__init__.py": "",
        "app/db/types/evaluators.py": PYDANTIC_MODULE.format(name="InputMapping"),
        "app/schemas/__init__.py": "",
        "app/schemas/UserRead.py": PYDANTIC_MODULE.format(name="UserRead"),
        "app/db/models.py": (
            "from app.db.types.evaluators import InputMapping\n"
            "from app.schemas.UserRead import UserRead\n\n"
            "class Evaluator:\n    __tablename__ = 'evaluators'\n"
        ),
    }
    assert lint(tmp_path, files, ["LG101"], SCHEMA_TYPES) == [("app/db/models.py", 2, 1, "LG101")]


UPWARD = [("app/db/models.py", 2, 1, "LG101")]


@pytest.mark.parametrize(
    ("table_uses_it", "expected"),
    [
        ("", []),
        # A column's type, from another package (letta's `embedding_config: Mapped[EmbeddingConfig]`
        # over a JSON column; the seed-36 audit judged all six debatable): the table's stored value.
        ("    meta: Mapped[AppSchema]\n", []),
        ("    meta = Column(PydanticJSON(AppSchema))\n", []),
        ("    meta: Mapped[list[AppSchema]] = mapped_column(JSON)\n", []),
        # A column's default factory makes the stored value too (langflow's `properties`).
        ("    meta = Column(JSON, default=lambda: AppSchema(x=1).model_dump())\n", []),
        # The class the table converts itself to, or builds in a method, or an instance of it
        # that is no column: upward.
        ("    __pydantic_model__ = AppSchema\n", UPWARD),
        ("    defaults = AppSchema(x=1)\n", UPWARD),
        ("    def to_pydantic(self):\n        return AppSchema(x=1)\n", UPWARD),
        ("    meta: Mapped[AppSchema]\n    def read(self) -> AppSchema: ...\n", UPWARD),
    ],
)
def test_the_pydantic_classes_of_a_mixed_model_module_and_its_tables_columns_may_use_schemas(
    tmp_path: Path, table_uses_it: str, expected: list[tuple[str, int, int, str]]
) -> None:
    """fides' model modules keep Pydantic classes beside the tables, deriving from the project's
    schema base (`FidesSchema`): schema using schema (2 false LG101, the seed-37 audit). A table
    typing its columns with the schema class is using its stored value's type; a table using it
    in a method, or naming it as what it converts itself to, makes the import upward."""
    files = {
        "app/schemas/__init__.py": "",
        "app/schemas/base.py": PYDANTIC_MODULE.format(name="AppSchema"),
        "app/db/__init__.py": "",
        "app/db/models.py": (
            "from sqlalchemy.orm import Mapped\n"
            "from app.schemas.base import AppSchema\n\n"
            "class Task:\n    __tablename__ = 'tasks'\n" + table_uses_it + "\n"
            "class TaskMeta(AppSchema):\n    label: str\n"
        ),
    }
    assert lint(tmp_path, files, ["LG101"], SCHEMA_TYPES) == expected


def test_a_modules_source_decides_what_it_holds_not_a_stub_beside_it() -> None:
    """`User.pyi` declares `User` without the ORM base its source gives it: the import is judged
    by the source (an ORM table, LG102), whichever file comes first."""
    from markers import findings_of

    files = {
        "app/models/User.py": (
            "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n"
            "class Base(DeclarativeBase):\n    pass\n\n"
            "class User(Base):\n    __tablename__ = 'users'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        ),
        "app/models/User.pyi": "class Base: ...\n\nclass User(Base):\n    id: int\n",
        "app/api/users.py": "from app.models.User import User\n\nUSER = User\n",
    }
    found = [(f.path.as_posix(), f.line, f.code) for f in findings_of(files, select=["LG101", "LG102"])]
    assert found == [("app/api/users.py", 1, "LG102")]


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        ("# Licensed under the Apache License\n", []),  # no code of its own: no layer brought in
        ('"""The server."""\n', []),
        ("from app.api.v1.endpoints.orders import router\n", []),  # code, but only a service read
    ],
)
def test_a_package_holding_no_code_over_several_layers_brings_in_none(
    tmp_path: Path, package: str, expected: list[tuple[str, int, int, str]]
) -> None:
    """mlrun's licence-only `api/__init__.py` over its routes and its `api/crud/` services (seed 38):
    `import mlrun.api`, read as `mlrun.api.crud.projects.Projects()`, was an endpoint import. What
    is read through the package's submodules is what the import brings in."""
    files = {
        **BASE,
        "app/api/__init__.py": package,
        "app/api/services/orders.py": "def total() -> int:\n    return 0\n",
        SERVICE: "import app.api\n\n\ndef run() -> int:\n    return app.api.services.orders.total()\n",
    }
    assert lint(tmp_path, files, ["LG101", "LG102"]) == expected


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("app.api.v1.endpoints.orders.router", [(SERVICE, 1, 1, "LG101")]),  # an endpoint's router
        ("app.api.services.orders.total", []),  # a service's function
    ],
)
def test_what_is_read_through_a_submodule_is_what_the_import_brings_in(
    tmp_path: Path, read: str, expected: list[tuple[str, int, int, str]]
) -> None:
    """`import app.api` read as `app.api.v1.endpoints.orders.router`: the router of an endpoint
    module, whatever the package `app.api` holds of its own (here nothing: no layer)."""
    files = {
        **BASE,
        "app/api/__init__.py": "",
        "app/api/services/orders.py": "def total() -> int:\n    return 0\n",
        SERVICE: f"import app.api\n\n\ndef run() -> object:\n    return {read}\n",
    }
    assert lint(tmp_path, files, ["LG101", "LG102"]) == expected


@pytest.mark.parametrize("shallow", ["app", "app.api"])
def test_a_read_under_a_deeper_import_of_the_same_name_is_reported_once(tmp_path: Path, shallow: str) -> None:
    """mlrun's `import mlrun` beside `import mlrun.api.api.utils`, both binding `mlrun`: the read
    `mlrun.api.api.utils.get_run_db_instance` is the deeper import's, one LG101, also when the
    shallower import is itself of an endpoint package (`app.api`, with code of its own)."""
    source = (
        f"import {shallow}\nimport app.api.v1.endpoints.orders\n\n\ndef run() -> object:\n"
        "    return app.api.v1.endpoints.orders.router\n"
    )
    files = {**BASE, "app/api/__init__.py": "API_VERSION = 1\n", SERVICE: source}
    assert lint(tmp_path, files, ["LG101", "LG102"]) == [(SERVICE, 2, 1, "LG101")]


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        ("get_session", []),  # declared to yield a session
        ("_get_session_maker", []),  # declared to return a sessionmaker
        # Named as a session provider, declared as nothing: a name alone is no evidence (a
        # domain `get_session` returning a chat session), so it takes its module's layer.
        ("open_session", [("app/api/threads.py", 1, 1, "LG102")]),
        ("get_db", [("app/api/threads.py", 1, 1, "LG102")]),
        ("get_session\nfrom app.models.orm import Thread", [("app/api/threads.py", 2, 1, "LG102")]),
    ],
)
def test_a_session_provider_beside_the_tables_is_no_model_name(
    tmp_path: Path, provider: str, expected: list[tuple[str, int, int, str]]
) -> None:
    """arcsitegraph's `get_session` and `_get_session_maker` (seed 39), declared to yield a
    session and to return a sessionmaker, are defined in its tables module: session plumbing,
    which every layer may use as it may a database-setup module, not model functions (LG104
    judges the handler taking the session). A function declared as neither takes its module's
    layer, whatever its name, and the table beside it is model."""
    orm = (
        "from collections.abc import AsyncIterator\n\n"
        "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped\n\n\nclass Base(DeclarativeBase):\n    pass\n\n\n"
        "class Thread(Base):\n    __tablename__ = 'threads'\n    id: Mapped[str]\n\n\n"
        "async def get_session() -> AsyncIterator[AsyncSession]:\n    yield AsyncSession()\n\n\n"
        "async def open_session():\n    yield None\n\n\ndef get_db():\n    return None\n\n\n"
        "def _get_session_maker() -> async_sessionmaker[AsyncSession]:\n"
        "    return async_sessionmaker()\n"
    )
    files = {
        "app/models/__init__.py": "",
        "app/models/orm.py": orm,
        "app/api/threads.py": f"from app.models.orm import {provider}\n",
    }
    assert lint(tmp_path, files, ["LG101", "LG102"]) == expected


@pytest.mark.parametrize(
    "column",
    ["    kind = Column(build_type())\n", "    token = Column(EncryptedType('k'))\n"],
)
def test_a_schema_layer_function_or_plain_class_in_a_column_is_still_upward(
    tmp_path: Path, column: str
) -> None:
    """Only a payload (a Pydantic model, a data class, an alias of them) types a column as the
    table's stored value: a function of a schema module called, or a plain class of one built,
    at import time in a column is an upward import as anywhere else (the review's case)."""
    files = {
        "app/schemas/__init__.py": "",
        "app/schemas/types.py": "class EncryptedType:\n    def __init__(self, key: str) -> None:\n"
        "        self.key = key\n\n\ndef build_type() -> object:\n    return object()\n",
        "app/db/__init__.py": "",
        "app/db/models.py": (
            "from sqlalchemy import Column\n"
            f"from app.schemas.types import {'build_type' if 'build_type' in column else 'EncryptedType'}\n\n"
            "class Task:\n    __tablename__ = 'tasks'\n" + column
        ),
    }
    assert lint(tmp_path, files, ["LG101"], SCHEMA_TYPES) == [("app/db/models.py", 2, 1, "LG101")]
