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


class LayerguardConfigError(Exception):
    """A configuration error, raised to flake8, which reports a failing plugin as
    `FILE: "LG" failed during execution due to {error!r}` and exits 1: the repr is the message."""

    def __repr__(self) -> str:
        return f"a layerguard configuration error: {self}"


class LayerguardPlugin:
    name: ClassVar[str] = "layerguard"
    version: ClassVar[str] = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        # The check runs here, not in run(): flake8 turns an exception from the constructor into
        # its one-line plugin failure; one raised while it iterates run() is a traceback.
        from layerguard.api import check
        from layerguard.config import ConfigError

        path = Path(filename).absolute()
        source = "".join(lines).encode("utf-8")
        try:
            self.report = check([path], sources={path: source})
        except ConfigError as error:
            raise LayerguardConfigError(str(error)) from None

    def run(self) -> Iterator[Flake8Result]:
        for finding in self.report.findings:
            if finding.code == "LG001":
                continue  # flake8 reports E999 itself and runs no plugin on such a file
            yield finding.line, finding.column, f"{finding.code} {finding.message}", type(self)
