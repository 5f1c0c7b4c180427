"""Incremental checks on a real application: after each edit, the findings of the language
server's long-lived Workspace (which keeps each file's parts of the project tables,
`incremental`), and of a CLI run that resumes the parts the previous run stored in the cache,
equal a run without cache on the same files."""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from layerguard.api import load_config
from layerguard.checks.response_envelope import find_envelopes
from layerguard.checks.secret_in_response import response_schemas
from layerguard.checks.unregistered_router import used_as_values
from layerguard.context import ProjectView
from layerguard.engine import Workspace, collector_paused
from layerguard.facts.cache import FactsCache, rules_key
from layerguard.incremental import FileMemo, MemoProjectView

from .conftest import AIRFLOW, LNBITS

FIRST_DEFINITION = re.compile(r"^(class|def|async def) (\w+)", re.MULTILINE)
FIRST_IMPORT = re.compile(r"^(from \S+ )?import .*\n", re.MULTILINE)


def edited(text: str, number: int) -> str:
    """Edits whose effects cross files: a top-level definition renamed (its importers' lookups
    change), an import removed (edges, re-exports), a line appended."""
    if number % 3 == 0 and (found := FIRST_DEFINITION.search(text)):
        return text[: found.start(2)] + found.group(2) + "_edited" + text[found.end(2) :]
    if number % 3 == 1 and (found := FIRST_IMPORT.search(text)):
        return text[: found.start()] + text[found.end() :]
    return text + f"\nedited_{number} = {number}\n"


@pytest.mark.slow
def test_narrow_checks_after_edits_equal_fresh_runs_on_a_real_app(
    real_project: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "lnbits"
    shutil.copytree(real_project(*LNBITS), root)
    (root / "layerguard.toml").write_text("")  # the fortress defaults: layers read by content
    monkeypatch.chdir(root)
    config = load_config([root])
    files = sorted(root.rglob("*.py"))
    packages = [path for path in files if path.name == "__init__.py" and path.stat().st_size > 0]
    chosen = random.Random(16).sample(files, 24) + packages[:6]
    with collector_paused():
        editor = Workspace(config)
        editor.check([root])
        for number, path in enumerate(chosen):
            text = edited(path.read_text(encoding="utf-8"), number)
            path.write_text(text, encoding="utf-8")
            editor.update(path, text)
            narrow = editor.check([root], narrow=True).findings
            fresh = Workspace(config, cache=False).check([root]).findings
            assert narrow == fresh, path
            # The tables assembled from the kept parts are the ones built from scratch, also
            # where no finding shows the difference.
            facts = editor.project([root]).files
            kept = MemoProjectView(config, facts, frozenset(), editor._memo)
            plain = ProjectView(config, facts, frozenset())
            assert tables(kept) == tables(plain), path


@pytest.mark.slow
def test_a_narrow_check_of_a_few_files_reports_in_them_what_a_whole_run_does(
    real_project: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The language server checks its open files alone: LG101/LG102 walk their imports only,
    LG103 the chains that can reach them, LG106 looks for cycles through them. Each file's
    findings equal a whole run's there."""
    root = tmp_path / "airflow"
    shutil.copytree(real_project(*AIRFLOW), root)
    (root / "layerguard.toml").write_text("respect-gitignore = false\n")
    monkeypatch.chdir(root)
    config = load_config([root])
    with collector_paused():
        whole = Workspace(config, cache=False).check([root]).findings
        layered = sorted({f.path for f in whole if f.code in ("LG101", "LG102", "LG103")})
        bridges = sorted({f.path for f in whole if f.code == "LG103"})
        others = sorted({path for path in root.rglob("*.py")} - set(layered))
        rng = random.Random(103)
        direct = sorted(set(layered) - set(bridges))
        cycles = sorted({f.path for f in whole if f.code == "LG106"})
        chosen = rng.sample(bridges, 15) + rng.sample(direct, min(10, len(direct))) + rng.sample(others, 10)
        chosen += cycles
        editor = Workspace(config)
        for path in chosen:
            narrow = editor.check([path], narrow=True).findings
            assert narrow == tuple(f for f in whole if f.path == path), path
        # Several open files at once, as an editor has them.
        opened = chosen[::5]
        narrow = editor.check(opened, narrow=True).findings
        assert narrow == tuple(f for f in whole if f.path in set(opened))
    assert len(bridges) >= 15 and cycles


@pytest.mark.slow
def test_cli_runs_resuming_stored_parts_after_edits_equal_runs_without_cache(
    real_project: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "lnbits"
    shutil.copytree(real_project(*LNBITS), root)
    (root / "layerguard.toml").write_text("")
    monkeypatch.chdir(root)
    config = load_config([root])
    files = sorted(root.rglob("*.py"))
    packages = [path for path in files if path.name == "__init__.py" and path.stat().st_size > 0]
    chosen = random.Random(61).sample(files, 16) + packages[:4]
    reused = []
    with collector_paused():
        Workspace(config).check([root])  # stores every file's parts
        for number, path in enumerate(chosen):
            path.write_text(edited(path.read_text(encoding="utf-8"), number), encoding="utf-8")
            # The tables assembled from the stored parts (as the next run resumes them) are the
            # ones built from scratch, also where no finding shows the difference.
            workspace = Workspace(config)
            _, jobs = workspace._parse_jobs([root])
            cache = FactsCache.open(root)
            assert cache is not None
            facts = tuple(workspace._facts_of(jobs, cache, save=False))
            keys = {job.path: key for job in jobs if (key := workspace._keys[job.path]) is not None}
            memo = FileMemo()
            memo.resume(facts, keys, cache.project_parts(rules_key(config)))
            assert tables(MemoProjectView(config, facts, frozenset(), memo)) == tables(
                ProjectView(config, facts, frozenset())
            ), path
            reused.append(len(memo._unchanged))
            cached = Workspace(config).check([root]).findings
            assert cached == Workspace(config, cache=False).check([root]).findings, path
    # The stored parts were used, not computed again (an edit near a star import drops them all).
    assert sorted(reused)[len(reused) // 2] > len(files) // 2, reused


def tables(view: ProjectView) -> tuple[object, ...]:
    return (
        view.edges,
        view.symbols.definitions,
        view.symbols.reexports,
        view.layers.provider_modules,
        view.layers.table_bases,
        {module: view.layers.layer_of(module) for module in view.by_module},
        [view.layers.imported_name(e.imported, f.name) for e in view.edges for f in e.names if f.name],
        find_envelopes(view),
        used_as_values(view),
        list(response_schemas(view)),
    )


@pytest.mark.slow
def test_kept_collections_follow_edits_of_response_schemas_and_routers(
    real_project: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LG702's response schemas and LG804's routers used as values are collections the language
    server keeps between edits (`FileMemo.collected`): a response model renamed in another file
    than its route, a secret field renamed, a router renamed. After each edit, the open files'
    findings equal a fresh run's, and the first two edits take an LG702 away."""
    root = tmp_path / "lnbits"
    shutil.copytree(real_project(*LNBITS), root)
    (root / "layerguard.toml").write_text("respect-gitignore = false\n")
    monkeypatch.chdir(root)
    config = load_config([root])
    users, api = root / "lnbits/core/models/users.py", root / "lnbits/core/views/api.py"
    edits = [
        (users, "class Account(", "class Holder("),  # `Account` is a route's response model
        (users, "    password: str | None = Query(", "    secret_word: str | None = Query("),
        (api, "api_router = APIRouter(", "api_router_renamed = APIRouter("),
    ]
    with collector_paused():
        whole = Workspace(config, cache=False).check([root]).findings
        opened = sorted({f.path for f in whole if f.code in ("LG702", "LG704", "LG804")} | {users, api})
        editor = Workspace(config)
        editor.check(opened, narrow=True)
        shown = [{(f.path.name, f.line) for f in whole if f.code == "LG702"}]
        for path, old, new in edits:
            text = path.read_text(encoding="utf-8")
            assert old in text, old
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
            editor.update(path, path.read_text(encoding="utf-8"))
            narrow = editor.check(opened, narrow=True).findings
            fresh = Workspace(config, cache=False).check([root]).findings
            assert narrow == tuple(f for f in fresh if f.path in set(opened)), (path, new)
            shown.append({(f.path.name, f.line) for f in narrow if f.code == "LG702"})
    assert shown[0] - shown[1] == {("users.py", 187)}  # `Account.password_hash`
    assert shown[1] - shown[2] == {("users.py", 328)}  # `CreateUser.password`
