"""The flake8 plugin (entry point `LG` in `flake8.extension`): layerguard findings in any editor
that runs flake8.

flake8 hands over the text it checks (`lines`: in stdin mode the editor's unsaved buffer, not the
file on disk); the rest of the project comes from disk through layerguard's cache, so the
answer for that file is the one `layerguard check FILE` gives.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from layerguard.version import __version__

Flake8Result = tuple[int, int, str, type]


class LayerguardPlugin:
    name: ClassVar[str] = "layerguard"
    version: ClassVar[str] = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[Flake8Result]:
        from layerguard.api import check
        from layerguard.config import ConfigError

        path = Path(self.filename).absolute()
        source = "".join(self.lines).encode("utf-8")
        try:
            report = check([path], sources={path: source})
        except ConfigError as error:
            yield 1, 0, f"LG000 layerguard configuration error: {error}", type(self)
            return
        for finding in report.findings:
            if finding.code == "LG001":
                continue  # flake8 reports E999 itself and runs no plugin on such a file
            yield finding.line, finding.column, f"{finding.code} {finding.message}", type(self)
