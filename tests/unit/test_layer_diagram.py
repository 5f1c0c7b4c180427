"""`layerguard graph`: the layer diagram as Mermaid and Graphviz dot, checked against golden text."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from layerguard.api import load_config, load_project
from layerguard.cli import run
from layerguard.context import ProjectView
from layerguard.layer_diagram import LayerEdge, layer_edges, render_dot, render_mermaid

SETTINGS = """\
[tool.layerguard]
preset = "none"

[tool.layerguard.layers.web]
modules = ["shop.web.**"]
may-import = ["domain"]

[tool.layerguard.layers.domain]
modules = ["shop.domain.**"]
may-import = ["data"]

[tool.layerguard.layers.data]
modules = ["shop.data.**"]
"""
FILES = {
    "shop/web/pages.py": "from shop.data import tables, rows\nfrom shop.lib import util\n",
    "shop/web/forms.py": "from shop.data import tables  # noqa: LG102\n",
    "shop/domain/rules.py": "from shop.data import tables\n",
    "shop/data/tables.py": "from shop.web import pages\n",
    "shop/data/rows.py": "",
    "shop/lib/util.py": "from shop.data import rows\n",
}

MERMAID = """\
flowchart TD
    L0["web"]
    L1["domain"]
    L2["data"]
    L0 --> L1
    L1 --> L2
    L0 -->|"3 violations"| L2
    L2 -->|"1 violation"| L0
    linkStyle 2,3 stroke:#d62728,color:#d62728
"""
DOT = """\
digraph layers {
    rankdir=TB;
    node [shape=box];
    "web";
    "domain";
    "data";
    "web" -> "domain";
    "domain" -> "data";
    "web" -> "data" [color="#d62728", fontcolor="#d62728", label="3 violations"];
    "data" -> "web" [color="#d62728", fontcolor="#d62728", label="1 violation"];
}
"""


def write(root: Path, settings: str = SETTINGS) -> Path:
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\n' + settings)
    for relative, source in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    for folder in [p for p in root.rglob("*") if p.is_dir()]:
        (folder / "__init__.py").touch()
    return root


def project_of(root: Path) -> ProjectView:
    return load_project(load_config([root]), [root], {}, use_cache=False)


def test_edges_allowed_then_violated_with_counts(tmp_path: Path) -> None:
    # web -> data: two direct imports (LG102) and one chain through shop.lib (LG103); the
    # import marked with a noqa comment for LG102 is not counted, as `check` would not report it.
    assert layer_edges(project_of(write(tmp_path))) == [
        LayerEdge("web", "domain", allowed=True),
        LayerEdge("domain", "data", allowed=True),
        LayerEdge("web", "data", allowed=False, violations=3),
        LayerEdge("data", "web", allowed=False, violations=1),
    ]


def test_mermaid(tmp_path: Path) -> None:
    assert render_mermaid(project_of(write(tmp_path))) == MERMAID


def test_dot(tmp_path: Path) -> None:
    assert render_dot(project_of(write(tmp_path))) == DOT


def test_ignored_rules_are_not_counted(tmp_path: Path) -> None:
    project = project_of(
        write(tmp_path, SETTINGS.replace('preset = "none"', 'preset = "none"\nignore = ["LG103"]'))
    )
    assert [e.violations for e in layer_edges(project) if not e.allowed] == [2, 1]


def test_a_clean_project_has_no_red_edge(tmp_path: Path) -> None:
    root = write(tmp_path)
    for relative in ("shop/web/pages.py", "shop/web/forms.py", "shop/data/tables.py"):
        (root / relative).write_text("")
    assert "linkStyle" not in render_mermaid(project_of(root))


@pytest.mark.parametrize(("arguments", "expected"), [([], MERMAID), (["--format", "dot"], DOT)])
def test_the_graph_command(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    expected: str,
) -> None:
    monkeypatch.chdir(write(tmp_path))
    assert run(["graph", *arguments]) == 0
    assert capsys.readouterr().out == expected


def test_the_graph_command_rejects_an_unknown_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(write(tmp_path))
    with pytest.raises(SystemExit) as exit_:
        run(["graph", "--format", "png"])
    assert exit_.value.code == 2
    assert "unknown --format 'png'; choose one of mermaid, dot" in capsys.readouterr().err
