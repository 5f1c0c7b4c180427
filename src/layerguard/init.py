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
from layerguard.globs import module_glob_matches
from layerguard.model import ClassFact, Config, ExprFact, FileFacts, FunctionFact, Layer
from layerguard.presets import ENDPOINT, FORTRESS_LAYERS, MODEL, REPOSITORY, SCHEMA, SERVICE
from layerguard.tomledit import TomlEditError, has_table, put_section

SECTION = ("tool", "layerguard")
LAYER_NAMES = tuple(layer.name for layer in FORTRESS_LAYERS)
PRESET_GLOBS = {layer.name: layer.modules for layer in FORTRESS_LAYERS}
DB_PACKAGES = frozenset({"sqlalchemy", "sqlmodel"})
ORM_BASES = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
        "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
    }
)
DECLARATIVE_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.declarative_base",
        "sqlalchemy.orm.decl_api.declarative_base",
        "sqlalchemy.ext.declarative.declarative_base",
    }
)
SQLMODEL = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
PYDANTIC_MODEL = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel"})
PYDANTIC_SETTINGS = frozenset({"pydantic_settings.BaseSettings", "pydantic.BaseSettings"})
TABLE_FIELDS = frozenset({"__tablename__", "__table__"})
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
    project = load_project(config, [root], {}, use_cache=False)
    parsed = [facts for facts in project.files if facts.parse_error is None]
    preset = project.layers
    roles, evidence = content_roles(project, parsed)
    additions = {
        layer: _additions(
            layer, sorted(m for m, role in roles.items() if role == layer), project, roles, evidence
        )
        for layer in LAYER_NAMES
    }
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
    )


# --- Content roles. ---


def content_roles(project: ProjectView, parsed: list[FileFacts]) -> tuple[dict[str, str], dict[str, str]]:
    """Module -> the layer its content shows, and module -> what showed it, for the modules
    where content says something."""
    layers = project.layers
    imported = _imported_modules(project)
    roles: dict[str, str] = {}
    evidence: dict[str, str] = {}
    for facts in parsed:
        if layers.is_wiring(facts.module):
            continue
        if find_route_handlers(facts, project.symbols):
            roles[facts.module], evidence[facts.module] = ENDPOINT, ROUTE_HANDLERS
            continue
        tables = any(_is_table_class(c, facts, project) for c in facts.classes)
        placed = layers.layer_of(facts.module)
        if placed is None and tables:
            roles[facts.module], evidence[facts.module] = MODEL, TABLE_CLASSES
        elif placed == MODEL and not tables and _takes_sessions(facts, project):
            # A models folder of query functions (prefect's server/models) is data access.
            roles[facts.module], evidence[facts.module] = REPOSITORY, QUERY_FUNCTIONS

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


def _imported_modules(project: ProjectView) -> dict[str, set[str]]:
    imported: dict[str, set[str]] = {}
    for edge in project.edges:
        imported.setdefault(edge.importer.module, set()).add(edge.imported)
    return imported


def _imports_db(facts: FileFacts) -> bool:
    return any(i.level == 0 and i.module.split(".")[0] in DB_PACKAGES for i in facts.imports)


def _is_table_class(cls: ClassFact, facts: FileFacts, project: ProjectView) -> bool:
    """A mapped table: `__tablename__`, a SQLModel class with `table=True`, or a class below a
    declarative base (the base itself, `class Base(DeclarativeBase)`, is no table)."""
    if any(field.name in TABLE_FIELDS for field in cls.fields):
        return True
    ancestors = list(project.symbols.ancestors(cls, facts))
    table = dict(cls.keywords).get("table")
    if table is not None and table.text == "True" and SQLMODEL & {a for a in ancestors if isinstance(a, str)}:
        return True
    chain = [(cls, facts), *(a for a in ancestors if not isinstance(a, str))]
    if any(base.qualified in ORM_BASES for klass, _ in chain[1:] for base in klass.bases):
        return True
    return any(_is_declarative_base(base, where, project) for klass, where in chain for base in klass.bases)


def _is_declarative_base(base: ExprFact, facts: FileFacts, project: ProjectView) -> bool:
    """`Base` bound to `declarative_base()` or `registry().generate_base()`."""
    found = project.symbols.resolve(base.qualified, facts) if base.qualified else None
    if found is None or isinstance(found[0], (ClassFact, FunctionFact)):
        return False
    value = found[0].value
    callee = value.qualified or "" if value is not None and value.kind == "call" else ""
    return callee in DECLARATIVE_FACTORIES or callee.endswith(".generate_base")


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
    for stem, modules in _shared_stems(layer, unlayered, project, roles).items():
        add(f"**.{stem}", modules)
        remaining -= set(modules)
    by_folder: dict[str, list[str]] = {}
    for module in sorted(remaining):
        folder = _widest_folder(layer, module, project, roles)
        if folder is not None:
            by_folder.setdefault(folder, []).append(module)
    for folder, modules in sorted(by_folder.items()):
        add(f"{folder}.**", modules)
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
    """`views` when two or more packages name their module of this layer `views` and no
    module of that name is anything else: feature-sliced projects name modules by role."""
    by_stem: dict[str, list[str]] = {}
    for module in unlayered:
        if "." in module and not project.by_module[module].is_package:
            by_stem.setdefault(module.rpartition(".")[2], []).append(module)
    shared = {}
    for stem, modules in sorted(by_stem.items()):
        namesakes = [f.module for f in project.files if f.module.rpartition(".")[2] == stem]
        if len(modules) >= 2 and all(_joins(layer, m, project, roles) for m in namesakes):
            shared[stem] = modules
    return shared


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
            if cls.module_level and _is_pydantic_model(cls, facts, project):
                found.append(facts.module)
                break
    return tuple(found)


def _is_pydantic_model(cls: ClassFact, facts: FileFacts, project: ProjectView) -> bool:
    outside = {a for a in project.symbols.ancestors(cls, facts) if isinstance(a, str)}
    return bool(outside & (PYDANTIC_MODEL | SQLMODEL)) and not outside & PYDANTIC_SETTINGS


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
