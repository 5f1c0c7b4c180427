"""SARIF for GitHub code scanning through the real CLI (issue 16): file URIs relative to the
repository root from whatever folder layerguard runs, under `%SRCROOT%`, and the rule properties
GitHub reads. Every log is validated against the vendored official schema."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_runner import run_cli

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
SERVICE = """\
from typing import Optional

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def find(session: AsyncSession, name: str) -> Optional[int]:
    await session.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))
    return None


class UserService:
    pass
"""
SERVICE_URI = "backend/app/services/UserService.py"


def assert_valid(log: dict[str, Any]) -> None:
    """`log` is valid SARIF 2.1.0 by the official OASIS schema."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).validate(log)


def sarif(*args: str | Path, cwd: Path) -> dict[str, Any]:
    """The SARIF log `layerguard check --format sarif ARGS` writes in `cwd`, checked valid."""
    result = run_cli("check", "--format", "sarif", "--no-cache", *args, cwd=cwd)
    assert result.returncode == 1, result.stderr
    log: dict[str, Any] = json.loads(result.stdout)
    assert_valid(log)
    return log


def locations(log: dict[str, Any]) -> list[dict[str, str]]:
    results = log["runs"][0]["results"]
    return [result["locations"][0]["physicalLocation"]["artifactLocation"] for result in results]


def make_repository(top: Path, project: str = "backend", git: str = "folder") -> Path:
    """A repository at `top` (a `.git` folder, or a `.git` file as a worktree has) whose Python
    project lives in the sub-folder `project`; returns the project root."""
    root = top / project
    (root / "app" / "services").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'backend'\n[tool.layerguard]\n", encoding="utf-8")
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "services" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "services" / "UserService.py").write_text(SERVICE, encoding="utf-8")
    if git == "folder":
        (top / ".git").mkdir()
    elif git == "file":
        # A worktree's or submodule's `.git` is a file naming the real one; it is never read.
        (top / ".git").write_text("gitdir: /nonexistent/worktrees/backend\n", encoding="utf-8")
    return root


def test_uris_are_relative_to_the_repository_root_from_any_folder(tmp_path: Path) -> None:
    """From the project's sub-folder, from the repository root with the sub-folder as argument,
    and from an unrelated folder with an absolute path: one log, URIs `backend/app/...`."""
    top = tmp_path / "repo"
    root = make_repository(top)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    from_project = sarif(cwd=root)
    from_top = sarif("backend", cwd=top)
    from_elsewhere = sarif(root, cwd=elsewhere)
    from_a_file = sarif("app/services/UserService.py", cwd=root)
    expected = {"uri": SERVICE_URI, "uriBaseId": "%SRCROOT%"}
    assert locations(from_project) == [expected, expected]
    assert from_project["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": top.as_uri() + "/"}}
    assert from_top == from_project
    assert from_elsewhere == from_project
    assert from_a_file == from_project


def test_a_git_file_marks_the_repository_root_and_is_never_read(tmp_path: Path) -> None:
    """A worktree or submodule has a `.git` file: it marks the root like a folder does. It is
    never opened: here it is a FIFO, which would block the run if anything read it."""
    top = tmp_path / "worktree"
    root = make_repository(top, git="file")
    assert locations(sarif(cwd=root))[0] == {"uri": SERVICE_URI, "uriBaseId": "%SRCROOT%"}
    (top / ".git").unlink()
    os.mkfifo(top / ".git")
    log = sarif(cwd=root)
    assert locations(log)[0] == {"uri": SERVICE_URI, "uriBaseId": "%SRCROOT%"}
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == top.as_uri() + "/"


def test_the_nearest_repository_above_the_project_is_the_root(tmp_path: Path) -> None:
    """Nested folders between the repository and the project; an outer repository above it
    does not count."""
    (tmp_path / ".git").mkdir()
    top = tmp_path / "monorepo"
    root = make_repository(top, project="services/api/backend")
    log = sarif(cwd=root)
    assert locations(log)[0]["uri"] == "services/api/" + SERVICE_URI
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == top.as_uri() + "/"


def test_without_a_repository_the_project_root_is_the_base(tmp_path: Path) -> None:
    root = make_repository(tmp_path / "plain", git="none")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    log = sarif(root / "app", cwd=elsewhere)
    assert locations(log)[0] == {"uri": "app/services/UserService.py", "uriBaseId": "%SRCROOT%"}
    assert log["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": root.as_uri() + "/"}}


def test_fingerprints_do_not_depend_on_where_layerguard_runs_or_the_checkout_folder(tmp_path: Path) -> None:
    """Code scanning matches alerts across runs by `primaryLocationLineHash`: the same code in
    another checkout folder, checked from another folder, keeps its fingerprints."""
    first = make_repository(tmp_path / "one")
    fingerprints = [r["partialFingerprints"] for r in sarif(cwd=first)["runs"][0]["results"]]
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    moved = [r["partialFingerprints"] for r in sarif("backend", cwd=tmp_path / "two")["runs"][0]["results"]]
    assert moved == fingerprints
    assert len({f["primaryLocationLineHash"] for f in fingerprints}) == len(fingerprints)


def test_rules_carry_what_github_code_scanning_reads(tmp_path: Path) -> None:
    """GitHub's SARIF support: a rule's descriptions (at most 1024 characters), help in text and
    Markdown, `tags`, `precision`, and `security-severity` (a string score) on the security rules,
    which are tagged `security`; results name their rule by id and index, with a level."""
    log = sarif(cwd=make_repository(tmp_path / "repo"))
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    rules = {rule["id"]: rule for rule in driver["rules"]}
    for rule in driver["rules"]:
        assert 0 < len(rule["shortDescription"]["text"]) <= 1024
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["properties"]["precision"] in {"very-high", "high", "medium", "low"}
        assert 0 < len(rule["properties"]["tags"]) <= 10
        if "security-severity" in rule["properties"]:
            assert "security" in rule["properties"]["tags"]
    injection = rules["LG502"]["properties"]
    assert injection["security-severity"] == "8.8"
    assert "security" in injection["tags"]
    assert rules["LG702"]["properties"]["security-severity"] == "7.5"
    assert "security-severity" not in rules["LG401"]["properties"]
    assert {result["ruleId"] for result in run["results"]} == {"LG401", "LG502"}
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning"}
        assert result["message"]["text"]
    # No home page that does not exist: the package declares none.
    assert "informationUri" not in driver


def test_a_clean_repository_gives_a_valid_log_with_the_base_declared(tmp_path: Path) -> None:
    root = make_repository(tmp_path / "repo")
    clean = "class UserService:\n    pass\n"
    (root / "app" / "services" / "UserService.py").write_text(clean, encoding="utf-8")
    result = run_cli("check", "--format", "sarif", "--no-cache", cwd=root)
    assert result.returncode == 0, result.stderr
    log = json.loads(result.stdout)
    assert_valid(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": (tmp_path / "repo").as_uri() + "/"}}


@pytest.mark.parametrize("name", ["my repo", "dépôt#1"])
def test_a_root_with_spaces_or_non_ascii_is_a_valid_uri(tmp_path: Path, name: str) -> None:
    top = tmp_path / name
    root = make_repository(top)
    log = sarif(cwd=root)
    base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == top.as_uri() + "/"
    assert " " not in base and "#" not in base
