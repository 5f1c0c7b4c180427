"""LG403: a function parameter or return without a type hint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.model import FileFacts, Finding, FunctionFact, ParamFact, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import FileView

STATICMETHOD = frozenset({"staticmethod", "builtins.staticmethod"})
OVERLOAD = frozenset({"typing.overload", "typing_extensions.overload"})
PARAM_SPELLING = {"vararg": "*{}", "kwarg": "**{}"}


class MissingAnnotation(FileRule):
    meta = RuleMeta(
        code="LG403",
        name="missing-annotation",
        severity=Severity.ERROR,
        summary="A parameter or return lacks a type hint",
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        implementations = overload_implementations(facts)
        for index, function in enumerate(facts.functions):
            if index in implementations:
                continue
            for param in unannotated_params(function):
                spelled = PARAM_SPELLING.get(param.kind, "{}").format(param.name)
                message = f"Missing type annotation for parameter `{spelled}` of `{function.name}`"
                yield self.finding(facts, param.span, message)
            if function.returns is None and not is_init(function):
                message = f"Missing return type annotation for `{function.name}`"
                yield self.finding(facts, function.span, message)


def unannotated_params(function: FunctionFact) -> Iterator[ParamFact]:
    """Parameters without a hint, `self`/`cls` of a method left out."""
    params = list(function.params)
    if takes_receiver(function):
        first = next((p for p in params if p.kind in ("positional", "regular")), None)
        params = [p for p in params if p is not first]
    return (p for p in params if p.annotation is None)


def takes_receiver(function: FunctionFact) -> bool:
    """A method's first positional parameter is `self` or `cls`, whatever it is named."""
    if function.class_name is None:
        return False
    return not any(d.qualified in STATICMETHOD for d in function.decorators)


def is_init(function: FunctionFact) -> bool:
    return function.name == "__init__" and function.class_name is not None


def overload_implementations(facts: FileFacts) -> set[int]:
    """Indexes of functions that implement an `@overload`ed name declared just before them:
    their hints are the overloads' (ruff skips them too)."""
    found: set[int] = set()
    overloaded: dict[str, str] = {}  # parent qualname -> the name last declared `@overload` there
    for index, function in enumerate(facts.functions):
        parent = function.qualname.rpartition(".")[0]
        if any(d.qualified in OVERLOAD for d in function.decorators):
            overloaded[parent] = function.name
        elif overloaded.pop(parent, None) == function.name:
            found.add(index)
    return found
