"""What rules read: the layer of each module, and per-file and whole-project views of the facts.

Pure: no filesystem, no git. Rules get a `FileView` (file rules) or a `ProjectView` (project
rules), so they can be tested on facts built in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from layerguard.globs import module_glob_matches
from layerguard.graph import ImportEdge, resolve_imports
from layerguard.model import Config, FileFacts
from layerguard.symbols import Symbols


class LayerMap:
    """Module -> layer, by the configured globs: wiring first, then the deepest match."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.layer_of = lru_cache(maxsize=None)(self._layer_of)
        self.is_wiring = lru_cache(maxsize=None)(self._is_wiring)

    def _is_wiring(self, module: str) -> bool:
        return any(module_glob_matches(p, module) is not None for p in self.config.wiring)

    def _layer_of(self, module: str) -> str | None:
        """The layer name, or None for wiring and unlayered modules."""
        if self.is_wiring(module):
            return None
        best: tuple[int, str] | None = None
        for layer in self.config.layers:
            for pattern in layer.modules:
                depth = module_glob_matches(pattern, module)
                # Strictly deeper wins, so on a tie the layer listed first keeps it.
                if depth is not None and (best is None or depth > best[0]):
                    best = (depth, layer.name)
        return best[1] if best else None

    def rank(self, layer: str) -> int:
        """0 for the top layer; a higher number is a lower layer."""
        return next(i for i, candidate in enumerate(self.config.layers) if candidate.name == layer)


@dataclass(frozen=True)
class FileView:
    """What a file rule reads besides its file's facts. `symbols` may be a `RecordingSymbols`
    that remembers each lookup, so the rule's findings can be reused while the answers hold."""

    config: Config
    layers: LayerMap
    symbols: Symbols


@dataclass
class ProjectView:
    """Every file's facts, the files to report on, the layer map, the symbols and the import
    edges: what project rules read."""

    config: Config
    files: tuple[FileFacts, ...]
    checked: frozenset[Path]
    layers: LayerMap = field(init=False)

    def __post_init__(self) -> None:
        self.layers = LayerMap(self.config)

    @cached_property
    def by_module(self) -> dict[str, FileFacts]:
        return {facts.module: facts for facts in self.files}

    @cached_property
    def symbols(self) -> Symbols:
        """Classes, functions and assignments of every file, by qualified name."""
        return Symbols(self.files)

    @cached_property
    def edges(self) -> tuple[ImportEdge, ...]:
        return resolve_imports(self.files, self.by_module)

    @cached_property
    def file_view(self) -> FileView:
        """The per-file view of the whole project, for helpers that file rules share."""
        return FileView(self.config, self.layers, self.symbols)

    def is_checked(self, facts: FileFacts) -> bool:
        return facts.path in self.checked
