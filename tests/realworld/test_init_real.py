"""`layerguard init` on two published FastAPI applications, with the sections it writes recorded.

Each wheel is laid out as its source repository is: lnbits flat (`lnbits/` beside pyproject.toml),
prefect's server in a src layout (`src/prefect/server`, the FastAPI app of prefect). The
pyproject.toml holds the wheel's `Requires-Python`, as the repository's does.

What a maintainer would say (see also the reply of issue 5):
- lnbits: `core/views` is its endpoint package (the preset knows no `views`), `core/services`,
  `core/crud` and `core/models` are what the preset calls them. The one debatable placement is
  the preset's: `core/wasm_ext/api` (the host API of WASM extensions, no HTTP routes) matches
  `**.api.**`, which the section flags as worth a look. Files are named by topic, not by entity
  (`crud/users.py`, `services/users.py`): naming off is right.
- prefect's server: `api` is the endpoint layer (with `api/ui/schemas.py`, which serves routes),
  `models` holds query functions that take a session — the data-access layer, which the
  section makes the repository layer — `database/orm_models.py` the SQLAlchemy tables, and
  `schemas`/`services` are what they say.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from layerguard.api import check
from layerguard.init import detect, render, write_section

from .conftest import CHAINLIT, DSTACK, LNBITS, PREFECT

pytestmark = pytest.mark.slow

# Issue 13: `lnbits.app` (the app factory) is now wiring, and two "unsure" lines name the models
# modules with no ORM class and the unlayered Pydantic modules.
LNBITS_SECTION = """\
[tool.layerguard]
# Detected by `layerguard init` in 174 Python files: package lnbits at the project root; layout:
#   classic. Modules per layer:
#   endpoint    lnbits.core.views (19), lnbits.core.wasm_ext.api (8), lnbits.core.wasm_ext.routes
#               (6), lnbits.llms_txt (1)
#   service     lnbits.core.services (15)
#   repository  lnbits.core.crud (10), lnbits.core.wasm_ext.storage.crud (1)
#   schema      none found
#   model       lnbits.core.models (14), lnbits.core.wasm_ext.api.models (1)
# The preset's globs miss some of them: see the [layers] tables below.
# Worth a look: lnbits.core.wasm_ext.api is an endpoint folder by name only, with no route
#   handler, router or route registration in it.
# To fill in: nothing was found for schema. If the project has them, add their globs (dotted
#   module names; * is one segment, ** any number), for example:
#   [tool.layerguard.layers.schema]
#   modules = ["lnbits.<folder>.**"]
# Pydantic models are defined in 13 unlayered modules (lnbits.core.wasm_ext.wasm.config,
#   lnbits.db, lnbits.fiat.base, lnbits.fiat.paypal and 9 more): if some hold your API schemas,
#   they are the schema layer.
#
# target-version: py310, from requires-python = "<3.13,>=3.10" in pyproject.toml, which layerguard
#   reads itself.
#
# naming: off. Of 37 modules directly in model, schema, repository and service folders, 0
#   "fortress" and 1 "snake" (file name, and the class it promises): no style is followed by three
#   in four. Not following the best one: lnbits.core.crud.assets, lnbits.core.crud.audit,
#   lnbits.core.crud.db_versions, lnbits.core.crud.extensions and 32 more.
naming = "off"
#
# session-providers: no function returning a Session or AsyncSession is used in Depends(); the
#   default names stay (get_db, get_session, get_async_session, get_db_session).
#
# wiring: lnbits.app creates the FastAPI app and includes its routers (a composition root may
#   import every layer; a docs or health route of its own does not make it an endpoint). This list
#   replaces the default wiring globs, which come first.
wiring = ["**.deps", "**.dependencies", "**.main", "**.container", "lnbits.app"]
#
# unsure: 15 modules in models folders define no ORM class (lnbits.core.models.assets,
#   lnbits.core.models.audit, lnbits.core.models.extensions, lnbits.core.models.extensions_builder
#   and 11 more): not model modules; imports of their names take their own kind (a Pydantic model
#   is schema). To make one a model module: add it to [tool.layerguard.layers.model] modules, e.g.
#   "lnbits.core.models.assets".
#
# unsure: 11 modules define Pydantic models beside other classes, or are imported by no endpoint
#   or service (lnbits.db, lnbits.fiat.base, lnbits.fiat.paypal, lnbits.fiat.revolut and 7 more):
#   left unlayered. To make one a schema module: add it to [tool.layerguard.layers.schema]
#   modules, e.g. "lnbits.db".

# endpoint: the fortress preset's globs (this list replaces them), then what they miss.
[tool.layerguard.layers.endpoint]
modules = [
    "**.api.**", "**.endpoints.**", "**.routes.**", "**.routers.**", "**.router",
    "**.controllers.**",
    "lnbits.core.views.**",  # 18 modules with route handlers
    "lnbits.llms_txt",  # route handlers
]
"""

# Issue 13: 404 -> 168 files because the 236 alembic revisions of `database/_migrations` are now
# excluded (and the exclude proposed); `api.server` (the app factory) is wiring; the event
# store's query functions (`events.storage.database`) are the repository layer by content.
PREFECT_SERVER_SECTION = """\
[tool.layerguard]
# Detected by `layerguard init` in 168 Python files: package prefect under src/; layout: classic.
#   Modules per layer:
#   endpoint    prefect.server.api (37)
#   service     prefect.server.services (12), prefect.server.events.services (4)
#   repository  prefect.server.models (25), prefect.server.events.models (3),
#               prefect.server.events.storage.database (1)
#   schema      prefect.server.schemas (12), prefect.server.events.schemas (4),
#               prefect.server.utilities.schemas (2)
#   model       prefect.server.database.orm_models (1)
# The preset's globs miss some of them: see the [layers] tables below.
# Modules with route handlers are endpoint modules, whatever their folder.
#
# target-version: py311, from requires-python = "<3.16,>=3.11" in pyproject.toml, which layerguard
#   reads itself.
#
# naming: off. Of 61 modules directly in model, schema, repository and service folders, 0
#   "fortress" and 0 "snake" (file name, and the class it promises): no style is followed by three
#   in four. Not following the best one: prefect.server.events.models.automation_held_events,
#   prefect.server.events.models.automations,
#   prefect.server.events.models.composite_trigger_child_firing,
#   prefect.server.events.schemas.automations and 57 more.
naming = "off"
#
# session-providers: no function returning a Session or AsyncSession is used in Depends(); the
#   default names stay (get_db, get_session, get_async_session, get_db_session).
#
# extend-exclude: folders that are not the app, so they get no layer and no findings:
#   src/prefect/server/database/_migrations/**: alembic migrations: revision modules are no layer of the app
extend-exclude = ["src/prefect/server/database/_migrations/**"]
#
# wiring: prefect.server.api.server creates the FastAPI app and includes its routers (a
#   composition root may import every layer; a docs or health route of its own does not make it an
#   endpoint). This list replaces the default wiring globs, which come first.
wiring = ["**.deps", "**.dependencies", "**.main", "**.container", "prefect.server.api.server"]
#
# unsure: 4 modules define Pydantic models beside other classes, or are imported by no endpoint or
#   service (prefect.server.concurrency.lease_storage, prefect.server.events.actions,
#   prefect.server.events.filters, prefect.server.orchestration.rules): left unlayered. To make
#   one a schema module: add it to [tool.layerguard.layers.schema] modules, e.g.
#   "prefect.server.concurrency.lease_storage".

# endpoint: the fortress preset's globs (this list replaces them), then what they miss.
[tool.layerguard.layers.endpoint]
modules = [
    "**.api.**", "**.endpoints.**", "**.routes.**", "**.routers.**", "**.router",
    "**.controllers.**",
    "prefect.server.api.ui.schemas",  # route handlers, though named as schema
]

# repository: the fortress preset's globs (this list replaces them), then what they miss.
[tool.layerguard.layers.repository]
modules = [
    "**.repositories.**", "**.repository", "**.repos.**", "**.crud.**",
    "prefect.server.events.storage.database",  # functions that query the DB session they take
    "prefect.server.events.models.**",  # 3 modules with functions taking a DB session, though named as model
    "prefect.server.models.**",  # 24 modules with functions taking a DB session, though named as model
]

# model: the fortress preset's globs (this list replaces them), then what they miss.
[tool.layerguard.layers.model]
modules = [
    "**.models.**", "**.model",
    "prefect.server.database.orm_models",  # SQLAlchemy/SQLModel table classes
]
"""


def requires_python(wheel_root: Path, name: str, version: str) -> str:
    metadata = (wheel_root / f"{name}-{version}.dist-info" / "METADATA").read_text(encoding="utf-8")
    return next(
        line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Python:")
    )


def as_repository(wheel_root: Path, name: str, version: str, target: Path, packages: dict[str, str]) -> Path:
    """`target` with a pyproject.toml and the wheel's folders copied to where the repository has them."""
    target.mkdir()
    (target / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nrequires-python = "{requires_python(wheel_root, name, version)}"\n'
    )
    for source, destination in packages.items():
        if (wheel_root / source).is_dir():
            shutil.copytree(wheel_root / source, target / destination)
        else:
            (target / destination).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(wheel_root / source, target / destination)
    return target


def test_lnbits(real_project: Callable[[str, str], Path], tmp_path: Path) -> None:
    root = as_repository(real_project(*LNBITS), *LNBITS, tmp_path / "lnbits", {"lnbits": "lnbits"})
    section = render(detect(root))
    assert section == LNBITS_SECTION
    write_section(root, section)
    counts = Counter(f.code for f in check([root], select=["LG1", "LG8"], cache=False).findings)
    assert counts["LG801"] == counts["LG802"] == counts["LG803"] == 0


def test_prefect_server(real_project: Callable[[str, str], Path], tmp_path: Path) -> None:
    packages = {"prefect/__init__.py": "src/prefect/__init__.py", "prefect/server": "src/prefect/server"}
    root = as_repository(real_project(*PREFECT), *PREFECT, tmp_path / "prefect", packages)
    section = render(detect(root))
    assert section == PREFECT_SERVER_SECTION
    write_section(root, section)
    counts = Counter(f.code for f in check([root], select=["LG1", "LG8"], cache=False).findings)
    assert counts["LG801"] == counts["LG802"] == counts["LG803"] == 0


# What `init` writes on two apps of issue 13's audit, against what a maintainer would change there
# (/work/briefs/audit-baseline.md). dstack: `server/app.py` (the app factory: `FastAPI()`, 30
# `include_router`) and the gateway's `app.py` are composition roots, so wiring, not endpoint
# globs; the data-access heuristic adds nothing (dstack's queries live in `server/services`, and
# its background tasks that query sessions also import services); the repository table only
# keeps the preset's names plus the proxy's `*Repository` classes. The 64 Pydantic `models`
# modules are named in one "unsure" line. Still wrong, and not init's to fix: `dstack.api` (the
# client SDK) matches the preset's `**.api.**`, and `pipeline_tasks.base` (a Protocol with
# `Mapped[...]` attributes) counts as a table class (symbol_kinds.is_table_class).
DSTACK_WIRING = (
    'wiring = ["**.deps", "**.dependencies", "**.main", "**.container",\n'
    '    "dstack._internal.proxy.gateway.app", "dstack._internal.server.app"]\n'
)
DSTACK_REPOSITORY = """\
[tool.layerguard.layers.repository]
modules = [
    "**.repositories.**", "**.repository", "**.repos.**", "**.crud.**",
    "dstack._internal.proxy.**.repo",  # 2 modules with *Repository classes over the database
]
"""
# chainlit: `server.py` holds its routes and the app (many routes: an endpoint module, not a bare
# composition root); `chainlit.types` (Pydantic models beside TypedDicts and dataclasses) is
# offered as schema on an "unsure" line rather than taken. Its data layer (`chainlit.data`,
# classes running `text()` SQL) is class-based, which the function-based data-access heuristic
# does not take: left unlayered, as before.
CHAINLIT_ENDPOINT = """\
[tool.layerguard.layers.endpoint]
modules = [
    "**.api.**", "**.endpoints.**", "**.routes.**", "**.routers.**", "**.router",
    "**.controllers.**",
    "chainlit.server",  # route handlers
]
"""


def test_dstack(real_project: Callable[[str, str], Path], tmp_path: Path) -> None:
    root = as_repository(real_project(*DSTACK), *DSTACK, tmp_path / "dstack", {"dstack": "dstack"})
    section = render(detect(root))
    assert DSTACK_WIRING in section
    assert DSTACK_REPOSITORY in section
    assert "functions that query the DB session" not in section
    assert "# unsure: 64 modules in models folders define no ORM class" in section
    assert "extend-exclude" not in section  # the wheel's alembic folder is excluded by default
    write_section(root, section)
    report = check([root], select=["LG1", "LG8"], cache=False)
    assert not report.has_internal_error
    # server.app is wiring: none of its imports is a layer finding any more.
    assert not [f for f in report.findings if f.path.name == "app.py" and "server" in f.path.parts]


def test_chainlit(real_project: Callable[[str, str], Path], tmp_path: Path) -> None:
    root = as_repository(real_project(*CHAINLIT), *CHAINLIT, tmp_path / "chainlit", {"chainlit": "chainlit"})
    section = render(detect(root))
    assert CHAINLIT_ENDPOINT in section
    assert "wiring = " not in section
    assert 'add it to [tool.layerguard.layers.schema] modules, e.g. "chainlit.mcp"' in section
    write_section(root, section)
    assert not check([root], select=["LG1", "LG8"], cache=False).has_internal_error
