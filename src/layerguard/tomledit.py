"""Put one `[tool.X]` section into a pyproject.toml as text, so every other byte stays as it was.

No TOML round-trip library is needed: the section is appended at the end of the file, or, when
it replaces an old one, put where the old one's first table stood. A scanner that knows TOML's
strings and comments finds the table headers, so a `[tool.x]` inside a multi-line string is
never taken for one. Every edit is verified before anything is written: the new text parses, its
section equals the new section, and the rest of the document is unchanged.
"""

from __future__ import annotations

import re
import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_HEADER = re.compile(r"\s*\[(?!\[)(?P<key>[^\]]*)\]\s*(?:#.*)?")
_BARE_KEY_PART = re.compile(r'\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)\s*')


class TomlEditError(Exception):
    """The edit cannot be made safely; the message says why and what to do."""


def has_table(document: dict[str, Any], dotted: tuple[str, ...]) -> bool:
    """Whether the parsed document defines the table at `dotted` (`("tool", "layerguard")`)."""
    node: Any = document
    for key in dotted:
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True


def put_section(text: str, section: str, dotted: tuple[str, ...]) -> str:
    """`text` with `section` (a TOML text whose tables all lie under `dotted`) in place of the
    tables under `dotted`, or appended when there are none. Raises TomlEditError when the
    result would not be exactly that."""
    old = _parse(text, "the file")
    newline = "\r\n" if "\r\n" in text else "\n"
    section = section.replace("\r\n", "\n").replace("\n", newline)
    lines = text.splitlines(keepends=True)
    spans = _section_spans(lines, dotted)
    if spans:
        start = spans[0][0]
        kept = [line for index, line in enumerate(lines) if not any(a <= index < b for a, b in spans)]
        before, after = kept[:start], kept[start:]
        blank_follows = not after or not after[0].strip()
        result = "".join(before) + _separated(section, newline, not blank_follows) + "".join(after)
    else:
        body = text if not text or text.endswith(("\n", "\r")) else text + newline
        gap = newline if body.strip() else ""
        result = body + gap + section
    _verify(old, result, section, dotted)
    return result


def _separated(section: str, newline: str, add_blank_line: bool) -> str:
    """The section, ending with a line break, and a blank line when asked."""
    body = section if section.endswith(newline) else section + newline
    return body + newline if add_blank_line else body


def _parse(text: str, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TomlEditError(f"{what} is not valid TOML ({error}); fix it first") from error


def _verify(old: dict[str, Any], new_text: str, section: str, dotted: tuple[str, ...]) -> None:
    try:
        new = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as error:
        raise TomlEditError(_cannot(dotted)) from error
    wanted = _parse(section, "the new section")
    _pop(old, dotted)
    if _pop(new, dotted) != _pop(wanted, dotted) or _pruned(old) != _pruned(new):
        raise TomlEditError(_cannot(dotted))


def _cannot(dotted: tuple[str, ...]) -> str:
    name = ".".join(dotted)
    return (
        f"cannot put [{name}] into the file as text without changing something else (is {name} "
        "defined with dotted keys or an inline table?); edit the file by hand"
    )


def _pop(document: dict[str, Any], dotted: tuple[str, ...]) -> Any:
    """Remove and return the value at `dotted`, or None."""
    node: Any = document
    for key in dotted[:-1]:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node.pop(dotted[-1], None) if isinstance(node, dict) else None


def _pruned(document: Any) -> Any:
    """The document without tables left empty by removing the section (`[tool]` with nothing)."""
    if not isinstance(document, dict):
        return document
    return {
        key: _pruned(value) for key, value in document.items() if value != {} or not isinstance(value, dict)
    }


def _section_spans(lines: list[str], dotted: tuple[str, ...]) -> list[tuple[int, int]]:
    """Line ranges [start, end) of the tables under `dotted`, merged where they follow each
    other. Comments just above a header belong to that header's table: they end the span
    before another tool's table, and a later sub-table of the section leaves with them."""
    headers = _table_headers(lines)
    spans: list[tuple[int, int]] = []
    for position, (header, key) in enumerate(headers):
        start = header
        if key[: len(dotted)] != dotted:
            continue
        if spans and spans[-1][1] == start:
            start = spans.pop()[0]  # directly after a span of the section: one span
        elif spans:
            while start > spans[-1][1] and lines[start - 1].strip().startswith("#"):
                start -= 1
            while start > spans[-1][1] and not lines[start - 1].strip():
                start -= 1  # and the blank lines that separated it, so no gap is doubled
        end = headers[position + 1][0] if position + 1 < len(headers) else len(lines)
        following = headers[position + 1][1] if position + 1 < len(headers) else None
        if following is None or following[: len(dotted)] != dotted:
            while end > header + 1 and _is_blank_or_comment(lines[end - 1]):
                end -= 1
        spans.append((start, end))
    return spans


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _table_headers(lines: list[str]) -> list[tuple[int, tuple[str, ...]]]:
    """(line index, dotted key) of every `[table]` and `[[array]]` header outside strings."""
    headers = []
    for index, (line, starts_in_string) in enumerate(zip(lines, _string_starts(lines), strict=True)):
        if starts_in_string:
            continue
        stripped = line.strip()
        if stripped.startswith("[["):
            key = _dotted_key(stripped[2 : stripped.find("]]")] if "]]" in stripped else "")
            headers.append((index, key or ("",)))
            continue
        match = _HEADER.fullmatch(line.rstrip("\r\n"))
        if match:
            headers.append((index, _dotted_key(match["key"]) or ("",)))
    return headers


def _dotted_key(text: str) -> tuple[str, ...]:
    """`tool . "layerguard"` -> ("tool", "layerguard"); () when it is not a key."""
    parts = []
    for raw in text.split("."):
        match = _BARE_KEY_PART.fullmatch(raw)
        if match is None:
            return ()  # a dot inside a quoted part: rare enough to leave to the verification
        part = match[1]
        parts.append(part[1:-1] if part[:1] in "\"'" else part)
    return tuple(parts)


def _string_starts(lines: list[str]) -> list[bool]:
    """For each line, whether it begins inside a multi-line string."""
    starts = []
    inside: str | None = None  # the delimiter of the open multi-line string
    for line in lines:
        starts.append(inside is not None)
        inside = _scan_line(line, inside)
    return starts


def _scan_line(line: str, inside: str | None) -> str | None:
    """The multi-line string still open at the end of `line`, given the one open at its start."""
    i = 0
    while i < len(line):
        if inside is not None:
            if inside == '"""' and line[i] == "\\":
                i += 2
                continue
            if line.startswith(inside, i):
                i += 3
                while i < len(line) and line[i] == inside[0]:
                    i += 1  # up to two quotes may end the string's content
                inside = None
                continue
            i += 1
            continue
        char = line[i]
        if char == "#":
            return None
        if line.startswith('"""', i) or line.startswith("'''", i):
            inside = line[i : i + 3]
            i += 3
            continue
        if char in "\"'":
            i = _end_of_single_line_string(line, i)
            continue
        i += 1
    return inside


def _end_of_single_line_string(line: str, start: int) -> int:
    quote = line[start]
    i = start + 1
    while i < len(line) and line[i] != quote:
        i += 2 if quote == '"' and line[i] == "\\" else 1
    return i + 1
