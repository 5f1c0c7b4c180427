"""Cyclomatic complexity of a function, counted exactly as ruff's C901 (mccabe) counts it."""

from __future__ import annotations

import ast

# `try ... except*` (3.11+) counts as `try` does.
TRY_STATEMENTS: tuple[type[ast.stmt], ...] = (ast.Try, *([ast.TryStar] if hasattr(ast, "TryStar") else []))


def function_complexity(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return 1 + _statements(node.body)


# The statements that can hold a decision point; the others (most: expressions, assignments,
# returns) are passed over with one set lookup instead of seven type tests.
_COMPOUND = frozenset(
    {
        ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Match,
        *TRY_STATEMENTS, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
    }
)  # fmt: skip


def _statements(body: list[ast.stmt]) -> int:
    """Decision points in a block: branches and loops add one, boolean operators add none."""
    total = 0
    for stmt in body:
        if stmt.__class__ not in _COMPOUND:
            continue
        if isinstance(stmt, ast.If):
            # An `elif` is an `if` inside `orelse`: it adds its own one, as in ruff.
            total += 1 + _statements(stmt.body) + _statements(stmt.orelse)
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            total += 1 + _statements(stmt.body) + _statements(stmt.orelse)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            total += _statements(stmt.body)
        elif isinstance(stmt, ast.Match):
            total += sum(1 + _statements(case.body) for case in stmt.cases)
            if stmt.cases and _is_irrefutable(stmt.cases[-1]):
                total -= 1  # like an `else`: no decision of its own
        elif isinstance(stmt, TRY_STATEMENTS):
            try_stmt: ast.Try = stmt  # type: ignore[assignment]  # TryStar has the same fields
            total += _statements(try_stmt.body) + _statements(try_stmt.finalbody)
            total += (1 if try_stmt.orelse else 0) + _statements(try_stmt.orelse)
            total += sum(1 + _statements(handler.body) for handler in try_stmt.handlers)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            total += 1 + _statements(stmt.body)
        elif isinstance(stmt, ast.ClassDef):
            total += _statements(stmt.body)
    return total


def _is_irrefutable(case: ast.match_case) -> bool:
    pattern = case.pattern
    while isinstance(pattern, ast.MatchAs) and pattern.pattern is not None:
        pattern = pattern.pattern
    wildcard = isinstance(pattern, ast.MatchAs) and pattern.pattern is None
    return case.guard is None and wildcard
