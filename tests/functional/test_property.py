"""Generated programs never crash the checker (SPEC §7, issue 7): `layerguard.api.check` on a
project holding a hypothesmith program, in every preset layer, never raises and never reports an
LG000 internal error.

Bounded so CI stays fast: 50 examples per strategy (`max_examples`, no deadline). For a longer
run, set `LAYERGUARD_HYPOTHESIS_EXAMPLES`:

    LAYERGUARD_HYPOTHESIS_EXAMPLES=2000 python -m pytest tests/functional/test_property.py
"""

from __future__ import annotations

import os
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from layerguard.api import check

# hypothesmith compiles what it generates; CPython warns about `1()` and the like.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")
EXAMPLES = int(os.environ.get("LAYERGUARD_HYPOTHESIS_EXAMPLES", "50"))
# One copy of the program in each preset layer, so the layer-bound rules see it too.
LAYER_FOLDERS = ("app/api", "app/services", "app/repositories", "app/schemas", "app/models")
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    (root / "pyproject.toml").write_text('[project]\nname = "generated"\nrequires-python = ">=3.11"\n')
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    for folder in LAYER_FOLDERS:
        (root / folder).mkdir()
        (root / folder / "__init__.py").write_text("")
    return root


def assert_checked_without_internal_error(project: Path, source: str) -> None:
    # Generated text may hold lone surrogates: written as such, they make an undecodable file.
    data = source.encode("utf-8", "surrogatepass")
    for folder in LAYER_FOLDERS:
        (project / folder / "generated.py").write_bytes(data)
    report = check([project], cache=False)
    internal = [f.message for f in report.findings if f.code == "LG000"]
    assert internal == [], source


@PROPERTY_SETTINGS
@given(source=hypothesmith.from_grammar())
def test_programs_from_the_grammar_never_crash_the_checker(project: Path, source: str) -> None:
    assert_checked_without_internal_error(project, source)


@PROPERTY_SETTINGS
@given(source=hypothesmith.from_node())
def test_programs_from_libcst_nodes_never_crash_the_checker(project: Path, source: str) -> None:
    assert_checked_without_internal_error(project, source)
