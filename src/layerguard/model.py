"""Domain types shared by every part of layerguard: frozen, small, dependency-free.

Columns are 0-based Unicode code points everywhere inside layerguard; reporters add 1.
Lines are 1-based.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class RuleMeta:
    """What a rule is: its identity, its default severity and its one-line summary."""

    code: str
    name: str
    severity: Severity
    summary: str
    opt_in: bool = False
    fixable: bool = False


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (1-based lines, 0-based columns) with `content`."""

    content: str
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Fix:
    message: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Finding:
    """One problem at one place. `path` is absolute; reporters make it relative."""

    path: Path
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    severity: Severity
    message: str
    fix: Fix | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path.as_posix(), self.line, self.column, self.code, self.message)


@dataclass(frozen=True)
class Layer:
    """A named layer: module globs over dotted names, and the layers it may import."""

    name: str
    modules: tuple[str, ...]
    may_import: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    """The effective configuration: defaults, preset, file and command line already merged."""

    root: Path
    source: Path | None = None
    preset: str = "fortress"
    packages: tuple[str, ...] | None = None
    target_version: tuple[int, int] = (3, 10)
    select: tuple[str, ...] = ("LG",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    naming: str = "fortress"
    naming_exempt: tuple[str, ...] = ("__init__", "base")
    endpoint_max_complexity: int = 3
    session_providers: tuple[str, ...] = (
        "get_db",
        "get_session",
        "get_async_session",
        "get_db_session",
    )
    allow_fastapi_imports: tuple[str, ...] = ("Depends",)
    envelope_fields: tuple[str, ...] = ("code", "data", "message")
    secret_fields: tuple[str, ...] = (
        "password",
        "hashed_password",
        "password_hash",
        "secret",
        "secret_key",
        "client_secret",
        "private_key",
        "salt",
    )
    type_checking_imports: str = "count"
    wiring: tuple[str, ...] = ("**.deps", "**.dependencies", "**.main", "**.container")
    parse_timeout: float = 10.0
    respect_gitignore: bool = True
    layers: tuple[Layer, ...] = ()

    def layer(self, name: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.name == name), None)


# --- Facts: what one pass over a file's syntax tree records for the rules. ---


@dataclass(frozen=True)
class Span:
    """A source range: 1-based lines, 0-based code-point columns."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class ImportFact:
    """One imported name. `import a.b` gives module `a.b`, name None;
    `from .x import y` gives module `.x` as written (level 1), name `y`."""

    module: str
    name: str | None
    alias: str | None
    level: int
    span: Span
    statement: Span
    type_checking: bool
    in_function: bool


@dataclass(frozen=True)
class TypingSubscriptFact:
    """`Optional[...]`/`Union[...]` from typing or typing_extensions, resolved through aliases."""

    kind: str  # "Optional" | "Union"
    span: Span
    has_none: bool
    member_count: int
    replacement: str | None  # PEP 604 text, None when no safe fix exists


@dataclass(frozen=True)
class FileFacts:
    """Everything the rules need from one file, extracted in one pass."""

    path: Path
    module: str
    is_package: bool
    imports: tuple[ImportFact, ...] = ()
    typing_subscripts: tuple[TypingSubscriptFact, ...] = ()
    # Line -> codes suppressed on that line; an empty tuple means a bare noqa comment.
    noqa: tuple[tuple[int, tuple[str, ...]], ...] = ()
    # Multi-line statements as (first line, last line), so a noqa on any line covers them.
    statement_ranges: tuple[tuple[int, int], ...] = ()
    parse_error: Finding | None = None


@dataclass(frozen=True)
class Report:
    """The result of a run: sorted findings, the rules that ran, how many files were read."""

    findings: tuple[Finding, ...]
    rules: tuple[RuleMeta, ...]
    files_checked: int

    @property
    def has_internal_error(self) -> bool:
        return any(f.code == "LG000" for f in self.findings)
