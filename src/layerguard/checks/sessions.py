"""Which receivers are database sessions (SPEC §1 "DB session"), from declared types only.

A receiver is a session when what the file (or the project) states about it says so: a parameter
annotation (`AsyncSession`, `Annotated[AsyncSession, ...]`, an alias such as `SessionDep`
defined in any module), `self.x` typed in `__init__` (of the class or of a project base class),
or the call that made it (`async with maker() as s` where `maker = async_sessionmaker(...)`).
A variable's name alone never makes it a session: aiohttp's `session.get()` is an HTTP call.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from layerguard.model import AssignmentFact, CallFact, ClassFact, ExprFact, FileFacts, FunctionFact
from layerguard.symbol_kinds import (
    ASYNC_SESSION_CLASSES,
    ASYNC_SESSIONMAKERS,
    SYNC_SESSION_CLASSES,
    SYNC_SESSIONMAKERS,
)
from layerguard.symbols import MAX_HOPS

if TYPE_CHECKING:
    from layerguard.context import FileView
    from layerguard.symbols import Symbol


class SessionKind(enum.Enum):
    ASYNC = "AsyncSession"
    SYNC = "Session"


# Wrappers whose first member is the type that matters: `Annotated[AsyncSession, Depends(...)]`,
# `Optional[Session]`, and what a session provider returns (`AsyncIterator[AsyncSession]`).
TYPING_PREFIXES = ("typing.", "typing_extensions.", "collections.abc.", "contextlib.")
WRAPPERS = frozenset(
    {
        "Annotated", "Optional", "Iterator", "Generator", "AsyncIterator", "AsyncGenerator",
        "AbstractContextManager", "AbstractAsyncContextManager", "ContextManager", "AsyncContextManager",
    }
)  # fmt: skip
UNION = frozenset({"typing.Union", "typing_extensions.Union"})
NEWTYPES = frozenset({"typing.NewType", "typing_extensions.NewType"})


def sessionmaker_kind(call: ExprFact, facts: FileFacts, view: FileView) -> SessionKind | None:
    """`async_sessionmaker(...)` makes AsyncSessions; `sessionmaker(...)` makes sync Sessions
    unless given `class_=AsyncSession`; anything else is not a sessionmaker."""
    if call.kind != "call" or not call.qualified:
        return None
    callee = view.symbols.canonical_name(call.qualified, facts)
    if callee in ASYNC_SESSIONMAKERS:
        return SessionKind.ASYNC
    if callee not in SYNC_SESSIONMAKERS:
        return None
    class_ = dict(call.keywords).get("class_")
    if class_ is None and len(call.args) >= 2:
        class_ = call.args[1]  # sessionmaker(bind, class_, ...)
    if class_ is not None and type_kind(class_, facts, view) is SessionKind.ASYNC:
        return SessionKind.ASYNC
    return SessionKind.SYNC


def type_kind(annotation: ExprFact, facts: FileFacts, view: FileView, depth: int = 0) -> SessionKind | None:
    """The session kind an annotation (or a type alias's value) declares, else None."""
    if depth > MAX_HOPS:
        return None
    if annotation.kind == "name" and annotation.qualified:
        return _named_type_kind(annotation.qualified, facts, view, depth)
    if annotation.kind == "string" and isinstance(annotation.value, str) and annotation.value.isidentifier():
        return _named_type_kind(annotation.value, facts, view, depth)
    if annotation.kind == "subscript" and annotation.qualified and annotation.args:
        wrapper = view.symbols.canonical_name(annotation.qualified, facts)
        if _is_wrapper(wrapper):
            return type_kind(annotation.args[0], facts, view, depth + 1)
        if wrapper in UNION:
            return _union_kind(annotation.args, facts, view, depth)
        return None
    if annotation.kind == "binop" and annotation.names:
        # `AsyncSession | None`: only the outermost summary lists its names.
        kinds = {_named_type_kind(name, facts, view, depth) for name in annotation.names}
        return kinds.pop() if len(kinds) == 1 else None
    return None


def value_kind(value: ExprFact, facts: FileFacts, view: FileView) -> SessionKind | None:
    """The session kind of what a call makes: `AsyncSession(engine)`, `maker()` or
    `maker.begin()` for a sessionmaker `maker`, `provider()` for a function whose return
    annotation is a session (or an iterator or context manager of one)."""
    if value.kind != "call" or not value.qualified:
        return None
    callee = value.qualified
    if callee.endswith(".begin"):
        callee = callee.removesuffix(".begin")
    known = _session_class_kind(view.symbols.canonical_name(callee, facts))
    if known is not None:
        return known
    found = view.symbols.resolve(callee, facts)
    if found is None:
        return None
    symbol, where = found
    return _made_by(symbol, where, view)


def receiver_kind(call: CallFact, facts: FileFacts, view: FileView) -> SessionKind | None:
    """The session kind of the receiver of a call (`s` in `s.execute()`): its declared type in
    this file, or for `self.x.execute()` the type a project base class gives `x`."""
    if call.receiver_type is not None:
        return declared_kind(call.receiver_type, facts, view)
    head, _, attribute = call.callee.rpartition(".")[0].partition(".")
    if head != "self" or not attribute or "." in attribute or call.function is None:
        return None
    inherited = _inherited_attribute(facts.functions[call.function], attribute, facts, view)
    return declared_kind(*inherited, view) if inherited is not None else None


def _inherited_attribute(
    method: FunctionFact, attribute: str, facts: FileFacts, view: FileView
) -> tuple[ExprFact, FileFacts] | None:
    """The declared type of `self.<attribute>` in the nearest project base class of the
    method's class that declares one, with the file it is declared in."""
    if method.class_name is None:
        return None
    owner = method.qualname.rpartition(".")[0]
    cls = next((c for c in facts.classes if c.qualname == owner), None)
    if cls is None:
        return None
    for ancestor in view.symbols.ancestors(cls, facts):
        if isinstance(ancestor, str):
            continue
        base, where = ancestor
        declared = dict(base.init_attributes).get(attribute) or next(
            (f.annotation for f in base.fields if f.name == attribute and f.annotation is not None), None
        )
        if declared is not None:
            return declared, where
    return None


def declared_kind(declared: ExprFact, facts: FileFacts, view: FileView) -> SessionKind | None:
    """The kind of a receiver from its `CallFact.receiver_type`: an annotation, or the call
    that made it."""
    if declared.kind == "call":
        return value_kind(declared, facts, view)
    return type_kind(declared, facts, view)


def _is_wrapper(name: str) -> bool:
    return name.startswith(TYPING_PREFIXES) and name.rpartition(".")[2] in WRAPPERS


def _union_kind(
    members: tuple[ExprFact, ...], facts: FileFacts, view: FileView, depth: int
) -> SessionKind | None:
    kinds = {type_kind(m, facts, view, depth + 1) for m in members if m.kind != "none"}
    return kinds.pop() if len(kinds) == 1 else None


def _named_type_kind(qualified: str, facts: FileFacts, view: FileView, depth: int) -> SessionKind | None:
    known = _session_class_kind(view.symbols.canonical_name(qualified, facts))
    if known is not None:
        return known
    found = view.symbols.resolve(qualified, facts)
    if found is None:
        return None
    symbol, where = found
    if isinstance(symbol, ClassFact):
        return _class_kind(symbol, where, view)
    if isinstance(symbol, AssignmentFact) and symbol.value is not None and symbol.value.kind != "call":
        return type_kind(symbol.value, where, view, depth + 1)  # `SessionDep = Annotated[...]`
    if isinstance(symbol, AssignmentFact) and symbol.value is not None and len(symbol.value.args) == 2:
        # `DBSession = NewType("DBSession", AsyncSession)`: a session to the type checker too.
        callee = view.symbols.canonical_name(symbol.value.qualified or "", where)
        if callee in NEWTYPES:
            return type_kind(symbol.value.args[1], where, view, depth + 1)
    return None


def _session_class_kind(qualified: str) -> SessionKind | None:
    """The kind of sqlalchemy's or sqlmodel's own session classes, by qualified name."""
    if qualified in ASYNC_SESSION_CLASSES:
        return SessionKind.ASYNC
    if qualified in SYNC_SESSION_CLASSES:
        return SessionKind.SYNC
    return None


def _class_kind(cls: ClassFact, facts: FileFacts, view: FileView) -> SessionKind | None:
    """A project class deriving from AsyncSession or Session."""
    for ancestor in view.symbols.ancestors(cls, facts):
        if isinstance(ancestor, str):
            known = _session_class_kind(ancestor)
            if known is not None:
                return known
    return None


def _made_by(symbol: Symbol, facts: FileFacts, view: FileView) -> SessionKind | None:
    """What calling a project symbol gives: a session class's instance, a sessionmaker's
    session, or what a provider function declares it returns."""
    if isinstance(symbol, ClassFact):
        return _class_kind(symbol, facts, view)
    if isinstance(symbol, FunctionFact):
        return type_kind(symbol.returns, facts, view) if symbol.returns is not None else None
    if (
        symbol.annotation is not None
        and symbol.annotation.kind == "subscript"
        and symbol.annotation.qualified
    ):
        # `maker: async_sessionmaker[AsyncSession] = ...`
        annotated = view.symbols.canonical_name(symbol.annotation.qualified, facts)
        if annotated in ASYNC_SESSIONMAKERS:
            return SessionKind.ASYNC
    if symbol.value is not None:
        return sessionmaker_kind(symbol.value, facts, view)
    return None
