"""Domain types shared by every part of layerguard: immutable, small, dependency-free (the
facts, built by the hundred thousand, are immutable to the type checker: `fact`).

Columns are 0-based Unicode code points everywhere inside layerguard; reporters add 1.
Lines are 1-based.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_options: object) -> object:
        return lambda decorator: decorator


_Class = TypeVar("_Class")


# Each fact class's `__reduce__`: `known_paths.dumps` puts them in its pickler's dispatch table,
# which pickle reads before looking `__reduce_ex__` up on the object (pickling facts 13 % cheaper).
FACT_REDUCERS: dict[type, Callable[[object], tuple[type, tuple[object, ...]]]] = {}


@dataclass_transform(frozen_default=True)
def fact(cls: type[_Class]) -> type[_Class]:
    """A frozen dataclass to the type checker, which rejects any assignment to a field. At run
    time its `__init__` assigns the fields as a plain class's does: a frozen dataclass sets each
    through `object.__setattr__`, which made building facts a seventh of extraction (an
    `ExprFact` 1.38 µs, 0.23 µs so; bench/README.md, "Building facts"). Equal and hashed by
    value, as a frozen dataclass is.

    Pickled as a call of the class with its field values. Pickle's default fills an instance's
    `__dict__`, which costs CPython 3.11 the instance's compact attribute storage: every later
    read of an unpickled fact was slower (a cold run's rules 0.47 -> 0.41 s on dstack with two
    processes, where half the facts come from a worker; bench/README.md, "Cold runs"). The
    pickles are smaller and cheaper to make too."""
    made = dataclass(unsafe_hash=True)(cls)
    names = [each.name for each in fields(made)]  # type: ignore[arg-type]
    getter = attrgetter(*names)
    values: Callable[[object], tuple[object, ...]] = (
        getter if len(names) > 1 else lambda instance: (getter(instance),)  # one name: no tuple
    )

    def __reduce__(self: object) -> tuple[type, tuple[object, ...]]:
        return made, values(self)

    made.__reduce__ = __reduce__  # type: ignore[method-assign]
    FACT_REDUCERS[made] = __reduce__
    return made


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
    # The preset layers a layer-bound rule applies to (SPEC §1); empty for a rule of any layer.
    layers: tuple[str, ...] = ()
    # The calls this rule reads from `FileFacts.calls`, by last name segment (`execute`) or by
    # the top-level module of their qualified callee (`requests`): the extractor records those
    # and no others, so a rule that reads a call it did not declare sees nothing (a test
    # checks every rule's comparisons against its declaration).
    calls: frozenset[str] = frozenset()
    call_modules: frozenset[str] = frozenset()
    # A config key (kebab-case) the rule needs a value of: until it is set the rule does not run
    # (LG905 needs `auth-dependencies`), and `layerguard rules` says so.
    requires_setting: str = ""


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (1-based lines, 0-based columns) with `content`."""

    content: str
    line: int
    column: int
    end_line: int
    end_column: int


SAFE, UNSAFE = "safe", "unsafe"


@dataclass(frozen=True)
class Fix:
    """Edits that resolve a finding. `applicability` is ruff's: a safe fix keeps the code's
    meaning and `--fix` applies it; an unsafe one may not, and needs `--unsafe-fixes`."""

    message: str
    edits: tuple[Edit, ...]
    applicability: str = SAFE


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
        "otp_secret",
    )
    # LG901: a setting, constant, field or parameter whose name is one of these, or ends with
    # `_` and one of these (`db_password`, `OPENAI_API_KEY`), holds a secret.
    secret_names: tuple[str, ...] = (
        "password",
        "passwd",
        "secret",
        "secret_key",
        "api_key",
        "apikey",
        "access_token",
        "refresh_token",
        "auth_token",
        "api_token",
        "bearer_token",
        "private_key",
        "client_secret",
        "signing_key",
        "encryption_key",
        "secret_access_key",
    )
    # LG905: dependency callables that authenticate (names, or dotted paths matched as a suffix
    # of the qualified name); the rule is off while this is empty.
    auth_dependencies: tuple[str, ...] = ()
    # LG905: route path globs (the router prefixes included) that need no authentication.
    # A glob without a leading `/` part matches at any depth, and the paths below (`**/login`
    # matches `/api/v1/login/access-token`).
    public_routes: tuple[str, ...] = (
        "**/health*",  # probes: /health, /healthz, /health/ready
        "**/docs",  # interactive docs and the schema
        "**/redoc",
        "**/openapi*",
        "**/.well-known",  # discovery documents, public by their specs
        "**/*login*",  # signing in, out and up, and refreshing a token: public by nature
        "**/*logout*",  # an OIDC back-channel logout too
        "**/signin*",
        "**/signout*",
        "**/signup*",
        "**/token",
        "**/refresh",
        "**/auth",  # the rest of a login flow (/auth/callback, /auths/ldap) where unguarded
        "**/auths",
        # An OAuth flow's steps (the browser's way out and back); not the rest under `/oauth`
        # (a gateway's `/oauth/status/{id}` shows what it holds).
        "**/oauth*/**/authorize*",
        "**/oauth*/**/callback*",
        "**/*public*",  # said so in the path: /public, /public_flow, /build_public_tmp
        "**/*webhook*",  # called by other services, which sign their requests
    )
    type_checking_imports: str = "count"  # SPEC §3
    wiring: tuple[str, ...] = (
        "**.deps",
        "**.dependencies",
        "**.deps.**",
        "**.dependencies.**",
        "**.main",
        "**.container",
    )
    # Kinds of imported names that are never a layer violation (symbol_kinds.NEUTRAL_KINDS).
    neutral_kinds: tuple[str, ...] = (
        "enum",
        "constant",
        "type-alias",
        "newtype",
        "typevar",
        "exception",
        "protocol",
    )
    # The baseline file (`baseline` key or `--baseline`), absolute. Not part of `repr`: the facts
    # cache keys findings by the configuration, and the baseline is applied after them.
    baseline: Path | None = field(default=None, repr=False)
    parse_timeout: float = 10.0
    respect_gitignore: bool = True
    # Folder names skipped as build output (setuptools' `build/lib/...`, wheels in `dist/`) unless
    # they hold an `__init__.py`: then they are a package of the project (`app/features/build/`).
    # Part of the default `exclude`, so empty when `exclude` replaces the default.
    build_outputs: tuple[str, ...] = ("build", "dist")
    layers: tuple[Layer, ...] = ()

    def layer(self, name: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.name == name), None)


# --- Facts: what one pass over a file's syntax tree records for the rules. ---


@fact
class Span:
    """A source range: 1-based lines, 0-based code-point columns."""

    line: int
    column: int
    end_line: int
    end_column: int


@fact
class ImportFact:
    """One imported name. `import a.b` gives module `a.b`, name None;
    `from .x import y` gives module `x` (level 1), name `y`."""

    module: str
    name: str | None
    alias: str | None
    level: int
    span: Span
    statement: Span
    type_checking: bool
    # Inside a function body: runs when the function is called, not when the module is imported.
    deferred: bool = False
    # Every use of the name it binds in its file is a type: in an annotation (string ones too),
    # the type argument of `Annotated[...]` or `cast(...)`, a type alias used only as a type.
    # False for a name never used (a re-export, an import for its side effects) and for
    # `from m import *`.
    annotation_only: bool = False
    # Every use is in the declared type of an injected dependency (`user: User =
    # Depends(current_user)`, `Annotated[User, Depends(current_user)]`, an alias of that used
    # only as a type): the value is what the dependency returns, handed over by FastAPI.
    injected_only: bool = False

    @property
    def bound_name(self) -> str | None:
        """The local name the import binds: `import a.b` binds `a`; None for `from m import *`."""
        if self.name == "*":
            return None
        return self.alias or self.name or self.module.partition(".")[0]


@fact
class TypingSubscriptFact:
    """`Optional[...]`/`Union[...]` from typing or typing_extensions, resolved through aliases."""

    kind: str  # "Optional" | "Union"
    span: Span
    has_none: bool
    replacement: str | None  # PEP 604 text, None when no safe fix exists


@fact
class ExprFact:
    """A small, picklable summary of one expression: enough for rules, never a syntax tree.

    `qualified` resolves names through the file's imports: with `from fastapi import
    HTTPException as E`, the expression `E` has qualified `fastapi.HTTPException`; relative imports
    are made absolute; a name not imported stays as written.
    """

    kind: str  # name call subscript string fstring concat percent format number none
    # ... tuple list dict lambda await other
    text: str  # source text, cut to TEXT_LIMIT characters (for messages)
    span: Span
    qualified: str | None = None  # name/attribute: itself; call: the callee; subscript: the value
    names: tuple[str, ...] = ()  # every qualified name inside, in source order
    depends: tuple[str, ...] = ()  # providers of `Depends(p)` inside ("" for a bare `Depends()`)
    # Providers of `Depends(p)` and `Security(p)` inside (LG905): `p` qualified, `f()` for a call
    # `Depends(f(...))`, "" for a bare `Depends()`, "?" for anything else (a lambda, a subscript).
    providers: tuple[str, ...] = ()
    # Call arguments; tuple/list elements; subscript members; a dict's values; the interpolated
    # parts of a string built at runtime (`f"{a}"`, `"x" + a`, `"%s" % a`).
    args: tuple[ExprFact, ...] = ()
    # Call keywords (`**x` is left out); a dict's entries under constant string keys.
    keywords: tuple[tuple[str, ExprFact], ...] = ()
    value: str | int | float | None = None  # the constant of a string or number
    # For a name inside a function: the value last assigned to it there (`q = f"..."; run(q)`).
    assigned: ExprFact | None = None
    # Text built at runtime (fstring concat percent format): its literal parts, `{}` for each
    # interpolated one (`f"SELECT {c} FROM t"` -> `SELECT {} FROM t`), so rules can read its shape.
    template: str | None = None


TEXT_LIMIT = 200
# A database URL: `dialect[+driver]://` followed by more text. The extractor records the string
# constants it matches (`FileFacts.dsn_strings`); LG303 reads their dialect and driver.
DSN_RE = re.compile(r"(?P<dialect>[a-z][a-z0-9]*)(?:\+(?P<driver>[a-z0-9_]+))?://(?P<rest>\S.*)", re.S)


@fact
class ParamFact:
    name: str
    kind: str  # positional, regular, vararg, keyword, kwarg (as `ast.arguments` groups them)
    annotation: ExprFact | None
    default: ExprFact | None
    span: Span


@fact
class FunctionFact:
    """A `def` or `async def`. `span` is at the `def` (or `async`) keyword, after decorators."""

    name: str
    qualname: str  # `Class.method`, `outer.<locals>.inner`, as Python spells it
    is_async: bool
    class_name: str | None  # the class it is directly defined in
    nested: bool  # defined inside another function
    decorators: tuple[ExprFact, ...]
    params: tuple[ParamFact, ...]
    returns: ExprFact | None
    complexity: int  # cyclomatic complexity, counted as ruff's C901 counts it
    span: Span
    # Per decorator: the declared type of `x` in `@x.m(...)` where it is decorated (an annotated
    # parameter or variable, or the call that made it: `app = FastAPI()`), None when unknown.
    decorator_receivers: tuple[ExprFact | None, ...] = ()


@dataclass(frozen=True)
class CallFilter:
    """The calls the extractor records: those whose last name segment is in `names` or whose
    qualified callee starts with a top-level module in `modules`. The engine builds it from the
    rule registry (`RuleMeta.calls`, `RuleMeta.call_modules`)."""

    names: frozenset[str]
    modules: frozenset[str]

    def fingerprint(self) -> bytes:
        """Stable bytes for cache keys: the facts of a file depend on the filter."""
        return "\0".join(["names", *sorted(self.names), "modules", *sorted(self.modules)]).encode()


@fact
class HandlerFact:
    """An `except T as name:` clause: the name it binds and the qualified classes it catches."""

    name: str
    caught: tuple[str, ...]  # `Exception`, `sqlalchemy.exc.SQLAlchemyError`; "" for one not a name


@fact
class CallFact:
    """A call some rule declared it reads (`RuleMeta.calls`, `RuleMeta.call_modules`)."""

    call: ExprFact  # callee in `qualified` (or `text`), arguments in `args`/`keywords`
    callee: str  # the callee as written, dotted (`self.session.execute`), "" if not a dotted name
    # The last segment of the callee (`execute`); for a call of what a call returns
    # (`app.get(path)(func)`), the inner callee's last segment and `()` (`get()`).
    method: str
    function: int | None  # index in `functions` of the innermost enclosing def, None outside any
    in_async: bool  # the innermost enclosing function (def or lambda) is `async def`
    awaited: bool  # the operand of `await`
    outer_call: str | None  # qualified callee of the call this one is a direct argument of
    receiver_type: ExprFact | None  # declared type of the receiver (`s` in `s.get()`), when known
    # For a call of what a call returns (`app.get(path)(func)`): the inner call (`app.get(path)`).
    inner_call: ExprFact | None = None
    # The `except ... as name` clauses around the call in its function, outermost first.
    handlers: tuple[HandlerFact, ...] = ()


@fact
class UnpackFact:
    """`f(**name)` inside a function: a plain name's items passed as keyword arguments
    (`Model(**payload)` validates `payload` by hand; LG703 reads it)."""

    value: ExprFact  # the name, with the value the function last assigned to it
    callee: str  # the qualified callee, "" when it is not a dotted name
    function: int  # index in `functions` of the innermost enclosing def


@fact
class KeyReadFact:
    """A named key read from a plain name (or an awaited call) inside a function: `x["k"]`,
    `x.get("k")`, `x.pop("k")`, `x.setdefault("k")`, `"k" in x`. Reading keys shows that the
    code expects a shape (LG703: a free-form request body read by key wants a model)."""

    receiver: ExprFact  # `x` with the value the function last assigned to it, or `await f()`
    key: str
    text: str  # the read as written (`x["k"]`), for messages
    function: int  # index in `functions` of the innermost enclosing def


@fact
class OpenedFact:
    """A call whose result a function keeps: a `with`/`async with` item (`async with
    SessionLocal() as s`), or the value of an assignment to a name (`db = SessionLocal()`,
    `conn = await engine.connect()`). LG107 reads which of them open a session or connection."""

    # The call (`await` removed), summarised by its callee only: `qualified`, `text` (`f()`), `span`.
    call: ExprFact
    function: int  # index in `functions` of the innermost enclosing def
    # `x` in `x.m()` is a parameter or variable annotated with a class name: that name, qualified.
    receiver_class: str | None = None
    # The call reads what the instance holds: its callee or an argument is `self` or an attribute
    # of it (`Session(self.engine)`, `self.session_factory()`), as a data-access class does.
    from_instance: bool = False


@fact
class YieldFact:
    """`yield name` where the function bound `name` from a call (`session = await self.session()`,
    `async with SessionLocal() as session`): what a generator or context manager without a return
    annotation gives (LG107)."""

    function: int  # index in `functions` of the innermost enclosing def
    made_by: ExprFact  # that call, summarised by its callee only, as `OpenedFact.call`


@fact
class ReturnFact:
    """A `return` inside a function: what a router factory gives back (LG905 follows
    `app.include_router(build_router())` to the router `build_router` made and returned)."""

    function: int  # index in `functions` of the innermost enclosing def
    # A returned plain name, with the value the function last assigned to it; None for a bare
    # `return` or any other expression.
    value: ExprFact | None


@fact
class FieldFact:
    """A class-level annotated name (`id: int = 0`) or plain assignment (`x = 1`)."""

    name: str
    annotation: ExprFact | None
    value: ExprFact | None
    span: Span


@fact
class ClassFact:
    """A class. `span` is at the `class` keyword, after decorators."""

    name: str
    qualname: str
    bases: tuple[ExprFact, ...]
    keywords: tuple[tuple[str, ExprFact], ...]  # `class T(SQLModel, table=True)`
    fields: tuple[FieldFact, ...]
    nested_classes: tuple[tuple[str, Span], ...]  # (`Config`, span of its `class`)
    module_level: bool
    span: Span
    # `self.x` -> its declared type, from `__init__` (`self.x: T`, `self.x = param: T`, `self.x = C()`),
    # for attributes without a class-level annotation: subclasses' methods use them (LG302/LG305).
    init_attributes: tuple[tuple[str, ExprFact], ...] = ()
    decorators: tuple[ExprFact, ...] = ()  # `@dataclass(frozen=True)`: a data class (symbol_kinds)


@fact
class RaiseFact:
    exception: ExprFact | None  # None for a bare `raise`
    function: int | None
    span: Span


@fact
class AssignmentFact:
    """A module-level `name = value` / `name: T = value` (routers, type aliases, sessionmakers)."""

    name: str
    value: ExprFact | None
    annotation: ExprFact | None
    span: Span


@fact
class StringFact:
    """A string that looks like a database URL (`postgresql+asyncpg://...`): a constant, or an
    f-string's template with `{}` for each interpolated part (`postgresql+psycopg2://{}@{}/db`)."""

    value: str
    span: Span


@fact
class NoqaDirective:
    """A `# noqa: CODES` comment (a real comment token, not text in a string), where LG002 and
    its fix need it: 0-based code-point columns on `line`."""

    line: int
    gap_column: int  # where the blanks before the `#` start (0: the comment is the whole line)
    column: int  # the `#`
    end_column: int  # the end of the directive (`# noqa: LG101, E501`)
    codes_column: int  # the first code
    codes: tuple[str, ...]  # as written, upper-cased
    # Where the comment text after the directive starts (None: nothing follows it), and
    # whether that text is a comment of its own (`# type: ignore`).
    rest_column: int | None
    rest_is_comment: bool


@fact
class DefinitionFact:
    """A module-level name the file binds by `def`, `class` or assignment ("" for the module's
    other top-level code, which runs whatever name an importer takes), and the module-level names
    (imported or defined) its code uses: decorators, bases, defaults, annotations and bodies.
    LG103 follows a chain through a module only along the names an importer takes from it."""

    name: str
    uses: tuple[str, ...]  # used at run time
    type_uses: tuple[str, ...] = ()  # used only as a type (annotations, `if TYPE_CHECKING:`)
    # Of a class's uses, those only in its fields' statements (`payload: Mapped[Item]`,
    # `x = Column(JSON)`), none in its methods, bases or decorators: a table's column types.
    field_uses: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileFacts:
    """Everything the rules need from one file, extracted in one pass."""

    path: Path
    module: str
    is_package: bool
    imports: tuple[ImportFact, ...] = ()
    typing_subscripts: tuple[TypingSubscriptFact, ...] = ()
    functions: tuple[FunctionFact, ...] = ()
    calls: tuple[CallFact, ...] = ()
    classes: tuple[ClassFact, ...] = ()
    raises: tuple[RaiseFact, ...] = ()
    assignments: tuple[AssignmentFact, ...] = ()
    dsn_strings: tuple[StringFact, ...] = ()
    unpacked: tuple[UnpackFact, ...] = ()
    key_reads: tuple[KeyReadFact, ...] = ()
    opened: tuple[OpenedFact, ...] = ()
    yielded: tuple[YieldFact, ...] = ()
    returns: tuple[ReturnFact, ...] = ()
    # Imported and module-level names (qualified, with the attributes read: `app.api.users.router`)
    # used as values anywhere in the file: passed, stored, returned, iterated. Not a name that is
    # only called or whose method is called (`router.get(...)`). LG804 reads where routers go.
    value_names: tuple[str, ...] = ()
    # Per name an import binds that the file uses only to read attributes of it, the dotted paths
    # read (`import app.schema as schema` and only `schema.Status.DONE`: `("schema",
    # ("Status.DONE",))`; `import app.schema` binds `app`: `("app", ("schema.Status.DONE",))`).
    # A module import brings in what it reads (LG101-LG103). A name used otherwise is absent.
    module_attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Per module-level definition, the module-level names it uses (`DefinitionFact`).
    definitions: tuple[DefinitionFact, ...] = ()
    # Line -> codes suppressed on that line; an empty tuple means a bare noqa comment.
    noqa: tuple[tuple[int, tuple[str, ...]], ...] = ()
    # The noqa comments naming codes, with their columns (LG002 reports and fixes them).
    noqa_directives: tuple[NoqaDirective, ...] = ()
    # Multi-line statements as (first line, last line), so a noqa on any line covers them.
    statement_ranges: tuple[tuple[int, int], ...] = ()
    # The module runs as a script: it has a module-level `if __name__ == "__main__":` block.
    is_script: bool = False
    parse_error: Finding | None = None
    # False when these facts depend on the machine or the run, not only on the bytes (a read
    # error, a parse that crashed, timed out or ran out of memory): never cached or recorded.
    reproducible: bool = True


@dataclass(frozen=True)
class Report:
    """The result of a run: sorted findings, the rules that ran, how many files were read, and
    the bytes each file with findings was parsed from."""

    findings: tuple[Finding, ...]
    rules: tuple[RuleMeta, ...]
    files_checked: int
    # Reporters that show or hash source lines take them from here, never from the disk: a
    # second read could block (a FIFO), never end (/dev/zero) or show other bytes than were
    # checked. A file that could not be read has no entry.
    sources: Mapping[Path, bytes] = field(default_factory=dict)
    # With a baseline: the findings it matched (left out of `findings`), and its entries that
    # match nothing any more in the checked files.
    baseline_matched: int = 0
    baseline_fixed: int = 0
    # Files this run parsed with the libcst fallback (syntax newer than the running Python), and
    # the CPU seconds that took: the CLI suggests a newer Python when they add up.
    libcst_files: int = 0
    libcst_seconds: float = 0.0

    @property
    def has_internal_error(self) -> bool:
        return any(f.code == "LG000" for f in self.findings)


# The pipeline codes: no rule class produces them, the pipeline does.
INTERNAL_ERROR = RuleMeta(
    code="LG000",
    name="internal-error",
    severity=Severity.ERROR,
    summary="A rule failed on a file: a bug in layerguard, please report it",
)
PARSE_ERROR = RuleMeta(
    code="LG001",
    name="parse-error",
    severity=Severity.ERROR,
    summary="A file cannot be read, decoded or parsed",
)
# Reported by the suppression stage (suppress.py): a `# noqa: LGxxx` that silenced nothing.
UNUSED_NOQA = RuleMeta(
    code="LG002",
    name="unused-noqa",
    severity=Severity.WARNING,
    summary="A `# noqa: LGxxx` that suppresses no finding",
    fixable=True,
)
PIPELINE_RULES = (INTERNAL_ERROR, PARSE_ERROR, UNUSED_NOQA)


def make_finding(
    meta: RuleMeta, facts: FileFacts, span: Span, message: str, fix: Fix | None = None
) -> Finding:
    """A finding of `meta` in the file `facts` describe."""
    return Finding(
        path=facts.path,
        line=span.line,
        column=span.column,
        end_line=span.end_line,
        end_column=span.end_column,
        code=meta.code,
        name=meta.name,
        severity=meta.severity,
        message=message,
        fix=fix,
    )


def find_rule(metas: Iterable[RuleMeta], code_or_name: str) -> RuleMeta | None:
    """The rule in `metas` with this code (any case) or kebab-case name."""
    wanted = code_or_name.strip()
    return next((m for m in metas if m.code == wanted.upper() or m.name == wanted.lower()), None)


def selects_any(metas: Iterable[RuleMeta], selector: str) -> bool:
    """A code or prefix (`LG`, `LG1`, `LG101`) that names at least one rule of `metas`."""
    return any(meta.code.startswith(selector) for meta in metas)
