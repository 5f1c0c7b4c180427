"""LG702: a response schema with a field named like a secret (`password`, `client_secret` ...)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from layerguard.checks.base import ProjectRule
from layerguard.checks.responses import (
    effective_response_model,
    fields_with_inherited,
    is_response_class_name,
    schema_classes,
)
from layerguard.checks.routes import ROUTE_CALLS, find_route_handlers
from layerguard.model import ClassFact, FieldFact, FileFacts, Finding, RuleMeta, Severity, Span

if TYPE_CHECKING:
    from layerguard.context import ProjectView
    from layerguard.symbols import Symbols

ClassKey = tuple[str, str]  # (module, qualname)


class SecretInResponse(ProjectRule):
    meta = RuleMeta(
        code="LG702",
        name="secret-in-response",
        severity=Severity.ERROR,
        summary="A response schema has a secret field (password, secret key ...)",
        calls=ROUTE_CALLS,
    )

    def check_project(self, project: ProjectView) -> Iterator[Finding]:
        secrets = {name.lower() for name in project.config.secret_fields}
        # The fields are matched by name, whatever its case: every spelling the project uses.
        what = f"secret spellings {sorted(secrets)}"
        spellings = frozenset(
            name for _, names in project.collected(what, partial(_spellings, secrets)) for name in names
        )
        reported: set[tuple[str, Span]] = set()
        for cls, facts, why in response_schemas(project):
            if not project.is_checked(facts):
                continue
            for field, owner, _ in fields_with_inherited(cls, facts, project.symbols, spellings):
                if is_excluded(field):
                    continue
                inherited = owner is not cls
                span = cls.span if inherited else field.span
                if (str(facts.path), span) in reported:
                    continue
                reported.add((str(facts.path), span))
                origin = f" (inherited from `{owner.name}`)" if inherited else ""
                message = (
                    f"Response schema `{cls.name}` ({why}) has the secret field `{field.name}`{origin}: "
                    "leave it out of the response"
                )
                yield self.finding(facts, span, message)


def _spellings(secrets: set[str], facts: FileFacts, symbols: Symbols) -> frozenset[str]:
    """The names of the file's class fields that are secrets, as the file spells them."""
    return frozenset(
        field.name for cls in facts.classes for field in cls.fields if field.name.lower() in secrets
    )


def response_schemas(project: ProjectView) -> Iterator[tuple[ClassFact, FileFacts, str]]:
    """Each response schema once: a route's response model, or a class named `*Response` (in a
    checked file: a narrow check reports in its files alone)."""
    seen: set[ClassKey] = set()
    for _, models in project.collected("response models", _response_models):
        for cls, where, why in models:
            if (where.module, cls.qualname) not in seen:
                seen.add((where.module, cls.qualname))
                yield cls, where, why
    for facts in project.checked_files:
        for cls in project.per_file("response-named classes", facts, _response_named):
            key = (facts.module, cls.qualname)
            if key not in seen:
                seen.add(key)
                yield cls, facts, "named `*Response`"


def _response_models(facts: FileFacts, symbols: Symbols) -> list[tuple[ClassFact, FileFacts, str]]:
    """The schema classes the file's route handlers respond with, and whose response model each is."""
    return [
        (cls, where, f"response model of `{handler.function.name}`")
        for handler in find_route_handlers(facts, symbols)
        if (model := effective_response_model(handler)) is not None
        for cls, where in schema_classes(model.expression, facts, symbols)
    ]


def _response_named(facts: FileFacts, symbols: Symbols) -> list[ClassFact]:
    """The file's classes named `*Response` that are not Starlette responses."""
    return [
        cls
        for cls in facts.classes
        if cls.name.endswith("Response") and not is_starlette_response(cls, facts, symbols)
    ]


def is_starlette_response(cls: ClassFact, facts: FileFacts, symbols: Symbols) -> bool:
    """A `Response` subclass is what FastAPI sends, not a schema of fields."""
    return any(is_response_class_name(name) for name in symbols.outside_ancestors(cls, facts))


def is_excluded(field: FieldFact) -> bool:
    """`= Field(exclude=True)` or `Annotated[str, Field(exclude=True)]`: never serialised."""
    candidates = [field.value] if field.value is not None else []
    if field.annotation is not None and field.annotation.kind == "subscript":
        candidates += field.annotation.args
    return any(
        c.kind == "call" and any(k == "exclude" and v.text == "True" for k, v in c.keywords)
        for c in candidates
    )
