"""The facts' faster `__init__` (`model._dict_filling_init`) behaves as dataclass's own."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from pathlib import Path

import pytest

from layerguard import model

FACT_CLASSES = [
    model.Span,
    model.ImportFact,
    model.TypingSubscriptFact,
    model.ExprFact,
    model.ParamFact,
    model.FunctionFact,
    model.HandlerFact,
    model.CallFact,
    model.FieldFact,
    model.ClassFact,
    model.RaiseFact,
    model.AssignmentFact,
    model.StringFact,
    model.NoqaDirective,
    model.FileFacts,
]


@pytest.mark.parametrize("cls", FACT_CLASSES, ids=lambda cls: cls.__name__)
def test_the_parameters_are_the_fields_with_their_defaults(cls: type) -> None:
    parameters = list(inspect.signature(cls).parameters.values())
    fields = dataclasses.fields(cls)
    assert [p.name for p in parameters] == [f.name for f in fields]
    assert [p.default for p in parameters] == [
        inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in fields
    ]


def test_a_fact_is_frozen_equal_hashable_and_pickles() -> None:
    span = model.Span(1, 2, 3, 4)
    expr = model.ExprFact("name", "x", span, qualified="x")
    assert expr == model.ExprFact(kind="name", text="x", span=model.Span(1, 2, 3, 4), qualified="x")
    assert hash(expr) == hash(model.ExprFact("name", "x", model.Span(1, 2, 3, 4), "x"))
    assert (expr.names, expr.assigned, expr.template) == ((), None, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        expr.text = "y"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(expr)) == expr
    assert dataclasses.replace(expr, text="y").text == "y"
    facts = model.FileFacts(Path("a.py"), "a", False)
    assert list(vars(facts)) == [f.name for f in dataclasses.fields(model.FileFacts)]
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'end_column'"):
        model.Span(1, 2, 3)  # type: ignore[call-arg]


def test_a_default_factory_keeps_dataclass_init() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithFactory:
        items: list[int] = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError, match="default factory"):
        model._dict_filling_init(WithFactory)
