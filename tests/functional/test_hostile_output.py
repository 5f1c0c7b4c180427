"""Output in a hostile world (issue 11): reports never reread files, `--output` never follows a
committed symlink, any stdout encoding, closed pipes, Ctrl-C, control characters in names and
source, colour switches, and the cache key's folder. Every test runs the real CLI."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_runner import cli_env, run_cli, run_in_pty

from layerguard.api import check
from layerguard.reporters import render

TIMEOUT = 60
FORMATS = ("text", "concise", "json", "sarif", "github")
PYPROJECT = '[project]\nrequires-python = ">=3.11"\n\n[tool.layerguard]\nnaming = "off"\n'
OPTIONAL = "from typing import Optional\n\nx: Optional[int] = None\n"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX only")


# --- helpers ------------------------------------------------------------------------------------


def make_project(root: Path, files: dict[str, str | bytes]) -> Path:
    """`root` with a pyproject.toml, `files`, and an `__init__.py` in each package folder."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        folder = path.parent
        while folder != root:
            (folder / "__init__.py").touch()
            folder = folder.parent
    return root


# --- item 2 and 4: reports show the bytes that were parsed, never a second read -----------------


@posix_only
@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
@pytest.mark.parametrize("fmt", ["text", "sarif"])
def test_a_fifo_named_like_a_module_does_not_hang_the_report(tmp_path: Path, fmt: str, cache: bool) -> None:
    root = make_project(tmp_path / "proj", {"app/services/orders.py": OPTIONAL})
    os.mkfifo(root / "app" / "services" / "x.py")
    args = ["check", "--format", fmt, "--jobs", "1", *([] if cache else ["--no-cache"])]
    result = run_cli(*args, cwd=root, timeout=30)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    if fmt == "text":
        # LG001 says why; nothing was read, so no source line is shown under it.
        lg001 = "  1:1 LG001 Cannot check this file: cannot read: not a regular file\n"
        assert f"app/services/x.py\n{lg001}\n" in result.stdout
    else:
        uris = [
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(result.stdout)["runs"][0]["results"]
        ]
        assert "app/services/x.py" in uris


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_snippet_is_decoded_as_the_parser_decoded_it(tmp_path: Path, cache: bool) -> None:
    """A PEP 263 cookie: the line shows é and è, not the U+FFFD a UTF-8 reread would give."""
    source = '# -*- coding: latin-1 -*-\nfrom typing import Optional\ns = "éè"; x: Optional[int] = None\n'
    root = make_project(tmp_path / "proj", {"app/services/latin.py": source.encode("latin-1")})
    result = run_cli("check", "--jobs", "1", *([] if cache else ["--no-cache"]), cwd=root)
    assert result.returncode == 1, result.stderr
    assert '    3 | s = "éè"; x: Optional[int] = None\n      |              ^^^^^^^^^^^^^\n' in result.stdout


def test_undecodable_bytes_show_as_replacement_characters(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", {"app/services/bad.py": b"x = 1\ny = '\xff'\n"})
    result = run_cli("check", "--jobs", "1", cwd=root)
    assert result.returncode == 1, result.stderr
    assert "  2:6 LG001 Cannot check this file: cannot decode as utf-8: invalid byte 0xff\n" in result.stdout
    assert "    2 | y = '\ufffd'\n" in result.stdout


def test_editor_buffer_is_the_source_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`check(sources=...)` (the flake8 plugin's stdin buffer): the report quotes the buffer
    that was checked, not the file on disk."""
    root = make_project(tmp_path / "proj", {"app/services/orders.py": "x = 1\n"})
    monkeypatch.chdir(root)
    path = root / "app" / "services" / "orders.py"
    report = check([path], sources={path: OPTIONAL.encode()}, cache=False, jobs=1)
    assert [f.code for f in report.findings] == ["LG401"]
    assert "    3 | x: Optional[int] = None\n" in render(report, "text")
    hashes = json.loads(render(report, "sarif"))["runs"][0]["results"][0]["partialFingerprints"]
    path.write_text(OPTIONAL, encoding="utf-8")  # the same text on disk: the same fingerprint
    on_disk = check([path], cache=False, jobs=1)
    assert json.loads(render(on_disk, "sarif"))["runs"][0]["results"][0]["partialFingerprints"] == hashes


# --- item 3: --output ---------------------------------------------------------------------------


@posix_only
def test_output_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", {"app/services/orders.py": OPTIONAL})
    victim = tmp_path / "bashrc"
    victim.write_text("alias ll='ls -l'\n", encoding="utf-8")
    (root / "layerguard.sarif").symlink_to(victim)
    result = run_cli("check", "--format", "sarif", "--output", "layerguard.sarif", cwd=root)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "layerguard: error: refusing to write --output layerguard.sarif: it is a symbolic link\n"
    )
    assert victim.read_text(encoding="utf-8") == "alias ll='ls -l'\n"
    assert (root / "layerguard.sarif").is_symlink()


@posix_only
def test_output_replaces_the_file_and_keeps_its_mode(tmp_path: Path) -> None:
    """Written beside and renamed over: a hard link to the old file keeps the old content (a
    write in place would change both), and the file keeps its permissions."""
    root = make_project(tmp_path / "proj", {"app/services/orders.py": OPTIONAL})
    report = root / "report.txt"
    report.write_text("old\n", encoding="utf-8")
    report.chmod(0o640)
    os.link(report, tmp_path / "other-name")
    result = run_cli("check", "--format", "concise", "--output", report, cwd=root)
    assert result.returncode == 1, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    assert report.read_text(encoding="utf-8").startswith("app/services/orders.py:3:4: LG401 ")
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert (tmp_path / "other-name").read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in root.iterdir() if p.name.startswith(".report")] == []  # no temporary left


@posix_only
def test_new_output_file_gets_the_mode_a_plain_write_gives(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", {"app/services/orders.py": OPTIONAL})
    result = run_cli("check", "--output", "out/deeper/report.txt", cwd=root)
    assert result.returncode == 1, result.stderr
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((root / "out" / "deeper" / "report.txt").stat().st_mode) == 0o666 & ~umask


@posix_only
def test_output_to_a_fifo_is_refused_not_blocked_on(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", {"app/services/orders.py": OPTIONAL})
    os.mkfifo(root / "layerguard.sarif")
    result = run_cli("check", "--output", "layerguard.sarif", cwd=root, timeout=30)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "layerguard: error: cannot write --output layerguard.sarif: not a regular file\n"


@posix_only
def test_output_to_a_device_is_written(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", {"app/services/orders.py": OPTIONAL})
    result = run_cli("check", "--output", os.devnull, cwd=root)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


# --- item 10: a stdout that is not UTF-8 --------------------------------------------------------

# é is in cp1252, 中 is not.
UNICODE_FILES = {
    "app/services/café_中.py": 'from typing import Optional\n\nlabel = "中文"; x: Optional[int] = None\n'
}


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_prints_on_a_narrow_stdout(tmp_path: Path, fmt: str, encoding: str) -> None:
    root = make_project(tmp_path / "proj", UNICODE_FILES)
    env = cli_env(PYTHONIOENCODING=encoding)
    result = run_cli("check", "--format", fmt, cwd=root, env=env, encoding=encoding)
    assert result.returncode == 1  # the findings code, not a crash's
    assert result.stderr == ""
    shown_name = "caf\\xe9_\\u4e2d.py" if encoding == "ascii" else "café_\\u4e2d.py"
    if fmt in ("text", "concise", "github"):
        assert f"app/services/{shown_name}" in result.stdout
    if fmt == "text":
        assert '    3 | label = "\\u4e2d\\u6587"; x: Optional[int] = None\n' in result.stdout
    if fmt == "json":  # still valid JSON, holding the exact name
        assert json.loads(result.stdout)[0]["path"] == "app/services/café_中.py"
    if fmt == "sarif":
        json.loads(result.stdout)


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
@pytest.mark.parametrize(
    "args",
    [("rules",), ("explain", "LG101"), ("graph",), ("init",), ("--help",), ("check", "--help")],
    ids=["rules", "explain", "graph", "init", "help", "check-help"],
)
def test_every_command_prints_on_a_narrow_stdout(
    tmp_path: Path, args: tuple[str, ...], encoding: str
) -> None:
    """`explain`'s cards and `init`'s package name (`café`) are not ASCII."""
    root = make_project(tmp_path / "proj", {"café/services/orders.py": "x = 1\n", "café/api/users.py": ""})
    result = run_cli(*args, cwd=root, env=cli_env(PYTHONIOENCODING=encoding), encoding=encoding)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout
    if args == ("init",):
        assert ("caf\\xe9" if encoding == "ascii" else "café") in result.stdout


# --- item 11: closed pipes and Ctrl-C -----------------------------------------------------------


@posix_only
@pytest.mark.parametrize(
    "args, code",
    [
        (("rules",), 0),
        (("explain", "LG101"), 0),
        (("graph",), 0),
        (("init",), 0),
        (("check",), 1),
        (("check", "--format", "sarif"), 1),
    ],
    ids=["rules", "explain", "graph", "init", "check-text", "check-sarif"],
)
def test_a_reader_that_stops_reading_ends_the_run_quietly(
    tmp_path: Path, args: tuple[str, ...], code: int
) -> None:
    """The read end is closed before the CLI writes a byte (it is still starting): every write
    fails with EPIPE. No traceback, nothing on stderr, and the command's own exit code."""
    root = make_project(tmp_path / "proj", {f"app/services/m{i}.py": OPTIONAL for i in range(200)})
    process = subprocess.Popen(
        [sys.executable, "-m", "layerguard", *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    _, stderr = process.communicate(timeout=TIMEOUT)
    assert stderr.decode() == ""
    assert process.returncode == code


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="ascii")
    except OSError:
        return []
    return [int(child) for child in text.split()]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_ctrl_c_prints_one_line_exits_130_and_leaves_no_workers(tmp_path: Path) -> None:
    body = "from typing import Optional\n" + "".join(
        f"def f{i}(a: Optional[int] = None) -> Optional[int]:\n    return a\n" for i in range(200)
    )
    root = make_project(tmp_path / "proj", {f"app/services/m{i}.py": body for i in range(400)})
    # A shell starts its foreground job with Ctrl-C at its default action, but a test run that
    # was itself started in the background of a non-interactive shell ignores SIGINT, which a
    # child inherits through exec: handled here, it is at its default again in the child.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "layerguard", "check", "--no-cache", "--jobs", "2"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=cli_env(),
            start_new_session=True,  # its own process group, the one a terminal's Ctrl-C signals
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    deadline = time.monotonic() + TIMEOUT
    while not _children(process.pid) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _children(process.pid), "the parser processes never started"
    time.sleep(0.3)
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    # Together, so that a failure shows how the process ended (killed by a signal: negative).
    assert (process.returncode, stderr.decode(), stdout) == (130, "layerguard: interrupted\n", b"")
    with pytest.raises(ProcessLookupError):  # nothing of the run is left in its process group
        os.killpg(process.pid, 0)


# --- item 18: control characters, colour, long lines, the key's folder ---------------------------

HOSTILE_NAME = "a\nb\x1b[2Jc\x7f\x9b.py"
ESCAPED_NAME = "a\\nb\\x1b[2Jc\\x7f\\x9b.py"


@posix_only
@pytest.mark.parametrize("fmt", ["text", "concise", "github"])
def test_control_characters_in_names_are_escaped(tmp_path: Path, fmt: str) -> None:
    root = make_project(tmp_path / "proj", {f"app/services/{HOSTILE_NAME}": OPTIONAL})
    result = run_cli("check", "--format", fmt, cwd=root)
    assert result.returncode == 1, result.stderr
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", result.stdout), repr(result.stdout)
    assert f"app/services/{ESCAPED_NAME}" in result.stdout
    if fmt != "text":
        assert len(result.stdout.splitlines()) == 1  # one finding, one line


@posix_only
@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_control_characters_in_names_stay_exact_in_json(tmp_path: Path, fmt: str) -> None:
    root = make_project(tmp_path / "proj", {f"app/services/{HOSTILE_NAME}": OPTIONAL})
    result = run_cli("check", "--format", fmt, cwd=root)
    assert result.returncode == 1, result.stderr
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", result.stdout), repr(result.stdout)
    document = json.loads(result.stdout)
    if fmt == "json":
        assert document[0]["path"] == f"app/services/{HOSTILE_NAME}"
    else:
        uri = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "app/services/a%0Ab%1B%5B2Jc%7F%C2%9B.py"


def test_control_characters_in_the_source_line_are_escaped_and_the_caret_follows(tmp_path: Path) -> None:
    source = 'from typing import Optional\n\ns = "\x1b[2J\x0c"; x: Optional[int] = None\n'
    root = make_project(tmp_path / "proj", {"app/services/orders.py": source})
    result = run_cli("check", cwd=root)
    assert result.returncode == 1, result.stderr
    assert "\x1b" not in result.stdout
    shown = '    3 | s = "\\x1b[2J\\x0c"; x: Optional[int] = None\n'
    caret = "      | " + " " * len('s = "\\x1b[2J\\x0c"; x: ') + "^" * len("Optional[int]") + "\n"
    assert shown + caret in result.stdout


def test_a_huge_line_is_cut_around_the_finding(tmp_path: Path) -> None:
    source = (
        f'from typing import Optional\nx = "{"a" * 5_000_000}"; y: Optional[int] = None; z = "{"b" * 1000}"\n'
    )
    root = make_project(tmp_path / "proj", {"app/services/minified.py": source})
    result = run_cli("check", cwd=root)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) < 300
    shown, caret = next((line, lines[i + 1]) for i, line in enumerate(lines) if line.startswith("    2 | "))
    assert shown.startswith("    2 | …aaa") and shown.endswith("bbb…")
    start = caret.index("^")
    assert shown[start : start + len("Optional[int]")] == "Optional[int]"
    assert caret[start:] == "^" * len("Optional[int]")


@posix_only
@pytest.mark.parametrize(
    "extra, coloured",
    [({"TERM": "xterm"}, True), ({"TERM": "dumb"}, False), ({"TERM": "xterm", "NO_COLOR": ""}, True)],
    ids=["xterm", "dumb", "empty-no-color"],
)
@pytest.mark.parametrize("command", [("check",), ("rules",)], ids=["check", "rules"])
def test_colour_on_a_terminal(
    tmp_path: Path, extra: dict[str, str], coloured: bool, command: tuple[str]
) -> None:
    """no-color.org: only a NO_COLOR that is set and not empty turns colour off; TERM=dumb does."""
    root = make_project(tmp_path / "proj", {"app/services/orders.py": OPTIONAL})
    code, output = run_in_pty(*command, cwd=root, env=cli_env(**extra))
    assert code == (1 if command == ("check",) else 0)
    assert ("\x1b[" in output) is coloured, output[:300]
    assert "LG401" in output


def test_force_color_colours_a_pipe(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", {"app/services/orders.py": OPTIONAL})
    result = run_cli("check", cwd=root, env=cli_env(FORCE_COLOR="1"))
    assert result.returncode == 1
    assert "\x1b[" in result.stdout
    plain = run_cli("check", cwd=root)
    assert ANSI.sub("", result.stdout) == plain.stdout
    assert "\x1b[" not in run_cli("check", cwd=root, env=cli_env(FORCE_COLOR="1", NO_COLOR="1")).stdout


@posix_only
def test_a_relative_xdg_cache_home_is_ignored(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", {"app/services/orders.py": OPTIONAL})
    home = tmp_path / "home"
    home.mkdir()
    env = cli_env(XDG_CACHE_HOME="relative-cache", HOME=str(home))
    result = run_cli("check", cwd=root, env=env)
    assert result.returncode == 1, result.stderr
    assert not (root / "relative-cache").exists()
    assert (home / ".cache" / "layerguard" / "cache-key").is_file()


@posix_only
def test_a_missing_home_is_not_created(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", {"app/services/orders.py": OPTIONAL})
    home = tmp_path / "no-such-home"
    env = {k: v for k, v in cli_env(HOME=str(home)).items() if k != "XDG_CACHE_HOME"}
    result = run_cli("check", "--format", "concise", cwd=root, env=env)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("app/services/orders.py:3:4: LG401 ")
    assert not home.exists()
    assert not (root / ".layerguard_cache").exists()  # no key to sign it with: the cache is off


@posix_only
def test_init_leaves_out_modules_whose_names_cannot_be_imported(tmp_path: Path) -> None:
    # A folder named with control characters is no Python package: `init` neither prints its
    # name (raw ESC would restyle the terminal) nor writes it into pyproject.toml (TOML forbids
    # control characters, so the written file would not parse).
    routes = "from fastapi import APIRouter\n\nrouter = APIRouter()\n"
    root = make_project(
        tmp_path / "proj",
        {
            "app/api/users.py": routes,
            "app/x\x1b[31mred\x07/routes.py": routes,
            "app/x\x1b[31mred\x07/__init__.py": "",
        },
    )
    printed = run_cli("init", cwd=root)
    assert printed.returncode == 0, printed.stderr
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", printed.stdout), repr(printed.stdout)
    assert "app.api" in printed.stdout
    written = run_cli("init", "--write", "--force", cwd=root)
    assert written.returncode == 0, written.stderr
    assert run_cli("check", cwd=root).returncode in (0, 1)
