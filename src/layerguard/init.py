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
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from layerguard.checks.naming import STYLES, follows_style, layer_folder_module
from layerguard.checks.routes import APP_WIRING_CALLS, find_route_handlers
from layerguard.checks.sessions import type_kind
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
from layerguard.model import Config, ExprFact, FileFacts, FunctionFact, Layer
from layerguard.presets import ENDPOINT, FORTRESS_LAYERS, MODEL, REPOSITORY, SCHEMA, SERVICE
from layerguard.symbol_kinds import (
    ENUM,
    ORM_KINDS,
    PYDANTIC,
    TABLE,
    class_kind,
    is_pydantic_model,
    is_table_class,
)
from layerguard.tomledit import TomlEditError, has_table, put_section

SECTION = ("tool", "layerguard")
LAYER_NAMES = tuple(layer.name for layer in FORTRESS_LAYERS)
PRESET_GLOBS = {layer.name: layer.modules for layer in FORTRESS_LAYERS}
DB_PACKAGES = frozenset({"sqlalchemy", "sqlmodel"})
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
SESSION_QUERIES = "functions that query the DB session they take"
PYDANTIC_MODELS = "Pydantic models that endpoints or services import"
APP_ROOT = "creates the FastAPI app and includes its routers"
DEFAULT_WIRING = Config(root=Path()).wiring
# Roles that are no layer: such a module is never swept into a layer's glob.
WIRING_ROLE = "wiring"  # a composition root
DB_SETUP_ROLE = "db-setup"  # engine, sessionmaker, session provider: the plumbing every layer may use
# Session methods that read or write the database (the calls the extractor records for LG302/LG305).
QUERY_METHODS = frozenset(
    {"execute", "scalars", "scalar", "get", "get_one", "exec", "stream", "stream_scalars", "query", "merge",
     "delete", "refresh", "flush", "commit"}
)  # fmt: skip
QUERY_BUILDERS = frozenset({"select", "insert", "update", "delete"})
# A composition root may hold a few routes of its own (docs, health) and still be wiring.
APP_ROOT_MAX_ROUTES = 3
# Folders of code that runs beside the app, never inside it: proposed for `extend-exclude` when
# no module outside them imports them.
SCRIPT_FOLDERS = frozenset(
    {"scripts", "script", "dev", "load_tests", "loadtests", "load_testing", "locust", "benchmarks",
     "benchmark", "examples", "example"}
)  # fmt: skip
# Names of configuration modules: their Pydantic models are settings-like, not API schemas.
CONFIG_NAMES = ("config", "settings", "conf")


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
    kept = tuple(f for f in loaded.files if not _excluded(f, root, excludes))
    project = ProjectView(config, kept, frozenset())
    parsed = [facts for facts in project.files if facts.parse_error is None]
    preset = project.layers
    roles, evidence = content_roles(project, parsed)
    app_roots = tuple(sorted(m for m, role in roles.items() if role == WIRING_ROLE))
    config = replace(config, wiring=config.wiring + app_roots)
    project = ProjectView(config, kept, frozenset())
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
        if final.layers.layer_of(module) != layer:
            additions[layer].append(Addition(module, (module,), evidence[module], preset.layer_of(module)))
    final = ProjectView(_config_with(config, additions), project.files, frozenset())
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
        unsure=_unsure(final, parsed, roles),
    )


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


def _excluded(facts: FileFacts, root: Path, excludes: tuple[Exclude, ...]) -> bool:
    relative = facts.path.relative_to(root).as_posix() if facts.path.is_relative_to(root) else ""
    return any(path_glob_matches(e.glob, relative) for e in excludes)


# --- Content roles. ---


def content_roles(project: ProjectView, parsed: list[FileFacts]) -> tuple[dict[str, str], dict[str, str]]:
    """Module -> the layer its content shows, and module -> what showed it, for the modules
    where content says something."""
    layers = project.layers
    imported = _imported_modules(project)
    roles: dict[str, str] = {}
    evidence: dict[str, str] = {}
    for facts in parsed:
        module = facts.module
        if layers.is_wiring(module) or not all(part.isidentifier() for part in module.split(".")):
            continue  # a module no import can name (`2024_01_01-init.py`) is no layer's
        routes = find_route_handlers(facts, project.symbols)
        if _is_app_root(facts, project) and len(routes) <= APP_ROOT_MAX_ROUTES:
            roles[module], evidence[module] = WIRING_ROLE, APP_ROOT
            continue
        if routes:
            roles[module], evidence[module] = ENDPOINT, ROUTE_HANDLERS
            continue
        tables = any(is_table_class(c, facts, project.symbols) for c in facts.classes)
        placed = layers.layer_of(module)
        if placed is None and tables:
            roles[module], evidence[module] = MODEL, TABLE_CLASSES
        elif placed == MODEL and not tables and _takes_sessions(facts, project):
            # A models folder of query functions (prefect's server/models) is data access.
            roles[module], evidence[module] = REPOSITORY, QUERY_FUNCTIONS
        elif placed is None and _sets_up_db(facts, project):
            roles[module], evidence[module] = DB_SETUP_ROLE, "engine, sessionmaker or session provider"
        elif (
            placed is None
            and _queries_sessions(facts, project)
            and not _imports_upper(module, imported, layers)
        ):
            roles[module], evidence[module] = REPOSITORY, SESSION_QUERIES
    for module in _schema_modules(project, parsed, roles):
        roles[module], evidence[module] = SCHEMA, PYDANTIC_MODELS

    def reaches(module: str, wanted: set[str]) -> bool:
        return any(roles.get(m) in wanted or layers.layer_of(m) in wanted for m in imported.get(module, ()))

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
    return roles, evidence


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
    builds = any(
        i.level == 0 and i.module.split(".")[0] in DB_PACKAGES and i.name in QUERY_BUILDERS
        for i in facts.imports
    )
    if builds:
        return True
    for call in facts.calls:
        if call.function is None or call.method not in QUERY_METHODS:
            continue
        params = taking.get(id(facts.functions[call.function]), set())
        if call.callee.partition(".")[0] in params:
            return True
    return False


def _imports_upper(module: str, imported: dict[str, set[str]], layers: LayerMap) -> bool:
    """It imports a service or endpoint module: code above data access (a background task, an
    auth provider) that also runs queries."""
    return any(layers.layer_of(m) in (SERVICE, ENDPOINT) for m in imported.get(module, ()))


def _is_schema_module(facts: FileFacts, project: ProjectView) -> bool:
    """Its module-level classes are Pydantic models (enums beside them), and it is no
    configuration module: the schema layer whatever its folder is called."""
    if any(word in facts.module.rpartition(".")[2].lower() for word in CONFIG_NAMES):
        return False
    kinds = {class_kind(c, facts, project.symbols) for c in facts.classes if c.module_level}
    return PYDANTIC in kinds and kinds <= {PYDANTIC, ENUM}


def _schema_modules(project: ProjectView, parsed: list[FileFacts], roles: dict[str, str]) -> list[str]:
    """Unlayered modules of Pydantic models that an endpoint or service module imports (itself
    or through its package, `from app.schema import UserRead`): API schemas, where Pydantic
    payloads of an outside client, imported by nothing above, stay unlayered."""
    layers = project.layers
    upper = {ENDPOINT, SERVICE}
    used: set[str] = set()
    for edge in project.edges:
        importer = edge.importer.module
        if roles.get(importer) in upper or layers.layer_of(importer) in upper:
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
        f.returns is not None and type_kind(f.returns, facts, project.file_view) is not None
        for f in facts.functions
        if f.class_name is None and not f.nested
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


# --- Globs for what the preset misses. ---


def _additions(
    layer: str, found: list[str], project: ProjectView, roles: dict[str, str], evidence: dict[str, str]
) -> list[Addition]:
    """The globs to add to `layer` so that every module found there lands in it."""
    preset = project.layers
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
        remaining -= set(modules)
    for glob, modules in _shared_stems(layer, sorted(remaining), project, roles).items():
        add(glob, modules)
        remaining -= set(modules)
    for module in sorted(remaining):
        add(module, [module])
    # Route handlers move a module on their own; other content moves only a whole folder.
    moved_by_folder: dict[str, list[str]] = {}
    for module in moved:
        folder = _moved_folder(layer, module, project, roles) if layer != ENDPOINT else module
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
    layers = project.layers
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
    `views` and no module of that name is anything else: feature-sliced projects name modules
    by role."""
    by_stem: dict[str, list[str]] = {}
    for module in unlayered:
        if "." in module and not project.by_module[module].is_package:
            by_stem.setdefault(module.rpartition(".")[2], []).append(module)
    shared = {}
    for stem, modules in sorted(by_stem.items()):
        if len(modules) < 2:
            continue
        namesakes = [f.module for f in project.files if f.module.rpartition(".")[2] == stem]
        # `**.users` unless it would take a module of another role; then the narrowest glob
        # around the modules found (`app.api.**.users`); else none (each module by itself).
        prefix = _common_prefix(modules)
        for glob in (f"**.{stem}", f"{prefix}.**.{stem}" if prefix else ""):
            taken = [m for m in namesakes if glob and module_glob_matches(glob, m) is not None]
            if glob and all(_joins(layer, m, project, roles) for m in taken):
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


def _joins(layer: str, module: str, project: ProjectView, roles: dict[str, str]) -> bool:
    """Whether a module may be swept into `layer` by a wider glob: it belongs there, or it is
    unlayered, not wiring, and its content says nothing else."""
    role = roles.get(module)
    if role is not None:
        return role == layer
    layers = project.layers
    return layers.layer_of(module) in (None, layer) and not layers.is_wiring(module)


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
    layers = project.layers
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
    layer_name = project.layers.layer_of(module)
    layer = project.config.layer(layer_name) if layer_name else None
    if layer is None:
        return None
    depths = [d for d in (module_glob_matches(p, module) for p in layer.modules) if d is not None and d >= 0]
    segments = module.split(".")
    deepest = max(depths, default=len(segments) - 1)
    return layer.name, ".".join(segments[: deepest + 1])


def _places(project: ProjectView, parsed: list[FileFacts]) -> dict[str, list[tuple[str, int]]]:
    """Per layer, its folders (and modules placed by name) with their module counts; a place
    inside another place of the same layer counts towards the outer one."""
    anchors: dict[str, list[str]] = {layer: [] for layer in LAYER_NAMES}
    for facts in parsed:
        anchor = _anchor(facts.module, project) if not facts.is_package else None
        if anchor is not None and anchor[0] in anchors:
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
        if project.layers.layer_of(facts.module) is not None or preset.is_wiring(facts.module):
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


def _unsure(project: ProjectView, parsed: list[FileFacts], roles: dict[str, str]) -> tuple[Unsure, ...]:
    """Placements content does not confirm, grouped, each group with the line that changes one."""
    layers = project.layers
    no_orm: list[str] = []
    pydantic_beside: list[str] = []
    for facts in parsed:
        module = facts.module
        classes = [c for c in facts.classes if c.module_level]
        layer = layers.layer_of(module)
        if layer == MODEL and classes:
            if not {class_kind(c, facts, project.symbols) for c in classes} & ORM_KINDS:
                no_orm.append(module)
        elif layer is None and not layers.is_wiring(module) and module not in roles:
            named_as_config = any(word in module.rpartition(".")[2].lower() for word in CONFIG_NAMES)
            if not named_as_config and any(is_pydantic_model(c, facts, project.symbols) for c in classes):
                pydantic_beside.append(module)
    found = []
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
    lines += _exclude_lines(detection.excludes)
    lines += _wiring_lines(detection.app_roots)
    lines += _mixed_lines(detection.mixed)
    lines += _unsure_lines(detection.unsure)
    for layer in LAYER_NAMES:
        if layer in detection.additions:
            lines += ["", *_layer_table(layer, detection.additions[layer])]
    return "\n".join(lines) + "\n"


def _comment(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent="# " + indent, subsequent_indent="# " + indent + "  ")


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


def _exclude_lines(excludes: tuple[Exclude, ...]) -> list[str]:
    if not excludes:
        return []
    lines = [
        "#",
        *_comment("extend-exclude: folders that are not the app, so they get no layer and no findings:"),
    ]
    lines += [f"#   {e.glob}: {e.reason}" for e in excludes]
    return [*lines, "extend-exclude = [" + ", ".join(json.dumps(e.glob) for e in excludes) + "]"]


def _wiring_lines(app_roots: tuple[str, ...]) -> list[str]:
    if not app_roots:
        return []
    lines = [
        "#",
        *_comment(
            f"wiring: {_shown(list(app_roots))} {APP_ROOT} (a composition root may import every "
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
        lines += ["#", *_comment(f"unsure: {item.text} {item.change}.")]
    return lines


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "AEIOU" else f"a {noun}"


def _layer_table(layer: str, additions: list[Addition]) -> list[str]:
    lines = _comment(f"{layer}: the fortress preset's globs (this list replaces them), then what they miss.")
    lines += [f"[tool.layerguard.layers.{layer}]", "modules = ["]
    preset = ", ".join(json.dumps(glob) for glob in PRESET_GLOBS[layer])
    lines += textwrap.wrap(preset, WIDTH, initial_indent="    ", subsequent_indent="    ")
    lines[-1] += ","
    for addition in additions:
        lines.append(f"    {json.dumps(addition.glob, ensure_ascii=False)},  # {_reason(addition)}")
    lines.append("]")
    return lines


def _reason(addition: Addition) -> str:
    count = len(addition.modules)
    reason = f"{count} modules with {addition.evidence}" if count > 1 else addition.evidence
    return f"{reason}, though named as {addition.moved_from}" if addition.moved_from else reason
