"""One pass over a file's `ast` tree, recording the facts every rule needs."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from layerguard.facts.complexity import function_complexity
from layerguard.facts.summarize import (
    FASTAPI_DEPENDENCY_MARKERS,
    ImportNames,
    Summarizer,
    dotted_name,
    string_template,
)
from layerguard.model import (
    DSN_RE,
    TEXT_LIMIT,
    AssignmentFact,
    CallFact,
    CallFilter,
    ClassFact,
    DefinitionFact,
    ExprFact,
    FieldFact,
    FileFacts,
    FunctionFact,
    HandlerFact,
    ImportFact,
    KeyReadFact,
    NoqaDirective,
    OpenedFact,
    ParamFact,
    RaiseFact,
    ReturnFact,
    Span,
    StringFact,
    TypingSubscriptFact,
    UnpackFact,
    YieldFact,
)

TYPING_MODULES = frozenset({"typing", "typing_extensions"})
PEP604_NAMES = frozenset({"Optional", "Union"})
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
TYPE_ALIAS_MARKERS = frozenset({"typing.TypeAlias", "typing_extensions.TypeAlias"})
GENERIC_MODULES = ("typing.", "typing_extensions.", "collections.abc.")
BUILTIN_GENERICS = frozenset({"list", "dict", "set", "frozenset", "tuple", "type"})
FINAL = frozenset({"typing.Final", "typing_extensions.Final"})
# Mapping methods that read one key (`KeyReadFact`).
KEY_READ_METHODS = frozenset({"get", "pop", "setdefault"})

# flake8's noqa syntax: a bare noqa comment, or one with codes (`noqa: LG101,LG102`), any case.
NOQA_RE = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)
CODE_RE = re.compile(r"[A-Z]+[0-9]+", re.I)
LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
# The ASCII characters besides \r and \n at which `str.splitlines` ends a line.
_OTHER_ASCII_LINE_ENDS = ("\v", "\f", "\x1c", "\x1d", "\x1e")


class SourceLines:
    """Converts ast's UTF-8 byte columns to code-point columns, cheaply for ASCII lines."""

    def __init__(self, source: str) -> None:
        # Only \r\n, \r and \n end a line for Python; str.splitlines also splits on \f and more,
        # but is 2.5x faster than the expression: used where none of those is in the text.
        if source.isascii() and not any(other in source for other in _OTHER_ASCII_LINE_ENDS):
            self.lines = source.splitlines(keepends=True)
        else:
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
        if line == end_line and self.lines[line - 1].isascii():  # most nodes: no re-encoding
            text: str = self.lines[line - 1][node.col_offset : node.end_col_offset]  # type: ignore[attr-defined]
            return text
        chunk = "".join(self.lines[line - 1 : end_line]).encode("utf-8")
        last_line_start = len("".join(self.lines[line - 1 : end_line - 1]).encode("utf-8"))
        start = node.col_offset  # type: ignore[attr-defined]
        end = last_line_start + node.end_col_offset  # type: ignore[attr-defined]
        return chunk[start:end].decode("utf-8", errors="replace")

    def located(self, node: ast.AST) -> tuple[Span, str | None]:
        """`span` and `segment` at once, as every summary needs both: for a node on one ASCII
        line (most), the line is looked up and tested once."""
        line = node.lineno  # type: ignore[attr-defined]
        lines = self.lines
        if line == node.end_lineno and 0 < line <= len(lines):  # type: ignore[attr-defined]
            text = lines[line - 1]
            column, end_column = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
            if end_column is not None and text.isascii():
                return Span(line, column, line, end_column), text[column:end_column]
        return self.span(node), self.segment(node)

    def span(self, node: ast.AST) -> Span:
        line = node.lineno  # type: ignore[attr-defined]
        end_line = node.end_lineno or line  # type: ignore[attr-defined]
        column = node.col_offset  # type: ignore[attr-defined]
        end_column = node.end_col_offset  # type: ignore[attr-defined]
        if end_column is None:
            end_column = column
        # `column` inlined for ASCII lines: a span is made for most nodes the extractor records.
        lines = self.lines
        if not (0 < line <= len(lines) and lines[line - 1].isascii()):
            column = self.column(line, column)
        if not (0 < end_line <= len(lines) and lines[end_line - 1].isascii()):
            end_column = self.column(end_line, end_column)
        return Span(line, column, end_line, end_column)


@dataclass
class _Context:
    type_checking: bool = False
    function_depth: int = 0
    in_annotation: bool = False
    # True where Python never evaluates the code: string annotations, TYPE_CHECKING blocks,
    # annotations under `from __future__ import annotations`, local variable annotations.
    typing_only: bool = False
    # True where a name is used as a type only: annotations, TYPE_CHECKING blocks, the type
    # argument of `Annotated[...]` and `cast(...)`, a type alias's value -- not `Annotated`'s
    # metadata (`Depends(f)` runs). What makes an import annotation-only
    # (`ImportFact.annotation_only`).
    type_use: bool = False
    # True in the declared type of an injected dependency: the annotation of a parameter whose
    # default is `Depends(p)`/`Security(p)`, the type of `Annotated[T, Depends(p)]` -- what `p`
    # returns, which FastAPI hands over (`ImportFact.injected_only`).
    injected: bool = False


@dataclass
class _Frame:
    """A function body (or the module, or a class body): what its names hold."""

    function: int | None  # index in `functions` of the innermost def, None at module level
    is_async: bool  # code here runs inside an `async def` (a lambda or nested def is not)
    values: dict[str, ast.expr] = field(default_factory=dict)  # name -> last value assigned
    types: dict[str, ast.expr] = field(default_factory=dict)  # name -> annotation, or call made it
    handlers: tuple[HandlerFact, ...] = ()  # the `except ... as name` clauses open here


@dataclass
class _ClassScope:
    name: str
    attribute_types: dict[str, ast.expr]  # `self.x` -> its annotation, or what assigned it
    # A class deriving from something (a Pydantic model, an ORM class's `Mapped[...]` columns):
    # libraries read its fields' annotations at run time, so their names are no type-only use.
    fields_run: bool = False


# Calls that declare a column (or an attribute mapped like one) in a class body: SQLAlchemy's and
# SQLModel's. What a table's plain `name = call(...)` uses is a column's type only inside these.
COLUMN_CONSTRUCTORS = frozenset(
    {
        "Column",
        "mapped_column",
        "relationship",
        "column_property",
        "deferred",
        "composite",
        "synonym",
        "Field",
    }
)
# Node class -> the fields `generic_visit` walks: all but the expression context (`Load`,
# `Store`) and the operators (`+`, `and`, `==`), nodes with nothing to record.
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops"})
# The statements whose decorators come before their first line.
_DECORATED = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})


class FactExtractor(ast.NodeVisitor):
    """Walks a module once; `facts()` returns what it saw."""

    def __init__(
        self, source: str, tree: ast.Module, module: str, is_package: bool, calls: CallFilter | None = None
    ) -> None:
        self.call_filter = calls
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
        self.names = ImportNames(module, is_package)
        self.summarizer = Summarizer(self.names, self.lines.located, self._local_value)
        self.frames = [_Frame(function=None, is_async=False)]
        self.class_scopes: list[_ClassScope] = []
        self.qualname: list[str] = []
        self.awaited: set[int] = set()  # ids of call nodes that are the operand of `await`
        self.outer_calls: dict[int, str] = {}  # id of a call node -> callee of the call around it
        self.imports: list[ImportFact] = []
        self.typing_subscripts: list[TypingSubscriptFact] = []
        self.functions: list[FunctionFact] = []
        self.calls: list[CallFact] = []
        self.classes: list[ClassFact] = []
        self.raises: list[RaiseFact] = []
        self.assignments: list[AssignmentFact] = []
        self.dsn_strings: list[StringFact] = []
        self.unpacked: list[UnpackFact] = []
        self.key_reads: list[KeyReadFact] = []
        self.opened: list[OpenedFact] = []
        self.yielded: list[YieldFact] = []
        self.returns: list[ReturnFact] = []
        self.value_names: set[str] = set()  # dotted names used as values, as written
        # The first segment of every dotted name used as a type only, and of every other use.
        self.type_heads: set[str] = set()
        self.runtime_heads: set[str] = set()
        self.injected_heads: set[str] = set()  # type uses in the declared type of a dependency
        self.alias_heads: dict[str, set[str]] = {}  # module-level type alias -> names its value uses
        # Per name, the attributes read on it (`models.User` reads `User` of `models`), and the
        # names used otherwise (passed, rebound, quoted): `FileFacts.module_attributes`.
        self.attribute_reads: dict[str, set[str]] = {}
        self.bare_uses: set[str] = set()
        # The module-level names whose code is being visited ("" for other top-level code), and
        # per such name the heads its code uses at run time and as types (`DefinitionFact`).
        self.owner_uses: dict[str, tuple[set[str], set[str]]] = {}
        self.owner_sets: list[tuple[set[str], set[str]]] = []  # the current names' entries
        # Per module-level class: what its field statements use, and its owners' entries.
        self.class_fields: list[tuple[str, tuple[set[str], set[str]], list[tuple[set[str], set[str]]]]] = []
        self.statement_globals: set[str] = set()  # `global` names in the current top-level code
        self.registering: set[str] = set()  # module-level decorators that register (a registry)
        self.statement_ranges: list[tuple[int, int]] = []
        # Node class -> this extractor's bound method for it (`generic_visit` when it has none):
        # one dictionary lookup per node instead of a lookup and a bound method made each time.
        # A reference cycle, broken by `extract_facts` as the summarizer's is.
        self.visitors: dict[type, Callable[[ast.AST], None]] = {}

    # --- helpers for the summarizer ---------------------------------------------------

    def _text(self, node: ast.AST) -> str | None:
        return self.lines.segment(node)

    def _local_value(self, name: str) -> ExprFact | None:
        node = self.frames[-1].values.get(name)
        if node is None:
            return None
        # One level only: the assigned value's own names are not followed again.
        return self.summarizer.summarize(node, depth=2, follow_locals=False)

    def summarize(self, node: ast.expr, depth: int = 2) -> ExprFact:
        return self.summarizer.summarize(node, depth)

    # --- statements -------------------------------------------------------------------

    def visit(self, node: ast.AST) -> None:
        owners: tuple[str, ...] | None = None
        if isinstance(node, ast.stmt):
            self._record_statement(node)
            if not self.qualname:
                # A top-level statement (or one inside a top-level `if`/`try` …): the names it
                # binds own what its code uses (`DefinitionFact`). Set here rather than in a
                # second method around `visit`, which would cost a long `elif` chain twice the
                # frames (too deeply nested to analyse sooner).
                owners = _defined_names(node, self.registering)
                outer = self.owner_sets
                self.owner_sets = [self.owner_uses.setdefault(owner, (set(), set())) for owner in owners]
        kind = node.__class__
        try:
            method = self.visitors[kind]
        except KeyError:
            method = self.visitors[kind] = getattr(self, "visit_" + kind.__name__, self.generic_visit)
        method(node)
        if owners is not None:
            self.owner_sets = outer
            if self.statement_globals:
                self._own_globals(owners)

    def visit_Global(self, node: ast.Global) -> None:
        if self.qualname:
            self.statement_globals.update(node.names)

    def _own_globals(self, owners: tuple[str, ...]) -> None:
        """`def init(): global REPO; REPO = UserRepository()`: what `REPO` holds comes from the
        function's code, so `REPO` needs the function (and through it what the function uses)."""
        for name in self.statement_globals:
            self.owner_uses.setdefault(name, (set(), set()))[0].update(owners)
        self.statement_globals.clear()

    def generic_visit(self, node: ast.AST) -> None:
        """`ast.NodeVisitor.generic_visit` without the expression contexts (`Load`, `Store`)
        and operators: a quarter of all nodes, with nothing to record. With the cached dispatch
        in `visit`, this walks prefect 40% faster than `ast.NodeVisitor`."""
        kind = node.__class__
        try:
            fields = _CHILD_FIELDS[kind]
        except KeyError:
            fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in _SKIPPED_FIELDS)
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def _record_statement(self, node: ast.stmt) -> None:
        if node.end_lineno == node.lineno and node.__class__ not in _DECORATED:
            return  # one line: no range (most statements)
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
            self.names.bind_import(alias.name, alias.asname)
            if alias.name in TYPING_MODULES:
                self.typing_module_names.add(alias.asname or alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        statement = self.lines.span(node)
        module = node.module or ""
        for alias in node.names:
            self._add_import(module, alias.name, alias.asname, node.level, alias, statement)
            self.names.bind_from(module, node.level, alias.name, alias.asname)
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
                deferred=self.context.function_depth > 0,
            )
        )

    def visit_If(self, node: ast.If) -> None:
        frame = self.frames[-1]
        narrowed = self._narrowed_handlers(node.test) if frame.handlers else None
        if narrowed is not None:
            # `if isinstance(exc, ValidationError):` in `except Exception as exc:` -- inside, the
            # exception is a ValidationError.
            self.visit(node.test)
            open_handlers = frame.handlers
            frame.handlers = narrowed
            for stmt in node.body:
                self.visit(stmt)
            frame.handlers = open_handlers
            for stmt in node.orelse:
                self.visit(stmt)
            return
        if not _is_type_checking_test(node.test):
            self.generic_visit(node)
            return
        self.visit(node.test)
        outer = self.context
        self.context = _Context(True, outer.function_depth, outer.in_annotation, True, type_use=True)
        for stmt in node.body:
            self.visit(stmt)
        self.context = outer
        for stmt in node.orelse:
            self.visit(stmt)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if not self.qualname and _hands_back_its_argument(node):
            self.registering.add(node.name)
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._visit_arguments(node.args)
        if node.returns is not None:
            self._visit_annotation(node.returns, runtime=not self.future_annotations)
        index = len(self.functions)
        self.functions.append(self._function_fact(node))
        frame = _Frame(function=index, is_async=isinstance(node, ast.AsyncFunctionDef))
        for arg in _all_arguments(node.args):
            if arg.annotation is not None:
                frame.types[arg.arg] = arg.annotation
        self.frames.append(frame)
        self.qualname += [node.name, "<locals>"]
        self.context.function_depth += 1
        for stmt in node.body:
            self.visit(stmt)
        self.context.function_depth -= 1
        del self.qualname[-2:]
        self.frames.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _function_fact(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionFact:
        return FunctionFact(
            name=node.name,
            qualname=".".join([*self.qualname, node.name]),
            is_async=isinstance(node, ast.AsyncFunctionDef),
            class_name=self.class_scopes[-1].name if self._directly_in_class() else None,
            nested=self.context.function_depth > 0,
            decorators=tuple(self.summarize(d) for d in node.decorator_list),
            params=tuple(self._params(node.args)),
            returns=self.summarize(node.returns) if node.returns is not None else None,
            complexity=function_complexity(node),
            span=self.lines.span(node),
            decorator_receivers=tuple(self._decorator_receiver(d) for d in node.decorator_list),
        )

    def _decorator_receiver(self, decorator: ast.expr) -> ExprFact | None:
        """The declared type of `x` in `@x.m(...)`, where the function is defined."""
        if not isinstance(decorator, ast.Call):
            return None
        callee = dotted_name(decorator.func)
        return self._receiver_type(callee) if callee else None

    def _directly_in_class(self) -> bool:
        return bool(self.class_scopes) and self.qualname[-1:] == [self.class_scopes[-1].name]

    def _params(self, args: ast.arguments) -> Iterator[ParamFact]:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(
            args.defaults
        )
        groups: list[tuple[str, list[ast.arg], list[ast.expr | None]]] = [
            ("positional", args.posonlyargs, defaults[: len(args.posonlyargs)]),
            ("regular", args.args, defaults[len(args.posonlyargs) :]),
            ("vararg", [args.vararg] if args.vararg else [], [None]),
            ("keyword", args.kwonlyargs, list(args.kw_defaults)),
            ("kwarg", [args.kwarg] if args.kwarg else [], [None]),
        ]
        for kind, group, group_defaults in groups:
            for arg, default in zip(group, group_defaults, strict=False):  # no vararg: one spare None
                yield ParamFact(
                    name=arg.arg,
                    kind=kind,
                    annotation=self.summarize(arg.annotation) if arg.annotation is not None else None,
                    default=self.summarize(default) if default is not None else None,
                    span=self.lines.span(arg),
                )

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_arguments(node.args)
        self.frames.append(_Frame(function=self.frames[-1].function, is_async=False))
        self.context.function_depth += 1
        self.visit(node.body)
        self.context.function_depth -= 1
        self.frames.pop()

    def _visit_arguments(self, args: ast.arguments) -> None:
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(default)
        positional = [*args.posonlyargs, *args.args]
        with_default = positional[len(positional) - len(args.defaults) :]
        defaults = {a.arg: d for a, d in zip(with_default, args.defaults, strict=True)}
        defaults.update((a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d)
        for arg in _all_arguments(args):
            if arg.annotation is not None:
                # `repo: UserRepository = Depends()`: FastAPI calls the annotated class itself.
                called = self._is_bare_dependency(defaults.get(arg.arg))
                self._visit_annotation(
                    arg.annotation,
                    runtime=not self.future_annotations,
                    type_use=not called,
                    injected=self._is_provided_dependency(defaults.get(arg.arg)),
                )

    def _is_bare_dependency(self, node: ast.expr | None) -> bool:
        """`Depends()` (or `Security()`) with no dependency: FastAPI calls the annotated type."""
        if not isinstance(node, ast.Call) or node.args or any(k.arg == "dependency" for k in node.keywords):
            return False
        callee = dotted_name(node.func)
        return callee is not None and self.names.qualify(callee) in FASTAPI_DEPENDENCY_MARKERS

    def _is_provided_dependency(self, node: ast.expr | None) -> bool:
        """`Depends(p)` (or `Security(p)`) naming its dependency: FastAPI calls `p`, and the
        annotated type is only what `p` returns."""
        if not isinstance(node, ast.Call) or self._is_bare_dependency(node):
            return False
        callee = dotted_name(node.func)
        return callee is not None and self.names.qualify(callee) in FASTAPI_DEPENDENCY_MARKERS

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for base in node.bases:
            self.visit(base)
        for keyword in node.keywords:
            self.visit(keyword.value)
        scope = _ClassScope(node.name, _attribute_types(node), _fields_run(node))
        module_level = not self.class_scopes and self.frames[-1].function is None and not self.qualname
        self.class_scopes.append(scope)
        self.qualname.append(node.name)
        self.frames.append(_Frame(function=self.frames[-1].function, is_async=False))
        if module_level:
            self._visit_class_body(node)
        else:
            for stmt in node.body:
                self.visit(stmt)
        self.frames.pop()
        self.qualname.pop()
        self.class_scopes.pop()
        self.classes.append(self._class_fact(node, module_level, scope))

    def _visit_class_body(self, node: ast.ClassDef) -> None:
        """A module-level class's body, noting the names its field statements use and nothing
        else of it does (`DefinitionFact.field_uses`: a table's column types)."""
        owners = self.owner_sets
        in_fields: tuple[set[str], set[str]] = (set(), set())
        for stmt in node.body:
            if _is_field_statement(stmt):
                # A column's default factory (`default_factory=lambda: Props().model_dump()`,
                # langflow's) makes the stored value too: part of the statement.
                self.owner_sets = [in_fields]
                self.visit(stmt)
                self.owner_sets = owners
            else:
                self.visit(stmt)
        # Joined to the class's other uses once the whole module is read (`_definitions`).
        self.class_fields.append((node.name, in_fields, owners))

    def _class_fact(self, node: ast.ClassDef, module_level: bool, scope: _ClassScope) -> ClassFact:
        class_annotated = {
            s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
        }
        return ClassFact(
            name=node.name,
            qualname=".".join([*self.qualname, node.name]),
            bases=tuple(self.summarize(base) for base in node.bases),
            keywords=tuple((k.arg, self.summarize(k.value)) for k in node.keywords if k.arg),
            fields=tuple(self._fields(node.body)),
            nested_classes=tuple(
                (stmt.name, self.lines.span(stmt)) for stmt in node.body if isinstance(stmt, ast.ClassDef)
            ),
            module_level=module_level,
            span=self.lines.span(node),
            init_attributes=tuple(
                (name, self.summarize(declared))
                for name, declared in scope.attribute_types.items()
                if name not in class_annotated
            ),
            decorators=tuple(self.summarize(d) for d in node.decorator_list),
        )

    def _fields(self, body: list[ast.stmt]) -> Iterator[FieldFact]:
        for stmt in body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                value = self.summarize(stmt.value) if stmt.value is not None else None
                yield FieldFact(
                    stmt.target.id, self.summarize(stmt.annotation), value, self.lines.span(stmt.target)
                )
            elif (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
            ):
                target = stmt.targets[0]
                yield FieldFact(target.id, None, self.summarize(stmt.value), self.lines.span(target))

    def visit_Assign(self, node: ast.Assign) -> None:
        [target, *others] = node.targets
        if others or not isinstance(target, ast.Name) or not self._is_type_alias(node.value, None):
            self.generic_visit(node)
        else:
            self._visit_type_alias(target.id, node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                self._bind(target.id, node.value, None, target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        # Python evaluates a local variable's annotation never, a module or class one always.
        local = self.context.function_depth > 0
        self.visit(node.target)
        field = not local and self._directly_in_class() and self.class_scopes[-1].fields_run
        self._visit_annotation(
            node.annotation, runtime=not (local or self.future_annotations), type_use=not field
        )
        if node.value is None:
            pass
        elif isinstance(node.target, ast.Name) and self._is_type_alias(node.value, node.annotation):
            self._visit_type_alias(node.target.id, node.value)
        else:
            self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self._bind(node.target.id, node.value, node.annotation, node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.generic_visit(node)
        if not (isinstance(node.target, ast.Name) and isinstance(node.op, ast.Add)):
            return
        # `sql += f" WHERE {x}"`: the name now holds the text built so far, so the SQL rules see
        # what reaches `execute(text(sql))`, not the first constant assigned.
        values = self.frames[-1].values
        previous = values.get(node.target.id)
        if previous is not None:
            values[node.target.id] = _appended(previous, node.value)

    def _is_type_alias(self, value: ast.expr, annotation: ast.expr | None) -> bool:
        """A module-level `X: TypeAlias = ...`, or a subscript of a typing or builtin generic
        (`X = Callable[[User], bool]`, `X = list[User] | None`): its value is a type. A union of
        plain names is left out (`FLAGS = READ | WRITE` runs)."""
        if len(self.frames) > 1 or self.class_scopes:
            return False
        if annotation is not None:
            return self.names.qualify(dotted_name(annotation) or "") in TYPE_ALIAS_MARKERS
        node = value
        while isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            node = node.left
        if isinstance(node, ast.Subscript):
            node = node.value
        elif node is value:
            return False  # a plain name or a call: not a type alias by its shape
        base = self.names.qualify(dotted_name(node) or "")
        return base.startswith(GENERIC_MODULES) or base in BUILTIN_GENERICS

    def _visit_type_alias(self, name: str, value: ast.expr) -> None:
        """Visit an alias's value as a type, remembering the names it uses: where the alias is
        used at run time (`TypeAdapter(Settings)`), they are too."""
        outer, self.type_heads = self.type_heads, set()
        outer_injected, self.injected_heads = self.injected_heads, set()
        self._visit_with_type_use(value, True)
        self.alias_heads[name] = self.type_heads | self.injected_heads
        self.type_heads = outer | self.type_heads
        self.injected_heads = outer_injected | self.injected_heads

    def _bind(self, name: str, value: ast.expr | None, annotation: ast.expr | None, target: ast.expr) -> None:
        frame = self.frames[-1]
        if value is not None:
            frame.values[name] = value
            self._record_opened(value)
        declared = self._unwrap_final(annotation) if annotation is not None else None
        if declared is not None:
            frame.types[name] = declared
        elif isinstance(value, ast.Call):
            frame.types[name] = value
        if len(self.frames) == 1 and not self.class_scopes:
            self.assignments.append(
                AssignmentFact(
                    name=name,
                    value=self.summarize(value) if value is not None else None,
                    annotation=self.summarize(annotation) if annotation is not None else None,
                    span=self.lines.span(target),
                )
            )

    def _unwrap_final(self, annotation: ast.expr) -> ast.expr | None:
        """The type an annotation declares: `T` for `Final[T]`, nothing for a bare `Final` (the
        value says what it is: `router: Final = APIRouter()`), else the annotation itself."""
        node = annotation.value if isinstance(annotation, ast.Subscript) else annotation
        if self.names.qualify(dotted_name(node) or "") not in FINAL:
            return annotation
        return annotation.slice if isinstance(annotation, ast.Subscript) else None

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            self._record_opened(item.context_expr)
            if isinstance(item.optional_vars, ast.Name):
                # `async with SessionLocal() as session`: the session's type is what made it.
                self.frames[-1].types[item.optional_vars.id] = item.context_expr
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        if isinstance(node.target, ast.Name):
            # `for router in (a.router, b.router): app.include_router(router)`
            # A list or tuple assigned in this function or at module level (`ROUTERS = (...)`),
            # else the name iterated, for rules to resolve across modules (`for r in ROUTERS`).
            iterable = node.iter
            if isinstance(iterable, ast.Name):
                iterable = self.frames[-1].values.get(iterable.id) or self.frames[0].values.get(
                    iterable.id, iterable
                )
            if isinstance(iterable, (ast.List, ast.Tuple)) or dotted_name(iterable) is not None:
                self.frames[-1].values[node.target.id] = iterable
        self.visit(node.target)
        for stmt in [*node.body, *node.orelse]:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name is None:
            for stmt in node.body:
                self.visit(stmt)
            return
        caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        handler = HandlerFact(node.name, tuple(self.names.qualify(dotted_name(c) or "") for c in caught if c))
        frame = self.frames[-1]
        open_handlers = frame.handlers
        frame.handlers = (*open_handlers, handler)
        for stmt in node.body:
            self.visit(stmt)
        frame.handlers = open_handlers

    def _narrowed_handlers(self, test: ast.expr) -> tuple[HandlerFact, ...] | None:
        """The open handlers with the one `isinstance(name, T)` tests narrowed to `T`."""
        if not (
            isinstance(test, ast.Call)
            and isinstance(test.func, ast.Name)
            and test.func.id == "isinstance"
            and len(test.args) == 2
            and isinstance(test.args[0], ast.Name)
        ):
            return None
        name = test.args[0].id
        handlers = self.frames[-1].handlers
        if not any(handler.name == name for handler in handlers):
            return None
        classes = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
        caught = tuple(self.names.qualify(dotted_name(c) or "") for c in classes)
        return tuple(HandlerFact(name, caught) if h.name == name else h for h in handlers)

    def visit_Return(self, node: ast.Return) -> None:
        self.generic_visit(node)
        function = self.frames[-1].function
        if function is not None:
            value = self.summarize(node.value) if isinstance(node.value, ast.Name) else None
            self.returns.append(ReturnFact(function, value))

    def visit_Raise(self, node: ast.Raise) -> None:
        exception = self.summarize(node.exc) if node.exc is not None else None
        self.raises.append(RaiseFact(exception, self.frames[-1].function, self.lines.span(node)))
        self.generic_visit(node)

    def _visit_annotation(
        self, node: ast.expr, *, runtime: bool, type_use: bool = True, injected: bool = False
    ) -> None:
        outer = self.context
        self.context = _Context(
            outer.type_checking,
            outer.function_depth,
            True,
            outer.typing_only or not runtime,
            type_use,
            injected,
        )
        self.visit(node)
        self.context = outer

    def _visit_with_type_use(self, node: ast.expr, type_use: bool, injected: bool = False) -> None:
        outer = self.context
        # Built field by field, as `_visit_annotation` does: `dataclasses.replace` costs 4x more.
        self.context = _Context(
            outer.type_checking,
            outer.function_depth,
            outer.in_annotation,
            outer.typing_only,
            type_use,
            type_use and (injected or outer.injected),
        )
        self.visit(node)
        self.context = outer

    def _record_use(self, dotted: str) -> None:
        head, _, rest = dotted.partition(".")
        if not rest:
            self.bare_uses.add(head)
        elif head != "self":  # most attribute reads; never an import's name
            reads = self.attribute_reads.get(head)
            if reads is None:
                reads = self.attribute_reads[head] = set()
            reads.add(rest)  # the whole path: `import a.b.c` binds `a`, and reads `a.b.c.Name`
        context = self.context
        type_use = context.type_use
        if type_use and context.injected:
            self.injected_heads.add(head)
        else:
            (self.type_heads if type_use else self.runtime_heads).add(head)
        for uses in self.owner_sets:
            uses[type_use].add(head)  # [0]: at run time, [1]: as a type

    def _record_owner_uses(self, heads: Iterable[str], type_use: bool) -> None:
        for uses in self.owner_sets:
            uses[type_use].update(heads)

    # --- expressions ------------------------------------------------------------------

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str):
            return
        if self.context.in_annotation:
            self._visit_string_annotation(node)
        elif "://" in node.value and DSN_RE.match(node.value):
            self.dsn_strings.append(StringFact(node.value, self.lines.span(node)))

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        # `f"postgresql+psycopg2://{user}@{host}/db"`: a database URL by its literal parts, which
        # alone (`"postgresql+psycopg2://"`) would be a bare scheme.
        template = string_template(node)
        if "://" in template and DSN_RE.match(template):
            self.dsn_strings.append(StringFact(template, self.lines.span(node)))
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                self.visit(value)

    def visit_Await(self, node: ast.Await) -> None:
        if isinstance(node.value, ast.Call):
            self.awaited.add(id(node.value))
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._record_use(node.id)
            if not self.context.in_annotation:
                self.value_names.add(node.id)
        elif node.id in self.names.bound:
            self.bare_uses.add(node.id)  # an import's name rebound or deleted: no longer only the module

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = dotted_name(node)
        if dotted is None:
            self.generic_visit(node)
        elif isinstance(node.ctx, ast.Load):
            self._record_use(dotted)
            if not self.context.in_annotation:
                self.value_names.add(dotted)

    def visit_Call(self, node: ast.Call) -> None:
        callee = dotted_name(node.func)
        self._record_call(node, callee)
        self._record_unpacked(node, callee)
        func = node.func
        if type(func) is ast.Attribute and func.attr in KEY_READ_METHODS and node.args:
            self._record_key_read(node, func.value, node.args[0])
        if callee is None:
            # A name that is only called, or whose method is called (`router.get(...)`), is not
            # used as a value: `value_names` leaves it out.
            self.visit(node.func)
        else:
            self._record_use(callee)
        # `cast("Optional[int]", x)`: the first argument is a type, possibly quoted, and
        # evaluated at runtime unless quoted as a whole.
        if node.args and self._is_typing_attr(node.func, "cast"):
            self._visit_annotation(node.args[0], runtime=True)  # a type use, like an annotation
            rest: list[ast.expr] = node.args[1:]
        else:
            rest = node.args
        for arg in rest:
            self.visit(arg)
        for keyword in node.keywords:
            self.visit(keyword.value)

    def _record_call(self, node: ast.Call, dotted: str | None) -> None:
        callee = dotted or ""  # `dotted_name(node.func)`
        method = callee.rpartition(".")[2] if callee else getattr(node.func, "attr", "")
        # `app.get(path)(func)`: the call of what `app.get(path)` returns.
        inner = node.func if isinstance(node.func, ast.Call) else None
        inner_callee = dotted_name(inner.func) if inner is not None else None
        if inner_callee:
            method = inner_callee.rpartition(".")[2] + "()"
        qualified = self.names.qualify(callee) if callee else ""
        for arg in node.args:
            if isinstance(arg, ast.Call):
                self.outer_calls[id(arg)] = qualified or method
        wanted = self.call_filter
        if (
            wanted is not None
            and method not in wanted.names
            and qualified.rpartition(".")[2] not in wanted.names  # `from m import f as g`; `g()`
            and qualified.partition(".")[0] not in wanted.modules
        ):
            return
        frame = self.frames[-1]
        self.calls.append(
            CallFact(
                # One level deeper than other summaries: `JSONResponse({"detail": str(exc)})` (LG904).
                call=self.summarize(node, depth=3),
                callee=callee,
                method=method,
                function=frame.function,
                in_async=frame.is_async,
                awaited=id(node) in self.awaited,
                outer_call=self.outer_calls.get(id(node)),
                receiver_type=self._receiver_type(inner_callee or callee),
                inner_call=self.summarize(inner) if inner is not None and inner_callee else None,
                handlers=frame.handlers,
            )
        )

    def _record_opened(self, value: ast.expr) -> None:
        """A call a function enters as a context manager or assigns to a name (LG107)."""
        function = self.frames[-1].function
        if isinstance(value, ast.Await):
            value = value.value
        if function is None or not isinstance(value, ast.Call):
            return
        callee = dotted_name(value.func)
        if callee is not None:
            call = self._callee_fact(value, callee)
            parts = [value.func, *value.args, *(keyword.value for keyword in value.keywords)]
            from_instance = any((dotted_name(part) or "").partition(".")[0] == "self" for part in parts)
            self.opened.append(OpenedFact(call, function, self._receiver_class(callee), from_instance))

    def _receiver_class(self, callee: str) -> str | None:
        """The class `x` is annotated with in `x.m()` (`db: Database`), qualified: a plain or
        dotted name only, read without summarising the annotation (this runs for every call a
        function assigns)."""
        receiver, _, _ = callee.rpartition(".")
        if not receiver or "." in receiver:
            return None
        declared = self.frames[-1].types.get(receiver)
        name = dotted_name(declared) if declared is not None else None
        return self.names.qualify(name) if name is not None else None

    def _callee_fact(self, call: ast.Call, callee: str) -> ExprFact:
        """A call summarised by its callee only: which function or class makes the value. No
        summary of the arguments, which would cost every assignment of a call in every function."""
        return ExprFact("call", f"{callee}()", self.lines.span(call), qualified=self.names.qualify(callee))

    def visit_Yield(self, node: ast.Yield) -> None:
        self.generic_visit(node)
        frame = self.frames[-1]
        if frame.function is None or not isinstance(node.value, ast.Name):
            return
        made = frame.types.get(node.value.id)  # `async with maker() as name`, `name = maker()`
        if not isinstance(made, ast.Call):
            made = frame.values.get(node.value.id)  # `name = await maker()`
            if isinstance(made, ast.Await):
                made = made.value
        callee = dotted_name(made.func) if isinstance(made, ast.Call) else None
        if isinstance(made, ast.Call) and callee is not None:
            self.yielded.append(YieldFact(frame.function, self._callee_fact(made, callee)))

    def _record_unpacked(self, node: ast.Call, callee: str | None) -> None:
        function = self.frames[-1].function
        if function is None:
            return
        for keyword in node.keywords:
            if keyword.arg is None and isinstance(keyword.value, ast.Name):
                qualified = self.names.qualify(callee) if callee else ""
                self.unpacked.append(UnpackFact(self.summarize(keyword.value), qualified, function))

    def _record_key_read(self, node: ast.expr, receiver: ast.expr, key: ast.expr) -> None:
        """`x["k"]`, `x.get("k")`, `"k" in x`: a constant key read from a name or an awaited call."""
        function = self.frames[-1].function
        if (
            function is None
            or type(key) is not ast.Constant
            or not isinstance(key.value, str)
            or not (type(receiver) is ast.Name or type(receiver) is ast.Await)
        ):
            return
        text = (self._text(node) or "")[:TEXT_LIMIT]
        self.key_reads.append(KeyReadFact(self.summarize(receiver), key.value, text, function))

    def visit_Compare(self, node: ast.Compare) -> None:
        self.generic_visit(node)
        if len(node.ops) == 1 and type(node.ops[0]) in (ast.In, ast.NotIn):
            self._record_key_read(node, node.comparators[0], node.left)

    def _receiver_type(self, callee: str) -> ExprFact | None:
        """The declared type of `x` in `x.m()` or `self.x.m()`, when this file states it."""
        receiver, _, _ = callee.rpartition(".")
        if not receiver:
            return None
        head, _, rest = receiver.partition(".")
        if head == "self" and rest and "." not in rest and self.class_scopes:
            declared = self.class_scopes[-1].attribute_types.get(rest)
        elif not rest:
            declared = self.frames[-1].types.get(head)
        else:
            declared = None
        return self.summarize(declared) if declared is not None else None

    def _visit_string_annotation(self, node: ast.Constant) -> None:
        """Parse a quoted annotation and visit it as typing-only code, positioned in the file."""
        if self.context.type_use:
            heads = self.injected_heads if self.context.injected else self.type_heads
            quoted = _string_annotation_heads(str(node.value))
            heads.update(quoted)
            self._record_owner_uses(quoted, True)
            self.bare_uses.update(quoted)  # what a quoted `models.User` reads is not recorded
        segment = self.lines.segment(node)
        if segment is None or "\n" in segment:
            return
        body = _string_literal_body(segment)
        if body is None or body != node.value or not ("Optional" in body or "Union" in body):
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
        self.context = _Context(
            outer.type_checking, outer.function_depth, True, True, outer.type_use, outer.injected
        )
        saved_lines = self.lines
        self.lines = _CodePointLines()
        self.visit(inner)
        self.lines = saved_lines
        self.context = outer

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if type(node.ctx) is ast.Load and type(node.slice) is ast.Constant:
            self._record_key_read(node, node.value, node.slice)
        kind = self._typing_pep604_kind(node.value)
        if kind is not None:
            self._record_typing_subscript(node, kind)
        value = dotted_name(node.value)
        members = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if value is None or not members or self.names.qualify(value) not in ANNOTATED:
            self.generic_visit(node)
            return
        # `Annotated[User, Depends(current_user)]`: `User` is a type wherever it stands (an
        # alias too), the metadata runs (FastAPI calls `current_user`); with a bare `Depends()`
        # FastAPI calls the type itself.
        self.visit(node.value)
        first, *metadata = members
        bare = any(self._is_bare_dependency(item) for item in metadata)
        provided = any(self._is_provided_dependency(item) for item in metadata)
        self._visit_with_type_use(first, not bare, injected=provided)
        for item in metadata:
            self._visit_with_type_use(item, False)

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
            return func.id == name and self.names.qualify(name) in (f"{m}.{name}" for m in TYPING_MODULES)
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
        if "None" in parts and any(_is_pep604_subscript(member) for member in members):
            # `Optional[Optional[None]]` -> `Optional[None] | None` would become `None | None`
            # once the member is fixed in turn: a TypeError when Python evaluates it. The
            # member is fixed first; this one in the next round.
            return None
        return " | ".join(dict.fromkeys(parts))

    def facts(self, path: Path, module: str, is_package: bool) -> FileFacts:
        # One lowercase copy of the source, not one per kind of noqa (few files have one).
        mentions_noqa = "noqa" in self.source.lower()
        return FileFacts(
            path=path,
            module=module,
            is_package=is_package,
            imports=self._imports_marked(),
            typing_subscripts=tuple(self.typing_subscripts),
            functions=tuple(self.functions),
            calls=tuple(self.calls),
            classes=tuple(sorted(self.classes, key=lambda c: (c.span.line, c.span.column))),
            raises=tuple(self.raises),
            assignments=tuple(self.assignments),
            dsn_strings=tuple(self.dsn_strings),
            unpacked=tuple(self.unpacked),
            key_reads=tuple(self.key_reads),
            opened=tuple(self.opened),
            yielded=tuple(self.yielded),
            returns=tuple(self.returns),
            value_names=self._module_value_names(),
            module_attributes=self._module_attributes(),
            definitions=self._definitions(),
            noqa=tuple(find_noqa_comments(self.source)) if mentions_noqa else (),
            noqa_directives=noqa_directives(self.source) if mentions_noqa else (),
            statement_ranges=tuple(sorted(self.statement_ranges)),
            is_script=any(_is_main_guard(stmt) for stmt in self.tree.body),
        )

    def _module_attributes(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Per name an import binds that the file uses only by reading attributes of it
        (`schema.BuildStatus.FAILED`), the dotted paths read (`BuildStatus.FAILED`): for a module
        import, what it brings in (SPEC §1). Not a name used otherwise, listed in `__all__` or
        never used."""
        found = next((a for a in reversed(self.assignments) if a.name == "__all__"), None)
        listed = (
            {e.value for e in found.value.args} if found is not None and found.value is not None else set()
        )
        bound = sorted({name for fact in self.imports if (name := fact.bound_name) is not None})
        return tuple(
            (name, tuple(sorted(self.attribute_reads[name])))
            for name in bound
            if name in self.attribute_reads and name not in self.bare_uses and name not in listed
        )

    def _imports_marked(self) -> tuple[ImportFact, ...]:
        """The imports, each marked `annotation_only` when every use of the name it binds is a
        type use. A name listed in `__all__` is a re-export: used at run time."""
        found = next((a for a in reversed(self.assignments) if a.name == "__all__"), None)
        elements = found.value.args if found is not None and found.value is not None else ()
        exported = {e.value for e in elements if e.kind == "string"}
        runtime = self.runtime_heads | exported
        grown = True
        while grown:  # an alias used at run time uses what it names at run time
            used = set().union(*(heads for alias, heads in self.alias_heads.items() if alias in runtime))
            grown = not used <= runtime
            runtime |= used
        type_only = (self.type_heads | self.injected_heads) - runtime
        injected_only = self.injected_heads - self.type_heads - runtime
        return tuple(
            replace(fact, annotation_only=True, injected_only=_bound_name(fact) in injected_only)
            if _bound_name(fact) in type_only
            else fact
            for fact in self.imports
        )

    def _definitions(self) -> tuple[DefinitionFact, ...]:
        """`owner_uses` narrowed to the names bound at module level, each definition without
        itself; a name used at run time somewhere in a definition is not also a type use. Every
        defined name has an entry, so a name with none is not defined at module level."""
        bound = {fact.bound_name for fact in self.imports if not fact.deferred} | self.owner_uses.keys()
        field_only: dict[str, set[str]] = {}
        for name, in_fields, owners in self.class_fields:
            elsewhere = set().union(*(runtime | types for runtime, types in owners))
            field_only.setdefault(name, set()).update((in_fields[0] | in_fields[1]) - elsewhere)
        for _, in_fields, owners in self.class_fields:
            for runtime, types in owners:
                runtime.update(in_fields[0])
                types.update(in_fields[1])
        return tuple(
            DefinitionFact(
                name,
                tuple(sorted((runtime & bound) - {name, ""})),
                tuple(sorted((types & bound) - runtime - {name, ""})),
                tuple(sorted((field_only.get(name, set()) & bound) - {name, ""})),
            )
            for name, (runtime, types) in sorted(self.owner_uses.items())
        )

    def _module_value_names(self) -> tuple[str, ...]:
        """`value_names`, qualified, for the names bound by an import or at module level."""
        module_level = {assignment.name for assignment in self.assignments}
        imported = self.names.bound
        return tuple(
            sorted(
                {
                    self.names.qualify(name)
                    for name in self.value_names
                    if name.partition(".")[0] in imported or name.partition(".")[0] in module_level
                }
            )
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


def _is_main_guard(stmt: ast.stmt) -> bool:
    """`if __name__ == "__main__":`, either way round."""
    if not isinstance(stmt, ast.If) or not isinstance(stmt.test, ast.Compare):
        return False
    test = stmt.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def _bound_name(fact: ImportFact) -> str | None:
    return fact.bound_name


def _is_field_statement(stmt: ast.stmt) -> bool:
    """A class-level attribute declared with a type (`name: T = value`) or made by a column
    constructor (`name = Column(PydanticJSON(Item))`, `mapped_column(...)`, SQLModel's
    `Field(...)`), not a dunder: what a table's columns are. `__pydantic_model__ = UserSchema`
    (the class a table converts itself to) and `default = Cfg(x=5)` (an instance) are none."""
    target: ast.expr
    if isinstance(stmt, ast.AnnAssign):
        target = stmt.target
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and _makes_column(stmt.value):
        target = stmt.targets[0]
    else:
        return False
    return isinstance(target, ast.Name) and not (target.id.startswith("__") and target.id.endswith("__"))


def _makes_column(value: ast.expr) -> bool:
    callee = dotted_name(value.func) if isinstance(value, ast.Call) else None
    return callee is not None and callee.rpartition(".")[2] in COLUMN_CONSTRUCTORS


def _defined_names(stmt: ast.stmt, registering: set[str]) -> tuple[str, ...]:
    """The module-level names a top-level statement binds by `def`, `class` or assignment to
    names, whose code is theirs alone; ("",) for other code (it runs whatever an importer takes,
    `app.state.x = ...` included); () for an import. A definition decorated by one of the
    module's `registering` decorators is other code as well: its code runs for every name."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        if any(_decorator_name(decorator) in registering for decorator in stmt.decorator_list):
            return (stmt.name, "")
        return (stmt.name,)
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return ()
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, ast.AnnAssign):
        targets = [stmt.target]
    elif isinstance(alias := getattr(stmt, "name", None), ast.Name):  # `type X = ...`, 3.12+
        targets = [alias]
    else:
        return ("",)
    names: list[str] = []
    for target in targets:
        if not _collect_target_names(target, names):
            return ("",)
    return tuple(names)


def _decorator_name(decorator: ast.expr) -> str | None:
    """`register` for `@register` and `@register("save")`."""
    return dotted_name(decorator.func if isinstance(decorator, ast.Call) else decorator)


def _hands_back_its_argument(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A decorator that returns what it decorates unchanged (`def register(fn): HANDLERS[...] =
    fn; return fn`), or a factory of one: it is there for what it does with the function when
    the module is imported (a registry), not to wrap it. Wrappers (`functools.wraps` and the
    like) return a new function instead."""
    first = function.args.posonlyargs[:1] or function.args.args[:1]
    returned = {
        s.value.id for s in function.body if isinstance(s, ast.Return) and isinstance(s.value, ast.Name)
    }
    if first and first[0].arg in returned:
        return True
    inner = [s for s in function.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return any(s.name in returned and _hands_back_its_argument(s) for s in inner)


def _collect_target_names(target: ast.expr, names: list[str]) -> bool:
    """Add the names `target` binds (`a, (b, *c) = ...`); False when a part is no plain name."""
    if isinstance(target, ast.Starred):
        target = target.value
    if isinstance(target, ast.Name):
        names.append(target.id)
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_collect_target_names(element, names) for element in target.elts)
    return False


def _string_annotation_heads(text: str) -> set[str]:
    """The first segments of the names a quoted annotation uses (`"list[models.User]"`:
    `list`, `models`); none when it does not parse."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    return {
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


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


def _is_pep604_subscript(node: ast.expr) -> bool:
    """`Optional[...]`/`Union[...]` as written (`typing.Optional[...]` too)."""
    if not isinstance(node, ast.Subscript):
        return False
    value = node.value
    name = value.attr if isinstance(value, ast.Attribute) else value.id if isinstance(value, ast.Name) else ""
    return name in PEP604_NAMES


def noqa_directives(source: str) -> tuple[NoqaDirective, ...]:
    """The `# noqa: CODES` comments of `source`, found among its comment tokens: a directive
    inside a string is text, which LG002 must neither report nor edit."""
    if "noqa" not in source.lower():
        return ()
    found: list[NoqaDirective] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type != tokenize.COMMENT or "noqa" not in token.string.lower():
                continue
            match = NOQA_RE.search(token.string)
            if match is None or match.group("codes") is None:
                continue  # a bare noqa is left alone, as ruff's RUF100 does
            line, start = token.start
            rest = token.string[match.end() :].lstrip()
            before = token.line[:start]
            gap = len(before.rstrip())
            found.append(
                NoqaDirective(
                    line=line,
                    gap_column=gap,
                    column=start + match.start(),
                    end_column=start + match.end(),
                    codes_column=start + match.start("codes"),
                    codes=tuple(c.upper() for c in CODE_RE.findall(match.group("codes"))),
                    rest_column=start + len(token.string) - len(rest) if rest else None,
                    rest_is_comment=rest.startswith("#"),
                )
            )
    except (tokenize.TokenError, SyntaxError, ValueError):
        return ()  # the file parsed but does not tokenize: no directive is reported
    return tuple(found)


def _all_arguments(args: ast.arguments) -> list[ast.arg]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    return every + [a for a in (args.vararg, args.kwarg) if a is not None]


# Bases whose subclasses' annotations only typing reads.
_TYPING_BASES = frozenset({"Protocol", "TypedDict", "NamedTuple", "Generic", "object", "ABC"})


def _fields_run(node: ast.ClassDef) -> bool:
    """A base other than typing's: SQLAlchemy, Pydantic and SQLModel read the fields'
    annotations when the class is made (letta's `Mapped[LLMConfig | None]` JSON column needs
    `LLMConfig` imported at run time: under `if TYPE_CHECKING:` SQLAlchemy cannot map it)."""
    for base in node.bases:
        name = dotted_name(base.value if isinstance(base, ast.Subscript) else base)
        if name is None or name.rpartition(".")[2] not in _TYPING_BASES:
            return True
    return False


def _attribute_types(node: ast.ClassDef) -> dict[str, ast.expr]:
    """What a class says its attributes are: class-level annotations, and in `__init__`,
    `self.x: T = ...`, `self.x = param` (typed by the parameter's annotation) or `self.x = C()`."""
    types: dict[str, ast.expr] = {}
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            types[stmt.target.id] = stmt.annotation
    init = next(
        (
            s
            for s in node.body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "__init__"
        ),
        None,
    )
    if init is None:
        return types
    params = {a.arg: a.annotation for a in _all_arguments(init.args) if a.annotation is not None}
    for child in ast.walk(init):
        if isinstance(child, ast.AnnAssign) and _is_self_attribute(child.target):
            types[child.target.attr] = child.annotation  # type: ignore[union-attr]
        elif (
            isinstance(child, ast.Assign) and len(child.targets) == 1 and _is_self_attribute(child.targets[0])
        ):
            attribute = child.targets[0].attr  # type: ignore[attr-defined]
            if isinstance(child.value, ast.Name) and child.value.id in params:
                types[attribute] = params[child.value.id]
            elif isinstance(child.value, ast.Call):
                types[attribute] = child.value
    return types


def _appended(previous: ast.expr, added: ast.expr) -> ast.expr:
    """The value of `name += added` when `name` held `previous`: one constant for two constants,
    else `previous + added`, placed where the runtime part is (the added part, unless only the
    earlier text was built)."""
    if _is_string(previous) and _is_string(added):
        joined = ast.Constant(previous.value + added.value)  # type: ignore[attr-defined]
        return ast.copy_location(joined, previous)
    built = ast.BinOp(left=previous, op=ast.Add(), right=added)
    return ast.copy_location(built, previous if _is_string(added) else added)


def _is_self_attribute(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def extract_facts(
    source: str, tree: ast.Module, path: Path, module: str, is_package: bool, calls: CallFilter | None = None
) -> FileFacts:
    """One file's facts; `calls`: which calls to record (None: every call)."""
    extractor = FactExtractor(source, tree, module, is_package, calls)
    try:
        extractor.visit(tree)
        return extractor.facts(path, module, is_package)
    finally:
        # The summarizer and the visitor table hold bound methods of the extractor: reference
        # cycles that would keep every file's syntax tree alive until the cycle collector runs.
        del extractor.summarizer
        del extractor.visitors
