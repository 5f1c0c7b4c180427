"""What a route handler responds with: its effective response model, and the schema classes it
names (shared by LG701 and LG702)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from layerguard.checks.routes import RouteHandler, registration_keyword
from layerguard.model import ClassFact, ExprFact, FieldFact, FileFacts
from layerguard.symbols import MAX_HOPS, Symbols

RESPONSE_PACKAGES = frozenset({"fastapi", "starlette", "sse_starlette"})
CLASS_VAR = frozenset({"typing.ClassVar", "typing_extensions.ClassVar", "ClassVar"})
# Containers whose members are each the response schema (`list[UserOut]`, `UserOut | None`).
CONTAINERS = frozenset(
    {
        "list", "set", "frozenset", "tuple", "dict", "typing.List", "typing.Set", "typing.FrozenSet",
        "typing.Tuple", "typing.Dict", "typing.Sequence", "collections.abc.Sequence", "typing.Optional",
        "typing.Union", "typing_extensions.Optional", "typing.Annotated", "typing_extensions.Annotated",
    }
)  # fmt: skip


@dataclass(frozen=True)
class ResponseModel:
    """The model FastAPI serialises a handler's result with, and where it was declared."""

    expression: ExprFact
    source: str  # "response_model" or "return annotation"


def effective_response_model(handler: RouteHandler) -> ResponseModel | None:
    """`response_model=` if given (even `None`), else the return annotation; None if neither."""
    declared = registration_keyword(handler, "response_model")
    if declared is not None:
        return ResponseModel(declared, "response_model")
    if handler.function.returns is not None:
        return ResponseModel(handler.function.returns, "return annotation")
    return None


def is_response_class_name(qualified: str | None) -> bool:
    """`fastapi.responses.JSONResponse`, `starlette.responses.Response`, `fastapi.Response` ..."""
    if not qualified:
        return False
    return qualified.partition(".")[0] in RESPONSE_PACKAGES and qualified.endswith("Response")


def is_response_subclass(expression: ExprFact, facts: FileFacts, symbols: Symbols) -> bool:
    """The expression names a Starlette `Response` class, or a project class derived from one."""
    if is_response_class_name(expression.qualified):
        return True
    found = symbols.resolve_class(expression.qualified or "", facts) if expression.qualified else None
    if found is None:
        return False
    return any(is_response_class_name(name) for name in symbols.outside_ancestors(*found))


def referenced_class(
    expression: ExprFact, facts: FileFacts, symbols: Symbols
) -> tuple[ClassFact, FileFacts] | None:
    """The project class an annotation names (`User`, `Envelope[User]`, `"User"`), following
    module-level aliases (`UserPage = Page[User]`)."""
    for _ in range(MAX_HOPS):
        name = expression.value if expression.kind == "string" else expression.qualified
        if not isinstance(name, str) or expression.kind not in ("name", "subscript", "string"):
            return None
        found = symbols.resolve(name, facts)
        if found is None:
            return None
        symbol, where = found
        if isinstance(symbol, ClassFact):
            return symbol, where
        value = getattr(symbol, "value", None)
        if not isinstance(value, ExprFact):
            return None
        expression, facts = value, where
    return None


def schema_classes(
    expression: ExprFact, facts: FileFacts, symbols: Symbols
) -> Iterator[tuple[ClassFact, FileFacts]]:
    """The classes a response model names: itself, or each member of a container
    (`list[UserOut]`, `UserOut | None`); members of a project generic (`Envelope[UserOut]`)
    are nested data, not followed."""
    if expression.kind == "subscript" and expression.qualified in CONTAINERS:
        for member in expression.args:
            yield from schema_classes(member, facts, symbols)
        return
    found = referenced_class(expression, facts, symbols)
    if found is not None:
        yield found


def model_fields(cls: ClassFact) -> Iterator[FieldFact]:
    """Annotated class-level names that are fields (`ClassVar`s are not)."""
    for field in cls.fields:
        if field.annotation is None:
            continue
        if field.annotation.qualified in CLASS_VAR:
            continue
        yield field


Owned = tuple[FieldFact, ClassFact, FileFacts]  # a field, and the class and file defining it


def fields_with_inherited(
    cls: ClassFact, facts: FileFacts, symbols: Symbols, names: frozenset[str]
) -> Iterator[Owned]:
    """The fields named in `names` of the class and of its project base classes, nearest
    definition first. Only those: every field of every class of a 10,000-class chain would be
    fifty million (see `Symbols.inherited`)."""
    return iter(symbols.inherited(cls, facts, _fields_named(names)).values())


@cache
def _fields_named(names: frozenset[str]) -> Callable[[ClassFact, FileFacts], dict[str, Owned]]:
    """A class's own fields named in `names`: one function per set, which `Symbols.inherited`
    remembers its answers under."""

    def own(cls: ClassFact, facts: FileFacts) -> dict[str, Owned]:
        return {field.name: (field, cls, facts) for field in model_fields(cls) if field.name in names}

    return own
