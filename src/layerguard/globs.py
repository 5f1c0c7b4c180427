"""Glob matching over dotted module names (layers, wiring) and relative paths (exclude, ignores).

Both kinds compile once per pattern to a regular expression over the name with a separator
put in front of every segment (`.app.api.user`, `/app/tests/x.py`), so `**` can stand for
zero or more whole segments without special cases at the ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_DOUBLE_STAR = "**"
_SINGLE_STAR = "*"


@dataclass(frozen=True)
class _ModuleGlob:
    """A module glob split at its last literal segment, which the deepest-match rule needs."""

    full: re.Pattern[str]
    # Everything up to and including the last literal segment; None without a literal.
    head: re.Pattern[str] | None
    head_index: int
    tail_stars: int
    tail_has_double_star: bool


def module_glob_matches(pattern: str, module: str) -> int | None:
    """The segment index matched by the pattern's last literal segment, -1 without one, or None."""
    glob = _compile_module_glob(pattern)
    if glob.full.fullmatch("." + module) is None:
        return None
    if glob.head is None:
        return -1
    segments = module.split(".")
    for index in _candidate_head_ends(glob, len(segments)):
        if glob.head.fullmatch("." + ".".join(segments[: index + 1])):
            return index
    return None


class GlobError(ValueError):
    """A glob that matches nothing as written: a character class with a reversed range."""


def module_glob_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be a module glob, or None when it is well formed."""
    if "/" in pattern or "\\" in pattern:
        return 'module globs are dotted names, like "app.api.**", not paths'
    if any(segment == "" for segment in pattern.split(".")):
        return 'module globs need a name, "*" or "**" between every two dots'
    try:
        _compile_module_glob(pattern)
    except GlobError as error:
        return str(error)
    return None


def path_glob_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be a path glob, or None when it is well formed."""
    try:
        _compile_path_glob(pattern)
    except GlobError as error:
        return str(error)
    return None


def path_glob_matches(pattern: str, relative_posix_path: str) -> bool:
    """Whether `pattern` matches the path or one of its parent directories, as .gitignore does.

    A pattern without `/` matches a file or directory name anywhere; any other pattern is
    anchored at the project root. `*` and `?` stay within one path segment; `**` crosses
    segments, and a trailing `/**` also matches the directory itself.
    """
    path = relative_posix_path.strip("/")
    return _compile_path_glob(pattern).fullmatch("/" + path) is not None


def _candidate_head_ends(glob: _ModuleGlob, segment_count: int) -> range:
    """Module indexes the last literal may land on, deepest first."""
    deepest = segment_count - 1 - glob.tail_stars
    if deepest < glob.head_index:
        return range(0)
    if glob.tail_has_double_star:
        return range(deepest, glob.head_index - 1, -1)
    return range(deepest, deepest - 1, -1)


@lru_cache(maxsize=4096)
def _compile_module_glob(pattern: str) -> _ModuleGlob:
    segments = pattern.split(".")
    literal_positions = [i for i, s in enumerate(segments) if s not in (_SINGLE_STAR, _DOUBLE_STAR)]
    full = re.compile(_segments_regex(segments, "."))
    if not literal_positions:
        return _ModuleGlob(full, None, -1, 0, False)
    last = literal_positions[-1]
    tail = segments[last + 1 :]
    return _ModuleGlob(
        full=full,
        head=re.compile(_segments_regex(segments[: last + 1], ".")),
        # The fewest module segments the head can take: one per non-`**` segment.
        head_index=sum(1 for s in segments[: last + 1] if s != _DOUBLE_STAR) - 1,
        tail_stars=tail.count(_SINGLE_STAR),
        tail_has_double_star=_DOUBLE_STAR in tail,
    )


@lru_cache(maxsize=1024)
def _compile_path_glob(pattern: str) -> re.Pattern[str]:
    anchored = "/" in pattern.rstrip("/")
    segments = pattern.strip("/").removeprefix("./").split("/")
    prefix = "" if anchored else "(?:/[^/]+)*"
    return re.compile(prefix + _segments_regex(segments, "/") + "(?:/.*)?")


def _segments_regex(segments: list[str], separator: str) -> str:
    """A regex over names written with `separator` before every segment."""
    sep = re.escape(separator)
    parts = []
    for segment in segments:
        if segment == _DOUBLE_STAR:
            parts.append(f"(?:{sep}[^{sep}]+)*")
        elif segment == _SINGLE_STAR:
            parts.append(f"{sep}[^{sep}]+")
        else:
            parts.append(sep + _wildcard_segment_regex(segment, separator))
    return "".join(parts)


def _wildcard_segment_regex(segment: str, separator: str) -> str:
    """fnmatch wildcards (`*`, `?`, `[...]`) confined to one segment."""
    not_sep = f"[^{re.escape(separator)}]"
    out = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            out.append(not_sep + "*")
        elif char == "?":
            out.append(not_sep)
        elif char == "[" and (end := _class_end(segment, i)) != -1:
            out.append(_char_class(segment[i + 1 : end]))
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _class_end(segment: str, start: int) -> int:
    """Index of the `]` closing the class opened at `start`, or -1 when it is a literal `[`."""
    i = start + 1
    if i < len(segment) and segment[i] in "!^":
        i += 1
    if i < len(segment) and segment[i] == "]":
        i += 1
    return segment.find("]", i)


def _char_class(body: str) -> str:
    """A regex class for a glob class body: ranges kept, every other character literal (escaped,
    so `[`, `&&` or `--` never read as the nested sets re warns about)."""
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    parts = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = body[i], body[i + 2]
            if low > high:
                raise GlobError(f"bad character range {low}-{high} in [{body}]")
            parts.append(f"{re.escape(low)}-{re.escape(high)}")
            i += 3
        else:
            parts.append(re.escape(body[i]))
            i += 1
    return "[" + ("^" if negate else "") + "".join(parts) + "]"
