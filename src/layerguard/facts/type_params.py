"""PEP 695 syntax (`type X = V`, `def f[T]()`, `class C[T]:`) on an `ast` that predates it
(Python 3.10, 3.11), without libcst.

libcst parses a file about 20× slower than `ast` (bench/README.md, "The libcst fallback"), and
in a code base written for 3.12+ most files an older `ast` rejects fail only on these
statements. Such a file is rewritten in place — same lines, same columns — into source that
`ast` parses: `type` becomes `_=0;` (so `type X = V` reads `_=0; X = V`) and a type-parameter
list becomes spaces. The tree then gets the shape `cst_to_ast` gives these statements on such
an `ast`: `type X = V` is an `Assign` at the statement's position, type parameters are dropped.
Anything else (PEP 701 f-strings, a parameter list over several lines, source `tokenize` cannot
read) returns None, and libcst parses the file as before.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
from collections.abc import Sequence
from tokenize import TokenInfo

# With `ast.TypeAlias` (3.12+) `ast.parse` reads PEP 695 itself.
NEEDED = not hasattr(ast, "TypeAlias")

_FILLER = "_=0;"  # as long as `type`: `type X = V` -> `_=0; X = V`
_STATEMENT_START = frozenset({tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT})
_SKIPPED = frozenset({tokenize.NL, tokenize.COMMENT})


def parse_type_params(source: str, filename: str) -> ast.Module | None:
    """The tree of `source` read as a Python that knows PEP 695, or None when the file needs
    more than that (or is not valid)."""
    if not NEEDED or ("type" not in source and "[" not in source):
        return None
    lines = io.StringIO(source).readlines()  # as tokenize splits them
    # First by lines, which costs a fraction of tokenizing the file (bench/README.md, "PEP 695
    # without libcst"); its edits are checked against the tree, and any doubt goes to the tokens.
    found = _line_edits(lines)
    if found is not None and found[0]:
        tree = _rewritten(list(lines), found[0], filename)
        if tree is not None and _defines_at(tree, found[1]):
            return tree
    try:
        tokens = [t for t in tokenize.generate_tokens(iter(lines).__next__) if t.type not in _SKIPPED]
    except (tokenize.TokenError, SyntaxError, ValueError):  # as the noqa scan in ast_extract
        return None
    edits = _edits(tokens)
    if edits is None or not edits:
        return None
    return _rewritten(lines, edits, filename)


def _rewritten(lines: list[str], edits: list[tuple[Span, bool]], filename: str) -> ast.Module | None:
    """The tree of `lines` (changed in place) with `edits` made, or None if it is not the tree
    of a PEP 695 file: `ast` rejects it, or a `type` rewritten is not a statement's start."""
    aliases: list[tuple[int, int]] = []
    # Right to left, so that a span's columns still hold when it is rewritten: a parameter list
    # becomes as many spaces as it has UTF-8 bytes (`ast` columns count bytes), which may be
    # more characters than it had.
    for (row, start, end), is_alias in sorted(edits, reverse=True):
        line = lines[row - 1]
        fill = _FILLER if is_alias else " " * len(line[start:end].encode("utf-8"))
        lines[row - 1] = line[:start] + fill + line[end:]
        if is_alias:
            aliases.append((row, len(line[:start].encode("utf-8"))))
    try:
        tree = ast.parse("".join(lines), filename=filename)
    except (SyntaxError, ValueError):
        return None
    return tree if _restore_aliases(tree, aliases, lines) else None


# A line that starts a PEP 695 statement, as `_line_edits` finds them.
_ALIAS_LINE = re.compile(r"[ \t]*(type)[ \t]+[^\W\d]\w*[ \t]*([=\[])")
_GENERIC_LINE = re.compile(r"[ \t]*((?:async[ \t]+)?(?:def|class))[ \t]+[^\W\d]\w*[ \t]*\[")
_NOT_IN_PARAMS = frozenset("'\"#\\")  # a string, a comment or a continuation: tokens decide


def _line_edits(lines: Sequence[str]) -> tuple[list[tuple[Span, bool]], list[tuple[int, int]]] | None:
    """The edits for each line that starts with `type X =`, `type X[`, `def f[` or `class C[`,
    and the (line, UTF-8 column) of each such `def` or `class`; None if a parameter list is not
    one `_type_params` accepts on its own line. A line inside a string may match too: the tree
    then has no `type` statement or definition where the edit was, and the caller finds out."""
    edits: list[tuple[Span, bool]] = []
    definitions: list[tuple[int, int]] = []
    for row, line in enumerate(lines, 1):
        if "[" not in line and "type" not in line:
            continue
        opening = -1
        if alias := _ALIAS_LINE.match(line):
            edits.append(((row, alias.start(1), alias.end(1)), True))
            opening = alias.start(2) if alias.group(2) == "[" else -1
        elif generic := _GENERIC_LINE.match(line):
            definitions.append((row, len(line[: generic.start(1)].encode("utf-8"))))
            opening = generic.end() - 1
        if opening >= 0:
            if (params := _line_params(line, opening)) is None:
                return None
            edits.append(((row, opening, params), False))
    return edits, definitions


def _line_params(line: str, opening: int) -> int | None:
    """The column after the type-parameter list opening at `line[opening]`, when it closes on
    this line, holds no string, comment or continuation, and its tokens are well formed."""
    depth = 0
    for index in range(opening, len(line)):
        character = line[index]
        if character in _NOT_IN_PARAMS:
            return None
        depth += character in "([{"
        depth -= character in ")]}"
        if depth == 0:
            break
    else:
        return None
    if line[index] != "]":  # `def f[T)`: no parameter list
        return None
    text = line[opening : index + 1]
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.string]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return index + 1 if _well_formed(tokens[1:-1], text) else None


def _defines_at(tree: ast.Module, definitions: list[tuple[int, int]]) -> bool:
    """Whether a function or class definition starts at each (line, UTF-8 column)."""
    if not definitions:
        return True
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    found = {(node.lineno, node.col_offset) for node in ast.walk(tree) if isinstance(node, kinds)}
    return found.issuperset(definitions)


Span = tuple[int, int, int]  # (row, first column, column after) on one line


def _edits(tokens: Sequence[TokenInfo]) -> list[tuple[Span, bool]] | None:
    """What to rewrite: (span, True) for a `type` keyword, (span, False) for a type-parameter
    list; None when a PEP 695 statement cannot be rewritten in place."""
    edits: list[tuple[Span, bool]] = []
    for index, token in enumerate(tokens):
        if token.type != tokenize.NAME or index + 2 >= len(tokens):
            continue
        name, after = tokens[index + 1], tokens[index + 2]
        if name.type != tokenize.NAME or keyword.iskeyword(name.string):
            continue
        if token.string in ("def", "class") and after.string == "[":
            params = _type_params(tokens, index + 2)
            if params is None:
                return None
            edits.append((params, False))
        elif token.string == "type" and _starts_statement(tokens, index) and after.string in ("=", "["):
            edits.append(((token.start[0], token.start[1], token.end[1]), True))
            if after.string == "[":
                params = _type_params(tokens, index + 2)
                if params is None:
                    return None
                edits.append((params, False))
    return edits


def _starts_statement(tokens: Sequence[TokenInfo], index: int) -> bool:
    if index == 0:
        return True
    before = tokens[index - 1]
    return before.type in _STATEMENT_START or (before.type == tokenize.OP and before.string == ";")


def _type_params(tokens: Sequence[TokenInfo], opening: int) -> Span | None:
    """The span of the bracketed type-parameter list starting at `tokens[opening]` (`[`), when
    it is on one line and each parameter is well formed (`T`, `T: bound`, `*Ts`, `**P`, each
    with an optional `= default`)."""
    depth = 0
    for closing in range(opening, len(tokens)):
        text = tokens[closing].string if tokens[closing].type == tokenize.OP else ""
        depth += text in ("(", "[", "{")
        depth -= text in (")", "]", "}")
        if depth == 0:
            break
    else:
        return None
    first, last = tokens[opening], tokens[closing]
    if (
        last.string != "]"
        or first.start[0] != last.end[0]
        or not _well_formed(tokens[opening + 1 : closing], first.line)
    ):
        return None
    return first.start[0], first.start[1], last.end[1]


def _well_formed(inner: Sequence[TokenInfo], line: str) -> bool:
    params = _split_top(list(inner), (",",))
    if not params[-1] and len(params) > 1:
        params.pop()  # a trailing comma
    return all(_param(param, line) for param in params)


def _param(tokens: list[TokenInfo], line: str) -> bool:
    stars = tokens[0].string if tokens and tokens[0].string in ("*", "**") else ""
    rest = tokens[1:] if stars else tokens
    if not rest or rest[0].type != tokenize.NAME or keyword.iskeyword(rest[0].string):
        return False
    parts = _split_top(rest[1:], ("=",))
    bound, default = parts[0], parts[1] if len(parts) > 1 else None
    if len(parts) > 2 or (default is not None and not _expression(default, line)):
        return False
    if not bound:
        return True
    return not stars and bound[0].string == ":" and _expression(bound[1:], line)


def _split_top(tokens: list[TokenInfo], separators: tuple[str, ...]) -> list[list[TokenInfo]]:
    """`tokens` split at the separators outside brackets (dropping them)."""
    parts: list[list[TokenInfo]] = [[]]
    depth = 0
    for token in tokens:
        text = token.string if token.type == tokenize.OP else ""
        depth += text in ("(", "[", "{")
        depth -= text in (")", "]", "}")
        if depth == 0 and text in separators:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _expression(tokens: list[TokenInfo], line: str) -> bool:
    if not tokens:
        return False
    text = line[tokens[0].start[1] : tokens[-1].end[1]]
    try:
        # Not in brackets: `(x := 1)`, `(a for a in b)` and `(yield)` are no bound or default.
        ast.parse(text, mode="eval")
    except (SyntaxError, ValueError):
        return False
    return True


def _restore_aliases(tree: ast.Module, aliases: list[tuple[int, int]], lines: list[str]) -> bool:
    """Drop each `_=0` the rewrite put at (line, UTF-8 column) and start the `X = V` after it
    there, as `cst_to_ast` places `type X = V`. False if one is not found as written, or what
    follows it is an assignment no `type` statement can be (`type X.y = 1`, `type X = 1, 2`)."""
    wanted = set(aliases)
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            index = 0
            while index < len(body):
                statement = body[index]
                where = (getattr(statement, "lineno", 0), getattr(statement, "col_offset", -1))
                if where in wanted and _is_filler(statement) and index + 1 < len(body):
                    alias = body[index + 1]
                    if not _is_alias(alias, lines):
                        return False
                    alias.lineno, alias.col_offset = where
                    del body[index]
                    wanted.discard(where)
                index += 1
    return not wanted


def _is_alias(statement: ast.stmt, lines: list[str]) -> bool:
    """`X = V` where `V` is what the grammar allows after `type X =`: an expression, so no
    starred value, no `yield`, and a tuple only in brackets."""
    if not (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        return False
    value = statement.value
    if isinstance(value, (ast.Starred, ast.Yield, ast.YieldFrom)):
        return False
    if isinstance(value, ast.Tuple):  # its position includes its brackets when it has them
        line = lines[value.lineno - 1].encode("utf-8")
        return line[value.col_offset : value.col_offset + 1] == b"("
    return True


def _is_filler(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and statement.targets[0].id == "_"
        and isinstance(statement.value, ast.Constant)
        and statement.value.value == 0
    )
