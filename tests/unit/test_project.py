"""Project model: source roots, module names, file discovery, layers."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from layerguard.api import load_config
from layerguard.config import ConfigError
from layerguard.context import LayerMap
from layerguard.model import Config, Layer
from layerguard.project import FileFinder, find_source_roots, module_name


def make_tree(root: Path, files: list[str]) -> None:
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n')
    for relative in files:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def modules(root: Path) -> list[str]:
    config = load_config([root])
    roots = find_source_roots(config)
    return [module_name(p, roots, root)[0] for p in FileFinder(config).files([root])]


def test_flat_layout(tmp_path: Path) -> None:
    make_tree(tmp_path, ["app/__init__.py", "app/api/__init__.py", "app/api/users.py", "main.py"])
    assert modules(tmp_path) == ["app", "app.api", "app.api.users", "main"]


def test_src_layout(tmp_path: Path) -> None:
    make_tree(tmp_path, ["src/shop/__init__.py", "src/shop/services/orders.py"])
    assert modules(tmp_path) == ["shop", "shop.services.orders"]


def test_several_packages_and_a_container_folder(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        ["backend/app/__init__.py", "backend/app/models/user.py", "worker/__init__.py", "worker/jobs.py"],
    )
    assert modules(tmp_path) == ["app", "app.models.user", "worker", "worker.jobs"]


def test_namespace_folders_inside_a_package_are_modules(tmp_path: Path) -> None:
    make_tree(tmp_path, ["onyx/__init__.py", "onyx/server/features/chat/api.py"])
    assert modules(tmp_path) == ["onyx", "onyx.server.features.chat.api"]


def test_configured_packages(tmp_path: Path) -> None:
    make_tree(tmp_path, ["src/one/__init__.py", "src/one/a.py"])
    (tmp_path / "pyproject.toml").write_text('[tool.layerguard]\npackages = ["one"]\n')
    assert modules(tmp_path) == ["one", "one.a"]
    (tmp_path / "pyproject.toml").write_text('[tool.layerguard]\npackages = ["missing"]\n')
    with pytest.raises(ConfigError, match="missing"):
        find_source_roots(load_config([tmp_path]))


def test_default_excludes_and_tool_folders_are_skipped(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        [
            "app/__init__.py",
            "app/tests/test_x.py",
            "app/migrations/versions/1.py",
            "app/test_y.py",
            ".venv/lib/z.py",
            "app/__pycache__/x.py",
            "node_modules/q.py",
        ],
    )
    assert modules(tmp_path) == ["app"]


def test_gitignored_files_are_skipped(tmp_path: Path) -> None:
    make_tree(tmp_path, ["app/__init__.py", "app/generated/big.py", "app/kept.py"])
    (tmp_path / ".gitignore").write_text("generated/\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    assert modules(tmp_path) == ["app", "app.kept"]
    (tmp_path / "pyproject.toml").write_text("[tool.layerguard]\nrespect-gitignore = false\n")
    assert modules(tmp_path) == ["app", "app.generated.big", "app.kept"]


def test_explicit_excluded_file_is_dropped(tmp_path: Path) -> None:
    make_tree(tmp_path, ["app/__init__.py", "app/tests/test_x.py"])
    config = load_config([tmp_path])
    assert FileFinder(config).files([tmp_path / "app/tests/test_x.py"]) == []


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("app.api.v1.endpoints.users", "endpoint"),
        ("app.api", "endpoint"),
        ("app.api.schemas.user", "schema"),  # `schemas` lies deeper than `api`
        ("app.users.router", "endpoint"),
        ("app.users.service", "service"),
        ("app.users.repository", "repository"),
        ("app.crud.user", "repository"),
        ("app.models.User", "model"),
        ("app.core.config", None),
        ("app.api.deps", None),  # wiring
        ("app.main", None),  # wiring
    ],
)
def test_fortress_layers(module: str, layer: str | None, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    assert LayerMap(load_config([tmp_path])).layer_of(module) == layer


def test_tie_goes_to_the_layer_listed_first(tmp_path: Path) -> None:
    config = Config(
        root=tmp_path,
        layers=(Layer("first", ("**.x.**",), ()), Layer("second", ("**.x.*",), ())),
        wiring=(),
    )
    assert LayerMap(config).layer_of("a.x.y") == "first"
    assert LayerMap(replace(config, layers=config.layers[::-1])).layer_of("a.x.y") == "second"
