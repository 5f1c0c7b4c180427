"""The Workspace keeps one project's files and facts across calls: an edit re-reads and re-parses
only the edited file, and gives the findings a fresh run gives."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

import layerguard.api
import layerguard.engine
from layerguard.api import check, load_config
from layerguard.checks import ALL_RULES
from layerguard.engine import Workspace
from layerguard.facts.jobs import ParseJob
from layerguard.facts.workers import ParsedFile

PROJECT = {
    "pyproject.toml": "[project]\nname = 'app'\n\n[tool.layerguard]\nselect = ['LG1']\n",
    "app/__init__.py": "",
    "app/models/__init__.py": "",
    # A model module holds an ORM class (SPEC §1: a `models` module without one is no model).
    "app/models/User.py": "class User:\n    __tablename__ = 'users'\n",
    "app/services/__init__.py": "",
    "app/services/UserService.py": "from app.models.User import User\n\n\nclass UserService:\n    pass\n",
    "app/api/__init__.py": "",
    "app/api/users.py": "from app.services.UserService import UserService\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, text in PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


class Counters:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read: list[Path] = []
        self.parsed: list[Path] = []
        real_read, real_parse = layerguard.engine.read_regular_file, layerguard.engine._parse_files

        def reading(path: Path) -> bytes | None:
            self.read.append(path)
            return real_read(path)

        def parsing(jobs: Sequence[ParseJob], *, workers: int, timeout: float) -> list[ParsedFile]:
            self.parsed += [job.path for job in jobs]
            return real_parse(jobs, workers=workers, timeout=timeout)

        monkeypatch.setattr(layerguard.engine, "read_regular_file", reading)
        monkeypatch.setattr(layerguard.engine, "_parse_files", parsing)

    def take(self) -> tuple[list[str], list[str]]:
        taken = sorted(p.name for p in self.read), sorted(p.name for p in self.parsed)
        self.read.clear()
        self.parsed.clear()
        return taken


def codes(findings: Sequence[layerguard.engine.Finding]) -> list[tuple[str, int, str]]:
    return [(f.path.name, f.line, f.code) for f in findings]


@pytest.mark.parametrize("cache", [False, True])
def test_an_edit_rereads_and_reparses_only_the_edited_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, cache: bool
) -> None:
    monkeypatch.chdir(project)
    counters = Counters(monkeypatch)
    workspace = Workspace(load_config([project]), jobs=1, cache=cache)
    assert codes(workspace.check([project]).findings) == []
    read, parsed = counters.take()
    assert len(read) == len(parsed) == 7

    assert codes(workspace.check([project]).findings) == []
    assert counters.take() == ([], [])  # nothing changed: nothing read, nothing parsed

    edited = project / "app/models/User.py"
    workspace.update(
        edited, "from app.api.users import UserService\n\n\nclass User:\n    __tablename__ = 'users'\n"
    )
    findings = workspace.check([project]).findings
    assert codes(findings) == [("User.py", 1, "LG101")]
    assert counters.take() == ([], ["User.py"])  # the text came from `update`: not read

    edited.write_text("from app.api.users import UserService\n\n\nclass User:\n    __tablename__ = 'users'\n")
    assert codes(findings) == codes(check([project], cache=False, jobs=1).findings)


def test_remove_drops_a_file_and_its_imports(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    workspace = Workspace(load_config([project]), jobs=1, cache=False)
    bad = project / "app/models/Bad.py"
    bad.write_text("from app.api import users\n\n\nclass Bad:\n    __tablename__ = 'bad'\n")
    workspace.update(bad, bad.read_bytes())
    assert codes(workspace.check([project]).findings) == [("Bad.py", 1, "LG101")]
    bad.unlink()
    workspace.remove(bad)
    assert codes(workspace.check([project]).findings) == []


def test_update_of_a_new_file_adds_it_to_the_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    workspace = Workspace(load_config([project]), jobs=1, cache=False)
    assert workspace.check([project]).files_checked == 7
    new = project / "app/models/Order.py"
    new.write_text(
        "from app.services.UserService import UserService\n\n\nclass Order:\n    __tablename__ = 'orders'\n"
    )
    workspace.update(new, new.read_bytes())
    report = workspace.check([project])
    assert report.files_checked == 8
    assert codes(report.findings) == [("Order.py", 1, "LG101")]


def test_check_with_a_config_applies_select_and_ignore(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check(config=...)` used to drop `select`/`ignore` silently."""
    monkeypatch.chdir(project)
    (project / "app/models/User.py").write_text(
        "from app.api.users import UserService\n\n\nclass User:\n    __tablename__ = 'users'\n"
    )
    config = load_config([project])
    assert codes(check([project], config=config, cache=False).findings) == [("User.py", 1, "LG101")]
    assert codes(check([project], config=config, ignore=["LG101"], cache=False).findings) == []
    assert codes(check([project], config=config, select=["LG4"], cache=False).findings) == []
    assert [m.code for m in check([project], config=config, select=["LG101"], cache=False).rules] == [
        "LG000",
        "LG001",
        "LG101",
    ]


# --- How many parser processes by default (issue 16) ----------------------------------------------


@pytest.mark.parametrize(
    ("cores", "busy", "expected"),
    [
        (2, 0, 2),  # an idle machine: one process per core
        (2, 1, 1),  # another process on one core: a worker would only compete with it
        (2, 5, 1),  # a busy machine: one process, never none
        (8, 3, 5),
        (4, None, 4),  # not known (not Linux): one per core, as before
    ],
)
def test_default_jobs_is_one_per_idle_core(cores: int, busy: int | None, expected: int) -> None:
    assert layerguard.engine.jobs_for(cores, busy) == expected


def test_the_running_tasks_are_read_on_linux() -> None:
    if not Path("/proc/stat").exists():
        pytest.skip("no /proc/stat: the default is one process per core")
    busy = layerguard.engine._other_runnable_tasks()
    assert busy is not None and busy >= 0


def test_a_workspace_without_jobs_asks_default_jobs(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    real = layerguard.engine._parse_files

    def parsing(jobs: Sequence[ParseJob], *, workers: int, timeout: float) -> list[ParsedFile]:
        asked.append(workers)
        return real(jobs, workers=workers, timeout=timeout)

    monkeypatch.setattr(layerguard.engine, "_parse_files", parsing)
    monkeypatch.setattr(layerguard.engine, "default_jobs", lambda: 3)
    config = load_config([project])
    Workspace(config, cache=False).check([project])
    Workspace(config, jobs=1, cache=False).check([project])
    assert asked == [3, 1]


def test_the_report_counts_the_files_parsed_with_libcst(tmp_path: Path) -> None:
    """Only a run that parses them counts them: answered from the cache, a run costs nothing."""
    # PEP 701 and PEP 758; PEP 695 alone is parsed without libcst (facts/type_params.py).
    lines = ['x = f"{"nested"}"\n', "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n"]
    newer = next((line for line in lines if not _parses(line)), None)
    if newer is None:
        pytest.skip("the running Python's ast accepts all the newer syntax libcst knows")
    (tmp_path / "pyproject.toml").write_text("[tool.layerguard]\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "newer.py").write_text(newer)
    (tmp_path / "app" / "older.py").write_text("x = 1\n")
    config = load_config([tmp_path])
    cold = Workspace(config).check([tmp_path])
    assert cold.libcst_files == 1
    assert cold.libcst_seconds > 0
    warm = Workspace(config).check([tmp_path])
    assert (warm.libcst_files, warm.libcst_seconds) == (0, 0.0)
    assert warm.findings == cold.findings


def _parses(source: str) -> bool:
    import ast

    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


def test_a_rule_timeout_that_was_swallowed_is_raised_again() -> None:
    """Raised inside a garbage-collector callback (hypothesis installs one) or a `__del__`, the
    timeout's exception never reaches the rule: it is raised again until it does."""
    import time

    clock = layerguard.engine._RuleClock(0.01)

    def rule_that_loses_the_first_timeout() -> list[object]:
        deadline = time.monotonic() + 5
        try:
            while time.monotonic() < deadline:
                pass
        except BaseException:  # what Python does with an exception raised in a gc callback
            pass
        while time.monotonic() < deadline:
            pass
        return []

    with clock.installed():
        assert clock.active, "SIGALRM is usable in pytest's main thread"
        started = time.monotonic()
        with pytest.raises(layerguard.engine._RuleTimeout):
            clock.run(rule_that_loses_the_first_timeout)  # type: ignore[arg-type]
    assert time.monotonic() - started < 2
    assert clock.stopped == 1


def _busy(seconds: float) -> list[object]:
    """A rule that runs for `seconds` in Python code, where the timer's signal can stop it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass
    return []


def test_each_rule_gets_the_whole_limit_when_the_timer_is_set_once_for_the_run() -> None:
    """The timer is set once, not around each rule: a rule that starts after an earlier one has
    used most of the limit is stopped at its own deadline, not at the earlier rule's."""
    clock = layerguard.engine._RuleClock(0.3)

    with clock.installed():
        assert clock.run(lambda: _busy(0.2)) == []  # type: ignore[arg-type, return-value]
        started = time.monotonic()
        with pytest.raises(layerguard.engine._RuleTimeout):
            clock.run(lambda: _busy(5))  # type: ignore[arg-type, return-value]
        ran = time.monotonic() - started
    # Not stopped at the first rule's deadline (0.1 s into this one); that it was stopped at
    # all, the raise shows (a slow machine only makes `ran` longer).
    assert ran >= 0.25
    assert clock.stopped == 1


def test_the_rule_after_a_stopped_one_is_stopped_at_its_own_deadline_under_a_tiny_limit() -> None:
    """A stopped rule leaves the timer set to ask again soon; with a limit shorter than that
    retry, the next rule must still be stopped at its own deadline (it once ran unbounded)."""
    clock = layerguard.engine._RuleClock(0.002)

    with clock.installed():
        for _ in range(2):
            with pytest.raises(layerguard.engine._RuleTimeout):
                clock.run(lambda: _busy(0.006 if clock.stopped else 5))  # type: ignore[arg-type, return-value]
    assert clock.stopped == 2


def test_a_rule_timeout_waits_until_the_rule_is_out_of_code_that_swallows_exceptions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The timer firing inside a garbage-collector callback or the unraisable hook (pytest's is
    Python code) raises nothing there: raised in the callback it was swallowed and handed to the
    hook, and raised in pytest's hook it broke the hook ("Failed to process unraisable
    exception", a flaky failure of tests/functional under load). It is raised once the rule's own
    code runs again."""
    import gc
    import sys
    import time

    unraisable: list[object] = []

    def recording_hook(info: object) -> None:  # a Python unraisable hook, like pytest's
        unraisable.append(info)

    def slow_gc_callback(phase: str, info: object) -> None:
        deadline = time.monotonic() + 0.05
        while time.monotonic() < deadline:
            pass

    def rule() -> list[object]:
        gc.collect(0)  # the limit passes inside the callback (the youngest generation: quick on any heap)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            pass
        return []

    monkeypatch.setattr(sys, "unraisablehook", recording_hook)
    clock = layerguard.engine._RuleClock(0.01)
    gc.callbacks.append(slow_gc_callback)
    try:
        with clock.installed():
            started = time.monotonic()
            with pytest.raises(layerguard.engine._RuleTimeout):
                clock.run(rule)  # type: ignore[arg-type]
    finally:
        gc.callbacks.remove(slow_gc_callback)
    assert time.monotonic() - started < 2
    assert unraisable == []
    assert clock.stopped == 1


def test_a_hand_built_config_with_a_relative_root_gives_the_findings_of_its_absolute_root(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `check()` makes the paths absolute; a relative `Config.root` then named no file's module,
    # and the project rules that need it (LG704, LG905) reported nothing.
    fixtures = Path(__file__).parents[1] / "fixtures"
    monkeypatch.chdir(fixtures)
    relative = Path("security_rules/route_auth")
    configured = load_config([relative.resolve()])
    by_root = {
        root: [
            (f.path, f.line, f.code)
            for f in check([relative], config=replace(configured, root=root), cache=False).findings
        ]
        for root in (relative, relative.resolve())
    }
    assert by_root[relative] == by_root[relative.resolve()]
    assert any(code == "LG905" for _, _, code in by_root[relative])


FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.mark.parametrize(
    "name",
    [
        "fortress_app",
        "layers_feature_sliced",
        "response_contract",
        "lg103_bridge/chain_through_two_unlayered",
    ],
)
def test_the_rules_leave_every_fact_as_they_found_it(name: str) -> None:
    """Facts are immutable to the type checker only (`model.fact`: a frozen dataclass's
    `__init__` made building them a seventh of extraction). A rule writing to one would corrupt
    the facts a Workspace keeps between runs: every rule runs, and every file's facts, read
    whole, are what they were."""
    root = FIXTURES / name
    config = load_config([root])
    project = layerguard.api.load_project(config, [root], use_cache=False)
    before = [repr(facts) for facts in project.files]
    findings = list(layerguard.engine.run_rules(project, ALL_RULES))
    assert findings
    assert [repr(facts) for facts in project.files] == before
