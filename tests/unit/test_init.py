"""`layerguard init` on a fixture project of each layout and naming style: the section it prints,
and `check` with that section written into pyproject.toml finds exactly the deviations planted
in each fixture, nothing else.

The fixtures (tests/fixtures/init_*) are small FastAPI apps, clean against every rule but for
the planted deviations listed in PLANTED.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from markers import write_project

import layerguard.init as init_module
from layerguard import api, check
from layerguard.init import detect, render, write_section
from layerguard.presets import REPOSITORY

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

CLASSIC_FORTRESS = """\
[tool.layerguard]
# Detected by `layerguard init` in 27 Python files: package app at the project root; layout:
#   classic. Modules per layer:
#   endpoint    app.api.v1.endpoints (2), app.api.v1.router (1)
#   service     app.services (3)
#   repository  app.repositories (2)
#   schema      app.schemas (2), app.core.envelope (1)
#   model       app.models (3)
# The preset's globs miss some of them: see the [layers] tables below.
#
# target-version: py312, from requires-python = ">=3.12" in pyproject.toml, which layerguard reads
#   itself.
#
# naming: 8 of 9 modules directly in model, schema, repository and service folders follow
#   "fortress" (file name, and the class it promises); LG801/LG802 report the other:
#   app.services.helpers.
naming = "fortress"
#
# session-providers: used in Depends(): get_db (app.core.database) returns an AsyncSession.
#   Default names: nothing to add.
#
# auth-dependencies: LG905 (routes without authentication) is off until set; no Depends() provider
#   here looks like authentication.

# schema: the fortress preset's globs (this list replaces them), then what they miss.
[tool.layerguard.layers.schema]
modules = [
    "**.schemas.**", "**.schema",
    "app.core.envelope",  # Pydantic models that endpoints or services import
]
"""


CLASSIC_SNAKE = """\
[tool.layerguard]
# Detected by `layerguard init` in 20 Python files: package app at the project root; layout:
#   classic. Modules per layer:
#   endpoint    app.routers (2)
#   service     app.services (2)
#   repository  app.repositories (2)
#   schema      app.schemas (2), app.envelope (1)
#   model       app.models (2)
# The preset's globs miss some of them: see the [layers] tables below.
#
# target-version: py311, from [tool.poetry.dependencies] python = "^3.11" in pyproject.toml, which
#   layerguard reads itself.
#
# naming: 7 of 8 modules directly in model, schema, repository and service folders follow "snake"
#   (file name, and the class it promises); LG801/LG802 report the other:
#   app.repositories.note_repository.
naming = "snake"
#
# session-providers: used in Depends(): get_conn (app.db) returns an AsyncSession. Added to the
#   defaults, so LG104 knows them.
extend-session-providers = ["get_conn"]
#
# auth-dependencies: LG905 (routes without authentication) is off until set; no Depends() provider
#   here looks like authentication.

# schema: the fortress preset's globs (this list replaces them), then what they miss.
[tool.layerguard.layers.schema]
modules = [
    "**.schemas.**", "**.schema",
    "app.envelope",  # Pydantic models that endpoints or services import
]
"""


FEATURE_SLICED = """\
[tool.layerguard]
# Detected by `layerguard init` in 18 Python files: package shop at the project root; layout:
#   feature-sliced. Modules per layer:
#   endpoint    shop.orders.views (1), shop.users.views (1)
#   service     shop.orders.service (1), shop.users.service (1)
#   repository  shop.orders.crud (1), shop.users.crud (1)
#   schema      shop.envelope (1), shop.orders.schemas (1), shop.users.schemas (1)
#   model       shop.orders.models (1), shop.users.models (1)
# The preset's globs miss some of them: see the [layers] tables below.
#
# target-version: py313, from requires-python = ">=3.13" in pyproject.toml, which layerguard reads
#   itself.
#
# naming: off. There are no modules directly in model, schema, repository and service folders
#   (modules are named by their role, or there are no such folders), so LG801-LG803 have nothing
#   to check.
naming = "off"
#
# session-providers: used in Depends(): get_session (shop.database) returns an AsyncSession.
#   Default names: nothing to add.
#
# auth-dependencies: LG905 (routes without authentication) is off until set; no Depends() provider
#   here looks like authentication.

# endpoint: the fortress preset's globs (this list replaces them), then what they miss.
[tool.layerguard.layers.endpoint]
modules = [
    "**.api.**", "**.endpoints.**", "**.routes.**", "**.routers.**", "**.router",
    "**.controllers.**",
    "**.views",  # 2 modules with route handlers
]

# schema: the fortress preset's globs (this list replaces them), then what they miss.
[tool.layerguard.layers.schema]
modules = [
    "**.schemas.**", "**.schema",
    "shop.envelope",  # Pydantic models that endpoints or services import
]
"""


SRC_LAYOUT = """\
[tool.layerguard]
# Detected by `layerguard init` in 20 Python files: package ledger under src/; layout: classic.
#   Modules per layer:
#   endpoint    ledger.handlers (2)
#   service     ledger.services (2)
#   repository  ledger.repositories (3)
#   schema      ledger.schemas (2), ledger.envelope (1)
#   model       ledger.db.tables (1)
# The preset's globs miss some of them: see the [layers] tables below.
#
# target-version: no requires-python, Poetry python or .python-version found; py310 is
#   layerguard's default. Set the oldest Python the project supports.
target-version = "py310"
#
# naming: 6 of 7 modules directly in model, schema, repository and service folders follow
#   "fortress" (file name, and the class it promises); LG801/LG802 report the other:
#   ledger.repositories.queries.
naming = "fortress"
#
# session-providers: used in Depends(): provide_session (ledger.db.engine) returns an
#   AsyncSession. Added to the defaults, so LG104 knows them.
extend-session-providers = ["provide_session"]
#
# auth-dependencies: LG905 (routes without authentication) is off until set; no Depends() provider
#   here looks like authentication.
#
# wiring: ledger.app creates the FastAPI app and includes its routers (a composition root may
#   import every layer; a docs or health route of its own does not make it an endpoint). This list
#   replaces the default wiring globs, which come first.
wiring = ["**.deps", "**.dependencies", "**.deps.**", "**.dependencies.**", "**.main",
    "**.container", "ledger.app"]

# endpoint: the fortress preset's globs (this list replaces them), then what they miss.
[tool.layerguard.layers.endpoint]
modules = [
    "**.api.**", "**.endpoints.**", "**.routes.**", "**.routers.**", "**.router",
    "**.controllers.**",
    "ledger.handlers.**",  # 2 modules with route handlers
]

# schema: the fortress preset's globs (this list replaces them), then what they miss.
[tool.layerguard.layers.schema]
modules = [
    "**.schemas.**", "**.schema",
    "ledger.envelope",  # Pydantic models that endpoints or services import
]

# model: the fortress preset's globs (this list replaces them), then what they miss.
[tool.layerguard.layers.model]
modules = [
    "**.models.**", "**.model",
    "ledger.db.tables",  # SQLAlchemy/SQLModel table classes
]
"""


EXPECTED_SECTIONS = {
    "init_classic_fortress": CLASSIC_FORTRESS,
    "init_classic_snake": CLASSIC_SNAKE,
    "init_feature_sliced": FEATURE_SLICED,
    "init_src_layout": SRC_LAYOUT,
}

# (path, line, code) of every deviation planted in each fixture.
PLANTED = {
    "init_classic_fortress": [
        ("app/api/v1/endpoints/orders.py", 7, "LG102"),  # endpoint imports a model
        ("app/schemas/OrderSchema.py", 11, "LG803"),  # OrderSummary
        ("app/services/helpers.py", 1, "LG801"),  # not {Entity}Service.py
    ],
    "init_classic_snake": [
        ("app/repositories/note_repository.py", 1, "LG802"),  # class NotesRepo
        ("app/repositories/note_repository.py", 4, "LG101"),  # repository imports a service
    ],
    "init_feature_sliced": [
        ("shop/orders/views.py", 19, "LG102"),  # endpoint imports the feature's crud
        ("shop/users/service.py", 4, "LG101"),  # service imports the feature's views
    ],
    "init_src_layout": [
        ("src/ledger/handlers/entries.py", 6, "LG102"),  # handler imports the tables
        ("src/ledger/handlers/entries.py", 23, "LG104"),  # Depends(provide_session)
        ("src/ledger/repositories/queries.py", 1, "LG801"),  # not {Entity}Repository.py
    ],
}


def copy_fixture(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    return root


def findings(root: Path) -> list[tuple[str, int, str]]:
    report = check([root], cache=False)
    return [(f.path.relative_to(root).as_posix(), f.line, f.code) for f in report.findings]


@pytest.mark.parametrize("name", EXPECTED_SECTIONS)
def test_init_prints_the_section(name: str, tmp_path: Path) -> None:
    assert render(detect(copy_fixture(name, tmp_path))) == EXPECTED_SECTIONS[name]


@pytest.mark.parametrize("name", PLANTED)
def test_check_with_the_section_finds_only_the_planted_deviations(name: str, tmp_path: Path) -> None:
    root = copy_fixture(name, tmp_path)
    write_section(root, render(detect(root)))
    assert findings(root) == PLANTED[name]


def test_without_the_section_check_misses_deviations_and_reports_conventions(tmp_path: Path) -> None:
    """The section is what makes the findings right: the preset alone misses the src layout's
    handlers and tables, and holds the snake project to PascalCase file names."""
    src = findings(copy_fixture("init_src_layout", tmp_path))
    assert ("src/ledger/handlers/entries.py", 6, "LG102") not in src
    snake = findings(copy_fixture("init_classic_snake", tmp_path))
    assert sum(1 for _, _, code in snake if code == "LG801") == 8


def write(
    root: Path, files: dict[str, str], pyproject: str = '[project]\nrequires-python = ">=3.12"\n'
) -> Path:
    (root / "pyproject.toml").write_text(pyproject)
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root


ROUTES = """\
    from fastapi import APIRouter

    router = APIRouter()


    @router.get("/")
    async def index() -> dict[str, int]:
        return {}
    """
TABLE = """\
    from sqlalchemy.orm import Mapped, mapped_column

    from {base} import Base


    class {name}(Base):
        __tablename__ = "{table}"

        id: Mapped[int] = mapped_column(primary_key=True)
    """
BASE = "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"


def prose(section: str) -> str:
    """The section's comments as one line of text, wrapping undone."""
    comments = [line[1:].strip() for line in section.splitlines() if line.startswith("#")]
    return " ".join(comments)


def test_a_project_it_cannot_classify_gets_guidance(tmp_path: Path) -> None:
    root = write(tmp_path, {"tool/__init__.py": "", "tool/cli.py": "def main() -> None: ...\n"})
    section = render(detect(root))
    assert "It could not classify this project" in prose(section)
    assert "To fill in: nothing was found for endpoint, service, repository, schema, model." in prose(section)
    assert "#   [tool.layerguard.layers.endpoint]" in section
    assert '#   modules = ["tool.<folder>.**"]' in section
    assert 'naming = "off"' in section
    assert "\n[tool.layerguard.layers" not in section  # only commented-out tables


def test_pydantic_models_outside_a_schemas_folder_are_reported_not_classified(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/api/__init__.py": "",
        "app/api/items.py": ROUTES,
        "app/payloads.py": "from pydantic import BaseModel\n\n\nclass Item(BaseModel):\n    name: str\n",
        "app/settings.py": "from pydantic_settings import BaseSettings\n\n\nclass Env(BaseSettings): ...\n",
    }
    section = render(detect(write(tmp_path, files)))
    assert "Pydantic models are defined in 1 unlayered module (app.payloads)" in prose(section)
    assert "layers.schema]\nmodules" not in section


def test_modules_are_grouped_into_the_widest_safe_glob(tmp_path: Path) -> None:
    files = {
        "web/__init__.py": "",
        # a folder of route modules, one helper among them: one glob
        "web/views/__init__.py": "",
        "web/views/a.py": ROUTES,
        "web/views/b.py": ROUTES,
        "web/views/c.py": ROUTES,
        "web/views/helpers.py": "x = 1\n",
        # a route module beside unrelated code: its own name only
        "web/health.py": ROUTES,
        "web/tasks.py": "x = 1\n",
        "web/storage.py": "y = 2\n",
    }
    section = render(detect(write(tmp_path, files)))
    assert '    "web.views.**",  # 3 modules with route handlers\n' in section
    assert '    "web.health",  # route handlers\n' in section
    assert "web.**" not in section


def test_tables_beside_the_declarative_base_are_models_the_base_alone_is_not(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/db/__init__.py": "",
        "app/db/base.py": BASE,
        "app/db/session.py": "x = 1\n",
        "app/db/tables.py": TABLE.format(base="app.db.base", name="Item", table="items"),
    }
    section = render(detect(write(tmp_path, files)))
    assert '    "app.db.tables",  # SQLAlchemy/SQLModel table classes\n' in section
    assert '"app.db.base"' not in section


def test_classes_that_describe_tables_make_no_model_module(tmp_path: Path) -> None:
    """dstack's `pipeline_tasks/base.py`: a Protocol with `Mapped[...]` attributes and a
    dataclass declaring `__tablename__: str` map nothing (issue 13, N3)."""
    described = (
        "from dataclasses import dataclass\nfrom typing import Protocol\n"
        "from sqlalchemy.orm import Mapped\n\n"
        "@dataclass\nclass PipelineItem:\n    __tablename__: str\n    id: int\n\n"
        "class PipelineModel(Protocol):\n    __tablename__: str\n    id: Mapped[int]\n"
    )
    files = {
        "app/__init__.py": "",
        "app/db/__init__.py": "",
        "app/db/base.py": BASE,
        "app/db/tables.py": TABLE.format(base="app.db.base", name="Item", table="items"),
        "app/background/__init__.py": "",
        "app/background/pipelines.py": described,
    }
    section = render(detect(write(tmp_path, files)))
    assert '    "app.db.tables",  # SQLAlchemy/SQLModel table classes\n' in section
    assert "app.background.pipelines" not in section


def test_logic_that_declares_its_payloads_is_no_schema_module(tmp_path: Path) -> None:
    """skyvern's workflow blocks (Pydantic classes with an async `execute`) and copilot modules
    (more functions than classes) are logic, not the schema layer (issue 13)."""
    block = (
        "from pydantic import BaseModel\n\nclass EmailBlock(BaseModel):\n    to: str\n\n"
        "    async def execute(self) -> None:\n        return None\n"
    )
    helpers = (
        "from pydantic import BaseModel\n\nclass Contract(BaseModel):\n    name: str\n\n"
        "def check(c: Contract) -> bool:\n    return bool(c.name)\n\n"
        "def repair(c: Contract) -> Contract:\n    return c\n"
    )
    payload = (
        "from pydantic import BaseModel\n\nclass Payload(BaseModel):\n    name: str\n\n"
        "class Payment(BaseModel):\n    amount: int\n\n"  # lnbits: one async method among models
        "    async def check_status(self) -> bool:\n        return True\n"
    )
    uses = (
        "    from app.copilot.contract import Contract\n    from app.workflow.models.payload import Payload\n"
    )
    files = {
        "app/__init__.py": "",
        "app/workflow/__init__.py": "",
        "app/workflow/models/__init__.py": "",
        "app/workflow/models/email_block.py": block,
        "app/workflow/models/payload.py": payload,
        "app/copilot/__init__.py": "",
        "app/copilot/contract.py": helpers,
        "app/routes/__init__.py": "",
        "app/routes/run.py": ROUTES.replace("\n", "\n" + uses, 1),
    }
    section = render(detect(write(tmp_path, files)))
    assert '"app.workflow.models.payload",  # Pydantic models, defines no ORM class' in section
    assert '"app.workflow.models.email_block",' not in section
    assert '"app.copilot.contract",' not in section


def test_a_module_between_endpoints_services_and_models_is_the_service_layer(tmp_path: Path) -> None:
    """argilla's `bulk/records_bulk.py`: endpoints call it, it calls the service layer and the
    models: business logic beside the services, so service, not an LG103 bridge (issue 13). A
    helper that reaches models but no service stays unlayered."""
    files = {
        "app/__init__.py": "",
        "app/models/__init__.py": "",
        "app/models/base.py": BASE,
        "app/models/items.py": TABLE.format(base="app.models.base", name="Item", table="items"),
        "app/services/__init__.py": "",
        "app/services/items.py": "from app.models.items import Item\n\ndef count() -> int:\n    return 0\n",
        "app/bulk/__init__.py": "",
        "app/bulk/items.py": (
            "from app.models.items import Item\nfrom app.services.items import count\n\n"
            "def load() -> int:\n    return count() + len([Item])\n"
        ),
        "app/helpers/__init__.py": "",
        "app/helpers/items.py": "from app.models.items import Item\n\nLABEL = str(Item)\n",
        "app/routes/__init__.py": "",
        "app/routes/items.py": ROUTES.replace(
            "\n", "\n    from app.bulk.items import load\n    from app.helpers.items import label\n", 1
        ),
    }
    section = render(detect(write(tmp_path, files)))
    assert '"app.bulk.items",  # endpoints call it; it calls services and models or repositories' in section
    assert '"app.helpers.items"' not in section


def test_a_store_class_querying_its_sessions_is_the_repository_layer(tmp_path: Path) -> None:
    """zenml's `SqlZenStore`: a class whose methods query sessions it opens itself, in a module
    that also makes the engine, is data access (class-based), not the database setup (issue 13)."""
    store = (
        "from sqlalchemy import create_engine, select\nfrom sqlalchemy.orm import Session\n\n"
        "from app.models.items import Item\n\n\nclass SqlStore:\n"
        "    def __init__(self, url: str) -> None:\n        self.engine = create_engine(url)\n\n"
        + "".join(
            f"    def get_{i}(self) -> object:\n        with Session(self.engine) as session:\n"
            "            return session.execute(select(Item)).first()\n\n"
            for i in range(5)
        )
    )
    files = {
        "app/__init__.py": "",
        "app/models/__init__.py": "",
        "app/models/base.py": BASE,
        "app/models/items.py": TABLE.format(base="app.models.base", name="Item", table="items"),
        "app/stores/__init__.py": "",
        "app/stores/sql_store.py": store,
    }
    section = render(detect(write(tmp_path, files)))
    assert '"app.stores.sql_store",  # classes whose methods query a DB session' in section


def test_an_orm_mixin_module_is_a_model_module_as_check_reads_it(tmp_path: Path) -> None:
    """A models module holding only an ORM mixin (`Mapped[...]`/`mapped_column` attributes, no
    table of its own) is what `check` calls a model module: `init` neither says it "defines no
    ORM class" nor leaves it out (issue 13)."""
    mixin = (
        "from datetime import datetime\nfrom sqlalchemy.orm import Mapped, mapped_column\n\n"
        "class TimestampMixin:\n    created_at: Mapped[datetime] = mapped_column()\n\n"
        "def utcnow() -> datetime:\n    return datetime.now()\n"
    )
    files = {
        "app/__init__.py": "",
        "app/models/__init__.py": "",
        "app/models/base.py": BASE,
        "app/models/mixins.py": mixin,
        "app/models/items.py": TABLE.format(base="app.models.base", name="Item", table="items"),
    }
    root = write(tmp_path, files)
    section = render(detect(root))
    assert "define no ORM class" not in section and "defines no ORM class" not in section
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n" + section)
    view = api.load_project(api.load_config([root]), [root])
    assert view.layers.layer_of("app.models.mixins") == "model"


def test_route_handlers_in_another_layers_folder_make_an_endpoint_module(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/schemas/__init__.py": "", "app/schemas/ui.py": ROUTES}
    section = render(detect(write(tmp_path, files)))
    assert '    "app.schemas.ui",  # route handlers, though named as schema\n' in section


def test_a_models_folder_of_query_functions_is_the_repository_layer(tmp_path: Path) -> None:
    query = """\
        from sqlalchemy.ext.asyncio import AsyncSession


        async def read(session: AsyncSession, item_id: int) -> object:
            return await session.get(object, item_id)
        """
    files = {
        "srv/__init__.py": "",
        "srv/models/__init__.py": "",
        "srv/models/flows.py": query,
        "srv/models/runs.py": query,
        "srv/orm.py": BASE + "\n\nclass Flow(Base):\n    __tablename__ = 'flows'\n",
    }
    section = render(detect(write(tmp_path, files)))
    assert (
        '    "srv.models.**",  # 2 modules with functions taking a DB session, though named as model\n'
        in section
    )
    assert '    "srv.orm",  # SQLAlchemy/SQLModel table classes\n' in section


def test_session_providers_count_only_when_used_in_depends(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/db.py": """\
            from collections.abc import AsyncIterator

            from sqlalchemy.orm import Session
            from sqlalchemy.ext.asyncio import AsyncSession


            async def open_session() -> AsyncIterator[AsyncSession]:
                yield AsyncSession()


            def unused_session() -> Session:
                return Session()
            """,
        "app/deps.py": """\
            from typing import Annotated

            from fastapi import Depends

            from app.db import open_session

            SessionDep = Annotated[object, Depends(open_session)]
            """,
    }
    section = render(detect(write(tmp_path, files)))
    assert 'extend-session-providers = ["open_session"]' in section
    assert "unused_session" not in section


def test_target_version_from_python_version_file(tmp_path: Path) -> None:
    root = write(tmp_path, {"app/__init__.py": ""}, pyproject='[project]\nname = "x"\n')
    (root / ".python-version").write_text("3.13.1\n")
    section = render(detect(root))
    assert "target-version: py313, from .python-version, which layerguard reads itself." in prose(section)
    assert "target-version =" not in section


def test_one_query_module_in_a_models_folder_stays_a_model(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/models/__init__.py": "",
        "app/models/User.py": TABLE.format(base="app.models.base", name="User", table="users"),
        "app/models/base.py": BASE,
        "app/models/lookups.py": "from sqlalchemy.orm import Session\n\n\ndef f(s: Session) -> None: ...\n",
    }
    section = render(detect(write(tmp_path, files)))
    assert "\n[tool.layerguard.layers" not in section
    # As `check` counts: `lookups.py` holds no ORM class, so no model module (SPEC §1).
    assert "app.models (2)" in section


def test_mixed_naming_is_off_and_names_the_modules(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/services/__init__.py": "",
        "app/services/UserService.py": "class UserService: ...\n",
        "app/services/order_service.py": "class OrderService: ...\n",
        "app/services/billing.py": "x = 1\n",
    }
    section = render(detect(write(tmp_path, files)))
    assert 'naming = "off"' in section
    assert (
        'Of 3 modules directly in model, schema, repository and service folders, 1 "fortress" and 1'
        in prose(section)
    )


def test_a_library_provider_is_known_from_the_session_parameters_it_fills(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/api/__init__.py": "",
        "app/api/utils.py": """\
            from typing import Annotated

            from fastapi import Depends
            from sqlalchemy.ext.asyncio import AsyncSession
            from corelib.deps import session_scope

            DbSession = Annotated[AsyncSession, Depends(session_scope)]
            """,
    }
    section = render(detect(write(tmp_path, files)))
    assert "session_scope (corelib.deps) fills parameters typed AsyncSession" in prose(section)
    assert 'extend-session-providers = ["session_scope"]' in section


def test_init_proposes_auth_dependencies_as_a_commented_line(tmp_path: Path) -> None:
    """LG905 is off until `auth-dependencies` is set: `init` proposes what looks like auth,
    by name or because it reads a `fastapi.security` scheme, and leaves it commented."""
    root = write_project(
        tmp_path,
        {
            "app/deps.py": """\
            from fastapi import Depends
            from fastapi.security import APIKeyHeader

            api_key_header = APIKeyHeader(name="X-Key")


            async def get_db() -> None:
                return None


            async def get_current_user(db: None = Depends(get_db)) -> int:
                return 1


            async def caller(key: str = Depends(api_key_header)) -> str:
                return key


            async def get_user_service() -> None:
                return None
            """,
            "app/api/items.py": """\
            from fastapi import APIRouter, Depends

            from app.deps import caller, get_current_user, get_db, get_user_service

            router = APIRouter()


            @router.get("/items")
            async def items(
                user: int = Depends(get_current_user),
                who: str = Depends(caller),
                service: None = Depends(get_user_service),
                db: None = Depends(get_db),
            ) -> int:
                return user
            """,
        },
    )
    section = render(detect(root))
    assert '# auth-dependencies = ["get_current_user", "caller", "api_key_header"]' in section
    assert "\nauth-dependencies" not in section


def _data_app(extra: dict[str, str]) -> dict[str, str]:
    repository = (
        "from app.models.items import Item\n\nclass {name}Repository:\n    def get(self) -> Item: ...\n"
    )
    return {
        "app/__init__.py": "",
        "app/models/__init__.py": "",
        "app/models/base.py": BASE,
        "app/models/items.py": TABLE.format(base="app.models.base", name="Item", table="items"),
        "app/repositories/__init__.py": "",
        **{f"app/repositories/{n.lower()}.py": repository.format(name=n) for n in ("Item", "Tag", "Note")},
        "app/services/__init__.py": "",
        **{
            f"app/services/{n}.py": "from app.repositories.item import ItemRepository\n\n"
            f"class {n.title()}Service:\n    repository = ItemRepository\n"
            for n in ("items", "tags")
        },
        "app/routes/__init__.py": "",
        "app/routes/items.py": ROUTES,
        **extra,
    }


def test_modules_that_build_queries_over_the_models_are_the_repository_layer(tmp_path: Path) -> None:
    """phoenix's `db/trace_aggregates.py` and trace DSL: statements built over the ORM classes,
    in a folder no glob names, are data access (issue 13: they were LG103 bridges). A job whose
    functions take nothing, a module that speaks HTTP, and one that calls a service stay out."""
    builder = (
        "from sqlalchemy import func, select\n\nfrom app.models.items import Item\n\n\n"
        "def count_by_owner(owner: str) -> object:\n"
        "    return select(func.count()).where(Item.owner == owner)\n"
    )
    files = _data_app(
        {
            "app/db/__init__.py": "",
            "app/db/aggregates.py": builder,
            "app/jobs/__init__.py": "",
            "app/jobs/cleanup.py": builder.replace("def count_by_owner(owner: str)", "def cleanup()"),
            "app/web/__init__.py": "",
            "app/web/helpers.py": "from fastapi import HTTPException\n" + builder,
            "app/flows/__init__.py": "",
            "app/flows/counting.py": "from app.services.items import ItemsService\n" + builder,
        }
    )
    section = render(detect(write(tmp_path, files)))
    assert '"app.db.aggregates",  # builds SQLAlchemy queries over the model layer' in section
    for left in ("app.jobs.cleanup", "app.web.helpers", "app.flows.counting"):
        assert f'"{left}"' not in section


def test_a_facade_holding_repositories_is_the_repository_layer(tmp_path: Path) -> None:
    """skyvern's `AgentDB`: one class whose `__init__` builds every repository (`self.tasks =
    TasksRepository(...)`) and that the app reaches the data through."""
    facade = (
        "from app.repositories.item import ItemRepository\nfrom app.repositories.tag import TagRepository\n"
        "from app.repositories.note import NoteRepository\n\n\nclass AppDB:\n"
        "    def __init__(self) -> None:\n        self.items = ItemRepository()\n"
        "        self.tags = TagRepository()\n        self.notes = NoteRepository()\n\n"
        "    def is_retryable(self, error: Exception) -> bool:\n        return False\n"
    )
    files = _data_app({"app/db/__init__.py": "", "app/db/app_db.py": facade})
    section = render(detect(write(tmp_path, files)))
    assert '"app.db.app_db",  # a class holding instances of repository classes' in section


def test_a_service_locator_is_wiring(tmp_path: Path) -> None:
    """skyvern's `forge_app.py`: a class annotating the app's services and data access, filled by
    one factory function, that every layer reaches: a composition root, so wiring, not an LG103
    bridge (issue 13). A class with methods of its own over the same services is not one."""
    holder = (
        "from app.repositories.item import ItemRepository\nfrom app.repositories.tag import TagRepository\n"
        "from app.repositories.note import NoteRepository\nfrom app.services.items import ItemsService\n"
        "from app.services.tags import TagsService\n\n\nclass Container:\n    items: ItemsService\n"
        "    tags: TagsService\n    item_repository: ItemRepository\n    tag_repository: TagRepository\n"
        "    notes: NoteRepository | None\n{method}\n\ndef create_container() -> Container:\n"
        "    container = Container()\n    container.items = ItemsService()\n    return container\n"
    )
    files = _data_app(
        {
            "app/container_app.py": holder.format(method=""),
            "app/orchestrator.py": holder.format(method="\n    def run(self) -> None:\n        pass\n"),
        }
    )
    section = render(detect(write(tmp_path, files)))
    assert "app.container_app holds the app's service and repository instances (a service locator)" in prose(
        section
    )
    wiring = next(line for line in section.splitlines() if line.startswith("wiring = ["))
    assert '"app.container_app"' in section.split("wiring = [", 1)[1].split("]", 1)[0]
    assert "app.orchestrator" not in section, wiring


def _block_app(block: str) -> dict[str, str]:
    """The data app with `app/workflow/models/block.py` (no ORM class) that the routes import."""
    routes = ROUTES.replace("\n", "\n    from app.workflow.models.block import Block\n", 1)
    return _data_app(
        {
            "app/workflow/__init__.py": "",
            "app/workflow/models/__init__.py": "",
            "app/workflow/models/block.py": block,
            "app/routes/items.py": routes,
        }
    )


def test_logic_left_out_of_a_models_folder_can_orchestrate_services(tmp_path: Path) -> None:
    """Logic in a models folder (a plain `Block` class): no ORM class, so no model module; the
    routes call it and it calls services and repositories: the service layer, not an LG103
    bridge (issue 13). skyvern's real `block.py` is mostly Pydantic models: see below."""
    block = (
        "from app.repositories.item import ItemRepository\nfrom app.services.items import ItemsService\n\n\n"
        "class Block:\n    async def execute(self) -> None:\n"
        "        ItemsService()\n        ItemRepository()\n"
    )
    section = render(detect(write(tmp_path, _block_app(block))))
    assert (
        '"app.workflow.models.block",  # endpoints call it; it calls services and models or repositories'
        in section
    )


def test_a_module_of_mostly_pydantic_models_that_orchestrates_is_left_unlayered(tmp_path: Path) -> None:
    """skyvern's `workflow/models/block.py`: the Pydantic Block hierarchy, each block's
    `execute()` calling services and repositories. As a service, the schema modules typing
    fields with Block classes were LG101; it stays unlayered, named in an unsure line."""
    block = (
        "from pydantic import BaseModel\n\nfrom app.repositories.item import ItemRepository\n"
        "from app.services.items import ItemsService\n\n\nclass Block(BaseModel):\n    label: str\n\n"
        "    def execute(self) -> None:\n        ItemsService()\n        ItemRepository()\n\n\n"
        "class EmailBlock(Block):\n    to: str\n\n\nclass Runner:\n    pass\n"
    )
    section = render(detect(write(tmp_path, _block_app(block))))
    assert '"app.workflow.models.block",' not in section
    assert (
        "unsure: 1 module with Pydantic models and the logic that runs them (app.workflow.models.block; "
        "endpoints call it; it calls services and models or repositories): neither schema nor service, "
        "left unlayered. To make one a service module: add it to [tool.layerguard.layers.service] "
        'modules, e.g. "app.workflow.models.block".'
    ) in prose(section)


STRAWBERRY_CONTEXT = """\
    from dataclasses import dataclass

    from strawberry.fastapi import BaseContext

    from app.api.dataloaders.items import ItemLoader


    @dataclass
    class Context(BaseContext):
        loader: ItemLoader
    """
STARTUP_SYNC = """\
    from sqlalchemy import delete, select

    from app.models.items import Item


    async def sync_builtin_items(db) -> None:
        async with db() as session:
            await session.execute(delete(Item))
            await session.execute(select(Item))
    """


FACILITATOR = """\
    from sqlalchemy import select

    from app.api.builtin_sync import sync_builtin_items
    from app.models.items import Item


    async def facilitate(db) -> None:
        await sync_builtin_items(db)
        select(Item)
    """


def test_a_graphql_context_and_a_start_up_job_beside_the_routers_are_no_endpoint(tmp_path: Path) -> None:
    """phoenix's `server/api/context.py` (a Strawberry `BaseContext` building the data loaders
    each request: composition, so wiring) and `server/api/builtin_evaluator_sync.py` (a start-up
    job writing to the DB, imported by the DB setup, by no endpoint): no endpoint modules. A
    helper beside the routers that the routes import, queries or not, stays; the module running
    the start-up job (phoenix's `db/facilitator.py`) is start-up work too, no repository."""
    helper = "from sqlalchemy import select\n\nfrom app.models.items import Item\n\nQUERY = select(Item)\n"
    routes = ROUTES.replace("\n", "\n    from app.api.utils import QUERY\n", 1)
    files = {
        "app/__init__.py": "",
        "app/models/__init__.py": "",
        "app/models/base.py": BASE,
        "app/models/items.py": TABLE.format(base="app.models.base", name="Item", table="items"),
        "app/db/__init__.py": "",
        "app/db/facilitator.py": FACILITATOR,
        "app/api/__init__.py": "",
        "app/api/context.py": STRAWBERRY_CONTEXT,
        "app/api/builtin_sync.py": STARTUP_SYNC,
        "app/api/utils.py": helper,
        "app/api/exceptions.py": "class NotFound(Exception):\n    pass\n",
        "app/api/routers/__init__.py": "",
        "app/api/routers/items.py": routes,
        "app/api/dataloaders/__init__.py": "",
        "app/api/dataloaders/items.py": "class ItemLoader:\n    pass\n",
    }
    section = render(detect(write(tmp_path, files)))
    said = prose(section)
    assert "app.api.context builds the per-request GraphQL context" in said
    assert '"app.api.context"' in section.split("wiring = [", 1)[1].split("]", 1)[0]
    assert (
        "left out: queries the database, serves nothing and no endpoint imports it (a start-up job): "
        "app.api.builtin_sync"
    ) in said
    assert '"app.api.builtin_sync",' not in section
    assert '"app.db.facilitator",' not in section
    for kept in ("app.api.utils", "app.api.exceptions"):
        assert f'"{kept}",  # what **.api.** rightly takes' in section


def test_query_functions_that_enqueue_jobs_are_no_data_access(tmp_path: Path) -> None:
    """argilla's `webhooks/v1/records.py`: it queries the session it takes to build a webhook
    event, then enqueues the rq jobs that deliver it: service work, not the repository layer.
    The same functions without the job queue are data access."""
    queries = (
        "{extra}from sqlalchemy import select\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "from app.models.items import Item\n\n\n"
        "async def notify_item_event(db: AsyncSession, item_id: int) -> list[Job]:\n"
        "    item = (await db.execute(select(Item).where(Item.id == item_id))).scalar_one()\n"
        "    return [item]\n"
    )
    files = {
        "app/__init__.py": "",
        "app/models/__init__.py": "",
        "app/models/base.py": BASE,
        "app/models/items.py": TABLE.format(base="app.models.base", name="Item", table="items"),
        "app/webhooks/__init__.py": "",
        "app/webhooks/items.py": queries.format(extra="from rq.job import Job\n"),
        "app/store/__init__.py": "",
        "app/store/items.py": queries.format(extra="from typing import Any as Job\n"),
    }
    section = render(detect(write(tmp_path, files)))
    assert '"app.store.items",  # functions that query the DB session they take' in section
    assert '"app.webhooks.items"' not in section


def test_settings_named_dtos_and_a_dict_subclass_do_not_stop_a_schema_module(tmp_path: Path) -> None:
    """zenml's `models/v2/core/server_settings.py` (request and response models built on the
    project's `BaseUpdate`) is no configuration module for its name, and `service_connector.py`
    stays a schema module beside `class ServiceConnectorConfiguration(Dict[str, Any])`. A
    `BaseSettings` module, or one of plain `BaseModel`s named settings, is still configuration."""
    base = "from pydantic import BaseModel\n\n\nclass BaseUpdate(BaseModel):\n    pass\n"
    dtos = (
        "from app.models.base_dto import BaseUpdate\n\n\n"
        "class ServerSettingsUpdate(BaseUpdate):\n    name: str\n"
    )
    connector = (
        "from typing import Any, Dict\n\nfrom app.models.base_dto import BaseUpdate\n\n\n"
        "class ConnectorConfiguration(Dict[str, Any]):\n    pass\n\n\n"
        "class ConnectorUpdate(BaseUpdate):\n    name: str\n"
    )
    files = {
        "app/__init__.py": "",
        "app/db/__init__.py": "",
        "app/db/base.py": BASE,
        "app/db/items.py": TABLE.format(base="app.db.base", name="Item", table="items"),
        "app/models/__init__.py": "",
        "app/models/base_dto.py": base,
        "app/models/server_settings.py": dtos,
        "app/models/connector.py": connector,
        "app/models/env_settings.py": "from pydantic_settings import BaseSettings\n\n\n"
        "class EnvSettings(BaseSettings):\n    debug: bool = False\n",
        "app/models/ui_settings.py": "from pydantic import BaseModel\n\n\nclass UiSettings(BaseModel):\n"
        "    theme: str\n",
        # phoenix's `db/types/experiment_config.py`: built on a base beside a plain class.
        "app/models/helper_types.py": "from pydantic import BaseModel\n\n\nclass DBBaseModel(BaseModel):\n"
        "    pass\n\n\nclass Cache:\n    pass\n",
        "app/models/run_config.py": "from app.models.helper_types import DBBaseModel\n\n\n"
        "class RunConfig(DBBaseModel):\n    name: str\n",
    }
    section = render(detect(write(tmp_path, files)))
    for schema in ("app.models.server_settings", "app.models.connector"):
        assert f'"{schema}",  # Pydantic models, defines no ORM class' in section
    for config in ("app.models.env_settings", "app.models.ui_settings", "app.models.run_config"):
        assert f'"{config}",' not in section


def test_a_module_orchestrating_an_orchestrating_module_is_a_service_too(tmp_path: Path) -> None:
    """open-webui's `utils/oauth.py` calls `utils/auth.py`, which the routes call and which calls
    services and models: both are the service layer, the second through the first."""
    auth = "from app.models.items import Item\nfrom app.services.items import ItemsService\n"
    oauth = "from app.models.items import Item\nfrom app.utils.auth import ItemsService\n"
    routes = ROUTES.replace(
        "\n", "\n    from app.utils.auth import Item\n    from app.utils.oauth import Item\n", 1
    )
    files = _data_app(
        {
            "app/utils/__init__.py": "",
            "app/utils/auth.py": auth,
            "app/utils/oauth.py": oauth,
            "app/routes/items.py": routes,
        }
    )
    section = render(detect(write(tmp_path, files)))
    assert '"app.utils.**",  # 2 modules with endpoints call it; it calls services and models or' in section


def test_config_named_modules_deriving_from_each_other_end(tmp_path: Path) -> None:
    """Two settings-named modules whose classes derive from each other's: the base's module is
    judged by its name alone, so the check ends (configuration, not schema)."""
    files = {
        "app/__init__.py": "",
        "app/db/__init__.py": "",
        "app/db/base.py": BASE,
        "app/db/items.py": TABLE.format(base="app.db.base", name="Item", table="items"),
        "app/models/__init__.py": "",
        "app/models/a_settings.py": "from pydantic import BaseModel\n\n"
        "from app.models.b_settings import B\n\n\nclass A(B):\n    pass\n\n\nclass C(BaseModel):\n    pass\n",
        "app/models/b_settings.py": "from app.models.a_settings import C\n\n\nclass B(C):\n    pass\n",
    }
    section = render(detect(write(tmp_path, files)))
    assert '"app.models.a_settings",' not in section and '"app.models.b_settings",' not in section


def test_data_access_beside_the_routes_is_no_endpoint_module(tmp_path: Path) -> None:
    """phoenix's `server/api/experiment_tags.py` and `evaluators.py` (issue 13, audit pattern G):
    helpers directly in the API folder, imported by the routes, whose functions take a DB session
    and that build queries. No endpoint modules: the one a repository (a data loader) imports is
    repository, also though it imports a repository module itself; the one importing an endpoint
    module is left unlayered with an unsure line. A helper speaking HTTP stays an endpoint."""
    writes = (
        "{extra}from sqlalchemy import delete\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "from app.models.items import Item\n\n\n"
        "async def remove_item(session: AsyncSession, item_id: int) -> None:\n"
        "    await session.execute(delete(Item).where(Item.id == item_id))\n"
    )
    imports = "\n    from app.api.tags import remove_item\n    from app.api.evaluators import remove_item\n"
    files = {
        "app/__init__.py": "",
        "app/models/__init__.py": "",
        "app/models/base.py": BASE,
        "app/models/items.py": TABLE.format(base="app.models.base", name="Item", table="items"),
        "app/db/__init__.py": "",
        "app/db/helpers.py": writes.format(extra="").replace("remove_item", "drop_item"),
        "app/api/__init__.py": "",
        "app/api/exceptions.py": "class NotFound(Exception):\n    pass\n",
        "app/api/tags.py": writes.format(extra="from app.db.helpers import drop_item\n"),
        "app/api/evaluators.py": writes.format(extra="from app.api.exceptions import NotFound\n"),
        "app/api/http_helpers.py": writes.format(extra="from fastapi import HTTPException\n"),
        "app/api/routers/__init__.py": "",
        "app/api/routers/items.py": ROUTES.replace(
            "\n", imports + "    from app.api.http_helpers import remove_item\n", 1
        ),
        "app/repositories/__init__.py": "",
        "app/repositories/tags.py": "from app.api.tags import remove_item\nfrom app.models import items\n",
    }
    section = render(detect(write(tmp_path, files)))
    said = prose(section)
    assert '"app.api.tags",  # builds queries over the model layer; repository modules import it' in section
    assert '"app.api.evaluators",' not in section  # in no layer's modules list
    assert (
        "1 module beside the routes with functions taking a DB session and building queries "
        "(app.api.evaluators): no endpoint modules"
    ) in said
    assert 'add it to [tool.layerguard.layers.service] modules, e.g. "app.api.evaluators"' in said
    assert '"app.api.http_helpers",  # what **.api.** rightly takes' in section
    assert '"app.api.evaluators",  # what **.api.** rightly takes' not in section


def test_what_services_call_and_what_calls_found_data_access_is_orchestration(tmp_path: Path) -> None:
    """skyvern's `workflow/context_manager.py` (services import it; it calls a service and the
    data access) and `forge/agent_functions.py` (the routes import it; it calls services and the
    `AgentDB` facade, data access found by the repositories it holds): both service. A helper
    that services import and that reaches no service stays unlayered."""
    facade = (
        "from app.repositories.item import ItemRepository\nfrom app.repositories.tag import TagRepository\n"
        "from app.repositories.note import NoteRepository\n\n\nclass AppDB:\n"
        "    def __init__(self) -> None:\n        self.items = ItemRepository()\n"
        "        self.tags = TagRepository()\n        self.notes = NoteRepository()\n"
    )
    files = _data_app(
        {
            "app/db/__init__.py": "",
            "app/db/app_db.py": facade,
            "app/workflow/__init__.py": "",
            "app/workflow/context.py": (
                "from app.repositories.item import ItemRepository\n"
                "from app.services.items import ItemsService\n"
            ),
            "app/workflow/labels.py": "from app.repositories.item import ItemRepository\n",
            "app/services/runs.py": (
                "from app.workflow.context import ItemsService\n"
                "from app.workflow.labels import ItemRepository\n"
            ),
            "app/hooks.py": "from app.db.app_db import AppDB\nfrom app.services.items import ItemsService\n",
            "app/routes/items.py": ROUTES.replace("\n", "\n    from app.hooks import AppDB\n", 1),
        }
    )
    section = render(detect(write(tmp_path, files)))
    assert (
        '"app.workflow.context",  # services call it; it calls services and models or repositories' in section
    )
    assert '"app.hooks",  # endpoints call it; it calls services and models or repositories' in section
    assert '"app.workflow.labels"' not in section


def test_a_module_endpoints_call_that_uses_the_data_layer_and_other_logic_is_a_service(
    tmp_path: Path,
) -> None:
    """freqtrade's `rpc/rpc.py`, pyspur's `execution/workflow_executor.py`, fief's `tasks/`: no
    folder names them and they call no service, but the routes call them and they use the
    repositories or tables at run time along with other logic of the app. Left unlayered each
    was an LG103 bridge (issue 13, the seed-30 audit). Not a service: a module of queries alone,
    an HTTP helper (not a service raising an odd `HTTPException`: seed 39), and a module with
    which the layer rules would report something new (here a model module imports it: LG101)."""
    uses = "from app.clock import now\nfrom app.repositories.item import ItemRepository\n\n"
    files = _data_app(
        {
            "app/clock.py": "import time\n\ndef now() -> float:\n    return time.time()\n",
            "app/engine/__init__.py": "",
            "app/engine/runner.py": uses + "def run() -> object:\n    return ItemRepository().get(), now()\n",
            "app/engine/shared.py": uses
            + "def share() -> object:\n    return ItemRepository().get(), now()\n",
            "app/models/audit.py": "from sqlalchemy.orm import Mapped, mapped_column\n\n"
            "from app.engine.shared import share\nfrom app.models.base import Base\n\n"
            "class Audit(Base):\n    __tablename__ = 'audits'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n\n"
            "    def shared(self) -> object:\n        return share()\n",
            "app/jobs.py": "import dramatiq\n\nfrom app.repositories.item import ItemRepository\n\n"
            "@dramatiq.actor\ndef refresh() -> None:\n    ItemRepository().get()\n",
            "app/queries.py": "from sqlalchemy import select\n\nfrom app.models.items import Item\n\n"
            "def items() -> object:\n    return select(Item)\n",
            "app/web.py": "from fastapi import HTTPException\n\n"
            + uses
            + "def found() -> object:\n    if not now():\n        raise HTTPException(404)\n"
            "    return ItemRepository().get()\n",
            "app/server.py": "from fastapi import HTTPException\n\n"
            + uses
            + "class Server:\n    def busy(self) -> object:\n        if not now():\n"
            "            raise HTTPException(423)\n        return ItemRepository().get()\n"
            + "".join(f"\n    def step{i}(self) -> object:\n        return now()\n" for i in range(9)),
            # The same, reading the request: HTTP is its job, whatever it raises.
            "app/gateway.py": "from fastapi import HTTPException, Request\n\n"
            + uses
            + "class Gateway:\n    def busy(self, request: Request) -> object:\n        if not now():\n"
            "            raise HTTPException(423)\n        return ItemRepository().get(), request\n"
            + "".join(f"\n    def step{i}(self) -> object:\n        return now()\n" for i in range(9)),
            "app/routes/items.py": ROUTES.replace(
                "\n",
                "\n    from app.engine.runner import run\n    from app.engine.shared import share\n"
                "    from app.queries import items\n    from app.web import found\n"
                "    from app.jobs import refresh\n    from app.server import Server\n"
                "    from app.gateway import Gateway\n",
                1,
            ),
        }
    )
    detection = detect(write(tmp_path, files))
    section = render(detection)
    assert (
        '"app.engine.runner",  # endpoints call it; it uses models or repositories, and other code' in section
    )
    assert '"app.jobs",  # endpoints call it' in section  # background jobs: fief's dramatiq tasks
    # It raises `HTTPException` in one of its ten functions: a service all the same (memgpt's
    # `SyncServer`), whose raise LG201 reports; `app.web` raises it in its only one.
    assert '"app.server",  # endpoints call it' in section
    for unlayered in ("app.engine.shared", "app.queries", "app.web", "app.clock", "app.gateway"):
        assert f'"{unlayered}",' not in section, unlayered
    # The model imports `app.engine.shared`: as a service it would be LG101, so it is dropped and
    # named on an unsure line instead.
    dropped = [u.text for u in detection.unsure if "the routes call look" in u.text]
    assert dropped and "(app.engine.shared)" in dropped[0]


# A table module as `write` leaves it (no indentation to remove).
TABLE_MODULE = (
    "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom app.models.base import Base\n\n\n"
    "class {name}(Base):\n    __tablename__ = '{table}'\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
)


def test_data_access_folders_singletons_and_a_config_module_with_a_table(tmp_path: Path) -> None:
    """The seed-31 audit. mlflow's `store/tracking/gateway/config_resolver.py` (queries the
    store's tables for the gateway routes) sits in a data-access folder: no service, whatever
    calls it. open-webui 0.6's `utils/filter.py` uses the data-access singleton a model module
    makes (`Functions = FunctionsTable()`): a service. Its `config.py` keeps one table beside the
    settings: not a model module, so importing a setting is no model import (3 false LG102)."""
    uses = "from app.clock import now\nfrom app.repositories.item import ItemRepository\n\n"
    files = _data_app(
        {
            "app/clock.py": "import time\n\ndef now() -> float:\n    return time.time()\n",
            "app/store/__init__.py": "",
            "app/store/resolver.py": uses
            + "def resolve() -> object:\n    return ItemRepository().get(), now()\n",
            "app/models/functions.py": TABLE_MODULE.format(name="Function", table="functions")
            + "\nclass FunctionsTable:\n    def get(self) -> None: ...\n\nFunctions = FunctionsTable()\n",
            "app/utils/__init__.py": "",
            "app/utils/filter.py": "from app.clock import now\nfrom app.models.functions import Functions\n\n"
            "def apply() -> object:\n    return Functions.get(), now()\n",
            "app/config.py": TABLE_MODULE.format(name="Config", table="config") + "\nDATA_DIR = '/data'\n",
            "app/routes/items.py": ROUTES.replace(
                "\n",
                "\n    from app.config import DATA_DIR\n    from app.store.resolver import resolve\n"
                "    from app.utils.filter import apply\n",
                1,
            ),
        }
    )
    root = write(tmp_path, files)
    section = render(detect(root))
    assert '"app.utils.filter",  # endpoints call it' in section
    assert '"app.store.resolver"' not in section
    assert '"app.config"' not in section
    write_section(root, section)
    assert [f.code for f in check([root], select=["LG102"], cache=False).findings] == []


_RUNNER_USES = "from app.clock import now\nfrom app.repositories.item import ItemRepository\n\n"
_GUESS_BASE = {
    "app/clock.py": "import time\n\ndef now() -> float:\n    return time.time()\n",
    "app/engine/__init__.py": "",
    "app/engine/runner.py": _RUNNER_USES + "def run() -> object:\n    return ItemRepository().get(), now()\n",
    "app/routes/items.py": ROUTES.replace("\n", "\n    from app.engine.runner import run\n", 1),
}
_AUDIT = TABLE_MODULE.format(name="Audit", table="audits") + "\n    def shared(self) -> object:\n"


@pytest.mark.parametrize(
    ("extra", "kept"),
    [
        # Three guesses folded into `app.engine.**`, which takes along a helper importing a
        # route: the LG101 names none of them, so none is kept.
        (
            {
                **{
                    f"app/engine/{n}.py": _RUNNER_USES + f"def {n}_go() -> object:\n"
                    "    return ItemRepository().get(), now()\n"
                    for n in ("xrun", "zflow")
                },
                "app/engine/helpers.py": "from app.routes.items import index\n\ndef helper() -> object:\n"
                "    return index\n",
                "app/routes/items.py": ROUTES.replace(
                    "\n",
                    "\n    from app.engine.runner import run\n    from app.engine.xrun import xrun_go\n"
                    "    from app.engine.zflow import zflow_go\n",
                    1,
                ),
            },
            False,
        ),
        # A second LG103 on a line that already has one (`import a, b`): still new.
        (
            {
                "app/misc.py": "import app.repositories.tag, app.engine.runner\n\ndef go() -> object:\n"
                "    return app.engine.runner.run(), app.repositories.tag.TagRepository()\n",
                "app/models/audit.py": "import app.misc\n" + _AUDIT + "        return app.misc.go()\n",
            },
            False,
        ),
        # A service locator that counted the guess as a service is no locator once it is dropped.
        (
            {
                "app/engine/runner.py": _RUNNER_USES + "class Runner:\n    def run(self) -> object:\n"
                "        return ItemRepository().get(), now()\n",
                "app/things.py": "class A: ...\nclass B: ...\nclass C: ...\n",
                "app/hub.py": "from app.engine.runner import Runner\n"
                "from app.repositories.tag import TagRepository\n"
                "from app.things import A, B, C\n\nclass Hub:\n    runner: Runner\n    tags: TagRepository\n"
                "    a: A\n    b: B\n    c: C\n\nhub = Hub()\n",
                "app/routes/items.py": ROUTES.replace(
                    "\n", "\n    from app.hub import hub\n    from app.engine.runner import Runner\n", 1
                ),
                "app/models/audit.py": "import app.engine.runner\n"
                + _AUDIT
                + "        return app.engine.runner.Runner()\n",
            },
            False,
        ),
        # An LG002 for the `noqa` the guess made unused is no layer finding: the guess stays.
        (
            {
                "app/engine/runner.py": "from app.clock import now\n"
                "from app.repositories.item import ItemRepository  # noqa: LG103\n\n"
                "def run() -> object:\n    return ItemRepository().get(), now()\n",
            },
            True,
        ),
    ],
    ids=["folder-glob", "same-line", "service-locator", "unused-noqa"],
)
def test_a_guessed_service_is_kept_only_where_the_layer_rules_report_nothing_new(
    extra: dict[str, str], kept: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The review of 2026-12-07: whatever the guess, `check` reports every layer finding it
    reports with no service guessed at all, and nothing more."""

    def layer_findings(root: Path) -> list[tuple[str, str, int]]:
        write_section(root, render(detect(root)))
        found = check([root], select=["LG101", "LG102", "LG103", "LG106"], cache=False).findings
        return sorted((f.code, f.path.relative_to(root).as_posix(), f.line) for f in found)

    files = _data_app({**_GUESS_BASE, **extra})
    (tmp_path / "guessing").mkdir()
    (tmp_path / "not_guessing").mkdir()
    guessing = write(tmp_path / "guessing", files)
    detection = detect(guessing)
    section = render(detection)
    assert ('"app.engine.runner",  # endpoints call it' in section or '"app.engine.**",' in section) == kept
    # A dropped guess is named on an unsure line, with the line that layers it anyway.
    dropped = [u for u in detection.unsure if "the routes call look" in u.text]
    assert bool(dropped) != kept
    if dropped:
        assert "app.engine.runner" in dropped[0].text
        assert '"app.engine.runner"' in dropped[0].change
    with_guess = layer_findings(guessing)
    monkeypatch.setattr(init_module, "_endpoint_services", lambda *args: None)
    assert with_guess == layer_findings(write(tmp_path / "not_guessing", files)) or kept
    if kept:
        assert not any("app/engine" in path for _, path, _ in with_guess)


def test_a_wiring_line_of_several_modules_says_its_verbs_in_the_plural() -> None:
    """ "app.main, app.admin create the FastAPI app and include its routers": every verb agrees."""
    said = init_module._agreeing(init_module.APP_ROOT, 2)
    assert said == "create the FastAPI app and include its routers"
    assert init_module._agreeing(init_module.APP_ROOT, 1) == init_module.APP_ROOT
    for phrase in (init_module.API_SCHEMA, init_module.SERVICE_LOCATOR, init_module.AUTH_PROVIDERS):
        assert init_module._agreeing(phrase, 3).split(" ")[0] in init_module.PLURAL_VERBS.values()


def test_a_module_defining_the_routes_authentication_dependencies_is_wiring(tmp_path: Path) -> None:
    """open-webui's `utils/auth.py`, gpustack's `api/auth.py`: `get_current_user` (a `Depends()`
    provider reading the users table) beside token and password helpers the login routes call.
    Unlayered, it was an LG103 bridge from every route to the table (seeds 31 and 32); it is the
    routes' authentication: wiring, also where a library makes the provider (fastapi-users'
    `current_active_user = fastapi_users.current_user()`: dap-engine, seed 40). A provider whose
    name says nothing of authentication, and an auth module no route depends on, stay as they
    were."""
    auth = (
        "from fastapi import Depends, HTTPException\n\nfrom app.models.items import Item\n\n\n"
        "def create_token(name: str) -> str:\n    return name\n\n\n"
        "def {provider}(token: str = '') -> Item:\n    if not token:\n        raise HTTPException(401)\n"
        "    return Item()\n"
    )
    routes = ROUTES.replace(
        "    async def index() -> dict[str, int]:",
        "    async def index(user: object = Depends(get_current_user), page: object = Depends(get_page),"
        " active: object = Depends(current_active_user), admin: object = Depends(require_admin),"
        " token: str = Depends(oauth2_scheme)) -> dict[str, int]:",
    ).replace(
        "from fastapi import APIRouter\n",
        "from fastapi import APIRouter, Depends\n"
        "    from app.utils.auth import create_token, get_current_user\n"
        "    from app.utils.paging import get_page\n"
        "    from app.utils.users import current_active_user\n"
        "    from app.utils.flags import require_admin\n"
        "    from app.utils.scheme import oauth2_scheme\n",
    )
    files = _data_app(
        {
            "app/utils/__init__.py": "",
            "app/utils/auth.py": auth.format(provider="get_current_user"),
            "app/utils/paging.py": auth.format(provider="get_page"),
            "app/utils/login.py": auth.format(provider="get_logged_in_user"),
            # fastapi-users makes the provider (dap-engine's `auth/users.py`, the seed-40 audit).
            "app/utils/users.py": "from fastapi_users import FastAPIUsers\n\n"
            "from app.models.items import Item\n\n"
            "fastapi_users = FastAPIUsers(Item, [])\n"
            "current_active_user = fastapi_users.current_user(active=True)\n",
            # A name bound to another provider is no provider of its own (litellm's
            # `premium_user_check = require_enterprise_license` in its 9,000-line `proxy/utils.py`).
            "app/utils/flags.py": "from app.utils.paging import get_page\n\nrequire_admin = get_page\n",
            # fastapi's scheme reads a credential: the module declaring it defines no provider.
            "app/utils/scheme.py": "from fastapi.security import OAuth2PasswordBearer\n\n"
            "oauth2_scheme = OAuth2PasswordBearer(tokenUrl='token')\n",
            "app/routes/items.py": routes,
        }
    )
    root = write(tmp_path, files)
    section = render(detect(root))
    assert "\nwiring = [" in section
    wiring = section[section.index("\nwiring = [") :].split("]", 1)[0]
    assert '"app.utils.auth"' in wiring
    assert '"app.utils.users"' in wiring
    assert "app.utils.auth, app.utils.users define the authentication dependencies the routes take" in section
    for other in ("app.utils.paging", "app.utils.login", "app.utils.flags", "app.utils.scheme"):
        assert f'"{other}"' not in wiring
    write_section(root, section)
    found = check([root], select=["LG101", "LG102", "LG103"], cache=False).findings
    assert not [f for f in found if f.path.name == "auth.py"]


def test_modules_inside_a_package_named_for_a_layer_take_its_layer(tmp_path: Path) -> None:
    """langchain-chatchat's `db/repository/`: the preset's `**.repository` takes the package's
    `__init__` by its own name, not the modules in it, whose sessions come from a decorator (no
    typed parameter, so no content check placed them): unlayered, each was an LG103 bridge at its
    import of the tables (seed 34). A `model/` package's modules stay unplaced by the name: as
    often machine learning as tables."""
    query = (
        "from app.models.items import Item\n\n\n"
        "def list_names(session) -> list[str]:  # noqa: LG403\n"
        "    return [item.name for item in session.query(Item).all()]\n"
    )
    files = _data_app(
        {
            "app/db/__init__.py": "",
            "app/db/repository/__init__.py": "from .item_queries import list_names\n",
            "app/db/repository/item_queries.py": query,
            "app/ml/__init__.py": "",
            "app/ml/model/__init__.py": "",
            "app/ml/model/ranker.py": "def rank(names: list[str]) -> list[str]:\n    return sorted(names)\n",
        }
    )
    root = write(tmp_path, files)
    section = render(detect(root))
    assert '"app.db.repository.item_queries",  # the name of their package (repository)' in section
    assert "app.ml.model.ranker" not in section
    write_section(root, section)
    found = check([root], select=["LG101", "LG102", "LG103"], cache=False).findings
    assert not [f for f in found if f.path.name == "item_queries.py"]


def test_routes_hidden_from_the_api_do_not_make_an_endpoint_module(tmp_path: Path) -> None:
    """langchain-chatchat's `server/utils.py`: 900 lines of helpers, one of which adds offline docs
    pages (`include_in_schema=False`) to the app it is given. As an endpoint module, every
    service importing a helper from it was an LG101 (seed 34). A module with one route in the
    API beside a hidden one is an endpoint module still, and so is a module-level router whose
    routes are all hidden (litellm's OAuth gateway)."""
    utils = (
        "from fastapi import FastAPI\n\n\n"
        "def get_embeddings(name: str) -> list[float]:\n    return [0.0]\n\n\n"
        "def make_docs_offline(app: FastAPI) -> None:\n"
        '    @app.get("/docs", include_in_schema=False)\n'
        "    async def docs() -> str:\n        return ''\n"
    )
    shown = utils.replace("make_docs_offline", "add_status").replace(
        "    async def docs() -> str:\n        return ''\n",
        "    async def docs() -> str:\n        return ''\n\n"
        '    @app.get("/status")\n    async def status() -> str:\n        return ""\n',
    )
    service = "from app.utils import get_embeddings\n\n\nclass EmbedService:\n    embed = get_embeddings\n"
    oauth = ROUTES.replace('@router.get("/")', '@router.get("/oauth/token", include_in_schema=False)')
    files = _data_app(
        {
            "app/utils.py": utils,
            "app/status.py": shown,
            "app/oauth.py": oauth,
            "app/services/embed.py": service,
        }
    )
    root = write(tmp_path, files)
    section = render(detect(root))
    assert '"app.status",  # route handlers' in section
    assert '"app.oauth",  # route handlers' in section  # a module-level router's hidden routes
    assert '"app.utils"' not in section
    write_section(root, section)
    found = check([root], select=["LG101", "LG102", "LG103"], cache=False).findings
    assert not [f for f in found if f.path.name == "embed.py"]


def test_a_family_of_data_access_classes_takes_one_layer(tmp_path: Path) -> None:
    """whombat's `api` package: one `XAPI(BaseAPI)` per entity; the ones building a query were
    repository by content, the ones leaving every query to `BaseAPI`'s helpers unlayered, and
    each of those an LG103 bridge to its own family (seed 34: 22 of 25 sampled findings). The
    family takes the layer its placed members have. A base whose methods take no session (a
    logging mixin) is no family to follow."""
    common = (
        "from sqlalchemy import select\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "from app.models.items import Item\n\n\n"
        "async def get_object(session: AsyncSession, pk: int) -> Item | None:\n"
        "    return (await session.scalars(select(Item).where(Item.id == pk))).first()\n\n\n"
        "class BaseAPI:\n"
        "    async def get(self, session: AsyncSession, pk: int) -> Item | None:\n"
        "        return await get_object(session, pk)\n"
    )
    member = (
        "from app.dao.common import BaseAPI\nfrom app.models.items import Item\n\n\n"
        "class {name}API(BaseAPI):\n    model = Item\n\n\n{var} = {name}API()\n"
    )
    mixin = "import logging\n\n\nclass Logged:\n    log = logging.getLogger(__name__)\n"
    logged = "from app.support.logged import Logged\n\n\nclass {name}(Logged):\n    pass\n"
    routes = ROUTES.replace(
        "from fastapi import APIRouter\n", "from fastapi import APIRouter\n\n    from app import dao\n"
    )
    files = _data_app(
        {
            "app/dao/__init__.py": "from app.dao.clips import clips\nfrom app.dao.tags import tags\n",
            "app/dao/common.py": common,
            "app/dao/clips.py": member.format(name="Clip", var="clips"),
            "app/dao/tags.py": "from sqlalchemy import select\n"
            + "from sqlalchemy.ext.asyncio import AsyncSession\n"
            + member.format(name="Tag", var="tags")
            + "\n\nasync def count(session: AsyncSession) -> int:\n"
            + "    return len((await session.scalars(select(Item))).all())\n",
            "app/support/__init__.py": "",
            "app/support/logged.py": mixin,
            "app/support/mailer.py": logged.format(name="Mailer"),
            "app/repositories/logged_items.py": "from app.models.items import Item\n"
            + logged.format(name="Items"),
            "app/repositories/logged_tags.py": "from app.models.items import Item\n"
            + logged.format(name="Tags"),
            "app/routes/clips.py": routes,
        }
    )
    root = write(tmp_path, files)
    section = render(detect(root))
    write_section(root, section)
    view = api.load_project(api.load_config([root]), [root])
    assert [view.layers.layer_of(f"app.dao.{m}") for m in ("common", "tags", "clips")] == [REPOSITORY] * 3
    assert [view.layers.layer_of(f"app.support.{m}") for m in ("logged", "mailer")] == [None, None]
    found = check([root], select=["LG101", "LG102", "LG103"], cache=False).findings
    assert not [f for f in found if f.code == "LG103"]
    assert [(f.path.name, f.code) for f in found] == [("clips.py", "LG102")]  # the routes skip a service


def test_handlers_another_module_registers_are_no_service(tmp_path: Path) -> None:
    """langchain-chatchat's `knowledge_base/kb_api.py`: functions taking `Body(...)` parameters
    that `kb_routes.py` registers (`router.get(path)(list_kbs)`), calling services and
    repositories. Business logic beside the service layer would make it a service, and every
    `fastapi` import in it an LG202; it declares route parameters, so it is no service. Importing
    a marker is not declaring one (open-webui's `functions.py`, a service, imports `Form`)."""
    handlers = (
        "from fastapi import Body\n\nfrom app.repositories.item import ItemRepository\n"
        "from app.services.items import ItemsService\n\n\n"
        "def list_items(name: str = Body('')) -> list[str]:\n"
        "    return [str(ItemsService), str(ItemRepository), name]\n"
    )
    logic = handlers.replace(" = Body('')", "")  # imports `Body`, declares no parameter with it
    register = (
        "from fastapi import APIRouter\n\nfrom app.kb.kb_api import list_items\n"
        "from app.kb.logic import list_items as listed\n\n"
        "router = APIRouter()\nrouter.get('/items')(list_items)\nrouter.get('/listed')(listed)\n"
    )
    files = _data_app(
        {
            "app/kb/__init__.py": "",
            "app/kb/kb_api.py": handlers,
            "app/kb/logic.py": logic,
            "app/routes/kb.py": register,
        }
    )
    section = render(detect(write(tmp_path, files)))
    assert '"app.kb.logic",  # endpoints call it; it calls services and models or repositories' in section
    assert '"app.kb.kb_api"' not in section


def test_a_store_opening_sessions_from_the_engine_it_holds_is_data_access(tmp_path: Path) -> None:
    """opsml's `QueryEngine`: `with Session(self.engine) as sess` in its own `session()` helper,
    then queries over the tables. Opening one's own sessions marks a job or a service (dstack's
    scheduled tasks open `get_session_ctx()`), but a session made from what the instance holds
    is a store's: the repository layer (seed 34: it was unlayered, a bridge to the tables). A
    module opening the app's global session factory stays out."""
    store = (
        "from collections.abc import Iterator\nfrom contextlib import contextmanager\n\n"
        "from sqlalchemy import Engine, select\nfrom sqlalchemy.orm import Session\n\n"
        "from app.models.items import Item\n\n\nclass QueryEngine:\n"
        "    def __init__(self, engine: Engine) -> None:\n        self.engine = engine\n\n"
        "    @contextmanager\n    def session(self) -> Iterator[Session]:\n"
        "        with Session(self.engine) as sess:\n            yield sess\n\n"
        "    def names(self, owner: str) -> list[str]:\n        with self.session() as sess:\n"
        "            return [i.name for i in sess.scalars(select(Item).where(Item.owner == owner))]\n"
    )
    job = store.replace("Session(self.engine)", "Session(ENGINE)").replace(
        "from app.models.items import Item\n", "from app.models.items import Item\n\nENGINE = Engine()\n"
    )
    files = _data_app(
        {
            "app/registry/__init__.py": "",
            "app/registry/query_engine.py": store,
            "app/registry/sweeper.py": job,
        }
    )
    section = render(detect(write(tmp_path, files)))
    assert '"app.registry.query_engine",  # builds SQLAlchemy queries over the model layer' in section
    assert '"app.registry.sweeper"' not in section


def test_logic_beside_the_routes_that_uses_the_data_layer_is_a_service(tmp_path: Path) -> None:
    """hawk's `api/run.py` (the seed-35 audit): no route, beside the routers that call it, it
    calls the repositories through a module import along with other logic of the app. As an
    endpoint module its four repository imports were LG102; it is a service, and the helper
    beside the routes it imports (`api/problem.py`) leaves the endpoint layer with it (a service
    importing an endpoint module would be LG101). A helper only the routes use stays."""
    launch = (
        "from app.api import problem\nfrom app.clock import now\nfrom app.repositories import item\n\n\n"
        "def launch() -> object:\n    if not now():\n        raise problem.LaunchError()\n"
        "    return item.ItemRepository().get()\n"
    )
    files = _data_app(
        {
            "app/clock.py": "import time\n\ndef now() -> float:\n    return time.time()\n",
            "app/api/__init__.py": "",
            "app/api/launch.py": launch,
            "app/api/problem.py": "class LaunchError(Exception):\n    pass\n\n"
            "def explain(error: Exception) -> str:\n    return str(error)\n",
            "app/api/paging.py": "def page(items: list[int]) -> list[int]:\n    return items[:10]\n",
            "app/api/items.py": ROUTES.replace(
                "\n", "\n    from app.api.launch import launch\n    from app.api.paging import page\n", 1
            ),
        }
    )
    root = write(tmp_path, files)
    section = render(detect(root))
    assert '"app.api.launch",  # beside the routes, serving none; endpoints call it' in section
    assert '"app.api.problem",' not in section  # left out: unlayered
    assert "a service beside the routes imports it" in prose(section)
    assert '"app.api.paging",' in section or '"app.api.**",' in section  # stays endpoint
    write_section(root, section)
    found = check([root], select=["LG101", "LG102", "LG103"], cache=False).findings
    assert [(f.code, f.path.name) for f in found] == []


def test_a_service_beside_the_routes_is_tried_after_the_others(tmp_path: Path) -> None:
    """cognee's `__init__.py` re-exports its SDK functions (`api/v1/add/add.py`, beside the
    routers), and a repository imports the package. With a re-exported function a service,
    LG103 reports the package's next import of an endpoint module, a finding that names no
    guess: it bars what the package imports (the modules beside the routes), not the service
    guessed elsewhere (`app/engine/runner.py`), which the layer rules take as before."""
    launch = (
        "from app.clock import now\nfrom app.repositories import item\n\n\n"
        "def launch() -> object:\n    return item.ItemRepository().get(), now()\n"
    )
    files = _data_app(
        {
            **_GUESS_BASE,
            "app/__init__.py": "from app.api.launch import launch\nfrom app.api.paging import page\n\n"
            "def version() -> str:\n    return '1'\n",
            "app/api/__init__.py": "",
            "app/api/launch.py": launch,
            "app/api/paging.py": "def page(items: list[int]) -> list[int]:\n    return items[:10]\n",
            "app/api/items.py": ROUTES.replace("\n", "\n    from app.api.launch import launch\n", 1),
            # The package used whole (passed on), so the chain takes every name it binds.
            "app/repositories/note.py": "import app\nfrom app.models.items import Item\n\n\n"
            "class NoteRepository:\n    def get(self) -> Item:\n        return register(app)\n",
        }
    )
    section = render(detect(write(tmp_path, files)))
    assert '"app.engine.runner",  # endpoints call it' in section
    assert '"app.api.launch",  # beside the routes' not in section


def test_tables_and_the_database_setup_of_a_feature_folder_under_api(tmp_path: Path) -> None:
    """aim's `web/api/reports/` (the seed-36 audit): its `models.py` of tables was left out of
    both layers ("no route handler"), so the summary said no model was found, and `web/api/db.py`
    (engine, sessions, `get_session`) was an endpoint module. Tables are model wherever they
    sit; the database setup beside the routes is no layer's, as elsewhere, and so is a helper
    beside them that the tables use (`web/api/utils.py`'s `datetime_now`)."""
    db = (
        "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import declarative_base, sessionmaker\n\n"
        "engine = create_engine('sqlite://')\nSessionLocal = sessionmaker(bind=engine)\n"
        "Base = declarative_base()\n\n\ndef get_session():\n    session = SessionLocal()\n"
        "    try:\n        yield session\n    finally:\n        session.close()\n"
    )
    tables = (
        "import sqlalchemy as sa\n\nfrom app.web.api.db import Base\nfrom app.web.api.ids import RowId\n"
        "from app.web.api.utils import now\n\n\n"
        "class Report(Base):\n    __tablename__ = 'reports'\n"
        "    uuid = sa.Column(sa.Text, primary_key=True)\n    created = sa.Column(sa.DateTime, default=now)\n"
    )
    views = (
        "from fastapi import APIRouter, Depends\n\nfrom app.web.api.db import get_session\n"
        "from app.web.api.reports.models import Report\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/')\nasync def reports(session=Depends(get_session)) -> list[str]:\n"
        "    return [r.uuid for r in session.query(Report)]\n"
    )
    files = {
        "app/__init__.py": "",
        "app/web/__init__.py": "",
        "app/web/api/__init__.py": "",
        "app/web/api/db.py": db,
        # A helper beside the routes that the tables use: no endpoint module (as one, LG101).
        "app/web/api/utils.py": "from datetime import datetime\n\n\ndef now() -> datetime:\n"
        "    return datetime.now()\n",
        # One whose type alias the tables take stays (a neutral name: no finding either way).
        "app/web/api/ids.py": "from typing import Annotated\n\nRowId = Annotated[str, 'id']\n",
        "app/web/api/reports/__init__.py": "",
        "app/web/api/reports/models.py": tables,
        "app/web/api/reports/views.py": views,
        # No model glob takes this one: its tables make it model all the same.
        "app/web/api/charts/__init__.py": "",
        "app/web/api/charts/tables.py": tables.replace("Report", "Chart").replace("reports", "charts"),
    }
    root = write(tmp_path, files)
    section = render(detect(root))
    assert "#   model       app.web.api.charts.tables (1), app.web.api.reports.models (1)" in section
    assert "db-setup: engine, sessionmaker or session provider: app.web.api.db" in section
    assert "code below the routes imports it; no route handler, router, route registration or" in section
    assert "GraphQL resolver in it: app.web.api.utils\n" in section  # not app.web.api.ids
    write_section(root, section)
    found = check([root], select=["LG101", "LG102", "LG103"], cache=False).findings
    assert [(f.code, f.path.name) for f in found] == [("LG102", "views.py")]  # the route queries the table


def test_the_database_plumbing_of_a_services_folder_is_no_service(tmp_path: Path) -> None:
    """langflow's `services/database/utils.py`: a session provider without a return annotation
    (`session = AsyncSession(engine)`, `yield session`) beside validators its tables use. As a
    service module, each table's import of a validator was an LG101 (three in langflow-base
    1.13.0); in a database folder it is the database setup, which every layer may use. A
    service over the tables stays one, and so does one that opens sessions in its own folder."""
    utils = (
        "from contextlib import asynccontextmanager\n\n"
        "from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine\n\n"
        "engine = None\n\n\n@asynccontextmanager\nasync def session_getter(url: str):\n"
        "    session = AsyncSession(create_async_engine(url))\n    try:\n        yield session\n"
        "    finally:\n        await session.close()\n\n\n"
        "def not_blank(value: str) -> str:\n    if not value.strip():\n        raise ValueError(value)\n"
        "    return value\n"
    )
    table = (
        "from pydantic import field_validator\nfrom sqlmodel import Field, SQLModel\n\n"
        "from app.services.database.utils import not_blank\n\n\n"
        "class Deployment(SQLModel, table=True):\n"
        "    id: int | None = Field(default=None, primary_key=True)\n"
        "    name: str\n\n    @field_validator('name')\n    @classmethod\n"
        "    def check_name(cls, value: str) -> str:\n        return not_blank(value)\n"
    )
    service = (
        "from sqlalchemy.ext.asyncio import AsyncSession\nfrom sqlmodel import select\n\n"
        "from app.services.database.models.deployment import Deployment\n\n\n"
        "async def names(session: AsyncSession) -> list[str]:\n"
        "    return [d.name for d in await session.scalars(select(Deployment))]\n"
    )
    files = {
        "app/__init__.py": "",
        "app/services/__init__.py": "",
        "app/services/database/__init__.py": "",
        "app/services/database/utils.py": utils,
        "app/services/database/models/__init__.py": "",
        "app/services/database/models/deployment.py": table,
        "app/services/deployments.py": service,
        # A service of its own folder opening and yielding a session (prefect's `db_vacuum.py`)
        # stays a service.
        "app/services/vacuum.py": utils.replace("def not_blank", "def _not_blank"),
    }
    root = write(tmp_path, files)
    section = render(detect(root))
    assert "db-setup: engine, sessionmaker or session provider: app.services.database.utils\n" in section
    write_section(root, section)
    assert check([root], select=["LG101", "LG102", "LG103"], cache=False).findings == ()
    layers = api.load_project(api.load_config([root]), [root]).layers
    assert layers.layer_of("app.services.deployments") == "service"
    assert layers.layer_of("app.services.vacuum") == "service"
    assert layers.layer_of("app.services.database.models.deployment") == "model"


def test_a_session_of_the_projects_own_is_the_database_setup(tmp_path: Path) -> None:
    """cowork-server's `db/scoped.py` (the seed-40 audit): `ScopedSession` keeps the Session and
    offers its methods (`exec`, `get`, `add`, `delete`, `commit`, `rollback` …) with a tenant
    filter, passing them on (no store querying it: its own calls are no queries);
    `get_scoped_session` is the `Depends()` provider routes take through `ScopedSessionDep`. As
    a repository ("functions that query the DB session they take") every route taking it was
    an LG102: 23 false findings; its provider yields it (`-> Iterator[ScopedSession]`). A
    repository over a session that offers the same methods but names its table stays one."""
    scoped = (
        "from collections.abc import Iterator\nfrom typing import Annotated, Any\n\n"
        "from fastapi import Depends\n"
        "from sqlmodel import Session, select\n\nfrom app.db.session import get_session\n\n\n"
        "class ScopedSession:\n    def __init__(self, session: Session, org: str) -> None:\n"
        "        self._session = session\n        self.org = org\n\n"
        "    def select(self, model: type) -> Any:\n"
        "        return select(model).where(model.org == self.org)\n\n"
        "    def exec(self, stmt: Any) -> Any:\n        return self._session.exec(stmt)\n\n"
        "    def get(self, model: type, ident: Any) -> Any:\n        return self._session.get(model, ident)\n"
        "\n"
        "    def add(self, row: Any) -> None:\n        self._session.add(row)\n\n"
        "    def delete(self, row: Any) -> None:\n        self._session.delete(row)\n\n"
        "    def refresh(self, row: Any) -> None:\n        self._session.refresh(row)\n\n"
        "    def flush(self) -> None:\n        self._session.flush()\n\n"
        "    def commit(self) -> None:\n        self._session.commit()\n\n"
        "    def rollback(self) -> None:\n        self._session.rollback()\n\n\n"
        "def get_scoped_session(session: Session = Depends(get_session)) -> Iterator[ScopedSession]:\n"
        "    yield ScopedSession(session, 'org')\n\n\n"
        "ScopedSessionDep = Annotated[ScopedSession, Depends(get_scoped_session)]\n"
    )
    store = (
        "from typing import Annotated\n\nfrom fastapi import Depends\nfrom sqlmodel import Session, select\n"
        "\n"
        "from app.db.session import get_session\nfrom app.models.item import Item\n\n\n"
        "class ItemStore:\n    def __init__(self, session: Session) -> None:\n"
        "        self.session = session\n\n"
        "    def get(self, ident: int) -> Item | None:\n        return self.session.get(Item, ident)\n\n"
        "    def add(self, item: Item) -> None:\n        self.session.add(item)\n\n"
        "    def delete(self, item: Item) -> None:\n        self.session.delete(item)\n\n"
        "    def commit(self) -> None:\n        self.session.commit()\n\n"
        "    def rollback(self) -> None:\n        self.session.rollback()\n\n"
        "    def names(self) -> list[str]:\n"
        "        return [i.name for i in self.session.exec(select(Item))]\n\n\n"
        "def get_item_store(session: Session = Depends(get_session)) -> ItemStore:\n"
        "    return ItemStore(session)\n"
    )
    files = {
        "app/__init__.py": "",
        "app/main.py": "from fastapi import FastAPI\n\nfrom app.api.items import router\n\n"
        "app = FastAPI()\napp.include_router(router)\n",
        "app/db/__init__.py": "",
        "app/db/session.py": "from sqlmodel import Session, create_engine\n\n"
        "engine = create_engine('sqlite://')\n\n\n"
        "def get_session():\n    with Session(engine) as session:\n        yield session\n",
        "app/db/scoped.py": scoped,
        "app/db/store.py": store,
        "app/models/__init__.py": "",
        "app/models/item.py": "from sqlmodel import Field, SQLModel\n\n\nclass Item(SQLModel, table=True):\n"
        "    id: int | None = Field(default=None, primary_key=True)\n    org: str\n    name: str\n",
        "app/services/__init__.py": "",
        "app/services/items.py": "from app.db.scoped import ScopedSession\nfrom app.models.item import Item\n"
        "\n\n"
        "class ItemService:\n    def __init__(self, scoped: ScopedSession) -> None:\n"
        "        self.scoped = scoped\n\n"
        "    def names(self) -> list[str]:\n"
        "        return [i.name for i in self.scoped.exec(self.scoped.select(Item))]\n",
        "app/api/__init__.py": "",
        "app/api/items.py": "from fastapi import APIRouter\n\nfrom app.db.scoped import ScopedSessionDep\n"
        "from app.services.items import ItemService\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/items')\ndef items(scoped: ScopedSessionDep) -> list[str]:\n"
        "    return ItemService(scoped).names()\n",
    }
    root = write(tmp_path, files)
    section = render(detect(root))
    assert "app.db.scoped" not in section  # the database setup: no layer's, as `app.db.session`
    assert '"app.db.store",  # functions that query the DB session they take' in section
    write_section(root, section)
    assert check([root], select=["LG101", "LG102", "LG103"], cache=False).findings == ()


def test_a_module_beside_its_packages_repositories_that_uses_them_with_sessions_is_one(
    tmp_path: Path,
) -> None:
    """whombat's `api/io/aoef/` (the seed-34 audit): its `common.py` and `users.py` build queries;
    `clips.py` takes the session and hands it to `common.get_mapping` with the rows it builds,
    querying nothing itself. Unlayered, it was an LG103 bridge from the import route to the
    tables: 9 false findings. Beside two repository modules of its package, taking sessions and
    using their code, it is data access too. One that calls a service stays out, and so do one
    no route reaches, one beside a single repository module, and one a table uses (as a
    repository, an LG101: airflow's `SerializedDAG`)."""
    query = (
        "from sqlalchemy import select\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "from app.models.items import Item\n\n\n"
        "async def {name}(session: AsyncSession, ids: list[int]) -> list[Item]:\n"
        "    return list(await session.scalars(select(Item).where(Item.id.in_(ids))))\n"
    )
    hands_on = (
        "from sqlalchemy import tuple_\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "from app.io.common import get_mapping\nfrom app.models.items import Item\n{extra}\n\n"
        "async def {name}(session: AsyncSession, ids: list[int]) -> object:\n"
        "    rows = [Item(id=i) for i in ids]\n"
        "    return await get_mapping(session, [r.id for r in rows]), tuple_\n"
    )
    files = _data_app(
        {
            "app/io/__init__.py": "from app.io.clips import import_clips\n"
            "from app.io.labels import import_labels\n",
            # No route reaches it: no bridge to mend.
            "app/io/batch.py": hands_on.format(name="import_batch", extra=""),
            # One repository module beside it is too few.
            "app/sync/__init__.py": "from app.sync.pull import pull_all\n",
            "app/sync/common.py": query.format(name="get_rows").replace("app.io", "app.sync"),
            "app/sync/pull.py": hands_on.format(name="pull_all", extra="").replace("app.io", "app.sync"),
            # A table uses this one: as a repository it would be an LG101, so it stays out.
            "app/io/labels.py": hands_on.format(name="import_labels", extra=""),
            "app/models/audit.py": "from sqlalchemy.orm import Mapped, mapped_column\n\n"
            "from app.io.labels import import_labels\nfrom app.models.base import Base\n\n\n"
            "class Audit(Base):\n    __tablename__ = 'audits'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n\n"
            "    def labels(self) -> object:\n        return import_labels\n",
            "app/io/common.py": query.format(name="get_mapping"),
            "app/io/users.py": query.format(name="get_users"),
            "app/io/clips.py": hands_on.format(
                name="import_clips", extra="from app.io.report import import_report\n"
            ),
            "app/io/formats.py": "def extension(name: str) -> str:\n    return name.rpartition('.')[2]\n",
            # Reached through `clips`; it calls a service: no data access.
            "app/io/report.py": hands_on.format(
                name="import_report", extra="from app.services.items import ItemsService\n"
            ),
            "app/routes/imports.py": ROUTES.replace(
                "\n", "\n    from app.io import import_clips\n    from app.sync import pull_all\n", 1
            ),
        }
    )
    root = write(tmp_path, files)
    section = render(detect(root))
    assert (
        '"app.io.clips",  # takes DB sessions and uses the tables or the repository modules beside' in section
    )
    for out in ("app.io.report", "app.io.batch", "app.sync.pull", "app.io.formats"):
        assert f'"{out}"' not in section, out
    assert '"app.io.labels",' not in section  # in no layer's modules list, but named as unsure:
    assert "looks like data access (it takes DB sessions and uses the repository modules beside it)" in (
        prose(section)
    )
    write_section(root, section)
    found = check([root], select=["LG103"], cache=False).findings
    # The table's own chain through `labels` stays: the bridge the guess would have hidden.
    assert [f.path.name for f in found if "io" in f.path.parts] == ["labels.py"]


def test_a_service_class_a_repository_composes_is_data_access(tmp_path: Path) -> None:
    """peaky-peek-server's `storage/search.py` (the seed-40 audit): `SessionSearchService` keeps
    the session and runs its own queries for `TraceRepository`, which holds it as `.search`. By
    its name a service, it made the repository's import of it an LG101; a repository composes
    it, so it is data access, and so is one such a class composes, in whatever order the files are
    read. A `*Service` class over the database that services import stays a service, and so does
    one over the tables alone that a repository imports."""
    search = (
        "from sqlalchemy import select\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "from app.storage.models import Trace\n\n\nclass {name}:\n"
        "    def __init__(self, session: AsyncSession) -> None:\n        self.session = session\n\n"
        "    async def find(self, text: str) -> list[Trace]:\n"
        "        return list(await self.session.scalars(select(Trace).where(Trace.name == text)))\n"
    )
    files = {
        "app/__init__.py": "",
        "app/storage/__init__.py": "",
        "app/storage/models.py": "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\nclass Trace(Base):\n    __tablename__ = 'traces'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n    name: Mapped[str]\n",
        "app/storage/search.py": "from app.storage.aaa_rank import RankService\n"
        + search.format(name="SessionSearchService"),
        # Composed by the one the repository composes, and read first: data access all the same.
        "app/storage/aaa_rank.py": search.format(name="RankService"),
        # Over the tables but not the database: a service, whose import by the repository LG101 reports.
        "app/storage/hooks.py": "from app.storage.models import Trace\n\n\nclass HooksService:\n"
        "    def touched(self, trace: Trace) -> str:\n        return trace.name\n",
        "app/storage/repository.py": "from sqlalchemy import select\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "from app.storage.hooks import HooksService\nfrom app.storage.models import Trace\n"
        "from app.storage.search import SessionSearchService\n\n\n"
        "class TraceRepository:\n    hooks = HooksService\n\n"
        "    def __init__(self, session: AsyncSession) -> None:\n"
        "        self.session = session\n        self.search = SessionSearchService(session)\n\n"
        "    async def get(self, ident: int) -> Trace | None:\n"
        "        return await self.session.get(Trace, ident)\n\n"
        "    async def names(self) -> list[str]:\n"
        "        return [t.name for t in await self.session.scalars(select(Trace))]\n",
        "app/billing/__init__.py": "",
        "app/billing/usage.py": search.format(name="UsageService"),
        "app/services/__init__.py": "",
        "app/services/traces.py": "from app.billing.usage import UsageService\n"
        "from app.storage.repository import TraceRepository\n\n\nclass TracesService:\n"
        "    def __init__(self, traces: TraceRepository, usage: UsageService) -> None:\n"
        "        self.traces = traces\n        self.usage = usage\n",
    }
    root = write(tmp_path, files)
    section = render(detect(root))
    assert '"app.storage.search",  # *Service classes over the database that repositories import' in section
    assert '"app.storage.aaa_rank",  # *Service classes over the database that repositories import' in section
    assert '"app.billing.usage",  # *Service classes over repositories or models' in section
    assert '"app.storage.hooks",  # *Service classes over repositories or models' in section
    write_section(root, section)
    found = check([root], select=["LG101", "LG102", "LG103"], cache=False).findings
    assert [(f.code, f.path.name) for f in found] == [("LG101", "repository.py")]  # its HooksService


def test_the_modules_of_a_singular_service_package_that_use_the_tables_are_services(tmp_path: Path) -> None:
    """fides' `api/service/` (seed 37): `**.service` takes the package, not the modules in it,
    and `**.api.**` takes them only by a folder above; 145 modules the routes call were left
    unlayered, so a route calling one was an LG103 through it. The package names them; those
    that use the tables at run time are services. A client in it that uses no table stays out."""
    table = (
        "from sqlalchemy import Integer, String\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, "
        "Session, mapped_column\n\n\nclass Base(DeclarativeBase):\n    pass\n\n\n"
        "class Template(Base):\n    __tablename__ = 'templates'\n\n"
        "    id: Mapped[int] = mapped_column(Integer, primary_key=True)\n"
        "    name: Mapped[str] = mapped_column(String)\n"
    )
    registry = (
        "from sqlalchemy.orm import Session\n\nfrom app.models.template import Template\n\n\n"
        "class ConnectorRegistry:\n    @classmethod\n    def names(cls, db: Session) -> list[str]:\n"
        "        return sorted(t.name for t in db.query(Template).all())\n"
    )
    client = "import httpx\n\n\ndef fetch(url: str) -> bytes:\n    return httpx.get(url).content\n"
    route = (
        "from fastapi import APIRouter\n\nfrom app.{where}.connectors.registry import ConnectorRegistry\n"
        "from app.{where}.connectors.client import fetch\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/connectors')\nasync def connectors() -> list[str]:\n"
        "    fetch('x')\n    return ConnectorRegistry.names(None)\n"
    )
    for where in ("service", "api.service"):
        folder = where.replace(".", "/")
        files = {
            "app/__init__.py": "",
            "app/main.py": "from fastapi import FastAPI\n\nfrom app.api.routes import router\n\n"
            "app = FastAPI()\napp.include_router(router)\n",
            "app/api/__init__.py": "",
            "app/api/routes.py": route.format(where=where),
            "app/models/__init__.py": "",
            "app/models/template.py": table,
            f"app/{folder}/__init__.py": "",
            f"app/{folder}/connectors/__init__.py": "",
            f"app/{folder}/connectors/registry.py": registry,
            f"app/{folder}/connectors/client.py": client,
        }
        (tmp_path / folder).mkdir(parents=True)
        root = write(tmp_path / folder, files)
        write_section(root, render(detect(root)))
        assert check([root], select=["LG101", "LG102", "LG103"], cache=False).findings == (), where
        layers = api.load_project(api.load_config([root]), [root]).layers
        assert layers.layer_of(f"app.{where}.connectors.registry") == "service", where
        assert layers.layer_of(f"app.{where}.connectors.client") is None, where


def test_a_crud_package_that_hands_its_sessions_on_is_the_service_layer(tmp_path: Path) -> None:
    """mlrun's `api/crud/` (seed 38): its classes take the session and hand it to `SQLDB`, which
    holds every query. As repository modules (`**.crud.**`), each route's import was an LG102
    (27 false findings of the sample); they are the services. Two that call each other move
    together; one that queries (a typed session, or raw SQL on one named as such) stays
    repository."""
    runs = (
        "import sqlalchemy.orm\n\nfrom app.crud.secrets import Secrets\nfrom app.db.sqldb import SQLDB\n\n\n"
        "class Runs:\n    def get_run(self, db_session: sqlalchemy.orm.Session, uid: str) -> dict:\n"
        "        if not uid:\n            raise ValueError(uid)\n        Secrets().check(db_session)\n"
        "        return SQLDB().read_run(db_session, uid)\n"
    )
    secrets = (  # and back: the two use each other
        "import sqlalchemy.orm\n\nfrom app.crud import runs\nfrom app.db.sqldb import SQLDB\n\n\n"
        "class Secrets:\n    def check(self, db_session: sqlalchemy.orm.Session) -> None:\n"
        "        SQLDB().read_run(db_session, 'secret')\n\n"
        "    def rerun(self, db_session: sqlalchemy.orm.Session) -> dict:\n"
        "        return runs.Runs().get_run(db_session, 'x')\n"
    )
    # Raw SQL through a helper whose session is untyped, named as one: data access.
    raw = (
        "from sqlalchemy import text\nfrom sqlalchemy.orm import Session\n\n\n"
        "def count_runs(session: Session) -> int:\n    return _count(session)\n\n\n"
        "def _count(session):\n    return session.execute(text('select count(*) from runs')).scalar()\n"
    )
    tags = (
        "from sqlalchemy import select\nfrom sqlalchemy.orm import Session\n\n"
        "from app.db.models import Run\n\n\n"
        "def tagged(session: Session) -> list[Run]:\n    return list(session.scalars(select(Run)))\n"
    )
    files = {
        "app/__init__.py": "",
        "app/main.py": "from fastapi import FastAPI\n\nfrom app.api.endpoints import runs\n\n"
        "app = FastAPI()\napp.include_router(runs.router)\n",
        "app/api/__init__.py": "",
        "app/api/endpoints/__init__.py": "",
        "app/api/endpoints/runs.py": "from fastapi import APIRouter\n\nfrom app.crud.runs import Runs\n\n"
        "router = APIRouter()\n\n\n@router.get('/runs/{uid}')\nasync def get_run(uid: str) -> dict:\n"
        "    return Runs().get_run(None, uid)\n",
        "app/crud/__init__.py": "",
        "app/crud/runs.py": runs,
        "app/crud/secrets.py": secrets,
        "app/crud/tags.py": tags,
        "app/crud/raw.py": raw,
        "app/db/__init__.py": "",
        "app/db/sqldb.py": "from app.db.models import Run\n\n\nclass SQLDB:\n"
        "    def read_run(self, session, uid):\n"
        "        return session.query(Run).filter(Run.uid == uid).first()\n",
        "app/db/models.py": "from sqlalchemy import Column, Integer, String\n"
        "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\n"
        "class Run(Base):\n    __tablename__ = 'runs'\n    id = Column(Integer, primary_key=True)\n"
        "    uid = Column(String)\n",
    }
    root = write(tmp_path, files)
    section = render(detect(root))
    assert "takes DB sessions and hands them on to the data access it calls; queries none" in section
    write_section(root, section)
    assert check([root], select=["LG101", "LG102", "LG103"], cache=False).findings == ()
    layers = api.load_project(api.load_config([root]), [root]).layers
    assert [layers.layer_of(f"app.crud.{m}") for m in ("runs", "secrets", "tags", "raw")] == [
        "service",
        "service",
        "repository",
        "repository",
    ]


def test_a_store_whose_untyped_sessions_are_named_as_such_is_data_access(tmp_path: Path) -> None:
    """mlrun's `SQLDB` (seed 38): ~100 methods take an untyped `session` and query it, and the
    module imports `fastapi.concurrency` to run them in a thread. In a module importing
    sqlalchemy, query calls on a receiver named as a session count for class-based data access,
    and a threading helper of fastapi is no HTTP. Without the sqlalchemy import, a receiver named
    `session` (an HTTP client's) is no evidence."""
    methods = "".join(
        f"    def read_{n}(self, session, uid):\n"
        "        return session.query(Run).filter(Run.uid == uid).first()\n\n"
        for n in range(5)
    )
    store = (
        "import sqlalchemy.orm\nfrom fastapi.concurrency import run_in_threadpool\n\n"
        "from app.models.run import Run\n\n\nclass SQLDB:\n" + methods
    )
    client = "from app.models.run import Run\n\n\nclass Client:\n" + methods
    files = {  # mlrun's layout: the store in a folder of the back end's `api/` package
        "app/__init__.py": "",
        "app/api/__init__.py": "",
        "app/api/routes/__init__.py": "",
        "app/api/routes/runs.py": ROUTES,
        "app/api/db/__init__.py": "",
        "app/api/db/sqldb.py": store,
        "app/api/db/client.py": client,
        "app/models/__init__.py": "",
        "app/models/run.py": "from sqlalchemy import Column, Integer, String\n"
        "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\n"
        "class Run(Base):\n    __tablename__ = 'runs'\n    id = Column(Integer, primary_key=True)\n"
        "    uid = Column(String)\n",
    }
    root = write(tmp_path, files)
    write_section(root, render(detect(root)))
    layers = api.load_project(api.load_config([root]), [root]).layers
    assert layers.layer_of("app.api.db.sqldb") == "repository"
    assert layers.layer_of("app.api.db.client") is None


def test_a_helper_beside_the_routes_that_services_use_is_no_endpoint_module(tmp_path: Path) -> None:
    """fides' `api/request_context.py` (a contextvars helper beside the routes; its audit service
    reads the user id from it) was endpoint, and the service's import an LG101 (seed 37). One
    that speaks HTTP (`HTTPException`) stays endpoint: a service importing it is HTTP code below."""
    service = (
        "from app.api.context import get_user_id\nfrom app.api.http import not_found\n"
        "from app.repositories.item import ItemRepository\n\n\nclass AuditService:\n"
        "    def log(self) -> object:\n        if not get_user_id():\n            raise not_found()\n"
        "        return ItemRepository().get()\n"
    )
    files = _data_app(
        {
            "app/api/__init__.py": "",
            "app/api/context.py": "import contextvars\n\nUSER = contextvars.ContextVar('user')\n\n\n"
            "def get_user_id() -> int:\n    return USER.get()\n",
            "app/api/http.py": "from fastapi import HTTPException\n\n\n"
            "def not_found() -> HTTPException:\n    return HTTPException(404)\n",
            # A GraphQL type a repository imports is the API's code too (phoenix's data loaders).
            "app/api/types.py": "import strawberry\n\n\n@strawberry.type\nclass Item:\n    id: int\n\n\n"
            "def item(id: int) -> Item:\n    return Item(id=id)\n",
            "app/repositories/loader.py": "from app.api.types import item\n"
            "from app.models.items import Item\n\n\n"
            "def load(row: Item) -> object:\n    return item(row.id)\n",
            "app/api/items.py": ROUTES,
            "app/services/audit.py": service,
        }
    )
    root = write(tmp_path, files)
    section = render(detect(root))
    assert "code below the routes imports it" in prose(section)
    write_section(root, section)
    found = check([root], select=["LG101"], cache=False).findings
    # The HTTP helper's import, and the GraphQL type's.
    assert sorted((f.path.name, f.line) for f in found) == [("audit.py", 2), ("loader.py", 1)]


def test_tables_beside_a_class_that_keeps_a_session_are_placed_by_that_class(tmp_path: Path) -> None:
    """openhands' `sql_*_service.py` (seed 39): `StoredItem(Base)` beside `SQLItemService` and
    its `db_session: AsyncSession`. As a model module, the service class was a "model class" (an
    LG102 at the route importing it, an LG101 at its own inline import of the session provider).
    The module is the service's; a `*Store` keeping a session makes it repository (memgpt's
    `MetadataStore`); tables with query methods of their own, or beside a helper class whose
    methods take a session, stay model."""
    service = (
        "from dataclasses import dataclass\n\nfrom sqlalchemy import select\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\nfrom sqlalchemy.orm import Mapped\n\n"
        "from app.db import Base\n\n\nclass StoredItem(Base):\n    __tablename__ = 'items'\n"
        "    id: Mapped[str]\n\n\n@dataclass\nclass SQLItemService:\n    db_session: AsyncSession\n\n"
        "    async def get(self, item_id: str) -> str | None:\n"
        "        row = await self.db_session.get(StoredItem, item_id)\n"
        "        return row.id if row else None\n\n\n"
        "async def inject_item_service():\n    from app.services.session import get_db_session\n\n"
        "    async for session in get_db_session():\n        yield SQLItemService(db_session=session)\n"
    )
    # memgpt's `MetadataStore` makes its own sessionmaker and queries the sessions it opens.
    reads = "".join(
        f"    def get_{n}(self, agent_id: str) -> AgentRow | None:\n"
        "        with self.maker() as session:\n            return session.query(AgentRow).first()\n\n"
        for n in range(5)
    )
    store = (
        "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import Mapped, sessionmaker\n\n"
        "from app.db import Base\n\n\n"
        "class AgentRow(Base):\n    __tablename__ = 'agents'\n    id: Mapped[str]\n\n\n"
        "class MetadataStore:\n    def __init__(self, uri: str) -> None:\n"
        "        self.maker = sessionmaker(bind=create_engine(uri))\n\n" + reads
    )
    active_record = (
        "from sqlalchemy import select\nfrom sqlalchemy.orm import Mapped, Session\n\n"
        "from app.db import Base\n\n\n"
        "class Note(Base):\n    __tablename__ = 'notes'\n    id: Mapped[str]\n\n"
        "    @classmethod\n    def first(cls, session: Session) -> 'Note | None':\n"
        "        return session.scalars(select(cls)).first()\n\n\n"
        # A helper class whose methods take a session keeps none (datajunction's `VersionedQueryKey`).
        "class NoteKey:\n    @classmethod\n    def of(cls, session: Session, key: str) -> str:\n"
        "        note = Note.first(session)\n        return f'{key}@{note.id if note else 0}'\n"
    )
    # A class holding the sessionmaker beside the tables, not named as a store: their setup.
    setup = (
        "from sqlalchemy.ext.asyncio import async_sessionmaker\nfrom sqlalchemy.orm import Mapped\n\n"
        "from app.db import Base\n\n\nclass Setting(Base):\n    __tablename__ = 'settings'\n"
        "    id: Mapped[str]\n\n\nclass Database:\n"
        "    def __init__(self, maker: async_sessionmaker) -> None:\n        self.maker = maker\n"
    )
    callbacks = (
        "from sqlalchemy.ext.asyncio import async_sessionmaker\nfrom sqlalchemy.orm import Mapped\n\n"
        "from app.db import Base\n\n\nclass StoredCallback(Base):\n    __tablename__ = 'callbacks'\n"
        "    id: Mapped[str]\n\n\nclass SQLCallbackService:\n"
        "    def __init__(self, maker: async_sessionmaker) -> None:\n        self.maker = maker\n"
    )
    files = {
        "app/__init__.py": "",
        "app/main.py": "from fastapi import FastAPI\n\nfrom app.items import item_router\n\n"
        "app = FastAPI()\napp.include_router(item_router.router)\n",
        "app/items/callbacks.py": callbacks,
        "app/items/records.py": setup,
        # A `*Service` over that module still reaches tables (openhands' `live_status_...`).
        "app/items/live_item_service.py": "from app.items.sql_item_service import SQLItemService\n\n\n"
        "class LiveItemService:\n    def __init__(self, inner: SQLItemService) -> None:\n"
        "        self.inner = inner\n",
        "app/db.py": "from sqlalchemy.orm import DeclarativeBase\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n",
        "app/services/__init__.py": "",
        "app/services/session.py": "from sqlalchemy.ext.asyncio import AsyncSession\n\n\n"
        "async def get_db_session():\n    yield AsyncSession()\n",
        "app/items/__init__.py": "",
        "app/items/sql_item_service.py": service,
        "app/items/metadata.py": store,
        "app/items/notes.py": active_record,
        "app/items/item_router.py": "from fastapi import APIRouter\n\n"
        "from app.items.sql_item_service import SQLItemService\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/items/{item_id}')\nasync def get_item(item_id: str) -> str | None:\n"
        "    return await SQLItemService(db_session=None).get(item_id)\n",
    }
    root = write(tmp_path, files)
    section = render(detect(root))
    assert "a class keeping a DB session beside its tables (the tables stay model)" in section
    write_section(root, section)
    layers = api.load_project(api.load_config([root]), [root]).layers
    modules = ("sql_item_service", "callbacks", "live_item_service", "metadata", "notes", "records")
    placed = [layers.layer_of(f"app.items.{m}") for m in modules]
    assert placed == ["service", "service", "service", "repository", "model", "model"]
    assert check([root], select=["LG101", "LG102", "LG103"], cache=False).findings == ()
    # The tables stay model wherever they are: a route importing one is still a bypass.
    (root / "app/items/item_router.py").write_text(
        files["app/items/item_router.py"] + "\nfrom app.items.sql_item_service import StoredItem\n"
    )
    found = check([root], select=["LG102"], cache=False).findings
    assert [(f.path.name, f.code) for f in found] == [("item_router.py", "LG102")]


def test_a_shared_module_name_makes_a_glob_only_when_every_namesake_is_of_the_layer(tmp_path: Path) -> None:
    """tiled (seed 39): two `core` modules query the session they take, so init wrote `**.core`,
    which also took `structures.core` (an enum and a dataclass), `server.core` (HTTP helpers)
    and `adapters.core` (an ABC): 8 false findings. A namesake whose content says nothing keeps
    the glob out; the two modules are listed by name."""
    queries = (
        "from sqlalchemy import select\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "from app.orm import Principal\n\n\n"
        "async def lookup(db: AsyncSession, name: str) -> Principal | None:\n"
        "    return (await db.execute(select(Principal).where(Principal.name == name))).scalar()\n"
    )
    files = {
        "app/__init__.py": "",
        "app/orm.py": "from sqlalchemy.orm import DeclarativeBase, Mapped\n\n\nclass Base(DeclarativeBase):\n"
        "    pass\n\n\nclass Principal(Base):\n    __tablename__ = 'principals'\n    name: Mapped[str]\n",
        "app/authn/__init__.py": "",
        "app/authn/core.py": queries,
        "app/catalog/__init__.py": "",
        "app/catalog/core.py": queries,
        "app/structures/__init__.py": "",
        "app/structures/core.py": "import enum\n\n\nclass Kind(enum.Enum):\n    A = 'a'\n",
        "app/server/__init__.py": "",
        "app/server/core.py": "def json_or_msgpack(data: dict) -> bytes:\n    return repr(data).encode()\n",
    }
    root = write(tmp_path, files)
    section = render(detect(root))
    assert '"**.core"' not in section
    assert '"app.authn.core",' in section and '"app.catalog.core",' in section
    write_section(root, section)
    layers = api.load_project(api.load_config([root]), [root]).layers
    assert [layers.layer_of(f"app.{m}.core") for m in ("authn", "catalog", "structures", "server")] == [
        "repository",
        "repository",
        None,
        None,
    ]
