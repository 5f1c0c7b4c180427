"""LG103 at the bridge, through the real CLI: one finding per unlayered module that lets a layer
reach a layer it may not import, at that module's own import (SPEC §2, 2026-12).

Each folder of tests/fixtures/lg103_bridge is a project whose `# error: [LG103]` markers are
exactly what `layerguard check --select LG103` must report; every other line must stay clean.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from markers import expected_findings, read_tree

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lg103_bridge"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


@pytest.fixture
def project(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A copy of the named fixture project, so the run writes nothing into the source tree."""
    root = tmp_path / request.param
    shutil.copytree(FIXTURES / request.param, root)
    return root


def lg103(root: Path, *paths: str) -> list[dict[str, Any]]:
    """The LG103 findings of `layerguard check` on `paths` (default: the whole project)."""
    result = run_cli("check", "--select", "LG103", "--format", "json", "--no-cache", *paths, cwd=root)
    assert result.returncode in (0, 1), result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    assert result.returncode == (1 if findings else 0)
    return findings


def located(findings: list[dict[str, Any]]) -> Counter[tuple[str, int, str]]:
    return Counter((f["path"], f["line"], f["code"]) for f in findings)


def test_every_case_is_tested() -> None:
    assert set(CASES) == {
        "annotation_only_import",
        "chain_through_two_unlayered",
        "chains_follow_names",
        "deferred_import_in_get_db",
        "many_endpoints_one_helper",
        "names_through_registries_and_stubs",
        "reached_only_by_allowed_layers",
        "reacher_imports_the_layer_itself",
        "type_checking_import_counted",
        "type_checking_import_ignored",
        "wiring_on_the_chain",
    }


@pytest.mark.parametrize("project", CASES, indirect=True)
def test_findings_are_exactly_the_markers(project: Path) -> None:
    assert located(lg103(project)) == expected_findings(read_tree(project))


@pytest.mark.parametrize("project", ["many_endpoints_one_helper"], indirect=True)
def test_one_finding_for_many_endpoints_with_their_count(project: Path) -> None:
    # Five endpoints import app.core.settings; users.py and teams.py take only `PAGE_SIZE`, which
    # needs nothing of the model, so the chain follows the three that take `admin_model`.
    [finding] = lg103(project)
    assert finding["path"] == "app/core/settings.py"
    assert finding["message"] == (
        "Indirect layer violation: unlayered `app.core.settings` imports model `User` from "
        "`app.models.User`, which endpoint modules may not import; 3 endpoint modules reach it through "
        "this module (e.g. app.api.invoices -> app.core.settings -> app.models.User)"
    )


@pytest.mark.parametrize("project", ["chains_follow_names"], indirect=True)
def test_a_chain_follows_the_names_an_importer_takes(project: Path) -> None:
    # app.core.inserts holds a data class beside the class that uses the repository. users.py
    # and labels.py take only `Precursor` (labels.py also `describe`, which needs only
    # `Precursor`): no chain. admin.py takes `QueueInserter`, imports.py `insert_now`, which
    # needs it: two endpoint modules reach the repository.
    [finding] = lg103(project)
    assert finding["path"] == "app/core/inserts.py"
    assert finding["message"].endswith(
        "2 endpoint modules reach it through this module "
        "(e.g. app.api.admin -> app.core.inserts -> app.repositories.UserRepository)"
    )


@pytest.mark.parametrize("project", ["reacher_imports_the_layer_itself"], indirect=True)
def test_an_endpoint_importing_the_model_itself_is_no_reacher_of_a_model_bridge(project: Path) -> None:
    # users.py imports `User` itself and profile.py names it for an injected dependency: of the
    # three endpoints importing app.core.settings only items.py reaches the model through it, and
    # app.core.formatting, reached by users.py alone, is no bridge. The repository bridge stays.
    messages = {f["path"]: f["message"] for f in lg103(project)}
    assert set(messages) == {"app/core/settings.py", "app/core/lookups.py"}
    assert messages["app/core/settings.py"].endswith(
        "1 endpoint module reaches it through this module "
        "(e.g. app.api.items -> app.core.settings -> app.models.User)"
    )
    assert "app.api.users -> app.core.lookups" in messages["app/core/lookups.py"]


@pytest.mark.parametrize("project", ["type_checking_import_counted"], indirect=True)
def test_a_bridge_reached_only_through_type_only_imports_says_so(project: Path) -> None:
    # Counted (SPEC §2's default), and the message tells the user why and which setting drops it.
    [finding] = lg103(project)
    assert finding["message"].endswith(
        "(e.g. app.api.users -> app.core.typing_helpers -> app.repositories.UserRepository); only "
        "through imports under `if TYPE_CHECKING:` or used only as types, which "
        '`type-checking-imports = "ignore"` leaves out'
    )


@pytest.mark.parametrize("project", ["chain_through_two_unlayered"], indirect=True)
def test_the_example_chain_runs_through_both_unlayered_modules(project: Path) -> None:
    [finding] = lg103(project)
    assert finding["message"].endswith(
        "1 endpoint module reaches it through this module (e.g. app.api.users -> app.core.auth -> "
        "app.utils.loading -> app.repositories.UserRepository)"
    )


@pytest.mark.parametrize("project", ["chain_through_two_unlayered"], indirect=True)
def test_a_partial_file_list_reports_the_bridge_only_when_it_is_listed(project: Path) -> None:
    # As pre-commit passes staged files: who reaches the bridge comes from the whole project,
    # but the finding is in the bridge's file.
    assert lg103(project, "app/api/users.py") == []
    assert lg103(project, "app/core/auth.py") == []
    assert located(lg103(project, "app/utils/loading.py")) == Counter(
        {("app/utils/loading.py", 1, "LG103"): 1}
    )
    assert located(lg103(project, "app/api/users.py", "app/utils/loading.py")) == Counter(
        {("app/utils/loading.py", 1, "LG103"): 1}
    )


@pytest.mark.parametrize("project", ["deferred_import_in_get_db"], indirect=True)
def test_deferred_imports_still_count_for_lg102(project: Path) -> None:
    # The deferred import carries no chain, but a layer's own deferred import is still direct.
    users = project / "app/api/users.py"
    users.write_text(
        users.read_text().replace(
            "async def ping() -> dict[str, str]:\n",
            "async def ping() -> dict[str, str]:\n    from app.models.User import User\n\n",
        )
    )
    result = run_cli("check", "--select", "LG102,LG103", "--format", "json", "--no-cache", cwd=project)
    assert [(f["path"], f["code"]) for f in json.loads(result.stdout)] == [("app/api/users.py", "LG102")]
