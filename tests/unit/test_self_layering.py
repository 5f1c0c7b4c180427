"""layerguard guards its own layering, from the `[tool.layerguard]` of its own pyproject.toml.

The layers there are custom (`preset = "none"`): cli > api > output > project > facts > config
> checks > core > model, decided from the real imports of src/layerguard.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from layerguard import check
from layerguard.api import load_config

REPO = Path(__file__).resolve().parents[2]


def test_the_repository_configures_custom_layers() -> None:
    config = load_config([REPO / "src"])
    assert config.preset == "none"
    assert [layer.name for layer in config.layers] == [
        "cli", "api", "output", "project", "facts", "config", "checks", "core", "model",
    ]  # fmt: skip


def test_layerguards_own_source_passes_its_layering() -> None:
    report = check([REPO / "src"], select=["LG1"], cache=False)
    assert report.files_checked > 20
    assert [f"{f.path.name}:{f.line} {f.code} {f.message}" for f in report.findings] == []


def test_a_planted_upward_import_is_found(tmp_path: Path) -> None:
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(REPO / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    model = tmp_path / "src/layerguard/model.py"
    model.write_text(model.read_text() + "\n\ndef _planted() -> None:\n    from layerguard.cli import app\n")
    report = check([tmp_path / "src"], select=["LG1"], cache=False)
    assert [(f.path.name, f.code, f.message) for f in report.findings] == [
        (
            "model.py",
            "LG101",
            "Upward import: model module `layerguard.model` imports cli module `layerguard.cli`, "
            "a higher layer",
        )
    ]
