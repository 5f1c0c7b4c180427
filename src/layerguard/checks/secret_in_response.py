"""LG702: a response schema with a field named like a secret (`password`, `client_secret` ...)."""

from __future__ import annotations

from collections.abc import Iterator
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
        spellings = frozenset(
            field.name
            for facts in project.files
            for cls in facts.classes
            for field in cls.fields
            if field.name.lower() in secrets
        )
        reported: set[tuple[str, Span]] = set()
        for cls, facts, why in response_schemas(project):
            if not project.is_checked(facts):
                continue
            for field, owner, _ in fields_with_inherited(cls, facts, project, spellings):
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


def response_schemas(project: ProjectView) -> Iterator[tuple[ClassFact, FileFacts, str]]:
    """Each response schema once: a route's response model, or a class named `*Response`."""
    seen: set[ClassKey] = set()
    for facts in project.files:
        for handler in find_route_handlers(facts, project.symbols):
            model = effective_response_model(handler)
            if model is None:
                continue
            for cls, where in schema_classes(model.expression, facts, project):
                if (where.module, cls.qualname) not in seen:
                    seen.add((where.module, cls.qualname))
                    yield cls, where, f"response model of `{handler.function.name}`"
    for facts in project.files:
        for cls in facts.classes:
            key = (facts.module, cls.qualname)
            if (
                cls.name.endswith("Response")
                and key not in seen
                and not is_starlette_response(cls, facts, project)
            ):
                seen.add(key)
                yield cls, facts, "named `*Response`"


def is_starlette_response(cls: ClassFact, facts: FileFacts, project: ProjectView) -> bool:
    """A `Response` subclass is what FastAPI sends, not a schema of fields."""
    return any(is_response_class_name(name) for name in project.symbols.outside_ancestors(cls, facts))


def is_excluded(field: FieldFact) -> bool:
    """`= Field(exclude=True)` or `Annotated[str, Field(exclude=True)]`: never serialised."""
    candidates = [field.value] if field.value is not None else []
    if field.annotation is not None and field.annotation.kind == "subscript":
        candidates += field.annotation.args
    return any(
        c.kind == "call" and any(k == "exclude" and v.text == "True" for k, v in c.keywords)
        for c in candidates
    )
