"""Import resolution and the grimp graph built from facts."""

from __future__ import annotations

import shutil
from pathlib import Path

import grimp
import pytest

from layerguard.api import check, load_config
from layerguard.context import ProjectView
from layerguard.discovery import FileFinder, find_source_roots, module_name
from layerguard.facts.parse import parse_file
from layerguard.graph import ImportEdge, build_import_graph, resolve_import
from layerguard.model import FileFacts, ImportFact, Span

FIXTURE_APP = Path(__file__).resolve().parents[1] / "fixtures" / "fortress_app"
SPAN = Span(1, 0, 1, 1)


def importer(module: str, is_package: bool = False) -> FileFacts:
    return FileFacts(path=Path("/x.py"), module=module, is_package=is_package)


def imp(module: str, name: str | None = None, level: int = 0) -> ImportFact:
    return ImportFact(module, name, None, level, SPAN, SPAN, False)


MODULES = {m: importer(m) for m in ["app", "app.api", "app.api.users", "app.services", "app.services.orders"]}


@pytest.mark.parametrize(
    ("facts", "fact", "expected"),
    [
        (importer("app.api.users"), imp("app.services.orders"), "app.services.orders"),
        (importer("app.api.users"), imp("app.services.orders.helpers"), "app.services.orders"),
        (importer("app.api.users"), imp("app.services", "orders"), "app.services.orders"),
        (importer("app.api.users"), imp("app.services", "OrderService"), "app.services"),
        (importer("app.api.users"), imp("services", "orders", level=2), "app.services.orders"),
        (importer("app.api.users"), imp("", "api", level=2), "app.api"),
        (importer("app.api", is_package=True), imp("users", level=1), "app.api.users"),
        (importer("app.api.users"), imp("", "x", level=5), None),
        (importer("app.api.users"), imp("fastapi", "APIRouter"), None),
    ],
)
def test_resolve_import(facts: FileFacts, fact: ImportFact, expected: str | None) -> None:
    assert resolve_import(facts, fact, MODULES) == expected


def module_graph(project: ProjectView) -> tuple[list[str], tuple[ImportEdge, ...]]:
    return [facts.module for facts in project.files], project.edges


def project_of(root: Path) -> ProjectView:
    config = load_config([root])
    roots = find_source_roots(config)
    files = FileFinder(config).files([root])
    facts = tuple(parse_file(p, *module_name(p, roots, root)) for p in files)
    return ProjectView(config, facts, frozenset(files))


def test_graph_equals_grimps_own_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a tree grimp can read itself, our graph from facts has exactly grimp's edges."""
    app = tmp_path / "fortress"
    shutil.copytree(FIXTURE_APP, app)
    (app / "app/legacy/broken.py").unlink()  # grimp stops on a syntax error; we report LG001
    monkeypatch.syspath_prepend(str(app))
    theirs = grimp.build_graph("app", cache_dir=None)
    ours = build_import_graph(*module_graph(project_of(app)))
    assert ours.modules == theirs.modules
    for module in sorted(theirs.modules):
        assert ours.find_modules_directly_imported_by(module) == theirs.find_modules_directly_imported_by(
            module
        ), module


def test_namespace_folders_are_in_the_graph(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "app/features/chat").mkdir(parents=True)
    (tmp_path / "app/__init__.py").write_text("")
    (tmp_path / "app/features/chat/api.py").write_text("from app.features.chat import service\n")
    (tmp_path / "app/features/chat/service.py").write_text("")
    graph = build_import_graph(*module_graph(project_of(tmp_path)))
    assert graph.find_modules_directly_imported_by("app.features.chat.api") == {"app.features.chat.service"}


def test_partial_file_list_gives_the_same_findings_for_those_files(tmp_path: Path) -> None:
    app = tmp_path / "fortress"  # a copy: the cache both runs share must not land in the repository
    shutil.copytree(FIXTURE_APP, app, ignore=shutil.ignore_patterns(".layerguard_cache"))
    full = check([app])
    service = app / "app/services/UserService.py"
    partial = check([service])
    assert partial.findings == tuple(f for f in full.findings if f.path == service)
    assert partial.findings
