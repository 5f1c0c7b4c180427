"""The `layerguard` command: parses flags, calls `api.check`, renders, sets the exit code.

argparse, not typer: typer 0.29 builds a pydantic TypeAdapter for every option on every run,
~140 ms of a 480 ms warm check of prefect (issue 6: a warm run within 2x lint-imports' 0.21 s).

The process ends with `os._exit` once the command is done and its output flushed (`main`,
`_end_process`): what the command built (a check's Workspace, every file's facts) is kept until
then rather than freed object by object, and the interpreter's teardown is skipped.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import io
import os
import stat
import sys
import traceback
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from layerguard.config import LAYERGUARD_TOML, PYPROJECT, ConfigError
from layerguard.files import write_atomically
from layerguard.reporters import FORMATS as CHECK_FORMATS
from layerguard.reporters import STATISTICS_FORMATS
from layerguard.version import __version__

if TYPE_CHECKING:
    from layerguard.model import Config, Report

# What marks a folder as (inside) a project: settings files or a repository's top.
PROJECT_MARKERS = (PYPROJECT, LAYERGUARD_TOML, ".git")

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
EXIT_CODES = "Exit 0: clean, 1: findings, 2: usage, configuration or internal error."

DESCRIPTION = (
    "Static architecture validator for FastAPI + SQLAlchemy/SQLModel back ends.\n\n"
    "Checks the Endpoint -> Service -> Repository -> Model layering on the import graph,\n"
    "plus per-file rules (typing, async DB access, raw SQL ...). Configure it under\n"
    "[tool.layerguard] in pyproject.toml. Start with `layerguard check`, then\n"
    "`layerguard explain CODE` for any finding."
)
EPILOG = f"Output formats (check --format): {', '.join(CHECK_FORMATS)}.\n{EXIT_CODES}"


@dataclasses.dataclass
class _ProcessEnd:
    """How the process running the command ends. `main` sets `at_once`: the process is ended
    with `os._exit` when the command is done, so what the command built is kept until then
    (`kept`) instead of freed. `run` alone (the tests, bench scripts, any caller whose process
    goes on) leaves it unset: nothing is kept and the process ends as its caller decides."""

    at_once: bool = False
    kept: list[object] = dataclasses.field(default_factory=list)


_PROCESS_END = _ProcessEnd()


def _keep_until_exit(*objects: object) -> None:
    """Keep `objects` alive until `main` ends the process, when it will end it at once: freeing
    them (a check's Workspace holds every file's facts, a few hundred thousand objects; one edit on
    prefect: 0.08 s) is work ending the process makes pointless. They were built with the
    collector paused, so they are all in its youngest generation, which its next collection would
    walk whole: `gc.freeze` moves every object there is into the permanent generation, which no
    collection walks. Does nothing in a process that goes on (`run` not called by `main`)."""
    if _PROCESS_END.at_once:
        _PROCESS_END.kept.extend(objects)
        gc.freeze()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """Usage errors: one line naming the problem, the usage, exit 2."""
        self.print_usage(sys.stderr)
        _fail(message)


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"layerguard: error: {message}\n")
    raise SystemExit(EXIT_ERROR)


def _write(text: str) -> None:
    """Print `text`. A reader that stops reading (`layerguard check | head`) is no error: the
    rest of the output goes nowhere and the command keeps its exit code."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()


def _discard_stdout() -> None:
    """Point stdout at the null device, as Python's documentation advises on a broken pipe, so
    that flushing what is still buffered (now or at exit) does not fail again."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)


def use_color(stream: TextIO) -> bool:
    """Whether output to `stream` is coloured, decided here for every command: on a terminal
    whose TERM is not `dumb`; never when NO_COLOR is set and not empty (no-color.org), always
    when FORCE_COLOR is (force-color.org; rich, which colours `rules`, reads it too)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return os.environ.get("TERM") != "dumb" and stream.isatty()


def _codes(values: list[str] | None) -> list[str] | None:
    """`--select LG1,LG401 --select LG2` -> ["LG1", "LG401", "LG2"]."""
    if values is None:
        return None
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is less than 1")
    return number


def _require_existing(paths: Sequence[Path]) -> None:
    """Exit 2 with one line for a path that is not there or cannot even be looked at (a path
    longer than the system allows, a folder on the way that may not be searched)."""
    for path in paths:
        try:
            os.stat(path)
        except FileNotFoundError:
            _fail(f"no such file or folder: {path}")
        except (OSError, ValueError) as error:  # ValueError: a NUL in the name
            _fail(f"cannot use {path}: {getattr(error, 'strerror', None) or error}")


def _source_root(config: Config) -> Path:
    """The folder SARIF's URIs are relative to: the repository holding the project (the nearest
    folder upward with a `.git` entry, read by name only), else the project root."""
    from layerguard.gitignore import repository_top

    return Path(repository_top(str(config.root)) or config.root)


def check(args: argparse.Namespace) -> int:
    """Check the project and report findings."""
    from layerguard.engine import collector_paused

    # A run's facts and findings are a few hundred thousand objects that refcounting frees: the
    # cyclic collector would walk them all, more than once, while the report is rendered
    # (10,000 files, warm: 0.2 s). This process ends after one check.
    with collector_paused():
        return _check(args)


def _check(args: argparse.Namespace) -> int:
    from layerguard.api import load_config
    from layerguard.reporters import render

    _refuse_flags_that_do_not_go_together(args)
    paths: list[Path] = args.paths
    _require_existing(paths)
    try:
        given = [Path(os.path.abspath(p)) for p in paths] or [Path.cwd()]
        config = load_config(
            given, config_file=args.config, select=_codes(args.select), ignore=_codes(args.ignore)
        )
        if args.show_settings:
            from layerguard.reporters.settings import render_settings

            _write(render_settings(config))
            return EXIT_CLEAN
        _say_where_settings_come_from(config, given)
        default_baseline = _default_baseline_file(config)
        if args.baseline is not None:
            config = dataclasses.replace(config, baseline=Path(os.path.abspath(args.baseline)))
        fixing = None
        if args.fix or args.diff or args.add_noqa:
            from layerguard.fixes import run_fixes

            fixing = run_fixes(
                config, given, write=not args.diff, unsafe=args.unsafe_fixes, show=args.show_fixes,
                add_noqa_comments=args.add_noqa, jobs=args.jobs, cache=not args.no_cache,
            )  # fmt: skip
            sys.stderr.write("".join(f"layerguard: {message}\n" for message in fixing.messages))
            if fixing.report is None:  # --diff, --add-noqa: their own output, no report
                _write(fixing.output)
                return fixing.exit_code or EXIT_CLEAN
            report = fixing.report
        else:
            report = _checked(config, given, args)
    except ConfigError as error:
        _fail(str(error))
    except Exception as error:
        if args.verbose:
            traceback.print_exc()
        _fail(f"internal error: {type(error).__name__}: {error} (run with --verbose for the traceback)")

    output: Path | None = args.output
    color = output is None and args.format == "text" and use_color(sys.stdout)
    source_root = _source_root(config) if args.format == "sarif" else None
    text = render(report, args.format, color=color, statistics=args.statistics, source_root=source_root)
    if output is not None:
        _write_output(output, text.encode("utf-8"))
    elif args.format in ("json", "sarif"):
        _write(_encodable_json(text, sys.stdout))
    else:
        _write(text)
    _say_what_the_baseline_did(report, config, default_baseline, text_summary=args.format == "text")
    _say_what_the_libcst_fallback_cost(report)
    if fixing is not None and fixing.output:  # --show-fixes
        (_write if args.format in ("text", "concise") and output is None else sys.stderr.write)(fixing.output)
    return _check_exit_code(report, args, given)


def _checked(config: Config, given: Sequence[Path], args: argparse.Namespace) -> Report:
    """`api.check`, its progress shown on a terminal, and its Workspace and report kept until
    the process ends (`_keep_until_exit`)."""
    from layerguard.api import check_keeping_workspace
    from layerguard.progress import progress_on_terminal
    from layerguard.reporters.escapes import visible

    with progress_on_terminal(sys.stderr, visible(str(config.root))):
        report, workspace = check_keeping_workspace(config, given, jobs=args.jobs, cache=not args.no_cache)
    _keep_until_exit(workspace, report)
    return report


def _refuse_flags_that_do_not_go_together(args: argparse.Namespace) -> None:
    if args.format not in CHECK_FORMATS:
        _fail(f"unknown --format {args.format!r}; choose one of {', '.join(CHECK_FORMATS)}")
    if args.statistics and args.format not in STATISTICS_FORMATS:
        _fail(
            f"--statistics does not go with --format {args.format}, whose output has a fixed shape; "
            f"use {', '.join(STATISTICS_FORMATS)}"
        )
    if args.add_noqa and (args.fix or args.diff):
        _fail("--add-noqa does not go with --fix or --diff")


def _check_exit_code(report: Report, args: argparse.Namespace, given: Sequence[Path]) -> int:
    if report.has_internal_error:
        return EXIT_ERROR
    if report.files_checked == 0 and not all(path.is_file() for path in given):
        # A wrong path in CI must not pass as a clean gate. Files named one by one that are all
        # excluded (pre-commit staging only migrations) are a clean run, not an error.
        named = ", ".join(str(p) for p in args.paths) or "."
        sys.stderr.write(
            f"layerguard: error: no Python files to check in {named} "
            "(a wrong path, or everything there is excluded: see `exclude` in the README)\n"
        )
        return EXIT_ERROR
    return EXIT_FINDINGS if report.findings and not args.exit_zero else EXIT_CLEAN


def _say_what_the_baseline_did(
    report: Report, config: Config, default_file: Path, *, text_summary: bool
) -> None:
    """On stderr: how many findings the baseline matched (the text summary says it itself), and
    its entries that match nothing any more, so that it shrinks as code is fixed."""
    if config.baseline is None:
        return
    if report.baseline_matched and not text_summary:
        matched = report.baseline_matched
        sys.stderr.write(f"layerguard: {matched} finding{'s' if matched != 1 else ''} matched the baseline\n")
    fixed = report.baseline_fixed
    if fixed:
        command = "layerguard baseline"
        if config.baseline != default_file:
            command += f" {_shown(config.baseline)}"
        entries = f"{fixed} baseline entries are" if fixed != 1 else "1 baseline entry is"
        sys.stderr.write(f"layerguard: {entries} fixed: run `{command}` to shrink it\n")


# From this many CPU seconds in the libcst fallback, a run says so (a newer Python would save it).
LIBCST_NOTE_SECONDS = 1.0


def _say_what_the_libcst_fallback_cost(report: Report) -> None:
    """On stderr, when files with syntax newer than the running Python cost real time: libcst
    parses them several times slower than `ast` (see bench/README.md), and a Python that knows
    their syntax avoids it. The cache keeps it to the first run after each change of a file."""
    if report.libcst_seconds < LIBCST_NOTE_SECONDS:
        return
    files = report.libcst_files
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    sys.stderr.write(
        f"layerguard: note: {files} file{'s use' if files != 1 else ' uses'} syntax newer than Python "
        f"{running}, which layerguard runs on: parsing {'them' if files != 1 else 'it'} with libcst took "
        f"{report.libcst_seconds:.1f} s of CPU. Installed on the Python the project runs on, layerguard "
        "parses them with ast, several times faster\n"
    )


def _default_baseline_file(config: Config) -> Path:
    """Where `layerguard baseline` writes without a FILE: the `baseline` key's file, else
    `layerguard-baseline.json` at the project root (`baseline.DEFAULT_BASELINE`, not imported:
    a run without a baseline does not pay for that module)."""
    return config.baseline or config.root / "layerguard-baseline.json"


def _shown(path: Path) -> str:
    from layerguard.baseline import shown

    return shown(path)


def _say_where_settings_come_from(config: Config, given: Sequence[Path]) -> None:
    """One line on stderr when no settings were found: outside any project (a forgotten `cd`
    would check a whole disk), or a project that has not been configured yet."""
    if config.source is not None:
        return
    if not any(
        (folder / marker).exists()
        for folder in (config.root, *config.root.parents)
        for marker in PROJECT_MARKERS
    ):
        sys.stderr.write(
            f"layerguard: warning: {given[0]} is in no project (no pyproject.toml, layerguard.toml or "
            f".git above it); checking it with the default settings\n"
        )
        return
    sys.stderr.write(
        "layerguard: no [tool.layerguard] settings found; checking with the default fortress layers. "
        "Run `layerguard init` to write settings that fit this project\n"
    )


def _encodable_json(text: str, stream: TextIO) -> str:
    """JSON that `stream` can encode. On a stdout that is not UTF-8 the escapes it would
    fall back to (`\\xe9`) are not JSON: every non-ASCII character is written as a JSON
    escape instead, which decodes to the same text (they only occur inside strings)."""
    try:
        text.encode(stream.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        import json
        import re

        return re.sub(r"[^\x00-\x7f]+", lambda run: json.dumps(run.group())[1:-1], text)
    return text


def _write_output(path: Path, data: bytes) -> None:
    """Write the report to `--output`: whole or not at all, through a temporary file beside it
    that replaces it, so a reader never sees half a report. A symlink is refused: the checked
    repository may commit `layerguard.sarif -> ~/.bashrc`. A device (/dev/null) is written to."""
    try:
        status: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        status = None
    except OSError as error:
        _fail(f"cannot write --output {path}: {error.strerror or error}")
    if status is not None and stat.S_ISLNK(status.st_mode):
        _fail(f"refusing to write --output {path}: it is a symbolic link")
    try:
        if status is not None and stat.S_ISCHR(status.st_mode):
            with open(path, "wb") as device:
                device.write(data)
            return
        if status is not None and not stat.S_ISREG(status.st_mode):
            _fail(f"cannot write --output {path}: not a regular file")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
    except OSError as error:
        _fail(f"cannot write --output {path}: {error.strerror or error}")


def rules(args: argparse.Namespace) -> int:
    """List every rule: code, name, severity, whether it is on with this project's settings."""
    from rich.console import Console
    from rich.table import Table

    from layerguard.api import load_config
    from layerguard.checks import ALL_METAS
    from layerguard.config import is_rule_enabled, setting_is_set

    try:
        settings = load_config([Path.cwd()], config_file=args.config)
    except ConfigError as error:
        _fail(str(error))
    table = Table(box=None)
    for column in ("code", "name", "severity", "on", "fix"):
        table.add_column(column, no_wrap=True)  # only the summary may wrap: codes and names stay whole
    table.add_column("summary")
    for meta in ALL_METAS:
        on = "yes" if is_rule_enabled(settings, meta) else ("opt-in" if meta.opt_in else "no")
        if not setting_is_set(settings, meta):
            on = f"no: set {meta.requires_setting}"  # off until configured (LG905)
        table.add_row(
            meta.code, meta.name, meta.severity.value, on, "yes" if meta.fixable else "", meta.summary
        )
    # Piped output has no terminal width to fit: give the summaries room instead of 80 columns.
    width = None if sys.stdout.isatty() else 200
    color = use_color(sys.stdout)
    console = Console(
        highlight=False,
        soft_wrap=True,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
    )
    with console.capture() as capture:
        console.print(table)
    _write(capture.get())
    return EXIT_CLEAN


def explain(args: argparse.Namespace) -> int:
    """Print a rule's documentation: what it flags, why, and what to write instead."""
    from layerguard.cards import card_text
    from layerguard.checks import lookup

    meta = lookup(args.code)
    if meta is None:
        _fail(f"unknown rule {args.code!r}; `layerguard rules` lists them all")
    text = card_text(meta.code)
    if text is None:
        _fail(f"no documentation found for {meta.code}; the installation may be incomplete")
    _write(text if text.endswith("\n") else text + "\n")
    return EXIT_CLEAN


def clean(args: argparse.Namespace) -> int:
    """Delete the cache (.layerguard_cache/) of the project in the current folder."""
    from layerguard.config import find_project_root
    from layerguard.facts.cache import remove_cache

    root = find_project_root(Path.cwd())
    try:
        removed = remove_cache(root)
    except OSError as error:
        _fail(f"cannot delete the cache under {root}: {error.strerror or error}")
    _write(f"Removed {removed}\n" if removed is not None else f"No cache under {root}\n")
    return EXIT_CLEAN


def graph(args: argparse.Namespace) -> int:
    """Print the layer diagram: allowed imports plain, violated ones red with their count."""
    from layerguard.api import load_config
    from layerguard.engine import Workspace
    from layerguard.layer_diagram import FORMATS, render

    if args.format not in FORMATS:
        _fail(f"unknown --format {args.format!r}; choose one of {', '.join(FORMATS)}")
    given = args.paths or [Path.cwd()]
    _require_existing(given)
    try:
        settings = load_config(given, config_file=args.config)
        workspace = Workspace(settings)
        project = workspace.project(given)
        absolute = [Path(os.path.abspath(path)) for path in given]
        # Violations are counted as `check` reports them: after the baseline too.
        diagram = render(project, args.format, lambda found: workspace.baselined(found, absolute).findings)
    except ConfigError as error:
        _fail(str(error))
    _keep_until_exit(workspace, project)
    _write(diagram)
    return EXIT_CLEAN


def baseline(args: argparse.Namespace) -> int:
    """Record today's findings, so that `check --baseline FILE` reports only new ones."""
    from layerguard import baseline as baselines
    from layerguard.api import load_config, record_baseline

    paths: list[Path] = args.paths
    _require_existing(paths)
    given = [Path(os.path.abspath(p)) for p in paths] or [Path.cwd()]
    try:
        config = load_config(given, config_file=args.config)
        target = Path(os.path.abspath(args.file)) if args.file is not None else _default_baseline_file(config)
        if target.is_dir() or target.suffix == ".py":
            _fail(
                f"{_shown(target)} cannot hold the baseline: FILE comes first "
                f"(`layerguard baseline {baselines.DEFAULT_BASELINE} {_shown(target)}`)"
            )
        recorded, report = record_baseline(dataclasses.replace(config, baseline=None), given)
        if report.has_internal_error:
            _fail("a rule failed (LG000): run `layerguard check` to see it; the baseline was not written")
        relative = [baselines.relative_path(path, config.root) for path in given]
        if "." not in relative and target.exists():
            # A partial run re-records its own files only: the others keep their entries.
            recorded = baselines.merged(
                recorded, baselines.read(target, config.root), baselines.covered_by(relative)
            )
        baselines.write(target, config.root, recorded)
    except ConfigError as error:
        _fail(str(error))
    files = len(recorded.files)
    _write(
        f"Wrote {recorded.size} baseline entr{'ies' if recorded.size != 1 else 'y'} "
        f"({files} file{'s' if files != 1 else ''}) to {_shown(target)}\n"
    )
    return EXIT_CLEAN


def init(args: argparse.Namespace) -> int:
    """Detect the project's layout and print a ready [tool.layerguard] section."""
    from layerguard.init import InitError, check_writable, detect, init_root, render, write_section

    folder = args.path or Path.cwd()
    if not os.path.isdir(folder):
        _fail(f"no such folder: {folder}")
    if args.force and not args.write:
        _fail("--force only applies with --write")
    root = init_root(folder)
    try:
        if args.write:
            check_writable(root, force=args.force)
        section = render(detect(root))
        written = write_section(root, section) if args.write else None
    except (InitError, ConfigError) as error:
        _fail(str(error))
    _write(section)
    if written is not None:
        sys.stderr.write(f"layerguard: wrote this section to {written}\n")
    return EXIT_CLEAN


def server(args: argparse.Namespace) -> int:
    """Run the language server (LSP over stdio) for editors: diagnostics, code actions, hover."""
    from layerguard.integrations.lsp_start import answer_first

    # A long-lived process: it ends as any Python program does (pygls's threads, its logging
    # handlers and multiprocessing's clean-up run), not with `os._exit`.
    _PROCESS_END.at_once = False
    # Answered before pygls loads (a warm start-up as fast as a warm CLI run); pygls then
    # takes over with every message read so far.
    start = answer_first()
    from layerguard.integrations.lsp import serve_after_start

    serve_after_start(start)
    return EXIT_CLEAN


def _command(
    commands: argparse._SubParsersAction[_Parser],
    run: Callable[[argparse.Namespace], int],
    epilog: str | None = EXIT_CODES,
) -> _Parser:
    summary = (run.__doc__ or "").strip()
    parser = commands.add_parser(
        run.__name__,
        help=summary,
        description=summary,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # The sub-command's own parser, so that an argument it does not know is reported with its
    # usage (`layerguard init --bogus` shows init's usage, not the top-level one).
    parser.set_defaults(run=run, command_parser=parser)
    return parser


def build_parser() -> _Parser:
    parser = _Parser(
        prog="layerguard",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"layerguard {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    sub = _command(commands, check)
    sub.add_argument(
        "paths", nargs="*", type=Path, help="files or folders to check (default: the current folder)"
    )
    sub.add_argument(
        "--format",
        default="text",
        metavar="FORMAT",
        help=f"{', '.join(CHECK_FORMATS)} (default: text; concise is path:line:col: CODE message)",
    )
    sub.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write the report to FILE instead of stdout"
    )
    sub.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="only these codes or prefixes (comma separated), replacing the config's `select`",
    )
    sub.add_argument(
        "--ignore",
        action="append",
        metavar="CODES",
        help="also skip these codes or prefixes (comma separated)",
    )
    sub.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="read settings from FILE (pyproject.toml or layerguard.toml)",
    )
    sub.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    sub.add_argument("--fix", action="store_true", help="apply the safe fixes, then report what is left")
    sub.add_argument("--diff", action="store_true", help="print the changes --fix would make; write nothing")
    sub.add_argument("--unsafe-fixes", action="store_true", help="with --fix/--diff: apply unsafe fixes too")
    sub.add_argument("--show-fixes", action="store_true", help="with --fix: list the fixes applied")
    sub.add_argument("--add-noqa", action="store_true", help="add a `# noqa: CODE` for every finding")
    sub.add_argument(
        "--statistics",
        action="store_true",
        help="add a count of findings per rule (text, concise; json gives only the counts)",
    )
    sub.add_argument(
        "--show-settings",
        action="store_true",
        help="print the effective settings and the file they come from, and check nothing",
    )
    sub.add_argument("--verbose", "-v", action="store_true", help="show a traceback on internal errors")
    sub.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the cache (.layerguard_cache/)"
    )
    sub.add_argument(
        "--jobs",
        type=_positive,
        metavar="N",
        help="parser processes to run at once (default: one per idle core)",
    )
    sub.add_argument(
        "--baseline", type=Path, metavar="FILE", help="report only findings not in this baseline file"
    )

    sub = _command(commands, rules, epilog=None)
    sub.add_argument("--config", type=Path, metavar="FILE", help="settings file deciding which rules are on")

    sub = _command(commands, explain, epilog=None)
    sub.add_argument("code", help="a rule code (LG101) or name (upward-import)")

    _command(commands, clean, epilog=None)

    sub = _command(commands, graph, epilog=None)
    sub.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="count violations in these files or folders (default: the current folder)",
    )
    sub.add_argument(
        "--format",
        default="mermaid",
        metavar="FORMAT",
        help="diagram format: mermaid or dot (default: mermaid)",
    )
    sub.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="read settings from FILE (pyproject.toml or layerguard.toml)",
    )

    sub = _command(commands, baseline)
    sub.add_argument(
        "file",
        nargs="?",
        type=Path,
        metavar="FILE",
        help="where to write it (default: the `baseline` setting, else layerguard-baseline.json at the root)",
    )
    sub.add_argument(
        "paths", nargs="*", type=Path, help="files or folders to record (default: the current folder)"
    )
    sub.add_argument("--config", type=Path, metavar="FILE", help="read settings from FILE")

    _command(commands, server, epilog=None)

    sub = _command(
        commands,
        init,
        epilog="Exit 0, also for a project it cannot classify (the section says what to fill in);\n"
        "2 on usage errors.",
    )
    sub.add_argument(
        "path", nargs="?", type=Path, help="a folder of the project (default: the current folder)"
    )
    sub.add_argument(
        "--write", action="store_true", help="add the section to pyproject.toml (created if missing)"
    )
    sub.add_argument(
        "--force", action="store_true", help="with --write: replace an existing [tool.layerguard] section"
    )
    return parser


def run(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` (default: the command line), run the command, return its exit code."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        usage_owner: _Parser = getattr(args, "command_parser", parser)
        usage_owner.error(f"unrecognized arguments: {' '.join(unknown)}")
    command: Callable[[argparse.Namespace], int] | None = getattr(args, "run", None)
    if command is None:  # no command: the help, as a usage error (as before: exit 2)
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    return command(args)


def main() -> NoReturn:
    """Console-script entry point: `run`, with what only a real process has (its standard
    streams, Ctrl-C) handled so that no traceback reaches the user; then the process ends at
    once (`_end_process`)."""
    _tolerate_any_encoding()
    _PROCESS_END.at_once = True
    try:
        try:
            code: int | str | None = run()
        except SystemExit as stop:  # --help, --version, usage and other errors
            code = stop.code
        _flush_stdout()
    except KeyboardInterrupt:
        # Parser processes are stopped on the way out (`facts.workers._Pool.run`).
        sys.stderr.write("layerguard: interrupted\n")
        code = EXIT_INTERRUPTED
    _end_process(code)


def _end_process(code: int | str | None) -> NoReturn:
    """End the process as `raise SystemExit(code)` would, without the interpreter's teardown:
    its streams flushed, then `os._exit`. The teardown would free every object left (a check's
    facts, kept alive by `_keep_until_exit`, and every module) and run the `atexit` handlers,
    none of which has work left by now: parser and fix workers are stopped and joined before the
    command returns (`facts.workers._Pool.run`, `fixes._run_child`), the cache and `--output`
    are written and closed inside it, the progress line's thread is joined, and `rich` only
    renders into a string. mypy ends the same way (`mypy/main.py`: `if options.fast_exit:
    util.hard_exit(code)`, which flushes stdout and stderr, then calls `os._exit`).

    The code is read as Python reads SystemExit's: None is 0, an int is itself (the system
    keeps its low 8 bits, as it does for `exit`), anything else is printed on stderr and gives 1.
    The streams are flushed as Python flushes them at exit, a broken pipe on stdout aside (the
    rest of the output goes nowhere, as in `_write`): a flush that fails makes the code 120. A
    process that must end the usual way (`server`) clears `_PROCESS_END.at_once`."""
    if not _PROCESS_END.at_once:
        raise SystemExit(code)
    if code is None:
        status = EXIT_CLEAN
    elif isinstance(code, int):
        status = code
    else:
        if sys.stderr is not None:
            with suppress(OSError, ValueError):
                sys.stderr.write(f"{code}\n")
        status = 1
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # its descriptor was closed when the process started
            continue
        try:
            stream.flush()
        except OSError as error:
            if stream is sys.stdout and isinstance(error, BrokenPipeError):
                _discard_stdout()  # the rest of the output goes nowhere, as in `_write`
            else:
                status = 120
        except ValueError:  # the stream is closed: Python leaves it alone at exit too
            pass
    os._exit(status & 0xFF)


def _tolerate_any_encoding() -> None:
    """A stdout that cannot encode every character (PYTHONIOENCODING=ascii, a cp1252 console on
    Windows) shows what it cannot as escapes, instead of a UnicodeEncodeError ending the run
    with exit 1, the findings code."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _flush_stdout() -> None:
    """Flush now, while a broken pipe can still be handled (at exit Python would report it)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
