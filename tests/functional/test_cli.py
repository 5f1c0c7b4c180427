"""The real `layerguard` CLI, run as a subprocess on small projects written into `tmp_path`.

Covers the contract of SPEC §3 (configuration errors), §4 (command line, exit codes,
suppression, `check FILES`), §5 (output) and §7 (never crash on input, never import the
checked project). Each project gets a `pyproject.toml` with `requires-python = ">=3.11"`.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import pytest
from cli_runner import cli_env, run_cli, run_in_pty

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 120
PYPROJECT_HEAD = '[project]\nrequires-python = ">=3.11"\n'
FORMATS = ("text", "concise", "json", "sarif", "github")


# --- helpers ------------------------------------------------------------------------------


def without_naming_rules(config: str) -> str:
    """These projects name files by topic (`services/orders.py`); naming rules are tested elsewhere."""
    try:
        tomllib.loads(config)
    except tomllib.TOMLDecodeError:
        return config  # a test of invalid TOML: its positions must stay as written
    if "naming =" in config:
        return config
    if "[tool.layerguard]\n" in config:
        return config.replace("[tool.layerguard]\n", '[tool.layerguard]\nnaming = "off"\n', 1)
    return config + '\n[tool.layerguard]\nnaming = "off"\n'


def make_project(tmp_path: Path, files: dict[str, str | bytes], config: str = "") -> Path:
    """A project in `tmp_path/proj`: pyproject.toml (`[project]` + `config`), the files, and an
    `__init__.py` in every folder holding a `.py` file (unless the folder is the root)."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT_HEAD + without_naming_rules(config), encoding="utf-8")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    for name in list(files):
        if not name.endswith(".py"):
            continue
        folder = (root / name).parent
        while folder != root:
            init = folder / "__init__.py"
            if not init.exists():
                init.write_text("", encoding="utf-8")
            folder = folder.parent
    return root


def concise(*args: str | Path, cwd: Path) -> tuple[int, list[str]]:
    """Exit code and stdout lines of `check --format concise ARGS`; stderr must be empty."""
    result = run_cli("check", "--format", "concise", *args, cwd=cwd)
    assert result.stderr == "", result.stderr
    return result.returncode, result.stdout.splitlines()


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 2, nothing on stdout, one `layerguard: error:` line on stderr holding `fragments`."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("layerguard: error: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


# --- a project with one finding of each kind ------------------------------------------------

UPWARD = "from app.api import users\n"
ENDPOINT_WITH_FINDINGS = (
    "from app.repositories import user_repo\n"
    "from typing import Optional, Union\n"
    "\n"
    "x: Optional[int] = None\n"
    "y: Union[int, str] = 1\n"
)
MIXED_FILES: dict[str, str | bytes] = {
    "app/api/users.py": ENDPOINT_WITH_FINDINGS,
    "app/services/orders.py": UPWARD,
    "app/repositories/user_repo.py": "",
}
LG102_LINE = (
    "app/api/users.py:1:1: LG102 Layer bypass: endpoint module `app.api.users` imports repository "
    "module `app.repositories.user_repo`; endpoint may import service, schema"
)
LG401_LINE = "app/api/users.py:4:4: LG401 Use `int | None` instead of `Optional[...]`"
LG402_LINE = "app/api/users.py:5:4: LG402 Use `int | str` instead of `Union[...]`"
LG101_LINE = (
    "app/services/orders.py:1:1: LG101 Upward import: service module `app.services.orders` "
    "imports endpoint module `app.api.users`, a higher layer"
)
MIXED_LINES = [LG102_LINE, LG401_LINE, LG402_LINE, LG101_LINE]

OPTIONAL_MODULE = "from typing import Optional\n\nx: Optional[int] = None\n"


def lg401_line(path: str, line: int = 3, column: int = 4) -> str:
    return f"{path}:{line}:{column}: LG401 Use `int | None` instead of `Optional[...]`"


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    return make_project(tmp_path, MIXED_FILES)


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    return make_project(
        tmp_path,
        {
            "app/api/users.py": "from app.services import orders\n\nx: int | None = None\n",
            "app/services/orders.py": "from app.repositories import user_repo\n",
            "app/repositories/user_repo.py": "",
        },
    )


# --- configuration errors (SPEC §3) -----------------------------------------------------------

CONFIG_ERRORS = {
    "unknown-key": (
        '[tool.layerguard]\nselectt = ["LG1"]\n',
        ["pyproject.toml", "[tool.layerguard]", "'selectt'", "'select'"],
    ),
    "unknown-layer-key": (
        '[tool.layerguard.layers.endpoint]\nmodulez = ["app.api.**"]\n',
        [
            "pyproject.toml",
            "[tool.layerguard.layers.endpoint]",
            "'modulez'",
            "'modules'",
            "'may-import'",
        ],
    ),
    "select-not-a-list": (
        '[tool.layerguard]\nselect = "LG1"\n',
        ["pyproject.toml", "'select'", "list", '"LG1"'],
    ),
    "complexity-bool": (
        "[tool.layerguard]\nendpoint-max-complexity = true\n",
        ["pyproject.toml", "'endpoint-max-complexity'", "integer", "true"],
    ),
    "bad-enum": (
        '[tool.layerguard]\nnaming = "camel"\n',
        ["pyproject.toml", "'naming'", '"camel"', '"fortress"', '"snake"', '"off"'],
    ),
    "unknown-code": (
        '[tool.layerguard]\nignore = ["LG999"]\n',
        ["pyproject.toml", "'ignore'", '"LG999"'],
    ),
    "lower-case-code": (
        '[tool.layerguard]\nselect = ["lg101"]\n',
        ["pyproject.toml", "'select'", '"lg101"', '"LG101"'],
    ),
    "may-import-unknown-layer": (
        '[tool.layerguard.layers.endpoint]\nmay-import = ["service", "servise"]\n',
        [
            "pyproject.toml",
            "[tool.layerguard.layers.endpoint]",
            "'may-import'",
            '"servise"',
            "service",
        ],
    ),
    "target-version-too-old": (
        '[tool.layerguard]\ntarget-version = "py39"\n',
        ["pyproject.toml", "'target-version'", '"py39"', '"py310"'],
    ),
    "invalid-toml": (
        "[tool.layerguard]\nselect = [LG1]\n",
        ["pyproject.toml:4:11:", "invalid TOML"],
    ),
}


@pytest.mark.parametrize("config, fragments", CONFIG_ERRORS.values(), ids=CONFIG_ERRORS.keys())
def test_config_error_is_one_line_naming_file_and_key(
    tmp_path: Path, config: str, fragments: list[str]
) -> None:
    root = make_project(tmp_path, MIXED_FILES, config)
    assert_one_line_error(run_cli("check", cwd=root), *fragments)


def test_invalid_toml_in_layerguard_toml(tmp_path: Path) -> None:
    root = make_project(tmp_path, MIXED_FILES, '[tool.layerguard]\nselect = ["LG1"]\n')
    (root / "layerguard.toml").write_text('select = ["LG1"\n', encoding="utf-8")
    line = assert_one_line_error(run_cli("check", cwd=root), "layerguard.toml", "invalid TOML")
    assert "pyproject.toml" not in line


def test_unknown_key_in_layerguard_toml_names_that_file(tmp_path: Path) -> None:
    root = make_project(tmp_path, MIXED_FILES)
    (root / "layerguard.toml").write_text('selectt = ["LG1"]\n', encoding="utf-8")
    assert_one_line_error(run_cli("check", cwd=root), "layerguard.toml", "'selectt'", "'select'")


def test_config_option_pointing_at_a_missing_file(mixed: Path) -> None:
    assert_one_line_error(run_cli("check", "--config", "missing.toml", cwd=mixed), "missing.toml")


def test_config_error_also_stops_rules_command(tmp_path: Path) -> None:
    root = make_project(tmp_path, MIXED_FILES, '[tool.layerguard]\nselectt = ["LG1"]\n')
    assert_one_line_error(run_cli("rules", cwd=root), "pyproject.toml", "'selectt'")


def test_config_file_given_with_config_option_is_validated(mixed: Path) -> None:
    (mixed / "other.toml").write_text('naming = "camel"\n', encoding="utf-8")
    assert_one_line_error(run_cli("check", "--config", "other.toml", cwd=mixed), "other.toml", "'naming'")


# --- usage errors (SPEC §4) -------------------------------------------------------------------


def test_unknown_format(mixed: Path) -> None:
    assert_one_line_error(run_cli("check", "--format", "xml", cwd=mixed), "'xml'", *FORMATS)


def test_path_that_does_not_exist(mixed: Path) -> None:
    assert_one_line_error(run_cli("check", "nope.py", cwd=mixed), "nope.py")


def test_explain_unknown_code(mixed: Path) -> None:
    assert_one_line_error(run_cli("explain", "LG999", cwd=mixed), "LG999")


@pytest.mark.parametrize("flag", ["--select", "--ignore"])
def test_unknown_code_on_command_line(mixed: Path, flag: str) -> None:
    assert_one_line_error(run_cli("check", flag, "LG999", cwd=mixed), flag, '"LG999"')


def test_unknown_option(mixed: Path) -> None:
    result = run_cli("check", "--frobnicate", cwd=mixed)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--frobnicate" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (("check", "--frobnicate"), "usage: layerguard check "),
        (("init", "--bogus"), "usage: layerguard init "),
        (("graph", "--bogus"), "usage: layerguard graph "),
        (("explain",), "usage: layerguard explain "),
        (("rules", "extra"), "usage: layerguard rules "),
    ],
)
def test_a_sub_command_usage_error_shows_that_command_usage(
    mixed: Path, args: tuple[str, ...], usage: str
) -> None:
    """Not the top-level `usage: layerguard [-h] [--version] COMMAND ...`: the user needs the
    options of the command they typed."""
    result = run_cli(*args, cwd=mixed)
    assert result.returncode == 2
    assert result.stderr.startswith(usage), result.stderr
    assert result.stderr.count("layerguard: error:") == 1
    assert "Traceback" not in result.stderr


def test_output_into_missing_folder_creates_it(mixed: Path) -> None:
    """As ruff's --output-file does: the folder is created, the report written there."""
    result = run_cli("check", "--format", "concise", "--output", "no/such/dir/report.txt", cwd=mixed)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert "LG" in (mixed / "no/such/dir/report.txt").read_text()


def test_output_that_cannot_be_written_is_a_usage_error(mixed: Path) -> None:
    (mixed / "taken").write_text("a file, not a folder")
    assert_one_line_error(run_cli("check", "--output", "taken/report.txt", cwd=mixed), "taken/report.txt")


# --- bad input files: LG001, and the run goes on (SPEC §2, §7) -------------------------------


def syntax_error_line(path: str, source: str) -> str:
    """The LG001 line for `source`, at the position `ast` reports (offset is 1-based)."""
    with pytest.raises(SyntaxError) as info:
        ast.parse(source)
    error = info.value
    return f"{path}:{error.lineno}:{error.offset}: LG001 Cannot check this file: SyntaxError: {error.msg}"


UNPARSABLE = {
    "syntax-error": (
        b"x = 1\ndef f(:\n    pass\n",
        syntax_error_line("app/broken.py", "x = 1\ndef f(:\n    pass\n"),
    ),
    # Columns count code points: `)` is the 12th character, the 14th byte.
    "syntax-error-after-non-ascii": (
        "s = 'éé' + )\n".encode(),
        "app/broken.py:1:12: LG001 Cannot check this file: SyntaxError: unmatched ')'",
    ),
    "undecodable-byte-on-line-2": (
        b"x = 1\ny = '\xff'\n",
        "app/broken.py:2:6: LG001 Cannot check this file: cannot decode as utf-8: invalid byte 0xff",
    ),
    "nul-byte": (
        b"x = 1\ny = '\x00'\n",
        "app/broken.py:2:6: LG001 Cannot check this file: source contains a NUL byte",
    ),
}


@pytest.mark.parametrize("content, expected", UNPARSABLE.values(), ids=UNPARSABLE.keys())
def test_unparsable_file_gives_lg001_at_error_position_and_run_goes_on(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    root = make_project(tmp_path, {**MIXED_FILES, "app/broken.py": content})
    code, lines = concise(cwd=root)
    assert code == 1
    assert lines == [LG102_LINE, LG401_LINE, LG402_LINE, expected, LG101_LINE]


def test_undecodable_byte_on_first_line_gives_lg001_and_run_goes_on(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path, {**MIXED_FILES, "app/broken.py": b"x = '\xff'\n"})
    code, lines = concise(cwd=root)
    assert code == 1
    broken = [line for line in lines if line.startswith("app/broken.py:")]
    assert len(broken) == 1
    assert broken[0].startswith("app/broken.py:1:")
    assert " LG001 Cannot check this file: " in broken[0]
    assert [line for line in lines if line not in broken] == MIXED_LINES


def test_undecodable_byte_on_first_line_is_reported_at_the_byte(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app/broken.py": b"x = '\xff'\n"})
    code, lines = concise(cwd=root)
    assert code == 1
    assert lines == [
        "app/broken.py:1:6: LG001 Cannot check this file: cannot decode as utf-8: invalid byte 0xff"
    ]


READABLE = {
    "latin-1-with-cookie": b"# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n",
    "utf-8-bom": b"\xef\xbb\xbfx: int = 1\n",
    "crlf": b"import os\r\n\r\nx: int = 1\r\n",
    "empty": b"",
    "only-bom": b"\xef\xbb\xbf",
}


@pytest.mark.parametrize("content", READABLE.values(), ids=READABLE.keys())
def test_readable_file_gives_no_lg001(tmp_path: Path, content: bytes) -> None:
    root = make_project(tmp_path, {**MIXED_FILES, "app/fine.py": content})
    code, lines = concise(cwd=root)
    assert code == 1
    assert lines == MIXED_LINES


POSITIONS = {
    # A BOM is not a column of line 1; CRLF is one line break; a cookie's encoding is honoured.
    "utf-8-bom": (
        b"\xef\xbb\xbf" + OPTIONAL_MODULE.encode(),
        lg401_line("app/fine.py"),
    ),
    "crlf": (OPTIONAL_MODULE.replace("\n", "\r\n").encode(), lg401_line("app/fine.py")),
    "latin-1-cookie": (
        b"# -*- coding: latin-1 -*-\nfrom typing import Optional\ns = 'caf\xe9'; x: Optional[int] = None\n",
        lg401_line("app/fine.py", 3, 16),
    ),
    "non-ascii-before": (
        "from typing import Optional\nt = 'é'; x: Optional[int] = None\n".encode(),
        lg401_line("app/fine.py", 2, 13),
    ),
}


@pytest.mark.parametrize("content, expected", POSITIONS.values(), ids=POSITIONS.keys())
def test_findings_in_unusual_files_have_code_point_positions(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    root = make_project(tmp_path, {"app/fine.py": content})
    assert concise(cwd=root) == (1, [expected])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_name_that_is_not_utf8_is_reported_in_valid_utf8(tmp_path: Path, fmt: str) -> None:
    """Linux allows any bytes in a name: the name is shown with U+FFFD, as ruff shows it, and
    SARIF's URI keeps the exact bytes, %-encoded."""
    root = make_project(tmp_path, {"app/fine.py": "x = 1\n"})
    (root / "app").joinpath(os.fsdecode(b"caf\xe9.py")).write_bytes(
        b"from typing import Optional\nx: Optional[int] = None\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "layerguard", "check", "--format", fmt],
        cwd=root,
        env=cli_env(),
        capture_output=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (1, b"")
    out = result.stdout.decode("utf-8")  # strict: raises on invalid UTF-8
    if fmt == "sarif":
        [location] = json.loads(out)["runs"][0]["results"][0]["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "app/caf%E9.py"
    else:
        assert "caf\ufffd.py" in out
    if fmt == "json":
        assert json.loads(out)[0]["path"] == "app/caf\ufffd.py"


LINE_SEPARATORS_IN_LINES = {
    "form-feed-line": "from typing import Optional\n\x0c\nt = 'é'; x: Optional[int] = None\n",
    "u2028-in-string": "from typing import Optional\ns = 'a\u2028b'\nt = 'é'; x: Optional[int] = None\n",
}


@pytest.mark.parametrize("source", LINE_SEPARATORS_IN_LINES.values(), ids=LINE_SEPARATORS_IN_LINES.keys())
def test_columns_after_a_line_with_a_form_feed_or_line_separator(tmp_path: Path, source: str) -> None:
    root = make_project(tmp_path, {"app/fine.py": source})
    assert concise(cwd=root) == (1, [lg401_line("app/fine.py", 3, 13)])


NEWER_SYNTAX = {
    "pep695": "type Alias = list[int]\n\n\ndef f[T](x: T) -> T:\n    return x\n",
    "pep701": 'd = {"k": 1}\ns = f"{d["k"]}"\n',
}


@pytest.mark.parametrize("source", NEWER_SYNTAX.values(), ids=NEWER_SYNTAX.keys())
def test_newer_syntax_is_parsed_not_lg001(tmp_path: Path, source: str) -> None:
    root = make_project(tmp_path, {**MIXED_FILES, "app/newer.py": source})
    assert concise(cwd=root) == (1, MIXED_LINES)


def test_newer_syntax_file_still_yields_its_facts(tmp_path: Path) -> None:
    """A file parsed by the fallback still has its imports and typing subscripts checked."""
    source = UPWARD + "from typing import Optional\n\ntype Alias = Optional[int]\n"
    root = make_project(tmp_path, {"app/api/users.py": "", "app/services/orders.py": source})
    assert concise(cwd=root) == (
        1,
        [LG101_LINE, lg401_line("app/services/orders.py", 4, 14)],
    )


# --- exit codes -----------------------------------------------------------------------------------


def test_clean_project_exits_0_and_says_all_checks_passed(clean: Path) -> None:
    result = run_cli("check", cwd=clean)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("All checks passed!"), result.stdout
    assert "(7 files checked)" in result.stdout


def test_findings_exit_1(mixed: Path) -> None:
    result = run_cli("check", cwd=mixed)
    assert result.returncode == 1
    assert result.stderr == ""
    assert result.stdout.splitlines()[-2] == "Found 4 findings (4 errors) in 2 files. 2 fixable with `--fix`."
    assert result.stdout.splitlines()[-1].startswith("Most frequent: ")


def test_exit_zero_with_findings(mixed: Path) -> None:
    code, lines = concise("--exit-zero", cwd=mixed)
    assert code == 0
    assert lines == MIXED_LINES


def test_clean_project_concise_prints_nothing(clean: Path) -> None:
    assert concise(cwd=clean) == (0, [])


# --- --select / --ignore ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--select", "LG401"], [LG401_LINE]),
        (["--ignore", "LG4"], [LG102_LINE, LG101_LINE]),
        (["--select", "LG1,LG401"], [LG102_LINE, LG401_LINE, LG101_LINE]),
        (
            ["--select", "LG1", "--select", "LG401"],
            [LG102_LINE, LG401_LINE, LG101_LINE],
        ),
        (["--select", "LG1", "--ignore", "LG102"], [LG101_LINE]),
    ],
    ids=[
        "select-one",
        "ignore-prefix",
        "select-comma",
        "select-repeated",
        "select-and-ignore",
    ],
)
def test_select_and_ignore(mixed: Path, args: list[str], expected: list[str]) -> None:
    assert concise(*args, cwd=mixed) == (1, expected)


def test_select_on_command_line_replaces_config_select(tmp_path: Path) -> None:
    root = make_project(tmp_path, MIXED_FILES, '[tool.layerguard]\nselect = ["LG1"]\n')
    assert concise(cwd=root) == (1, [LG102_LINE, LG101_LINE])
    assert concise("--select", "LG402", cwd=root) == (1, [LG402_LINE])


# --- --output, --statistics ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_file_gets_the_report_and_stdout_nothing(mixed: Path, fmt: str) -> None:
    expected = run_cli("check", "--format", fmt, cwd=mixed)
    result = run_cli("check", "--format", fmt, "--output", "report.out", cwd=mixed)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == ""
    assert (mixed / "report.out").read_text(encoding="utf-8") == expected.stdout
    assert expected.stdout


def test_statistics_adds_counts_per_code(tmp_path: Path) -> None:
    files = {**MIXED_FILES, "app/other.py": OPTIONAL_MODULE}
    root = make_project(tmp_path, files)
    code, lines = concise("--statistics", cwd=root)
    assert code == 1
    assert lines[-4:] == [
        "2  LG401  optional-annotation",
        "1  LG101  upward-import",
        "1  LG102  layer-bypass",
        "1  LG402  union-annotation",
    ]
    assert len(lines) == 5 + 4


def test_statistics_in_text_format(mixed: Path) -> None:
    result = run_cli("check", "--statistics", cwd=mixed)
    assert result.returncode == 1
    out = result.stdout.splitlines()
    for row in (
        "1  LG101  upward-import",
        "1  LG102  layer-bypass",
        "1  LG401  optional-annotation",
    ):
        assert row in out
    assert "1  LG402  union-annotation" in out
    plain = run_cli("check", cwd=mixed).stdout.splitlines()
    assert not any("  LG101  upward-import" in line for line in plain)


# --- suppression: noqa comments and per-file-ignores -------------------------------------------------


def unused_noqa_lines(path: str, source: str, unused: str) -> list[str]:
    """The LG002 finding for the noqa comment of `source` whose `unused` codes silence nothing."""
    if not unused:
        return []
    number, line = next((n, text) for n, text in enumerate(source.splitlines(), 1) if "# noqa" in text)
    names = ", ".join(f"`{code}`" for code in unused.split(","))
    where = f"{path}:{number}:{line.index('#') + 1}"
    return [f"{where}: LG002 Unused `noqa` directive (suppresses nothing: {names})"]


# `unused`: the codes of the comment that silence nothing, which LG002 reports (issue 14).
@pytest.mark.parametrize(
    "comment, suppressed, unused",
    [
        ("  # noqa", True, ""),
        ("  # noqa: LG401", True, ""),
        ("  # noqa:LG401", True, ""),
        ("  # NOQA: LG4", True, ""),
        ("  # noqa: LG101, LG401", True, "LG101"),
        ("  # noqa: LG402", False, "LG402"),
        ("  # noqa: LG1", False, "LG1"),
    ],
)
def test_noqa_on_the_line(tmp_path: Path, comment: str, suppressed: bool, unused: str) -> None:
    source = OPTIONAL_MODULE.rstrip("\n") + comment + "\n"
    root = make_project(tmp_path, {"app/mod.py": source})
    expected = [] if suppressed else [lg401_line("app/mod.py")]
    expected += unused_noqa_lines("app/mod.py", source, unused)
    assert concise(cwd=root) == (1 if expected else 0, expected)


MULTILINE_UPWARD = "from app.api import (\n    users,{first}\n    items,{second}\n){last}\n"


def upward_lines(importer: str, targets: list[str]) -> list[str]:
    module = importer.removesuffix(".py").replace("/", ".")
    return [
        f"{importer}:1:1: LG101 Upward import: service module `{module}` imports endpoint module "
        f"`app.api.{target}`, a higher layer"
        for target in targets
    ]


@pytest.mark.parametrize(
    "first, second, last, reported",
    [
        ("", "", "", ["items", "users"]),
        ("  # noqa: LG101", "", "", []),
        ("", "  # noqa", "", []),
        ("", "", "  # noqa: LG1", []),
        ("  # noqa: LG401", "", "", ["items", "users"]),
    ],
    ids=[
        "no-noqa",
        "code-on-second-line",
        "bare-on-third-line",
        "prefix-on-last-line",
        "other-code",
    ],
)
def test_noqa_on_any_line_of_a_multiline_import(
    tmp_path: Path, first: str, second: str, last: str, reported: list[str]
) -> None:
    source = MULTILINE_UPWARD.format(first=first, second=second, last=last)
    root = make_project(
        tmp_path,
        {
            "app/api/users.py": "",
            "app/api/items.py": "",
            "app/services/orders.py": source,
        },
    )
    expected = upward_lines("app/services/orders.py", reported)
    if "LG401" in first:  # a code of a rule that ran and found nothing there: LG002
        expected += unused_noqa_lines("app/services/orders.py", source, "LG401")
    assert concise(cwd=root) == (1 if expected else 0, expected)


def test_noqa_on_a_function_body_line_does_not_cover_the_whole_function(
    tmp_path: Path,
) -> None:
    source = (
        "from typing import Optional\n\n\ndef f() -> None:\n    x: Optional[int] = None\n    y = 1  # noqa\n"
    )
    root = make_project(tmp_path, {"app/mod.py": source})
    assert concise(cwd=root) == (1, [lg401_line("app/mod.py", 5, 8)])


@pytest.mark.parametrize(
    "before",
    ["\x0c\n", "s = 'a\u2028b'\n"],
    ids=["form-feed-line", "u2028-in-string"],
)
def test_noqa_after_a_form_feed_or_line_separator(tmp_path: Path, before: str) -> None:
    source = "from typing import Optional\n" + before + "x: Optional[int] = None  # noqa\n"
    root = make_project(tmp_path, {"app/mod.py": source})
    assert concise(cwd=root) == (0, [])


def test_per_file_ignores(tmp_path: Path) -> None:
    files = {**MIXED_FILES, "app/other.py": OPTIONAL_MODULE}
    config = '[tool.layerguard]\nper-file-ignores = { "app/api/*.py" = ["LG401", "LG1"] }\n'
    root = make_project(tmp_path, files, config)
    assert concise(cwd=root) == (
        1,
        [LG402_LINE, lg401_line("app/other.py"), LG101_LINE],
    )


# --- check FILES, as pre-commit passes them ------------------------------------------------------


def test_check_one_file_reports_project_findings_located_in_it(mixed: Path) -> None:
    """The service file alone still sees that `app.api.users` is an endpoint module."""
    assert concise("app/services/orders.py", cwd=mixed) == (1, [LG101_LINE])


def test_check_files_gives_the_full_runs_answer_for_those_files(mixed: Path) -> None:
    code, lines = concise("app/api/users.py", "app/repositories/user_repo.py", cwd=mixed)
    assert code == 1
    assert lines == [
        line for line in MIXED_LINES if line.startswith(("app/api/users.py:", "app/repositories/"))
    ]


def test_check_clean_file_of_a_dirty_project(mixed: Path) -> None:
    assert concise("app/repositories/user_repo.py", cwd=mixed) == (0, [])


def test_check_folder(mixed: Path) -> None:
    assert concise("app/services", cwd=mixed) == (1, [LG101_LINE])


def test_check_file_from_outside_the_project_folder(mixed: Path) -> None:
    """Paths in the output are relative to the current folder, the config is found upward."""
    code, lines = concise("proj/app/services/orders.py", cwd=mixed.parent)
    assert (code, lines) == (1, ["proj/" + LG101_LINE])


@pytest.mark.parametrize(
    "path, config",
    [
        ("app/tests/test_users.py", ""),
        ("scripts/seed.py", '[tool.layerguard]\nextend-exclude = ["scripts/**"]\n'),
    ],
    ids=["default-exclude", "extend-exclude"],
)
def test_excluded_file_named_explicitly_is_not_reported(tmp_path: Path, path: str, config: str) -> None:
    root = make_project(tmp_path, {**MIXED_FILES, path: OPTIONAL_MODULE}, config)
    assert concise(path, cwd=root) == (0, [])
    code, lines = concise(cwd=root)
    assert (code, lines) == (1, MIXED_LINES)


# --- colour -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("no_color", [None, "1"])
def test_text_output_to_a_pipe_has_no_ansi_codes(mixed: Path, no_color: str | None) -> None:
    env = cli_env() if no_color is None else cli_env(NO_COLOR=no_color)
    result = run_cli("check", cwd=mixed, env=env)
    assert result.returncode == 1
    assert "\x1b" not in result.stdout
    assert "LG101" in result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_text_output_on_a_terminal_is_coloured_unless_no_color(mixed: Path) -> None:
    code, coloured = run_in_pty("check", cwd=mixed, env=cli_env(TERM="xterm"))
    assert code == 1
    assert "\x1b[" in coloured
    code, plain = run_in_pty("check", cwd=mixed, env=cli_env(TERM="xterm", NO_COLOR="1"))
    assert code == 1
    assert "\x1b" not in plain
    assert "LG101" in plain


# --- help, version, rules, explain -----------------------------------------------------------------


def help_text(*args: str, cwd: Path) -> str:
    result = run_cli(*args, cwd=cwd, env=cli_env(COLUMNS="200"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_check_help_names_formats_and_exit_codes(tmp_path: Path, flag: str) -> None:
    out = help_text("check", flag, cwd=tmp_path)
    for name in FORMATS:
        assert name in out
    for fragment in ("Exit 0", "1: findings", "2: usage"):
        assert fragment in out
    for option in (
        "--format",
        "--output",
        "--select",
        "--ignore",
        "--config",
        "--exit-zero",
        "--statistics",
    ):
        assert option in out


def test_top_level_help_lists_commands_and_exit_codes(tmp_path: Path) -> None:
    out = help_text("--help", cwd=tmp_path)
    for command in ("check", "rules", "explain"):
        assert command in out
    for fragment in ("Exit 0", "1: findings", "2: usage"):
        assert fragment in out


def test_top_level_help_names_formats(tmp_path: Path) -> None:
    out = help_text("--help", cwd=tmp_path)
    for name in FORMATS:
        assert name in out, name


def test_top_level_help_names_the_config_table(tmp_path: Path) -> None:
    out = help_text("--help", cwd=tmp_path)
    assert "[tool.layerguard]" in out


def test_version(tmp_path: Path) -> None:
    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"layerguard {version('layerguard')}\n"


RULE_ROW = re.compile(r"^\s*(LG\d{3})\s+(\S+)\s+(\S+)\s+(\S+)")


def rule_rows(stdout: str) -> dict[str, list[str]]:
    """code -> [code, name, severity, on] for each row of `layerguard rules`."""
    return {m[1]: list(m.groups()) for m in map(RULE_ROW.match, stdout.splitlines()) if m}


def test_rules_lists_every_code(mixed: Path) -> None:
    from layerguard.checks import ALL_METAS

    result = run_cli("rules", cwd=mixed)
    assert result.returncode == 0, result.stderr
    rows = rule_rows(result.stdout)
    assert list(rows) == [meta.code for meta in ALL_METAS]
    for meta in ALL_METAS:
        assert rows[meta.code][1:] == [
            meta.name,
            meta.severity.value,
            "no:" if meta.requires_setting else ("opt-in" if meta.opt_in else "yes"),
        ]


def test_rules_shows_what_the_config_turns_off(tmp_path: Path) -> None:
    root = make_project(tmp_path, MIXED_FILES, '[tool.layerguard]\nignore = ["LG4"]\n')
    result = run_cli("rules", cwd=root)
    assert result.returncode == 0, result.stderr
    on = {code: row[3] for code, row in rule_rows(result.stdout).items()}
    assert on["LG101"] == "yes"
    assert on["LG401"] == "no"
    assert on["LG402"] == "no"


@pytest.mark.parametrize("name", ["LG101", "upward-import", "lg101"])
def test_explain_prints_the_card(tmp_path: Path, name: str) -> None:
    result = run_cli("explain", name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# LG101 upward-import\n")
    assert result.stdout == (REPO / "rules" / "LG101-upward-import.md").read_text(encoding="utf-8")


# --- library entry point ------------------------------------------------------------------------


def test_library_check_matches_cli_concise_output(mixed: Path) -> None:
    from layerguard import check
    from layerguard.model import Report

    report = check([mixed])
    assert isinstance(report, Report)
    as_lines = [
        f"{f.path.relative_to(mixed).as_posix()}:{f.line}:{f.column + 1}: {f.code} {f.message}"
        for f in report.findings
    ]
    assert as_lines == concise(cwd=mixed)[1] == MIXED_LINES


def test_library_check_of_one_file(mixed: Path) -> None:
    from layerguard import check

    report = check([mixed / "app" / "services" / "orders.py"])
    assert [(f.code, f.line, f.column) for f in report.findings] == [("LG101", 1, 0)]


# --- static only (SPEC §7) -------------------------------------------------------------------------


@pytest.mark.parametrize("with_finding", [True, False], ids=["findings", "clean"])
def test_checked_project_is_never_imported(tmp_path: Path, with_finding: bool) -> None:
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text("still here", encoding="utf-8")
    explode = f'import os\n\nos.remove({str(sentinel)!r})\nraise SystemExit("imported!")\n'
    files: dict[str, str | bytes] = {
        "app/__init__.py": explode,
        "app/api/__init__.py": explode,
        "app/api/users.py": explode,
        "app/services/orders.py": (UPWARD if with_finding else "") + 'raise SystemExit("imported!")\n',
        "app/main.py": explode,
        "conftest.py": explode,
        "setup.py": explode,
    }
    root = make_project(tmp_path, files)
    result = run_cli("check", "--format", "concise", cwd=root)
    assert sentinel.exists()
    assert "imported!" not in result.stdout + result.stderr
    assert result.stderr == ""
    if with_finding:
        assert (result.returncode, result.stdout.splitlines()) == (1, [LG101_LINE])
    else:
        assert (result.returncode, result.stdout) == (0, "")


# --- a first run that guides (issue 14) ----------------------------------------------------------


def test_a_project_without_settings_is_told_about_init(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "app" / "api").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "proj"\n', encoding="utf-8")
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "api" / "__init__.py").write_text("x: int | None = None\n")
    result = run_cli("check", cwd=root)
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    assert "no [tool.layerguard] settings found" in line and "layerguard init" in line
    (root / "pyproject.toml").write_text('[project]\nname = "proj"\n\n[tool.layerguard]\n')
    assert run_cli("check", cwd=root).stderr == ""


def test_a_folder_in_no_project_is_said_to_be_in_none(tmp_path: Path) -> None:
    """`cd / && layerguard check` must not look like a normal run: no settings file and no
    repository above the folder."""
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "tool.py").write_text("x: int | None = None\n")
    result = run_cli("check", cwd=loose)
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("layerguard: warning: ") and "is in no project" in line


def test_no_python_files_is_an_error_not_a_green_gate(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"docs/readme.md": "text"}, "[tool.layerguard]\n")
    for args in (("check",), ("check", "docs"), ("check", "docs", "--format", "json")):
        result = run_cli(*args, cwd=root)
        assert result.returncode == 2, (args, result.stderr)
        assert "no Python files to check" in result.stderr


def test_files_named_one_by_one_that_are_all_excluded_are_a_clean_run(tmp_path: Path) -> None:
    """pre-commit passes the staged files: staging only a migration must not fail the hook."""
    root = make_project(
        tmp_path, {"app/migrations/0001_init.py": "x: Optional[int] = None\n"}, "[tool.layerguard]\n"
    )
    result = run_cli("check", "app/migrations/0001_init.py", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_a_config_file_kept_outside_the_project_leaves_the_root_where_the_project_is(tmp_path: Path) -> None:
    """`--config ~/team/layerguard.toml` is shared settings: the project root, which the
    excludes and the layer globs are relative to, still comes from the checked paths."""
    root = make_project(
        tmp_path,
        {
            "app/services/orders.py": "from app.api import users\n",
            "app/api/users.py": "",
            "app/migrations/0001_init.py": "from typing import Optional\nx: Optional[int] = None\n",
        },
    )
    shared = tmp_path / "team"
    shared.mkdir()
    (shared / "layerguard.toml").write_text('extend-ignore = ["LG401"]\nnaming = "off"\n', encoding="utf-8")
    for cwd, target in ((root, "."), (tmp_path, "proj")):
        result = run_cli(
            "check", target, "--config", shared / "layerguard.toml", "--format", "concise", cwd=cwd
        )
        assert result.returncode == 1, result.stderr
        lines = result.stdout.splitlines()
        assert [line.split(" ")[1] for line in lines] == ["LG101"], lines
        assert "migrations" not in result.stdout


def test_statistics_in_json_are_the_counts_per_rule(mixed: Path) -> None:
    """As ruff's `--statistics --output-format json`: a list of code, name, count, fixable."""
    result = run_cli("check", "--statistics", "--format", "json", cwd=mixed)
    assert result.returncode == 1, result.stderr
    rows = json.loads(result.stdout)
    assert {row["code"]: row["count"] for row in rows} == dict(
        Counter(line.split(" ")[1] for line in MIXED_LINES)
    )
    assert all(set(row) == {"code", "name", "count", "fixable"} for row in rows)
    assert next(row for row in rows if row["code"] == "LG401")["fixable"] is True


@pytest.mark.parametrize("fmt", ["sarif", "github"])
def test_statistics_are_refused_where_the_format_has_no_place_for_them(mixed: Path, fmt: str) -> None:
    result = run_cli("check", "--statistics", "--format", fmt, cwd=mixed)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"layerguard: error: --statistics does not go with --format {fmt}")


def test_show_settings_prints_the_effective_settings_as_toml_that_loads_back(tmp_path: Path) -> None:
    """ruff's `--show-settings`: what the run would use, and where it came from. The output is a
    valid section that gives the same configuration when copied into a pyproject.toml."""
    from dataclasses import replace as replaced

    from layerguard.api import load_config

    settings = (
        '[tool.layerguard]\nextend-ignore = ["LG105"]\nnaming = "snake"\n'
        '[tool.layerguard.per-file-ignores]\n"app/legacy/*" = ["LG4"]\n'
        '[tool.layerguard.layers.endpoint]\nmodules = ["app.web.**"]\nmay-import = ["service"]\n'
    )
    root = make_project(tmp_path, {"app/web/users.py": ""}, settings)
    result = run_cli("check", "--show-settings", "--select", "LG1,LG4", cwd=root)
    assert result.returncode == 0, result.stderr
    assert f"from {root / 'pyproject.toml'}" in result.stdout
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "pyproject.toml").write_text(result.stdout, encoding="utf-8")
    expected = load_config([root], select=["LG1", "LG4"])
    loaded = load_config([copy])
    assert replaced(loaded, root=root, source=expected.source) == expected


@pytest.mark.parametrize(
    ("settings", "shown"), [("", "count"), ('type-checking-imports = "ignore"\n', "ignore")]
)
def test_show_settings_says_whether_type_only_imports_count(
    tmp_path: Path, settings: str, shown: str
) -> None:
    root = make_project(tmp_path, {"app/x.py": ""}, "[tool.layerguard]\n" + settings)
    result = run_cli("check", "--show-settings", cwd=root)
    assert result.returncode == 0, result.stderr
    assert f'\ntype-checking-imports = "{shown}"\n' in result.stdout


def test_show_settings_round_trips_a_replaced_exclude(tmp_path: Path) -> None:
    from dataclasses import replace as replaced

    from layerguard.api import load_config

    root = make_project(tmp_path, {"app/x.py": ""}, '[tool.layerguard]\nexclude = ["app/gen/**"]\n')
    result = run_cli("check", "--show-settings", cwd=root)
    assert result.returncode == 0, result.stderr
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "pyproject.toml").write_text(result.stdout, encoding="utf-8")
    expected = load_config([root])
    assert expected.build_outputs == ()
    assert replaced(load_config([copy]), root=root, source=expected.source) == expected


def _stderr_on_a_terminal(*args: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """`layerguard ARGS` with stderr on a pseudo-terminal, stdout captured."""
    import os
    import pty
    import subprocess
    import sys

    main, secondary = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "layerguard", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=secondary,
            env=env,
        )
    finally:
        os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.stdout is not None
    out = process.stdout.read().decode()
    return process.wait(timeout=120), out, b"".join(chunks).decode("utf-8", "replace")


def test_a_long_run_shows_progress_on_a_terminal_and_erases_it(mixed: Path) -> None:
    """`cd / && layerguard check` must not look hung; the line is gone when the report comes."""
    env = cli_env(LAYERGUARD_PROGRESS_DELAY="0", TERM="xterm")
    code, out, err = _stderr_on_a_terminal("check", "--no-cache", "--format", "concise", cwd=mixed, env=env)
    assert code == 1
    assert out.splitlines() == MIXED_LINES
    assert f"\rlayerguard: checking {mixed}" in err
    assert err.endswith("\r\x1b[K")


def test_no_progress_when_stderr_is_not_a_terminal(mixed: Path) -> None:
    result = run_cli("check", "--no-cache", cwd=mixed, env=cli_env(LAYERGUARD_PROGRESS_DELAY="0"))
    assert result.returncode == 1
    assert result.stderr == ""
