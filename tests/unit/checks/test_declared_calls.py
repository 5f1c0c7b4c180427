"""Rules declare the calls they read (`RuleMeta.calls`, `RuleMeta.call_modules`), and the fact
extractor records exactly the calls the registry declares. A rule that compares a call against
a name nobody declared would silently see nothing: these tests fail instead."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType

import pytest

import layerguard.checks
from layerguard.checks import ALL_RULES, CALL_MODULES, CALL_NAMES


def _check_modules() -> Iterator[ModuleType]:
    for info in pkgutil.iter_modules(layerguard.checks.__path__):
        yield importlib.import_module(f"layerguard.checks.{info.name}")


def _compared_call_names(module: ModuleType) -> Iterator[tuple[int, str]]:
    """(line, name) for every name a call's `.method` is compared with: `call.method == "x"`,
    `call.method in NAMES` (NAMES looked up in the module, so derived sets count too)."""
    assert module.__file__ is not None
    with open(module.__file__, encoding="utf-8") as file:
        tree = ast.parse(file.read())
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        left = node.left
        if not (
            isinstance(left, ast.Attribute)
            and left.attr == "method"
            and isinstance(left.value, ast.Name)
            and left.value.id == "call"
        ):
            continue
        for comparator in node.comparators:
            if isinstance(comparator, ast.Constant) and isinstance(comparator.value, str):
                yield node.lineno, comparator.value
            elif isinstance(comparator, ast.Name):
                yield from ((node.lineno, name) for name in getattr(module, comparator.id))
            else:
                raise AssertionError(f"{module.__name__}:{node.lineno}: unreadable comparison")


@pytest.mark.parametrize("module", list(_check_modules()), ids=lambda m: m.__name__.rpartition(".")[2])
def test_every_call_name_a_rule_compares_with_is_declared(module: ModuleType) -> None:
    undeclared = [
        f"line {line}: {name!r}" for line, name in _compared_call_names(module) if name not in CALL_NAMES
    ]
    assert undeclared == []


def test_the_scan_sees_the_comparisons() -> None:
    """The scan is not vacuous: it finds the names LG302 and LG804 compare with."""
    found = {name for module in _check_modules() for _, name in _compared_call_names(module)}
    assert {"execute", "commit", "include_router", "text", "ConfigDict", "sessionmaker"} <= found


def test_every_rule_that_reads_calls_declares_them() -> None:
    for rule in ALL_RULES:
        source = importlib.import_module(type(rule).__module__).__file__
        assert source is not None
        with open(source, encoding="utf-8") as file:
            reads_calls = "facts.calls" in file.read()
        if reads_calls:
            assert rule.meta.calls or rule.meta.call_modules, rule.meta.code


def test_declared_modules_are_top_level_names() -> None:
    assert all("." not in module for module in CALL_MODULES)
