"""`layerguard init` as a user runs it: print, `--write`, `--force`, and the exit codes
(0, also for a project it cannot classify; 2 for usage errors)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from cli_runner import run_cli

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "init_src_layout"


def project(tmp_path: Path) -> Path:
    root = tmp_path / "ledger"
    shutil.copytree(FIXTURE, root)
    return root


def test_prints_the_section_and_touches_nothing(tmp_path: Path) -> None:
    root = project(tmp_path)
    before = (root / "pyproject.toml").read_bytes()
    result = run_cli("init", cwd=root / "src" / "ledger")  # the root is found upward
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[tool.layerguard]\n")
    assert '"ledger.handlers.**",  # 2 modules with route handlers' in result.stdout
    assert (root / "pyproject.toml").read_bytes() == before
    assert not (root / ".layerguard_cache").exists()


def test_write_appends_force_replaces_and_check_reads_it(tmp_path: Path) -> None:
    root = project(tmp_path)
    pyproject = root / "pyproject.toml"
    before = pyproject.read_text()

    written = run_cli("init", "--write", cwd=root)
    assert written.returncode == 0, written.stderr
    assert pyproject.read_text() == before + "\n" + written.stdout
    assert "wrote this section to" in written.stderr

    refused = run_cli("init", "--write", cwd=root)
    assert refused.returncode == 2
    assert "already has a [tool.layerguard] section; pass --force" in refused.stderr
    assert pyproject.read_text() == before + "\n" + written.stdout

    pyproject.write_text(pyproject.read_text() + "\n[tool.layerguard.layers.service]\nmodules = ['x.**']\n")
    forced = run_cli("init", "--write", "--force", cwd=root)
    assert forced.returncode == 0, forced.stderr
    assert pyproject.read_text() == before + "\n" + written.stdout
    assert tomllib.loads(pyproject.read_text())["tool"]["ruff"] == {"line-length": 100}

    checked = run_cli("check", "--format", "concise", "--no-cache", cwd=root)
    assert checked.returncode == 1
    assert [line.split(" ")[1] for line in checked.stdout.splitlines()] == ["LG102", "LG104", "LG801"]


def test_write_creates_a_missing_pyproject(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    result = run_cli("init", "--write", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pyproject.toml").read_text() == result.stdout
    assert 'target-version = "py310"' in result.stdout


def test_a_project_it_cannot_classify_exits_0_with_guidance(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "tool"\n')
    (tmp_path / "tool.py").write_text("def main() -> None: ...\n")
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "It could not" in result.stdout
    assert "To fill in:" in result.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    root = project(tmp_path)
    force_alone = run_cli("init", "--force", cwd=root)
    assert force_alone.returncode == 2
    assert "--force only applies with --write" in force_alone.stderr

    missing = run_cli("init", tmp_path / "nowhere", cwd=root)
    assert missing.returncode == 2
    assert "no such folder" in missing.stderr

    (root / "layerguard.toml").write_text('naming = "off"\n')
    own_file = run_cli("init", "--write", "--force", cwd=root)
    assert own_file.returncode == 2
    assert "layerguard.toml configures this project" in own_file.stderr


def test_an_edit_that_would_change_the_rest_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool]\nlayerguard.naming = "off"\n')
    before = pyproject.read_text()
    result = run_cli("init", "--write", "--force", cwd=root)
    assert result.returncode == 2
    assert "edit the file by hand" in result.stderr
    assert pyproject.read_text() == before
