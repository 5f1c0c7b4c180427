"""Build a stdlib ``ast.Module`` from a libcst parse, for syntax ``ast`` rejects.

layerguard extracts facts with the stdlib :mod:`ast` because it is fast, but the
running interpreter's parser rejects syntax newer than itself (on 3.11: PEP 695
``type X = ...`` and ``def f[T]()``, PEP 696 type-parameter defaults, PEP 701
f-strings such as ``f"{d["k"]}"``, PEP 758 ``except A, B:``).  libcst parses all
of those, so for the rare files ``ast.parse`` refuses, :func:`parse_with_libcst`
parses with libcst and converts the concrete tree into the tree
``ast.parse(source)`` would have produced, so the one ast-based fact extractor
works unchanged.

Contract: whenever ``ast.parse(source)`` succeeds on the running Python,
``ast.dump(parse_with_libcst(source), include_attributes=True)`` is identical to
``ast.dump(ast.parse(source), include_attributes=True)`` -- node types, fields,
``lineno``/``col_offset``/``end_lineno``/``end_col_offset`` (ast columns are
UTF-8 *byte* offsets; libcst reports code points, so columns are converted per
line).  ``tests/unit/facts/test_cst_to_ast.py`` checks this differentially
against the standard library.

Syntax the running ``ast`` has no node for is mapped to the nearest shape that
interpreter's ``ast`` could have produced (documented deviations):

* ``type X[T] = V`` (PEP 695): on an ``ast`` without ``TypeAlias`` it becomes
  ``Assign(targets=[Name('X', Store())], value=V)`` at the statement's
  position; type parameters are dropped.  Where ``ast.TypeAlias`` exists a real
  ``TypeAlias`` with ``type_params`` is built.
* ``def f[T]()`` / ``class C[T]`` (PEP 695/696): type parameters are dropped
  when the node has no ``type_params`` field, filled in when it has (PEP 696
  defaults go to ``default_value`` where that field exists, else are dropped).
* ``except A, B:`` (PEP 758): ``ExceptHandler(type=Tuple([A, B]))``, the tuple
  spanning ``A`` to ``B`` -- the shape 3.14 produces.
* PEP 701 f-strings (nested same quotes, backslashes or comments inside the
  braces) produce the same ``JoinedStr``/``FormattedValue`` structure as any
  other f-string, with the running version's position conventions.
* t-strings (PEP 750) become ``JoinedStr`` (no ``TemplateStr`` node before
  3.14; a t-string is treated like the f-string with the same text).
* ``lazy import x`` / ``lazy from m import x`` (PEP 810) become plain
  ``Import``/``ImportFrom`` (``is_lazy`` is set where the field exists).
* ``[*x for x in xs]`` (PEP 798) becomes ``ListComp(elt=Starred(x))`` and
  ``{**d for d in ds}`` becomes ``DictComp(key=d, value=None)`` -- the shapes
  3.15 produces (``value`` is never None in older ``ast`` trees).

Position conventions of the running ``ast`` that differ from libcst's node
extents, and that the converter reproduces (see the comments at each site):

* decorated ``def``/``class`` start at the keyword (``async`` for coroutines),
  not at the first decorator; compound statements end at the last token of
  their last body statement, *including* a trailing ``;``;
* a parenthesised tuple or generator expression spans its innermost own
  parentheses, every other expression excludes its own parentheses; an
  unparenthesised tuple includes a trailing comma; a generator expression that
  is a call's only argument spans the call's parentheses;
* on Python < 3.12 every ``Constant``/``FormattedValue`` inside a
  ``JoinedStr`` carries the position of the whole (implicitly concatenated)
  string, a ``format_spec`` ``JoinedStr`` carries the position of the single
  string token it is in, and a bare tuple or generator inside ``{}`` spans
  from the ``{`` to the character after the expression (CPython 3.11 parses
  ``(expr)`` with the braces standing in for parentheses).

* on Python >= 3.12 (PEP 701 parser) a literal part spans its own text (a
  plain string token: the whole token), a ``FormattedValue`` its braces, a
  ``format_spec`` from its ``:`` to before the ``}``; 3.12.0/3.12.1 end a
  spec that ends in a nested field with an empty ``Constant`` (gh-110309),
  which is reproduced where the running interpreter does it;
* libcst leaves some whitespace out of its tree -- a form feed that starts a
  top-level line, a backslash continuation before the colon of ``except E\\``,
  a line holding only a continuation -- so the code it regenerates, which its
  positions count in, is shorter than the source: positions are moved back
  onto the source text (``_realigned``).

Verified identical (the differential test) on the 3.11 standard library and
on 3.10.13, 3.12.1 and 3.13.0 standard libraries.  Known deviations:

* libcst cannot parse a parenthesised annotated-assignment target
  (``(x): int = 1``): ``SyntaxError``.
* Sources nested deeper than ``_check_nesting`` allows raise ``SyntaxError``
  before libcst sees them: more than 200 nested brackets (CPython's own
  limit) or more than 3000 operators/trailers/strings chained at one bracket
  level -- libcst's native parser segfaults or runs for minutes on such input.
  CPython accepts some such generated files (huge polynomial tables).
* On 3.12 only, a very long implicit string concatenation (thousands of
  parts) exceeds the C recursion limit in libcst's code generator:
  ``SyntaxError``.
* libcst rejects a backslash continuation that starts an indented line, and
  puts a statement that follows a line holding only a continuation into the
  block above it (its code then differs from the source by more than dropped
  whitespace): ``SyntaxError``, not a tree with the wrong shape.
* On 3.10/3.11 a file ending in a backslash, CR and LF (which those
  interpreters accept, 3.12 does not) gets a line appended before libcst
  parses it.
* ``SyntaxError`` messages and locations are libcst's, not CPython's; source
  that ``ast.parse`` rejects for non-grammar reasons (``f(**a, *b)``,
  ``nonlocal`` at module level) may be accepted, except invalid assignment
  and deletion targets, which are rejected.
"""

from __future__ import annotations

import ast
import bisect
import codecs
import functools
import re
import sys
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # libcst is imported lazily: it costs ~0.14 s on the normal path.
    import libcst as cst

__all__ = ["parse_with_libcst"]

# (lineno, byte column) -- the pair ast stores in lineno/col_offset.
Pos = tuple[int, int]
# libcst range in code points: (start line, start column, end line, end column).
Range = tuple[int, int, int, int]
_A = TypeVar("_A", bound=ast.AST)

# libcst's parser and code generator recurse per nesting level; ast.parse
# copes with deeper files than the default limit of 1000 allows libcst.
_RECURSION_LIMIT = 10_000
# The newline convention libcst's position provider counts lines with; CPython
# translates "\r\n" and lone "\r" to "\n" for string input, so lines agree.
_NEWLINE_RE = re.compile(r"\r\n?|\n")
# Pathological nesting makes libcst's native parser crash the process (stack
# overflow) or take minutes, so it is refused up front, as CPython refuses it.
_MAX_BRACKET_DEPTH = 200  # CPython's tokenizer limit (MAXLEVEL)
_MAX_CHAIN = 3000  # operators/trailers chained in one expression without a separator
_CHAIN_WORDS = frozenset({"not", "await", "and", "or", "if", "else", "in", "is", "lambda"})
_TRIPLE_SINGLE = "'" * 3
_TRIPLE_DOUBLE = '"' * 3
_SCAN_RE = re.compile(
    "|".join(
        (
            # a string literal, any prefix and quotes: skipped
            r"(?P<string>(?:\b[rRbBuUfFtT]{1,2})?(?:"
            + rf"{_TRIPLE_SINGLE}(?:\\.|[^\\])*?{_TRIPLE_SINGLE}"
            + rf"|{_TRIPLE_DOUBLE}(?:\\.|[^\\])*?{_TRIPLE_DOUBLE}"
            + r"""|'(?:\\.|[^'\\\r\n])*'|"(?:\\.|[^"\\\r\n])*"))""",
            r"\#[^\r\n]*",  # a comment: skipped
            r"\\(?:\r\n?|\n)",  # a line continuation: skipped
            r"(?P<word>\w+)",
            r"(?P<open>[(\[{])",
            r"(?P<close>[)\]}])",
            r"(?P<sep>[,;=])",  # not ":" -- "lambda: lambda: ..." nests
            r"(?P<newline>\r\n?|\n)",
            r"(?P<op>[-+~*/%&|^@<>.])",
        )
    ),
    re.DOTALL,
)
_PARSER_ERROR_AT_RE = re.compile(r"error at (\d+):(\d+)")
_STRING_ESCAPE_RE = re.compile(r"\\(.)|[^\x00-\x7f]|\\\Z", re.DOTALL)
# What libcst may leave out of the code it regenerates: continuations and the whitespace around.
_DROPPABLE = frozenset(" \t\x0c\\\r\n")
# 3.10 and 3.11 accept a backslash, CR and LF ending the file; libcst does not.
_EOF_CRLF_CONTINUATION = sys.version_info < (3, 12)

_LEGACY_FSTRINGS = sys.version_info < (3, 12)
# Nodes and fields that only newer interpreters have go through this alias so
# the code type-checks against any version's stubs.
_AST: Any = ast
_HAS_TYPE_PARAMS = hasattr(ast, "TypeAlias")  # PEP 695 nodes (3.12+)
_HAS_TYPE_PARAM_DEFAULTS = _HAS_TYPE_PARAMS and "default_value" in _AST.TypeVar._fields  # PEP 696 (3.13+)

_BIN_OPS: dict[str, type[ast.operator]] = {
    "Add": ast.Add,
    "Subtract": ast.Sub,
    "Multiply": ast.Mult,
    "Divide": ast.Div,
    "FloorDivide": ast.FloorDiv,
    "Modulo": ast.Mod,
    "Power": ast.Pow,
    "LeftShift": ast.LShift,
    "RightShift": ast.RShift,
    "BitOr": ast.BitOr,
    "BitAnd": ast.BitAnd,
    "BitXor": ast.BitXor,
    "MatrixMultiply": ast.MatMult,
}
_AUG_OPS: dict[str, type[ast.operator]] = {f"{name}Assign": op for name, op in _BIN_OPS.items()}
_UNARY_OPS: dict[str, type[ast.unaryop]] = {
    "Plus": ast.UAdd,
    "Minus": ast.USub,
    "BitInvert": ast.Invert,
    "Not": ast.Not,
}
_BOOL_OPS: dict[str, type[ast.boolop]] = {"And": ast.And, "Or": ast.Or}
_CMP_OPS: dict[str, type[ast.cmpop]] = {
    "Equal": ast.Eq,
    "NotEqual": ast.NotEq,
    "LessThan": ast.Lt,
    "LessThanEqual": ast.LtE,
    "GreaterThan": ast.Gt,
    "GreaterThanEqual": ast.GtE,
    "In": ast.In,
    "NotIn": ast.NotIn,
    "Is": ast.Is,
    "IsNot": ast.IsNot,
}
_CONSTANT_NAMES: dict[str, Any] = {"True": True, "False": False, "None": None}
_CONVERSIONS: dict[str, int] = {"s": ord("s"), "r": ord("r"), "a": ord("a")}


def parse_with_libcst(source: str) -> ast.Module:
    """Parse *source* with libcst and return the tree ``ast.parse(source)`` gives.

    Raises :class:`SyntaxError` (never another exception type) when libcst
    cannot parse the source or the tree cannot be expressed as an ``ast``.
    """
    import libcst

    if "\0" in source:
        # ast.parse raises ValueError (3.11) / SyntaxError (3.12+); libcst would
        # happily keep the NUL inside a token.
        raise SyntaxError("source code string cannot contain null bytes")
    _check_nesting(source)
    if _EOF_CRLF_CONTINUATION and source.endswith("\\\r\n"):
        # This ast accepts a CRLF continuation ending the file (3.12 no longer does); libcst
        # does once a line follows it. The added line is past every node: positions stay.
        source += "\r\n"
    # libcst's parser and code generator recurse once per nesting level (and
    # per part of an implicit string concatenation); ast.parse copes with
    # such files, so give libcst head room while it runs.
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, _RECURSION_LIMIT))
    try:
        try:
            module = libcst.parse_module(source)
        except libcst.ParserSyntaxError as exc:
            line, column = exc.raw_line, exc.raw_column
            match = _PARSER_ERROR_AT_RE.search(exc.message)
            if match is not None:  # the native parser's own location is the precise one
                line, column = int(match.group(1)), int(match.group(2))
            raise _syntax_error(source, exc.message, line, column + 1) from None
        except RecursionError:
            raise SyntaxError("too many nested parentheses") from None
        except Exception as exc:  # the contract: SyntaxError, never another type
            raise SyntaxError(f"libcst could not parse the source: {exc}") from None
        except BaseException as exc:  # pyo3's PanicException derives from BaseException
            if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                raise
            raise SyntaxError(f"libcst could not parse the source: {exc}") from None
        try:
            positions, generated = _positions(module)
            if generated != source:
                positions = _realigned(positions, generated, source)
            with warnings.catch_warnings():
                # Invalid escape sequences warn while being decoded, as in compile().
                warnings.simplefilter("ignore")
                return _Converter(source, positions).convert_Module(module)
        except SyntaxError:
            raise
        except RecursionError:
            raise SyntaxError("source too deeply nested to convert") from None
        except Exception as exc:  # the contract: SyntaxError, never another type
            raise SyntaxError(f"could not convert the libcst tree: {exc!r}") from None
    finally:
        sys.setrecursionlimit(old_limit)


def _positions(module: cst.Module) -> tuple[dict[cst.CSTNode, Range], str]:
    """Every node's (start line, start column, end line, end column) in code points, and the code
    libcst regenerates from the tree, which those positions count in.

    The ranges are libcst's ``PositionProvider`` ranges.  ``MetadataWrapper``
    adds a full (empty) visitor pass and allocates two objects per node, which
    is half of the cost, so the provider's code-generation pass is run
    directly with a leaner state; should libcst's internals ever change shape,
    the public ``MetadataWrapper`` path is used instead.
    """
    try:
        state = _lean_state_class()(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            provider=None,
        )
        module._codegen(state)
        return state.ranges, "".join(state.tokens)
    except RecursionError:
        raise
    except Exception:  # libcst's internals changed: take the public, slower path
        from libcst.metadata import MetadataWrapper, PositionProvider

        resolved = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        ranges = {
            node: (where.start.line, where.start.column, where.end.line, where.end.column)
            for node, where in resolved.items()
        }
        return ranges, module.code


def _realigned(
    positions: Mapping[cst.CSTNode, Range], generated: str, source: str
) -> dict[cst.CSTNode, Range]:
    """libcst's ranges, counted in the code it regenerates, moved onto the source.

    libcst drops some whitespace from its tree: a backslash continuation in places such as
    ``except E\\`` before the colon, a line holding only a continuation, a form feed that
    starts a line. The regenerated code is then the source minus those characters, and every
    later position would be off by the lines and columns dropped.
    """
    runs = _shared_runs(generated, source)
    run_starts = [generated_start for generated_start, _ in runs]
    generated_lines = _line_starts(generated)
    source_lines = _line_starts(source)

    def source_offset(offset: int) -> int:
        generated_start, source_start = runs[bisect.bisect_right(run_starts, offset) - 1]
        return source_start + offset - generated_start

    def moved(line: int, column: int, *, end: bool) -> tuple[int, int]:
        # Module's codegen counts a last newline, then may leave it out of the code: clamped.
        offset = min(generated_lines[min(line, len(generated_lines)) - 1] + column, len(generated))
        # An end is exclusive: it stays right after its last character, before dropped text.
        mapped = source_offset(offset - 1) + 1 if end and offset else source_offset(offset)
        source_line = bisect.bisect_right(source_lines, mapped)
        return source_line, mapped - source_lines[source_line - 1]

    realigned: dict[cst.CSTNode, Range] = {}
    for node, (start_line, start_column, end_line, end_column) in positions.items():
        start = moved(start_line, start_column, end=False)
        end = max(moved(end_line, end_column, end=True), start)
        realigned[node] = (*start, *end)
    return realigned


def _shared_runs(generated: str, source: str) -> list[tuple[int, int]]:
    """(generated offset, source offset) where each run of equal text starts, in order; the runs
    cover all of `generated`. Raises SyntaxError when libcst changed more than dropped whitespace."""
    runs: list[tuple[int, int]] = []
    generated_at = source_at = 0
    while generated_at < len(generated):
        length = _common_prefix_length(generated, generated_at, source, source_at)
        if length:
            runs.append((generated_at, source_at))
            generated_at += length
            source_at += length
        elif source_at < len(source) and source[source_at] in _DROPPABLE:
            source_at += 1  # a character libcst dropped
        else:
            line = source.count("\n", 0, source_at) + 1
            raise SyntaxError("libcst did not reproduce the source", ("<unknown>", line, None, None))
    return runs or [(0, 0)]


def _common_prefix_length(first: str, first_at: int, second: str, second_at: int) -> int:
    """How many characters `first[first_at:]` and `second[second_at:]` share at their start,
    found by comparing growing slices (a character loop would be slow on big files)."""
    limit = min(len(first) - first_at, len(second) - second_at)
    equal, step = 0, 64
    while equal < limit:
        upto = min(equal + step, limit)
        if first[first_at + equal : first_at + upto] == second[second_at + equal : second_at + upto]:
            equal, step = upto, step * 2
            continue
        while upto - equal > 1:  # first[..equal] matches, first[..upto] does not
            middle = (equal + upto) // 2
            if first[first_at + equal : first_at + middle] == second[second_at + equal : second_at + middle]:
                equal = middle
            else:
                upto = middle
        return equal
    return limit


def _line_starts(text: str) -> list[int]:
    """The offset of each line's first character, lines split as libcst counts them."""
    return [0, *(match.end() for match in _NEWLINE_RE.finditer(text))]


@functools.cache
def _lean_state_class() -> type:
    from libcst.metadata.position_provider import PositionProvidingCodegenState

    class _Record:
        """``record_syntactic_position`` without a generator-based context manager."""

        __slots__ = ("column", "end_node", "line", "node", "start_node", "state")

        def __init__(self, state: Any, node: Any, start_node: Any, end_node: Any) -> None:
            self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node
            self.line = self.column = 0

        def __enter__(self) -> None:
            self.line, self.column = self.state.line, self.state.column

        def __exit__(self, *exc_info: object) -> None:
            state = self.state
            ranges = state.ranges
            start_line, start_column = self.line, self.column
            end_line, end_column = state.line, state.column
            if self.start_node is not None:  # positions hoisted from a child
                start_line, start_column = ranges[self.start_node][:2]
            if self.end_node is not None:
                end_line, end_column = ranges[self.end_node][2:]
            ranges[self.node] = (start_line, start_column, end_line, end_column)

    class _LeanState(PositionProvidingCodegenState):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.ranges: dict[Any, Range] = {}
            self.starts: list[tuple[int, int]] = []

        def add_indent_tokens(self) -> None:
            for token in self.indent_tokens:  # indentation never holds a newline
                self.tokens.append(token)
                self.column += len(token)

        def add_token(self, value: str) -> None:
            self.tokens.append(value)  # Module's codegen inspects the token count
            if "\n" in value or "\r" in value:
                segments = _NEWLINE_RE.split(value)
                self.line += len(segments) - 1
                self.column = len(segments[-1])
            else:
                self.column += len(value)

        def before_codegen(self, node: Any) -> None:
            self.starts.append((self.line, self.column))

        def after_codegen(self, node: Any) -> None:
            line, column = self.starts.pop()
            if node not in self.ranges:  # a syntactic range was recorded already
                self.ranges[node] = (line, column, self.line, self.column)

        def record_syntactic_position(  # type: ignore[override]
            self, node: Any, *, start_node: Any = None, end_node: Any = None
        ) -> _Record:
            return _Record(self, node, start_node, end_node)

    return _LeanState


def _check_nesting(source: str) -> None:
    """Refuse sources nested deeper than CPython allows (or libcst survives).

    A light scan (strings and comments skipped) tracks bracket depth and, per
    bracket level, how many operators, prefixes and trailers follow each other
    without a separator -- the depth of the expression tree libcst recurses on.
    """
    depth = 0
    chains = [0]
    for match in _SCAN_RE.finditer(source):
        kind = match.lastgroup
        if kind == "open":
            chains[-1] += 1
            depth += 1
            if depth > _MAX_BRACKET_DEPTH:
                line = source.count("\n", 0, match.start()) + 1
                raise SyntaxError("too many nested parentheses", ("<unknown>", line, None, None))
            chains.append(0)
        elif kind == "close":
            if depth:
                depth -= 1
                chains.pop()
            chains[-1] += 1
        elif kind == "sep" or (kind == "newline" and not depth):
            chains[-1] = 0  # a newline inside brackets separates nothing
        elif kind in ("op", "string") or (kind == "word" and match.group() in _CHAIN_WORDS):
            # (implicitly concatenated strings nest in libcst, one level each)
            chains[-1] += 1
        else:
            continue
        if chains[-1] > _MAX_CHAIN:
            line = source.count("\n", 0, match.start()) + 1
            raise SyntaxError("expression too complex to parse", ("<unknown>", line, None, None))


def _syntax_error(source: str, message: str, lineno: int, offset: int) -> SyntaxError:
    lines = _NEWLINE_RE.split(source)
    text = lines[lineno - 1] if 0 < lineno <= len(lines) else None
    return SyntaxError(message, ("<unknown>", lineno, offset, text))


@functools.cache
def _spec_ends_with_empty_constant() -> bool:
    """Whether this interpreter ends a format spec like ``{y}`` in ``Constant('')``."""
    if _LEGACY_FSTRINGS:
        return False
    statement = ast.parse('f"{x:{y}}"').body[0]
    assert isinstance(statement, ast.Expr) and isinstance(statement.value, ast.JoinedStr)
    field = statement.value.values[0]
    assert isinstance(field, ast.FormattedValue) and isinstance(field.format_spec, ast.JoinedStr)
    return len(field.format_spec.values) == 2


def _set_field(node: ast.AST, name: str, value: object) -> None:
    """Set a field that only some versions' ``ast`` (and stubs) know about."""
    setattr(node, name, value)


def _identifier(name: str) -> str:
    # The tokenizer NFKC-normalises identifiers (PEP 3131); libcst keeps them raw.
    return name if name.isascii() else unicodedata.normalize("NFKC", name)


def _utf8_width(char: str) -> int:
    code = ord(char)
    if code < 0x80:
        return 1
    if code < 0x800:
        return 2
    return 3 if code < 0x10000 else 4


def _decode_text(body: str, raw: bool) -> str:
    """Decode the text of a str literal the way CPython's parser does."""
    if "\r" in body:  # the tokenizer has already translated newlines
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    if raw or "\\" not in body:
        return body

    # Like decode_unicode_with_escapes(): non-ASCII characters become \U
    # escapes and a backslash before a non-ASCII character (or at the very
    # end) is a literal backslash, then the 'unicode_escape' codec runs.
    def escape(match: re.Match[str]) -> str:
        escaped = match.group(1)
        text = match.group(0)
        if escaped is None:
            return "\\u005c" if text == "\\" else f"\\U{ord(text):08x}"
        if escaped.isascii():
            return text
        return f"\\u005c\\U{ord(escaped):08x}"

    return _STRING_ESCAPE_RE.sub(escape, body).encode("ascii").decode("unicode_escape")


def _split_string_token(token: str) -> tuple[str, str]:
    """Split a string token into (lower-cased prefix, body without quotes)."""
    quote_at = min(i for i in (token.find("'"), token.find('"')) if i >= 0)
    prefix = token[:quote_at]
    quote = token[quote_at : quote_at + 3]
    if quote not in ('"""', "'''"):
        quote = token[quote_at]
    return prefix.lower(), token[quote_at + len(quote) : len(token) - len(quote)]


def _literal_value(token: str) -> str | bytes:
    prefix, body = _split_string_token(token)
    raw = "r" in prefix
    if "b" not in prefix:
        return _decode_text(body, raw)
    if not body.isascii():
        raise SyntaxError("bytes can only contain ASCII literal characters")
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    data = body.encode("ascii")
    return data if raw or b"\\" not in data else codecs.escape_decode(data)[0]


def _number_value(token: str, kind: str) -> int | float | complex:
    try:
        if kind == "Integer":
            return int(token, 0)
        if kind == "Float":
            return float(token)
        return complex(0.0, float(token[:-1]))
    except ValueError:
        value = ast.literal_eval(token)
        assert isinstance(value, (int, float, complex))
        return value


class _FStringParts:
    """Accumulates the ``values`` of a ``JoinedStr`` like CPython's f-string parser.

    Adjacent literal text -- across implicitly concatenated tokens and the
    ``expr=`` text of debugging specifiers -- is merged into one ``Constant``;
    empty text produces none.  *start*/*end* is the range of the whole
    (concatenated) string, which Python < 3.12 gives to every part.
    """

    def __init__(self, converter: _Converter, kind: str | None, start: Pos, end: Pos) -> None:
        self.converter = converter
        self.kind = kind
        self.start = start
        self.end = end
        self.values: list[ast.expr] = []
        self._text: list[str] = []
        self._text_start: Pos = start
        self._text_end: Pos = end

    def add_text(self, text: str, start: Pos, end: Pos) -> None:
        if not text:
            return
        if not self._text:
            self._text_start = start
        self._text.append(text)
        self._text_end = end

    def add_value(self, value: ast.expr) -> None:
        self._flush()
        self.values.append(value)

    def finish(self, final_range: tuple[Pos, Pos] | None = None) -> list[ast.expr]:
        self._flush(final_range)
        return self.values

    def _flush(self, final_range: tuple[Pos, Pos] | None = None) -> None:
        if not self._text:
            return
        constant = ast.Constant(value="".join(self._text), kind=self.kind)
        if not _LEGACY_FSTRINGS:
            # PEP 701 tokenizer: a literal spans its own text (a plain string
            # token: the whole token), merged literals from first to last.
            start, end = self._text_start, self._text_end
        else:
            # < 3.12: a literal carries the whole string's range, except the
            # last literal of a format spec, flushed with the range of the
            # token the spec is in.
            start, end = final_range or (self.start, self.end)
        self.values.append(self.converter.locate(constant, start, end))
        self._text = []


class _Converter:
    """Converts libcst nodes to ast nodes; one ``convert_<NodeType>`` per node type."""

    def __init__(self, source: str, positions: Mapping[cst.CSTNode, Range]) -> None:
        self._positions = positions
        self._lines = _NEWLINE_RE.split(source)
        # Cumulative UTF-8 widths per line, built lazily for non-ASCII lines only.
        self._byte_columns: dict[int, list[int]] = {}
        self._non_ascii = {i + 1 for i, line in enumerate(self._lines) if not line.isascii()}
        self._methods: dict[type, Callable[[Any], Any]] = {}

    # ------------------------------------------------------------------ helpers

    def _dispatch(self, node: cst.CSTNode) -> Any:
        node_type = type(node)
        method = self._methods.get(node_type)
        if method is None:
            method = getattr(self, f"convert_{node_type.__name__}", None)
            if method is None:
                raise SyntaxError(f"unsupported syntax: {node_type.__name__}")
            self._methods[node_type] = method
        return method(node)

    def _column(self, line: int, column: int) -> int:
        if line not in self._non_ascii or column == 0:
            return column
        widths = self._byte_columns.get(line)
        if widths is None:
            widths = [0]
            total = 0
            for char in self._lines[line - 1]:
                total += _utf8_width(char)
                widths.append(total)
            self._byte_columns[line] = widths
        return widths[column]

    def start(self, node: cst.CSTNode) -> Pos:
        line, column, _, _ = self._positions[node]
        return line, self._column(line, column)

    def end(self, node: cst.CSTNode) -> Pos:
        _, _, line, column = self._positions[node]
        return line, self._column(line, column)

    @staticmethod
    def locate(node: _A, start: Pos, end: Pos) -> _A:
        located: Any = node  # the stubs declare positions on stmt/expr/... only
        located.lineno, located.col_offset = start
        located.end_lineno, located.end_col_offset = end
        return node

    def at(self, node: _A, cst_node: cst.CSTNode) -> _A:
        return self.locate(node, self.start(cst_node), self.end(cst_node))

    @staticmethod
    def ast_start(node: ast.AST) -> Pos:
        located: Any = node
        return located.lineno, located.col_offset

    @staticmethod
    def ast_end(node: ast.AST) -> Pos:
        located: Any = node
        return located.end_lineno, located.end_col_offset

    def outer_start(self, node: cst.CSTNode, converted: ast.AST | None = None) -> Pos:
        """Start of an expression including its parentheses (what parents span)."""
        lpar = getattr(node, "lpar", None)
        if lpar:
            return self.start(lpar[0])  # a LeftParen's range starts at its "("
        return self.ast_start(converted) if converted is not None else self.start(node)

    def outer_end(self, node: cst.CSTNode, converted: ast.AST | None = None) -> Pos:
        """End of an expression including its parentheses.

        Uses the converted node when given: libcst's range of an unparenthesised
        tuple with a trailing comma also covers the whitespace after the comma.
        """
        rpar = getattr(node, "rpar", None)
        if rpar:
            return self.end(rpar[-1])  # a RightParen's range ends at its ")"
        return self.ast_end(converted) if converted is not None else self.end(node)

    def source_text(self, start: cst.CSTNode, end: cst.CSTNode) -> str:
        """Source from the start of *start* to the end of *end* (code-point ranges)."""
        first_line, first_column, _, _ = self._positions[start]
        _, _, last_line, last_column = self._positions[end]
        if first_line == last_line:
            return self._lines[first_line - 1][first_column:last_column]
        parts = [self._lines[first_line - 1][first_column:]]
        parts.extend(self._lines[first_line : last_line - 1])
        parts.append(self._lines[last_line - 1][:last_column])
        return "\n".join(parts)  # CPython sees translated newlines

    # --------------------------------------------------------------- entry points

    def expr(self, node: cst.CSTNode) -> ast.expr:
        result: ast.expr = self._dispatch(node)
        return result

    def opt_expr(self, node: cst.CSTNode | None) -> ast.expr | None:
        return None if node is None else self.expr(node)

    def target(self, node: cst.CSTNode, ctx: ast.expr_context) -> Any:
        # Any: the stubs narrow each statement's target type (Name | Attribute
        # | Subscript, ...); set_context() enforces the valid kinds at runtime.
        converted = self.expr(node)
        self.set_context(converted, ctx)
        return converted

    def set_context(self, node: ast.expr, ctx: ast.expr_context) -> None:
        # ast marks every assignment target (and nested tuple/list/starred
        # element) Store or Del; the value of an Attribute/Subscript stays Load.
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            node.ctx = ctx
        elif isinstance(node, (ast.Tuple, ast.List)):
            node.ctx = ctx
            for element in node.elts:
                self.set_context(element, ctx)
        elif isinstance(node, ast.Starred) and not isinstance(ctx, ast.Del):
            node.ctx = ctx
            self.set_context(node.value, ctx)
        else:
            verb = "delete" if isinstance(ctx, ast.Del) else "assign to"
            raise SyntaxError(f"cannot {verb} {type(node).__name__}")

    def suite(self, node: cst.BaseSuite) -> tuple[list[ast.stmt], Pos]:
        """Statements of a block and the position where the owning statement ends."""
        import libcst as cst

        if isinstance(node, cst.SimpleStatementSuite):
            small: Sequence[cst.BaseSmallStatement] = node.body
            body = [self._dispatch(statement) for statement in small]
            return body, self._small_end(small[-1], body[-1])
        body = self.statements(node.body)
        last = node.body[-1]
        if isinstance(last, cst.SimpleStatementLine):
            return body, self._small_end(last.body[-1], body[-1])
        return body, self.ast_end(body[-1])

    def _small_end(self, node: cst.BaseSmallStatement, converted: ast.stmt) -> Pos:
        import libcst as cst

        # The parser's node extent runs to the last non-whitespace token, so a
        # compound statement whose body ends in "x;" includes the semicolon.
        semicolon = getattr(node, "semicolon", None)
        if isinstance(semicolon, cst.Semicolon):
            return self.end(semicolon)
        return self.ast_end(converted)

    def statements(self, nodes: Iterable[cst.CSTNode]) -> list[ast.stmt]:
        import libcst as cst

        result: list[ast.stmt] = []
        for node in nodes:
            if isinstance(node, cst.SimpleStatementLine):
                result.extend(self._dispatch(small) for small in node.body)
            else:
                result.append(self._dispatch(node))
        return result

    # ----------------------------------------------------------------- module

    def convert_Module(self, node: cst.Module) -> ast.Module:
        return ast.Module(body=self.statements(node.body), type_ignores=[])

    # ------------------------------------------------------- simple statements

    def _simple(
        self, node: _A, cst_node: cst.CSTNode, last: ast.AST | None, last_cst: cst.CSTNode | None
    ) -> _A:
        # A simple statement spans from its first token to the end of its last
        # child including that child's parentheses.
        end = self.end(cst_node) if last is None or last_cst is None else self.outer_end(last_cst, last)
        return self.locate(node, self.start(cst_node), end)

    def convert_Expr(self, node: cst.Expr) -> ast.Expr:
        value = self.expr(node.value)
        return self.locate(
            ast.Expr(value=value),
            self.outer_start(node.value, value),
            self.outer_end(node.value, value),
        )

    def convert_Assign(self, node: cst.Assign) -> ast.Assign:
        targets = [self.target(target.target, ast.Store()) for target in node.targets]
        value = self.expr(node.value)
        result = ast.Assign(targets=targets, value=value, type_comment=None)
        return self._simple(result, node, value, node.value)

    def convert_AnnAssign(self, node: cst.AnnAssign) -> ast.AnnAssign:
        import libcst as cst

        target = self.target(node.target, ast.Store())
        annotation = self.expr(node.annotation.annotation)
        value = self.opt_expr(node.value)
        # "simple" marks a bare, unparenthesised name (it goes to __annotations__).
        simple = int(isinstance(node.target, cst.Name) and not node.target.lpar)
        result = ast.AnnAssign(target=target, annotation=annotation, value=value, simple=simple)
        if value is not None and node.value is not None:
            return self._simple(result, node, value, node.value)
        return self._simple(result, node, annotation, node.annotation.annotation)

    def convert_AugAssign(self, node: cst.AugAssign) -> ast.AugAssign:
        target = self.target(node.target, ast.Store())
        op = _AUG_OPS[type(node.operator).__name__]()
        value = self.expr(node.value)
        return self._simple(ast.AugAssign(target=target, op=op, value=value), node, value, node.value)

    def convert_Pass(self, node: cst.Pass) -> ast.Pass:
        return self.at(ast.Pass(), node)

    def convert_Break(self, node: cst.Break) -> ast.Break:
        return self.at(ast.Break(), node)

    def convert_Continue(self, node: cst.Continue) -> ast.Continue:
        return self.at(ast.Continue(), node)

    def convert_Return(self, node: cst.Return) -> ast.Return:
        value = self.opt_expr(node.value)
        return self._simple(ast.Return(value=value), node, value, node.value)

    def convert_Raise(self, node: cst.Raise) -> ast.Raise:
        exc = self.opt_expr(node.exc)
        cause = None if node.cause is None else self.expr(node.cause.item)
        if cause is not None and node.cause is not None:
            return self._simple(ast.Raise(exc=exc, cause=cause), node, cause, node.cause.item)
        return self._simple(ast.Raise(exc=exc, cause=None), node, exc, node.exc)

    def convert_Assert(self, node: cst.Assert) -> ast.Assert:
        test = self.expr(node.test)
        msg = self.opt_expr(node.msg)
        if msg is not None and node.msg is not None:
            return self._simple(ast.Assert(test=test, msg=msg), node, msg, node.msg)
        return self._simple(ast.Assert(test=test, msg=None), node, test, node.test)

    def convert_Del(self, node: cst.Del) -> ast.Delete:
        import libcst as cst

        target = node.target
        # "del a, b" has several targets; "del (a, b)" has one tuple target.
        if isinstance(target, cst.Tuple) and not target.lpar:
            parts = [element.value for element in target.elements]
        else:
            parts = [target]
        targets = [self.target(part, ast.Del()) for part in parts]
        end = self.outer_end(parts[-1], targets[-1])
        if isinstance(target, cst.Tuple) and not target.lpar:
            comma = target.elements[-1].comma
            if isinstance(comma, cst.Comma):  # "del a, b," ends at the comma
                end = self.end(comma)
        return self.locate(ast.Delete(targets=targets), self.start(node), end)

    def convert_Global(self, node: cst.Global) -> ast.Global:
        return self.at(ast.Global(names=[_identifier(item.name.value) for item in node.names]), node)

    def convert_Nonlocal(self, node: cst.Nonlocal) -> ast.Nonlocal:
        return self.at(ast.Nonlocal(names=[_identifier(item.name.value) for item in node.names]), node)

    def _dotted(self, node: cst.BaseExpression) -> str:
        import libcst as cst

        if isinstance(node, cst.Attribute):
            return f"{self._dotted(node.value)}.{_identifier(node.attr.value)}"
        assert isinstance(node, cst.Name)
        return _identifier(node.value)

    def convert_ImportAlias(self, node: cst.ImportAlias) -> ast.alias:
        import libcst as cst

        asname = None
        end = self.end(node.name)
        if node.asname is not None:
            name_node = node.asname.name
            assert isinstance(name_node, cst.Name)
            asname = _identifier(name_node.value)
            end = self.end(name_node)
        return self.locate(ast.alias(name=self._dotted(node.name), asname=asname), self.start(node.name), end)

    def convert_ImportStar(self, node: cst.ImportStar) -> ast.alias:
        return self.at(ast.alias(name="*", asname=None), node)

    def _import_names(self, names: Sequence[cst.ImportAlias] | cst.ImportStar) -> list[ast.alias]:
        import libcst as cst

        if isinstance(names, cst.ImportStar):
            return [self.convert_ImportStar(names)]
        return [self.convert_ImportAlias(alias) for alias in names]

    def convert_Import(self, node: cst.Import) -> ast.Import:
        return self.at(ast.Import(names=self._import_names(node.names)), node)

    def convert_ImportFrom(self, node: cst.ImportFrom) -> ast.ImportFrom:
        module = None if node.module is None else self._dotted(node.module)
        result = ast.ImportFrom(module=module, names=self._import_names(node.names), level=len(node.relative))
        return self.at(result, node)

    def convert_LazyImport(self, node: Any) -> ast.Import:
        # PEP 810: nearest older shape is a plain import.
        result = ast.Import(names=self._import_names(node.names))
        if "is_lazy" in ast.Import._fields:
            _set_field(result, "is_lazy", 1)
        return self.at(result, node)

    def convert_LazyImportFrom(self, node: Any) -> ast.ImportFrom:
        module = None if node.module is None else self._dotted(node.module)
        result = ast.ImportFrom(module=module, names=self._import_names(node.names), level=len(node.relative))
        if "is_lazy" in ast.ImportFrom._fields:
            _set_field(result, "is_lazy", 1)
        return self.at(result, node)

    def convert_TypeAlias(self, node: cst.TypeAlias) -> ast.stmt:
        name = self.at(ast.Name(id=_identifier(node.name.value), ctx=ast.Store()), node.name)
        value = self.expr(node.value)
        end = self.outer_end(node.value, value)
        if _HAS_TYPE_PARAMS:
            type_params = self.type_params(node.type_parameters)
            alias: ast.stmt = _AST.TypeAlias(name=name, type_params=type_params, value=value)
            return self.locate(alias, self.start(node), end)
        # No TypeAlias node before 3.12: the nearest shape is "X = value".
        return self.locate(ast.Assign(targets=[name], value=value, type_comment=None), self.start(node), end)

    # ----------------------------------------------------- compound statements

    def _orelse(self, node: cst.CSTNode | None) -> tuple[list[ast.stmt], Pos | None]:
        import libcst as cst

        if node is None:
            return [], None
        if isinstance(node, cst.If):  # "elif" is an If nested in orelse
            nested = self.convert_If(node)
            return [nested], self.ast_end(nested)
        assert isinstance(node, (cst.Else, cst.Finally))
        return self.suite(node.body)

    def convert_If(self, node: cst.If) -> ast.If:
        test = self.expr(node.test)
        body, end = self.suite(node.body)
        orelse, else_end = self._orelse(node.orelse)
        result = ast.If(test=test, body=body, orelse=orelse)
        return self.locate(result, self.start(node), else_end or end)

    def convert_While(self, node: cst.While) -> ast.While:
        test = self.expr(node.test)
        body, end = self.suite(node.body)
        orelse, else_end = self._orelse(node.orelse)
        return self.locate(ast.While(test=test, body=body, orelse=orelse), self.start(node), else_end or end)

    def convert_For(self, node: cst.For) -> ast.For | ast.AsyncFor:
        target = self.target(node.target, ast.Store())
        iter_ = self.expr(node.iter)
        body, end = self.suite(node.body)
        orelse, else_end = self._orelse(node.orelse)
        kind = ast.AsyncFor if node.asynchronous is not None else ast.For
        result = kind(target=target, iter=iter_, body=body, orelse=orelse, type_comment=None)
        # the range of an async statement starts at "async" (libcst agrees)
        return self.locate(result, self.start(node), else_end or end)

    def convert_WithItem(self, node: cst.WithItem) -> ast.withitem:
        context_expr = self.expr(node.item)
        optional_vars = None if node.asname is None else self.target(node.asname.name, ast.Store())
        return ast.withitem(context_expr=context_expr, optional_vars=optional_vars)

    def convert_With(self, node: cst.With) -> ast.With | ast.AsyncWith:
        items = [self.convert_WithItem(item) for item in node.items]
        body, end = self.suite(node.body)
        kind = ast.AsyncWith if node.asynchronous is not None else ast.With
        return self.locate(kind(items=items, body=body, type_comment=None), self.start(node), end)

    def _handler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> ast.ExceptHandler:
        import libcst as cst

        type_ = self.opt_expr(node.type)
        name = None
        if node.name is not None:
            name_node = node.name.name
            assert isinstance(name_node, cst.Name)
            name = _identifier(name_node.value)
        body, end = self.suite(node.body)
        return self.locate(ast.ExceptHandler(type=type_, name=name, body=body), self.start(node), end)

    def convert_ExceptHandler(self, node: cst.ExceptHandler) -> ast.ExceptHandler:
        return self._handler(node)

    def convert_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> ast.ExceptHandler:
        return self._handler(node)

    def _try(self, node: cst.Try | cst.TryStar, kind: Callable[..., ast.stmt]) -> ast.stmt:
        body, end = self.suite(node.body)
        handlers = [self._dispatch(handler) for handler in node.handlers]
        if handlers:
            end = self.ast_end(handlers[-1])
        orelse, else_end = self._orelse(node.orelse)
        finalbody, final_end = self._orelse(node.finalbody)
        result = kind(body=body, handlers=handlers, orelse=orelse, finalbody=finalbody)
        return self.locate(result, self.start(node), final_end or else_end or end)

    def convert_Try(self, node: cst.Try) -> ast.stmt:
        return self._try(node, ast.Try)

    def convert_TryStar(self, node: cst.TryStar) -> ast.stmt:
        kind = getattr(ast, "TryStar", ast.Try)  # no TryStar node before 3.11
        return self._try(node, kind)

    def convert_FunctionDef(self, node: cst.FunctionDef) -> ast.FunctionDef | ast.AsyncFunctionDef:
        decorators = [self.expr(decorator.decorator) for decorator in node.decorators]
        args = self.convert_Parameters(node.params)
        returns = None if node.returns is None else self.expr(node.returns.annotation)
        body, end = self.suite(node.body)
        kind = ast.AsyncFunctionDef if node.asynchronous is not None else ast.FunctionDef
        result = kind(
            name=_identifier(node.name.value),
            args=args,
            body=body,
            decorator_list=decorators,
            returns=returns,
            type_comment=None,
            **self.type_params_field(node.type_parameters),
        )
        # libcst's FunctionDef range already starts at "def"/"async", past the
        # decorators, as ast's does since 3.8.
        return self.locate(result, self.start(node), end)

    def convert_ClassDef(self, node: cst.ClassDef) -> ast.ClassDef:
        decorators = [self.expr(decorator.decorator) for decorator in node.decorators]
        bases, keywords = self.arguments([*node.bases, *node.keywords])
        body, end = self.suite(node.body)
        result = ast.ClassDef(
            name=_identifier(node.name.value),
            bases=bases,
            keywords=keywords,
            body=body,
            decorator_list=decorators,
            **self.type_params_field(node.type_parameters),
        )
        return self.locate(result, self.start(node), end)

    # -------------------------------------------------------------- type params

    def type_params_field(self, node: cst.TypeParameters | None) -> dict[str, Any]:
        # PEP 695 type parameters are dropped where ast has no field for them.
        return {"type_params": self.type_params(node)} if _HAS_TYPE_PARAMS else {}

    def type_params(self, node: cst.TypeParameters | None) -> list[ast.AST]:
        if node is None:
            return []
        return [self.convert_TypeParam(param) for param in node.params]

    def convert_TypeParam(self, node: cst.TypeParam) -> ast.AST:
        import libcst as cst

        param = node.param
        name = _identifier(param.name.value)
        default = None if node.default is None else self.expr(node.default)
        end = self.end(param.name)
        result: ast.AST
        if isinstance(param, cst.TypeVar):
            bound = self.opt_expr(param.bound)
            result = _AST.TypeVar(name=name, bound=bound)
            if bound is not None and param.bound is not None:
                end = self.outer_end(param.bound, bound)
        elif isinstance(param, cst.TypeVarTuple):
            result = _AST.TypeVarTuple(name=name)
        else:
            result = _AST.ParamSpec(name=name)
        start = self.start(param)
        if _HAS_TYPE_PARAM_DEFAULTS:
            if default is not None and node.default is not None:
                end = self.outer_end(node.default, default)
                if node.star == "*" and isinstance(node.equal, cst.AssignEqual):
                    # "*Ts = *tuple[int]": the default is a Starred from its "*"
                    star = self.end(node.equal.whitespace_after)
                    default = self.locate(ast.Starred(value=default, ctx=ast.Load()), star, end)
            _set_field(result, "default_value", default)
        return self.locate(result, start, end)

    # ------------------------------------------------------------------- match

    def convert_Match(self, node: cst.Match) -> ast.stmt:
        subject = self.expr(node.subject)
        cases = []
        end: Pos = self.ast_end(subject)
        for case in node.cases:
            pattern = self.pattern(case.pattern)
            guard = self.opt_expr(case.guard)
            body, end = self.suite(case.body)
            cases.append(ast.match_case(pattern=pattern, guard=guard, body=body))
        return self.locate(ast.Match(subject=subject, cases=cases), self.start(node), end)

    def pattern(self, node: cst.MatchPattern) -> ast.pattern:
        result: ast.pattern = self._dispatch(node)
        return result

    def _pattern_range(self, node: cst.CSTNode) -> tuple[Pos, Pos]:
        return self.start(node), self.end(node)

    def convert_MatchValue(self, node: cst.MatchValue) -> ast.MatchValue:
        value = self.expr(node.value)
        return self.locate(ast.MatchValue(value=value), self.ast_start(value), self.ast_end(value))

    def convert_MatchSingleton(self, node: cst.MatchSingleton) -> ast.MatchSingleton:
        return self.at(ast.MatchSingleton(value=_CONSTANT_NAMES[node.value.value]), node.value)

    def _sequence_elements(self, elements: Sequence[cst.CSTNode]) -> list[ast.pattern]:
        import libcst as cst

        result: list[ast.pattern] = []
        for element in elements:
            if isinstance(element, cst.MatchStar):
                result.append(self.convert_MatchStar(element))
            else:
                assert isinstance(element, cst.MatchSequenceElement)
                result.append(self.pattern(element.value))
        return result

    def convert_MatchStar(self, node: cst.MatchStar) -> ast.MatchStar:
        # libcst's MatchStar range includes its comma; ast's ends at the name.
        if node.name is None:  # "*_" binds nothing; "_" is one character
            line, column = self.end(node.whitespace_before_name)
            return self.locate(ast.MatchStar(name=None), self.start(node), (line, column + 1))
        name = _identifier(node.name.value)
        return self.locate(
            ast.MatchStar(name=None if name == "_" else name), self.start(node), self.end(node.name)
        )

    def convert_MatchList(self, node: cst.MatchList) -> ast.MatchSequence:
        patterns = self._sequence_elements(node.patterns)
        return self.at(ast.MatchSequence(patterns=patterns), node)

    def convert_MatchTuple(self, node: cst.MatchTuple) -> ast.MatchSequence:
        import libcst as cst

        patterns = self._sequence_elements(node.patterns)
        result = ast.MatchSequence(patterns=patterns)
        if node.lpar:  # like a tuple, a parenthesised sequence spans its parens
            return self.locate(result, self.start(node.lpar[-1]), self.end(node.rpar[0]))
        last = node.patterns[-1]
        end = self.ast_end(patterns[-1])
        if isinstance(last.comma, cst.Comma):
            end = self.end(last.comma)
        return self.locate(result, self.ast_start(patterns[0]), end)

    def convert_MatchMapping(self, node: cst.MatchMapping) -> ast.MatchMapping:
        keys = [self.expr(element.key) for element in node.elements]
        patterns = [self.pattern(element.pattern) for element in node.elements]
        rest = None if node.rest is None else _identifier(node.rest.value)
        return self.at(ast.MatchMapping(keys=keys, patterns=patterns, rest=rest), node)

    def convert_MatchClass(self, node: cst.MatchClass) -> ast.MatchClass:
        cls = self.expr(node.cls)
        patterns = [self.pattern(element.value) for element in node.patterns]
        kwd_attrs = [_identifier(element.key.value) for element in node.kwds]
        kwd_patterns = [self.pattern(element.pattern) for element in node.kwds]
        result = ast.MatchClass(cls=cls, patterns=patterns, kwd_attrs=kwd_attrs, kwd_patterns=kwd_patterns)
        return self.at(result, node)

    def convert_MatchAs(self, node: cst.MatchAs) -> ast.MatchAs:
        pattern = None if node.pattern is None else self.pattern(node.pattern)
        name = None if node.name is None else _identifier(node.name.value)
        if name == "_":
            name = None  # the wildcard binds nothing
        return self.at(ast.MatchAs(pattern=pattern, name=name), node)

    def convert_MatchOr(self, node: cst.MatchOr) -> ast.MatchOr:
        patterns = [self.pattern(element.pattern) for element in node.patterns]
        return self.at(ast.MatchOr(patterns=patterns), node)

    # ------------------------------------------------------------- expressions

    def convert_Name(self, node: cst.Name) -> ast.expr:
        if node.value in _CONSTANT_NAMES:  # True/False/None are keywords in ast
            return self.at(ast.Constant(value=_CONSTANT_NAMES[node.value], kind=None), node)
        return self.at(ast.Name(id=_identifier(node.value), ctx=ast.Load()), node)

    def convert_Ellipsis(self, node: cst.Ellipsis) -> ast.Constant:
        return self.at(ast.Constant(value=..., kind=None), node)

    def convert_Integer(self, node: cst.Integer) -> ast.Constant:
        return self.at(ast.Constant(value=_number_value(node.value, "Integer"), kind=None), node)

    def convert_Float(self, node: cst.Float) -> ast.Constant:
        return self.at(ast.Constant(value=_number_value(node.value, "Float"), kind=None), node)

    def convert_Imaginary(self, node: cst.Imaginary) -> ast.Constant:
        return self.at(ast.Constant(value=_number_value(node.value, "Imaginary"), kind=None), node)

    def convert_Attribute(self, node: cst.Attribute) -> ast.Attribute:
        value = self.expr(node.value)
        return self.at(ast.Attribute(value=value, attr=_identifier(node.attr.value), ctx=ast.Load()), node)

    def convert_StarredElement(self, node: cst.StarredElement) -> ast.Starred:
        return self.at(ast.Starred(value=self.expr(node.value), ctx=ast.Load()), node)

    def _elements(self, elements: Sequence[cst.BaseElement]) -> list[ast.expr]:
        import libcst as cst

        result: list[ast.expr] = []
        for element in elements:
            if isinstance(element, cst.StarredElement):
                result.append(self.convert_StarredElement(element))
            else:
                result.append(self.expr(element.value))
        return result

    def _bare_sequence_range(
        self, elements: Sequence[cst.CSTNode], values: Sequence[cst.CSTNode], converted: Sequence[ast.expr]
    ) -> tuple[Pos, Pos]:
        import libcst as cst

        # An unparenthesised tuple runs from its first element to its last
        # element, or to the trailing comma if there is one.
        start = self.outer_start(values[0], converted[0])
        comma = getattr(elements[-1], "comma", None)
        end = self.end(comma) if isinstance(comma, cst.Comma) else self.outer_end(values[-1], converted[-1])
        return start, end

    def convert_Tuple(self, node: cst.Tuple) -> ast.Tuple:
        import libcst as cst

        elts = self._elements(node.elements)
        result = ast.Tuple(elts=elts, ctx=ast.Load())
        if node.lpar:
            # A parenthesised tuple spans its innermost pair of parentheses:
            # "((a, b))" -- the outer pair is a group that ast drops.
            return self.locate(result, self.start(node.lpar[-1]), self.end(node.rpar[0]))
        values = [
            element if isinstance(element, cst.StarredElement) else element.value for element in node.elements
        ]
        return self.locate(result, *self._bare_sequence_range(node.elements, values, elts))

    def convert_List(self, node: cst.List) -> ast.List:
        return self.at(ast.List(elts=self._elements(node.elements), ctx=ast.Load()), node)

    def convert_Set(self, node: cst.Set) -> ast.Set:
        return self.at(ast.Set(elts=self._elements(node.elements)), node)

    def convert_Dict(self, node: cst.Dict) -> ast.Dict:
        import libcst as cst

        keys: list[ast.expr | None] = []
        values: list[ast.expr] = []
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                keys.append(None)  # "**mapping" has no key
                values.append(self.expr(element.value))
            else:
                assert isinstance(element, cst.DictElement)
                keys.append(self.expr(element.key))
                values.append(self.expr(element.value))
        return self.at(ast.Dict(keys=keys, values=values), node)

    def _comprehensions(self, node: cst.CompFor) -> list[ast.comprehension]:
        generators: list[ast.comprehension] = []
        current: cst.CompFor | None = node
        while current is not None:
            target = self.target(current.target, ast.Store())
            iter_ = self.expr(current.iter)
            ifs = [self.expr(condition.test) for condition in current.ifs]
            is_async = int(current.asynchronous is not None)
            generators.append(ast.comprehension(target=target, iter=iter_, ifs=ifs, is_async=is_async))
            current = current.inner_for_in
        return generators

    def convert_ListComp(self, node: cst.ListComp) -> ast.ListComp:
        elt = self.expr(node.elt)  # PEP 798 "[*x for ...]": elt is a Starred
        return self.at(ast.ListComp(elt=elt, generators=self._comprehensions(node.for_in)), node)

    def convert_SetComp(self, node: cst.SetComp) -> ast.SetComp:
        elt = self.expr(node.elt)
        return self.at(ast.SetComp(elt=elt, generators=self._comprehensions(node.for_in)), node)

    def convert_DictComp(self, node: cst.DictComp) -> ast.DictComp:
        key = self.expr(node.key)
        value = self.expr(node.value)
        return self.at(ast.DictComp(key=key, value=value, generators=self._comprehensions(node.for_in)), node)

    def convert_StarredDictComp(self, node: Any) -> ast.DictComp:
        # PEP 798 "{**d for d in ds}": 3.15 puts the unpacked mapping in key
        # and None in value; older stubs require a value, hence the Any.
        key = self.expr(node.value)
        value: Any = None
        return self.at(ast.DictComp(key=key, value=value, generators=self._comprehensions(node.for_in)), node)

    def convert_GeneratorExp(self, node: cst.GeneratorExp) -> ast.GeneratorExp:
        elt = self.expr(node.elt)
        result = ast.GeneratorExp(elt=elt, generators=self._comprehensions(node.for_in))
        if node.lpar:  # spans its own (innermost) parentheses
            return self.locate(result, self.start(node.lpar[-1]), self.end(node.rpar[0]))
        return self.at(result, node)  # a call's sole argument: Call fixes the range

    def convert_Subscript(self, node: cst.Subscript) -> ast.Subscript:
        value = self.expr(node.value)
        return self.at(ast.Subscript(value=value, slice=self._slice(node.slice), ctx=ast.Load()), node)

    def _slice(self, elements: Sequence[cst.SubscriptElement]) -> ast.expr:
        import libcst as cst

        parts = [self._slice_item(element.slice) for element in elements]
        only = elements[0]
        starred = isinstance(only.slice, cst.Index) and only.slice.star is not None
        if len(elements) == 1 and not isinstance(only.comma, cst.Comma) and not starred:
            return parts[0]
        # "x[a, b]" and (PEP 646) "x[*a]" index with an unparenthesised tuple.
        items = [
            element.slice.value if isinstance(element.slice, cst.Index) else element.slice
            for element in elements
        ]
        start = (
            self.ast_start(parts[0])
            if items[0] is elements[0].slice
            else self.outer_start(items[0], parts[0])
        )
        last = elements[-1]
        if isinstance(last.comma, cst.Comma):
            end = self.end(last.comma)
        elif isinstance(last.slice, cst.Index) and last.slice.star is None:
            end = self.outer_end(last.slice.value, parts[-1])
        else:
            end = self.ast_end(parts[-1])
        return self.locate(ast.Tuple(elts=parts, ctx=ast.Load()), start, end)

    def _slice_item(self, node: cst.BaseSlice) -> ast.expr:
        import libcst as cst

        if isinstance(node, cst.Index):
            value = self.expr(node.value)
            if node.star is None:
                return value
            return self.locate(
                ast.Starred(value=value, ctx=ast.Load()), self.start(node), self.outer_end(node.value, value)
            )
        assert isinstance(node, cst.Slice)
        lower = self.opt_expr(node.lower)
        upper = self.opt_expr(node.upper)
        step = self.opt_expr(node.step)
        # The slice spans its tokens, colons included, but not the whitespace
        # libcst attaches to the colons.
        start = (
            self.outer_start(node.lower, lower) if node.lower is not None else self.start(node.first_colon)
        )
        if step is not None and node.step is not None:
            end = self.outer_end(node.step, step)
        elif isinstance(node.second_colon, cst.Colon):
            end = self.end(node.second_colon)
        elif upper is not None and node.upper is not None:
            end = self.outer_end(node.upper, upper)
        else:
            end = self.end(node.first_colon)
        return self.locate(ast.Slice(lower=lower, upper=upper, step=step), start, end)

    def arguments(self, args: Sequence[cst.Arg]) -> tuple[list[ast.expr], list[ast.keyword]]:
        positional: list[ast.expr] = []
        keywords: list[ast.keyword] = []
        for arg in args:
            value = self.expr(arg.value)
            if arg.keyword is not None:
                keyword = ast.keyword(arg=_identifier(arg.keyword.value), value=value)
                keywords.append(self.at(keyword, arg))
            elif arg.star == "**":  # "**kwargs" is a keyword with arg=None from the "**"
                keywords.append(self.at(ast.keyword(arg=None, value=value), arg))
            elif arg.star == "*":
                positional.append(self.at(ast.Starred(value=value, ctx=ast.Load()), arg))
            else:
                positional.append(value)
        return positional, keywords

    def convert_Call(self, node: cst.Call) -> ast.Call:
        import libcst as cst

        func = self.expr(node.func)
        args, keywords = self.arguments(node.args)
        only = node.args[0].value if len(node.args) == 1 else None
        if isinstance(only, cst.GeneratorExp) and not only.lpar and args:
            # "f(x for x in y)": the generator borrows the call's parentheses.
            # The "(" directly follows the whitespace after the callee.
            open_paren = self.end(node.whitespace_after_func)
            self.locate(args[0], open_paren, self.end(node))
        return self.at(ast.Call(func=func, args=args, keywords=keywords), node)

    def convert_BinaryOperation(self, node: cst.BinaryOperation) -> ast.BinOp:
        left = self.expr(node.left)
        op = _BIN_OPS[type(node.operator).__name__]()
        right = self.expr(node.right)
        return self.at(ast.BinOp(left=left, op=op, right=right), node)

    def convert_BooleanOperation(self, node: cst.BooleanOperation) -> ast.BoolOp:
        import libcst as cst

        operator = type(node.operator)
        operands: list[cst.BaseExpression] = []

        # ast flattens "a and b and c" into one BoolOp; libcst nests it
        # left-associatively.  Only unparenthesised same-operator operands are
        # part of the chain: "(a and b) and c" nests in ast too.
        def collect(operand: cst.BaseExpression, top: bool) -> None:
            if (
                isinstance(operand, cst.BooleanOperation)
                and type(operand.operator) is operator
                and (top or not operand.lpar)
            ):
                collect(operand.left, False)
                collect(operand.right, False)
            else:
                operands.append(operand)

        collect(node, True)
        values = [self.expr(operand) for operand in operands]
        return self.at(ast.BoolOp(op=_BOOL_OPS[operator.__name__](), values=values), node)

    def convert_Comparison(self, node: cst.Comparison) -> ast.Compare:
        left = self.expr(node.left)
        ops = [_CMP_OPS[type(target.operator).__name__]() for target in node.comparisons]
        comparators = [self.expr(target.comparator) for target in node.comparisons]
        return self.at(ast.Compare(left=left, ops=ops, comparators=comparators), node)

    def convert_UnaryOperation(self, node: cst.UnaryOperation) -> ast.UnaryOp:
        # "-1" is UnaryOp(USub, Constant(1)) in ast as well.
        op = _UNARY_OPS[type(node.operator).__name__]()
        return self.at(ast.UnaryOp(op=op, operand=self.expr(node.expression)), node)

    def convert_IfExp(self, node: cst.IfExp) -> ast.IfExp:
        body = self.expr(node.body)
        test = self.expr(node.test)
        orelse = self.expr(node.orelse)
        return self.at(ast.IfExp(test=test, body=body, orelse=orelse), node)

    def convert_Lambda(self, node: cst.Lambda) -> ast.Lambda:
        args = self.convert_Parameters(node.params)
        return self.at(ast.Lambda(args=args, body=self.expr(node.body)), node)

    def convert_NamedExpr(self, node: cst.NamedExpr) -> ast.NamedExpr:
        target = self.target(node.target, ast.Store())
        return self.at(ast.NamedExpr(target=target, value=self.expr(node.value)), node)

    def convert_Await(self, node: cst.Await) -> ast.Await:
        return self.at(ast.Await(value=self.expr(node.expression)), node)

    def convert_Yield(self, node: cst.Yield) -> ast.expr:
        import libcst as cst

        value = node.value
        if isinstance(value, cst.From):
            item = self.expr(value.item)
            return self.locate(ast.YieldFrom(value=item), self.start(node), self.outer_end(value.item, item))
        if value is None:
            return self.at(ast.Yield(value=None), node)
        converted = self.expr(value)
        return self.locate(ast.Yield(value=converted), self.start(node), self.outer_end(value, converted))

    # --------------------------------------------------------------- parameters

    def convert_Param(self, node: cst.Param) -> ast.arg:
        # ast.arg spans the name and its annotation, never the "*"/"**" or
        # the default value.
        annotation = None if node.annotation is None else self.expr(node.annotation.annotation)
        end = self.end(node.name)
        if annotation is not None and node.annotation is not None:
            end = self.outer_end(node.annotation.annotation, annotation)
        result = ast.arg(arg=_identifier(node.name.value), annotation=annotation, type_comment=None)
        return self.locate(result, self.start(node.name), end)

    def convert_Parameters(self, node: cst.Parameters) -> ast.arguments:
        import libcst as cst

        posonly = [self.convert_Param(param) for param in node.posonly_params]
        args = [self.convert_Param(param) for param in node.params]
        defaults = [
            self.expr(param.default)
            for param in (*node.posonly_params, *node.params)
            if param.default is not None
        ]
        vararg = self.convert_Param(node.star_arg) if isinstance(node.star_arg, cst.Param) else None
        kwonly = [self.convert_Param(param) for param in node.kwonly_params]
        kw_defaults = [self.opt_expr(param.default) for param in node.kwonly_params]
        kwarg = None if node.star_kwarg is None else self.convert_Param(node.star_kwarg)
        return ast.arguments(
            posonlyargs=posonly,
            args=args,
            vararg=vararg,
            kwonlyargs=kwonly,
            kw_defaults=kw_defaults,
            kwarg=kwarg,
            defaults=defaults,
        )

    # ------------------------------------------------------------------ strings

    def convert_SimpleString(self, node: cst.SimpleString) -> ast.expr:
        return self._string([node], node)

    def convert_FormattedString(self, node: cst.FormattedString) -> ast.expr:
        return self._string([node], node)

    def convert_TemplatedString(self, node: Any) -> ast.expr:
        return self._string([node], node)

    def convert_ConcatenatedString(self, node: cst.ConcatenatedString) -> ast.expr:
        import libcst as cst

        parts: list[cst.CSTNode] = []
        current: cst.CSTNode = node
        while isinstance(current, cst.ConcatenatedString):
            parts.append(current.left)
            current = current.right
        parts.append(current)
        return self._string(parts, node)

    def _string(self, parts: Sequence[cst.CSTNode], node: cst.CSTNode) -> ast.expr:
        """Implicitly concatenated string literals fold into one node."""
        import libcst as cst

        start, end = self.start(node), self.end(node)
        first = parts[0]
        # kind is "u" only when the first token starts with a lowercase "u".
        kind = "u" if isinstance(first, cst.SimpleString) and first.value.startswith("u") else None
        if all(isinstance(part, cst.SimpleString) for part in parts):
            values = [_literal_value(part.value) for part in parts]  # type: ignore[attr-defined]
            if any(isinstance(value, bytes) for value in values):
                if not all(isinstance(value, bytes) for value in values):
                    raise SyntaxError("cannot mix bytes and nonbytes literals")
                return self.locate(ast.Constant(value=b"".join(values), kind=None), start, end)  # type: ignore[arg-type]
            return self.locate(ast.Constant(value="".join(values), kind=kind), start, end)  # type: ignore[arg-type]
        joined = _FStringParts(self, kind, start, end)
        for part in parts:
            if isinstance(part, cst.SimpleString):
                value = _literal_value(part.value)
                if isinstance(value, bytes):
                    raise SyntaxError("cannot mix bytes and nonbytes literals")
                joined.add_text(value, self.start(part), self.end(part))
            else:
                raw = "r" in part.prefix.lower()  # type: ignore[attr-defined]
                self._fstring_parts(part.parts, part, raw, joined)  # type: ignore[attr-defined]
        return self.locate(ast.JoinedStr(values=joined.finish()), start, end)

    def _fstring_parts(
        self, contents: Sequence[cst.CSTNode], token: cst.CSTNode, raw: bool, joined: _FStringParts
    ) -> None:
        import libcst as cst

        for content in contents:
            if isinstance(content, (cst.FormattedStringText, cst.TemplatedStringText)):
                text = _decode_text(content.value.replace("{{", "{").replace("}}", "}"), raw)
                joined.add_text(text, self.start(content), self.end(content))
                continue
            assert isinstance(content, (cst.FormattedStringExpression, cst.TemplatedStringExpression))
            if content.equal is not None:
                # "{expr=}" puts the expression's source text (through the
                # whitespace after "=") before the value.
                first, last = content.whitespace_before_expression, content.equal.whitespace_after
                joined.add_text(self.source_text(first, last), self.start(first), self.end(last))
            joined.add_value(self._formatted_value(content, token, raw, joined))

    def _formatted_value(
        self,
        node: cst.FormattedStringExpression | cst.TemplatedStringExpression,
        token: cst.CSTNode,
        raw: bool,
        joined: _FStringParts,
    ) -> ast.FormattedValue:
        value = self.expr(node.expression)
        if _LEGACY_FSTRINGS and isinstance(value, (ast.Tuple, ast.GeneratorExp)) and not node.expression.lpar:
            # CPython < 3.12 parses "(<expr>)" with the braces standing in for
            # the parentheses: a bare tuple/generator spans from the "{" to the
            # character after the expression ("!", ":", "=" or "}").
            before = self.start(node.whitespace_before_expression)
            # the "=" of "{a, b = }" owns the whitespace before it
            after = (
                self.start(node.equal)
                if node.equal is not None
                else self.end(node.whitespace_after_expression)
            )
            self.locate(value, (before[0], before[1] - 1), (after[0], after[1] + 1))
        conversion = -1 if node.conversion is None else _CONVERSIONS[node.conversion]
        line, column = self.end(node)
        close_brace: Pos = (line, column - 1)
        format_spec = None
        if node.format_spec is not None:
            spec = _FStringParts(self, joined.kind, joined.start, joined.end)
            self._fstring_parts(node.format_spec, token, raw, spec)
            if _LEGACY_FSTRINGS:
                # < 3.12: the spec's JoinedStr spans only the token it is in.
                token_range = (self.start(token), self.end(token))
                format_spec = self.locate(ast.JoinedStr(values=spec.finish(token_range)), *token_range)
            else:
                # PEP 701: the spec spans from its ":" to before the "}".
                if node.format_spec:
                    line, column = self.start(node.format_spec[0])
                    colon: Pos = (line, column - 1)
                else:
                    colon = (close_brace[0], close_brace[1] - 1)
                values = spec.finish()
                if values and isinstance(values[-1], ast.FormattedValue) and _spec_ends_with_empty_constant():
                    # 3.12.0/3.12.1 (gh-110309) end such a spec with an empty string.
                    empty = ast.Constant(value="", kind=joined.kind)
                    values.append(self.locate(empty, close_brace, close_brace))
                format_spec = self.locate(ast.JoinedStr(values=values), colon, close_brace)
        if node.equal is not None and conversion == -1 and format_spec is None:
            conversion = ord("r")  # "{x=}" defaults to repr() unless a spec is given
        result = ast.FormattedValue(value=value, conversion=conversion, format_spec=format_spec)
        if _LEGACY_FSTRINGS:
            return self.locate(result, joined.start, joined.end)
        return self.at(result, node)  # PEP 701: the replacement field, braces included
