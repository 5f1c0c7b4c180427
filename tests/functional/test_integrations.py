"""The real flake8 with the plugin, and the real pre-commit with the hook."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "tests" / "fixtures" / "fortress_app"


def run(
    args: list[str], cwd: Path, stdin: str | None = None, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """A copy of the fixture app: both tools write layerguard's cache where they run."""
    copy = tmp_path / "fortress_app"
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns(".layerguard_cache"))
    return copy


def layerguard_concise(app: Path, *paths: str) -> list[str]:
    result = run([sys.executable, "-m", "layerguard", "check", "--format", "concise", *paths], cwd=app)
    return [line for line in result.stdout.splitlines() if ": LG001 " not in line]


def test_flake8_shows_the_same_findings_as_concise_output(app: Path) -> None:
    result = run([sys.executable, "-m", "flake8", "--select", "LG", "app"], cwd=app)
    assert result.stderr == ""
    flake8_lines = sorted(result.stdout.splitlines())
    assert flake8_lines == sorted(layerguard_concise(app, "app"))
    assert any(": LG101 " in line for line in flake8_lines)


def test_flake8_plugin_is_registered_under_lg(app: Path) -> None:
    result = run([sys.executable, "-m", "flake8", "--version"], cwd=app)
    assert "layerguard" in result.stdout


def test_flake8_stdin_checks_the_buffer_not_the_file(tmp_path: Path) -> None:
    """An editor sends its unsaved buffer: a violation only in the buffer is reported."""
    project = tmp_path / "app_copy"
    shutil.copytree(APP, project)
    target = "app/repositories/OrderRepository.py"
    buffer = (project / target).read_text() + "\nfrom app.services.OrderService import OrderService\n"
    result = run(
        [sys.executable, "-m", "flake8", "--select", "LG", "--stdin-display-name", target, "-"],
        cwd=project,
        stdin=buffer,
    )
    assert result.stdout.count(": LG101 ") == 1, result.stdout + result.stderr
    on_disk = run([sys.executable, "-m", "flake8", "--select", "LG", target], cwd=project)
    assert ": LG101 " not in on_disk.stdout


@pytest.mark.slow
def test_pre_commit_hook_reports_staged_files(tmp_path: Path) -> None:
    """`pre-commit try-repo` installs this repository's hook as a user would and runs it."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = tmp_path / "project"
    shutil.copytree(APP, project)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    for command in (["git", "init", "-q"], ["git", "add", "."]):
        subprocess.run(command, cwd=project, check=True, env=env)
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "layerguard", "--files",
         "app/services/UserService.py", "app/core/config.py"],
        cwd=project, capture_output=True, text=True, timeout=600, env=env, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "app/services/UserService.py:5:1: LG101" in output
    assert "app/api/v1/endpoints/users.py" not in output  # only the files passed are reported


@pytest.mark.slow
def test_pre_commit_hook_honours_the_baseline(tmp_path: Path) -> None:
    """A team that records a baseline is blocked by the hook only for new findings (issue 14)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = tmp_path / "project"
    shutil.copytree(APP, project)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    recorded = subprocess.run(
        [sys.executable, "-m", "layerguard", "baseline"], cwd=project, capture_output=True, text=True,
        env=env, check=False,
    )  # fmt: skip
    assert recorded.returncode == 0, recorded.stderr
    with (project / "pyproject.toml").open("a", encoding="utf-8") as settings:
        settings.write('baseline = "layerguard-baseline.json"\n')
    assert "[tool.layerguard]" in (project / "pyproject.toml").read_text(encoding="utf-8")
    for command in (["git", "init", "-q"], ["git", "add", "."]):
        subprocess.run(command, cwd=project, check=True, env=env)
    hook = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "layerguard", "--files",
            "app/services/UserService.py"]  # fmt: skip
    old = subprocess.run(hook, cwd=project, capture_output=True, text=True, timeout=600, env=env, check=False)
    assert old.returncode == 0, old.stdout + old.stderr
    service = project / "app" / "services" / "UserService.py"
    service.write_text(service.read_text(encoding="utf-8") + "\nfrom app.api.v1.endpoints import users\n")
    subprocess.run(["git", "add", "."], cwd=project, check=True, env=env)
    new = subprocess.run(hook, cwd=project, capture_output=True, text=True, timeout=600, env=env, check=False)
    output = new.stdout + new.stderr
    assert new.returncode == 1, output
    assert output.count(": LG101 ") == 1, output  # the new import only; the recorded one stays quiet
