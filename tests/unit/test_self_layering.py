"""layerguard guards its own layering, from the `[tool.layerguard]` of its own pyproject.toml.

The layers there are custom (`preset = "none"`), decided from the real imports of
src/layerguard and counted with TYPE_CHECKING imports: a cycle hidden by configuration is still
a cycle.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from layerguard import check
from layerguard.api import load_config, load_project
from layerguard.graph import strongly_connected_components

REPO = Path(__file__).resolve().parents[2]


def test_the_repository_configures_custom_layers() -> None:
    config = load_config([REPO / "src"])
    assert config.preset == "none"
    assert config.type_checking_imports == "count"
    assert [layer.name for layer in config.layers] == [
        "cli", "commands", "engine", "output", "suppress", "discovery", "facts", "checks", "config",
        "context", "core", "model",
    ]  # fmt: skip


def test_layerguards_own_source_passes_its_layering() -> None:
    report = check([REPO / "src"], select=["LG1"], cache=False)
    assert report.files_checked > 20
    assert [f"{f.path.name}:{f.line} {f.code} {f.message}" for f in report.findings] == []


def test_every_module_is_in_a_layer_or_wiring() -> None:
    project = load_project(load_config([REPO / "src"]), [REPO / "src"], {}, use_cache=False)
    unlayered = [
        facts.module
        for facts in project.files
        if facts.module.startswith("layerguard")
        and project.layers.layer_of(facts.module) is None
        and not project.layers.is_wiring(facts.module)
    ]
    assert unlayered == []


def test_layerguards_import_graph_has_no_cycle() -> None:
    """Every import counted: runtime, TYPE_CHECKING and deferred (inside a function)."""
    project = load_project(load_config([REPO / "src"]), [REPO / "src"], {}, use_cache=False)
    assert len(project.edges) > 100
    assert strongly_connected_components((e.importer.module, e.imported) for e in project.edges) == []


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
