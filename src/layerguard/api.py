"""The library entry points: `check()` and `load_config()`, thin wrappers over the engine.

`from layerguard import check` is what tools and tests call; the CLI, the flake8 plugin, `graph`
and `init` use the same `Workspace` underneath.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from layerguard.checks import ALL_METAS
from layerguard.config import load_config as load_configuration
from layerguard.config import load_config_text, with_command_line_selectors
from layerguard.context import ProjectView
from layerguard.engine import Workspace, collector_paused
from layerguard.model import Config, Report

if TYPE_CHECKING:
    from layerguard.baseline import Baseline


def load_config(
    paths: Sequence[Path] = (),
    *,
    config_file: Path | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
) -> Config:
    """The effective configuration for `paths`, with selectors checked against every rule."""
    return load_configuration(paths, rules=ALL_METAS, config_file=config_file, select=select, ignore=ignore)


def check_sources(
    sources: Mapping[str, str | bytes],
    *,
    pyproject: str = "",
    root: Path = Path("/project"),
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
) -> Report:
    """Check a project held in memory: `sources` maps paths relative to `root` to their text,
    `pyproject` is the project's pyproject.toml. Nothing is read from or written to disk (the
    root need not exist): what a rule test needs."""
    config = load_config_text(pyproject, root=root, rules=ALL_METAS, select=select, ignore=ignore)
    return Workspace.in_memory(config, {root / path: text for path, text in sources.items()}).check([root])


def check(
    paths: Sequence[str | Path] = (),
    *,
    config: Config | None = None,
    config_file: str | Path | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    sources: Mapping[Path, bytes] | None = None,
    jobs: int | None = None,
    cache: bool = True,
) -> Report:
    """Check `paths` (files or folders; default: the current directory) against the whole
    project's import graph and return the sorted findings located in those paths.

    `config`: a configuration already loaded (else it is found from the first path, or read
    from `config_file`); `select`/`ignore` apply on top of either, as `--select`/`--ignore` do.
    `sources` replaces the bytes of files on disk (an editor's unsaved buffer). `jobs` is the
    number of parser processes (default: one per idle core); `cache=False` neither reads nor writes
    the facts cache. Raises `ConfigError` for a bad configuration.
    """
    given = [Path(os.path.abspath(p)) for p in paths] or [Path.cwd()]
    if config is None:
        config = load_config(
            given,
            config_file=Path(config_file) if config_file is not None else None,
            select=select,
            ignore=ignore,
        )
    elif select is not None or ignore is not None:
        config = with_command_line_selectors(config, select, ignore, rules=ALL_METAS)
    # The Workspace keeps every file's facts: paused until it is gone, the collector never walks
    # them (one edit on prefect: 0.3 s).
    with collector_paused():
        report, workspace = check_keeping_workspace(config, given, sources=sources, jobs=jobs, cache=cache)
        del workspace  # its facts freed here, while the collector is still paused
    return report


def check_keeping_workspace(
    config: Config,
    paths: Sequence[Path],
    *,
    sources: Mapping[Path, bytes] | None = None,
    jobs: int | None = None,
    cache: bool = True,
) -> tuple[Report, Workspace]:
    """`check` of absolute `paths` with a loaded `config`, and the Workspace that computed the
    report, with every file's facts in it.

    For the CLI, whose process ends right after one check: freeing those facts one by one
    (a few hundred thousand objects; one edit on prefect: 0.08 s) is work that ending the
    process does anyway, so it keeps them until it ends (`cli._keep_until_exit`). Call it with
    the collector paused (`engine.collector_paused`), as `check` does, for as long as the
    Workspace is kept."""
    workspace = _workspace(config, sources, jobs=jobs, cache=cache)
    return workspace.check(paths), workspace


def _workspace(
    config: Config, sources: Mapping[Path, bytes] | None, *, jobs: int | None, cache: bool
) -> Workspace:
    """A Workspace of `config`'s project, with `sources` for files whose text is not on disk."""
    workspace = Workspace(absolute_root(config), jobs=jobs, cache=cache)
    for path, data in (sources or {}).items():
        workspace.update(path, data)
    return workspace


def absolute_root(config: Config) -> Config:
    """`config` with its root made absolute, as `load_config` makes it: the paths checked are
    made absolute, and a relative root matched none of them (a hand-built `Config(root=Path("app"))`
    lost the project rules' findings that need the file's module, e.g. LG704 and LG905)."""
    if config.root.is_absolute():
        return config
    return replace(config, root=Path(os.path.abspath(config.root)))


def load_project(
    config: Config,
    paths: Sequence[Path],
    sources: Mapping[Path, bytes] | None = None,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
) -> ProjectView:
    """Every project file's facts (the graph needs them all), and which of them `paths` name."""
    return _workspace(config, sources, jobs=jobs, cache=use_cache).project(paths)


def record_baseline(
    config: Config, paths: Sequence[Path], *, jobs: int | None = None, cache: bool = True
) -> tuple[Baseline, Report]:
    """Today's findings in `paths` as a baseline (`layerguard baseline`), and their report."""
    with collector_paused():
        return Workspace(absolute_root(config), jobs=jobs, cache=cache).recorded_baseline(paths)
