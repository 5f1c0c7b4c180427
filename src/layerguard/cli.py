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
        report = run_check(paths or [], config_file=config, select=_codes(select), ignore=_codes(ignore))
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
    table = Table("code", "name", "severity", "on", "fix", "summary", box=None)
    for meta in ALL_METAS:
        on = "yes" if is_rule_enabled(settings, meta) else ("opt-in" if meta.opt_in else "no")
        table.add_row(
            meta.code, meta.name, meta.severity.value, on, "yes" if meta.fixable else "", meta.summary
        )
    Console(highlight=False, soft_wrap=True).print(table)


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


def main() -> None:
    """Console-script entry point."""
    app()
