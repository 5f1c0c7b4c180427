"""Source lines for reporters that show or hash the code a finding points at."""

from __future__ import annotations

import contextlib
import io
import tokenize


def source_lines(data: bytes | None) -> list[str] | None:
    """The lines of the bytes a file was parsed from, decoded and numbered as the parser did;
    None when the file could not be read."""
    if data is None:
        return None
    # Python's tokenizer ends a line at \r\n, \r or \n only; splitlines() would also split at
    # \f, \v and \x1c-\x1e and shift every later line.
    return _decoded(data).replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _decoded(data: bytes) -> str:
    """`facts.parse.decode_source` (a BOM, else a PEP 263 cookie, else UTF-8), except that bytes
    it could not decode (an LG001) are shown as U+FFFD instead of failing."""
    encoding = "utf-8-sig"  # UTF-8, without the BOM if there is one
    # A cookie is a comment in the first two lines naming a "coding"; most files have none,
    # and detect_encoding costs 0.1 ms a file (prefect's 600 files with findings: 70 ms).
    if b"coding" in data[: _nth_line_end(data, 2)]:
        # SyntaxError: a bad cookie, or invalid UTF-8 in the first two lines.
        with contextlib.suppress(SyntaxError):
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    try:
        return data.decode(encoding, "replace")
    except LookupError:  # a cookie naming an unknown encoding
        return data.decode("utf-8-sig", "replace")


def _nth_line_end(data: bytes, count: int) -> int:
    """Where the first `count` lines of `data` end (as `readline` splits them: at \\n)."""
    end = 0
    for _ in range(count):
        found = data.find(b"\n", end)
        if found < 0:
            return len(data)
        end = found + 1
    return end


def source_line(lines: list[str] | None, line: int) -> str | None:
    """Line `line` (1-based) without its line break, or None when it is not there."""
    if lines is None or not 1 <= line <= len(lines):
        return None
    return lines[line - 1]
