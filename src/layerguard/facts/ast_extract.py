"""One pass over a file's `ast` tree, recording the facts every rule needs."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from layerguard.model import FileFacts, ImportFact, Span, TypingSubscriptFact

TYPING_MODULES = frozenset({"typing", "typing_extensions"})
PEP604_NAMES = frozenset({"Optional", "Union"})

# flake8's noqa syntax: a bare noqa comment, or one with codes (`noqa: LG101,LG102`), any case.
NOQA_RE = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)
CODE_RE = re.compile(r"[A-Z]+[0-9]+", re.I)
LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


class SourceLines:
    """Converts ast's UTF-8 byte columns to code-point columns, cheaply for ASCII lines."""

    def __init__(self, source: str) -> None:
        # Only \r\n, \r and \n end a line for Python; str.splitlines also splits on \f and more.
        self.lines = LINE_RE.findall(source)

    def column(self, line: int, byte_column: int) -> int:
        if not 0 < line <= len(self.lines):
            return byte_column
        text = self.lines[line - 1]
        if text.isascii():
            return byte_column
        return len(text.encode("utf-8")[:byte_column].decode("utf-8", errors="replace"))

    def segment(self, node: ast.AST) -> str | None:
        """The node's source text (what `ast.get_source_segment` gives, without re-splitting)."""
        line, end_line = node.lineno, node.end_lineno  # type: ignore[attr-defined]
        if end_line is None or not 0 < line <= end_line <= len(self.lines):
            return None
        chunk = "".join(self.lines[line - 1 : end_line]).encode("utf-8")
        last_line_start = len("".join(self.lines[line - 1 : end_line - 1]).encode("utf-8"))
        start = node.col_offset  # type: ignore[attr-defined]
        end = last_line_start + node.end_col_offset  # type: ignore[attr-defined]
        return chunk[start:end].decode("utf-8", errors="replace")

    def span(self, node: ast.AST) -> Span:
        line = node.lineno  # type: ignore[attr-defined]
        end_line = node.end_lineno or line  # type: ignore[attr-defined]
        end_byte = node.end_col_offset  # type: ignore[attr-defined]
        return Span(
            line,
            self.column(line, node.col_offset),  # type: ignore[attr-defined]
            end_line,
            self.column(end_line, end_byte if end_byte is not None else node.col_offset),  # type: ignore[attr-defined]
        )


@dataclass
class _Context:
    type_checking: bool = False
    function_depth: int = 0
    in_annotation: bool = False
    # True where Python never evaluates the code: string annotations, TYPE_CHECKING blocks,
    # annotations under `from __future__ import annotations`, local variable annotations.
    typing_only: bool = False


class FactExtractor(ast.NodeVisitor):
    """Walks a module once; `facts()` returns what it saw."""

    def __init__(self, source: str, tree: ast.Module) -> None:
        self.source = source
        self.lines = SourceLines(source)
        self.tree = tree
        self.context = _Context()
        self.future_annotations = any(
            isinstance(stmt, ast.ImportFrom)
            and stmt.module == "__future__"
            and any(alias.name == "annotations" for alias in stmt.names)
            for stmt in tree.body
        )
        # Local names bound to typing.Optional/Union, and to the typing modules themselves.
        self.typing_names: dict[str, str] = {}
        self.typing_module_names: set[str] = set()
        self.imports: list[ImportFact] = []
        self.typing_subscripts: list[TypingSubscriptFact] = []
        self.statement_ranges: list[tuple[int, int]] = []
        self.statement_span: Span | None = None

    # --- statements -------------------------------------------------------------------

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt):
            self._record_statement(node)
        super().visit(node)

    def _record_statement(self, node: ast.stmt) -> None:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            last = max(first, body[0].lineno - 1)  # a compound statement's header
        else:
            last = node.end_lineno or node.lineno
        if last > first:
            self.statement_ranges.append((first, last))

    def visit_Import(self, node: ast.Import) -> None:
        statement = self.lines.span(node)
        for alias in node.names:
            self._add_import(alias.name, None, alias.asname, 0, alias, statement)
            if alias.name in TYPING_MODULES:
                self.typing_module_names.add(alias.asname or alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        statement = self.lines.span(node)
        module = node.module or ""
        for alias in node.names:
            self._add_import(module, alias.name, alias.asname, node.level, alias, statement)
            if node.level == 0 and module in TYPING_MODULES and alias.name in PEP604_NAMES:
                self.typing_names[alias.asname or alias.name] = alias.name

    def _add_import(
        self, module: str, name: str | None, alias: str | None, level: int, node: ast.alias, statement: Span
    ) -> None:
        self.imports.append(
            ImportFact(
                module=module,
                name=name,
                alias=alias,
                level=level,
                span=self.lines.span(node),
                statement=statement,
                type_checking=self.context.type_checking,
                in_function=self.context.function_depth > 0,
            )
        )

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking_test(node.test):
            self.generic_visit(node)
            return
        self.visit(node.test)
        outer = self.context
        self.context = _Context(True, outer.function_depth, outer.in_annotation, True)
        for stmt in node.body:
            self.visit(stmt)
        self.context = outer
        for stmt in node.orelse:
            self.visit(stmt)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._visit_arguments(node.args)
        if node.returns is not None:
            self._visit_annotation(node.returns, runtime=not self.future_annotations)
        self.context.function_depth += 1
        for stmt in node.body:
            self.visit(stmt)
        self.context.function_depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_arguments(node.args)
        self.context.function_depth += 1
        self.visit(node.body)
        self.context.function_depth -= 1

    def _visit_arguments(self, args: ast.arguments) -> None:
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(default)
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        every += [a for a in (args.vararg, args.kwarg) if a is not None]
        for arg in every:
            if arg.annotation is not None:
                self._visit_annotation(arg.annotation, runtime=not self.future_annotations)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        # Python evaluates a local variable's annotation never, a module or class one always.
        local = self.context.function_depth > 0
        self.visit(node.target)
        self._visit_annotation(node.annotation, runtime=not (local or self.future_annotations))
        if node.value is not None:
            self.visit(node.value)

    def _visit_annotation(self, node: ast.expr, *, runtime: bool) -> None:
        outer = self.context
        self.context = _Context(
            outer.type_checking, outer.function_depth, True, outer.typing_only or not runtime
        )
        self.visit(node)
        self.context = outer

    # --- expressions ------------------------------------------------------------------

    def visit_Constant(self, node: ast.Constant) -> None:
        if self.context.in_annotation and isinstance(node.value, str):
            self._visit_string_annotation(node)

    def visit_Call(self, node: ast.Call) -> None:
        self.visit(node.func)
        # `cast("Optional[int]", x)`: the first argument is a type, possibly quoted, and
        # evaluated at runtime unless quoted as a whole.
        if node.args and self._is_typing_attr(node.func, "cast"):
            self._visit_annotation(node.args[0], runtime=True)
            rest: list[ast.expr] = node.args[1:]
        else:
            rest = node.args
        for arg in rest:
            self.visit(arg)
        for keyword in node.keywords:
            self.visit(keyword.value)

    def _visit_string_annotation(self, node: ast.Constant) -> None:
        """Parse a quoted annotation and visit it as typing-only code, positioned in the file."""
        segment = self.lines.segment(node)
        if segment is None or "\n" in segment:
            return
        body = _string_literal_body(segment)
        if body is None or body != node.value:
            return  # escapes or implicit concatenation: positions inside would be guesses
        try:
            inner = ast.parse(body.strip(), mode="eval").body
        except (SyntaxError, ValueError):
            return
        if not body.isascii():
            return  # inner positions would be bytes, not code points; never seen in practice
        offset = self.lines.column(node.lineno, node.col_offset) + _prefix_length(segment)
        offset += len(body) - len(body.lstrip())
        shifter = _StringAnnotationPositions(node.lineno, offset)
        shifter.visit(inner)
        outer = self.context
        self.context = _Context(outer.type_checking, outer.function_depth, True, True)
        saved_lines = self.lines
        self.lines = _CodePointLines()
        self.visit(inner)
        self.lines = saved_lines
        self.context = outer

    def visit_Subscript(self, node: ast.Subscript) -> None:
        kind = self._typing_pep604_kind(node.value)
        if kind is not None:
            self._record_typing_subscript(node, kind)
        self.generic_visit(node)

    def _typing_pep604_kind(self, value: ast.expr) -> str | None:
        if isinstance(value, ast.Name):
            return self.typing_names.get(value.id)
        if (
            isinstance(value, ast.Attribute)
            and value.attr in PEP604_NAMES
            and isinstance(value.value, ast.Name)
            and value.value.id in self.typing_module_names
        ):
            return value.attr
        return None

    def _is_typing_attr(self, func: ast.expr, name: str) -> bool:
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            return func.attr == name and func.value.id in self.typing_module_names
        if isinstance(func, ast.Name):
            return func.id == name and any(
                imp.name == name and imp.module in TYPING_MODULES and (imp.alias or imp.name) == name
                for imp in self.imports
            )
        return False

    def _record_typing_subscript(self, node: ast.Subscript, kind: str) -> None:
        members = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if any(isinstance(m, ast.Starred) for m in members):
            return  # ruff skips these: `Union[*Ts]` has no PEP 604 spelling
        quoted = any(_is_string(m) for m in members)
        if quoted and not self.context.typing_only:
            return  # `"User" | None` would be evaluated at runtime and fail
        has_none = kind == "Optional" or any(_is_none(m) for m in members)
        self.typing_subscripts.append(
            TypingSubscriptFact(
                kind=kind,
                span=self.lines.span(node),
                has_none=has_none,
                member_count=len(members),
                replacement=None if quoted else self._pep604_text(kind, members),
            )
        )

    def _pep604_text(self, kind: str, members: list[ast.expr]) -> str | None:
        if isinstance(self.lines, _CodePointLines):
            return None  # inside a string annotation: no fix offered
        parts: list[str] = []
        for member in members:
            if not isinstance(member, (ast.Name, ast.Attribute, ast.Subscript, ast.Constant, ast.BinOp)):
                return None
            if isinstance(member, ast.BinOp) and not isinstance(member.op, ast.BitOr):
                return None
            segment = self.lines.segment(member)
            if segment is None or "\n" in segment:
                return None
            parts.append(segment)
        if kind == "Optional":
            parts.append("None")
        return " | ".join(dict.fromkeys(parts))

    def facts(self, path: Path, module: str, is_package: bool) -> FileFacts:
        return FileFacts(
            path=path,
            module=module,
            is_package=is_package,
            imports=tuple(self.imports),
            typing_subscripts=tuple(self.typing_subscripts),
            noqa=tuple(find_noqa_comments(self.source)),
            statement_ranges=tuple(sorted(self.statement_ranges)),
        )


class _CodePointLines(SourceLines):
    """Inside a string annotation, positions were already shifted to code points."""

    def __init__(self) -> None:
        self.lines = []

    def column(self, line: int, byte_column: int) -> int:
        return byte_column


class _StringAnnotationPositions(ast.NodeVisitor):
    """Moves nodes parsed from a one-line string annotation to where they stand in the file."""

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.offset = column

    def generic_visit(self, node: ast.AST) -> None:
        if hasattr(node, "lineno"):
            node.lineno = self.line
            node.end_lineno = self.line  # type: ignore[attr-defined]
            node.col_offset += self.offset  # type: ignore[attr-defined]
            if node.end_col_offset is not None:  # type: ignore[attr-defined]
                node.end_col_offset += self.offset  # type: ignore[attr-defined]
        super().generic_visit(node)


def _is_type_checking_test(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_string(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _prefix_length(segment: str) -> int:
    """Characters before a string literal's body: prefix letters and the opening quote(s)."""
    index = 0
    while index < len(segment) and segment[index] not in "'\"":
        index += 1
    quote = segment[index : index + 3]
    return index + (3 if quote in ('"""', "'''") else 1)


def _string_literal_body(segment: str) -> str | None:
    """The text between the quotes of a plain one-part literal; None for raw/bytes/f-strings."""
    prefix_end = _prefix_length(segment)
    prefix = segment[:prefix_end].rstrip("'\"").lower()
    if prefix not in ("", "u"):
        return None
    quote_length = prefix_end - len(prefix)
    body = segment[prefix_end : len(segment) - quote_length]
    if "\\" in body:
        return None
    return body


def find_noqa_comments(source: str) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(line, codes) for each `# noqa` comment; codes empty for a bare `# noqa`."""
    if "noqa" not in source.lower():
        return
    for number, line in enumerate(LINE_RE.findall(source), start=1):
        if "noqa" not in line.lower() or "#" not in line:
            continue
        match = NOQA_RE.search(line)
        if match is None:
            continue
        codes = match.group("codes")
        yield number, tuple(c.upper() for c in CODE_RE.findall(codes)) if codes else ()


def extract_facts(source: str, tree: ast.Module, path: Path, module: str, is_package: bool) -> FileFacts:
    extractor = FactExtractor(source, tree)
    extractor.visit(tree)
    return extractor.facts(path, module, is_package)
