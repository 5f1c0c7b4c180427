"""LG106: runtime import cycles among the modules of one layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from tmp_project import lint

from layerguard import check
from layerguard.graph import strongly_connected_components


@pytest.mark.parametrize(
    ("edges", "components"),
    [
        ([], []),
        ([("a", "b")], []),
        ([("a", "b"), ("b", "a")], [["a", "b"]]),
        (
            [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("e", "d")],
            [["a", "b", "c"], ["d", "e"]],
        ),
        ([("x", "y"), ("y", "z"), ("z", "y"), ("z", "x")], [["x", "y", "z"]]),
    ],
)
def test_strongly_connected_components(edges: list[tuple[str, str]], components: list[list[str]]) -> None:
    assert strongly_connected_components(edges) == components


def test_a_long_chain_does_not_recurse() -> None:
    edges = [(f"m{i:05}", f"m{i + 1:05}") for i in range(20_000)] + [("m20000", "m00000")]
    [component] = strongly_connected_components(edges)
    assert len(component) == 20_001


SERVICES = {
    "app/services/a.py": "import os\nfrom app.services import b\n",
    "app/services/b.py": "def f() -> None:\n    from app.services import c\n",
    "app/services/c.py": "from app.services import a\nfrom app.services import d\n",
    "app/services/d.py": "from app.services import c\n",
}


def test_one_finding_per_component_at_its_first_edge(tmp_path: Path) -> None:
    assert lint(tmp_path, SERVICES, ["LG106"]) == [("app/services/a.py", 2, 1, "LG106")]
    [finding] = check([tmp_path], select=["LG106"], cache=False).findings
    assert finding.message == (
        "Import cycle in the service layer: app.services.a -> app.services.b -> app.services.c -> "
        "app.services.a (the cycle's strongly connected component also holds `app.services.d`)"
    )


def test_type_checking_imports_never_form_a_cycle(tmp_path: Path) -> None:
    files = {
        "app/services/a.py": "from app.services import b\n",
        "app/services/b.py": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.services import a\n"
        ),
    }
    assert lint(tmp_path, files, ["LG106"]) == []


def test_cycles_across_layers_or_through_unlayered_modules_are_not_lg106(tmp_path: Path) -> None:
    files = {
        "app/services/a.py": "from app.repositories import r\n",
        "app/repositories/r.py": "from app.services import a\n",
        "app/services/b.py": "from app.core import util\n",
        "app/core/util.py": "from app.services import b\n",
    }
    assert lint(tmp_path, files, ["LG106"]) == []


def test_each_layer_gets_its_own_findings(tmp_path: Path) -> None:
    files = {
        # Model modules hold ORM classes (a `models` module without one is no model, SPEC §1).
        "app/models/x.py": "from app.models import y\nclass X:\n    __tablename__ = 'x'\n",
        "app/models/y.py": "from app.models import x\nclass Y:\n    __tablename__ = 'y'\n",
        "app/schemas/s.py": "from app.schemas import t\n",
        "app/schemas/t.py": "from app.schemas import s\n",
    }
    assert lint(tmp_path, files, ["LG106"]) == [
        ("app/models/x.py", 1, 1, "LG106"),
        ("app/schemas/s.py", 1, 1, "LG106"),
    ]
