"""What a module-level name is: an ORM class, a Pydantic model, one of the neutral kinds, or a
plain function, class or value (SPEC §1, "What an import brings in").

Read by the layer rules (an import is classified by what it brings in) and by `init` (a module
is a model module when it defines ORM classes). Pure: facts and `Symbols` only.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping

from layerguard.model import AssignmentFact, ClassFact, ExprFact, FieldFact, FileFacts, FunctionFact
from layerguard.symbols import Symbol, Symbols

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
TABLE_FACTORIES = frozenset({"sqlalchemy.Table", "sqlalchemy.schema.Table", "sqlalchemy.sql.schema.Table"})
SQLMODEL = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
PYDANTIC_MODEL = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel"})
PYDANTIC_SETTINGS = frozenset({"pydantic_settings.BaseSettings", "pydantic.BaseSettings"})
ASYNC_SESSION_CLASSES = frozenset(
    {
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)
SYNC_SESSION_CLASSES = frozenset(
    {
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.session.Session",
        "sqlmodel.Session",
        "sqlmodel.orm.session.Session",
    }
)
ASYNC_SESSIONMAKERS = frozenset(
    {"sqlalchemy.ext.asyncio.async_sessionmaker", "sqlalchemy.ext.asyncio.session.async_sessionmaker"}
)
SYNC_SESSIONMAKERS = frozenset({"sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker"})
SESSIONMAKERS = ASYNC_SESSIONMAKERS | SYNC_SESSIONMAKERS
# What a function handing out database sessions is declared to return (inside `AsyncIterator[...]`).
DB_PLUMBING_TYPES = ASYNC_SESSION_CLASSES | SYNC_SESSION_CLASSES | SESSIONMAKERS
TABLE_FIELDS = frozenset({"__tablename__", "__table__"})
ENUM_BASES = frozenset(
    f"enum.{name}" for name in ("Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum")
)
PROTOCOL_BASES = frozenset({"typing.Protocol", "typing_extensions.Protocol"})
# SQLAlchemy's bases of a custom column type (`class UTCDateTime(sa.TypeDecorator)`).
COLUMN_TYPE_BASES = frozenset(
    f"sqlalchemy.{module}{name}"
    for module in ("", "types.", "sql.type_api.", "sql.sqltypes.")
    for name in ("TypeDecorator", "TypeEngine", "UserDefinedType")
)
# A data class is made by one of these decorators or derives from one of these bases.
DATA_CLASS_DECORATORS = frozenset(
    {
        "dataclasses.dataclass",
        "pydantic.dataclasses.dataclass",
        "attr.s",
        "attr.attrs",
        "attr.define",
        "attr.frozen",
        "attr.mutable",
        "attrs.define",
        "attrs.frozen",
        "attrs.mutable",
    }
)
DATA_CLASS_BASES = frozenset(
    f"{module}.{name}" for module in ("typing", "typing_extensions") for name in ("NamedTuple", "TypedDict")
)
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
MAPPED = frozenset({"sqlalchemy.orm.Mapped", "sqlalchemy.orm.base.Mapped"})
# What a mapped class (or an ORM mixin, which has no table of its own) assigns to its attributes.
ORM_ATTRIBUTES = frozenset(
    {"Column", "mapped_column", "relationship", "column_property", "composite", "synonym", "deferred"}
)
TYPING_MODULES = ("typing.", "typing_extensions.")
BUILTIN_CONTAINERS = frozenset({"frozenset", "set", "tuple", "list", "dict"})
BUILTIN_TYPES = BUILTIN_CONTAINERS | {"str", "int", "float", "bool", "bytes", "complex", "object", "type"}
UNION_MEMBER = re.compile(r"[A-Za-z_][\w.]*(\[.*\])?")  # a type of a `|` union, as written
# Standard-library calls making a plain value: an upper-case name bound to one is a constant
# (hawk's `ARN_ALLOWED_REGEX = re.compile(...)`, read through a module import, was an LG102).
PLAIN_VALUE_CALLS = frozenset(
    {
        "re.compile",
        "datetime.timedelta",
        "decimal.Decimal",
        "pathlib.Path",
        "uuid.UUID",
        "os.getenv",
        "os.environ.get",
    }
)
BUILTIN_EXCEPTIONS = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)

# The kinds a name can be. The neutral ones are never a layer violation by default.
TABLE = "orm-table"  # a mapped class with a table, or a `Table(...)`
ORM_BASE = "orm-base"  # a declarative base: `class Base(DeclarativeBase)`, `Base = declarative_base()`
COLUMN_TYPE = "column-type"  # a custom column type: `class UTCDateTime(TypeDecorator)`
PYDANTIC = "pydantic"  # a Pydantic model or a non-table SQLModel (settings excepted)
DATA_CLASS = "data-class"  # a dataclass, attrs class, NamedTuple or TypedDict of fields only
ENUM = "enum"
CONSTANT = "constant"
TYPE_ALIAS = "type-alias"
NEWTYPE = "newtype"
TYPEVAR = "typevar"
EXCEPTION = "exception"
PROTOCOL = "protocol"
FUNCTION = "function"
CLASS = "class"
VALUE = "value"  # any other module-level assignment (`router = APIRouter()`, `settings = ...`)
NEUTRAL_KINDS = (ENUM, CONSTANT, TYPE_ALIAS, NEWTYPE, TYPEVAR, EXCEPTION, PROTOCOL)
ORM_KINDS = frozenset({TABLE, ORM_BASE})


def symbol_kind(symbol: Symbol, facts: FileFacts, symbols: Symbols) -> str:
    """The kind of a module-level definition of `facts`."""
    if isinstance(symbol, FunctionFact):
        return FUNCTION
    if isinstance(symbol, ClassFact):
        return class_kind(symbol, facts, symbols)
    return assignment_kind(symbol, facts, symbols)


def class_kind(cls: ClassFact, facts: FileFacts, symbols: Symbols) -> str:
    if is_protocol_class(cls):
        # A structural type, whatever attributes it declares (`id: Mapped[int]` to describe
        # every table with an `id`): never mapped itself.
        return PROTOCOL
    if is_table_class(cls, facts, symbols):
        return TABLE
    outside = symbols.outside_ancestors(cls, facts)
    if any(name in ORM_BASES for name in outside):
        return ORM_BASE
    if not COLUMN_TYPE_BASES.isdisjoint(outside):
        return COLUMN_TYPE
    if is_pydantic_model(cls, facts, symbols):
        return PYDANTIC
    if is_data_class(cls, facts, outside):
        return DATA_CLASS
    if any(name in ENUM_BASES for name in outside):
        return ENUM
    if any(_is_exception_name(name) for name in outside):
        return EXCEPTION
    if _names_constants(cls, facts, symbols):
        return CONSTANT
    return CLASS


def _names_constants(cls: ClassFact, facts: FileFacts, symbols: Symbols) -> bool:
    """A plain class used as a namespace of constants (mlrun's `class EventFieldType:
    FUNCTION_URI = "function_uri"`, an enum in all but its base; the seed-38 audit): no base
    but `object`, no keyword (`metaclass=`), decorator, nested class or method, and only
    upper-case names each a constant as a module-level assignment would be (`assignment_kind`)."""
    if cls.decorators or cls.keywords or cls.nested_classes or not cls.fields:
        return False
    if any(base.qualified not in (None, "object") or base.kind != "name" for base in cls.bases):
        return False
    if any(
        not field.name.isupper()
        or assignment_kind(
            AssignmentFact(field.name, field.value, field.annotation, field.span), facts, symbols
        )
        != CONSTANT
        for field in cls.fields
    ):
        return False
    return not any(
        f.class_name == cls.name and f.qualname.startswith(cls.qualname + ".") for f in facts.functions
    )


def is_data_class(cls: ClassFact, facts: FileFacts, outside: Mapping[str, str]) -> bool:
    """A carrier of fields (issue 13: the dataclasses beside the tables of a `models.py` are no
    model): `@dataclass`, an attrs class, a `NamedTuple` or a `TypedDict`, with no methods but
    dunders and properties. One with other methods may be logic (a sync repository declared as a
    dataclass) and stays a plain class of its module's layer."""
    made = any((d.qualified or "") in DATA_CLASS_DECORATORS for d in cls.decorators) or any(
        name in DATA_CLASS_BASES for name in outside
    )
    if not made:
        return False
    for function in facts.functions:
        if function.class_name != cls.name or not function.qualname.startswith(cls.qualname + "."):
            continue
        if function.qualname.count(".") != cls.qualname.count(".") + 1:
            continue  # nested in a method
        dunder = function.name.startswith("__") and function.name.endswith("__")
        if not dunder and not any((d.qualified or d.text).endswith("property") for d in function.decorators):
            return False
    return True


def assignment_kind(assignment: AssignmentFact, facts: FileFacts, symbols: Symbols) -> str:
    value = assignment.value
    annotation = assignment.annotation
    if annotation is not None and annotation.qualified in {f"{m}TypeAlias" for m in TYPING_MODULES}:
        return TYPE_ALIAS
    if value is None:
        return VALUE
    callee = value.qualified or "" if value.kind == "call" else ""
    if callee in TABLE_FACTORIES:
        return TABLE
    if callee in DECLARATIVE_FACTORIES or callee.endswith(".generate_base"):
        return ORM_BASE
    if callee.startswith(TYPING_MODULES):
        last = callee.rsplit(".", 1)[-1]
        if last == "NewType":
            return NEWTYPE
        if last in {"TypeVar", "ParamSpec", "TypeVarTuple"}:
            return TYPEVAR
        if last == "TypeAliasType":
            return TYPE_ALIAS
    if callee in {f"enum.{name}" for name in ("Enum", "IntEnum", "StrEnum", "Flag", "IntFlag")}:
        return ENUM  # the functional API: `Color = Enum("Color", "RED GREEN")`
    if value.kind == "subscript":
        return TYPE_ALIAS  # `UserId = Annotated[int, ...]`, `Rows = list[Row]`
    if value.kind in {"string", "number", "none"} or (assignment.name.isupper() and value.kind != "call"):
        return CONSTANT
    if assignment.name.isupper() and callee in BUILTIN_CONTAINERS:
        return CONSTANT  # gpustack's `FAILED_PHASES = frozenset({Phase.A, Phase.B})`, as a `{...}` display is
    if assignment.name.isupper() and callee in PLAIN_VALUE_CALLS:
        return CONSTANT
    if value.kind == "binop" and _is_type_union(value.text):
        return TYPE_ALIAS  # datajunction's `DimensionLinkDefault = str | int | float | bool`
    return VALUE


def _is_type_union(text: str) -> bool:
    """`A | B | None` whose every member is a builtin type, `None` or a capitalised (class-like)
    name, subscripted or not: a union of types, not `base | extra` of two values."""
    parts = [part.strip() for part in text.split("|")]
    return len(parts) > 1 and all(
        UNION_MEMBER.fullmatch(part)
        and (part.split("[")[0] in BUILTIN_TYPES or part.split("[")[0].rsplit(".", 1)[-1][:1].isupper())
        for part in parts
    )


def alias_targets(value: ExprFact) -> tuple[str, ...]:
    """The names a type alias's value stands for, in source order, as the facts give them
    (qualified when imported, bare when local): `Annotated[X, ...]` is `X` (its metadata is no
    type), `Union[A, B]`, `A | B`, `list[A]` their members and what they subscript, a quoted
    forward reference its name. Members nested deeper than the facts record are not seen."""
    if value.kind == "name":
        return (value.qualified,) if value.qualified else ()
    if value.kind == "string":
        return (value.value,) if isinstance(value.value, str) and value.value.isidentifier() else ()
    if value.kind == "binop":
        return value.names  # `A | B`: recorded as the names inside, on the outermost expression
    if value.kind != "subscript":
        return ()
    if value.qualified in ANNOTATED:
        return alias_targets(value.args[0]) if value.args else ()
    head = (value.qualified,) if value.qualified else ()
    return head + tuple(name for arg in value.args for name in alias_targets(arg))


def is_table_class(cls: ClassFact, facts: FileFacts, symbols: Symbols) -> bool:
    """A mapped table: `__tablename__`, a SQLModel class with `table=True`, or a class below a
    declarative base (the base itself, `class Base(DeclarativeBase)`, is no table). A Protocol
    is none, and neither is a class that only declares `__tablename__: str` without a value
    (dstack's `PipelineItem` dataclass and `PipelineModel` Protocol describe tables)."""
    if is_protocol_class(cls):
        return False
    if any(field.name in TABLE_FIELDS and field.value is not None for field in cls.fields):
        return True
    ancestors = list(symbols.ancestors(cls, facts))
    table = dict(cls.keywords).get("table")
    if table is not None and table.text == "True" and SQLMODEL & {a for a in ancestors if isinstance(a, str)}:
        return True
    chain = [(cls, facts), *(a for a in ancestors if not isinstance(a, str))]
    if any(base.qualified in ORM_BASES for klass, _ in chain[1:] for base in klass.bases):
        return True
    return any(is_declarative_base(base, where, symbols) for klass, where in chain for base in klass.bases)


def is_declarative_base(base: ExprFact, facts: FileFacts, symbols: Symbols) -> bool:
    """`Base` bound to `declarative_base()` or `registry().generate_base()`."""
    found = symbols.resolve(base.qualified, facts) if base.qualified else None
    if found is None or isinstance(found[0], (ClassFact, FunctionFact)):
        return False
    value = found[0].value
    callee = value.qualified or "" if value is not None and value.kind == "call" else ""
    return callee in DECLARATIVE_FACTORIES or callee.endswith(".generate_base")


def is_orm_class(cls: ClassFact, facts: FileFacts, symbols: Symbols, kind: str | None = None) -> bool:
    """A mapped class, a declarative base, or an ORM mixin: a class with `Mapped[...]` fields or
    `Column(...)`, `mapped_column(...)`, `relationship(...)` attributes. A Protocol is none of
    them, whatever it declares. `kind`: its `class_kind`, when the caller has it already."""
    if is_protocol_class(cls):
        return False
    if any(_is_orm_field(field) for field in cls.fields):
        return True
    return (kind if kind is not None else class_kind(cls, facts, symbols)) in ORM_KINDS


def is_orm_definition(symbol: Symbol, facts: FileFacts, symbols: Symbols, kind: str | None = None) -> bool:
    """An ORM class (`is_orm_class`), a `Table(...)` or a declarative base assignment. `kind`:
    its `symbol_kind`, when the caller has it already (a class's kind is the costliest part)."""
    if isinstance(symbol, FunctionFact):
        return False
    if isinstance(symbol, ClassFact):
        return is_orm_class(symbol, facts, symbols, kind)
    return (kind if kind is not None else assignment_kind(symbol, facts, symbols)) in ORM_KINDS


def _is_orm_field(field: FieldFact) -> bool:
    annotation = field.annotation
    if annotation is not None and annotation.qualified in MAPPED:
        return True
    value = field.value
    callee = value.qualified or "" if value is not None and value.kind == "call" else ""
    return callee.startswith("sqlalchemy.") and callee.rsplit(".", 1)[-1] in ORM_ATTRIBUTES


def is_pydantic_model(cls: ClassFact, facts: FileFacts, symbols: Symbols) -> bool:
    """A Pydantic model or a non-table SQLModel; settings classes are configuration, not schemas."""
    outside = symbols.outside_ancestors(cls, facts)
    return any(name in PYDANTIC_MODEL or name in SQLMODEL for name in outside) and not any(
        name in PYDANTIC_SETTINGS for name in outside
    )


def is_session_class(cls: ClassFact, facts: FileFacts, symbols: Symbols) -> bool:
    """A project class deriving from SQLAlchemy's or SQLModel's `Session` or `AsyncSession`."""
    outside = symbols.outside_ancestors(cls, facts)
    return any(name in ASYNC_SESSION_CLASSES or name in SYNC_SESSION_CLASSES for name in outside)


def returns_sessions(function: FunctionFact, facts: FileFacts, symbols: Symbols) -> bool:
    """A function declared to return a DB session or a sessionmaker, bare or inside a generic
    (`-> AsyncIterator[AsyncSession]`, `-> async_sessionmaker[AsyncSession]`): a session provider,
    whatever its name (arcsitegraph's `_get_session_maker`)."""
    returns = function.returns
    if returns is None or "ession" not in returns.text:  # `...Session`, `...sessionmaker`: cheap first
        return False
    names = returns.names or ((returns.qualified,) if returns.qualified else ())
    return any(symbols.canonical_name(name, facts) in DB_PLUMBING_TYPES for name in names)


def is_protocol_class(cls: ClassFact) -> bool:
    """`Protocol` (or `Protocol[T]`) is among the class's own bases: a protocol by PEP 544. A
    class that only derives from a protocol may be a concrete class, even a mapped table."""
    return any(base.qualified in PROTOCOL_BASES for base in cls.bases)


def _is_exception_name(qualified: str) -> bool:
    last = qualified.rsplit(".", 1)[-1]
    return last in BUILTIN_EXCEPTIONS or last.endswith(("Error", "Exception"))


# How a finding names an imported definition of each kind (`imports model class `User``).
KIND_NOUNS = {
    TABLE: "ORM class",
    ORM_BASE: "declarative base",
    COLUMN_TYPE: "column type",
    PYDANTIC: "Pydantic model",
    DATA_CLASS: "data class",
    ENUM: "enum",
    CONSTANT: "constant",
    TYPE_ALIAS: "type alias",
    NEWTYPE: "NewType",
    TYPEVAR: "TypeVar",
    EXCEPTION: "exception",
    PROTOCOL: "Protocol",
    FUNCTION: "function",
    CLASS: "class",
    VALUE: "name",
}


def kind_noun(kind: str, symbol: Symbol) -> str:
    """What a message calls a definition of `kind`: a `Table(...)` is a table, not a class."""
    if kind == TABLE and isinstance(symbol, AssignmentFact):
        return "table"
    return KIND_NOUNS.get(kind, "name")
