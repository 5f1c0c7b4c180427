"""PEP 695 on an `ast` without it (3.10, 3.11): `parse_type_params` gives the tree libcst's
fallback gives, node for node and position for position, or None."""

from __future__ import annotations

import ast
import random
import subprocess
import sys
import sysconfig
import textwrap
import warnings
from pathlib import Path

import pytest

from layerguard.facts import type_params
from layerguard.facts.type_params import NEEDED, parse_type_params

needs_rewrite = pytest.mark.skipif(not NEEDED, reason="this Python's ast reads PEP 695 itself")

ACCEPTED = [
    "type X = int\n",
    "type X[T] = list[T]\n",
    "import os\n\nclass A:\n    type Y = dict[str, int]\n"
    "    def f[T: (int, str), *Ts, **P](self, x: T) -> T:\n        return x\n",
    "class C[T](Base):\n    pass\n",
    "class C[T,]:\n    pass\n",
    "def f[T = int]() -> None: ...\n",  # PEP 696 default
    "x = 'é'; type Z = int\n",  # columns are UTF-8 bytes in ast
    "type \\\n  W = int\n",  # a continuation line between keyword and name
    "async def g[T](x: T) -> T:\n    return x\n",
    "s = '''\ntype X = int\n'''\ntype Y = str\n",  # the string is not rewritten
    "if True:\n    type A = int\nelse:\n    type B = str\n",
    "try:\n    pass\nfinally:\n    type F = int\n",
    "@decorator\ndef f[T](x: T) -> T:\n    return x\ntype = 3\nprint(type(x))\n",  # `type` the builtin
    # ast columns count UTF-8 bytes: a parameter list with non-ASCII text keeps what follows it.
    "type X[Ä] = list[Ä]\ndef f[Tä, Uö](x: Uö) -> None: pass\ndef g[T: 'é'](x: T) -> None: pass\n",
    "type X = (1, 2)\ntype Y = lambda: 1\ntype Z = a if b else c\n",
    # Lines inside strings that read as PEP 695 statements: the strings are not rewritten.
    'def h():\n    """\n    type X = int\n    def f[T](x: T): ...\n    """\ntype Y = str\n',
    "x = '''\nclass C[T]:\n'''\nclass D[T]: pass\n",
    "x = f'''\n    async def g[T](): {y}\n'''\ndef f[T](): pass\n",
]

REJECTED = [
    "def f[]() -> None: ...\n",  # no parameter
    "type X[] = int\n",
    "class C[1]: pass\n",
    "def f[T: ]() -> None: ...\n",  # no bound
    "type X = \n",
    "def f[**P: int](): ...\n",  # a ParamSpec takes no bound
    "def f[\n    T,\n]() -> None: ...\n",  # over several lines: left to libcst
    'type X = int\nx = f"{"nested"}"\n',  # PEP 701 too
    "if True: type X = int\n",  # after a colon: left to libcst
    # Invalid on 3.12+ as well (the review of 2026-12-06): no tree for them.
    "type X = 1, 2\n",
    "type X = *a\n",
    "type X = *a, b\n",
    "def f():\n    type X = yield\n",
    "def f():\n    type X = yield from y\n",
    "type X[T].y = 1\n",
    "type X[T][0] = 1\n",
    "type X[T], Y = 1, 2\n",
    "type X = Y = 1\n",
    "def f[T: a for a in b]() -> None: ...\n",
    "def f[T: x := 1]() -> None: ...\n",
    "def f[T = x := 1]() -> None: ...\n",
    "def f[T = yield]() -> None: ...\n",
    # Closed by another bracket (the review of 2026-12-07): 3.12 rejects them.
    "def f[T)(x): pass\n",
    "class C[T}: pass\n",
    "type X[T) = int\n",
]


def _libcst_tree(source: str) -> ast.Module:
    from layerguard.facts.cst_to_ast import parse_with_libcst

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return parse_with_libcst(source)


def _dump(tree: ast.AST) -> str:
    return ast.dump(tree, include_attributes=True)


@needs_rewrite
@pytest.mark.parametrize("source", ACCEPTED)
def test_the_tree_is_the_one_libcst_gives(source: str) -> None:
    tree = parse_type_params(source, "x.py")
    assert tree is not None
    assert _dump(tree) == _dump(_libcst_tree(source))


# Sources the line-by-line pass rewrites by itself: each PEP 695 statement starts its line, and
# no string holds a line that reads as one (those go to the tokens).
BY_LINES = [s for s in ACCEPTED if not any(c in s for c in "\\;'\"")]


@needs_rewrite
@pytest.mark.parametrize("source", BY_LINES)
def test_statements_at_the_start_of_their_lines_need_the_file_untokenized(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cheap pass answers alone (tokenizing a whole file costs more than `ast.parse`), with
    the tree libcst gives; only a parameter list's own few tokens are read."""
    expected = _dump(_libcst_tree(source))

    def whole_file_tokens(tokens: object) -> None:
        raise AssertionError("the whole file was tokenized")

    monkeypatch.setattr(type_params, "_edits", whole_file_tokens)
    tree = parse_type_params(source, "x.py")
    assert tree is not None
    assert _dump(tree) == expected


@needs_rewrite
@pytest.mark.parametrize("source", ACCEPTED + REJECTED)
def test_the_line_pass_gives_what_the_tokens_give(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    both = parse_type_params(source, "x.py")
    monkeypatch.setattr(type_params, "_line_edits", lambda lines: None)
    tokens_only = parse_type_params(source, "x.py")
    assert (both is None) == (tokens_only is None)
    if both is not None and tokens_only is not None:
        assert _dump(both) == _dump(tokens_only)


@needs_rewrite
@pytest.mark.parametrize("source", REJECTED)
def test_anything_more_or_invalid_is_left_to_libcst(source: str) -> None:
    assert parse_type_params(source, "x.py") is None


@needs_rewrite
def test_the_checked_code_s_warnings_are_not_printed(tmp_path: Path) -> None:
    """`1if x else 2` warns at parse time; the checked code's warnings are not ours to show."""
    (tmp_path / "pyproject.toml").write_text("[tool.layerguard]\n")
    (tmp_path / "m.py").write_text("type X = int\nx = 1if True else 2\n")
    result = subprocess.run(
        [sys.executable, "-m", "layerguard", "check", "--no-cache", str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Warning" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr


def test_a_python_that_reads_pep_695_needs_no_rewrite() -> None:
    assert (sys.version_info < (3, 12)) == NEEDED
    if not NEEDED:
        assert parse_type_params("type X = int\n", "x.py") is None


@needs_rewrite
def test_real_modules_with_pep_695_statements_give_libcst_s_tree() -> None:
    """Standard-library modules with a `type` statement and a generic function put between
    their top-level statements: the rest of a real file is read exactly as before."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    candidates = sorted(p for p in stdlib.glob("*.py") if 2_000 < p.stat().st_size < 40_000)
    for path in random.Random(695).sample(candidates, 8):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines(keepends=True)
        tops = [_first_line(n) - 1 for n in ast.parse(source).body]
        at = random.Random(path.name).choice(tops)
        added = "type _Alias[T] = list[T]\ndef _generic[T: int](x: T) -> T:\n    return x\n"
        edited = "".join(lines[:at]) + added + "".join(lines[at:])
        tree = parse_type_params(edited, str(path))
        assert tree is not None, path
        assert _dump(tree) == _dump(_libcst_tree(edited)), path


def _first_line(statement: ast.stmt) -> int:
    """Where a top-level statement starts, its decorators included."""
    decorators = getattr(statement, "decorator_list", [])
    return min([statement.lineno, *(d.lineno for d in decorators)])


@needs_rewrite
def test_parse_source_reads_pep_695_without_importing_libcst(tmp_path: Path) -> None:
    """The point of the rewrite: libcst (20x slower than ast, and able to crash) is not needed."""
    script = textwrap.dedent(
        """
        import sys
        from layerguard.facts.parse import parse_source
        tree = parse_source("type X = int\\ndef f[T](x: T) -> T:\\n    return x\\n", "x.py")
        assert [type(n).__name__ for n in tree.body] == ["Assign", "FunctionDef"], tree.body
        assert "libcst" not in sys.modules
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
