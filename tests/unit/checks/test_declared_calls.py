"""Rules declare the calls they read (`RuleMeta.calls`, `RuleMeta.call_modules`), and the fact
extractor records exactly the calls the registry declares. A rule that compares a call against
a name nobody declared would silently see nothing: these tests fail instead."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import layerguard.checks
import layerguard.engine
from layerguard.api import check
from layerguard.checks import ALL_RULES, CALL_MODULES, CALL_NAMES, Rule
from layerguard.engine import CALLS_READ
from layerguard.facts.ast_extract import extract_facts
from layerguard.model import CallFilter


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
    """The scan is not vacuous: it finds the names LG302 and the route finder compare with."""
    found = {name for module in _check_modules() for _, name in _compared_call_names(module)}
    assert {"execute", "commit", "add_api_route", "get()", "text", "ConfigDict", "sessionmaker"} <= found


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


def test_the_engine_records_the_registrys_calls_and_no_others() -> None:
    assert CallFilter(CALL_NAMES, CALL_MODULES) == CALLS_READ
    source = "import requests\n\ndef f(s):\n    s.execute(q)\n    s.frobnicate()\n    requests.get(u)\n"
    facts = extract_facts(source, ast.parse(source), Path("/p/x.py"), "x", False, CALLS_READ)
    assert [call.callee for call in facts.calls] == ["s.execute", "requests.get"]
    every = extract_facts(source, ast.parse(source), Path("/p/x.py"), "x", False)
    assert [call.callee for call in every.calls] == ["s.execute", "s.frobnicate", "requests.get"]


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
FIXTURE_PROJECTS = sorted(
    p.parent
    for pattern in ("*/pyproject.toml", "security_rules/*/pyproject.toml")
    for p in FIXTURES.glob(pattern)
)


@pytest.mark.parametrize(
    "rule", [r for r in ALL_RULES if r.meta.calls or r.meta.call_modules], ids=lambda r: r.meta.code
)
def test_each_rule_finds_the_same_with_only_its_own_declared_calls(
    rule: Rule, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Declared per rule, not just somewhere in the registry: with the extractor recording only
    this rule's calls, its findings on every fixture project are unchanged."""
    assert FIXTURE_PROJECTS
    code = rule.meta.code
    every = {root: check([root], select=[code], cache=False, jobs=1).findings for root in FIXTURE_PROJECTS}
    assert any(every.values()), f"{code} finds nothing on the fixtures: the comparison would be vacuous"
    monkeypatch.setattr(layerguard.engine, "CALLS_READ", CallFilter(rule.meta.calls, rule.meta.call_modules))
    own = {root: check([root], select=[code], cache=False, jobs=1).findings for root in FIXTURE_PROJECTS}
    assert own == every
