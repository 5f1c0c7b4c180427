"""The baseline (issue 14) through the real CLI, the real flake8 and `graph`: `layerguard
baseline` records today's findings, `check --baseline FILE` and the `baseline` key report only
new ones. Fingerprints hold no line number: moved code stays matched, a fixed finding is
reported as a fixed entry, a new finding in the same function is reported, a renamed file
keeps its entries, two copies of a project give the same bytes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import cli_env, run_cli

REPO = Path(__file__).resolve().parents[2]
FORTRESS = REPO / "tests" / "fixtures" / "fortress_app"
BASELINE = "layerguard-baseline.json"
TIMEOUT = 60

PYPROJECT = '[project]\nname = "shop"\nrequires-python = ">=3.11"\n\n[tool.layerguard]\n'
USER_SERVICE = """\
from typing import Optional


class UserService:
    async def find(self, user_id: int) -> Optional[str]:
        cached: Optional[str] = None
        return cached

    async def count(self) -> int:
        return 0
"""
ORDER_SERVICE = "class OrderService:\n    async def total(self) -> int:\n        return 0\n"
USER_MODEL = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.services.OrderService import OrderService


class User(DeclarativeBase):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
"""
SERVICE = "app/services/UserService.py"
MODEL = "app/models/User.py"


def write_project(root: Path, settings: str = "") -> Path:
    """A small fortress project: two LG401 in `UserService.find`, one LG101 in the model."""
    for package in ("app", "app/services", "app/models"):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(PYPROJECT + settings)
    (root / SERVICE).write_text(USER_SERVICE)
    (root / "app/services/OrderService.py").write_text(ORDER_SERVICE)
    (root / MODEL).write_text(USER_MODEL)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "shop")


def layerguard(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, timeout=TIMEOUT)


def concise(result: subprocess.CompletedProcess[str]) -> list[str]:
    return result.stdout.splitlines()


def record(root: Path, *args: str) -> dict[str, object]:
    result = layerguard("baseline", *args, cwd=root)
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads((root / BASELINE).read_text())
    return data


def check(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return layerguard("check", "--format", "concise", "--baseline", BASELINE, *args, cwd=root)


def test_a_baseline_matches_every_current_finding(project: Path) -> None:
    before = layerguard("check", "--format", "concise", cwd=project)
    assert before.returncode == 1 and len(concise(before)) == 3, before.stdout
    result = layerguard("baseline", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Wrote 3 baseline entries (2 files) to {BASELINE}\n"
    after = check(project)
    assert (after.returncode, after.stdout) == (0, "")
    assert after.stderr == "layerguard: 3 findings matched the baseline\n"
    text = layerguard("check", "--baseline", BASELINE, cwd=project)
    assert text.returncode == 0
    assert "All checks passed! (6 files checked; 3 findings matched the baseline)" in text.stdout


def test_the_file_holds_no_line_number_and_one_entry_per_line(project: Path) -> None:
    record(project)
    text = (project / BASELINE).read_text()
    lines = text.splitlines()
    entries = [line.strip().rstrip(",") for line in lines if '"code"' in line]
    assert entries == [
        '{"code": "LG101", "count": 1, "scope": "", '
        '"statement": "from app.services.OrderService import OrderService"}',
        '{"code": "LG401", "count": 1, "scope": "UserService.find", '
        '"statement": "async def find(self, user_id:int)->Optional[str]:"}',
        '{"code": "LG401", "count": 1, "scope": "UserService.find", '
        '"statement": "cached:Optional[str]=None"}',
    ]
    assert '"line"' not in text and "/tmp" not in text and str(project) not in text


def test_code_that_moves_lines_or_is_reformatted_stays_matched(project: Path) -> None:
    record(project)
    moved = USER_SERVICE.replace(
        "class UserService:\n",
        "LIMIT = 10\n\n\nclass UserService:\n    async def first(self) -> int:\n        return 1\n\n",
    ).replace(
        "    async def find(self, user_id: int) -> Optional[str]:\n",
        "    async def find(\n        self,\n        user_id: int,  # the id\n    ) -> Optional[str]:\n",
    )
    (project / SERVICE).write_text("# a header comment\n\n" + moved)
    (project / MODEL).write_text("\n\n" + USER_MODEL)
    result = check(project)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr
    assert "3 findings matched" in result.stderr
    assert "fixed" not in result.stderr


def test_a_fixed_finding_is_reported_as_a_fixed_entry_and_check_never_writes(project: Path) -> None:
    record(project)
    recorded = (project / BASELINE).read_bytes()
    (project / SERVICE).write_text(USER_SERVICE.replace("cached: Optional[str] = None", "cached = None"))
    result = check(project)
    assert (result.returncode, result.stdout) == (0, "")
    shrink = "run `layerguard baseline` to shrink it\n"
    assert f"layerguard: 1 baseline entry is fixed: {shrink}" in result.stderr
    assert (project / BASELINE).read_bytes() == recorded  # never grows or shrinks by itself
    (project / MODEL).write_text(USER_MODEL.replace("from app.services.OrderService import OrderService", ""))
    result = check(project)
    assert f"layerguard: 2 baseline entries are fixed: {shrink}" in result.stderr
    shrunk = record(project)
    assert shrunk["files"] == {
        SERVICE: {
            "sha256": shrunk["files"][SERVICE]["sha256"],  # type: ignore[index]
            "findings": [
                {
                    "code": "LG401",
                    "count": 1,
                    "scope": "UserService.find",
                    "statement": "async def find(self, user_id:int)->Optional[str]:",
                }
            ],
        }
    }
    assert "fixed" not in check(project).stderr


def test_a_new_finding_in_the_same_function_is_reported(project: Path) -> None:
    record(project)
    added = "        other: Optional[int] = 1\n        return cached"
    (project / SERVICE).write_text(USER_SERVICE.replace("        return cached", added))
    result = check(project)
    assert result.returncode == 1
    assert concise(result) == [f"{SERVICE}:7:16: LG401 Use `int | None` instead of `Optional[...]`"]
    assert "3 findings matched" in result.stderr


def test_the_count_lets_one_more_of_the_same_kind_in_the_same_place_through(project: Path) -> None:
    """Bandit's baseline ignores counts, so one entry absorbs any number of new findings."""
    record(project)
    duplicated = USER_SERVICE.replace(
        "        cached: Optional[str] = None\n",
        "        cached: Optional[str] = None\n        cached: Optional[str] = None\n",
    )
    (project / SERVICE).write_text(duplicated)
    result = check(project)
    assert result.returncode == 1
    assert concise(result) == [f"{SERVICE}:7:17: LG401 Use `str | None` instead of `Optional[...]`"]


def test_a_renamed_file_keeps_its_entries_when_its_content_matches(project: Path) -> None:
    record(project)
    (project / "app/services/users").mkdir()
    (project / "app/services/users/__init__.py").write_text("")
    (project / SERVICE).rename(project / "app/services/users/UserService.py")
    result = check(project)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr
    assert "3 findings matched" in result.stderr and "fixed" not in result.stderr
    # Renamed and edited: the hash no longer vouches for it; its findings are new.
    moved = project / "app/services/users/UserService.py"
    moved.write_text(moved.read_text() + "\n\nLIMIT = 1\n")
    result = check(project)
    assert result.returncode == 1
    assert len(concise(result)) == 2
    assert "2 baseline entries are fixed" in result.stderr  # the old path's: its file is gone


def test_two_machines_write_the_same_bytes(tmp_path: Path) -> None:
    first = tmp_path / "alice" / "work" / "app_repo"
    second = tmp_path / "bob" / "checkout"
    for copy in (first, second):
        shutil.copytree(FORTRESS, copy, ignore=shutil.ignore_patterns(".layerguard_cache"))
    assert layerguard("baseline", cwd=first).returncode == 0
    # From another folder, naming the file and the project, without the cache.
    result = layerguard("baseline", second / "lg.json", second, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = (first / BASELINE).read_bytes()
    assert data == (second / "lg.json").read_bytes()
    assert str(tmp_path).encode() not in data and b"alice" not in data
    findings = layerguard("check", "--format", "concise", cwd=first).stdout.splitlines()
    counts = [entry["count"] for file in json.loads(data)["files"].values() for entry in file["findings"]]
    assert sum(counts) == len(findings) > 10  # every finding of the app, recorded


NEW_IMPORT = "from app.services.UserService import UserService\n"


def reported_codes(fmt: str, output: str) -> list[str]:
    """The codes of the findings an output shows, read the way its consumers read it."""
    if fmt == "json":
        return [finding["code"] for finding in json.loads(output)]
    if fmt == "sarif":
        return [result["ruleId"] for result in json.loads(output)["runs"][0]["results"]]
    if fmt == "github":
        return [line.split("title=")[1].split("::")[0] for line in output.splitlines()]
    if fmt == "concise":
        return [line.split(": ")[1].split()[0] for line in output.splitlines()]
    return [line.split()[1] for line in output.splitlines() if line.startswith("  ") and "LG" in line]


@pytest.mark.parametrize("fmt", ["text", "concise", "json", "sarif", "github"])
def test_every_format_shows_only_the_new_findings(project: Path, fmt: str) -> None:
    record(project)
    (project / "pyproject.toml").write_text(PYPROJECT + f'baseline = "{BASELINE}"\n')
    (project / MODEL).write_text(NEW_IMPORT + USER_MODEL)
    result = layerguard("check", "--format", fmt, cwd=project)
    assert result.returncode == 1, result.stderr
    assert reported_codes(fmt, result.stdout) == ["LG101"]
    if fmt == "text":
        assert "Found 1 finding (1 error) in 1 file; 3 findings matched the baseline." in result.stdout
        assert "matched" not in result.stderr
    else:
        assert "layerguard: 3 findings matched the baseline\n" in result.stderr


def test_graph_counts_violations_after_the_baseline(project: Path) -> None:
    record(project)
    (project / MODEL).write_text(NEW_IMPORT + USER_MODEL)
    without = layerguard("graph", cwd=project)
    assert '|"2 violations"|' in without.stdout
    (project / "pyproject.toml").write_text(PYPROJECT + f'baseline = "{BASELINE}"\n')
    with_baseline = layerguard("graph", cwd=project)
    assert with_baseline.returncode == 0, with_baseline.stderr
    assert '|"1 violation"|' in with_baseline.stdout and "2 violations" not in with_baseline.stdout


def test_pre_commit_style_file_lists_judge_only_those_files(project: Path) -> None:
    """pre-commit passes the staged files: entries of the other files are neither matched
    nor reported fixed."""
    record(project)
    (project / "pyproject.toml").write_text(PYPROJECT + f'baseline = "{BASELINE}"\n')
    (project / MODEL).write_text(NEW_IMPORT + USER_MODEL)
    staged_model = layerguard("check", "--format", "concise", MODEL, cwd=project)
    assert staged_model.returncode == 1
    assert [line.split(": ")[1][:5] for line in concise(staged_model)] == ["LG101"]
    assert staged_model.stderr == "layerguard: 1 finding matched the baseline\n"
    staged_service = layerguard("check", "--format", "concise", SERVICE, cwd=project)
    assert (staged_service.returncode, staged_service.stdout) == (0, "")
    assert staged_service.stderr == "layerguard: 2 findings matched the baseline\n"


def test_flake8_reads_the_baseline_key(project: Path) -> None:
    record(project)
    (project / MODEL).write_text(NEW_IMPORT + USER_MODEL)
    (project / "pyproject.toml").write_text(PYPROJECT + f'baseline = "{BASELINE}"\n')
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "LG", "app"],
        cwd=project,
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=TIMEOUT,
        check=False,
    )
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines == concise(layerguard("check", "--format", "concise", cwd=project))
    assert len(lines) == 1 and lines[0].startswith(f"{MODEL}:1:1: LG101 "), result.stdout


def test_recording_some_paths_keeps_the_entries_of_the_others(project: Path) -> None:
    record(project)
    (project / SERVICE).write_text(USER_SERVICE.replace("cached: Optional[str] = None", "cached = None"))
    result = layerguard("baseline", BASELINE, "app/services", cwd=project)
    assert result.returncode == 0, result.stderr
    files = json.loads((project / BASELINE).read_text())["files"]
    assert sorted(files) == [MODEL, SERVICE]
    assert len(files[SERVICE]["findings"]) == 1
    assert check(project).returncode == 0


def test_the_baseline_command_refuses_a_python_file_or_folder_as_its_file(project: Path) -> None:
    result = layerguard("baseline", "app", cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith("layerguard: error: app cannot hold the baseline: FILE comes first")
    assert not (project / BASELINE).exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3", "'baseline' must be a file path relative to the project root, got an integer 3"),
        ('""', "'baseline' must be a file path relative to the project root"),
        ('"../elsewhere.json"', "'baseline' must be a file path inside the project"),
        ('"/etc/passwd"', "'baseline' must be a file path inside the project"),
    ],
)
def test_a_bad_baseline_key_is_a_one_line_error(project: Path, value: str, message: str) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT + f"baseline = {value}\n")
    for command in (["check"], ["graph"], ["baseline"]):
        result = layerguard(*command, cwd=project)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
        assert result.stderr.startswith("layerguard: error: pyproject.toml: [tool.layerguard] ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not a layerguard baseline: invalid JSON"),
        (b"\xff\xfe", "not a layerguard baseline: not UTF-8 JSON"),
        (b"[]", 'not a layerguard baseline (no "layerguard-baseline": 1)'),
        (b'{"layerguard-baseline": 1, "files": []}', '"files" must be an object'),
        (
            b'{"layerguard-baseline": 1, "files": {"a.py": {"sha256": "", "findings": [{"code": 1}]}}}',
            "has a finding that is not",
        ),
        (b"[" * 100_000, "not a layerguard baseline"),
    ],
)
def test_a_malformed_baseline_is_a_one_line_error(project: Path, content: bytes, message: str) -> None:
    (project / BASELINE).write_bytes(content)
    result = check(project)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"layerguard: error: {BASELINE}: ") and message in result.stderr


def test_a_missing_baseline_says_how_to_write_one(project: Path) -> None:
    result = check(project)
    assert result.returncode == 2
    assert result.stderr == (
        f"layerguard: error: {BASELINE}: the baseline file does not exist; "
        "write it with `layerguard baseline`\n"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_baseline_does_not_hang(project: Path) -> None:
    os.mkfifo(project / BASELINE)
    (project / "pyproject.toml").write_text(PYPROJECT + f'baseline = "{BASELINE}"\n')
    result = layerguard("check", cwd=project)  # a hang fails through the timeout
    assert result.returncode == 2
    assert result.stderr == f"layerguard: error: {BASELINE}: the baseline is not a regular file\n"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_link_out_of_the_project_is_never_read_or_written_through(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("precious\n")
    (project / "pyproject.toml").write_text(PYPROJECT + f'baseline = "{BASELINE}"\n')
    for target in (outside, Path("/dev/zero")):
        (project / BASELINE).unlink(missing_ok=True)
        (project / BASELINE).symlink_to(target)
        result = layerguard("check", cwd=project)
        assert result.returncode == 2
        assert result.stderr == (
            f"layerguard: error: {BASELINE}: refusing the baseline: a link there leads out of the project\n"
        )
    # `layerguard baseline` replaces the link with a file: the target is untouched.
    (project / BASELINE).unlink()
    (project / BASELINE).symlink_to(outside)
    assert layerguard("baseline", cwd=project).returncode == 0
    assert outside.read_text() == "precious\n"
    assert not (project / BASELINE).is_symlink()
    assert check(project).returncode == 0


def test_a_folder_linked_out_of_the_project_is_not_written_into(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (project / "ci").symlink_to(outside)
    (project / "pyproject.toml").write_text(PYPROJECT + 'baseline = "ci/baseline.json"\n')
    result = layerguard("baseline", cwd=project)
    assert result.returncode == 2
    assert "refusing the baseline: a link there leads out of the project" in result.stderr
    assert list(outside.iterdir()) == []
