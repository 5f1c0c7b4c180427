"""The `layerguard` command: parses flags, calls `api.check`, renders, sets the exit code."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from layerguard import __version__
from layerguard.config import ConfigError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

app = typer.Typer(
    name="layerguard",
    help=(
        "Static architecture validator for FastAPI + SQLAlchemy/SQLModel back ends.\n\n"
        "Checks the Endpoint -> Service -> Repository -> Model layering on the import graph, "
        "plus per-file rules (typing, async DB access, raw SQL ...). Configure it under "
        "\\[tool.layerguard] in pyproject.toml. Start with `layerguard check`, then "
        "`layerguard explain CODE` for any finding."
    ),
    epilog=(
        "Output formats (check --format): text, concise, json, sarif, github. "
        "Exit 0: clean, 1: findings, 2: usage, configuration or internal error."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _codes(values: list[str] | None) -> list[str] | None:
    """`--select LG1,LG401 --select LG2` -> ["LG1", "LG401", "LG2"]."""
    if values is None:
        return None
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def _fail(message: str) -> NoReturn:
    typer.echo(f"layerguard: error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"layerguard {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Static architecture validator for FastAPI + SQLAlchemy/SQLModel back ends."""


@app.command()
def check(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders to check. Default: the current folder.")
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="Output format: text, concise (path:line:col: CODE message), json, sarif, github.",
        ),
    ] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to FILE instead of stdout.")
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(help="Only these codes or prefixes (comma separated), replacing the config's `select`."),
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option(help="Also skip these codes or prefixes (comma separated).")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Read settings from FILE (pyproject.toml or layerguard.toml)."),
    ] = None,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")
    ] = False,
    statistics: Annotated[
        bool, typer.Option("--statistics", help="Add a count of findings per rule.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show a traceback on internal errors.")
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache", help="Neither read nor write the facts cache (.layerguard_cache/)."),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", min=1, help="Parser processes to run at once. Default: one per core."),
    ] = None,
) -> None:
    """Check the project and report findings.

    Exit 0: clean, 1: findings, 2: usage, configuration or internal error.
    """
    from layerguard.api import check as run_check
    from layerguard.reporters import FORMATS, render

    if output_format not in FORMATS:
        _fail(f"unknown --format {output_format!r}; choose one of {', '.join(FORMATS)}")
    for path in paths or []:
        if not path.exists():
            _fail(f"no such file or folder: {path}")
    try:
        report = run_check(
            paths or [],
            config_file=config,
            select=_codes(select),
            ignore=_codes(ignore),
            jobs=jobs,
            cache=not no_cache,
        )
    except ConfigError as error:
        _fail(str(error))
    except Exception as error:
        if verbose:
            traceback.print_exc()
        _fail(f"internal error: {type(error).__name__}: {error} (run with --verbose for the traceback)")

    color = (
        output is None and output_format == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    )
    text = render(report, output_format, color=color, statistics=statistics)
    if output is not None:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            _fail(f"cannot write --output {output}: {error.strerror or error}")
    else:
        sys.stdout.write(text)
    if report.has_internal_error:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FINDINGS if report.findings and not exit_zero else EXIT_CLEAN)


@app.command()
def rules(
    config: Annotated[
        Path | None, typer.Option("--config", help="Settings file deciding which rules are on.")
    ] = None,
) -> None:
    """List every rule: code, name, severity, whether it is on with this project's settings."""
    from rich.console import Console
    from rich.table import Table

    from layerguard.checks import ALL_METAS
    from layerguard.config import is_rule_enabled, load_config

    try:
        settings = load_config([Path.cwd()], config_file=config)
    except ConfigError as error:
        _fail(str(error))
    table = Table(box=None)
    for column in ("code", "name", "severity", "on", "fix"):
        table.add_column(column, no_wrap=True)  # only the summary may wrap: codes and names stay whole
    table.add_column("summary")
    for meta in ALL_METAS:
        on = "yes" if is_rule_enabled(settings, meta) else ("opt-in" if meta.opt_in else "no")
        table.add_row(
            meta.code, meta.name, meta.severity.value, on, "yes" if meta.fixable else "", meta.summary
        )
    # Piped output has no terminal width to fit: give the summaries room instead of 80 columns.
    width = None if sys.stdout.isatty() else 200
    Console(highlight=False, soft_wrap=True, width=width).print(table)


@app.command()
def explain(
    code: Annotated[str, typer.Argument(help="A rule code (LG101) or name (upward-import).")],
) -> None:
    """Print a rule's documentation: what it flags, why, and what to write instead."""
    from layerguard.cards import card_text
    from layerguard.checks import lookup

    meta = lookup(code)
    if meta is None:
        _fail(f"unknown rule {code!r}; `layerguard rules` lists them all")
    text = card_text(meta.code)
    if text is None:
        _fail(f"no documentation found for {meta.code}; the installation may be incomplete")
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command()
def clean() -> None:
    """Delete the facts cache (.layerguard_cache/) of the project in the current folder."""
    from layerguard.config import find_project_root
    from layerguard.facts.cache import remove_cache

    root = find_project_root(Path.cwd())
    try:
        removed = remove_cache(root)
    except OSError as error:
        _fail(f"cannot delete the cache under {root}: {error.strerror or error}")
    typer.echo(f"Removed {removed}" if removed is not None else f"No cache under {root}")


@app.command()
def graph(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Count violations in these files or folders. Default: the current folder."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="Diagram format: mermaid or dot.")
    ] = "mermaid",
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Read settings from FILE (pyproject.toml or layerguard.toml)."),
    ] = None,
) -> None:
    """Print the layer diagram: allowed imports plain, violated ones red with their count."""
    from layerguard.api import load_project
    from layerguard.config import load_config
    from layerguard.layer_diagram import FORMATS, render

    if output_format not in FORMATS:
        _fail(f"unknown --format {output_format!r}; choose one of {', '.join(FORMATS)}")
    given = paths or [Path.cwd()]
    for path in given:
        if not path.exists():
            _fail(f"no such file or folder: {path}")
    try:
        settings = load_config(given, config_file=config)
        project = load_project(settings, given, {})
    except ConfigError as error:
        _fail(str(error))
    sys.stdout.write(render(project, output_format))


@app.command()
def init(
    path: Annotated[
        Path | None, typer.Argument(help="A folder of the project. Default: the current folder.")
    ] = None,
    write: Annotated[
        bool, typer.Option("--write", help="Add the section to pyproject.toml (created if missing).")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="With --write: replace an existing \\[tool.layerguard] section."),
    ] = False,
) -> None:
    """Detect the project's layout and print a ready \\[tool.layerguard] section.

    Exit 0, also for a project it cannot classify (the section says what to fill in); 2 on usage errors.
    """
    from layerguard.init import InitError, check_writable, detect, init_root, render, write_section

    folder = path or Path.cwd()
    if not folder.is_dir():
        _fail(f"no such folder: {folder}")
    if force and not write:
        _fail("--force only applies with --write")
    root = init_root(folder)
    try:
        if write:
            check_writable(root, force=force)
        section = render(detect(root))
        written = write_section(root, section) if write else None
    except InitError as error:
        _fail(str(error))
    sys.stdout.write(section)
    if written is not None:
        typer.echo(f"layerguard: wrote this section to {written}", err=True)


def main() -> None:
    """Console-script entry point."""
    app()
