"""LG901-LG906, the security rules, through the real CLI.

Each folder of tests/fixtures/security_rules is a project whose `# error: [LG9xx]` markers are
exactly what `layerguard check --select LG9` must report; every other line — the traps a real
app is full of (`token_type = "bearer"`, `API_KEY_HEADER`, `except ValueError as e`, CORS with
listed origins, a decode that verifies) — must stay clean.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cli_runner import cli_env, run_cli
from markers import expected_findings, read_tree, write_project

FIXTURES = Path(__file__).parent.parent / "fixtures" / "security_rules"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
SECURITY_CODES = {"LG901", "LG902", "LG903", "LG904", "LG905", "LG906"}


@pytest.fixture
def project(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A copy of the named fixture project, so the run writes nothing into the source tree."""
    root = tmp_path / request.param
    shutil.copytree(FIXTURES / request.param, root)
    return root


def security_findings(root: Path, *args: str) -> list[dict[str, Any]]:
    """The LG9 findings of `layerguard check` in `root`; exit 1 exactly when there are some."""
    result = run_cli("check", "--select", "LG9,LG902", "--format", "json", "--no-cache", *args, cwd=root)
    assert result.returncode in (0, 1), result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    assert result.returncode == (1 if findings else 0)
    return findings


def located(findings: list[dict[str, Any]]) -> Counter[tuple[str, int, str]]:
    return Counter((f["path"], f["line"], f["code"]) for f in findings)


def test_every_case_is_tested_and_every_rule_has_one() -> None:
    assert CASES == ["cors", "error_detail", "hardcoded_secret", "jwt_verification", "route_auth"]
    marked = {code for case in CASES for _, _, code in expected_findings(read_tree(FIXTURES / case))}
    assert marked == SECURITY_CODES


@pytest.mark.parametrize("project", CASES, indirect=True)
def test_findings_are_exactly_the_markers(project: Path) -> None:
    assert located(security_findings(project)) == expected_findings(read_tree(project))


@pytest.mark.parametrize("project", ["hardcoded_secret"], indirect=True)
def test_test_files_are_not_checked(project: Path) -> None:
    """`tests/settings.py` holds `SECRET_KEY = "test-secret"`: excluded by default."""
    assert "test-secret" in (project / "tests" / "settings.py").read_text(encoding="utf-8")
    assert not [f for f in security_findings(project) if f["path"].startswith("tests/")]


def test_messages_name_what_was_found_and_what_to_do(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {
            "app/main.py": """\
            import jwt
            from fastapi import FastAPI, HTTPException
            from fastapi.middleware.cors import CORSMiddleware

            SECRET_KEY = "abc123"
            app = FastAPI()
            app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)


            @app.get("/me")
            async def me(token: str) -> dict:
                try:
                    return jwt.decode(token, options={"verify_signature": False})
                except Exception as exc:
                    raise HTTPException(500, detail=str(exc)) from exc
            """
        },
    )
    messages = {f["code"]: f["message"] for f in security_findings(root)}
    assert messages == {
        "LG901": "`SECRET_KEY` is given a literal secret: read it from the environment or a secret store",
        "LG902": 'JWT decoded without verifying its signature (`"verify_signature": False`): anyone can '
        "forge these claims; verify with the key and `algorithms=[...]`",
        "LG903": 'CORS allows every origin (["*"]) with `allow_credentials=True`: any web site can call '
        "the API with the user's cookies; list the trusted origins",
        "LG904": "The text of an unexpected exception is sent to the client (str(exc)): log it and answer "
        "with a fixed message",
    }


SETTINGS = """\
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    db_password: str = "postgres"
    webhook_token: str = "whk-123"
    pin: str = "0000"
"""


def test_extend_secret_names_adds_to_the_default(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app/settings.py": SETTINGS}, 'extend-secret-names = ["webhook_token"]\n')
    assert {(f["line"], f["message"].split("`")[1]) for f in security_findings(root)} == {
        (5, "db_password"),
        (6, "webhook_token"),
    }


def test_secret_names_replaces_the_default(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app/settings.py": SETTINGS}, 'secret-names = ["PIN"]\n')
    assert [(f["line"], f["message"].split("`")[1]) for f in security_findings(root)] == [(7, "pin")]


def test_a_bad_secret_names_value_is_a_one_line_config_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app/settings.py": SETTINGS}, 'secret-names = "password"\n')
    result = run_cli("check", "--select", "LG9,LG902", cwd=root)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert "'secret-names' must be a list of non-empty strings" in line
    assert "pyproject.toml" in line
    assert "Traceback" not in result.stderr


def test_noqa_on_any_line_of_the_statement_suppresses(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {
            "app/main.py": """\
            from fastapi import FastAPI
            from fastapi.middleware.cors import CORSMiddleware

            app = FastAPI()
            app.add_middleware(  # noqa: LG903 -- a public, cookie-less API
                CORSMiddleware,
                allow_origin_regex=".*",
                allow_credentials=True,
            )
            DATABASE_URL = "postgresql://app:pw@db/app"  # noqa: LG901
            """
        },
    )
    assert security_findings(root) == []


def test_rules_lists_the_security_rules_on_by_default_and_lg902_opt_in(tmp_path: Path) -> None:
    result = run_cli("rules", cwd=tmp_path, env=cli_env(COLUMNS="200"))
    assert result.returncode == 0, result.stderr
    rows = {
        line.split()[0]: line.split()[1:4]
        for line in result.stdout.splitlines()
        if line.strip()[:4] == "LG90"
    }
    assert rows == {
        "LG901": ["hardcoded-secret", "error", "yes"],
        "LG902": ["jwt-without-verification", "error", "opt-in"],
        "LG903": ["cors-wildcard-credentials", "error", "yes"],
        "LG904": ["error-detail-leak", "error", "yes"],
        "LG905": ["route-without-auth", "error", "no:"],
        "LG906": ["dependencies-parameter", "error", "yes"],
    }
    assert "no: set auth-dependencies" in next(line for line in result.stdout.splitlines() if "LG905" in line)


def test_lg905_runs_once_auth_dependencies_is_set(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.layerguard]\nauth-dependencies = ["get_current_user"]\n',
        encoding="utf-8",
    )
    result = run_cli("rules", cwd=tmp_path, env=cli_env(COLUMNS="200"))
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.strip().startswith("LG905"))
    assert row.split()[3] == "yes"


def test_a_bad_auth_dependencies_value_names_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.layerguard]\nauth-dependencies = ["get current user"]\n',
        encoding="utf-8",
    )
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "pyproject.toml" in result.stderr and "'auth-dependencies'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("code", sorted(SECURITY_CODES))
def test_explain_shows_the_card(code: str, tmp_path: Path) -> None:
    result = run_cli("explain", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"# {code} ")
    assert "## Why is this bad?" in result.stdout
