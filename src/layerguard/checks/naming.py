"""Which modules carry an entity's name, and what that name is (SPEC §2 LG801–LG806, `naming`).

A module is *entity-named* when it sits directly in the folder of a model, schema, repository
or service layer: its layer (by the deepest-match rule) is one of those four, and the last
literal segment of the layer glob that places it there is the module's parent package
(`app.services.UserService` by `**.services.**`). A module the glob names by itself
(`shop.users.service` by `**.service`, `shop.users.models` by `**.models.**`) is named by its
role, as in a feature-sliced layout, and carries no entity name; nor does a module in a
subfolder of a layer folder (`app.services.billing.InvoiceService`), a package `__init__`, a
stub, a private `_module`, or a module listed in `naming-exempt`.

`naming = "fortress"` wants PascalCase file names that are the class name (`UserService.py`
holds `class UserService`); `"snake"` wants `user_service.py` holding `class UserService`,
the entity compared without case or underscores (`api_key.py` holds `APIKey`); `"off"` checks
nothing, though the opt-in cross-checks LG805/LG806 then accept either style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from layerguard.globs import module_glob_matches
from layerguard.model import ClassFact, FileFacts
from layerguard.presets import MODEL, REPOSITORY, SCHEMA, SERVICE

if TYPE_CHECKING:
    from layerguard.context import FileView

NAMED_LAYERS = (MODEL, SCHEMA, REPOSITORY, SERVICE)
STYLES = ("fortress", "snake")
SCHEMA_CLASS_SUFFIXES = ("Base", "Create", "Update", "Response")
SCHEMA_REQUIRED_SUFFIXES = ("Create", "Update", "Response")
ROLE_SUFFIX = {MODEL: "", SCHEMA: "Schema", REPOSITORY: "Repository", SERVICE: "Service"}

_PASCAL = re.compile(r"[A-Z][A-Za-z0-9]*")
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


@dataclass(frozen=True)
class LayerFolderModule:
    """A module directly in a model/schema/repository/service folder, not exempt."""

    facts: FileFacts
    layer: str
    folder: str  # the dotted layer package, `app.services`
    stem: str  # the file name without `.py`

    @property
    def file_name(self) -> str:
        return f"{self.stem}.py"


def layer_folder_module(facts: FileFacts, view: FileView) -> LayerFolderModule | None:
    """The module as an entity-named candidate, or None when the naming rules skip it."""
    if facts.is_package or facts.path.suffix != ".py" or facts.parse_error is not None:
        return None
    layer_name = view.layers.layer_of(facts.module)
    if layer_name not in NAMED_LAYERS:
        return None
    folder = layer_folder(facts.module, view, layer_name)
    stem = facts.module.rpartition(".")[2]
    if folder is None or is_exempt(facts.module, stem, view.config.naming_exempt):
        return None
    return LayerFolderModule(facts, layer_name, folder, stem)


def layer_folder(module: str, view: FileView, layer_name: str) -> str | None:
    """The module's parent package when the layer's glob names that package, else None."""
    layer = view.config.layer(layer_name)
    if layer is None:
        return None
    depths = [module_glob_matches(pattern, module) for pattern in layer.modules]
    deepest = max((depth for depth in depths if depth is not None), default=None)
    segments = module.split(".")
    if deepest is None or deepest != len(segments) - 2:
        return None
    return ".".join(segments[:-1])


def is_exempt(module: str, stem: str, exempt: tuple[str, ...]) -> bool:
    """Private modules always; `naming-exempt` entries by file stem or dotted module name."""
    return stem.startswith("_") or stem in exempt or module in exempt


def entity_of(stem: str, layer: str, style: str) -> str | None:
    """The entity a file name declares under a naming style, or None when it breaks the style.

    The entity comes back as written in the file name: `User` for `UserService.py`, `user` for
    `user_service.py`.
    """
    if style == "fortress":
        suffix = ROLE_SUFFIX[layer]
        entity = stem.removesuffix(suffix) if suffix else stem
        if (suffix and entity == stem) or not _PASCAL.fullmatch(entity):
            return None
        return entity
    if style == "snake":
        if not _SNAKE.fullmatch(stem):
            return None
        if layer == MODEL:
            return stem
        if layer == SCHEMA:
            return stem.removesuffix("_schema") or None
        suffix = "_" + layer
        return stem.removesuffix(suffix) if stem.endswith(suffix) else None
    return None


def entity_of_any_style(stem: str, layer: str, style: str) -> tuple[str, str] | None:
    """(entity, style) under the configured style, or under either style when naming is off."""
    for candidate in STYLES if style == "off" else (style,):
        entity = entity_of(stem, layer, candidate)
        if entity is not None:
            return entity, candidate
    return None


def same_name(class_name: str, expected: str, style: str) -> bool:
    """Whether a class is named `expected`: exactly for fortress, for snake without case or
    underscores (`user_account` + `Service` is `UserAccountService`, `api_key` is `APIKey`)."""
    if style == "fortress":
        return class_name == expected
    return _folded(class_name) == _folded(expected)


def pascal(entity: str) -> str:
    """`user_account` -> `UserAccount`; a PascalCase entity stays as it is."""
    return "".join(part[:1].upper() + part[1:] for part in entity.split("_"))


def promised_classes(layer: str, entity: str) -> list[str]:
    """The classes an entity-named module promises; a schema module needs one of them."""
    suffixes = SCHEMA_REQUIRED_SUFFIXES if layer == SCHEMA else (ROLE_SUFFIX[layer],)
    return [pascal(entity) + suffix for suffix in suffixes]


def defines_promised_class(module: LayerFolderModule, entity: str, style: str) -> bool:
    defined = [cls.name for cls in module_classes(module.facts)]
    wanted = promised_classes(module.layer, entity)
    return any(same_name(name, expected, style) for name in defined for expected in wanted)


def follows_style(module: LayerFolderModule, style: str) -> bool:
    """Named in the style, and defining the class the name promises: neither LG801 nor LG802."""
    entity = entity_of(module.stem, module.layer, style)
    return entity is not None and defines_promised_class(module, entity, style)


def module_classes(facts: FileFacts) -> list[ClassFact]:
    return [cls for cls in facts.classes if cls.module_level]


def expected_file_name(layer: str, style: str) -> str:
    """How a module of the layer is named under the style, for messages."""
    if style == "fortress":
        return f"`{{Entity}}{ROLE_SUFFIX[layer]}.py` (PascalCase)"
    if layer == MODEL:
        return "`{entity}.py` (snake_case)"
    if layer == SCHEMA:
        return "`{entity}_schema.py` or `{entity}.py` (snake_case)"
    return f"`{{entity}}_{layer}.py` (snake_case)"


def _folded(name: str) -> str:
    return name.replace("_", "").lower()
