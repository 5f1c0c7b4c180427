"""layerguard as a user gets it: a wheel built from this checkout, installed away from it.

The rule cards live in the top-level `rules/` and must ship inside the wheel as
`layerguard/rules/*.md` (SPEC §2), so `explain` and SARIF help work with no checkout around.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CARDS = sorted(path.name for path in (REPO / "rules").glob("LG*.md"))
TIMEOUT = 300


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", str(out)],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = list(out.glob("layerguard-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding `site/` (the installed wheel) and nothing of the checkout."""
    base = tmp_path_factory.mktemp("installed")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--target",
            str(base / "site"),
            str(wheel),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return base


def run_installed(installed: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PYTHONPATH")}
    env["PYTHONPATH"] = str(installed / "site")
    return subprocess.run(
        [sys.executable, *args],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
    )


def test_repo_has_rule_cards() -> None:
    assert "LG101-upward-import.md" in CARDS


def test_wheel_contains_every_rule_card(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "layerguard/rules/LG101-upward-import.md" in names
        for card in CARDS:
            packaged = f"layerguard/rules/{card}"
            assert packaged in names, card
            assert archive.read(packaged) == (REPO / "rules" / card).read_bytes(), card


def test_installed_package_is_the_wheel_not_the_checkout(installed: Path) -> None:
    result = run_installed(installed, "-c", "import layerguard; print(layerguard.__file__)", cwd=installed)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(installed / "site")
    assert not (installed / "rules").exists()


def test_explain_works_from_the_installed_wheel(installed: Path) -> None:
    result = run_installed(installed, "-m", "layerguard", "explain", "LG101", cwd=installed)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# LG101 upward-import\n")
    assert result.stdout == (REPO / "rules" / "LG101-upward-import.md").read_text(encoding="utf-8")


def test_sarif_from_the_installed_wheel_has_rule_help(installed: Path) -> None:
    project = installed / "proj"
    (project / "app" / "api").mkdir(parents=True)
    (project / "app" / "services").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.11"\n', encoding="utf-8")
    for init in ("app", "app/api", "app/services"):
        (project / init / "__init__.py").write_text("", encoding="utf-8")
    (project / "app" / "api" / "users.py").write_text("", encoding="utf-8")
    # Named as the fortress convention wants (`{Entity}Service.py`), so only the upward import is found.
    (project / "app" / "services" / "OrderService.py").write_text(
        "from app.api import users\n\n\nclass OrderService:\n    pass\n", encoding="utf-8"
    )

    result = run_installed(installed, "-m", "layerguard", "check", "--format", "sarif", cwd=project)
    assert result.returncode == 1, result.stderr
    run = json.loads(result.stdout)["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["LG101"]
    rules = run["tool"]["driver"]["rules"]
    assert "LG101" in [rule["id"] for rule in rules]
    for rule in rules:
        markdown = rule["help"]["markdown"]
        assert markdown.strip(), rule["id"]
        # From the card, not the one-line summary it falls back to.
        assert markdown.startswith(f"# {rule['id']} {rule['name']}"), (
            rule["id"],
            markdown[:80],
        )
        assert rule["help"]["text"].strip(), rule["id"]
