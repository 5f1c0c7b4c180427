"""Issue 13, patterns 1-3: layers from what an import brings in, model modules by their content,
wiring by name and by content (SPEC §1, "What an import brings in"), through the real CLI.

Each fixture under tests/fixtures/symbol_layers marks every expected finding with a trailing
`# error: [LGxxx]` comment (tests/markers.py); every other line must stay clean.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from cli_runner import run_cli
from markers import assert_findings_match, expected_findings, read_tree

from layerguard.model import Finding, Severity

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "symbol_layers"
PATTERNS = [
    "mixed_models",
    "non_orm_models",
    "provider_packages",
    "neutral_kinds",
    "must_stay",
    "type_only_imports",
    "protocol_attributes",
    "type_aliases",
    "protocol_subclasses",
    "table_bases",
    "shadowed_submodules",
    "module_imports",
]
CODES = "LG101,LG102,LG103,LG106"
# The type-only fixture marks what `type-checking-imports = "ignore"` leaves (the default counts them).
PATTERN_SETTINGS = {"type_only_imports": 'type-checking-imports = "ignore"\n'}


def copy(name: str, tmp_path: Path, settings: str = "") -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    if settings:
        pyproject = root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + "\n[tool.layerguard]\n" + settings)
    return root


def check(root: Path, *args: str) -> tuple[int, list[Finding]]:
    """The exit code and findings of `layerguard check` on `root`, read from its JSON output."""
    result = run_cli("check", ".", "--select", CODES, "--format", "json", "--no-cache", *args, cwd=root)
    assert result.returncode in (0, 1), result.stderr
    findings = [
        Finding(
            path=Path(item["path"]),
            line=item["line"],
            column=item["column"] - 1,
            end_line=item["end_line"],
            end_column=item["end_column"] - 1,
            code=item["code"],
            name=item["name"],
            severity=Severity(item["severity"]),
            message=item["message"],
        )
        for item in json.loads(result.stdout)
    ]
    return result.returncode, findings


@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_pattern_gets_exactly_the_marked_findings(pattern: str, tmp_path: Path) -> None:
    root = copy(pattern, tmp_path, PATTERN_SETTINGS.get(pattern, ""))
    files = read_tree(root)
    assert expected_findings(files), "the fixture marks no finding"
    code, findings = check(root)
    assert code == 1
    assert_findings_match(findings, files)


def test_neutral_kinds_are_findings_when_configured_away(tmp_path: Path) -> None:
    """`neutral-kinds = []`: every upward import of an enum, constant ... is an LG101."""
    root = copy("neutral_kinds", tmp_path, "neutral-kinds = []\n")
    service = root / "app/services/items.py"
    source = service.read_text()
    assert source.count("  # neutral: ") == 8
    lines = [
        line.split("  # neutral: ")[0] + "  # error: [LG101]" if "# neutral: " in line else line
        for line in source.splitlines()
    ]
    service.write_text("\n".join(lines) + "\n")
    _, findings = check(root)
    assert_findings_match(findings, read_tree(root))


@pytest.mark.parametrize("settings", ["", 'type-checking-imports = "count"\n'])
def test_type_only_imports_are_findings_when_counted(tmp_path: Path, settings: str) -> None:
    """`type-checking-imports = "count"`, the default: imports used only as types (annotations,
    `if TYPE_CHECKING:`, `Annotated`'s type, string annotations) are LG101/LG102 as any import."""
    root = copy("type_only_imports", tmp_path, settings)
    marked = 0
    for path in (root / "app/api/routes/users.py", root / "app/services/reports.py"):
        source = path.read_text()
        marked += source.count("  # type-only: ")
        path.write_text(re.sub(r"  # type-only: (LG10\d)$", r"  # error: [\1]", source, flags=re.M))
    assert marked == 3
    _, findings = check(root)
    assert_findings_match(findings, read_tree(root))


def test_one_neutral_kind_can_be_left_out(tmp_path: Path) -> None:
    """Only the kinds listed are neutral: without "exception", importing one upward is LG101."""
    kinds = '["enum", "constant", "type-alias", "newtype", "typevar", "protocol"]'
    root = copy("neutral_kinds", tmp_path, f"neutral-kinds = {kinds}\n")
    _, findings = check(root)
    lines = sorted((f.path.as_posix(), f.line) for f in findings)
    exception = next(
        n
        for n, text in enumerate((root / "app/services/items.py").read_text().splitlines(), 1)
        if text.endswith("# neutral: exception")
    )
    assert lines == sorted([("app/services/items.py", n) for n in (exception, 9, 10)])


def test_messages_name_the_imported_symbol_and_its_kind(tmp_path: Path) -> None:
    _, findings = check(copy("must_stay", tmp_path))
    messages = {(f.path.as_posix(), f.line): f.message for f in findings}
    route = "Layer bypass: endpoint module `app.api.routes.users` imports "
    may = "; endpoint may import service, schema"
    assert (
        messages[("app/api/routes/users.py", 3)]
        == route + "model table `audit_log` from `app.db.tables`" + may
    )
    assert messages[("app/api/routes/users.py", 4)] == (
        route + "model class `User` from `app.models` (defined in `app.models.user`)" + may
    )
    assert messages[("app/repositories/users.py", 2)] == (
        "Upward import: repository module `app.repositories.users` imports service function "
        "`hash_password` from `app.services.users`, a higher layer"
    )
    assert messages[("app/services/users.py", 2)] == (
        "Upward import: service module `app.services.users` imports endpoint module "
        "`app.api.routes.users`, a higher layer"
    )


def test_the_graph_counts_what_imports_bring_in(tmp_path: Path) -> None:
    """`graph` sees the refined layers: the four table imports and the dataclass with methods,
    not the Pydantic models or the data classes."""
    result = run_cli("graph", ".", cwd=copy("mixed_models", tmp_path))
    assert result.returncode == 0, result.stderr
    assert 'L0 -->|"5 violations"| L4' in result.stdout
    assert 'L4 -->|"1 violation"| L3' in result.stdout


@pytest.mark.parametrize(
    ("value", "shown"),
    [('["enum", "dataclass"]', '"dataclass"'), ('["Enum"]', '"Enum"'), ('["function"]', '"function"')],
)
def test_an_unknown_neutral_kind_is_a_config_error(tmp_path: Path, value: str, shown: str) -> None:
    root = copy("neutral_kinds", tmp_path, f"neutral-kinds = {value}\n")
    result = run_cli("check", ".", "--no-cache", cwd=root)
    assert result.returncode == 2
    assert result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(
        "layerguard: error: pyproject.toml: [tool.layerguard] 'neutral-kinds' has " + shown
    )
    assert '"enum", "constant", "type-alias", "newtype", "typevar", "exception", "protocol"' in message


def test_neutral_kinds_must_be_a_list_of_strings(tmp_path: Path) -> None:
    root = copy("neutral_kinds", tmp_path, 'neutral-kinds = "enum"\n')
    result = run_cli("check", ".", "--no-cache", cwd=root)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "layerguard: error: pyproject.toml: [tool.layerguard] 'neutral-kinds' must be a list of non-empty "
        "strings, "
        'got a string "enum"'
    )
