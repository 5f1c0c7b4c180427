"""`layerguard init`: read a project, detect its layout, and write the `[tool.layerguard]`
section that describes it, with a comment on each choice.

The project is read as `check` reads it (the same discovery and facts), with the fortress
preset. Folder names decide first: whatever the preset's globs place stays where it is. Content
then classifies what they miss:

- a module with route handlers (`checks/routes.py`) is an endpoint module — also when a preset
  glob puts it in another layer (prefect's `server/api/ui/schemas.py` serves routes);
- a module defining a SQLAlchemy or SQLModel table class is a model module, and a models
  folder of functions that take a DB session but define no table (prefect's `server/models`)
  is the data-access, that is the repository, layer;
- a module with a `*Repository` class that imports sqlalchemy/sqlmodel or a model module is a
  repository module;
- a module with a `*Service` class that reaches a repository, a model or sqlalchemy is a
  service module.

Pydantic models are only reported, never classified: settings and plain data containers are
pydantic too. Modules found are grouped into the widest glob that takes nothing else along:
`**.views` when several features name their endpoint module alike, `pkg.views.**` for a
folder whose modules are (three in four) of that layer, else the module's own name. Wiring
modules (`main`, `deps` …) are never classified.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from layerguard.checks.auth_dependencies import auth_candidates, looks_like_auth
from layerguard.checks.endpoint_database_access import opened_database
from layerguard.checks.http_boundary import HTTP_EXCEPTIONS
from layerguard.checks.layer_imports import names_taken
from layerguard.checks.naming import STYLES, follows_style, layer_folder_module
from layerguard.checks.routes import APP_WIRING_CALLS, RouteHandler, find_route_handlers, registration_keyword
from layerguard.checks.sessions import receiver_kind, type_kind, value_kind
from layerguard.config import (
    DEFAULT_EXCLUDE,
    LAYERGUARD_TOML,
    PYPROJECT,
    inferred_target_version,
    read_toml,
)
from layerguard.context import LayerMap, ProjectView
from layerguard.discovery import find_source_roots
from layerguard.files import write_atomically
from layerguard.globs import module_glob_matches, path_glob_matches
from layerguard.graph import module_files
from layerguard.model import CallFact, ClassFact, Config, ExprFact, FileFacts, FunctionFact, ImportFact, Layer
from layerguard.presets import ENDPOINT, FORTRESS_LAYERS, MODEL, REPOSITORY, SCHEMA, SERVICE
from layerguard.symbol_kinds import (
    CLASS,
    DATA_CLASS,
    ENUM,
    NEUTRAL_KINDS,
    ORM_KINDS,
    PYDANTIC,
    SESSIONMAKERS,
    TABLE,
    VALUE,
    class_kind,
    is_protocol_class,
    is_pydantic_model,
    is_table_class,
    symbol_kind,
)
from layerguard.tomledit import TomlEditError, has_table, put_section

SECTION = ("tool", "layerguard")
LAYER_NAMES = tuple(layer.name for layer in FORTRESS_LAYERS)
PRESET_GLOBS = {layer.name: layer.modules for layer in FORTRESS_LAYERS}
DB_PACKAGES = frozenset({"sqlalchemy", "sqlmodel"})
HTTP_PACKAGES = frozenset({"fastapi", "starlette"})
# What a service wrongly imports to raise HTTP errors (LG201/LG202 report it), not HTTP work.
HTTP_ERRORS = frozenset({"HTTPException", "status"})
# What an API's own code imports: HTTP, or a GraphQL library (phoenix's Strawberry types).
API_PACKAGES = HTTP_PACKAGES | {"strawberry", "graphene", "ariadne"}
DEFAULT_PROVIDERS = Config(root=Path()).session_providers
# A folder becomes one glob when this share of its unlayered modules belongs to the layer.
FOLDER_SHARE = 0.75
# A naming style is chosen when this share of the entity-named candidates follows it.
NAMING_SHARE = 0.75
SHOWN = 4  # modules or folders named in one comment line
WIDTH = 98
ROUTE_HANDLERS = "route handlers"
TABLE_CLASSES = "SQLAlchemy/SQLModel table classes"
QUERY_FUNCTIONS = "functions taking a DB session"
REPOSITORY_CLASSES = "*Repository classes over the database"
SERVICE_CLASSES = "*Service classes over repositories or models"
REPOSITORY_HELD = "*Service classes over the database that repositories import"
SIBLING_DATA_ACCESS = "takes DB sessions and uses the tables or the repository modules beside it"
SESSION_QUERIES = "functions that query the DB session they take"
PYDANTIC_MODELS = "Pydantic models that endpoints or services import"
APP_ROOT = "creates the FastAPI app and includes its routers"
DEFAULT_WIRING = Config(root=Path()).wiring
# Roles that are no layer: such a module is never swept into a layer's glob.
WIRING_ROLE = "wiring"  # a composition root
DB_SETUP_ROLE = "db-setup"  # engine, sessionmaker, session provider: the plumbing every layer may use
# A module a preset glob takes whose content is no layer's (a client SDK in `api/`, git "repos"):
# left out of every layer, so no glob may take it.
LEFT_OUT_ROLE = "left-out"
NO_LAYER_ROLES = frozenset({WIRING_ROLE, DB_SETUP_ROLE, LEFT_OUT_ROLE})
# GraphQL resolvers serve the API as route handlers do (Strawberry's decorators).
GRAPHQL_RESOLVERS = frozenset(
    {"strawberry.field", "strawberry.mutation", "strawberry.subscription", "strawberry.type"}
)
# Calls that assemble an API document or schema from the endpoint modules: a composition root.
API_ASSEMBLY = frozenset(
    {"strawberry.Schema", "strawberry.federation.Schema", "fastapi.openapi.utils.get_openapi"}
)
# Session calls that only data access makes (`get`, `query`, `delete` are too common a name).
DATA_ACCESS_CALLS = frozenset({"execute", "scalars", "scalar"})  # not `commit`: git has one too
# Calls that make or register FastAPI routes (not `mount`: a requests session has one too).
SERVING_CALLS = frozenset(
    {"APIRouter", "FastAPI", "include_router", "add_api_route", "add_api_websocket_route"}
)
# Libraries a command-line package is written with.
CLI_LIBRARIES = frozenset({"argparse", "click", "typer"})
# Folder names of generated code and of test helpers shipped with the app.
GENERATED_FOLDERS = frozenset({"__generated__", "_generated", "generated"})
TESTING_FOLDERS = frozenset({"testing", "test_utils", "testutils"})
GENERATED_MARKERS = ("auto-generated", "autogenerated", "generated by", "do not edit")
NO_ROUTES = "no route handler, router, route registration or GraphQL resolver in it"
NO_DATA_ACCESS = "no session, query, sqlalchemy/sqlmodel or model import in it"
NO_ORM = "defines no ORM class"
API_SCHEMA = "assembles the API schema or OpenAPI document from the endpoint modules"
SERVICE_NO_DATA = "never reaches a repository, model, session or sqlalchemy"
SERVICE_FUNCTIONS = "functions taking a DB session that endpoints call, over models and other packages"
HANDS_SESSIONS_ON = "takes DB sessions and hands them on to the data access it calls; queries none"
TABLES_BESIDE_SESSIONS = "a class keeping a DB session beside its tables (the tables stay model)"
# Class names of data access or services (`_keeps_sessions`): one keeping a sessionmaker is that.
STORE_SUFFIXES = ("Service", "Store", "Repository", "Repo", "Dao", "DAO")
# Query calls on sessions in a module's methods that make it class-based data access: enough that
# the class is a store, not a model with one helper query (zenml's `SqlZenStore` has 399).
MIN_METHOD_QUERIES = 5
# A class over a session it keeps that offers the session's transaction methods and two of its
# others, and uses no table, is a session itself (`_session_wrappers`).
TRANSACTION_METHODS = frozenset({"commit", "rollback"})
SESSION_METHODS = frozenset({"add", "delete", "exec", "execute", "flush", "get", "merge", "query", "refresh",
                             "scalar", "scalars"})  # fmt: skip
METHOD_QUERIES = "classes whose methods query a DB session"
ORCHESTRATES = "endpoints call it; it calls services and models or repositories"
SERVICES_ORCHESTRATE = "services call it; it calls services and models or repositories"
SERVES_ENDPOINTS = "endpoints call it; it uses models or repositories, and other code of the app"
# The same test passed by a module an endpoint glob takes beside the routes while serving none
# (hawk's `api/run.py`, the launch logic its routers call).
SERVES_BESIDE_ROUTES = f"beside the routes, serving none; {SERVES_ENDPOINTS}"
# The services found by who calls them, which `detect` keeps only where the layer rules report
# nothing new with them (`_blamed`).
GUESSED_SERVICES = (SERVES_ENDPOINTS, SERVES_BESIDE_ROUTES)
# A helper beside the routes that such a service imports (hawk's `api/problem.py`) leaves the
# endpoint layer with it, or the service would import an endpoint module. Its evidence starts
# with the service's name (`_Classified.guessed`); it ends with NO_ROUTES, as the others left out.
IMPORTED_BY_SERVICE_BESIDE = f"a service beside the routes imports it; {NO_ROUTES}"
IMPORTED_FROM_BELOW = f"code below the routes imports it; {NO_ROUTES}"
# Folders of data access: a module inside one is no service found by who calls it.
DATA_ACCESS_FOLDERS = frozenset(
    {
        "store",
        "stores",
        "db",
        "database",
        "dal",
        "dao",
        "persistence",
        "storage",
        "crud",
        "repositories",
        "repos",
    }
)
QUERY_BUILDING = "builds SQLAlchemy queries over the model layer"
REPOSITORY_FACADE = "a class holding instances of repository classes"
SERVICE_LOCATOR = "holds the app's service and repository instances (a service locator)"
# A facade over data access holds this many repository instances (skyvern's `AgentDB`, 24).
MIN_FACADE_REPOSITORIES = 3
# A service locator holds this many instances of project classes, this many of them services or
# repositories (skyvern's `ForgeApp`: 50 attributes); its own code is at most this many functions.
MIN_LOCATOR_HELD = 5
MIN_LOCATOR_LAYERED = 2
MAX_LOCATOR_FUNCTIONS = 2
DATA_LOADERS = "queries in an endpoint folder without routes (data loaders)"
# Session methods that read or write the database (the calls the extractor records for LG302/LG305).
QUERY_METHODS = frozenset(
    {"execute", "scalars", "scalar", "get", "get_one", "exec", "stream", "stream_scalars", "query", "merge",
     "delete", "refresh", "flush", "commit"}
)  # fmt: skip
QUERY_BUILDERS = frozenset({"select", "insert", "update", "delete"})
# The session methods that query whatever else the receiver is (not `get`, `delete`, `commit`:
# a dict, a cache, git have those): a receiver known only by its name counts for these.
NAMED_SESSION_QUERIES = frozenset({"query", "execute", "scalars", "scalar", "exec"})
# A composition root may hold a few routes of its own (docs, health, version, metrics) and still
# be wiring: prefect's `api/server.py` has four, chainlit's `server.py` (an endpoint module) dozens.
APP_ROOT_MAX_ROUTES = 5
# FastAPI's markers for a route handler's parameters, under every module FastAPI exports them by.
ROUTE_PARAMS = frozenset(
    f"{module}.{name}"
    for module in ("fastapi", "fastapi.params", "fastapi.param_functions")
    for name in ("Body", "Query", "Path", "Header", "Cookie", "Form", "File")
)
# Placed members (the base's module counts) that make a class family data access (`_families_follow`).
MIN_FAMILY_PLACED = 2
# A package with this many repository modules makes the unplaced modules beside them that take
# sessions and use them its data access too (`_siblings_follow`).
MIN_SIBLINGS_PLACED = 2
# Folders of code that runs beside the app, never inside it: proposed for `extend-exclude` when
# no module outside them imports them.
SCRIPT_FOLDERS = frozenset(
    {"scripts", "script", "dev", "load_tests", "loadtests", "load_testing", "locust", "benchmarks",
     "benchmark", "examples", "example"}
)  # fmt: skip
# Names of configuration modules: their Pydantic models are settings-like, not API schemas.
CONFIG_NAMES = ("config", "settings", "conf")
# The app's configuration module by its whole name (`conference.py`, `user_settings.py` are not).
CONFIG_MODULE_NAMES = frozenset({"config", "settings", "conf", "configuration"})
# Bases of Pydantic settings classes: a config-named module with a class deriving from one is
# configuration, whatever else its classes derive from.
SETTINGS_BASES = frozenset(
    {"pydantic_settings.BaseSettings", "pydantic.BaseSettings", "pydantic.v1.BaseSettings"}
)
# A subclass of a builtin container beside a module's Pydantic models (zenml's
# `class ServiceConnectorConfiguration(Dict[str, Any])`) is a payload type, not logic.
CONTAINER_BASES = frozenset(
    {"dict", "list", "set", "frozenset", "tuple", "collections.UserDict", "collections.UserList"}
    | {f"typing.{name}" for name in ("Dict", "List", "Set", "FrozenSet", "Tuple")}
)
# The per-request context of a Strawberry GraphQL API: built for each request from the data
# loaders and the session factory, it composes the layers (phoenix's `server/api/context.py`).
GRAPHQL_CONTEXTS = frozenset({"strawberry.fastapi.BaseContext", "strawberry.fastapi.context.BaseContext"})
GRAPHQL_CONTEXT = "builds the per-request GraphQL context"
AUTH_PROVIDERS = "defines the authentication dependencies the routes take"
# The verbs of the wiring phrases above, said of several modules.
PLURAL_VERBS = {
    "creates": "create", "includes": "include", "assembles": "assemble", "holds": "hold",
    "builds": "build", "defines": "define",
}  # fmt: skip
# Job-queue libraries: a module importing one enqueues background work, which data access does not.
JOB_QUEUES = frozenset({"rq", "celery", "arq", "dramatiq", "huey", "taskiq"})
STARTUP_QUERIES = "queries the database, serves nothing and no endpoint imports it (a start-up job)"
# A helper beside the routes whose functions take a DB session and that builds queries: data
# access the routes call, not an endpoint (ends with NO_ROUTES: later content checks place it).
QUERIES_BESIDE_ROUTES = f"takes a DB session and builds queries; {NO_ROUTES}"
DATA_ACCESS_HELPER = "builds queries over the model layer; repository modules import it"


class InitError(Exception):
    """A usage problem (`--write` would overwrite, the file cannot be edited); exit 2."""


# --- What the detection found. ---


@dataclass(frozen=True)
class Addition:
    """A glob added to a preset layer, and the modules that made it necessary."""

    glob: str
    modules: tuple[str, ...]
    evidence: str  # what the modules hold, for the comment
    moved_from: str | None = None  # the preset's layer for a module taken from it


@dataclass(frozen=True)
class Provider:
    name: str
    module: str
    kind: str  # "Session" or "AsyncSession"
    how: str = "returns"  # or "feeds": it is known from the parameters it fills


@dataclass(frozen=True)
class Naming:
    style: str
    candidates: int
    following: dict[str, int]
    deviations: tuple[str, ...]  # modules that break the chosen style (or the best one)


@dataclass(frozen=True)
class Target:
    version: tuple[int, int] | None
    source: str  # where it was read, for the comment


@dataclass(frozen=True)
class Exclude:
    """A folder proposed for `extend-exclude`, and why."""

    glob: str  # a path glob relative to the project root
    reason: str


@dataclass(frozen=True)
class Unsure:
    """A placement init is not sure of, and the one line that changes it."""

    text: str
    change: str


@dataclass(frozen=True)
class Narrowing:
    """A layer whose preset globs took modules of another role: the globs written instead."""

    globs: tuple[str, ...]  # the preset's globs that were right, then the narrowed ones
    narrowed: tuple[tuple[str, str], ...]  # (narrowed glob, the preset glob it stands for)
    left_out: tuple[tuple[str, int, str], ...]  # (place, module count, why) of what was left out


@dataclass(frozen=True)
class Detection:
    files: int
    source_layout: str  # "src" or "flat"
    packages: tuple[str, ...]
    shape: str  # "classic", "feature-sliced", "classic and feature-sliced" or ""
    places: dict[str, list[tuple[str, int]]]  # layer -> (folder or module, module count)
    additions: dict[str, list[Addition]]
    endpoint_folders_without_routes: tuple[str, ...]
    pydantic_elsewhere: tuple[str, ...]
    naming: Naming
    providers: tuple[Provider, ...]
    target: Target
    excludes: tuple[Exclude, ...] = ()
    app_roots: tuple[str, ...] = ()  # composition roots, added to `wiring`
    mixed: tuple[str, ...] = ()  # modules with ORM tables and Pydantic models
    unsure: tuple[Unsure, ...] = ()
    narrowed: dict[str, Narrowing] = field(default_factory=dict)
    api_schemas: tuple[str, ...] = ()  # wiring that assembles the API schema, not the app
    locators: tuple[str, ...] = ()  # wiring that holds the app's service instances
    contexts: tuple[str, ...] = ()  # wiring that builds the per-request GraphQL context
    auth_modules: tuple[str, ...] = ()  # wiring that defines the routes' authentication dependencies
    auth: tuple[str, ...] = ()  # Depends() providers that look like authentication (LG905)


# --- The entry points the CLI calls. ---


def init_root(folder: Path) -> Path:
    """The project root: the nearest folder from `folder` upward with a pyproject.toml or
    layerguard.toml, else `folder` itself."""
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / PYPROJECT).is_file() or (candidate / LAYERGUARD_TOML).is_file():
            return candidate
    return folder


def check_writable(root: Path, *, force: bool) -> None:
    """Raise InitError when `--write` must refuse, before any work is done."""
    if (root / LAYERGUARD_TOML).is_file():
        raise InitError(
            f"{root / LAYERGUARD_TOML} configures this project and takes precedence over "
            "pyproject.toml; edit it by hand, or delete it and run `layerguard init --write` again"
        )
    pyproject = root / PYPROJECT
    if pyproject.is_file() and not force and has_table(read_toml(pyproject), SECTION):
        raise InitError(
            f"{pyproject} already has a [tool.layerguard] section; pass --force to replace it "
            "(the section and its sub-tables), or run without --write to see the new one"
        )


def write_section(root: Path, section: str) -> Path:
    """Put the section into the root's pyproject.toml (created when missing); its path."""
    pyproject = root / PYPROJECT
    try:
        text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
        write_atomically(pyproject, put_section(text, section, SECTION).encode("utf-8"))
    except TomlEditError as error:
        raise InitError(f"{pyproject}: {error}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise InitError(f"{pyproject}: cannot be read or written ({error})") from error
    return pyproject


def detect(root: Path) -> Detection:
    """Read the project under `root` and describe its layout."""
    from layerguard.api import load_project

    config = Config(root=root, exclude=DEFAULT_EXCLUDE, layers=FORTRESS_LAYERS)
    loaded = load_project(config, [root], {}, use_cache=False)
    excludes = proposed_excludes(root, loaded)
    # What the excludes take out is not read further: migrations and scripts get no layer.
    config = replace(config, exclude=config.exclude + tuple(e.glob for e in excludes))
    # A folder or file whose name is not an identifier cannot be imported: it is no part of the
    # app's layering, and its name (control characters included) never reaches the section.
    kept = tuple(f for f in loaded.files if not _excluded(f, root, excludes) and _importable(f.module))
    project = ProjectView(config, kept, frozenset())
    parsed = [facts for facts in project.files if facts.parse_error is None]
    sides = side_packages(root, project, parsed)

    def classified(barred: frozenset[str] | None) -> _Classified:
        roles, evidence = content_roles(project, parsed, sides, barred=barred)
        app_roots = tuple(sorted(m for m, role in roles.items() if role == WIRING_ROLE))
        wired = replace(config, wiring=config.wiring + app_roots)
        return _Classified(roles, evidence, app_roots, wired, _layered(wired, kept, roles, evidence))

    # Services found by who calls them (`_endpoint_services`) are kept only where the layer
    # rules report nothing new with them; each module a new finding names is barred from the
    # guess and the roles worked out again (a service locator or a second guess may have
    # counted on it). The modules beside the routes are tried last, on top of the services that
    # settles, so that what they change bars only them (and guesses made with them): cognee's
    # `__init__.py` re-exports its SDK functions, and a repository importing the package then
    # reaches them, in findings that name none of the guesses.
    found_before: list[dict[tuple[str, Path, int], list[str]]] = []
    guessed_as: dict[str, str] = {}  # each guess dropped -> the layer it was guessed for

    def settled(barred: frozenset[str], kept: set[str]) -> tuple[frozenset[str], _Classified]:
        current = classified(barred)
        while guessed := {m: names for m, names in current.guessed().items() if m not in kept}:
            if not found_before:
                found_before.append(_layer_findings(classified(None).layered.final))
            blamed = _blamed(guessed, found_before[0], current.layered.final)
            if not blamed:
                break
            for module in blamed:
                guessed_as.setdefault(module, current.roles.get(module, SERVICE))
            barred |= blamed
            current = classified(barred)
        return barred, current

    serving = {f.module for f in parsed if _serves(f, project)}
    beside = frozenset(f.module for f in parsed if _beside_routes(f, project.glob_layers, serving))
    barred, current = settled(beside, set())
    if beside:
        barred, current = settled(barred - beside, set(current.guessed()))
    roles, evidence, app_roots, config, layered = (
        current.roles,
        current.evidence,
        current.app_roots,
        current.config,
        current.layered,
    )
    mixed_logic = _mixed_logic(project, parsed, roles, evidence)
    project, narrowed, additions, final = layered.project, layered.narrowed, layered.additions, layered.final
    preset = project.glob_layers
    places = _places(final, parsed)
    return Detection(
        files=len(project.files),
        source_layout="src" if root / "src" in find_source_roots(config) else "flat",
        packages=tuple(
            sorted({f.module.split(".")[0] for f in project.files if "." in f.module or f.is_package})
        ),
        shape=_shape(final, parsed),
        places=places,
        additions={layer: found for layer, found in additions.items() if found},
        endpoint_folders_without_routes=_endpoint_folders_without_routes(places, parsed, project),
        pydantic_elsewhere=_pydantic_elsewhere(final, parsed, preset),
        naming=_naming(final),
        providers=session_providers(project, parsed),
        target=target_version(root),
        excludes=excludes,
        app_roots=app_roots,
        mixed=_mixed_modules(final, parsed),
        unsure=_side_unsure(sides)
        + _unsure(final, parsed, roles, evidence, mixed_logic)
        + _dropped_unsure(barred, final, guessed_as),
        narrowed=narrowed,
        api_schemas=tuple(m for m in app_roots if evidence.get(m) == API_SCHEMA),
        locators=tuple(m for m in app_roots if evidence.get(m) == SERVICE_LOCATOR),
        contexts=tuple(m for m in app_roots if evidence.get(m) == GRAPHQL_CONTEXT),
        auth_modules=tuple(m for m in app_roots if evidence.get(m) == AUTH_PROVIDERS),
        auth=auth_candidates(parsed, project.symbols),
    )


@dataclass
class _Layered:
    """The config's layers for a set of roles: the narrowed preset globs, what is added to them,
    and the project under the preset globs and under the final ones."""

    project: ProjectView
    narrowed: dict[str, Narrowing]
    additions: dict[str, list[Addition]]
    final: ProjectView


@dataclass
class _Classified:
    """What content says of the modules, and the layers that makes."""

    roles: dict[str, str]
    evidence: dict[str, str]
    app_roots: tuple[str, ...]
    config: Config
    layered: _Layered

    def guessed(self) -> dict[str, set[str]]:
        """The services found by who calls them and the data access found by its package
        (`_siblings_follow`), each with the modules a new finding may name for it: itself, and
        the helpers beside the routes that left the endpoint layer with a service."""
        found = {
            m: {m}
            for m, why in self.evidence.items()
            if (why in GUESSED_SERVICES and self.roles.get(m) == SERVICE)
            or why.startswith(SIBLING_DATA_ACCESS)
        }
        for module, why in self.evidence.items():
            service, _, reason = why.partition(": ")
            if reason == IMPORTED_BY_SERVICE_BESIDE and service in found:
                found[service].add(module)
        return found


def _layered(
    config: Config, kept: tuple[FileFacts, ...], roles: dict[str, str], evidence: dict[str, str]
) -> _Layered:
    """The preset's globs narrowed to what content confirms, and what `roles` adds to them."""
    narrowed = narrowed_presets(ProjectView(config, kept, frozenset()), roles, evidence)
    config = replace(
        config,
        layers=tuple(
            replace(layer, modules=narrowed[layer.name].globs) if layer.name in narrowed else layer
            for layer in config.layers
        ),
    )
    project = ProjectView(config, kept, frozenset())
    preset = project.glob_layers
    additions = {
        layer: _additions(
            layer, sorted(m for m, role in roles.items() if role == layer), project, roles, evidence
        )
        for layer in LAYER_NAMES
    }
    additions = _checked(additions, project, roles, evidence)
    final = ProjectView(_config_with(config, additions), project.files, frozenset())
    placed = sorted((m, layer) for layer, found in additions.items() for a in found for m in a.modules)
    for module, layer in placed:
        # A safety net: a wider glob that lost a deepest-match tie gives way to the exact name.
        if final.glob_layers.layer_of(module) != layer:
            additions[layer].append(Addition(module, (module,), evidence[module], preset.layer_of(module)))
    final = ProjectView(_config_with(config, additions), project.files, frozenset())
    return _Layered(project, narrowed, additions, final)


# The layer rules a guessed service could make report something new.
_LAYER_RULES = ("LG101", "LG102", "LG103", "LG106")


def _layer_findings(view: ProjectView) -> dict[tuple[str, Path, int], list[str]]:
    """What LG101-LG103 and LG106 report on every file of `view`: the messages at each place."""
    from layerguard.checks import ALL_RULES
    from layerguard.engine import run_rules

    rules = [rule for rule in ALL_RULES if rule.meta.code in _LAYER_RULES]
    everything = ProjectView(view.config, view.files, frozenset(f.path for f in view.files))
    found: dict[tuple[str, Path, int], list[str]] = {}
    for finding in run_rules(everything, rules):
        if finding.code in _LAYER_RULES:  # not LG002 for a noqa the guess made unused
            found.setdefault((finding.code, finding.path, finding.line), []).append(finding.message)
    return found


def _blamed(
    guessed: dict[str, set[str]], before: dict[tuple[str, Path, int], list[str]], with_them: ProjectView
) -> frozenset[str]:
    """The guessed modules named, themselves or a module that moved with them, by a layer
    finding the layers with them give and the layers without them (`before`) do not: at a new
    place, or one more at an old place (an old one's message may name other chains now). When
    such findings name none, those the files of the findings import; all of them if these
    import none either."""
    new: list[tuple[Path, str]] = []
    for place, messages in _layer_findings(with_them).items():
        old = before.get(place, [])
        if len(messages) > len(old):
            new += [(place[1], message) for message in [m for m in messages if m not in old] or messages]
    named = frozenset(
        module
        for module, names in guessed.items()
        if any(
            re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", message)
            for _, message in new
            for name in names
        )
    )
    if named or not new:
        return named
    # A finding that names none of them: LG103 reports a bridge's first import of a layer, so
    # a guessed module imported first moves the report to the next import line (cognee's
    # `__init__.py` re-exports its SDK functions); else a folder glob took a module along.
    files = {f.path: f for f in with_them.files}
    imported = {edge.imported for path, _ in new if path in files for edge in with_them.edges_of(files[path])}
    importing = frozenset(  # a package imported brings in what it re-exports
        module
        for module, names in guessed.items()
        if any(name == i or name.startswith(i + ".") for name in names for i in imported)
    )
    return importing or frozenset(guessed)


# --- What is not the app: migrations, scripts. ---


def proposed_excludes(root: Path, project: ProjectView) -> tuple[Exclude, ...]:
    """The folders to exclude: those holding alembic migrations (revision modules, `env.py`),
    and script, dev, load-test, benchmark and example folders that the app does not import."""
    found: dict[Path, str] = {}
    for facts in project.files:
        if facts.parse_error is None and (_is_revision(facts) or _is_alembic_env(facts)):
            folder = facts.path.parent
            if folder.name == "versions" and _holds_alembic_env(folder.parent, project):
                folder = folder.parent
            found.setdefault(folder, "alembic migrations: revision modules are no layer of the app")
    folders = {f.path.parent for f in project.files}
    candidates = {
        ancestor
        for folder in folders
        for ancestor in (folder, *folder.parents)
        if ancestor.name in SCRIPT_FOLDERS and ancestor.is_relative_to(root) and ancestor != root
    }
    for folder in sorted(candidates, key=lambda p: len(p.parts)):
        if not any(folder.is_relative_to(outer) for outer in found) and not _imported_from_outside(
            folder, project
        ):
            found[folder] = (
                f"{folder.name}/: code run beside the app (scripts, dev tools, load tests, "
                "examples), not imported by it"
            )
    outermost = [f for f in found if not any(f != o and f.is_relative_to(o) for o in found)]
    return tuple(
        Exclude(f"{folder.relative_to(root).as_posix()}/**", found[folder])
        for folder in sorted(outermost)
        if folder != root
    )


@dataclass(frozen=True)
class SidePackage:
    """A package that is not the server (a CLI, generated code, test helpers): left out of every
    layer, and offered for `extend-exclude` on an unsure line."""

    module: str
    glob: str  # the path glob to exclude it
    reason: str


def side_packages(root: Path, project: ProjectView, parsed: list[FileFacts]) -> tuple[SidePackage, ...]:
    """Packages beside the server: a `cli` folder most of whose modules import argparse, click or
    typer; a folder of generated code (named `__generated__`/`generated`, or three in four of
    its modules headed "auto-generated"/"do not edit"); a `testing` folder that nothing outside
    it imports. The outermost of each."""
    modules = module_files(parsed)
    folders = sorted(
        {f.module.rpartition(".")[0] for f in parsed if "." in f.module}, key=lambda m: (m.count("."), m)
    )
    found: list[SidePackage] = []
    for folder in folders:
        if folder.count(".") < 1 or any(folder.startswith(s.module + ".") for s in found):
            continue
        code = [f for f in _package_members(folder, project) if not f.is_package and f.module in modules]
        if len(code) < 2:
            continue
        name = folder.rpartition(".")[2]
        reason = None
        if name == "cli" and 4 * sum(1 for f in code if _imports_cli_library(f)) >= len(code):
            reason = "a command-line package (its modules import argparse, click or typer), not the server"
        elif name in GENERATED_FOLDERS or (
            len(code) >= 3 and sum(1 for f in code if _is_generated(f.path)) >= FOLDER_SHARE * len(code)
        ):
            reason = "generated code"
        elif name in TESTING_FOLDERS and not any(
            edge.imported.startswith(folder)
            and not (edge.importer.module == folder or edge.importer.module.startswith(folder + "."))
            for edge in project.edges
            if edge.imported == folder or edge.imported.startswith(folder + ".")
        ):
            reason = "test helpers (factories, fixtures) that the app does not import"
        if reason is not None:
            found.append(SidePackage(folder, _folder_glob(root, folder, code[0]), reason))
    return tuple(found)


def _imports_cli_library(facts: FileFacts) -> bool:
    return any(i.level == 0 and i.module.split(".")[0] in CLI_LIBRARIES for i in facts.imports)


def _is_generated(path: Path) -> bool:
    """The file's first lines say it was generated."""
    try:
        with path.open("rb") as handle:
            head = handle.read(400).decode("utf-8", errors="replace").lower()
    except OSError:
        return False
    return any(marker in head for marker in GENERATED_MARKERS)


def _folder_glob(root: Path, folder: str, member: FileFacts) -> str:
    """The path glob of a package's folder, from one of its (non-package) modules."""
    extra = member.module.count(".") - folder.count(".")
    path = member.path.parents[extra - 1]
    relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    return f"{relative}/**"


def _is_revision(facts: FileFacts) -> bool:
    """An alembic revision module: `revision` and `down_revision` assigned, `def upgrade()`."""
    assigned = {a.name for a in facts.assignments}
    upgrade = any(f.name == "upgrade" and f.class_name is None and not f.nested for f in facts.functions)
    return {"revision", "down_revision"} <= assigned and upgrade


def _is_alembic_env(facts: FileFacts) -> bool:
    """alembic's `env.py`: it imports `alembic.context`."""
    return facts.path.name == "env.py" and any(
        i.level == 0 and (i.module == "alembic.context" or (i.module == "alembic" and i.name == "context"))
        for i in facts.imports
    )


def _holds_alembic_env(folder: Path, project: ProjectView) -> bool:
    return any(f.path.parent == folder and _is_alembic_env(f) for f in project.files)


def _imported_from_outside(folder: Path, project: ProjectView) -> bool:
    """Some module outside `folder` imports one inside it."""
    inside = {f.module for f in project.files if f.path.is_relative_to(folder)}
    return any(
        edge.imported in inside and not edge.importer.path.is_relative_to(folder) for edge in project.edges
    )


def _importable(module: str) -> bool:
    return all(part.isidentifier() for part in module.split("."))


def _excluded(facts: FileFacts, root: Path, excludes: tuple[Exclude, ...]) -> bool:
    relative = facts.path.relative_to(root).as_posix() if facts.path.is_relative_to(root) else ""
    return any(path_glob_matches(e.glob, relative) for e in excludes)


# --- Content roles. ---


def content_roles(
    project: ProjectView,
    parsed: list[FileFacts],
    sides: tuple[SidePackage, ...] = (),
    *,
    barred: frozenset[str] | None = frozenset(),
) -> tuple[dict[str, str], dict[str, str]]:
    """Module -> the layer its content shows, and module -> what showed it, for the modules
    where content says something: also for modules a preset glob takes whose content
    contradicts that layer (those get another layer's role, or `LEFT_OUT_ROLE`). Services found
    by who calls them (`_endpoint_services`) are guessed except for the `barred` modules; with
    `barred` None, none is."""
    layers = project.glob_layers
    imported = _imported_modules(project)
    serving = {facts.module for facts in parsed if _serves(facts, project)}
    roles: dict[str, str] = {}
    evidence: dict[str, str] = {}
    for side in sides:
        for facts in _package_members(side.module, project):
            roles[facts.module], evidence[facts.module] = LEFT_OUT_ROLE, f"{side.module}: {side.reason}"
    for facts in parsed:
        module = facts.module
        if (
            module in roles
            or layers.is_wiring(module)
            or not all(part.isidentifier() for part in module.split("."))
        ):
            continue  # a module no import can name (`2024_01_01-init.py`) is no layer's
        routes = find_route_handlers(facts, project.symbols)
        if _is_app_root(facts, project) and len(routes) <= APP_ROOT_MAX_ROUTES:
            roles[module], evidence[module] = WIRING_ROLE, APP_ROOT
            continue
        if any(not _hidden_from_api(route) for route in routes):
            roles[module], evidence[module] = ENDPOINT, ROUTE_HANDLERS
            continue
        tables = any(is_table_class(c, facts, project.symbols) for c in facts.classes)
        placed = layers.layer_of(module)
        if (
            placed in (None, SCHEMA, ENDPOINT)
            and tables
            and facts.module.rpartition(".")[2] not in CONFIG_MODULE_NAMES
        ):
            # A schemas folder of SQLModel `table=True` classes (zenml's zen_stores/schemas) is
            # model, and so are the tables of a feature folder under `api/` (aim's
            # `web/api/reports/models.py`; a module with routes is endpoint above); not the
            # app's configuration module that also keeps a table (open-webui 0.6's `config.py`:
            # its settings are no model names, the table is model anyway).
            roles[module], evidence[module] = _tables_module_role(facts, project)
        elif placed == MODEL and not tables and _takes_sessions(facts, project):
            # A models folder of query functions (prefect's server/models) is data access.
            roles[module], evidence[module] = REPOSITORY, QUERY_FUNCTIONS
        elif placed == SCHEMA and _assembles_api(facts, project, serving):
            roles[module], evidence[module] = WIRING_ROLE, API_SCHEMA
        elif _is_database_setup(facts, project, placed):
            roles[module], evidence[module] = DB_SETUP_ROLE, "engine, sessionmaker or session provider"
        elif (
            placed is None
            and (_queries_sessions(facts, project) or _queries_in_methods(facts, project))
            and not _imports_upper(module, imported, layers)
            and not _enqueues_jobs(facts)
        ):
            # A store class that also makes its engine (zenml's `SqlZenStore`) is data access first.
            roles[module], evidence[module] = REPOSITORY, _data_access_evidence(facts, project)
    nouns = _named_inside_another_layer(project, parsed)
    inside = _inside_layer_packages(project, parsed, roles)
    placed_of = _placement(layers, {**inside, **nouns})
    _helpers_follow_tables(project, parsed, roles, evidence)
    _packages_follow(project, parsed, roles, evidence, placed_of, SCHEMA)
    _contradicted_endpoints(project, parsed, roles, evidence, placed_of, imported, serving)
    _contradicted_models(project, parsed, roles, evidence, placed_of)
    _contradicted_repositories(project, parsed, roles, evidence, placed_of)
    _contradicted_services(project, parsed, roles, evidence, imported, placed_of)
    _folders_say(nouns, inside, roles, evidence, layers)
    for module in _schema_modules(project, parsed, roles):
        roles[module], evidence[module] = SCHEMA, PYDANTIC_MODELS

    _classes_say(project, parsed, roles, evidence, imported)
    _imported_from_below(project, parsed, roles, evidence, imported, serving)
    _held_and_built(project, parsed, roles, evidence, imported, barred, serving)
    return roles, evidence


def _classes_say(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    imported: dict[str, set[str]],
) -> None:
    """An unlayered module with a `*Repository` class over the database or the tables is a
    repository; one with a `*Service` class over the database, the tables or repositories a
    service, unless a repository composes it (peaky-peek's `storage/search.py`:
    `SessionSearchService` runs its own queries for `TraceRepository`, seed 40): data access by
    another name, as a service each repository importing it was an LG101."""
    layers = project.glob_layers
    importers = _importers(imported)

    def reaches(module: str, wanted: set[str]) -> bool:
        # A module of tables placed by the class beside them still holds tables (openhands'
        # `live_status_app_conversation_service` over the `sql_*_service` modules).
        return any(
            _content_layer(m, roles, layers) in wanted
            or (MODEL in wanted and evidence.get(m) == TABLES_BESIDE_SESSIONS)
            for m in imported.get(module, ())
        )

    for layer, suffixes, targets, why in (
        (REPOSITORY, ("Repository", "Repo"), {MODEL}, REPOSITORY_CLASSES),
        (SERVICE, ("Service",), {MODEL, REPOSITORY}, SERVICE_CLASSES),
    ):
        for facts in parsed:
            module = facts.module
            if module in roles or layers.layer_of(module) is not None or layers.is_wiring(module):
                continue
            named = any(cls.module_level and cls.name.endswith(suffixes) for cls in facts.classes)
            if named and (_imports_db(facts) or reaches(module, targets)):
                roles[module], evidence[module] = layer, why
    # Until none is added, whatever the order: one composed that way may compose another.
    by_module = {f.module: f for f in parsed}
    while composed := [
        module
        for module, why in evidence.items()
        if why == SERVICE_CLASSES
        and _imports_db(by_module[module])
        and REPOSITORY in _importer_layers(module, importers, project, roles)
    ]:
        for module in composed:
            roles[module], evidence[module] = REPOSITORY, REPOSITORY_HELD


def _imported_from_below(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    imported: dict[str, set[str]],
    serving: set[str],
) -> None:
    """A module an endpoint glob takes beside the routes that serves nothing and that a model or
    schema module imports (aim's `web/api/utils.py`, whose `datetime_now` its tables take as a
    column default; kedro-viz's `api/rest/utils.py`, imported by a response module; the seed-36
    audit), or a service or repository module when it imports nothing of fastapi, starlette or a
    GraphQL library (fides' `api/request_context.py`, seed 37): the code below the routes uses
    it, so it is no endpoint module (as one, each such import was an LG101). Not for neutral names alone
    (phoenix's `api/types/node.py`, whose type aliases its payload schemas take: no finding, and
    a folder glob kept whole). Left out."""
    layers = project.glob_layers
    importers = _importers(imported)
    by_module = {f.module: f for f in parsed}
    for facts in parsed:
        module = facts.module
        if module in roles or not _beside_routes(facts, layers, serving):
            continue
        # Services and repositories too, when it speaks no HTTP or GraphQL (fides'
        # `api/request_context.py`, a contextvars helper its audit service reads): one that does
        # is the API's code (phoenix's Strawberry types, which its data loaders import).
        api = _imports_any(facts, API_PACKAGES)
        below_layers = (MODEL, SCHEMA) if api else (MODEL, SCHEMA, REPOSITORY, SERVICE)
        below = [
            by_module[m]
            for m in importers.get(module, ())
            if m in by_module and _content_layer(m, roles, layers) in below_layers
        ]
        if any(_takes_code(project, f, module) for f in below):
            roles[module], evidence[module] = LEFT_OUT_ROLE, f"{module}: {IMPORTED_FROM_BELOW}"


def _beside_routes(facts: FileFacts, layers: LayerMap, serving: set[str]) -> bool:
    """A module an endpoint glob takes that serves nothing itself (`serving`: the modules that
    do, `_serves`): a helper beside the routes."""
    return not facts.is_package and layers.layer_of(facts.module) == ENDPOINT and facts.module not in serving


def _takes_code(project: ProjectView, facts: FileFacts, module: str) -> bool:
    """`facts` imports from `module`, at run time, a name that is no neutral kind (a function,
    a class), or the module itself to use otherwise than by reading names of it."""
    for edge in project.edges_of(facts):
        if edge.imported != module:
            continue
        for fact in edge.names:
            if fact.type_checking:
                continue
            names = names_taken(project, edge, fact)
            if names is None:
                return True
            for taken in names:
                found = project.symbols.resolve(f"{module}.{taken}")
                if found is None or symbol_kind(*found, project.symbols) not in NEUTRAL_KINDS:
                    return True
    return False


def _auth_providers(
    project: ProjectView, parsed: list[FileFacts], roles: dict[str, str], evidence: dict[str, str]
) -> None:
    """A module no other content check placed — unlayered, or left out of an endpoint folder
    for serving no route — defining a function the project uses as a `Depends()`/`Security()`
    provider whose name says authentication (`get_current_user`, `get_admin_user`): the
    routes' authentication, wiring as dependency providers are (SPEC §1), however many helpers
    (tokens, passwords) sit beside it. Left unlayered, open-webui 0.6's `utils/auth.py` and
    gpustack's `api/auth.py` were LG103 bridges from every route to the users table (issue 13,
    seeds 31 and 32). One that calls services is a service already (open-webui 0.12's)."""
    layers = project.glob_layers
    provided = project.layers.providers
    for facts in parsed:
        module = facts.module
        if facts.is_package or layers.is_wiring(module) or _defines_orm(facts, project):
            continue
        if not _unplaced(module, roles, evidence, layers):
            continue
        if any(looks_like_auth(name) for name in provided.get(module, ())):
            roles[module], evidence[module] = WIRING_ROLE, AUTH_PROVIDERS


def _content_layer(module: str, roles: dict[str, str], layers: LayerMap) -> str | None:
    """The layer content gives a module, else the preset's; None for a role that is no layer."""
    role = roles.get(module)
    if role is None:
        return layers.layer_of(module)
    return None if role in NO_LAYER_ROLES else role


def _package_members(module: str, project: ProjectView) -> list[FileFacts]:
    """The files of a module and, for a package, of everything under it."""
    return [f for f in project.files if f.module == module or f.module.startswith(module + ".")]


def _serves(facts: FileFacts, project: ProjectView) -> bool:
    """Route handlers, a router or app, a route registration, or GraphQL resolvers."""
    if find_route_handlers(facts, project.symbols) or any(
        call.method in SERVING_CALLS for call in facts.calls
    ):
        return True
    return any(
        decorator.qualified is not None
        and project.symbols.canonical_name(decorator.qualified, facts) in GRAPHQL_RESOLVERS
        for function in facts.functions
        for decorator in function.decorators
    )


def _contradicted_endpoints(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    placed_of: Callable[[str], str | None],
    imported: dict[str, set[str]],
    serving_modules: set[str],
) -> None:
    """Packages (or modules) an endpoint glob takes with nothing in them that serves the API
    (dstack's client SDK `dstack/api`, phoenix's `api/dataloaders`, argilla's `api/policies`):
    data access when three in four of their modules build queries, else left out. A module
    directly in a folder that serves (a helper beside the routers) stays, unless it builds
    queries and nothing that serves or that an endpoint glob takes imports it (phoenix's
    `api/builtin_evaluator_sync.py`, run at start-up): a job, not HTTP-facing, left out; or unless
    its functions take a DB session and it builds queries, speaking no HTTP (phoenix's
    `api/experiment_tags.py` upserts tag rows for the routes that import it): data access the
    routes call, left out for the content checks after this one (`_query_builders`). A
    Strawberry GraphQL context (phoenix's `api/context.py`, a `BaseContext` building the data
    loaders for each request) composes the layers: wiring."""
    endpoint_imports = {
        m
        for module, found in imported.items()
        if module in serving_modules or placed_of(module) == ENDPOINT
        for m in found
    }
    serving: set[str] = set()  # the modules that serve, and every package above one
    for module in serving_modules:
        parts = module.split(".")
        serving.update(".".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    decided: dict[str, tuple[str, str]] = {}  # place -> (role, evidence)
    for facts in parsed:
        module = facts.module
        if module in roles or placed_of(module) != ENDPOINT:
            continue
        if module not in serving_modules and _is_graphql_context(facts, project):
            roles[module], evidence[module] = WIRING_ROLE, GRAPHQL_CONTEXT
            continue
        if not facts.is_package and module not in serving and _is_schema_module(facts, project):
            # `routers/v1/models.py` of Pydantic request and response models.
            roles[module], evidence[module] = SCHEMA, "Pydantic models only, no route"
            continue
        anchor = _anchor(module, project)
        if anchor is None:
            continue
        parts = module.split(".")
        last = len(parts) if facts.is_package else len(parts) - 1
        places = [".".join(parts[:depth]) for depth in range(anchor[1].count(".") + 1, last + 1)]
        if anchor[1] == module:
            places = [module]
        place = next((p for p in places if p not in serving), None)
        if place is None:
            if facts.is_package or module in serving or not _builds_queries(facts, project):
                continue
            if module not in endpoint_imports:
                roles[module], evidence[module] = LEFT_OUT_ROLE, STARTUP_QUERIES
            elif _takes_sessions(facts, project) and not _imports_http(facts):
                roles[module], evidence[module] = LEFT_OUT_ROLE, f"{module}: {QUERIES_BESIDE_ROUTES}"
            continue
        if place not in decided:
            code = [f for f in _package_members(place, project) if not f.is_package]
            queries = sum(1 for f in code if f.parse_error is None and _builds_queries(f, project))
            decided[place] = (
                (REPOSITORY, DATA_LOADERS)
                if len(code) >= 2 and queries >= FOLDER_SHARE * len(code)
                else (LEFT_OUT_ROLE, f"{place}: {NO_ROUTES}")
            )
        roles[module], evidence[module] = decided[place]


def _is_graphql_context(facts: FileFacts, project: ProjectView) -> bool:
    """A module-level class derives from Strawberry's FastAPI `BaseContext`."""
    return any(
        c.module_level and GRAPHQL_CONTEXTS.intersection(project.symbols.outside_ancestors(c, facts))
        for c in facts.classes
    )


def _enqueues_jobs(facts: FileFacts) -> bool:
    """It imports a job-queue library (argilla's `webhooks/v1/records.py` returns the rq jobs
    that notify a webhook): it builds and enqueues work, which is service work, not data access."""
    return any(i.level == 0 and i.module.split(".")[0] in JOB_QUEUES for i in facts.imports)


def _builds_queries(facts: FileFacts, project: ProjectView) -> bool:
    """It imports `select`/`insert`/… from sqlalchemy or sqlmodel, or queries the sessions its
    functions take."""
    return _imports_query_builders(facts) or _queries_sessions(facts, project)


def _imports_query_builders(facts: FileFacts) -> bool:
    """It imports `select`/`insert`/`update`/`delete` from sqlalchemy or sqlmodel."""
    return any(
        i.level == 0 and i.module.split(".")[0] in DB_PACKAGES and i.name in QUERY_BUILDERS
        for i in facts.imports
    )


def _assembles_api(facts: FileFacts, project: ProjectView, serving: set[str]) -> bool:
    """It defines no Pydantic model or table and imports `get_openapi` or modules that serve
    the API (phoenix's `api/schema.py` builds `strawberry.Schema(query=Query, ...)`): a
    composition root of the API, not the schema layer."""
    if any(class_kind(c, facts, project.symbols) in (PYDANTIC, TABLE) for c in facts.classes):
        return False
    imports = {f"{i.module}.{i.name}" if i.name else i.module for i in facts.imports if i.level == 0}
    if "fastapi.openapi.utils.get_openapi" in imports:
        return True
    imported = {edge.imported for edge in project.edges if edge.importer.module == facts.module}
    return bool(imported & serving)


def _defines_orm(facts: FileFacts, project: ProjectView) -> bool:
    """What `check` reads as a model module (`ProjectLayerMap.holds_orm`): a table, a
    declarative base, an ORM mixin (`Mapped[...]`/`mapped_column` attributes), a `Table(...)`,
    or a re-export of one."""
    return project.layers.holds_orm(facts.module)


def _contradicted_models(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    placed_of: Callable[[str], str | None],
) -> None:
    """Modules a model glob takes that define classes but no ORM class (zenml's `zenml.models`
    DTOs, dstack's `core/models`): the schema layer when they are Pydantic modules, else left out.
    A module with no class (a package `__init__`, a declarative base made by a call) stays."""
    query_folders = Counter(m.rpartition(".")[0] for m, why in evidence.items() if why == QUERY_FUNCTIONS)
    for facts in parsed:
        module = facts.module
        if module in roles or placed_of(module) != MODEL or facts.is_package:
            continue
        folder = module.rpartition(".")[0]
        siblings = [f for f in _package_members(folder, project) if f.module.rpartition(".")[0] == folder]
        if query_folders[folder] >= FOLDER_SHARE * sum(1 for f in siblings if not f.is_package):
            continue  # a models folder of query functions (prefect) is data access as a whole
        public = [f for f in facts.functions if f.class_name is None and not f.name.startswith("_")]
        if not (public or any(c.module_level for c in facts.classes)) or _defines_orm(facts, project):
            continue  # a module of constants or a declarative base made by a call stays
        if _is_schema_module(facts, project):
            roles[module], evidence[module] = SCHEMA, f"Pydantic models, {NO_ORM}"
        else:
            roles[module], evidence[module] = LEFT_OUT_ROLE, NO_ORM
    _packages_follow(project, parsed, roles, evidence, placed_of, MODEL)


def _has_data_access(facts: FileFacts, project: ProjectView, roles: dict[str, str]) -> bool:
    """It imports sqlalchemy/sqlmodel or a model module, takes a session, or calls `execute`,
    `commit` … on something."""
    layers = project.glob_layers
    if _imports_db(facts) or _takes_sessions(facts, project):
        return True
    if any(call.method in DATA_ACCESS_CALLS for call in facts.calls):
        return True
    return any(
        _content_layer(edge.imported, roles, layers) == MODEL
        for edge in project.edges
        if edge.importer.module == facts.module
    )


def _contradicted_repositories(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    placed_of: Callable[[str], str | None],
) -> None:
    """Modules a repository glob takes with no data access at all (dstack's git `repos`): left
    out. Those that take sessions only to hand them on are services (`_hands_sessions_on`)."""
    placed = [
        f for f in parsed if f.module not in roles and not f.is_package and placed_of(f.module) == REPOSITORY
    ]
    for facts in placed:
        if not _has_data_access(facts, project, roles):
            roles[facts.module], evidence[facts.module] = LEFT_OUT_ROLE, NO_DATA_ACCESS
    # Those handing their sessions on are services together, using one another (mlrun's
    # `crud/hub.py` its `crud/secrets.py`, and back), until none uses tables or repository code.
    moving = [f for f in placed if f.module not in roles and _hands_sessions_on(f, project)]
    for facts in moving:
        roles[facts.module], evidence[facts.module] = SERVICE, HANDS_SESSIONS_ON
    while stays := [f for f in moving if f.module in roles and _uses_data_access(f, project, roles)]:
        for facts in stays:
            del roles[facts.module], evidence[facts.module]
        moving = [f for f in moving if f.module in roles]
    _packages_follow(project, parsed, roles, evidence, placed_of, REPOSITORY)


def _hands_sessions_on(facts: FileFacts, project: ProjectView) -> bool:
    """Its functions or methods take DB sessions, but it queries none: no query call on a
    session parameter, on a receiver known to be a session or (importing sqlalchemy) named as
    one, and no `select`/`insert`/… import. The session goes on to the data access it calls:
    mlrun's `api/crud/` (the service layer; every query is in its `SQLDB`, seed 38). Whether it
    uses tables or repository code at run time is the caller's to ask."""
    taking = [_session_params(f, facts, project) for f in facts.functions]
    if not any(taking) or _imports_query_builders(facts):
        return False
    named = _imports_db(facts)
    for call in facts.calls:
        if call.method not in QUERY_METHODS:
            continue
        if call.function is not None and call.callee.partition(".")[0] in taking[call.function]:
            return False
        if _on_named_session(call, named) or receiver_kind(call, facts, project.file_view) is not None:
            return False
    return True


def _on_named_session(call: CallFact, named: bool) -> bool:
    """A query call (`query`, `execute` …) on a receiver named as a session, in a module that
    imports sqlalchemy or sqlmodel (`named`): init's placement may take that as a session (mlrun's
    `SQLDB` takes an untyped `session`, mlflow's stores open theirs with `with
    self.ManagedSessionMaker() as session:`, seed 38); rules never do (SPEC §1)."""
    return (
        named
        and call.method in NAMED_SESSION_QUERIES
        and call.callee.partition(".")[0].lower().endswith("session")
    )


def _contradicted_services(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    imported: dict[str, set[str]],
    placed_of: Callable[[str], str | None],
) -> None:
    """A services package (two or more modules) none of whose modules imports a repository or
    model module or sqlalchemy/sqlmodel, or takes a session (zenml's model-deployment daemons,
    dstack's CLI services), in a project that has a data layer: not the app's service layer,
    left out. A single `service.py` module stays: its evidence is too thin."""
    layers = project.glob_layers
    if not any(_content_layer(f.module, roles, layers) in (MODEL, REPOSITORY) for f in parsed):
        return
    folders: dict[str, list[FileFacts]] = {}
    for facts in parsed:
        if placed_of(facts.module) != SERVICE:
            continue
        # The outermost `services` folder: `services/services/` (dstack's service runs) is part of it.
        parts = facts.module.split(".")
        depth = next((i for i, part in enumerate(parts) if part == "services"), None)
        if depth is not None and depth >= 1:
            folders.setdefault(".".join(parts[: depth + 1]), []).append(facts)
    for folder, members in folders.items():
        code = [f for f in members if not f.is_package]
        if len(code) < 2:
            continue
        if any(
            _imports_db(f)
            or _takes_sessions(f, project)
            or any(
                _content_layer(m, roles, layers) in (MODEL, REPOSITORY) for m in imported.get(f.module, ())
            )
            for f in members
        ):
            continue
        for facts in members:
            if facts.module not in roles:
                roles[facts.module], evidence[facts.module] = LEFT_OUT_ROLE, f"{folder}: {SERVICE_NO_DATA}"


def _services_by_content(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    imported: dict[str, set[str]],
) -> None:
    """The service layer under another name (argilla's `contexts/`), in a project where nothing
    else is the service layer: an unlayered package of two or more modules, three in four of
    which have functions taking a DB session, that endpoint modules import, that imports model
    modules, and that also calls into other project packages (a search engine, webhooks): it
    orchestrates, where a repository only queries. The package becomes `pkg.**` of service,
    with an unsure line naming the repository alternative."""
    layers = project.glob_layers
    if any(_content_layer(f.module, roles, layers) == SERVICE for f in parsed):
        return
    endpoint_imports = {
        m
        for module, found in imported.items()
        if _content_layer(module, roles, layers) == ENDPOINT
        for m in found
    }
    top_packages = {f.module.split(".")[0] for f in project.files}
    folders = sorted(
        {f.module.rpartition(".")[0] for f in parsed if not f.is_package and f.module.count(".") >= 2}
    )
    for folder in folders:
        members = _package_members(folder, project)
        if any(layers.layer_of(f.module) is not None or layers.is_wiring(f.module) for f in members):
            continue
        if any(roles.get(f.module) not in (None, REPOSITORY) for f in members):
            continue
        code = [f for f in members if not f.is_package and f.parse_error is None]
        taking = [f for f in code if _takes_sessions(f, project)]
        if len(code) < 2 or len(taking) < FOLDER_SHARE * len(code):
            continue
        if not any(f.module in endpoint_imports for f in members):
            continue
        reached = {m for f in members for m in imported.get(f.module, ())}
        inside = {f.module for f in members}
        others = [
            m
            for m in reached - inside
            if m.split(".")[0] in top_packages
            and _content_layer(m, roles, layers) is None
            and roles.get(m) not in (DB_SETUP_ROLE, WIRING_ROLE)
        ]
        if not any(_content_layer(m, roles, layers) == MODEL for m in reached) or not others:
            continue
        for facts in members:
            roles[facts.module], evidence[facts.module] = SERVICE, SERVICE_FUNCTIONS


def _orchestrating_services(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    imported: dict[str, set[str]],
) -> None:
    """Business logic beside the service layer (argilla's `bulk/`, `use_cases/`, `validators/`):
    an unlayered module that endpoint or service modules import and that imports both service
    modules and model or repository modules orchestrates them, as a service does. Left unlayered, every
    endpoint reaching the models through it would be an LG103 bridge whose fix is this line of
    configuration, not the code (issue 13). Not a module of mostly Pydantic models (skyvern's
    `workflow/models/block.py`: the Block hierarchy with each block's `execute()`): as a service,
    the schema modules typing fields with its classes would be LG101; it stays unlayered, named
    in an unsure line (`_mixed_logic`)."""
    importers = _importers(imported)
    for facts in _orchestrating(project, parsed, roles, evidence, imported):
        if _mostly_pydantic(facts, project):
            continue
        above = _importer_layers(facts.module, importers, project, roles)
        why = ORCHESTRATES if ENDPOINT in above else SERVICES_ORCHESTRATE
        roles[facts.module], evidence[facts.module] = SERVICE, why


def _orchestrating(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    imported: dict[str, set[str]],
) -> Iterator[FileFacts]:
    """Unlayered modules that endpoint or service modules import and that import service modules
    and model or repository modules (skyvern's `workflow/context_manager.py`, which services
    import, resolves credentials through its Bitwarden service). A generator: a module the caller
    makes a service as it comes counts as one for the modules after it (open-webui's
    `utils/oauth.py` calls `utils/auth.py`)."""
    layers = project.glob_layers
    importers = _importers(imported)
    for facts in parsed:
        module = facts.module
        if facts.is_package or layers.is_wiring(module):
            continue
        if not _importer_layers(module, importers, project, roles) & {ENDPOINT, SERVICE}:
            continue
        # Left out of a models folder for holding no ORM class (skyvern's workflow blocks under
        # `workflow/models/`): as unlayered as a module no glob takes.
        left_out = roles.get(module) == LEFT_OUT_ROLE and evidence[module] == NO_ORM
        if not left_out and (module in roles or layers.layer_of(module) is not None):
            continue
        reached = {_content_layer(m, roles, layers) for m in imported.get(module, ())}
        if SERVICE in reached and reached & {MODEL, REPOSITORY} and not _declares_route_params(facts):
            yield facts


def _declares_route_params(facts: FileFacts) -> bool:
    """A module-level function takes a parameter declared with FastAPI's markers (`name: str =
    Body(...)`, `Annotated[int, Query()]`): a route handler that another module registers
    (langchain-chatchat's `knowledge_base/kb_api.py`, whose functions `api_server/kb_routes.py`
    passes to `router.get(path)`), not a service. Importing them is not enough: open-webui's
    `functions.py` imports `Form` and `File` and runs the chat pipes, a service."""
    for function in facts.functions:
        if function.nested or function.class_name is not None:
            continue
        for param in function.params:
            if (
                param.default is not None
                and param.default.kind == "call"
                and param.default.qualified in ROUTE_PARAMS
            ):
                return True
            if param.annotation is not None and not ROUTE_PARAMS.isdisjoint(param.annotation.names):
                return True
    return False


def _endpoint_services(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    imported: dict[str, set[str]],
    barred: frozenset[str],
    serving: set[str],
) -> None:
    """Services that no folder names (freqtrade's `rpc/rpc.py`, pyspur's
    `execution/workflow_executor.py`, fief's `tasks/`): an unlayered module that endpoint
    modules import (directly, or through an unlayered package importing it), whose functions
    or classes use at run time a table, an ORM class or a repository's class or function that
    it imports (`_uses_data_access`), and that also calls other logic of the project
    (`_orchestrates`: a crud module of queries alone is data access, not a service). Not an
    HTTP helper (`_speaks_http`: beyond `HTTPException` and `status` it imports nothing of
    fastapi or starlette, and it raises `HTTPException` in few of its functions), nor the
    plumbing that makes the engine or sessions (freqtrade's `persistence/models.py`).
    Left unlayered, each was an LG103 bridge for the routes calling it, fixed by this line of
    configuration (issue 13, the seed-30 audit). `detect` keeps only those with which the
    layer rules report nothing new (`_blamed`).

    Also a module an endpoint glob takes beside the routes that serves nothing itself (hawk's
    `api/run.py`, the launch logic its routers call, kept as endpoint by
    `_contradicted_endpoints`): its imports of the helpers beside it that serve nothing either
    (`api/problem.py`, `api/settings.py`) would be a service importing endpoint modules, so
    those leave the endpoint layer with it, unlayered."""
    importers = _importers(imported)
    by_module = {f.module: f for f in parsed}
    beside = {
        f.module for f in parsed if f.module not in roles and _beside_routes(f, project.glob_layers, serving)
    }
    # Until none is added: a service found counts for the modules calling it, whatever the order.
    while found := [
        f
        for f in parsed
        if _serves_endpoints(f, project, roles, imported, importers, by_module, barred, beside)
    ]:
        for facts in found:
            module = facts.module
            if module not in beside:
                roles[module], evidence[module] = SERVICE, SERVES_ENDPOINTS
                continue
            roles[module], evidence[module] = SERVICE, SERVES_BESIDE_ROUTES
            reached, todo = set(), [module]
            while todo:  # the helpers beside the routes it reaches through helpers beside the routes
                for other in imported.get(todo.pop(), ()):
                    if other in beside and other not in roles and other not in reached:
                        reached.add(other)
                        todo.append(other)
            for other in reached:
                roles[other], evidence[other] = LEFT_OUT_ROLE, f"{module}: {IMPORTED_BY_SERVICE_BESIDE}"


def _serves_endpoints(
    facts: FileFacts,
    project: ProjectView,
    roles: dict[str, str],
    imported: dict[str, set[str]],
    importers: dict[str, set[str]],
    by_module: dict[str, FileFacts],
    barred: frozenset[str],
    beside: set[str],
) -> bool:
    """`_endpoint_services`' test of one module, unlayered or `beside` the routes."""
    layers = project.glob_layers
    module = facts.module
    if facts.is_package or facts.parse_error is not None or layers.is_wiring(module):
        return False
    if module in barred or module in roles or (layers.layer_of(module) is not None and module not in beside):
        return False
    if DATA_ACCESS_FOLDERS.intersection(module.split(".")[:-1]):
        return False  # mlflow's `store/tracking/gateway/config_resolver.py`: data access, not a service
    callers = importers.get(module, set())
    through = {
        m
        for package in callers
        if package in by_module
        and by_module[package].is_package
        and _content_layer(package, roles, layers) is None
        and not layers.is_wiring(package)
        for m in importers.get(package, ())
    }
    if not any(_content_layer(m, roles, layers) == ENDPOINT for m in callers | through):
        return False
    if (_imports_http(facts) if module in beside else _speaks_http(facts)) or _sets_up_db(facts, project):
        return False
    return _uses_data_access(facts, project, roles) and _orchestrates(
        facts, by_module, project, roles, imported
    )


def _orchestrates(
    facts: FileFacts,
    by_module: dict[str, FileFacts],
    project: ProjectView,
    roles: dict[str, str],
    imported: dict[str, set[str]],
) -> bool:
    """It defines background jobs (it imports a job queue), or it imports a service module or an
    unlayered module of the project with logic of its own (a module-level function or plain
    class; not a module of tables, constants, enums or exceptions: langflow's tables sit in
    `services/`). The unlayered one is neither data access itself (it imports nothing of
    sqlalchemy or sqlmodel: phoenix's `trace/dsl/trace_filter.py` calls the query compiler of
    `trace/dsl/filter.py`, a query builder, not a service) nor the configuration every module
    reads."""
    if _enqueues_jobs(facts):  # fief's dramatiq tasks: background work is service work
        return True
    layers = project.glob_layers
    for module in imported.get(facts.module, ()):
        other = by_module.get(module)
        if other is None or not _has_logic(other, project) or _defines_orm(other, project):
            continue
        layer = _content_layer(module, roles, layers)
        if layer == SERVICE:
            return True
        unlayered = layer is None and roles.get(module) not in NO_LAYER_ROLES and not layers.is_wiring(module)
        if (
            unlayered
            and not _imports_db(other)
            and not _is_config_module(other, project, [], may_be_schema=False)
        ):
            return True
    return False


def _has_logic(facts: FileFacts, project: ProjectView) -> bool:
    """A module-level function, or a plain class (no table, model, enum or exception)."""
    if any(not f.nested and f.class_name is None for f in facts.functions):
        return True
    return any(c.module_level and class_kind(c, facts, project.symbols) == CLASS for c in facts.classes)


def _uses_data_access(facts: FileFacts, project: ProjectView, roles: dict[str, str]) -> bool:
    """A module-level function or plain class (no exception, enum or data class: airflow's
    `exceptions.py`) of `facts` uses at run time (`DefinitionFact.uses`) a name it imports that
    is a table or ORM class, a class or function of a repository module, or an instance a model
    module makes (a data-access singleton: open-webui's `Users = UsersTable()`). Not an enum, a
    constant or an exception of the model modules (fief's `logger.py` and `exceptions.py`),
    nor a name used only as a type."""
    defined = {f.name for f in facts.functions if not f.nested and f.class_name is None}
    defined |= {
        c.name for c in facts.classes if c.module_level and class_kind(c, facts, project.symbols) == CLASS
    }
    used = {name for d in facts.definitions if d.name in defined for name in d.uses}
    for edge in project.edges_of(facts):
        for fact in edge.names:
            if fact.type_checking or fact.bound_name not in used:
                continue
            # A module imported and read (hawk's `job_writes.mark_launch_attempted(...)`): what it reads.
            names = names_taken(project, edge, fact) or ()
            if _uses_data_access_names(project, roles, edge.imported, names):
                return True
    return False


def _uses_data_access_names(
    project: ProjectView, roles: dict[str, str], imported: str, names: Iterable[str]
) -> bool:
    """One of `names` of module `imported` is data access (`_uses_data_access`)."""
    for name in names:
        found = project.symbols.resolve(f"{imported}.{name}")
        if found is None:
            continue
        symbol, where = found
        kind = symbol_kind(symbol, where, project.symbols)
        if kind in ORM_KINDS:
            return True
        layer = _content_layer(where.module, roles, project.glob_layers)
        if layer == REPOSITORY and kind not in (*NEUTRAL_KINDS, PYDANTIC, DATA_CLASS):
            return True
        if layer == MODEL and kind == VALUE:  # open-webui's `Users = UsersTable()` in models/
            return True
    return False


def _importer_layers(
    module: str, importers: dict[str, set[str]], project: ProjectView, roles: dict[str, str]
) -> set[str | None]:
    """The content layers of the modules importing `module` (None for an unlayered one)."""
    return {_content_layer(m, roles, project.glob_layers) for m in importers.get(module, ())}


def _importers(imported: dict[str, set[str]]) -> dict[str, set[str]]:
    """Module -> the modules importing it."""
    importers: dict[str, set[str]] = {}
    for module, found in imported.items():
        for m in found:
            importers.setdefault(m, set()).add(module)
    return importers


def _mostly_pydantic(facts: FileFacts, project: ProjectView) -> bool:
    """More than half of its module-level classes are Pydantic models."""
    classes = [c for c in facts.classes if c.module_level]
    models = sum(1 for c in classes if class_kind(c, facts, project.symbols) == PYDANTIC)
    return 2 * models > len(classes)


def _mixed_logic(
    project: ProjectView, parsed: list[FileFacts], roles: dict[str, str], evidence: dict[str, str]
) -> tuple[str, ...]:
    """The modules `_orchestrating_services` passed over for holding mostly Pydantic models."""
    found = _orchestrating(project, parsed, roles, evidence, _imported_modules(project))
    return tuple(facts.module for facts in found if _mostly_pydantic(facts, project))


def _held_and_built(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    imported: dict[str, set[str]],
    barred: frozenset[str] | None,
    serving: set[str],
) -> None:
    """Last, once the named layers are known: services by what they call, data access by the
    queries a module builds or the repositories it holds, the routes' authentication modules of
    what is left, services by who calls them, data access by its package, then service locators
    by the services and repositories they hold."""
    _services_by_content(project, parsed, roles, evidence, imported)
    _orchestrating_services(project, parsed, roles, evidence, imported)
    _query_builders(project, parsed, roles, evidence, imported)
    _families_follow(project, parsed, roles, evidence, imported)
    # Again: data access found by its queries (skyvern's `AgentDB` facade) makes the modules
    # calling it and services orchestrators too (skyvern's `forge/agent_functions.py`).
    _orchestrating_services(project, parsed, roles, evidence, imported)
    _auth_providers(project, parsed, roles, evidence)
    if barred is not None:
        _endpoint_services(project, parsed, roles, evidence, imported, barred, serving)
        # After the services found by who calls them: a module the routes call that runs their
        # logic is theirs first (gpustack's `server/metrics_collector.py`).
        _siblings_follow(project, parsed, roles, evidence, imported, barred)
    _service_locators(project, parsed, roles, evidence)


def _query_builders(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    imported: dict[str, set[str]],
) -> None:
    """Data access that no folder name gives away (phoenix's `db/trace_aggregates.py`, its
    `api/helpers` and trace DSL; skyvern's `AgentDB`): an unlayered module, or one a content
    check left out of the endpoint layer, that imports no service or endpoint module, and that
    imports the model layer and builds SQLAlchemy queries (imports `select`/`insert`/`update`/
    `delete`, or queries the sessions its functions take), or holds instances of at least
    `MIN_FACADE_REPOSITORIES` repository classes. Left unlayered, each is an LG103 bridge from
    the routes to the models whose fix is this line of configuration, not the code (issue 13).
    One that also imports a repository module is data access only when repository modules import
    it and no service module does (`_called_by_data_access`): prefect's orchestration policies,
    which services import, call its data access and may be above it."""
    layers = project.glob_layers
    importers = _importers(imported)
    for facts in parsed:
        module = facts.module
        if facts.is_package or layers.is_wiring(module) or find_route_handlers(facts, project.symbols):
            continue
        if not _unplaced(module, roles, evidence, layers):
            continue  # also left out as no layer's content (a client SDK, a side package): stays out
        reached = {_content_layer(m, roles, layers) for m in imported.get(module, ())}
        # A module running a start-up job (phoenix's `db/facilitator.py` runs the built-in
        # evaluator sync left out of its endpoint folder) is start-up work itself.
        runs_job = any(evidence.get(m) == STARTUP_QUERIES for m in imported.get(module, ()))
        if (
            reached & {SERVICE, ENDPOINT}
            or runs_job
            or _is_schema_module(facts, project)
            or _above_data_access(facts, project, roles)
        ):
            continue
        if MODEL in reached and (_builds_queries(facts, project) or _queries_in_methods(facts, project)):
            if REPOSITORY not in reached:
                roles[module], evidence[module] = REPOSITORY, QUERY_BUILDING
            elif _called_by_data_access(_importer_layers(module, importers, project, roles)):
                roles[module], evidence[module] = REPOSITORY, DATA_ACCESS_HELPER
        elif _held_layers(facts, project, roles).count(REPOSITORY) >= MIN_FACADE_REPOSITORIES:
            roles[module], evidence[module] = REPOSITORY, REPOSITORY_FACADE


def _called_by_data_access(importers: set[str | None]) -> bool:
    """Repository modules import it and no service module does (the importers' layers): below
    data access whatever else it is (phoenix's `api/experiment_tags.py`, imported by a data
    loader), where any layer above the repository would make the repository's import an upward
    one."""
    return REPOSITORY in importers and SERVICE not in importers


def _imports_http(facts: FileFacts) -> bool:
    """It imports fastapi or starlette (`HTTPException`, `Request`): it speaks HTTP. Not their
    `concurrency` helpers alone (`run_in_threadpool`: mlrun's `SQLDB` runs its queries in a
    thread with it; seed 38)."""
    return bool(_http_imports(facts))


def _http_imports(facts: FileFacts) -> list[ImportFact]:
    return [
        i
        for i in facts.imports
        if i.level == 0
        and i.module.split(".")[0] in HTTP_PACKAGES
        and not _threading_helper(i.module, i.name)
    ]


def _speaks_http(facts: FileFacts) -> bool:
    """HTTP is its job: it imports more of fastapi or starlette than an error to raise
    (`Request`, `Depends`, `APIRouter`), or it raises `HTTPException` in more than one of its
    functions in ten (open-webui's `utils/mfa.py`: 10 of 25). A service that raises an odd one is
    still a service (memgpt's `SyncServer`: 2 of 81 functions), whose raises LG201 reports;
    left unlayered, it was an LG103 bridge for every route calling it (seed 39)."""
    if any(i.name not in HTTP_ERRORS for i in _http_imports(facts)):
        return True
    raising = {
        r.function
        for r in facts.raises
        if r.exception is not None and r.exception.qualified in HTTP_EXCEPTIONS and r.function is not None
    }
    return len(raising) * 10 > len(facts.functions)


def _threading_helper(module: str, name: str | None) -> bool:
    """`from fastapi.concurrency import run_in_threadpool`, `from fastapi import concurrency`."""
    return module.partition(".")[2] == "concurrency" or (name == "concurrency" and "." not in module)


def _imports_any(facts: FileFacts, packages: frozenset[str]) -> bool:
    """It imports one of the top-level `packages`."""
    return any(i.level == 0 and i.module.split(".")[0] in packages for i in facts.imports)


def _above_data_access(facts: FileFacts, project: ProjectView, roles: dict[str, str]) -> bool:
    """It speaks HTTP (imports fastapi or starlette: `HTTPException`), enqueues jobs, its public
    functions take no argument, or it opens its own sessions (`async with SessionLocal() as
    session`): a job, an auth helper or a service that runs queries, not the data access such
    code calls (dstack's scheduled tasks, open-webui's mfa, argilla's webhook events). Not a
    session opened from what the instance holds (`Session(self.engine)`): a store class's."""
    if _imports_http(facts):
        return True
    if _enqueues_jobs(facts):
        return True
    public = [
        f for f in facts.functions if f.class_name is None and not f.nested and not f.name.startswith("_")
    ]
    if public and not any(f.params for f in public):
        return True  # entry points of jobs (dstack's scheduled tasks): data access takes what it queries by
    for opened in facts.opened:
        if opened.from_instance:
            continue  # a store opening sessions from the engine it holds (opsml's `QueryEngine`)
        if opened_database(opened, facts, project.file_view) is not None:
            return True
        found = project.symbols.resolve(opened.call.qualified, facts) if opened.call.qualified else None
        if found is not None and roles.get(found[1].module) == DB_SETUP_ROLE:
            return True  # an untyped session provider of the database setup (`get_session_ctx()`)
    return False


def _service_locators(
    project: ProjectView, parsed: list[FileFacts], roles: dict[str, str], evidence: dict[str, str]
) -> None:
    """A service locator (skyvern's `forge_app.py`: `class ForgeApp` annotates 50 attributes
    with the app's services, clients and its `AgentDB`; `create_forge_app()` fills them): a
    module with no route whose classes have no method but `__init__`, with at most
    `MAX_LOCATOR_FUNCTIONS` functions of its own, holding instances of at least
    `MIN_LOCATOR_HELD` project classes (class attributes' types, `self.x = C()` in `__init__`,
    module-level `x = C()`), `MIN_LOCATOR_LAYERED` of them service or repository classes. It is
    the app's composition root, which every layer reaches through it: wiring, not a bridge."""
    layers = project.glob_layers
    for facts in parsed:
        module = facts.module
        if module in roles or layers.layer_of(module) is not None or layers.is_wiring(module):
            continue
        protocols = {c.qualname for c in facts.classes if is_protocol_class(c)}
        methods = [
            f
            for f in facts.functions
            if f.class_name is not None and f.class_name not in protocols and f.name != "__init__"
        ]
        functions = [f for f in facts.functions if f.class_name is None and not f.nested]
        if methods or len(functions) > MAX_LOCATOR_FUNCTIONS or find_route_handlers(facts, project.symbols):
            continue
        held = _held_layers(facts, project, roles)
        if len(held) >= MIN_LOCATOR_HELD and sum(1 for layer in held if layer in (SERVICE, REPOSITORY)) >= (
            MIN_LOCATOR_LAYERED
        ):
            roles[module], evidence[module] = WIRING_ROLE, SERVICE_LOCATOR


def _held_layers(facts: FileFacts, project: ProjectView, roles: dict[str, str]) -> list[str | None]:
    """The content layer of each distinct project class whose instances the module holds: the
    types of its module-level classes' attributes (class-level annotations, `self.x = C()` in
    `__init__`) and the classes its module-level assignments call."""
    names: list[str] = []
    for cls in facts.classes:
        if not cls.module_level:
            continue
        types = [f.annotation for f in cls.fields if f.annotation is not None]
        types += [annotation for _, annotation in cls.init_attributes]
        for annotation in types:
            names += annotation.names or ((annotation.qualified,) if annotation.qualified else ())
    for assignment in facts.assignments:
        value = assignment.value
        if value is not None and value.kind == "call" and value.qualified:
            names.append(value.qualified)
    found: dict[tuple[str, str], str | None] = {}
    for name in names:
        resolved = project.symbols.resolve_class(name, facts)
        if resolved is None or resolved[1].module == facts.module:
            continue
        cls, where = resolved
        found[(where.module, cls.qualname)] = _content_layer(where.module, roles, project.glob_layers)
    return list(found.values())


def _helpers_follow_tables(
    project: ProjectView, parsed: list[FileFacts], roles: dict[str, str], evidence: dict[str, str]
) -> None:
    """In a schemas folder that is three in four table modules (zenml's `zen_stores/schemas`),
    the other modules (the base class, field helpers, constants) are the tables' own: model too."""
    layers = project.glob_layers
    folders = Counter(
        m.rpartition(".")[0]
        for m, why in evidence.items()
        if why == TABLE_CLASSES and layers.layer_of(m) == SCHEMA
    )
    for folder, tables in folders.items():
        code = [
            f
            for f in parsed
            if f.module.rpartition(".")[0] == folder
            and not f.is_package
            and layers.layer_of(f.module) == SCHEMA
        ]
        if tables < 2 or tables < FOLDER_SHARE * len(code):
            continue
        for facts in code:
            if facts.module not in roles:
                roles[facts.module], evidence[facts.module] = (
                    MODEL,
                    "helpers beside the table classes of its folder",
                )


def _packages_follow(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    placed_of: Callable[[str], str | None],
    layer: str,
) -> None:
    """A package `__init__` of `layer` goes where the modules under it went when none of them
    stays in the layer: with them when they all went one way, else out."""
    packages = sorted((f for f in parsed if f.is_package), key=lambda f: -f.module.count("."))
    for facts in packages:
        module = facts.module
        if module in roles or placed_of(module) != layer:
            continue
        under = [f.module for f in project.files if f.module.startswith(module + ".")]
        went = {roles.get(m) or placed_of(m) for m in under}
        if not under or layer in went or None in went:
            continue  # a module under it stays in the layer, or stays unlayered by name only
        destinations = {destination for destination in went if destination is not None}
        if len(destinations) == 1 and under[0] in evidence:
            roles[module], evidence[module] = destinations.pop(), evidence[under[0]]
        else:
            roles[module], evidence[module] = (
                LEFT_OUT_ROLE,
                f"{module}: its modules went to other layers or out",
            )


def _families_follow(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    imported: dict[str, set[str]],
) -> None:
    """A family of data-access classes takes one layer: the modules whose classes derive from one
    plain project class whose own methods take a database session, the base's module included,
    are all repository (or service) modules once `MIN_FAMILY_PLACED` of them are and none is in
    another layer. whombat's `api` package: each entity's `XAPI(BaseAPI)`; the ones building a
    query of their own were repository by content, the ones leaving every query to `BaseAPI`
    unlayered, bridges of one family to the other (LG103). One placed member is too few: a
    daemon or job base whose one subclass queries (phoenix's `DaemonTask`, airflow's
    `BaseJobRunner`) makes no data-access family."""
    layers = project.glob_layers
    families: dict[tuple[str, str], set[str]] = {}
    data_access_bases: dict[tuple[str, str], bool] = {}  # each base judged once, not per subclass
    for facts in parsed:
        for cls in facts.classes:
            if not cls.module_level:
                continue
            for ancestor in project.symbols.ancestors(cls, facts):
                if isinstance(ancestor, str) or ancestor[1].module == facts.module:
                    continue
                base_class, base_facts = ancestor
                key = (base_facts.module, base_class.qualname)
                if key not in data_access_bases:
                    data_access_bases[key] = class_kind(
                        base_class, base_facts, project.symbols
                    ) == CLASS and _takes_sessions_in(base_class, base_facts, project)
                if data_access_bases[key]:
                    families.setdefault(key, set()).add(facts.module)
    found: dict[str, tuple[str, str, int]] = {}
    for (base_module, base), members in sorted(families.items()):
        family = members | {base_module}
        kinds = {held for m in family if (held := _content_layer(m, roles, layers)) is not None}
        layer = kinds.pop() if len(kinds) == 1 else None
        if layer not in (REPOSITORY, SERVICE):
            continue
        count = sum(1 for m in family if _content_layer(m, roles, layers) == layer)
        if count < MIN_FAMILY_PLACED:
            continue
        for module in sorted(family):
            if not _unplaced(module, roles, evidence, layers):
                continue
            reached = {_content_layer(m, roles, layers) for m in imported.get(module, ())}
            above = {ENDPOINT} if layer == SERVICE else {ENDPOINT, SERVICE}
            if not reached & above and not _imports_http(project.symbols.modules[module]):
                found.setdefault(module, (layer, base, count))
    for module, (layer, base, count) in found.items():
        roles[module], evidence[module] = layer, f"classes of the `{base}` family ({count} {layer} modules)"


def _siblings_follow(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    imported: dict[str, set[str]],
    barred: frozenset[str],
) -> None:
    """An unplaced module that the routes reach through unlayered modules (an LG103 bridge),
    beside at least `MIN_SIBLINGS_PLACED` repository modules of its package, that imports
    sqlalchemy or sqlmodel, takes DB sessions in its module-level functions and uses at run time
    the tables or repository code (`_uses_data_access`) is the package's data access too,
    unless it imports an endpoint or a service module, speaks HTTP or enqueues jobs. whombat's
    `api/io/aoef/` (its AOEF import): `common.py`, `users.py`, `tags.py` … build their queries,
    `clips.py`, `recordings.py` … hand the session to them with the rows they build; unlayered,
    each was an LG103 bridge from the import routes (the seed-34 audit: 9 false findings). A
    guess: `detect` keeps it only where the layer rules report nothing new with it (`_blamed`;
    airflow's `SerializedDAG`, which its tables import, stays out)."""
    layers = project.glob_layers
    reached = _reached_from_routes(project, parsed, roles, imported)
    by_package: dict[str, list[FileFacts]] = {}
    for facts in parsed:
        if not facts.is_package and facts.module in reached and facts.module not in barred:
            by_package.setdefault(facts.module.rpartition(".")[0], []).append(facts)
    repositories = Counter(
        f.module.rpartition(".")[0]
        for f in parsed
        if not f.is_package and _content_layer(f.module, roles, layers) == REPOSITORY
    )
    found: dict[str, int] = {}
    for package, members in by_package.items():
        placed = repositories[package]
        if placed < MIN_SIBLINGS_PLACED:
            continue
        for facts in members:
            module = facts.module
            if not _unplaced(module, roles, evidence, layers) or not _imports_db(facts):
                continue
            if not any(
                _session_params(f, facts, project)
                for f in facts.functions
                if f.class_name is None and not f.nested
            ):
                continue
            above = {_content_layer(m, roles, layers) for m in imported.get(module, ())} & {ENDPOINT, SERVICE}
            if above or _imports_http(facts) or _enqueues_jobs(facts):
                continue
            if _uses_data_access(facts, project, roles):
                found[module] = placed
    for module, placed in found.items():
        roles[module], evidence[module] = REPOSITORY, f"{SIBLING_DATA_ACCESS} ({placed} of them)"


def _reached_from_routes(
    project: ProjectView, parsed: list[FileFacts], roles: dict[str, str], imported: dict[str, set[str]]
) -> set[str]:
    """The unlayered modules the endpoint modules reach through another unlayered module: a
    module of an LG103 chain that is no chain's first step (one the routes import directly would
    be an LG102 as data access). Chains stop at wiring, as LG103's do."""
    layers = project.glob_layers

    def passable(module: str) -> bool:
        return (
            _content_layer(module, roles, layers) is None
            and roles.get(module) != WIRING_ROLE
            and not layers.is_wiring(module)
        )

    todo = [
        module
        for f in parsed
        if _content_layer(f.module, roles, layers) == ENDPOINT
        for module in imported.get(f.module, ())
        if passable(module)
    ]
    reached: set[str] = set()
    while todo:
        for module in imported.get(todo.pop(), ()):
            if module not in reached and passable(module):
                reached.add(module)
                todo.append(module)
    return reached


def _folders_say(
    nouns: dict[str, str],
    inside: dict[str, str],
    roles: dict[str, str],
    evidence: dict[str, str],
    layers: LayerMap,
) -> None:
    """What no content check placed goes where its folder says: a domain noun inside another
    layer's folder (`_named_inside_another_layer`), a module inside a package named for a layer
    (`_inside_layer_packages`)."""
    for module, layer in nouns.items():
        if module not in roles:
            named_as = layers.layer_of(module)
            roles[module], evidence[module] = layer, f"named as {named_as} inside a {layer} folder"
    for module, layer in inside.items():
        if module not in roles:
            roles[module], evidence[module] = layer, f"the name of their package ({layer})"


def _takes_sessions_in(cls: ClassFact, facts: FileFacts, project: ProjectView) -> bool:
    """A method defined in the class body takes a parameter typed as a database session."""
    return any(
        _session_params(function, facts, project)
        for function in facts.functions
        if function.class_name == cls.name and function.qualname.startswith(cls.qualname + ".")
    )


def _tables_module_role(facts: FileFacts, project: ProjectView) -> tuple[str, str]:
    """The layer of a module holding ORM tables: model, unless a class of its own keeps a DB
    session — the store or service over those tables, defined beside them (openhands'
    `sql_*_service.py`: `StoredX(Base)` and `SQLXService` with its `db_session: AsyncSession`;
    memgpt's `metadata.py` and its `MetadataStore`; the seed-39 audit, 20 false findings). Then
    the module is where that class is: service for a `*Service`, else repository. Its tables are
    model wherever they are (symbol-level layering). With the evidence for `init`'s comments."""
    keepers = [
        cls.name
        for cls in facts.classes
        if cls.module_level
        and class_kind(cls, facts, project.symbols) in (CLASS, DATA_CLASS)
        and _keeps_sessions(cls, facts, project)
    ]
    if not keepers:
        return MODEL, TABLE_CLASSES
    layer = SERVICE if all(name.endswith("Service") for name in keepers) else REPOSITORY
    return layer, TABLES_BESIDE_SESSIONS


def _keeps_sessions(cls: ClassFact, facts: FileFacts, project: ProjectView) -> bool:
    """The class declares an attribute typed as a DB session (`db_session: AsyncSession`, or
    `self.session = session` of such a parameter in `__init__`), or as a sessionmaker when the
    class is named as a store or a service (`SQLEventCallbackService`; a `Database` class
    holding the sessionmaker beside the tables is their setup), or its methods query sessions
    as class-based data access does (`_queries_in_methods`: memgpt's `MetadataStore` opens its
    own). A helper class whose methods merely take a session (datajunction's
    `VersionedQueryKey` beside its tables) keeps none."""
    if _declares_session(cls, facts, project):
        return True
    if cls.name.endswith(STORE_SUFFIXES) and any(
        _names_sessionmaker(t, facts, project) for t in _declared(cls)
    ):
        return True
    return _queries_in_methods(facts, project, cls.name)


def _declares_session(cls: ClassFact, facts: FileFacts, project: ProjectView) -> bool:
    """An attribute typed as a DB session: `db_session: AsyncSession`, or `self.session = session`
    of such a parameter in `__init__`."""
    return any(type_kind(t, facts, project.file_view) is not None for t in _declared(cls))


def _declared(cls: ClassFact) -> list[ExprFact]:
    """The types of the class's attributes: annotated fields, and `self.x = param` in `__init__`."""
    declared = [field.annotation for field in cls.fields if field.annotation is not None]
    return declared + [value for _, value in cls.init_attributes]


def _names_sessionmaker(declared: ExprFact, facts: FileFacts, project: ProjectView) -> bool:
    """`async_session_maker: async_sessionmaker` (openhands' `SQLEventCallbackService`)."""
    name = declared.qualified if declared.kind in ("name", "subscript") else None
    return name is not None and project.symbols.canonical_name(name, facts) in SESSIONMAKERS


def _unplaced(module: str, roles: dict[str, str], evidence: dict[str, str], layers: LayerMap) -> bool:
    """No glob and no content check placed it: unlayered, or left out of an endpoint folder for
    serving no route."""
    if module in roles:
        return roles[module] == LEFT_OUT_ROLE and evidence[module].endswith(NO_ROUTES)
    return layers.layer_of(module) is None and not layers.is_wiring(module)


def _hidden_from_api(route: RouteHandler) -> bool:
    """A route a function adds (a nested handler) with `include_in_schema=False`: a docs page, a
    health check or a redirect that a setup helper adds to the app it is given, beside the API.
    Such routes alone do not make a module an endpoint module (langchain-chatchat's
    `server/utils.py` adds offline docs pages among 900 lines of helpers; airflow's
    `core_api/app.py` and lnbits' `llms_txt.py` are app setup). A module-level router's hidden
    routes are its API still (litellm's `gateway_endpoints.py`: OAuth routes kept out of the docs)."""
    shown = registration_keyword(route, "include_in_schema")
    return route.function.nested and shown is not None and shown.text == "False"


def _inside_layer_packages(
    project: ProjectView, parsed: list[FileFacts], roles: dict[str, str]
) -> dict[str, str]:
    """Module -> layer for a module no glob places, inside a package a preset glob places by the
    package's own name (`**.repository` takes `db/repository/__init__.py`, not the modules in it:
    langchain-chatchat's `db/repository/`). The folder says what its modules are; content checks
    them as it checks the preset's plural folders (`_contradicted_repositories`). Also where a glob
    places the module by a folder above the package (`**.api.**` for `api/service/x.py`): the
    package is the nearer word. In a `service` package only the modules that use the data layer
    at run time themselves (fides' `api/service/`, 145 modules the routes call, left unlayered
    and so LG103 bridges, seed 37): a feature's `service` package (dbgpt-serve's) also holds
    clients, file stores and configuration. Not `model`: such a package is as often machine
    learning as tables."""
    layers = project.glob_layers
    packages: dict[str, str] = {}
    for layer in (REPOSITORY, SERVICE):
        configured = project.config.layer(layer)
        for facts in parsed:
            if (
                facts.is_package
                and configured is not None
                and layers.layer_of(facts.module) == layer
                and module_glob_matches(_deciding_glob(facts.module, configured.modules), facts.module)
                == facts.module.count(".")
            ):
                packages[facts.module] = layer
    found: dict[str, str] = {}
    for facts in parsed:
        module = facts.module
        if layers.is_wiring(module):
            continue
        parts = module.split(".")
        enclosing = [".".join(parts[:end]) for end in range(len(parts) - 1, 0, -1)]
        package = next((p for p in enclosing if p in packages), None)
        if package is None or _placed_deeper(module, package.count(".") - 1, project):
            continue
        if packages[package] == REPOSITORY or _uses_data_access(facts, project, roles):
            found[module] = packages[package]
    return found


def _named_inside_another_layer(project: ProjectView, parsed: list[FileFacts]) -> dict[str, str]:
    """Module -> layer for a module a preset glob takes only by its own name, inside a
    folder another preset layer's glob names (`services/repos.py`, `models/routers.py`): the
    deepest match makes a domain noun a layer; the folder says what the module is."""
    layers = project.glob_layers
    found: dict[str, str] = {}
    for facts in parsed:
        module = facts.module
        layer = layers.layer_of(module)
        config_layer = project.config.layer(layer) if layer else None
        if facts.is_package or config_layer is None:
            continue
        deciding = _deciding_glob(module, config_layer.modules)
        if module_glob_matches(deciding, module) != module.count("."):
            continue
        if layer == MODEL and any(is_table_class(c, facts, project.symbols) for c in facts.classes):
            continue  # tables are model wherever they sit (aim's `web/api/reports/models.py`)
        outer = [
            (depth, other.name)
            for other in project.config.layers
            if other.name != layer
            for glob in other.modules
            if (depth := module_glob_matches(glob, module)) is not None and depth >= 0
        ]
        if outer:
            found[module] = max(outer)[1]
    return found


def _placement(layers: LayerMap, nouns: dict[str, str]) -> Callable[[str], str | None]:
    """The preset's layer of a module, the enclosing folder's for a domain noun."""

    def placed_of(module: str) -> str | None:
        return nouns.get(module) or layers.layer_of(module)

    return placed_of


def _takes_sessions(facts: FileFacts, project: ProjectView) -> bool:
    """A module-level function of the module has a parameter typed as a database session."""
    return any(
        param.annotation is not None and type_kind(param.annotation, facts, project.file_view) is not None
        for function in facts.functions
        if not function.nested
        for param in function.params
    )


def _session_params(function: FunctionFact, facts: FileFacts, project: ProjectView) -> set[str]:
    return {
        param.name
        for param in function.params
        if param.annotation is not None and type_kind(param.annotation, facts, project.file_view) is not None
    }


def _queries_sessions(facts: FileFacts, project: ProjectView) -> bool:
    """A module-level function takes a DB session and queries it: calls `execute`, `scalars`,
    `get` … on that parameter, or the module builds `select`/`insert`/… statements."""
    functions = [f for f in facts.functions if f.class_name is None and not f.nested]
    taking = {id(f): _session_params(f, facts, project) for f in functions}
    public = [f for f in functions if not f.name.startswith("_")]
    # Data access is what the module is for: half its public functions take a session.
    if not public or 2 * sum(1 for f in public if taking[id(f)]) < len(public):
        return False
    if _imports_query_builders(facts):
        return True
    for call in facts.calls:
        if call.function is None or call.method not in QUERY_METHODS:
            continue
        params = taking.get(id(facts.functions[call.function]), set())
        if call.callee.partition(".")[0] in params:
            return True
    return False


def _data_access_evidence(facts: FileFacts, project: ProjectView) -> str:
    return SESSION_QUERIES if _queries_sessions(facts, project) else METHOD_QUERIES


def _queries_in_methods(facts: FileFacts, project: ProjectView, of_class: str | None = None) -> bool:
    """Class-based data access (zenml's `SqlZenStore`): the methods of its classes query a
    receiver known to be a DB session (`with Session(self.engine) as session:
    session.exec(...)`) at least `MIN_METHOD_QUERIES` times. In a module importing sqlalchemy or
    sqlmodel, a receiver named as a session counts too when the call is a query (`query`,
    `execute` …): mlrun's `SQLDB` takes an untyped `session` in its ~100 methods, mlflow's
    stores open theirs with `with self.ManagedSessionMaker() as session:` (seed 38). Rules never
    take a session by its name (SPEC §1); placing a module needs no such proof. `of_class`:
    only the methods of the module-level class of that name. Not the methods of a session class
    of the project's own (`_session_wrappers`), which pass the calls on."""
    if facts.is_package:
        return False
    named = _imports_db(facts)
    skipped = tuple(f"{name}." for name in _session_wrappers(facts, project))
    found = 0
    for call in facts.calls:
        if call.function is None or call.method not in QUERY_METHODS:
            continue
        function = facts.functions[call.function]
        if function.class_name is None:
            continue
        if of_class is not None and not function.qualname.startswith(f"{of_class}."):
            continue
        if skipped and function.qualname.startswith(skipped):
            continue
        if _on_named_session(call, named) or receiver_kind(call, facts, project.file_view) is not None:
            found += 1
            if found >= MIN_METHOD_QUERIES:
                return True
    return False


def _imports_upper(module: str, imported: dict[str, set[str]], layers: LayerMap) -> bool:
    """It imports a service or endpoint module: code above data access (a background task, an
    auth provider) that also runs queries."""
    return any(layers.layer_of(m) in (SERVICE, ENDPOINT) for m in imported.get(module, ()))


def _is_schema_module(facts: FileFacts, project: ProjectView, *, named_config_may_be: bool = True) -> bool:
    """Its module-level classes are Pydantic models (enums beside them), and it is no
    configuration module: the schema layer whatever its folder is called. Not a module of logic
    that also declares its payloads (skyvern's workflow blocks and copilot modules): one with a
    module-level `async def` or as many async methods as classes (I/O: a block's `execute`), or
    with more public functions than classes. A subclass of a builtin container beside the models
    does not stop it (zenml's `ServiceConnectorConfiguration(Dict[str, Any])`)."""
    classes = [c for c in facts.classes if c.module_level]
    if _is_config_module(facts, project, classes, may_be_schema=named_config_may_be):
        return False
    kinds = {
        class_kind(c, facts, project.symbols)
        for c in classes
        if not (ancestors := project.symbols.outside_ancestors(c, facts))
        or not set(ancestors) <= CONTAINER_BASES
    }
    if not (PYDANTIC in kinds and kinds <= {PYDANTIC, ENUM}):
        return False
    public = [
        f for f in facts.functions if f.class_name is None and not f.nested and not f.name.startswith("_")
    ]
    # I/O: a module-level `async def`, or as many async methods as classes (a block whose
    # `execute` is the module's point; lnbits' `Payment.check_status` beside 18 models is not).
    methods = sum(1 for f in facts.functions if f.is_async and f.class_name is not None and not f.nested)
    doing = any(f.is_async and f.class_name is None and not f.nested for f in facts.functions)
    return not doing and methods < len(classes) and len(public) <= len(classes)


def _is_config_module(
    facts: FileFacts, project: ProjectView, classes: list[ClassFact], *, may_be_schema: bool = True
) -> bool:
    """Named as configuration (`settings`, `config`), unless each of its Pydantic classes derives
    from a class of another schema module and none from `BaseSettings`: zenml's
    `models/v2/core/server_settings.py` holds the request and response models of the
    server-settings endpoints, built on `BaseUpdate` and `BaseResponse` of the schema module
    `models/v2/base/base.py`. (phoenix's `db/types/experiment_config.py`, built on a base beside
    other classes, stays configuration.) Without `may_be_schema`, the name alone decides: the
    base's module is judged so, which ends the recursion."""
    if not any(word in facts.module.rpartition(".")[2].lower() for word in CONFIG_NAMES):
        return False
    if not may_be_schema:
        return True
    symbols = project.symbols
    models = [c for c in classes if class_kind(c, facts, symbols) == PYDANTIC]
    if not models or any(SETTINGS_BASES.intersection(symbols.outside_ancestors(c, facts)) for c in classes):
        return True
    return not all(_derives_from_schema(c, facts, project) for c in models)


def _derives_from_schema(cls: ClassFact, facts: FileFacts, project: ProjectView) -> bool:
    """Its nearest project ancestor in another module is in a schema module."""
    for found in project.symbols.ancestors(cls, facts):
        if isinstance(found, tuple) and found[1].module != facts.module:
            return _is_schema_module(found[1], project, named_config_may_be=False)
    return False


def _schema_modules(project: ProjectView, parsed: list[FileFacts], roles: dict[str, str]) -> list[str]:
    """Unlayered modules of Pydantic models that an endpoint or service module imports (itself
    or through its package, `from app.schema import UserRead`): API schemas, where Pydantic
    payloads of an outside client, imported by nothing above, stay unlayered."""
    layers = project.glob_layers
    upper = {ENDPOINT, SERVICE}
    used: set[str] = set()
    for edge in project.edges:
        if _content_layer(edge.importer.module, roles, layers) in upper:
            used.add(edge.imported)
    return [
        facts.module
        for facts in parsed
        if facts.module not in roles
        and layers.layer_of(facts.module) is None
        and not layers.is_wiring(facts.module)
        and _is_schema_module(facts, project)
        and any(facts.module == u or (u.count(".") >= 1 and facts.module.startswith(u + ".")) for u in used)
    ]


def _sets_up_db(facts: FileFacts, project: ProjectView) -> bool:
    """It makes the engine or sessionmaker, or defines a function returning a session."""
    if any(call.method in {"create_engine", "sessionmaker"} for call in facts.calls):
        return True
    if any(
        a.value is not None
        and a.value.kind == "call"
        and (a.value.qualified or "").endswith(
            ("create_async_engine", "async_sessionmaker", "sessionmaker", "create_engine")
        )
        for a in facts.assignments
    ):
        return True
    return any(
        f.returns is not None
        and (
            type_kind(f.returns, facts, project.file_view) is not None
            or _names_wrapper(f.returns, facts, project)
        )
        for f in facts.functions
        if f.class_name is None and not f.nested
    )


def _names_wrapper(annotation: ExprFact, facts: FileFacts, project: ProjectView) -> bool:
    """The annotation names a session class of the project's own, of this module or another, at
    any depth (`-> ScopedSession`, `-> Iterator[ScopedSession]`)."""
    for name in annotation.names:
        found = project.symbols.resolve_class(name, facts)
        if found is not None and found[0].name in _session_wrappers(found[1], project):
            return True
    return False


def _session_wrappers(facts: FileFacts, project: ProjectView) -> set[str]:
    """The module-level classes that are a session of the project's own: they keep a DB session
    in an attribute typed as one, offer its transaction methods (`commit`, `rollback`) and two of
    its others, and use no table: generic over whatever they are given (cowork's `ScopedSession`:
    `exec`, `get`, `add`, `delete`, `commit`, `rollback` … on the Session it holds, with a tenant
    filter). A provider of one provides sessions, and its module is the database setup, not data
    access (seed 40: as a repository, 23 false findings at the routes taking
    `ScopedSessionDep`). A store offering the same methods names its tables
    (`self.session.get(Item, ident)`): data access."""
    if not any(f.name == "rollback" and f.class_name is not None for f in facts.functions):
        return set()  # the common case, decided without looking at each class
    methods: dict[str, set[str]] = {}
    for function in facts.functions:
        owner, _, name = function.qualname.rpartition(".")
        methods.setdefault(owner, set()).add(name)
    uses = {d.name: d.uses for d in facts.definitions}
    return {
        cls.name
        for cls in facts.classes
        if cls.module_level
        and methods.get(cls.qualname, set()) >= TRANSACTION_METHODS
        and len(methods[cls.qualname] & SESSION_METHODS) >= 2
        and _declares_session(cls, facts, project)
        and not any(_is_table_name(name, facts, project) for name in uses.get(cls.name, ()))
    }


def _is_table_name(name: str, facts: FileFacts, project: ProjectView) -> bool:
    found = project.symbols.resolve_class(name, facts)
    return found is not None and is_table_class(*found, project.symbols)


def _is_database_setup(facts: FileFacts, project: ProjectView, placed: str | None) -> bool:
    """The engine, sessionmaker or session providers every layer may use, and no store class
    querying them: unlayered or beside the routes (aim's `web/api/db.py`: engine, sessions,
    `get_session`), or in a database folder of the services (langflow's
    `services/database/utils.py`, whose validators its tables import: 3 LG101 as a service),
    where a session provider may also be one yielding the session it opened."""
    if placed in (None, ENDPOINT):
        provides = _sets_up_db(facts, project)
    else:
        provides = (
            placed == SERVICE
            and bool(DATA_ACCESS_FOLDERS.intersection(facts.module.split(".")[:-1]))
            and (_sets_up_db(facts, project) or _yields_sessions(facts, project))
        )
    return provides and not _queries_in_methods(facts, project)


def _yields_sessions(facts: FileFacts, project: ProjectView) -> bool:
    """A module-level function yields a session it opened, whatever its annotation says
    (langflow's `session_getter`: `session = AsyncSession(engine)`, `yield session`, has none,
    so `_sets_up_db` misses it)."""
    top_level = {i for i, f in enumerate(facts.functions) if f.class_name is None and not f.nested}
    return any(
        y.function in top_level and value_kind(y.made_by, facts, project.file_view) is not None
        for y in facts.yielded
    )


def _is_app_root(facts: FileFacts, project: ProjectView) -> bool:
    """It creates the FastAPI app (or an instance of a subclass) and includes or mounts routers."""
    if not any(call.method in {"include_router", "mount"} for call in facts.calls):
        return False
    creates = False
    for call in facts.calls:
        callee = (
            project.symbols.canonical_name(call.call.qualified or "", facts) if call.call.qualified else ""
        )
        if callee == "fastapi.FastAPI":
            creates = True
        elif callee:
            found = project.symbols.resolve_class(callee, facts)
            creates |= found is not None and "fastapi.FastAPI" in project.symbols.outside_ancestors(*found)
    return creates


def _imported_modules(project: ProjectView) -> dict[str, set[str]]:
    imported: dict[str, set[str]] = {}
    for edge in project.edges:
        imported.setdefault(edge.importer.module, set()).add(edge.imported)
    return imported


def _imports_db(facts: FileFacts) -> bool:
    return any(i.level == 0 and i.module.split(".")[0] in DB_PACKAGES for i in facts.imports)


# --- The preset's globs checked against content. ---


def narrowed_presets(
    project: ProjectView, roles: dict[str, str], evidence: dict[str, str]
) -> dict[str, Narrowing]:
    """Per layer whose preset globs take modules content puts elsewhere, the globs to write
    instead: the preset's that take none of them, and for each other one the widest folders
    (else the module names) of what it rightly took. Repeated until no glob takes a module of
    another role: what one layer lets go may fall into another's glob (`routers/v1/models.py`)."""
    narrowed: dict[str, Narrowing] = {}
    for _ in range(len(LAYER_NAMES) + 1):
        current = _narrowed_once(project, roles, evidence)
        if not current:
            break
        for layer, latest in current.items():
            before = narrowed.get(layer)
            narrowed[layer] = latest if before is None else _merged(before, latest)
        layers = tuple(
            replace(layer, modules=narrowed[layer.name].globs) if layer.name in narrowed else layer
            for layer in project.config.layers
        )
        project = ProjectView(replace(project.config, layers=layers), project.files, frozenset())
    return narrowed


def _merged(before: Narrowing, latest: Narrowing) -> Narrowing:
    """A layer narrowed twice: a glob narrowed again still stands for the preset's glob it came from."""
    origin = dict(before.narrowed)
    pairs = [(new, origin.get(old, old)) for new, old in latest.narrowed]
    pairs += [pair for pair in before.narrowed if pair[0] in latest.globs]
    return Narrowing(
        tuple(dict.fromkeys(latest.globs)),
        tuple(dict.fromkeys(pairs)),
        tuple(dict.fromkeys(before.left_out + latest.left_out)),
    )


def _narrowed_once(
    project: ProjectView, roles: dict[str, str], evidence: dict[str, str]
) -> dict[str, Narrowing]:
    layers = project.glob_layers
    narrowed: dict[str, Narrowing] = {}
    for layer in LAYER_NAMES:
        config_layer = project.config.layer(layer)
        if config_layer is None:
            continue

        def belongs(module: str, layer: str = layer) -> bool:
            # A models module of query functions stays unless its whole folder moves (argilla's
            # active-record `models/mixins.py` is part of the ORM classes).
            return roles.get(module) in (None, layer) or evidence.get(module) == QUERY_FUNCTIONS

        def wrong(module: str, layer: str = layer) -> bool:
            # Route modules move alone: their exact names win over the preset's globs.
            return not belongs(module, layer) and evidence.get(module) != ROUTE_HANDLERS

        taken: dict[str, list[str]] = {}
        for facts in project.files:
            if layers.layer_of(facts.module) == layer:
                taken.setdefault(_deciding_glob(facts.module, config_layer.modules), []).append(facts.module)
        bad = {glob for glob, modules in taken.items() if any(wrong(m) for m in modules)}
        if not bad:
            continue
        right = {m for modules in taken.values() for m in modules if belongs(m)}
        globs = [glob for glob in config_layer.modules if glob not in bad]
        replacements: list[tuple[str, str]] = []
        for glob in config_layer.modules:
            if glob in bad:
                found = sorted(m for m in taken[glob] if belongs(m))
                covered = _cover(found, glob, layer, right, project, roles)
                replacements += [(new, glob) for new in covered]
        out = sorted(m for glob in bad for m in taken[glob] if not belongs(m))
        narrowed[layer] = Narrowing(
            (*globs, *(new for new, _ in replacements)),
            tuple(replacements),
            _left_out_places(out, layer, project, roles, evidence),
        )
    return narrowed


def _deciding_glob(module: str, globs: tuple[str, ...]) -> str:
    """The glob of a layer that places the module: the deepest match, the first on a tie."""
    depths = [(module_glob_matches(glob, module), -i, glob) for i, glob in enumerate(globs)]
    return max((d, i, g) for d, i, g in depths if d is not None)[2]


def _cover(
    modules: list[str], glob: str, layer: str, right: set[str], project: ProjectView, roles: dict[str, str]
) -> list[str]:
    """The fewest globs taking `modules` (what `glob` rightly took) and nothing else of the
    layer's: for each module the outermost folder, from where `glob` matched it, holding only
    modules that belong in the layer, wiring, modules another layer places deeper, or modules
    content moves to another layer by their own name; else the module's own name."""
    layers = project.glob_layers
    chosen: list[str] = []
    for module in modules:
        if any(module_glob_matches(c, module) is not None for c in chosen):
            continue
        parts = module.split(".")
        start = module_glob_matches(glob, module)
        start = len(parts) - 1 if start is None or start < 0 else start
        for depth in range(start + 1, len(parts) + 1):
            folder = ".".join(parts[:depth])
            inside = _package_members(folder, project)
            # A few modules content moves to another layer go by their own (deeper) name; a folder
            # mostly of another layer's is that layer's folder (zenml's `zen_stores/schemas`).
            moved = [
                f for f in inside if f.module != folder and roles.get(f.module) in set(LAYER_NAMES) - {layer}
            ]
            if (
                len(inside) > 1
                and 2 * len(moved) < len(inside)
                and all(
                    f.module in right
                    or f in moved
                    or layers.is_wiring(f.module)
                    or _placed_deeper(f.module, depth - 1, project)
                    for f in inside
                )
            ):
                chosen.append(f"{folder}.**")
                break
        else:
            chosen.append(module)
    return chosen


def _placed_deeper(module: str, depth: int, project: ProjectView) -> bool:
    """Another layer's glob places the module with its last literal deeper than `depth`."""
    layer_name = project.glob_layers.layer_of(module)
    layer = project.config.layer(layer_name) if layer_name else None
    if layer is None:
        return False
    return any((found := module_glob_matches(g, module)) is not None and found > depth for g in layer.modules)


def _left_out_places(
    out: list[str], layer: str, project: ProjectView, roles: dict[str, str], evidence: dict[str, str]
) -> tuple[tuple[str, int, str], ...]:
    """What the narrowing left out of `layer`, grouped: the outermost folder (from where the
    preset's glob matched) all of whose modules of the layer went out for one reason, with the
    count and that reason; else the module alone."""
    out_set = set(out)
    layers = project.glob_layers
    config_layer = project.config.layer(layer)
    globs = config_layer.modules if config_layer is not None else ()
    folders: dict[str, tuple[int, str]] = {}
    places: dict[str, tuple[int, str]] = {}
    for module in out:
        if any(module == f or module.startswith(f + ".") for f in folders):
            continue
        why = _why_out(module, roles, evidence)
        parts = module.split(".")
        matched = module_glob_matches(_deciding_glob(module, globs), module) if globs else None
        for depth in range(max(2, (matched or 0) + 1), len(parts) + 1):
            folder = ".".join(parts[:depth])
            inside = [
                f.module for f in _package_members(folder, project) if layers.layer_of(f.module) == layer
            ]
            if len(inside) > 1 and all(m in out_set and _why_out(m, roles, evidence) == why for m in inside):
                folders[folder] = (len(inside), why)
                break
        else:
            places[module] = (1, why)
    places = {p: v for p, v in places.items() if not any(p.startswith(f + ".") for f in folders)}
    return tuple((place, count, why) for place, (count, why) in sorted({**places, **folders}.items()))


def _why_out(module: str, roles: dict[str, str], evidence: dict[str, str]) -> str:
    role = roles[module]
    reason = evidence[module].rpartition(": ")[2]
    if role == LEFT_OUT_ROLE:
        return f"left out: {reason}"
    return f"{'wiring' if role == WIRING_ROLE else role}: {reason}"


# --- Globs for what the preset misses. ---


def _additions(
    layer: str, found: list[str], project: ProjectView, roles: dict[str, str], evidence: dict[str, str]
) -> list[Addition]:
    """The globs to add to `layer` so that every module found there lands in it."""
    preset = project.glob_layers
    unlayered = [m for m in found if preset.layer_of(m) is None]
    moved = [m for m in found if preset.layer_of(m) not in (None, layer)]
    additions: list[Addition] = []

    def add(glob: str, modules: list[str], moved_from: str | None = None) -> None:
        held = Counter(evidence[m] for m in modules).most_common(1)[0][0]
        additions.append(Addition(glob, tuple(modules), held, moved_from))

    remaining = set(unlayered)
    # A folder of the layer first: `app.schema.**` says more than `**.read` and takes no
    # namesake elsewhere; a shared stem then groups modules spread over features.
    by_folder: dict[str, list[str]] = {}
    for module in sorted(remaining):
        folder = _widest_folder(layer, module, project, roles)
        if folder is not None:
            by_folder.setdefault(folder, []).append(module)
    for folder, modules in sorted(by_folder.items()):
        add(f"{folder}.**", modules)
        remaining -= {m for m in remaining if m == folder or m.startswith(folder + ".")}
    for glob, modules in _shared_stems(layer, sorted(remaining), project, roles).items():
        add(glob, modules)
        remaining -= set(modules)
    for module in sorted(remaining):
        add(module, [module])
    # Route handlers move a module on their own; other content moves only a whole folder.
    moved_by_folder: dict[str, list[str]] = {}
    for module in moved:
        folder = _moved_folder(layer, module, project, roles) if layer != ENDPOINT else module
        if folder is None and evidence[module] != QUERY_FUNCTIONS:
            # Content that contradicts the preset's layer moves a module alone; query functions
            # in a models folder move only with their whole folder (prefect).
            folder = module
        if folder is not None:
            moved_by_folder.setdefault(folder, []).append(module)
    for place, modules in sorted(moved_by_folder.items()):
        glob = place if modules == [place] else f"{place}.**"
        add(glob, modules, preset.layer_of(modules[0]))
    return additions


def _moved_folder(layer: str, module: str, project: ProjectView, roles: dict[str, str]) -> str | None:
    """The preset's layer folder of a module whose content belongs to another layer, when most
    of that folder does too; None when the module must move alone."""
    anchor = _anchor(module, project)
    if anchor is None or anchor[1] == module:
        return None
    placed, folder = anchor
    layers = project.glob_layers
    inside = [f for f in project.files if f.module.startswith(folder + ".") and not f.is_package]
    if any(roles.get(f.module) not in (None, layer) for f in inside):
        return None
    code = [f.module for f in inside if layers.layer_of(f.module) == placed]
    members = [m for m in code if roles.get(m) == layer]
    if len(members) < 2 or len(members) < FOLDER_SHARE * len(code):
        return None
    trial = LayerMap(_config_with(project.config, {layer: [Addition(f"{folder}.**", (), "")]}))
    return folder if all(trial.layer_of(m) == layer for m in code) else None


def _shared_stems(
    layer: str, unlayered: list[str], project: ProjectView, roles: dict[str, str]
) -> dict[str, list[str]]:
    """Glob -> modules: `**.views` when two or more packages name their module of this layer
    `views` and every module of that name is one: feature-sliced projects name modules by role.
    A namesake whose content says nothing is not swept in: tiled's two data-access `core`
    modules made `**.core`, which took `structures.core` (an enum and a dataclass),
    `server.core` (HTTP helpers) and `adapters.core` (an ABC; the seed-39 audit, 8 false)."""
    by_stem: dict[str, list[str]] = {}
    for module in unlayered:
        if "." in module and not project.by_module[module].is_package:
            by_stem.setdefault(module.rpartition(".")[2], []).append(module)
    shared = {}
    for stem, modules in sorted(by_stem.items()):
        if len(modules) < 2:
            continue
        namesakes = [f.module for f in project.files if f.module.rpartition(".")[2] == stem]
        # `**.users` unless it would take a module not found in this layer; then the narrowest
        # glob around the modules found (`app.api.**.users`); else none (each module by itself).
        prefix = _common_prefix(modules)
        for glob in (f"**.{stem}", f"{prefix}.**.{stem}" if prefix else ""):
            taken = [m for m in namesakes if glob and module_glob_matches(glob, m) is not None]
            if glob and all(roles.get(m) == layer for m in taken):
                shared[glob] = modules
                break
    return shared


def _common_prefix(modules: list[str]) -> str:
    """The dotted package that every module is inside (`app.api` for `app.api.v1.users` and
    `app.api.v2.users`), "" when there is none below the top-level package."""
    split = [m.split(".")[:-1] for m in modules]
    common: list[str] = []
    for parts in zip(*split, strict=False):  # as long as the shortest
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return ".".join(common) if len(common) >= 2 else ""


def _widest_folder(layer: str, module: str, project: ProjectView, roles: dict[str, str]) -> str | None:
    """The outermost package (below the top-level one) around `module` whose unlayered modules
    are mostly of this layer and hold nothing of another; None when there is none."""
    parts = module.split(".")
    for depth in range(2, len(parts)):
        folder = ".".join(parts[:depth])
        if _is_layer_folder(layer, folder, project, roles):
            return folder
    return None


def _is_layer_folder(layer: str, folder: str, project: ProjectView, roles: dict[str, str]) -> bool:
    layers = project.glob_layers
    inside = [
        f
        for f in project.files
        if (f.module == folder or f.module.startswith(folder + ".")) and not layers.is_wiring(f.module)
    ]
    if any(roles.get(f.module) not in (None, layer) for f in inside):
        return False
    code = [f.module for f in inside if not f.is_package and layers.layer_of(f.module) is None]
    members = [m for m in code if roles.get(m) == layer]
    if len(members) < 2 or len(members) < FOLDER_SHARE * len(code):
        return False
    # The glob must not take a module the preset's globs placed elsewhere.
    trial = LayerMap(_config_with(project.config, {layer: [Addition(f"{folder}.**", (), "")]}))
    return all(
        trial.layer_of(f.module) == layers.layer_of(f.module) for f in inside if layers.layer_of(f.module)
    )


def _checked(
    additions: dict[str, list[Addition]],
    project: ProjectView,
    roles: dict[str, str],
    evidence: dict[str, str],
) -> dict[str, list[Addition]]:
    """Every glob checked against every module of the project: a glob that would place a
    module whose content says another role (a data-access module, a composition root, the
    database setup) in its layer is replaced by the modules it was made for."""
    checked = {layer: list(found) for layer, found in additions.items()}
    while True:
        trial = LayerMap(_config_with(project.config, checked))
        wrong = next(
            (
                (layer, addition)
                for layer, found in checked.items()
                for addition in found
                if addition.glob not in addition.modules
                and any(
                    module_glob_matches(addition.glob, f.module) is not None
                    and trial.layer_of(f.module) == layer
                    and roles.get(f.module) not in (None, layer)
                    for f in project.files
                )
            ),
            None,
        )
        if wrong is None:
            return checked
        layer, addition = wrong
        exact = [Addition(m, (m,), evidence[m], addition.moved_from) for m in addition.modules]
        checked[layer] = [a for a in checked[layer] if a is not addition] + exact


def _config_with(config: Config, additions: dict[str, list[Addition]]) -> Config:
    layers = tuple(
        Layer(
            layer.name, layer.modules + tuple(a.glob for a in additions.get(layer.name, ())), layer.may_import
        )
        for layer in config.layers
    )
    return replace(config, layers=layers)


# --- What the final layer map looks like. ---


def _anchor(module: str, project: ProjectView) -> tuple[str, str] | None:
    """(layer, place): the folder its layer's glob names, or the module itself when the glob
    names the module (a module named by its role, or listed by name)."""
    layer_name = project.glob_layers.layer_of(module)
    layer = project.config.layer(layer_name) if layer_name else None
    if layer is None:
        return None
    depths = [d for d in (module_glob_matches(p, module) for p in layer.modules) if d is not None and d >= 0]
    segments = module.split(".")
    deepest = max(depths, default=len(segments) - 1)
    return layer.name, ".".join(segments[: deepest + 1])


def _places(project: ProjectView, parsed: list[FileFacts]) -> dict[str, list[tuple[str, int]]]:
    """Per layer, its folders (and modules placed by name) with their module counts, as `check`
    reads the layers (a module a model glob takes without an ORM class is no model module: agno's
    constants under `models/` were counted as model, the seed-36 audit); a place inside another
    place of the same layer counts towards the outer one."""
    anchors: dict[str, list[str]] = {layer: [] for layer in LAYER_NAMES}
    for facts in parsed:
        anchor = _anchor(facts.module, project) if not facts.is_package else None
        if anchor is not None and anchor[0] in anchors and project.layers.layer_of(facts.module) == anchor[0]:
            anchors[anchor[0]].append(anchor[1])
    places = {}
    for layer, found in anchors.items():
        outer = sorted(set(found), key=len)
        counts = Counter(next(p for p in outer if place == p or place.startswith(p + ".")) for place in found)
        places[layer] = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return places


def _endpoint_folders_without_routes(
    places: dict[str, list[tuple[str, int]]], parsed: list[FileFacts], project: ProjectView
) -> tuple[str, ...]:
    """Endpoint folders of two or more modules with no route handler, router or route
    registration in them: placed by their name only, worth a look."""
    serving = {
        facts.module
        for facts in parsed
        if find_route_handlers(facts, project.symbols)
        or any(call.method in APP_WIRING_CALLS for call in facts.calls)
    }
    return tuple(
        place
        for place, count in places[ENDPOINT]
        if count >= 2 and not any(m == place or m.startswith(place + ".") for m in serving)
    )


def _shape(project: ProjectView, parsed: list[FileFacts]) -> str:
    """Classic (layer folders), feature-sliced (feature packages holding a module per role), both."""
    folder_layers: set[str] = set()
    feature_layers: dict[str, set[str]] = {}
    for facts in parsed:
        anchor = _anchor(facts.module, project) if not facts.is_package else None
        if anchor is None:
            continue
        layer, place = anchor
        if place == facts.module:
            feature_layers.setdefault(place.rpartition(".")[0], set()).add(layer)
        else:
            folder_layers.add(layer)
    classic = len(folder_layers) >= 2
    sliced = sum(1 for layers in feature_layers.values() if len(layers) >= 2) >= 2
    if classic and sliced:
        return "classic and feature-sliced"
    return "classic" if classic else "feature-sliced" if sliced else ""


def _pydantic_elsewhere(project: ProjectView, parsed: list[FileFacts], preset: LayerMap) -> tuple[str, ...]:
    """Unlayered modules defining pydantic models (settings excepted), for the guidance."""
    found = []
    for facts in parsed:
        if project.glob_layers.layer_of(facts.module) is not None or preset.is_wiring(facts.module):
            continue
        for cls in facts.classes:
            if cls.module_level and is_pydantic_model(cls, facts, project.symbols):
                found.append(facts.module)
                break
    return tuple(found)


def _mixed_modules(project: ProjectView, parsed: list[FileFacts]) -> tuple[str, ...]:
    """Modules that define ORM tables and Pydantic models (the SQLModel idiom)."""
    mixed = []
    for facts in parsed:
        kinds = {class_kind(c, facts, project.symbols) for c in facts.classes if c.module_level}
        if TABLE in kinds and PYDANTIC in kinds:
            mixed.append(facts.module)
    return tuple(mixed)


def _side_unsure(sides: tuple[SidePackage, ...]) -> tuple[Unsure, ...]:
    """An unsure line per package beside the server, with the exclude that would skip it."""
    return tuple(
        Unsure(
            f"{side.module} is {side.reason}: left out of every layer.",
            f'To leave it out of the check too: extend-exclude = ["{side.glob}"]',
        )
        for side in sides
    )


def _unsure(
    project: ProjectView,
    parsed: list[FileFacts],
    roles: dict[str, str],
    evidence: dict[str, str],
    mixed_logic: tuple[str, ...] = (),
) -> tuple[Unsure, ...]:
    """Placements content does not confirm, grouped, each group with the line that changes one."""
    layers = project.glob_layers
    no_orm: list[str] = []
    pydantic_beside: list[str] = []
    lone_services: list[str] = []
    by_content = sorted(
        {
            _module_folder(m)
            for m, why in evidence.items()
            if why == SERVICE_FUNCTIONS and m in project.by_module and not project.by_module[m].is_package
        }
    )
    imported = _imported_modules(project)
    for facts in parsed:
        module = facts.module
        classes = [c for c in facts.classes if c.module_level]
        layer = layers.layer_of(module)
        if layer == SERVICE and module.rpartition(".")[2] in ("services", "service") and not facts.is_package:
            reach = {_content_layer(m, roles, layers) for m in imported.get(module, ())}
            if not (_imports_db(facts) or _takes_sessions(facts, project) or reach & {MODEL, REPOSITORY}):
                lone_services.append(module)
        if layer == MODEL and classes and module not in roles:
            if not _defines_orm(facts, project):
                no_orm.append(module)
        elif layer is None and not layers.is_wiring(module) and module not in roles:
            named_as_config = any(word in module.rpartition(".")[2].lower() for word in CONFIG_NAMES)
            if not named_as_config and any(is_pydantic_model(c, facts, project.symbols) for c in classes):
                pydantic_beside.append(module)
    found = []
    for folder in by_content:
        found.append(
            Unsure(
                f"{folder} is the service layer by content ({SERVICE_FUNCTIONS}): nothing else is "
                "named as one.",
                f'If it only reads and writes the database, it is the repository layer: move "{folder}.**" '
                "to [tool.layerguard.layers.repository] modules",
            )
        )
    if lone_services:
        found.append(
            Unsure(
                f"{_count(lone_services, 'module')} named as services never reach a repository, model, "
                f"session or sqlalchemy ({_shown(lone_services)}): kept in the service layer by name.",
                "If one is no service module (a process launcher, a client): list the service modules "
                "in [tool.layerguard.layers.service] modules instead of the preset's globs, e.g. "
                f'"{_module_folder(lone_services[0])}.**" without "{lone_services[0]}"',
            )
        )
    if no_orm:
        found.append(
            Unsure(
                f"{_count(no_orm, 'module')} in models folders define no ORM class ({_shown(no_orm)}): "
                "not model modules; imports of their names take their own kind (a Pydantic model is "
                "schema).",
                "To make one a model module: add it to [tool.layerguard.layers.model] modules, e.g. "
                f'"{no_orm[0]}"',
            )
        )
    beside_routes = sorted(
        m for m, why in evidence.items() if why.endswith(QUERIES_BESIDE_ROUTES) and roles[m] == LEFT_OUT_ROLE
    )
    if beside_routes:
        found.append(
            Unsure(
                f"{_count(beside_routes, 'module')} beside the routes with functions taking a DB "
                f"session and building queries ({_shown(beside_routes)}): no endpoint modules, and "
                "not ones the data-access check could place as repository modules either: left "
                "unlayered.",
                "To make one a service module: add it to [tool.layerguard.layers.service] modules, "
                f'e.g. "{beside_routes[0]}"',
            )
        )
    if mixed_logic:
        found.append(
            Unsure(
                f"{_count(list(mixed_logic), 'module')} with Pydantic models and the logic that runs them "
                f"({_shown(list(mixed_logic))}; {ORCHESTRATES}): neither schema nor service, left "
                "unlayered.",
                "To make one a service module: add it to [tool.layerguard.layers.service] modules, "
                f'e.g. "{mixed_logic[0]}"',
            )
        )
    if pydantic_beside:
        found.append(
            Unsure(
                f"{_count(pydantic_beside, 'module')} define Pydantic models beside other classes, or "
                f"are imported by no endpoint or service ({_shown(pydantic_beside)}): left unlayered.",
                "To make one a schema module: add it to [tool.layerguard.layers.schema] modules, e.g. "
                f'"{pydantic_beside[0]}"',
            )
        )
    return tuple(found)


def _dropped_unsure(
    barred: frozenset[str], final: ProjectView, guessed_as: dict[str, str]
) -> tuple[Unsure, ...]:
    """An unsure line for the services found by who calls them (`_endpoint_services`), and one
    for the data access found by its package (`_siblings_follow`), that were dropped because the
    layer rules would report something new with them (`_blamed`): a user may still want one in
    that layer, and see its findings."""
    dropped = [m for m in sorted(barred) if final.glob_layers.layer_of(m) is None]
    said = []
    for layer, one_says, many_say in (
        (
            SERVICE,
            "looks like a service (it uses models or repositories, and other code of the app), "
            "but as a service it",
            "look like services (they use models or repositories, and other code of the app), "
            "but as services they",
        ),
        (
            REPOSITORY,
            "looks like data access (it takes DB sessions and uses the repository modules beside it), "
            "but as a repository it",
            "look like data access (they take DB sessions and use the repository modules beside them), "
            "but as repositories they",
        ),
    ):
        modules = [m for m in dropped if guessed_as.get(m, SERVICE) == layer]
        if modules:
            said.append(
                Unsure(
                    f"{_count(modules, 'module')} the routes call "
                    f"{one_says if len(modules) == 1 else many_say}"
                    f" would make the layer rules report something new ({_shown(modules)}): left unlayered.",
                    f"To make one a {layer} module anyway, and see those findings: add it to "
                    f'[tool.layerguard.layers.{layer}] modules, e.g. "{modules[0]}"',
                )
            )
    return tuple(said)


def _module_folder(module: str) -> str:
    return module.rpartition(".")[0] or module


def _count(items: list[str], noun: str) -> str:
    return f"{len(items)} {noun}{'s' if len(items) != 1 else ''}"


def _naming(project: ProjectView) -> Naming:
    """The style that three in four entity-named candidates follow (file name and promised
    class: neither LG801 nor LG802), else off."""
    candidates = [
        c for c in (layer_folder_module(f, project.file_view) for f in project.files) if c is not None
    ]
    following = {style: sum(1 for c in candidates if follows_style(c, style)) for style in STYLES}
    best = max(STYLES, key=lambda style: following[style])
    chosen = best if candidates and following[best] >= NAMING_SHARE * len(candidates) else "off"
    deviations = tuple(sorted(c.facts.module for c in candidates if not follows_style(c, best)))
    return Naming(chosen, len(candidates), following, deviations)


# --- Session providers and target version. ---


def session_providers(project: ProjectView, parsed: list[FileFacts]) -> tuple[Provider, ...]:
    """What `Depends(...)` gets sessions from: project functions that return a Session or
    AsyncSession (or an iterator or context manager of one), and any provider, the project's or
    a library's, that feeds a parameter or alias typed as a session."""
    found: dict[tuple[str, str], Provider] = {}
    for facts in parsed:
        for provider in _depends_targets(facts):
            resolved = project.symbols.resolve(provider, facts) if provider else None
            function = resolved[0] if resolved is not None else None
            if resolved is None or not isinstance(function, FunctionFact) or function.returns is None:
                continue
            where = resolved[1]
            kind = type_kind(function.returns, where, project.file_view)
            if kind is not None:
                found[(where.module, function.name)] = Provider(function.name, where.module, kind.value)
        for provider, kind_name in _typed_providers(facts, project):
            resolved = project.symbols.resolve(provider, facts)
            module, _, name = provider.rpartition(".")
            if resolved is not None:
                module, name = resolved[1].module, provider.rpartition(".")[2]
            found.setdefault((module, name), Provider(name, module or facts.module, kind_name, "feeds"))
    return tuple(found[key] for key in sorted(found))


def _typed_providers(facts: FileFacts, project: ProjectView) -> Iterable[tuple[str, str]]:
    """(provider, session kind) for `db: AsyncSession = Depends(p)`,
    `db: Annotated[AsyncSession, Depends(p)]` and `DbSession = Annotated[AsyncSession, Depends(p)]`."""
    typed: list[tuple[ExprFact, tuple[ExprFact | None, ...]]] = [
        (param.annotation, (param.annotation, param.default))
        for function in facts.functions
        for param in function.params
        if param.annotation is not None
    ]
    typed += [
        (a.value, (a.value,))
        for a in facts.assignments
        if a.value is not None and a.value.kind == "subscript"
    ]
    for annotation, carriers in typed:
        providers = [p for carrier in carriers if carrier is not None for p in carrier.depends if p]
        kind = type_kind(annotation, facts, project.file_view) if providers else None
        if kind is not None:
            yield from ((provider, kind.value) for provider in providers)


def _depends_targets(facts: FileFacts) -> Iterable[str]:
    """Every provider named in a `Depends(...)` of the file: parameters, decorators, aliases,
    class fields."""
    expressions: list[ExprFact | None] = []
    for function in facts.functions:
        expressions += function.decorators
        expressions += [e for p in function.params for e in (p.annotation, p.default)]
    expressions += [e for a in facts.assignments for e in (a.value, a.annotation)]
    expressions += [e for c in facts.classes for field in c.fields for e in (field.annotation, field.value)]
    for expression in expressions:
        if expression is not None:
            yield from expression.depends


def target_version(root: Path) -> Target:
    """The lowest Python the project supports, and where that was read."""
    pyproject = root / PYPROJECT
    document = read_toml(pyproject) if pyproject.is_file() else {}
    inferred = inferred_target_version(root, document)
    return Target(*inferred) if inferred is not None else Target(None, "")


# --- The section. ---


def render(detection: Detection) -> str:
    """The `[tool.layerguard]` section: keys with a comment each, then the layer tables."""
    lines = ["[tool.layerguard]"]
    lines += _comment(_found_line(detection))
    lines += _layers_overview(detection)
    lines += _target_lines(detection.target)
    lines += _naming_lines(detection.naming)
    lines += _provider_lines(detection.providers)
    lines += _auth_lines(detection.auth)
    lines += _exclude_lines(detection.excludes)
    lines += _wiring_lines(
        detection.app_roots,
        detection.api_schemas,
        detection.locators,
        detection.contexts,
        detection.auth_modules,
    )
    lines += _mixed_lines(detection.mixed)
    lines += _unsure_lines(detection.unsure)
    for layer in LAYER_NAMES:
        if layer in detection.additions or layer in detection.narrowed:
            additions = detection.additions.get(layer, [])
            lines += ["", *_layer_table(layer, additions, detection.narrowed.get(layer))]
    return "\n".join(lines) + "\n"


def _comment(text: str, indent: str = "", *, break_on_hyphens: bool = True) -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent="# " + indent,
        subsequent_indent="# " + indent + "  ",
        break_on_hyphens=break_on_hyphens,
    )


def _agreeing(what: str, count: int) -> str:
    """`what` (a phrase of verbs in the third person: "creates the FastAPI app and includes its
    routers") said of `count` modules."""
    if count == 1:
        return what
    return " ".join(PLURAL_VERBS.get(word, word) for word in what.split(" "))


def _shown(names: list[str], total: int | None = None) -> str:
    total = len(names) if total is None else total
    more = f" and {total - SHOWN} more" if total > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


def _found_line(detection: Detection) -> str:
    packages = detection.packages
    where = "under src/" if detection.source_layout == "src" else "at the project root"
    package_text = (
        f"package{'s' if len(packages) != 1 else ''} {_shown(list(packages))}" if packages else "no package"
    )
    found = f"Detected by `layerguard init` in {detection.files} Python files: {package_text} {where}"
    if not any(detection.places.values()):
        return (
            f"{found}. It could not classify this project: no route handlers, no SQLAlchemy or "
            "SQLModel table classes, no *Repository or *Service classes over the database, and "
            "no folder or module the fortress preset's globs match (api, endpoints, routes, routers, "
            "controllers, services, repositories, repos, crud, schemas, models)."
        )
    shape = f"; layout: {detection.shape}" if detection.shape else ""
    return f"{found}{shape}. Modules per layer:"


def _layers_overview(detection: Detection) -> list[str]:
    lines: list[str] = []
    missing = [layer for layer in LAYER_NAMES if not detection.places[layer]]
    if len(missing) < len(LAYER_NAMES):
        for layer in LAYER_NAMES:
            places = detection.places[layer]
            text = _shown([f"{place} ({count})" for place, count in places]) if places else "none found"
            lines += textwrap.wrap(
                text, WIDTH, initial_indent=f"#   {layer:<12}", subsequent_indent="#" + " " * 15
            )
        moved = any(a.moved_from for found in detection.additions.values() for a in found)
        lines += _comment(
            "The preset's globs miss some of them: see the [layers] tables below."
            if detection.additions
            else "The fortress preset's globs place every module found: no [layers] table is needed."
        )
        if moved:
            lines += _comment("Modules with route handlers are endpoint modules, whatever their folder.")
        if detection.endpoint_folders_without_routes:
            folders = list(detection.endpoint_folders_without_routes)
            verb = "is an endpoint folder" if len(folders) == 1 else "are endpoint folders"
            lines += _comment(
                f"Worth a look: {_shown(folders)} {verb} by name only, with no route handler, "
                "router or route registration in it."
            )
    lines += _guidance(detection, missing)
    return lines


def _guidance(detection: Detection, missing: list[str]) -> list[str]:
    """What to fill in for the layers nothing was found for."""
    if not missing:
        return []
    package = detection.packages[0] if detection.packages else "app"
    lines = _comment(
        f"To fill in: nothing was found for {', '.join(missing)}. If the project has them, "
        "add their globs (dotted module names; * is one segment, ** any number), for example:"
    )
    lines += [f"#   [tool.layerguard.layers.{missing[0]}]", f'#   modules = ["{package}.<folder>.**"]']
    if SCHEMA in missing and detection.pydantic_elsewhere:
        modules = list(detection.pydantic_elsewhere)
        lines += _comment(
            f"Pydantic models are defined in {len(modules)} unlayered module"
            f"{'s' if len(modules) != 1 else ''} ({_shown(modules)}): if some hold your API "
            "schemas, they are the schema layer."
        )
    return lines


def _target_lines(target: Target) -> list[str]:
    if target.version is not None:
        name = f"py3{target.version[1]}"
        return [
            "#",
            *_comment(f"target-version: {name}, from {target.source}, which layerguard reads itself."),
        ]
    return [
        "#",
        *_comment(
            "target-version: no requires-python, Poetry python or .python-version found; py310 is "
            "layerguard's default. Set the oldest Python the project supports."
        ),
        'target-version = "py310"',
    ]


def _naming_lines(naming: Naming) -> list[str]:
    total = naming.candidates
    folders = "modules directly in model, schema, repository and service folders"
    deviations = _shown(list(naming.deviations))
    if total == 0:
        text = (
            f"naming: off. There are no {folders} (modules are named by their role, or there are "
            "no such folders), so LG801-LG803 have nothing to check."
        )
    elif naming.style != "off":
        others = len(naming.deviations)
        text = (
            f'naming: {naming.following[naming.style]} of {total} {folders} follow "{naming.style}" '
            "(file name, and the class it promises)"
        )
        text += (
            f"; LG801/LG802 report the other{'s' if others != 1 else ''}: {deviations}." if others else "."
        )
    else:
        counts = " and ".join(f'{naming.following[style]} "{style}"' for style in STYLES)
        text = (
            f"naming: off. Of {total} {folders}, {counts} (file name, and the class it promises): "
            f"no style is followed by three in four. Not following the best one: {deviations}."
        )
    return ["#", *_comment(text), f'naming = "{naming.style}"']


def _provider_lines(providers: tuple[Provider, ...]) -> list[str]:
    defaults = ", ".join(DEFAULT_PROVIDERS)
    if not providers:
        return [
            "#",
            *_comment(
                "session-providers: no function returning a Session or AsyncSession is used in "
                f"Depends(); the default names stay ({defaults})."
            ),
        ]
    described = "; ".join(
        f"{p.name} ({p.module}) returns {_a(p.kind)}"
        if p.how == "returns"
        else f"{p.name} ({p.module}) fills parameters typed {p.kind}"
        for p in providers
    )
    extra = sorted({p.name for p in providers} - set(DEFAULT_PROVIDERS))
    text = f"session-providers: used in Depends(): {described}."
    if not extra:
        return ["#", *_comment(text + " Default names: nothing to add.")]
    return [
        "#",
        *_comment(text + " Added to the defaults, so LG104 knows them."),
        "extend-session-providers = [" + ", ".join(json.dumps(name) for name in extra) + "]",
    ]


def _auth_lines(candidates: tuple[str, ...]) -> list[str]:
    """LG905 is off until `auth-dependencies` is set: propose, commented, what looks like auth."""
    if not candidates:
        text = (
            "auth-dependencies: LG905 (routes without authentication) is off until set; no "
            "Depends() provider here looks like authentication."
        )
        return ["#", *_comment(text)]
    text = (
        "auth-dependencies: LG905 (routes without authentication) is off until set. These Depends() "
        "providers look like authentication; check them, then uncomment:"
    )
    names = ", ".join(json.dumps(c) for c in candidates)
    if len(names) <= 70:
        return ["#", *_comment(text), f"# auth-dependencies = [{names}]"]
    wrapped = textwrap.wrap(names, width=90, break_long_words=False, break_on_hyphens=False)
    return ["#", *_comment(text), "# auth-dependencies = [", *(f"#     {line}" for line in wrapped), "# ]"]


def _exclude_lines(excludes: tuple[Exclude, ...]) -> list[str]:
    if not excludes:
        return []
    lines = [
        "#",
        *_comment("extend-exclude: folders that are not the app, so they get no layer and no findings:"),
    ]
    lines += [f"#   {e.glob}: {e.reason}" for e in excludes]
    return [*lines, "extend-exclude = [" + ", ".join(json.dumps(e.glob) for e in excludes) + "]"]


def _wiring_lines(
    app_roots: tuple[str, ...],
    api_schemas: tuple[str, ...] = (),
    locators: tuple[str, ...] = (),
    contexts: tuple[str, ...] = (),
    auth_modules: tuple[str, ...] = (),
) -> list[str]:
    if not app_roots:
        return []
    factories = [m for m in app_roots if m not in (*api_schemas, *locators, *contexts, *auth_modules)]
    said = [
        f"{_shown(list(modules))} {_agreeing(what, len(modules))}"
        for modules, what in (
            (factories, APP_ROOT),
            (api_schemas, API_SCHEMA),
            (locators, SERVICE_LOCATOR),
            (contexts, GRAPHQL_CONTEXT),
            (auth_modules, AUTH_PROVIDERS),
        )
        if modules
    ]
    lines = [
        "#",
        *_comment(
            f"wiring: {'; '.join(said)} (a composition root may import every "
            "layer; a docs or health route of its own does not make it an endpoint). This list "
            "replaces the default wiring globs, which come first."
        ),
    ]
    entries = ", ".join(json.dumps(glob) for glob in (*DEFAULT_WIRING, *app_roots))
    return [*lines, *textwrap.wrap(f"wiring = [{entries}]", WIDTH, subsequent_indent="    ")]


def _mixed_lines(mixed: tuple[str, ...]) -> list[str]:
    if not mixed:
        return []
    return [
        "#",
        *_comment(
            f"Mixed modules (ORM tables and Pydantic models in one module, the SQLModel idiom): "
            f"{_shown(list(mixed))}. layerguard classifies an import of them per name: a table is "
            "the model layer, a Pydantic model the schema layer."
        ),
    ]


def _unsure_lines(unsure: tuple[Unsure, ...]) -> list[str]:
    lines: list[str] = []
    for item in unsure:
        # Unbroken, so the line to change reads whole (`extend-exclude`, module names).
        lines += ["#", *_comment(f"unsure: {item.text} {item.change}.", break_on_hyphens=False)]
    return lines


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "AEIOU" else f"a {noun}"


def _layer_table(layer: str, additions: list[Addition], narrowing: Narrowing | None) -> list[str]:
    if narrowing is None:
        lines = _comment(
            f"{layer}: the fortress preset's globs (this list replaces them), then what they miss."
        )
        kept: tuple[str, ...] = PRESET_GLOBS[layer]
    else:
        dropped = sorted(
            {old for _, old in narrowing.narrowed} | (set(PRESET_GLOBS[layer]) - set(narrowing.globs))
        )
        lines = _comment(
            f"{layer}: the fortress preset's globs checked against content (this list replaces them): "
            f"{', '.join(json.dumps(g) for g in dropped)} also took modules that are no {layer} "
            "modules, so what they rightly took is listed instead, then what the preset misses. Left out:"
        )
        by_reason: dict[str, list[str]] = {}
        for place, count, why in narrowing.left_out:
            by_reason.setdefault(why, []).append(place if count == 1 else f"{place} ({count})")
        for why, places in sorted(by_reason.items()):
            lines += _comment(f"{why}: {_shown(places)}", "  ")
        kept = tuple(g for g in narrowing.globs if g in PRESET_GLOBS[layer])
    lines += [f"[tool.layerguard.layers.{layer}]", "modules = ["]
    if kept:
        preset = ", ".join(json.dumps(glob) for glob in kept)
        lines += textwrap.wrap(preset, WIDTH, initial_indent="    ", subsequent_indent="    ")
        lines[-1] += ","
    if narrowing is not None:
        for new, old in narrowing.narrowed:
            if any(
                a.glob.endswith(".**") and module_glob_matches(a.glob, new) is not None for a in additions
            ):
                continue  # an added folder glob takes it (`lnbits.core.views.**`)
            lines.append(f"    {json.dumps(new, ensure_ascii=False)},  # what {old} rightly takes")
    for addition in additions:
        lines.append(f"    {json.dumps(addition.glob, ensure_ascii=False)},  # {_reason(addition)}")
    lines.append("]")
    return lines


def _reason(addition: Addition) -> str:
    count = len(addition.modules)
    reason = f"{count} modules with {addition.evidence}" if count > 1 else addition.evidence
    return f"{reason}, though named as {addition.moved_from}" if addition.moved_from else reason
