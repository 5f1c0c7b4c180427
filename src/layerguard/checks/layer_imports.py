"""The import edges that cross layers in a way the layer table forbids (LG101, LG102), and what
layers an import brings in (SPEC §1, "What an import brings in")."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from layerguard.graph import ImportEdge, absolute_module, taken_name
from layerguard.model import ImportFact, Span
from layerguard.presets import MODEL, SCHEMA
from layerguard.symbol_kinds import (
    DATA_CLASS,
    KIND_NOUNS,
    PYDANTIC,
    TABLE,
    TYPE_ALIAS,
    class_kind,
    is_orm_class,
)

if TYPE_CHECKING:
    from layerguard.context import ProjectView


@dataclass(frozen=True)
class ForbiddenImport:
    edge: ImportEdge
    importer_layer: str
    imported_layer: str
    upward: bool
    # The imported name that brings the layer in, None when it is the module itself.
    name: str | None = None
    # Every name of the statement that brings in a forbidden layer is type-only (`if
    # TYPE_CHECKING:`, or used only as a type): counted by `type-checking-imports = "count"`.
    type_only: bool = False

    @property
    def span(self) -> Span:
        return self.edge.fact.statement

    def describe(self, project: ProjectView) -> str:
        importer = f"{self.importer_layer} module `{self.edge.importer.module}`"
        found = project.layers.imported_name(self.edge.imported, self.name) if self.name else None
        if found is None or found.kind is None or found.definition is None:
            return f"{importer} imports {self.imported_layer} module `{self.edge.imported}`"
        what = _noun(self.imported_layer, found.kind, found.definition.noun)
        where = f"`{self.edge.imported}`"
        if found.defined_in != self.edge.imported:
            where += f" (defined in `{found.defined_in}`)"
        return f"{importer} imports {what} `{self.name}` from {where}"

    def type_only_note(self) -> str:
        """The message's tail for a type-only import, so a user sees why it counts and can choose."""
        return f"; {TYPE_ONLY_NOTE}" if self.type_only else ""


# Said of a finding that exists only because `type-checking-imports = "count"` (SPEC §3).
TYPE_ONLY_NOTE = (
    "only under `if TYPE_CHECKING:` or used only as a type, "
    'which `type-checking-imports = "ignore"` leaves out'
)


def _noun(layer: str, kind: str, noun: str) -> str:
    """`model class`, `schema class`, `repository function`: what was imported, with its layer."""
    if layer == MODEL and kind == TABLE:
        return "model class" if noun == KIND_NOUNS[TABLE] else "model table"
    if layer == SCHEMA and kind in (PYDANTIC, DATA_CLASS):
        return "schema class"
    return f"{layer} {noun}"


def is_type_only(fact: ImportFact) -> bool:
    """An import that no code needs at run time: under `if TYPE_CHECKING:`, or one whose name is
    used only as a type (`user: Annotated[User, Depends(...)]`, `-> User`, `"User"`)."""
    return fact.type_checking or fact.annotation_only


def counted_names(project: ProjectView, edge: ImportEdge) -> tuple[ImportFact, ...]:
    """The names of `edge`'s statement the layer rules count: with `type-checking-imports =
    "count"` (the default, SPEC §3) all of them; with "ignore" only those used at run time."""
    names = edge.names or (edge.fact,)
    if project.config.type_checking_imports == "count":
        return names
    return tuple(fact for fact in names if not is_type_only(fact))


def counted_edges(project: ProjectView) -> Iterator[ImportEdge]:
    """Every project import the layer rules see: those with at least one counted name."""
    return (edge for edge in project.edges if counted_names(project, edge))


def checked_edges(project: ProjectView) -> Iterator[ImportEdge]:
    """`counted_edges` of the checked files: a narrow check (the language server's open files)
    walks their imports alone, not every import of the project at every edit."""
    if project.checks_everything:
        return counted_edges(project)
    return (
        edge
        for facts in project.checked_files
        for edge in project.edges_of(facts)
        if counted_names(project, edge)
    )


def forbids(project: ProjectView, importer_layer: str, imported_layer: str) -> bool:
    """Whether the layer table forbids `importer_layer` to import `imported_layer`."""
    if importer_layer == imported_layer:
        return False
    layer = project.config.layer(importer_layer)
    return layer is not None and imported_layer not in layer.may_import


def is_upward(project: ProjectView, importer_layer: str, imported_layer: str) -> bool:
    return project.layers.rank(imported_layer) < project.layers.rank(importer_layer)


def edge_layers(
    project: ProjectView, edge: ImportEdge, names: tuple[ImportFact, ...] | None = None
) -> tuple[tuple[str, str | None], ...]:
    """The layers of what `edge` brings in, as (layer, the imported name that brings it, or
    None for the module itself), first name first; empty when it brings in no layer. `names`
    narrows the statement's counted names (default: all of them).

    `from m import *` and a name that resolves to no definition bring in the module's layer;
    `import m` and `from pkg import submodule` the layers of the names the file reads of it
    (`FileFacts.module_attributes`: `m.Status` brings in what `Status` is), as the module
    (name None), or the module's layer when the file uses the module otherwise; any other name
    what it is (`ImportedName`)."""
    layers = project.layers
    importer_layer = layers.layer_of(edge.importer.module)
    found: dict[tuple[str, str | None], None] = {}
    for fact in counted_names(project, edge) if names is None else names:
        if names_missing_module(edge, fact):
            continue
        name = taken_by(project, edge, fact)
        read = attributes_read(project, edge, fact) if name is None else None
        if read is not None:
            # Still the module's import (name None), as LG103's chains and the messages name it.
            for attribute in read:
                layer = _name_layer(project, edge, fact, attribute, importer_layer)
                if layer is not None:
                    found[(layer, None)] = None
            continue
        layer = (
            layers.layer_of(edge.imported)
            if name is None
            else _name_layer(project, edge, fact, name, importer_layer)
        )
        if layer is not None:
            found[(layer, name)] = None
    return tuple(found)


def _name_layer(
    project: ProjectView, edge: ImportEdge, fact: ImportFact, name: str, importer_layer: str | None
) -> str | None:
    """The layer `name`, imported from `edge.imported`, brings into the importer (None: none)."""
    layers = project.layers
    # A name read through submodules (`routes.items.normalize_title`) is its module's name.
    module, _, plain = f"{edge.imported}.{name}".rpartition(".")
    imported = layers.imported_name(module, plain)
    if fact.injected_only and imported.kind == TABLE:
        # `user: Annotated[User, Depends(current_user)]`: the route names the ORM class
        # its dependency returns; what it depends on is the dependency.
        return None
    defined_in = imported.defined_in
    if importer_layer is not None and defined_in and layers.layer_of(defined_in) == importer_layer:
        # Defined in a module of the importer's own layer: a mixed model module using
        # another's Pydantic class (the SQLModel idiom) stays in its layer.
        return importer_layer
    if importer_layer == MODEL and imported.layer == SCHEMA and defined_in and _beside(edge, defined_in):
        # A payload of the tables' own package (phoenix's `db/types/` Pydantic column
        # types under `db/models.py`): the tables' own, not an upward import. DTOs of
        # another package (zenml's `zenml.models` in `zen_stores/schemas`) still are.
        return importer_layer
    if (
        importer_layer == MODEL
        and imported.layer == SCHEMA
        and used_only_as_payload(project, edge, fact, columns=imported.kind in PAYLOAD_KINDS)
    ):
        # The Pydantic classes of a mixed model module deriving from the project's schema base
        # (fides' `FidesSchema`; the seed-37 audit): schema using schema. A table typing its
        # columns with it (letta's `embedding_config: Mapped[EmbeddingConfig]` over a JSON
        # column, from another package): the table's stored value, as phoenix's payloads
        # beside the tables are (the seed-36/37 audits judged these debatable). A table using
        # it in a method (`to_pydantic()`) still makes the import upward.
        return None
    return imported.layer


def used_only_as_payload(project: ProjectView, edge: ImportEdge, fact: ImportFact, *, columns: bool) -> bool:
    """Every module-level definition of the importer that uses the name `fact` binds is a
    Pydantic model or a data class, or (with `columns`: the name is a payload class) an ORM
    class using it in its fields' statements only (no method, function or top-level code uses
    it)."""
    bound = fact.bound_name
    facts = edge.importer
    users = [d for d in facts.definitions if bound in d.uses or bound in d.type_uses]
    if not users:
        return False
    classes = {c.name: c for c in facts.classes if c.module_level}
    symbols = project.symbols
    for user in users:
        cls = classes.get(user.name)
        if cls is None:
            return False
        if columns and bound in user.field_uses and is_orm_class(cls, facts, symbols):
            continue
        if class_kind(cls, facts, symbols) not in (PYDANTIC, DATA_CLASS):
            return False
    return True


# What a table's column may be typed with and stay the table's stored value: a Pydantic model, a
# data class, or an alias of them (`used_only_as_payload`).
PAYLOAD_KINDS = (PYDANTIC, DATA_CLASS, TYPE_ALIAS)


def names_missing_module(edge: ImportEdge, fact: ImportFact) -> bool:
    """The statement names a module below `edge.imported` that the project does not hold (an
    excluded migration helper, fides' `from fides.api.migrations.hash_migration_mixin import
    ...`; generated code): the import graph depends on the nearest package it holds, as grimp
    does, but that package's layer is not what the import brings in (the seed-37 audit: three
    tables "imported endpoint module `fides.api`")."""
    base = absolute_module(edge.importer, fact)
    return base is not None and base.startswith(edge.imported + ".")


def names_taken(project: ProjectView, edge: ImportEdge, fact: ImportFact) -> tuple[str, ...] | None:
    """What `fact` takes from `edge.imported`: the name it imports (`taken_by`), or what the file
    reads of the module it binds (`attributes_read`); None when the file uses that module
    otherwise."""
    name = taken_by(project, edge, fact)
    return (name,) if name is not None else attributes_read(project, edge, fact)


def attributes_read(project: ProjectView, edge: ImportEdge, fact: ImportFact) -> tuple[str, ...] | None:
    """What the importer reads of the module `fact` binds, when that is all it does with it
    (conda-store's `schema.BuildStatus.FAILED`, hawk's `except code_policy.RegistryUnavailableError`:
    an enum and an exception, neutral, where the module's layer made them LG101/LG102; the
    seed-35 audit). `import a.b.c` binds `a`: what it reads of `a.b.c` is what the file reads
    under `a.b.c.` (mlrun's `mlrun.common.schemas.RegexMatchModes`, an enum; seed 38). A read
    through a submodule is named by its path (`routes.items.normalize_title`); a read under a
    deeper import binding the same name is that import's (nothing, when every read is). None
    when the file uses the module, or a submodule of it, otherwise."""
    bound = fact.bound_name
    read = next((attributes for name, attributes in edge.importer.module_attributes if name == bound), None)
    if read is None:
        return None
    if fact.name is None and fact.alias is None:
        # `import a` beside `import a.b.c` (both bind `a`): what is read under `a.b.c.` is the
        # deeper import's, not reported twice (mlrun's `import mlrun` and `import mlrun.api.api.utils`).
        deeper = [
            other.module.partition(".")[2]
            for other in edge.importer.imports
            if other.name is None
            and other.alias is None
            and other.level == 0
            and other.module.startswith(fact.module + ".")
        ]
        own = tuple(p for p in read if not any(p == d or p.startswith(d + ".") for d in deeper))
        if not own:
            return ()  # every read is a deeper import's: this one brings in nothing of its own
        inner = fact.module.partition(".")[2]  # `b.c` of `import a.b.c`
        if inner in own:
            return None  # the module itself, passed on
        read = tuple(p[len(inner) + 1 :] for p in own if p.startswith(inner + ".")) if inner else own
        if not read:
            return None
    names: dict[str, None] = {}
    for path in read:
        # A read through a submodule (`app.api.routes.items.normalize_title` of `import
        # app.api`) names what it reads there: `routes.items.normalize_title`.
        parts = path.split(".")
        module, depth = edge.imported, 0
        while depth < len(parts) and _submodule_read(project, f"{module}.{parts[depth]}"):
            module, depth = f"{module}.{parts[depth]}", depth + 1
        if depth == len(parts):
            return None  # a submodule itself, used otherwise
        names[".".join(parts[: depth + 1])] = None
    return tuple(sorted(names))


def _submodule_read(project: ProjectView, dotted: str) -> bool:
    """`pkg.name` read as an attribute is the submodule `name`: the project holds it and the
    package binds no `name` of its own over it (whombat's `api/__init__.py` binds `tags`, the
    instance of `api/tags.py`: `api.tags.get_many` reads that instance)."""
    return project.symbols.has_module(dotted) and project.symbols.resolve(dotted) is None


def taken_by(project: ProjectView, edge: ImportEdge, fact: ImportFact) -> str | None:
    """What `fact` takes from `edge.imported` as Python binds it: `imported_name`, or the class a
    package binds over its same-named submodule (`_rebound`). Every layer rule asks this, so
    LG101-LG103 read an import alike."""
    return imported_name(edge, fact) or _rebound(project, edge, fact)


def _rebound(project: ProjectView, edge: ImportEdge, fact: ImportFact) -> str | None:
    """`from pkg import User` where `pkg/User.py` exists and `pkg/__init__.py` binds `User` to
    that module's `User` (`from .User import User`, cognee's `modules/users/models`): Python hands
    the importer the class, the package's binding replacing the submodule, so the name is taken
    from the submodule (issue 13, the seed-33 audit: a route's `user: User = Depends(...)` was
    an import of a model module)."""
    base = absolute_module(edge.importer, fact) if fact.name is not None else None
    if base is None or f"{base}.{fact.name}" != edge.imported:
        return None
    return fact.name if project.symbols.reexport(edge.imported) == f"{edge.imported}.{fact.name}" else None


def _beside(edge: ImportEdge, defined_in: str) -> bool:
    """`defined_in` lies in the package of the importing module (or below it)."""
    importer = edge.importer
    package = importer.module if importer.is_package else importer.module.rpartition(".")[0]
    return bool(package) and defined_in.startswith(package + ".")


def imported_name(edge: ImportEdge, fact: ImportFact) -> str | None:
    """The name `fact` imports from `edge.imported`, or None when it imports the module itself
    (`import m`, `from pkg import submodule`, `from m import *`): `taken_name`, as the edge
    holds it."""
    for candidate, name in zip(edge.names, edge.taken, strict=True):
        if candidate is fact:
            return name
    return taken_name(edge.importer, fact, edge.imported)


def forbidden_imports(project: ProjectView) -> tuple[ForbiddenImport, ...]:
    """Direct imports, in checked files, of a layer the importer's layer may not import: one
    per statement and imported module, for the first forbidden layer it brings in. Found once
    per view (LG101 reports the upward ones, LG102 the others)."""
    return project.once(_forbidden_imports)


def _forbidden_imports(project: ProjectView) -> tuple[ForbiddenImport, ...]:
    return tuple(_each_forbidden_import(project))


def _each_forbidden_import(project: ProjectView) -> Iterator[ForbiddenImport]:
    layers = project.layers
    for edge in checked_edges(project):
        importer_layer = layers.layer_of(edge.importer.module)
        if importer_layer is None:
            continue
        for imported_layer, name in edge_layers(project, edge):
            if forbids(project, importer_layer, imported_layer):
                upward = is_upward(project, importer_layer, imported_layer)
                type_only = not _forbidden_at_run_time(project, edge, importer_layer)
                # The module's import: name what the file reads of it, if that is all it does.
                shown = name if name is not None else read_name(project, edge, imported_layer, importer_layer)
                yield ForbiddenImport(edge, importer_layer, imported_layer, upward, shown, type_only)
                break


def read_name(
    project: ProjectView, edge: ImportEdge, imported_layer: str, importer_layer: str | None
) -> str | None:
    """The first attribute the importer reads of a module it imports that brings in
    `imported_layer` (`version.engine`, the database engine a module re-exports), None when
    the file uses the module otherwise."""
    for fact in counted_names(project, edge):
        read = attributes_read(project, edge, fact) if taken_by(project, edge, fact) is None else None
        for attribute in read or ():
            if _name_layer(project, edge, fact, attribute, importer_layer) == imported_layer:
                return attribute
    return None


def _forbidden_at_run_time(project: ProjectView, edge: ImportEdge, importer_layer: str) -> bool:
    """Some name of `edge` that runs (not type-only) brings in a layer `importer_layer` may not
    import."""
    runtime = tuple(fact for fact in counted_names(project, edge) if not is_type_only(fact))
    return any(forbids(project, importer_layer, layer) for layer, _ in edge_layers(project, edge, runtime))
