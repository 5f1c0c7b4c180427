"""Discovery: which files the project has, their source roots and their module names."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from layerguard.config import ConfigError
from layerguard.globs import path_glob_matches
from layerguard.model import Config

# Never source code, whatever `exclude` says (ruff skips the same tool and VCS folders).
SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", "__pycache__", "node_modules", ".tox", ".nox", ".eggs",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".layerguard_cache", "__pypackages__",
        "site-packages",
    }
)  # fmt: skip


class FileFinder:
    """Walks the project, honouring `exclude`, the skipped folders and `.gitignore`."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.root = config.root
        self.ignored_by_git = _git_ignored(self.root) if config.respect_gitignore else frozenset()

    def relative(self, path: Path) -> str | None:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return None

    def is_excluded(self, path: Path) -> bool:
        relative = self.relative(path)
        if relative is None:
            return False
        if self.ignored_by_git and (
            relative in self.ignored_by_git
            or f"{relative}/" in self.ignored_by_git
            or any(parent in self.ignored_by_git for parent in _parents(relative))
        ):
            return True
        return any(path_glob_matches(pattern, relative) for pattern in self.config.exclude)

    def walk(self, top: Path) -> Iterable[Path]:
        """Python files below `top`, sorted, without following symlinked folders out of the tree."""
        for directory, dirnames, filenames in os.walk(top):
            base = Path(directory)
            dirnames[:] = sorted(d for d in dirnames if self._enters(base / d))
            for name in sorted(filenames):
                path = base / name
                if path.suffix in (".py", ".pyi") and not self.is_excluded(path):
                    yield path

    def _enters(self, folder: Path) -> bool:
        """Whether a walk goes down into `folder`."""
        return folder.name not in SKIPPED_DIRS and not folder.is_symlink() and not self.is_excluded(folder)

    def files(self, paths: Sequence[Path], project_files: Sequence[Path] = ()) -> list[Path]:
        """The files named (or below the folders named), excluded ones dropped, in path order.
        `project_files`: what walking the whole project found, reused for folders inside it that
        its walk went into, instead of walking them again."""
        found: set[Path] = set()
        for given in paths:
            path = given.absolute()
            if path.is_dir():
                walked = project_files and self._walked(path)
                found.update(self._below(path, project_files) if walked else self.walk(path))
            elif not self.is_excluded(path):
                found.add(path)
        return sorted(found)

    def _walked(self, folder: Path) -> bool:
        """A walk from the project root went into `folder` (and so found the same files below it)."""
        relative = self.relative(folder)
        if relative is None:
            return False
        parts = [] if relative == "." else relative.split("/")
        return all(self._enters(self.root.joinpath(*parts[: i + 1])) for i in range(len(parts)))

    @staticmethod
    def _below(folder: Path, files: Sequence[Path]) -> list[Path]:
        return [path for path in files if path.is_relative_to(folder)]


def _parents(relative: str) -> Iterable[str]:
    parts = relative.split("/")
    return ("/".join(parts[:i]) + "/" for i in range(1, len(parts)))


def _git_ignored(root: Path) -> frozenset[str]:
    """Paths (relative, folders ending in `/`) that git ignores, or none when git cannot tell."""
    try:
        result = subprocess.run(
            ["git", "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"],
            cwd=root,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    if result.returncode != 0:
        return frozenset()
    return frozenset(p for p in result.stdout.decode("utf-8", "surrogateescape").split("\0") if p)


def find_source_roots(config: Config) -> list[Path]:
    """Folders whose children are top-level packages: `src/` or the root, plus any plain folder
    (no `__init__.py`, no Python files of its own) that holds packages, as `backend/app` does."""
    root = config.root
    if config.packages:
        return sorted({_package_source_root(root, name) for name in config.packages})
    src = root / "src"
    base = src if src.is_dir() and not (src / "__init__.py").exists() else root
    roots = [base]
    for child in sorted(base.iterdir()) if base.is_dir() else ():
        hidden_or_tool = child.name.startswith(".") or child.name in SKIPPED_DIRS
        if child.is_dir() and not hidden_or_tool and _is_container(child):
            roots.append(child)
    return roots


def _package_source_root(root: Path, name: str) -> Path:
    relative = Path(*name.split("."))
    for base in (root / "src", root):
        if (base / relative).is_dir() or (base / relative).with_suffix(".py").is_file():
            return base
    raise ConfigError(
        f"{root / 'pyproject.toml'}: 'packages' names {name!r}, but neither "
        f"{relative} nor src/{relative} exists under {root}"
    )


def _is_container(folder: Path) -> bool:
    if (folder / "__init__.py").exists():
        return False
    try:
        children = list(folder.iterdir())
    except OSError:
        return False
    if any(c.suffix == ".py" for c in children):
        return False
    return any(c.is_dir() and (c / "__init__.py").exists() for c in children)


def module_name(path: Path, source_roots: Sequence[Path], root: Path) -> tuple[str, bool]:
    """(dotted module name, is a package `__init__`) for a file, from its deepest source root."""
    containing = [r for r in source_roots if path.is_relative_to(r)]
    base = max(containing, key=lambda r: len(r.parts)) if containing else root
    try:
        parts = list(path.relative_to(base).with_suffix("").parts)
    except ValueError:
        parts = [path.stem]
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts) or path.parent.name, is_package
