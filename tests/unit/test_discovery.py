"""Project model: source roots, module names, file discovery, layers."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layerguard import discovery
from layerguard.api import load_config
from layerguard.config import ConfigError
from layerguard.context import LayerMap
from layerguard.discovery import FileFinder, ModuleNames, find_source_roots, module_name
from layerguard.gitignore import IgnoreFile
from layerguard.model import Config, Layer


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


# Files and source roots whose names the string version must read as Path does.
NAMED_FILES = [
    "/p/a.py", "/p/a/b.pyi", "/p/__init__.py", "/p/a/__init__.pyi", "/p/src/x/y.py",
    "/p/src/__init__.py", "/p/backend/app/m.py", "/p/src/x", "/p/src", "/p", "/q/x.py", "/pa/b.py",
    "/p-a/b.py", "/p/src.py", "/p/a.b.py", "/p/a.", "/p/.py", "/p/a/..py", "/p/a/...py",
    "/p/a/../b.py", "/p/a b/ç\udcff.py", "//p/a.py", "p/a.py", "a.py", "/",
]  # fmt: skip
NAMING_ROOTS = [
    ([Path("/p")], Path("/p")),
    ([Path("/p"), Path("/p/src"), Path("/p/backend")], Path("/p")),
    ([Path("/p/src/x")], Path("/p")),
    ([Path("/")], Path("/")),
    ([Path("//p")], Path("//p")),
    ([Path("//")], Path("//")),
    ([Path("p")], Path(".")),
]


@pytest.mark.parametrize(("roots", "root"), NAMING_ROOTS)
def test_module_names_on_strings_are_those_of_paths(roots: list[Path], root: Path) -> None:
    names = ModuleNames(roots, root)
    paths = [Path(name) for name in NAMED_FILES]
    assert [names.of(p) for p in paths] == [module_name(p, roots, root) for p in paths]


def test_plain_absolute_paths_are_named_without_path_operations(monkeypatch: pytest.MonkeyPatch) -> None:
    names = ModuleNames([Path("/p"), Path("/p/src")], Path("/p"))
    monkeypatch.setattr(discovery, "module_name", None)
    assert names.of(Path("/p/src/shop/__init__.pyi")) == ("shop", True)
    assert names.of(Path("/p/src/shop/a.b.py")) == ("shop.a.b", False)
    assert names.of(Path("/p/tools/x.py")) == ("tools.x", False)


@pytest.mark.parametrize("folder", ["/p", "/p/a", "/", "//", "//p", "p", "."])
def test_files_below_a_folder_on_strings_are_those_of_paths(folder: str) -> None:
    files = [Path(name) for name in [*NAMED_FILES, "/p/a", "/p/a/b", "/p/a/..", "//p", "p", "."]]
    assert FileFinder._below(Path(folder), files) == [p for p in files if p.is_relative_to(Path(folder))]


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


# --- The ignore files, matched without git. ---

TEMPLATE = [
    "__pycache__/", "*.py[cod]", "build/", "/site", "!keep.py", "a/**/b", "docs/_build/", "*.egg-info/",
    ".env", "local_settings.py", "**/deep/x.py", "data/*", "!data/keep.py", "\\#hash.py", "q?.py",
    "[ab]_char.py", "lib", "*_gen.py", "dir/", "/anchored/inner.py", "# comment", "",
]  # fmt: skip
SEGMENTS = [
    "a", "b", "build", "data", "deep", "keep.py", "x.py", "q1.py", "a_char.py", "lib", "site", "docs",
    "_build", "#hash.py", "m_gen.py", "dir", "anchored", "inner.py", "pkg.egg-info",
]  # fmt: skip


@given(
    st.lists(st.sampled_from(TEMPLATE), min_size=1, max_size=8),
    st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=5),
    st.booleans(),
)
def test_the_joined_regex_answers_as_the_patterns_one_by_one(
    lines: list[str], segments: list[str], is_dir: bool
) -> None:
    """The one regex that stands for all patterns never hides a match (nor invents one)."""
    ignore_file = IgnoreFile("/project", lines)
    relative = "/".join(segments) + ("/" if is_dir else "")
    expected = ignore_file.spec.check_file(relative).include
    assert ignore_file.decision("/project/" + "/".join(segments), is_dir) == expected


def test_ignored_folder_hides_a_named_file_and_deeper_rules_win(tmp_path: Path) -> None:
    make_tree(tmp_path, ["app/__init__.py", "app/gen/x.py", "app/sub/y_gen.py", "app/sub/z_gen.py"])
    (tmp_path / ".gitignore").write_text("gen/\n*_gen.py\n")
    (tmp_path / "app" / "gen" / ".gitignore").write_text("!x.py\n")  # cannot re-include: gen/ is ignored
    (tmp_path / "app" / "sub" / ".gitignore").write_text("!y_gen.py\n")  # deeper: overrides
    finder = FileFinder(load_config([tmp_path]))
    assert finder.files([tmp_path]) == [tmp_path / "app/__init__.py", tmp_path / "app/sub/y_gen.py"]
    assert finder.files([tmp_path / "app/gen/x.py", tmp_path / "app/gen"]) == []
    assert finder.refused == {}


def test_a_fifo_named_gitignore_is_not_read(tmp_path: Path) -> None:
    """A FIFO would block the read forever; git does not read one either."""
    make_tree(tmp_path, ["app/__init__.py"])
    os.mkfifo(tmp_path / ".gitignore")
    assert FileFinder(load_config([tmp_path])).files([tmp_path]) == [tmp_path / "app/__init__.py"]


def test_a_symlinked_gitignore_is_not_followed(tmp_path: Path) -> None:
    """As git (2.32+) does not follow a symlinked .gitignore."""
    (tmp_path / "project").mkdir()
    make_tree(tmp_path / "project", ["app/__init__.py", "app/x.py"])
    (tmp_path / "patterns").write_text("x.py\n")
    (tmp_path / "project" / ".gitignore").symlink_to(tmp_path / "patterns")
    config = load_config([tmp_path / "project"])
    assert FileFinder(config).files([config.root]) == [
        config.root / "app/__init__.py",
        config.root / "app/x.py",
    ]
