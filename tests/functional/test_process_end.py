"""How the `layerguard` process ends (issue 16): once the command is done and stdout and stderr
are flushed, `cli.main` ends it with `os._exit`, keeping what the check built alive until then
instead of freeing it. What a user sees must not change: the same exit codes, every byte of
stdout and stderr, a reader that stops early, no process left behind.

Each command runs twice through the real CLI in a subprocess: as installed (`python -m
layerguard`), and as a reference that ends the way Python ends a program (`cli._end_process`
replaced by `raise SystemExit(code)`, what `main` did before). They must agree byte for byte.
"""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time
import weakref
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from cli_runner import cli_env

from layerguard import api, cli
from layerguard.engine import Workspace

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "tests" / "fixtures" / "fortress_app"
TIMEOUT = 120
PYPROJECT = '[project]\nrequires-python = ">=3.11"\n\n[tool.layerguard]\nnaming = "off"\n'
# The CLI ending the way it did before issue 16: `main` raises SystemExit and Python tears down.
REFERENCE = (
    "import sys\n"
    "from layerguard import cli\n"
    "def end(code):\n"
    "    raise SystemExit(code)\n"
    "cli._end_process = end\n"
    "sys.argv = ['layerguard', *sys.argv[1:]]\n"
    "cli.main()\n"
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX only")
needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


# --- helpers ------------------------------------------------------------------------------------


def user_env(**extra: str) -> dict[str, str]:
    """`cli_env` with stdout buffered as a user's is: PYTHONUNBUFFERED (set where the tests run,
    perhaps) would write every byte at once and hide a flush missing before `os._exit`."""
    env = cli_env(**extra)
    env.pop("PYTHONUNBUFFERED", None)
    return env


def optional_module(functions: int) -> str:
    """A module with two LG401 findings per function."""
    return "from typing import Optional\n\n" + "".join(
        f"def f{i}(a: Optional[int] = None) -> Optional[int]:\n    return a\n\n" for i in range(functions)
    )


def many_findings(root: Path, files: int, functions: int) -> Path:
    """A project of `files` service modules, each with `2 * functions` findings."""
    services = root / "app" / "services"
    services.mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "app" / "__init__.py").touch()
    (services / "__init__.py").touch()
    body = optional_module(functions)
    for i in range(files):
        (services / f"m{i}.py").write_text(body, encoding="utf-8")
    return root


def run_both(args: tuple[str, ...], cwd: Path) -> tuple[subprocess.CompletedProcess[bytes], ...]:
    """The installed CLI and the reference on the same arguments, in the same folder."""
    return tuple(
        subprocess.run(
            [sys.executable, *command, *args],
            cwd=cwd,
            capture_output=True,
            env=user_env(),
            timeout=TIMEOUT,
            check=False,
        )
        for command in (["-m", "layerguard"], ["-c", REFERENCE])
    )


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fortress app (findings), a clean project, and a folder with no Python file in it."""
    base = tmp_path_factory.mktemp("process-end")
    app = base / "app"
    shutil.copytree(APP, app)
    clean = base / "clean"
    clean.mkdir()
    (clean / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (clean / "main.py").write_text("x = 1\n", encoding="utf-8")
    empty = base / "empty"
    empty.mkdir()
    (empty / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return {"app": app, "clean": clean, "empty": empty}


# --- every output and exit code as Python's own exit gives them --------------------------------

CASES = [
    ("clean", ("check",), 0),
    ("clean", ("check", "--format", "json"), 0),
    ("app", ("check",), 1),
    ("app", ("check", "--format", "concise", "--statistics"), 1),
    ("app", ("check", "--format", "json"), 1),
    ("app", ("check", "--format", "sarif"), 1),
    ("app", ("check", "--format", "github"), 1),
    ("app", ("check", "--exit-zero"), 0),
    ("app", ("check", "--diff"), 1),
    ("app", ("check", "--bogus"), 2),
    ("app", ("check", "--format", "nope"), 2),
    ("app", ("check", "no/such/folder"), 2),
    ("app", (), 2),
    ("app", ("--version",), 0),
    ("app", ("--help",), 0),
    ("app", ("explain", "LG101"), 0),
    ("app", ("explain", "LG999"), 2),
    ("app", ("rules",), 0),
    ("app", ("graph",), 0),
    ("app", ("init",), 0),
    ("empty", ("check",), 2),
]


@pytest.mark.parametrize(
    "folder, args, code",
    CASES,
    ids=[f"{folder}:{' '.join(args) or '(none)'}" for folder, args, code in CASES],
)
def test_output_and_exit_code_are_those_of_a_normal_python_exit(
    folders: dict[str, Path], folder: str, args: tuple[str, ...], code: int
) -> None:
    fast, reference = run_both(args, folders[folder])
    assert fast.returncode == reference.returncode == code, fast.stderr.decode()
    assert fast.stdout == reference.stdout
    assert fast.stderr == reference.stderr


@posix_only
@pytest.mark.parametrize(
    "folder, args, code", [("clean", ("check",), 0), ("app", ("check", "--format", "concise"), 1)]
)
def test_stderr_closed_from_the_start_ends_as_before(
    folders: dict[str, Path], folder: str, args: tuple[str, ...], code: int
) -> None:
    """`layerguard check 2>&-`: Python has no stderr (`sys.stderr` is None); the flush before
    `os._exit` skips it, as Python's own flush at exit does."""
    fast, reference = (
        subprocess.run(
            ["sh", "-c", 'exec "$@" 2>&-', "sh", sys.executable, *command, *args],
            cwd=folders[folder],
            stdout=subprocess.PIPE,
            env=user_env(),
            timeout=TIMEOUT,
            check=False,
        )
        for command in (["-m", "layerguard"], ["-c", REFERENCE])
    )
    assert fast.returncode == reference.returncode == code
    assert fast.stdout == reference.stdout != b""


def test_baseline_messages_on_stderr_are_unchanged(tmp_path: Path) -> None:
    app = shutil.copytree(APP, tmp_path / "app")
    assert run_both(("baseline", "b.json"), app)[0].returncode == 0
    model = app / "app" / "models" / "Order.py"  # one baselined finding fixed
    model.write_text(model.read_text().replace("Mapped[Optional[str]]", "Mapped[str | None]"))
    (app / "app" / "services" / "ExtraService.py").write_text(optional_module(1))  # two new ones
    fast, reference = run_both(("check", "--format", "concise", "--baseline", "b.json"), app)
    assert fast.returncode == reference.returncode == 1
    assert (fast.stdout, fast.stderr) == (reference.stdout, reference.stderr)
    assert fast.stdout.decode().count(" LG401 ") == 2
    assert fast.stderr.decode().splitlines() == [
        "layerguard: 15 findings matched the baseline",
        "layerguard: 1 baseline entry is fixed: run `layerguard baseline b.json` to shrink it",
    ]


def test_the_version_is_printed_whole() -> None:
    fast, _ = run_both(("--version",), REPO)
    assert fast.stdout.decode() == f"layerguard {version('layerguard')}\n"


# --- the flush before os._exit -----------------------------------------------------------------


def run_into_file(args: tuple[str, ...], cwd: Path, target: Path) -> subprocess.CompletedProcess[bytes]:
    """The real CLI with its stdout redirected to the file `target`, as a shell's `>` does."""
    with target.open("wb") as stdout:
        return subprocess.run(
            [sys.executable, "-m", "layerguard", *args],
            cwd=cwd,
            stdout=stdout,
            stderr=subprocess.PIPE,
            env=user_env(),
            timeout=TIMEOUT,
            check=False,
        )


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("check", "--help")])
def test_output_argparse_leaves_in_the_buffer_reaches_a_file(tmp_path: Path, args: tuple[str, ...]) -> None:
    """argparse prints --version and --help without flushing, and stdout redirected to a file is
    block-buffered: without the flush before `os._exit` the file would be empty."""
    expected = run_both(args, tmp_path)[1]
    target = tmp_path / "out.txt"
    process = run_into_file(args, tmp_path, target)
    assert process.returncode == expected.returncode == 0
    assert target.read_bytes() == expected.stdout != b""


@pytest.mark.parametrize("fmt", ["json", "concise"])
def test_megabytes_of_findings_all_arrive_through_a_pipe_and_into_a_file(tmp_path: Path, fmt: str) -> None:
    root = many_findings(tmp_path / "proj", files=120, functions=20)  # 4,800 findings
    piped = subprocess.run(
        [sys.executable, "-m", "layerguard", "check", "--format", fmt],
        cwd=root,
        capture_output=True,
        env=user_env(),
        timeout=TIMEOUT,
        check=False,
    )
    assert piped.returncode == 1, piped.stderr.decode()
    assert piped.stderr == b""
    if fmt == "json":
        assert len(piped.stdout) > 1_000_000
        assert len(json.loads(piped.stdout)) == 4800
    else:
        assert piped.stdout.decode().count(" LG401 ") == 4800
    target = tmp_path / "out"
    to_file = run_into_file(("check", "--format", fmt), root, target)
    assert to_file.returncode == 1
    assert target.read_bytes() == piped.stdout


@posix_only
def test_a_reader_that_takes_one_line_and_goes_leaves_exit_1_and_a_quiet_stderr(tmp_path: Path) -> None:
    """`layerguard check | head -1` on more findings than a pipe holds: the writes after the
    reader went fail with EPIPE; the rest of the output goes nowhere, quietly."""
    root = many_findings(tmp_path / "proj", files=60, functions=20)
    process = subprocess.Popen(
        [sys.executable, "-m", "layerguard", "check", "--format", "concise"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=user_env(),
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=TIMEOUT) == 1
    assert b" LG401 " in first
    assert stderr == b""


# --- the SystemExit code read as Python reads it -----------------------------------------------


@pytest.mark.parametrize("value", ["None", "0", "1", "2", "130", "256", "-1", "True", "'a message'", "['x']"])
def test_any_system_exit_code_ends_the_process_as_python_would(tmp_path: Path, value: str) -> None:
    """Whatever SystemExit a command raises, the status and stderr are Python's."""
    through_main = (
        "import sys\n"
        "from layerguard import cli\n"
        "def stop(argv=None):\n"
        f"    raise SystemExit({value})\n"
        "cli.run = stop\n"
        "cli.main()\n"
    )
    plain = f"raise SystemExit({value})\n"
    fast, reference = (
        subprocess.run(
            [sys.executable, "-c", program],
            cwd=tmp_path,
            capture_output=True,
            env=user_env(),
            timeout=TIMEOUT,
            check=False,
        )
        for program in (through_main, plain)
    )
    assert fast.returncode == reference.returncode
    assert (fast.stdout, fast.stderr) == (reference.stdout, reference.stderr)


# --- what a check keeps ------------------------------------------------------------------------

# `main` as installed, its end delayed to report what it keeps and whether the collector sees it.
KEPT_PROBE = (
    "import gc, sys\n"
    "from layerguard import cli\n"
    "end = cli._end_process\n"
    "def report_then_end(code):\n"
    "    kept = cli._PROCESS_END.kept\n"
    "    seen = {id(o) for o in gc.get_objects()}\n"
    "    names = sorted(type(o).__name__ for o in kept)\n"
    "    print(*names, sum(id(o) in seen for o in kept), file=sys.stderr)\n"
    "    end(code)\n"
    "cli._end_process = report_then_end\n"
    "sys.argv = ['layerguard', *sys.argv[1:]]\n"
    "cli.main()\n"
)


def test_a_check_keeps_its_workspace_and_report_out_of_the_collectors_sight(folders: dict[str, Path]) -> None:
    """Kept, and frozen: built with the collector paused, the check's objects are all in its
    youngest generation, and the first collection after the pause would walk them all (prefect,
    one edit: +0.27 s of CPU without the freeze, bench/README.md)."""
    process = subprocess.run(
        [sys.executable, "-c", KEPT_PROBE, "check", "--format", "concise"],
        cwd=folders["app"],
        capture_output=True,
        env=user_env(),
        timeout=TIMEOUT,
        check=False,
    )
    assert process.returncode == 1
    assert process.stderr.decode() == "Report Workspace 0\n"  # none of them where a collection looks


# --- nothing left behind -----------------------------------------------------------------------


@needs_proc
def test_no_parser_process_is_left_once_a_run_with_workers_ends(tmp_path: Path) -> None:
    root = many_findings(tmp_path / "proj", files=120, functions=5)
    process = subprocess.Popen(
        [sys.executable, "-m", "layerguard", "check", "--no-cache", "--jobs", "2"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=user_env(),
        start_new_session=True,  # every process it starts is in this session's group
    )
    _, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 1, stderr.decode()
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)


@posix_only
def test_spawned_workers_leave_no_semaphore_for_the_resource_tracker(tmp_path: Path) -> None:
    """With stderr on a terminal the progress line's thread runs, so parser workers are spawned,
    not forked, and each one's progress array holds a named semaphore that Python would unlink
    at exit. `os._exit` skips that: were one still alive, multiprocessing's resource tracker would
    print "leaked semaphore objects" on the terminal once the process is gone."""
    root = many_findings(tmp_path / "proj", files=120, functions=5)
    main_end, secondary = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "layerguard", "check", "--no-cache", "--jobs", "2", "--format", "concise"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=secondary,
            env=user_env(LAYERGUARD_PROGRESS_DELAY="0"),
        )
    finally:
        os.close(secondary)
    stdout, _ = process.communicate(timeout=TIMEOUT)
    chunks, deadline = [], time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:  # until every holder of the terminal (the tracker too) is gone
        if not select.select([main_end], [], [], deadline - time.monotonic())[0]:
            break
        try:
            chunk = os.read(main_end, 65536)
        except OSError:  # EIO: the last holder closed it
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_end)
    terminal = b"".join(chunks).decode("utf-8", "replace")
    assert process.returncode == 1
    assert stdout.decode().count(" LG401 ") == 1200
    assert "layerguard: checking" in terminal  # the progress thread ran: the workers were spawned
    assert "leaked" not in terminal and "Traceback" not in terminal and "Exception" not in terminal


@pytest.fixture
def workspaces_made(monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref[Workspace]]:
    """A weak reference to every Workspace `api` makes from now on."""
    made: list[weakref.ref[Workspace]] = []

    class Recorded(Workspace):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(weakref.ref(self))

    monkeypatch.setattr(api, "Workspace", Recorded)
    return made


def test_run_in_a_process_that_goes_on_keeps_nothing(
    folders: dict[str, Path],
    workspaces_made: list[weakref.ref[Workspace]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`cli.run` (the tests, bench scripts) returns, and frees what the check built, as before."""
    monkeypatch.chdir(folders["app"])
    assert cli.run(["check", "--format", "concise"]) == 1
    assert " LG401 " in capsys.readouterr().out
    assert not cli._PROCESS_END.at_once
    assert cli._PROCESS_END.kept == []
    assert len(workspaces_made) == 1 and workspaces_made[0]() is None


def test_the_library_check_frees_its_workspace(
    folders: dict[str, Path], workspaces_made: list[weakref.ref[Workspace]]
) -> None:
    assert api.check([folders["app"]]).findings
    assert len(workspaces_made) == 1 and workspaces_made[0]() is None


def test_check_keeping_workspace_gives_the_workspace_that_made_the_report(folders: dict[str, Path]) -> None:
    config = api.load_config([folders["app"]])
    report, workspace = api.check_keeping_workspace(config, [folders["app"]])
    assert report == api.check([folders["app"]])
    assert workspace.check([folders["app"]]) == report
