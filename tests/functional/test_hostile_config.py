"""Hostile configuration and hostile source files through the real CLI and the real flake8
(issue 11, items 8, 9 and 16).

Item 8: values that pass a type check but break the run later (a reversed character range in a
glob, an infinite `parse-timeout`, a 3,000-deep array in another tool's table, a 5,000-digit
`requires-python`, a huge or FIFO `.python-version`) are a one-line error naming the file and the
key, exit 2, in `check`, `graph`, `rules` and `init`; in flake8 they are its one-line plugin
failure. Item 9: coding cookies naming odd codecs are LG001 at the cookie, or a normal parse.
Item 16: a file parsed through libcst with a backslash continuation libcst drops keeps its lines.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_runner import cli_env, run_cli

# A FIFO `.python-version` used to hang every command: a hang must fail the test, not the suite.
TIMEOUT = 60
PYPROJECT_HEAD = '[project]\nname = "shop"\nrequires-python = ">=3.11"\n'
SOURCE = "def handler(x: int) -> int:\n    return x\n"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, env=cli_env(), timeout=TIMEOUT, check=False
    )


layerguard = run_cli


@dataclass(frozen=True)
class Hostile:
    """A project whose configuration passes TOML parsing but must stop every command."""

    name: str
    pyproject: str
    # Words the one-line error must hold: the file, then the key.
    named: tuple[str, ...]
    # `init` reads pyproject.toml and .python-version, never the [tool.layerguard] it replaces.
    init_reads_it: bool = False
    python_version: str | None = None
    python_version_fifo: bool = False


def layerguard_table(body: str) -> str:
    return PYPROJECT_HEAD + "\n[tool.layerguard]\n" + body + "\n"


DEEP = 3000
HOSTILE = [
    Hostile(
        "extend_exclude_range",
        layerguard_table('extend-exclude = ["scripts/[z-a]*"]'),
        ("pyproject.toml", "[tool.layerguard]", "'extend-exclude'", "z-a"),
    ),
    Hostile(
        "exclude_range",
        layerguard_table('exclude = ["[9-0]"]'),
        ("pyproject.toml", "[tool.layerguard]", "'exclude'", "9-0"),
    ),
    Hostile(
        "per_file_ignores_range",
        layerguard_table('[tool.layerguard.per-file-ignores]\n"[z-a].py" = ["LG4"]'),
        ("pyproject.toml", "[tool.layerguard.per-file-ignores]", '"[z-a].py"', "z-a"),
    ),
    Hostile(
        "layer_modules_range",
        layerguard_table('[tool.layerguard.layers.service]\nmodules = ["shop.[z-a]"]'),
        ("pyproject.toml", "[tool.layerguard.layers.service]", "'modules'", "z-a"),
    ),
    Hostile(
        "wiring_range",
        layerguard_table('wiring = ["**.[z-a]"]'),
        ("pyproject.toml", "[tool.layerguard]", "'wiring'", "z-a"),
    ),
    *(
        Hostile(
            f"parse_timeout_{label}",
            layerguard_table(f"parse-timeout = {value}"),
            ("pyproject.toml", "[tool.layerguard]", "'parse-timeout'", "from 1 to 3600"),
        )
        for label, value in (("inf", "inf"), ("1e308", "1e308"), ("1e-300", "1e-300"), ("0_5", "0.5"))
    ),
    Hostile(
        "deep_array_in_another_tool",
        PYPROJECT_HEAD + "\n[tool.other]\nx = " + "[" * DEEP + "]" * DEEP + "\n",
        ("pyproject.toml", "nested too deeply"),
        init_reads_it=True,
    ),
    Hostile(
        "deep_inline_table",
        PYPROJECT_HEAD + "\n[tool.other]\nx = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n",
        ("pyproject.toml", "nested too deeply"),
        init_reads_it=True,
    ),
    Hostile(
        "requires_python_5000_digits",
        '[project]\nname = "shop"\nrequires-python = ">=3.' + "1" * 5000 + '"\n',
        ("pyproject.toml", "[project]", "'requires-python'"),
        init_reads_it=True,
    ),
    Hostile(
        "poetry_python_5000_digits",
        '[project]\nname = "shop"\n[tool.poetry.dependencies]\npython = "^3.' + "1" * 5000 + '"\n',
        ("pyproject.toml", "[tool.poetry.dependencies]", "'python'"),
        init_reads_it=True,
    ),
    Hostile(
        "python_version_2_mb",
        '[project]\nname = "shop"\n',
        (".python-version", "64 KiB"),
        init_reads_it=True,
        python_version="3." + "1" * 2_000_000 + "\n",
    ),
    Hostile(
        "python_version_fifo",
        '[project]\nname = "shop"\n',
        (".python-version", "not a regular file"),
        init_reads_it=True,
        python_version_fifo=True,
    ),
]


def make_project(root: Path, case: Hostile) -> Path:
    (root / "shop").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "handlers.py").write_text(SOURCE)
    (root / "pyproject.toml").write_text(case.pyproject)
    if case.python_version is not None:
        (root / ".python-version").write_text(case.python_version)
    if case.python_version_fifo:
        os.mkfifo(root / ".python-version")
    return root


def assert_one_line_naming(stderr: str, case: Hostile) -> None:
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("layerguard: error: "), stderr
    for word in case.named:
        assert word in lines[0], (word, lines[0])


COMMANDS = ("check", "graph", "rules", "init")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", HOSTILE, ids=[case.name for case in HOSTILE])
def test_hostile_config_is_exit_2_naming_file_and_key(tmp_path: Path, case: Hostile, command: str) -> None:
    root = make_project(tmp_path, case)
    result = layerguard(command, cwd=root)
    if command == "init" and not case.init_reads_it:
        # init proposes a new [tool.layerguard] and never reads the one it would replace.
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout.startswith("[tool.layerguard]")
        return
    assert result.returncode == 2, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    assert_one_line_naming(result.stderr, case)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("case", HOSTILE, ids=[case.name for case in HOSTILE])
def test_hostile_config_in_flake8_is_its_one_line_plugin_failure(tmp_path: Path, case: Hostile) -> None:
    """flake8 reports a plugin that raises as `FILE: "PLUGIN" failed during execution due to
    REPR` and exits 1; it has no other failure code (a SystemExit would hang its process pool)."""
    root = make_project(tmp_path, case)
    result = run([sys.executable, "-m", "flake8", "--select", "LG", "shop/handlers.py"], root)
    assert result.returncode == 1, (result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == ""
    failure = result.stdout.splitlines()[0]
    assert failure.startswith('shop/handlers.py: "layerguard[LG]" failed during execution due to a ')
    assert "layerguard configuration error: " in failure
    for word in case.named:
        assert word in failure, (word, failure)


def test_flake8_still_reports_findings_with_a_sound_config(tmp_path: Path) -> None:
    """The check moved into the plugin's constructor: findings still come out of run()."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT_HEAD)
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "handlers.py").write_text("def handler(x):\n    return x\n")
    result = run([sys.executable, "-m", "flake8", "--select", "LG", "shop/handlers.py"], tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "shop/handlers.py:1:1: LG403 Missing return type annotation for `handler`",
        "shop/handlers.py:1:13: LG403 Missing type annotation for parameter `x` of `handler`",
    ]


# --- Item 9: coding cookies naming odd codecs. ---

# file name -> (raw bytes, expected concise line or None for a normal parse)
BODY = b"def handler(x):\n    return x\n"
COOKIES: dict[str, tuple[bytes, str | None]] = {
    "undefined.py": (
        b"# -*- coding: undefined -*-\n" + BODY,
        "1:15: LG001 Cannot check this file: cannot decode as undefined: undefined encoding",
    ),
    "undefined_second_line.py": (
        b"#!/usr/bin/env python\n# vim: set fileencoding=undefined :\n" + BODY,
        "2:25: LG001 Cannot check this file: cannot decode as undefined: undefined encoding",
    ),
    "punycode.py": (
        # The codec's message quotes the newline after the last "-": shown escaped, on one line.
        b"# -*- coding: punycode -*-\nx = 1\n",
        "1:15: LG001 Cannot check this file: cannot decode as punycode: Invalid extended code point '\\n'",
    ),
    "rot13.py": (
        b"# coding: rot13\n" + BODY,
        "1:11: LG001 Cannot check this file: cannot decode: 'rot13' is not a text encoding",
    ),
    "hex.py": (
        b"# coding: hex\n" + BODY,
        "1:11: LG001 Cannot check this file: cannot decode: 'hex' is not a text encoding",
    ),
    "nonexistent.py": (
        b"# coding: klingon-9\n" + BODY,
        "1:11: LG001 Cannot check this file: cannot decode: unknown encoding: klingon-9",
    ),
    "utf16_cookie.py": (b"# coding: utf-16\n" + BODY, None),  # checked below: LG001
    "unicode_escape.py": (b"# coding: unicode_escape\n" + BODY, None),
    "raw_unicode_escape.py": (b"# coding: raw_unicode_escape\n" + BODY, None),
    "idna.py": (b"# coding: idna\n" + BODY, None),
    "utf7.py": (b"# coding: utf-7\n" + BODY, None),
    "latin1.py": (b"# coding: latin-1\n" + BODY, None),
}
if sys.version_info >= (3, 13):
    # 3.13's punycode raises UnicodeDecodeError with the byte's position, not a bare UnicodeError.
    COOKIES["punycode.py"] = (
        COOKIES["punycode.py"][0],
        "1:27: LG001 Cannot check this file: cannot decode as punycode: invalid byte 0x0a",
    )


def test_coding_cookies_are_lg001_at_the_cookie_or_a_normal_parse(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT_HEAD + "\n[tool.layerguard]\n")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    for name, (data, _) in COOKIES.items():
        (tmp_path / "shop" / name).write_bytes(data)
    result = layerguard("check", "--no-cache", "--format", "concise", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert not [line for line in lines if " LG000 " in line]
    for name, (_, expected) in COOKIES.items():
        found = [line.removeprefix(f"shop/{name}:") for line in lines if line.startswith(f"shop/{name}:")]
        if name == "utf16_cookie.py":
            assert len(found) == 1, found
            assert found[0].startswith("1:1: LG001 Cannot check this file: "), found  # bytes as UTF-16
        elif expected is not None:
            assert found == [expected], (name, found)
        else:  # decoded and parsed: the missing annotations are reported
            assert found, name
            assert all(" LG403 " in line for line in found), (name, found)


# --- Item 16: libcst-parsed files keep their line numbers. ---

# `type` (3.12) and PEP 758's bare `except A, B:` (3.14) send the file to libcst on older Pythons.
NEWER = "type Alias = int\n\ntry:\n    pass\nexcept ValueError, TypeError:\n    pass\n"


@pytest.mark.parametrize(
    "header",
    [
        "try:\n    pass\nexcept KeyError\\\n:\n    pass\n",
        "try:\n    pass\nexcept* KeyError\\\n:\n    pass\n",
        "y = 0\n\\\nx = 1\n",
        "x = 1\n\x0c\\\ny = 2\n",
    ],
    ids=["except", "except_star", "continuation_line", "form_feed_and_continuation"],
)
def test_libcst_parsed_file_keeps_its_lines_and_noqa(tmp_path: Path, header: str) -> None:
    source = (
        NEWER
        + header
        + "\n\ndef f(x) -> int:\n    return 1\n\n\ndef g(y) -> int:  # noqa: LG403\n    return 2\n"
    )
    (tmp_path / "pyproject.toml").write_text(PYPROJECT_HEAD)
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "newer.py").write_text(source)
    result = layerguard("check", "--no-cache", "--format", "concise", cwd=tmp_path)
    f_line = source.split("\n").index("def f(x) -> int:") + 1
    assert result.stdout.splitlines() == [
        f"shop/newer.py:{f_line}:7: LG403 Missing type annotation for parameter `x` of `f`"
    ], result.stdout + result.stderr
    assert result.returncode == 1


def test_crlf_continuation_at_end_of_a_libcst_parsed_file(tmp_path: Path) -> None:
    """3.10 and 3.11 accept a backslash, CR and LF ending a file (3.12 does not), libcst does not:
    where the running Python accepts it, the file is checked; elsewhere it is LG001, never a
    wrong answer."""
    source = "type Alias = int\r\n\r\n\r\ndef f(x) -> int:\r\n    return 1\\\r\n"
    (tmp_path / "pyproject.toml").write_text(PYPROJECT_HEAD)
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "crlf.py").write_bytes(source.encode())
    result = layerguard("check", "--no-cache", "--format", "concise", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stderr
    if sys.version_info < (3, 12):
        assert lines == ["shop/crlf.py:4:7: LG403 Missing type annotation for parameter `x` of `f`"]
    else:
        assert len(lines) == 1
        assert " LG001 " in lines[0]
