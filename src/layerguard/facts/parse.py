"""Read, decode and parse one file into its facts; any failure becomes an LG001 finding."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

from layerguard.checks.base import PARSE_ERROR, make_finding
from layerguard.facts.ast_extract import extract_facts
from layerguard.model import FileFacts, Span


class UnparsableFile(Exception):
    """Why a file yields no tree, and where (1-based line, 0-based column)."""

    def __init__(self, reason: str, line: int = 1, column: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = max(line, 1)
        self.column = max(column, 0)


def decode_source(data: bytes) -> str:
    """Bytes to text as Python does it: BOM, then a PEP 263 cookie, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        # detect_encoding also rejects invalid UTF-8 in the first two lines: point at the byte.
        _decode(data, "utf-8")
        raise UnparsableFile(f"cannot decode: {error.msg}", error.lineno or 1) from None
    return _decode(data, encoding)


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except LookupError:
        raise UnparsableFile(f"cannot decode: unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1)
        raise UnparsableFile(
            f"cannot decode as {encoding}: invalid byte 0x{data[error.start]:02x}", line, column
        ) from None


def parse_source(source: str, filename: str) -> ast.Module:
    """`ast.parse`, falling back to libcst for syntax newer than the running Python."""
    if "\x00" in source:
        index = source.index("\x00")
        line = source.count("\n", 0, index) + 1
        raise UnparsableFile("source contains a NUL byte", line, index - (source.rfind("\n", 0, index) + 1))
    try:
        return ast.parse(source, filename=filename)
    except SyntaxError as error:
        ast_error = error
    except (RecursionError, MemoryError):
        raise UnparsableFile("too deeply nested for the parser") from None
    try:
        from layerguard.facts.cst_to_ast import parse_with_libcst
    except ImportError:  # the libcst fallback is optional at this layer
        parse_with_libcst = None
    if parse_with_libcst is not None:
        try:
            return parse_with_libcst(source)
        except (SyntaxError, RecursionError, MemoryError):
            pass
    raise UnparsableFile(
        f"SyntaxError: {ast_error.msg}", ast_error.lineno or 1, (ast_error.offset or 1) - 1
    ) from None


def parse_file(path: Path, module: str, is_package: bool, data: bytes | None = None) -> FileFacts:
    """The facts of one file; a file that cannot be read, decoded or parsed gets LG001."""
    try:
        if data is None:
            data = path.read_bytes()
        source = decode_source(data)
        tree = parse_source(source, str(path))
    except OSError as error:
        return _unparsable(path, module, is_package, UnparsableFile(f"cannot read: {error.strerror or error}"))
    except UnparsableFile as error:
        return _unparsable(path, module, is_package, error)
    return extract_facts(source, tree, path, module, is_package)


def _unparsable(path: Path, module: str, is_package: bool, error: UnparsableFile) -> FileFacts:
    span = Span(error.line, error.column, error.line, error.column + 1)
    facts = FileFacts(path=path, module=module, is_package=is_package)
    finding = make_finding(PARSE_ERROR, facts, span, f"Cannot check this file: {error.reason}")
    return FileFacts(path=path, module=module, is_package=is_package, parse_error=finding)
