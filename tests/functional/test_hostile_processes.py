"""The real CLI, and the real flake8, where processes are concerned (issue 11): parser workers
never outlive the run, flake8's own parallel workers can start them, `--jobs` changes neither the
findings nor, past a cap, the number of processes, and rules are bounded in time.

Worker processes are found through /proc (Linux): the CLI is started in a session of its own,
so every process it started is in that session, even once its parent is gone.
"""

from __future__ import annotations

import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_runner import run_cli

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "tests" / "fixtures" / "fortress_app"
TIMEOUT = 120

needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def project_with_modules(root: Path, count: int, *, body_lines: int = 1) -> Path:
    """The fortress app plus `count` service modules, each importing an endpoint (an LG101)."""
    project = root / "project"
    shutil.copytree(APP, project)
    extra = project / "app" / "services" / "extra"
    extra.mkdir()
    (extra / "__init__.py").write_text("")
    filler = "".join(f"value_{i} = {i}\n" for i in range(body_lines))
    for i in range(count):
        (extra / f"Module{i}.py").write_text(
            f"from app.api.v1.endpoints import users\n\n{filler}\n\nasync def handler_{i}() -> object:\n"
            "    return users\n"
        )
    return project


# --- /proc ----------------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, session id) of a process; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    return fields[0], int(fields[1]), int(fields[3])


def session_members(session: int) -> list[int]:
    """Live (not zombie) processes of a session, its leader included."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[2] == session and stat[0] != "Z":
                members.append(int(entry))
    return members


def children(pid: int) -> list[int]:
    """Live (not zombie) child processes of `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[1] == pid and stat[0] != "Z":
                found.append(int(entry))
    return found


def start_cli(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "layerguard", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def reads_to_eof(stream: int, deadline: float) -> bool:
    """Whether every writer of the pipe has closed it before `deadline`."""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], max(deadline - time.monotonic(), 0))
        if ready and os.read(stream, 65536) == b"":
            return True
    return False


# --- Item 5: workers die with the CLI ---------------------------------------------------------------


@needs_proc
def test_no_worker_outlives_the_cli_whatever_signal_ends_it(tmp_path: Path) -> None:
    """A seeded random run of signals and delays at a CLI whose worker pool is busy: within a
    few seconds of each signal, no process the CLI started is left, and its stdout reads to
    end-of-file (`layerguard check | tee` ends)."""
    project = project_with_modules(tmp_path, 240, body_lines=300)
    draw = random.Random(20_260_611)
    signals = [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL, signal.SIGINT] * 2
    draw.shuffle(signals)
    tried_while_busy = 0
    for sent in signals:
        cli = start_cli(["check", "--jobs", "2", "--no-cache", "--format", "concise", "."], project)
        assert cli.stdout is not None
        try:
            deadline = time.monotonic() + 30
            while not children(cli.pid) and cli.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(draw.uniform(0, 0.4))
            tried_while_busy += bool(children(cli.pid))
            cli.send_signal(sent)
            deadline = time.monotonic() + 5
            assert reads_to_eof(cli.stdout.fileno(), deadline), f"stdout still open after {sent.name}"
            while session_members(cli.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            left = session_members(cli.pid)
            assert left == [], f"processes left after {sent.name}: {left}"
        finally:
            for pid in session_members(cli.pid):
                os.kill(pid, signal.SIGKILL)
            cli.wait(10)
            cli.stdout.close()
    assert tried_while_busy >= len(signals) // 2  # the signals did meet a busy pool


# --- Item 6: flake8's parallel workers ------------------------------------------------------------------


def test_flake8_in_parallel_on_a_cold_cache_gives_layerguards_findings(tmp_path: Path) -> None:
    """`flake8 --jobs 2` runs the plugin in daemonic processes, which multiprocessing forbids to
    start children; on a cold cache the plugin parses the whole project with its worker pool."""
    project = project_with_modules(tmp_path, 60)
    newer = project / "app" / "services" / "Newer.py"
    newer.write_text("from app.api.v1.endpoints import users\ntype Alias = list[int]\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--jobs", "2", "--select", "LG", "app"],
        cwd=project, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    shutil.rmtree(project / ".layerguard_cache")
    concise = run_cli("check", "--no-cache", "--format", "concise", "app", cwd=project)
    # flake8 shows no LG finding in a file its own parser rejects (SPEC §6): Newer.py on a
    # Python older than 3.12, and LG001 everywhere.
    flake8_rejects = {"app/services/Newer.py"} if sys.version_info < (3, 12) else set()
    expected = sorted(
        line
        for line in concise.stdout.splitlines()
        if ": LG001 " not in line and line.partition(":")[0] not in flake8_rejects
    )
    assert sorted(result.stdout.splitlines()) == expected
    assert sum(": LG101 " in line for line in expected) >= 60


# --- Item 14: the parse timeout whatever the number of jobs ---------------------------------------------


def test_a_file_past_the_parse_timeout_is_an_lg001_whatever_the_jobs(tmp_path: Path) -> None:
    """`ast` cannot be stopped in process: a file that big is parsed where the timeout holds,
    with `--jobs 1` and in a small project as in a worker pool."""
    big = project_with_modules(tmp_path / "big", 60)
    small = project_with_modules(tmp_path / "small", 0)
    for project in (big, small):
        pyproject = project / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + "parse-timeout = 1\n")
        # About 2 MB of the slowest kind of statement: seconds to parse on any machine.
        (project / "app" / "generated.py").write_text("x = 1\n" * 350_000)
    outputs = {}
    for project in (big, small):
        for jobs in ("1", "2"):
            started = time.monotonic()
            result = run_cli("check", "--no-cache", "--format", "concise", "--jobs", jobs, ".", cwd=project)
            outputs[project.parent.name, jobs] = (result.stdout, result.returncode)
            assert "app/generated.py:1:1: LG001 " in result.stdout, (project, jobs, result.stdout[-2000:])
            assert "parse took longer than 1" in result.stdout
            assert time.monotonic() - started < 30
    assert outputs["big", "1"] == outputs["big", "2"]
    assert outputs["small", "1"] == outputs["small", "2"]


# --- Item 17: --jobs is capped --------------------------------------------------------------------------


@needs_proc
def test_a_huge_jobs_number_starts_no_more_workers_than_the_cap(tmp_path: Path) -> None:
    project = project_with_modules(tmp_path, 200, body_lines=100)
    cap = min(4 * (os.cpu_count() or 1), 64)
    cli = start_cli(
        ["check", "--no-cache", "--format", "concise", "--jobs", "99999999999999999999999", "."], project
    )
    most = 0
    deadline = time.monotonic() + TIMEOUT
    while cli.poll() is None and time.monotonic() < deadline:
        most = max(most, len(children(cli.pid)))
        time.sleep(0.002)
    output, _ = cli.communicate(timeout=TIMEOUT)
    assert cli.returncode == 1
    assert b"LG101" in output
    assert 1 <= most <= cap
    expected = run_cli("check", "--no-cache", "--format", "concise", ".", cwd=project)
    assert output.decode() == expected.stdout


# --- Item 12: rules in linear time, and bounded ---------------------------------------------------------


def chain_project(root: Path, length: int) -> Path:
    """A project whose schemas are a `length`-class inheritance chain: the envelope's fields
    and a secret field come from its first classes; one route responds with the last class,
    one with a class outside the chain."""
    project = root / "project"
    (project / "app" / "schemas").mkdir(parents=True)
    (project / "app" / "api").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "chain"\n\n[tool.layerguard]\n')
    for package in ("app", "app/schemas", "app/api"):
        (project / package / "__init__.py").write_text("")
    classes = [
        "from pydantic import BaseModel\n\n\nclass Link0(BaseModel):\n    code: int\n    password: str\n",
        "\n\nclass Link1(Link0):\n    data: dict\n",
        "\n\nclass Link2(Link1):\n    message: str\n",
    ]
    classes += [f"\n\nclass Link{i}(Link{i - 1}):\n    field_{i}: int\n" for i in range(3, length)]
    classes.append("\n\nclass Plain(BaseModel):\n    value: int\n")
    (project / "app" / "schemas" / "chain.py").write_text("".join(classes))
    (project / "app" / "api" / "routes.py").write_text(
        "from fastapi import APIRouter\n\n"
        f"from app.schemas.chain import Link{length - 1}, Plain\n\n"
        "router = APIRouter()\n\n\n"
        f'@router.get("/last", response_model=Link{length - 1})\n'
        f"async def last() -> Link{length - 1}:\n    ...\n\n\n"
        '@router.get("/plain", response_model=Plain)\n'
        "async def plain() -> Plain:\n    ...\n"
    )
    return project


def test_a_12000_class_inheritance_chain_is_checked_in_linear_time(tmp_path: Path) -> None:
    """LG701 looks for the envelope's fields in every class, own or inherited, and LG702 for
    secret fields: walking every class's ancestors took 91 s on 12,000 classes (quadratic)."""
    project = chain_project(tmp_path, 12_000)
    result = run_cli(
        "check", "--no-cache", "--format", "concise", "--select", "LG7", ".", cwd=project, timeout=40
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert [line.partition(" ")[2].partition(" ")[0] for line in lines] == ["LG701", "LG702"], lines
    assert "Route handler `plain` responds with `Plain`" in lines[0]
    assert (
        "`Link11999` (response model of `last`) has the secret field `password` (inherited from `Link0`)"
        in lines[1]
    )


def test_a_rule_past_its_time_is_stopped_and_reported_as_lg000(tmp_path: Path) -> None:
    """The bound, through the library with a real rule and a tiny limit: the CLI's limit (six
    times `parse-timeout`, at least a minute) is too long for a test, and no input keeps a
    rule that slow once the rules are linear."""
    from layerguard.api import load_config, load_project
    from layerguard.checks import ALL_RULES
    from layerguard.engine import run_rules

    project = chain_project(tmp_path, 3_000)
    config = load_config([project])
    checked = load_project(config, [project], {}, jobs=1, use_cache=False)
    # The two project rules that follow the class chain (LG703's per-file reads are quick).
    lg7 = [rule for rule in ALL_RULES if rule.meta.code in ("LG701", "LG702")]
    unbounded = [f.code for f in run_rules(checked, lg7)]
    assert unbounded == ["LG701", "LG702"]
    # A fresh project: the first run filled the symbols' memo of inherited fields, which would
    # let a rule finish within the limit.
    fresh = load_project(config, [project], {}, jobs=1, use_cache=False)
    # What shows the bound is the LG000 of each rule, not a wall-clock assertion: unbounded, the
    # two rules take ~0.06 s here, and a stall of the machine (three suites on two cores) once
    # made the bounded run take 0.58 s.
    bounded = list(run_rules(fresh, lg7, time_limit=0.001))
    assert [f.code for f in bounded] == ["LG000", "LG000"]
    assert all("stopped after 0.001 s" in f.message for f in bounded)
    assert {f.message.partition(":")[0] for f in bounded} == {
        "Internal error in LG701 (response-envelope)",
        "Internal error in LG702 (secret-in-response)",
    }
    assert [f.code for f in run_rules(checked, lg7)] == ["LG701", "LG702"]  # the signal is left as it was
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
