"""Read, decode and parse one file into its facts; any failure becomes an LG001 finding."""

from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
import warnings
from pathlib import Path

from layerguard.facts.ast_extract import extract_facts
from layerguard.facts.type_params import parse_type_params
from layerguard.files import NotRegularFile, read_regular_file
from layerguard.model import PARSE_ERROR, CallFilter, FileFacts, Span, make_finding


class NeedsLibcst(Exception):
    """`ast` rejected the source and the caller asked not to run libcst here (it can crash or hang
    the process, so `facts.workers` runs it in a subprocess)."""


class UnparsableFile(Exception):
    """Why a file yields no tree, and where (1-based line, 0-based column). `reproducible`: the
    same bytes always fail so (a syntax or decoding error), so the failure may be cached; any
    other failure (a read error, exhausted recursion) depends on the machine and is not."""

    def __init__(self, reason: str, line: int = 1, column: int = 0, *, reproducible: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = max(line, 1)
        self.column = max(column, 0)
        self.reproducible = reproducible


# PEP 263's coding cookie, as tokenize reads it (on one of the first two lines).
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def decode_source(data: bytes) -> str:
    """Bytes to text as Python does it: BOM, then a PEP 263 cookie, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        # detect_encoding also rejects invalid UTF-8 in the first two lines: point at the byte.
        _decode(data, "utf-8")
        # What is left is about the cookie: an unknown encoding, or one contradicting a BOM.
        raise UnparsableFile(
            f"cannot decode: {error.msg}", *_cookie_position(data), reproducible=True
        ) from None
    return _decode(data, encoding)


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except LookupError:
        # The cookie names a codec that is not bytes -> text, such as rot13 or hex.
        raise UnparsableFile(
            f"cannot decode: {encoding!r} is not a text encoding", *_cookie_position(data), reproducible=True
        ) from None
    except UnicodeDecodeError as error:
        if error.object != data:  # from a codec inside the codec (idna decodes labels as ASCII)
            raise UnparsableFile(
                f"cannot decode as {encoding}: {error.reason}", *_cookie_position(data), reproducible=True
            ) from None
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1)
        raise UnparsableFile(
            f"cannot decode as {encoding}: invalid byte 0x{data[error.start]:02x}",
            line,
            column,
            reproducible=True,
        ) from None
    except UnicodeError as error:
        # Codecs such as `undefined` or `punycode` raise it with no position; its text may
        # quote a newline of the file.
        reason = str(error.__cause__ or error).encode("unicode_escape").decode("ascii")
        raise UnparsableFile(
            f"cannot decode as {encoding}: {reason}", *_cookie_position(data), reproducible=True
        ) from None


def _cookie_position(data: bytes) -> tuple[int, int]:
    """(line, column) of the encoding name in the coding cookie; (1, 0) without one."""
    for number, line in enumerate(data.removeprefix(codecs.BOM_UTF8).splitlines()[:2], start=1):
        match = _COOKIE.match(line)
        if match is not None:
            return number, match.start(1)
    return 1, 0


def read_source(path: Path) -> bytes:
    """The bytes of a regular file; anything else is refused before it is read."""
    try:
        return read_regular_file(path)
    except NotRegularFile:
        raise UnparsableFile("cannot read: not a regular file") from None


def parse_source(source: str, filename: str, *, libcst_fallback: bool = True) -> ast.Module:
    """`ast.parse`, falling back to libcst for syntax newer than the running Python.

    With `libcst_fallback=False`, raises `NeedsLibcst` where libcst would run."""
    if "\x00" in source:
        index = source.index("\x00")
        line = source.count("\n", 0, index) + 1
        column = index - (source.rfind("\n", 0, index) + 1)
        raise UnparsableFile("source contains a NUL byte", line, column, reproducible=True)
    try:
        with warnings.catch_warnings():
            # The checked code's invalid escapes and the like are not ours to report: 3.12+ would
            # print them between the findings, and under `-W error` they would be SyntaxErrors.
            warnings.simplefilter("ignore")
            return ast.parse(source, filename=filename)
    except SyntaxError as error:
        ast_error = error
    except (RecursionError, MemoryError):
        raise UnparsableFile("too deeply nested for the parser") from None
    except ValueError as error:
        # A lone surrogate decoded from `raw_unicode_escape` source: no parser reads it.
        raise UnparsableFile(f"cannot parse: {error}", reproducible=True) from None
    # PEP 695 alone (`type X = V`, `def f[T]`) on 3.10/3.11: rewritten in place for `ast`, 20×
    # cheaper than libcst.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = parse_type_params(source, filename)
    except (RecursionError, MemoryError):
        tree = None
    if tree is not None:
        return tree
    if not libcst_fallback:
        raise NeedsLibcst(filename)
    # Syntax newer than the running Python: libcst parses it (imported only here, it is slow
    # to import). If libcst fails too, ast's message is the clearer one.
    from layerguard.facts.cst_to_ast import parse_with_libcst

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return parse_with_libcst(source)
    except (SyntaxError, RecursionError, MemoryError):
        pass
    raise UnparsableFile(
        f"SyntaxError: {ast_error.msg}", ast_error.lineno or 1, (ast_error.offset or 1) - 1, reproducible=True
    ) from None


def parse_file(
    path: Path,
    module: str,
    is_package: bool,
    data: bytes | None = None,
    *,
    libcst_fallback: bool = True,
    calls: CallFilter | None = None,
) -> FileFacts:
    """The facts of one file; a file that cannot be read, decoded or parsed gets LG001.
    `calls`: which calls to record (None: every call; the engine passes the registry's).

    With `libcst_fallback=False`, raises `NeedsLibcst` for a file only libcst could parse."""
    try:
        if data is None:
            data = read_source(path)
        source = decode_source(data)
        tree = parse_source(source, str(path), libcst_fallback=libcst_fallback)
    except OSError as error:
        return unparsable_facts(
            path, module, is_package, UnparsableFile(f"cannot read: {error.strerror or error}")
        )
    except UnparsableFile as error:
        return unparsable_facts(path, module, is_package, error)
    return extract_facts(source, tree, path, module, is_package, calls)


def unparsable_facts(path: Path, module: str, is_package: bool, error: UnparsableFile) -> FileFacts:
    """Facts with no content but the LG001 finding saying why."""
    span = Span(error.line, error.column, error.line, error.column + 1)
    message = f"Cannot check this file: {error.reason}"
    return _facts_with_parse_error(path, module, is_package, span, message, reproducible=error.reproducible)


def refused_facts(path: Path, module: str, is_package: bool, message: str) -> FileFacts:
    """Facts with no content but an LG001 finding at 1:1 saying why the entry was not read."""
    return _facts_with_parse_error(path, module, is_package, Span(1, 0, 1, 1), message)


def _facts_with_parse_error(
    path: Path, module: str, is_package: bool, span: Span, message: str, *, reproducible: bool = False
) -> FileFacts:
    facts = FileFacts(path=path, module=module, is_package=is_package)
    finding = make_finding(PARSE_ERROR, facts, span, message)
    return FileFacts(
        path=path, module=module, is_package=is_package, parse_error=finding, reproducible=reproducible
    )
