"""Which paths the project's `.gitignore` files (and `.git/info/exclude`) leave out, read without git.

git is never run: git acts on the configuration of the repository it runs in, and a checked
tree can carry its own (`core.fsmonitor` names a command git runs). Nothing from the checked tree
may run, so the ignore files are read as plain text and matched with pathspec (git's wildmatch).
No git configuration file is read either: `core.excludesFile` and the global ignore file are
not applied.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from layerguard.files import NotRegularFile, read_regular_file

if TYPE_CHECKING:
    import pathspec

IGNORE_FILE = ".gitignore"

# Opening one of these is "no ignore file here": absent, or a symlink (git does not follow a
# symlinked .gitignore either).
_ABSENT = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ELOOP})
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_ANY_FOLDER = "^(?:.+/)?"


class IgnoreFile:
    """One ignore file's patterns, matched against paths relative to the folder they apply to."""

    def __init__(self, folder: str, lines: Sequence[str]) -> None:
        import pathspec  # 10 ms to import: only once an ignore file has patterns

        self.prefix = folder.rstrip(os.sep) + os.sep
        self.spec = pathspec.GitIgnoreSpec.from_lines(lines)
        self.any_pattern = _any_pattern(self.spec)

    def decision(self, path: str, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included by a `!` pattern, None: no pattern matches.
        `path` is absolute and lies below this file's folder."""
        relative = path[len(self.prefix) :]
        if os.sep != "/":
            relative = relative.replace(os.sep, "/")
        if is_dir:
            relative += "/"
        if self.any_pattern is not None and self.any_pattern.match(relative) is None:
            return None
        return self.spec.check_file(relative).include


def is_ignored(rules: Sequence[IgnoreFile], path: str, is_dir: bool) -> bool:
    """Whether git would ignore `path` under `rules` (outermost first): as in git, the deepest
    ignore file with a matching pattern decides, and within a file its last matching pattern."""
    for ignore_file in reversed(rules):
        decision = ignore_file.decision(path, is_dir)
        if decision is not None:
            return decision
    return False


def read_ignore_file(path: str, applies_to: str) -> IgnoreFile | None:
    """The ignore file at `path` for paths below `applies_to`; None when there is none (or it
    is not a regular file). Raises OSError when it exists but cannot be read."""
    try:
        data = read_regular_file(Path(path), follow_symlinks=False)
    except NotRegularFile:  # a FIFO would block the read
        return None
    except OSError as error:
        if error.errno in _ABSENT:
            return None
        raise
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")  # git skips a BOM
    lines = text.splitlines()
    if not any(line.strip() and not line.startswith("#") for line in lines):
        return None
    return IgnoreFile(applies_to, lines)


def repository_top(folder: str) -> str | None:
    """The nearest folder from `folder` upward holding a `.git` entry, if any."""
    candidate = folder
    while True:
        if os.path.lexists(os.path.join(candidate, ".git")):
            return candidate
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return None
        candidate = parent


def _any_pattern(spec: pathspec.GitIgnoreSpec) -> re.Pattern[str] | None:
    """One regex matching wherever some pattern of `spec` matches, so the usual path (no pattern
    matches) costs one match, not one per pattern; None when the patterns cannot be joined."""
    anywhere, anchored = [], []
    for pattern in spec.patterns:
        if pattern.include is None:  # a comment or blank line
            continue
        regex = getattr(pattern, "regex", None)
        if (
            not isinstance(regex, re.Pattern)
            or not isinstance(regex.pattern, str)
            or regex.flags != re.UNICODE
        ):
            return None
        # Group names may repeat across patterns: one regex allows each name once.
        text = _NAMED_GROUP.sub("(?:", regex.pattern)
        # Most patterns match a name in any folder: they share the search for the folder, which
        # otherwise each would repeat (a regex of a hundred patterns would be no faster than them).
        if text.startswith(_ANY_FOLDER):
            anywhere.append(f"(?:{text.removeprefix(_ANY_FOLDER)})")
        else:
            anchored.append(f"(?:{text})")
    if anywhere:
        anchored.append(f"{_ANY_FOLDER}(?:{'|'.join(anywhere)})")
    try:
        return re.compile("|".join(anchored)) if anchored else None
    except re.error:
        return None
