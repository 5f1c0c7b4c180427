"""Module globs (layers, wiring) and path globs (exclude, per-file-ignores)."""

from __future__ import annotations

import pytest

from layerguard.globs import module_glob_matches, module_glob_problem, path_glob_matches


@pytest.mark.parametrize(
    ("pattern", "module", "expected"),
    [
        # SPEC §1: the deepest last literal wins, so app.api.schemas.user is a schema.
        ("**.api.**", "app.api.schemas.user", 1),
        ("**.schemas.**", "app.api.schemas.user", 2),
        ("**.router", "app.users.router", 2),
        ("**.router", "app.router.users", None),
        ("**.router", "router", 0),
        ("**.api.**", "app.api", 1),
        ("**.api.**", "api", 0),
        ("**.api.**", "app.apis", None),
        ("app.*", "app.users", 0),
        ("app.*", "app.users.router", None),
        ("app.*", "app", None),
        ("*.services.*", "app.services.user", 1),
        ("*.services.*", "app.v1.services.user", None),
        ("app.**.crud", "app.crud", 1),
        ("app.**.crud", "app.a.b.crud", 3),
        ("app.api.**", "app.api", 1),
        ("app.api.**", "app.api.v1.users", 1),
        ("app.api.**", "other.api", None),
        ("**.test_*", "pkg.tests.test_users", 2),
        ("**.test_?", "pkg.test_a", 1),
        ("**.test_?", "pkg.test_ab", None),
        ("**.[mn]odels.**", "app.models.user", 1),
        ("**.[!m]odels.**", "app.models.user", None),
        ("**", "anything.at.all", -1),
        ("*.*", "two.parts", -1),
        ("*.*", "three.parts.here", None),
        # Every matching counts: the repeated literal is taken at its deepest position.
        ("**.a.**", "a.x.a.y", 2),
        ("**.a.**.b", "a.b.a.b", 3),
        ("a.**.b.*", "a.b.c", 1),
        ("**.a.*", "a.a.a", 1),
    ],
)
def test_module_glob_matches(pattern: str, module: str, expected: int | None) -> None:
    assert module_glob_matches(pattern, module) == expected


def test_module_glob_dot_is_literal_not_wildcard() -> None:
    assert module_glob_matches("app.api", "appxapi") is None


@pytest.mark.parametrize("pattern", ["app/api/**", "app..api", ".app", "app.", ""])
def test_module_glob_problem_reports_malformed_patterns(pattern: str) -> None:
    assert module_glob_problem(pattern) is not None


@pytest.mark.parametrize("pattern", ["**.api.**", "app.*", "**", "pkg.test_*"])
def test_module_glob_problem_accepts_well_formed_patterns(pattern: str) -> None:
    assert module_glob_problem(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        # A trailing /** also matches the directory itself, so a walk can prune it.
        ("**/tests/**", "app/tests", True),
        ("**/tests/**", "app/tests/test_x.py", True),
        ("**/tests/**", "tests/conftest.py", True),
        ("**/tests/**", "app/testsuite/x.py", False),
        ("**/migrations/**", "migrations/env.py", True),
        ("**/test_*.py", "app/test_users.py", True),
        ("**/test_*.py", "test_users.py", True),
        ("**/test_*.py", "app/users_test.py", False),
        # Without a slash: a file or directory name anywhere, and everything below it.
        (".venv", ".venv", True),
        (".venv", ".venv/lib/site.py", True),
        ("build", "sub/build/x.py", True),
        ("build", "rebuild/x.py", False),
        ("__init__.py", "app/api/__init__.py", True),
        ("*.pyi", "app/stubs/x.pyi", True),
        ("*.pyi", "app/stubs/x.py", False),
        # With a slash: anchored at the project root; * and ? stay in one segment.
        ("scripts/*.py", "scripts/run.py", True),
        ("scripts/*.py", "scripts/sub/run.py", False),
        ("scripts/**", "scripts/sub/run.py", True),
        ("scripts/**", "app/scripts/run.py", False),
        ("app/*/router.py", "app/users/router.py", True),
        ("app/*/router.py", "app/v1/users/router.py", False),
        ("app/**/router.py", "app/router.py", True),
        ("app/**/router.py", "app/v1/users/router.py", True),
        ("/build", "build/x.py", True),
        ("/build", "sub/build/x.py", False),
        ("./scripts", "scripts/x.py", True),
        ("build/", "sub/build/x.py", True),
        ("app/legacy", "app/legacy/old.py", True),
        ("app/legacy", "app/legacy_new.py", False),
        ("app/?.py", "app/a.py", True),
        ("app/?.py", "app/ab.py", False),
    ],
)
def test_path_glob_matches(pattern: str, path: str, expected: bool) -> None:
    assert path_glob_matches(pattern, path) is expected


def test_path_glob_special_characters_are_literal() -> None:
    assert path_glob_matches("a+b/(x).py", "a+b/(x).py")
    assert not path_glob_matches("a.b", "axb")
