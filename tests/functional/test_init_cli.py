"""`layerguard init` as a user runs it: print, `--write`, `--force`, and the exit codes
(0, also for a project it cannot classify; 2 for usage errors)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from cli_runner import run_cli

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "init_src_layout"


def project(tmp_path: Path) -> Path:
    root = tmp_path / "ledger"
    shutil.copytree(FIXTURE, root)
    return root


def test_prints_the_section_and_touches_nothing(tmp_path: Path) -> None:
    root = project(tmp_path)
    before = (root / "pyproject.toml").read_bytes()
    result = run_cli("init", cwd=root / "src" / "ledger")  # the root is found upward
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[tool.layerguard]\n")
    assert '"ledger.handlers.**",  # 2 modules with route handlers' in result.stdout
    assert (root / "pyproject.toml").read_bytes() == before
    assert not (root / ".layerguard_cache").exists()


def test_write_appends_force_replaces_and_check_reads_it(tmp_path: Path) -> None:
    root = project(tmp_path)
    pyproject = root / "pyproject.toml"
    before = pyproject.read_text()

    written = run_cli("init", "--write", cwd=root)
    assert written.returncode == 0, written.stderr
    assert pyproject.read_text() == before + "\n" + written.stdout
    assert "wrote this section to" in written.stderr

    refused = run_cli("init", "--write", cwd=root)
    assert refused.returncode == 2
    assert "already has a [tool.layerguard] section; pass --force" in refused.stderr
    assert pyproject.read_text() == before + "\n" + written.stdout

    pyproject.write_text(pyproject.read_text() + "\n[tool.layerguard.layers.service]\nmodules = ['x.**']\n")
    forced = run_cli("init", "--write", "--force", cwd=root)
    assert forced.returncode == 0, forced.stderr
    assert pyproject.read_text() == before + "\n" + written.stdout
    assert tomllib.loads(pyproject.read_text())["tool"]["ruff"] == {"line-length": 100}

    checked = run_cli("check", "--format", "concise", "--no-cache", cwd=root)
    assert checked.returncode == 1
    assert [line.split(" ")[1] for line in checked.stdout.splitlines()] == ["LG102", "LG104", "LG801"]


def test_write_creates_a_missing_pyproject(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    result = run_cli("init", "--write", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pyproject.toml").read_text() == result.stdout
    assert 'target-version = "py310"' in result.stdout


def test_a_project_it_cannot_classify_exits_0_with_guidance(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "tool"\n')
    (tmp_path / "tool.py").write_text("def main() -> None: ...\n")
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "It could not" in result.stdout
    assert "To fill in:" in result.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    root = project(tmp_path)
    force_alone = run_cli("init", "--force", cwd=root)
    assert force_alone.returncode == 2
    assert "--force only applies with --write" in force_alone.stderr

    missing = run_cli("init", tmp_path / "nowhere", cwd=root)
    assert missing.returncode == 2
    assert "no such folder" in missing.stderr

    (root / "layerguard.toml").write_text('naming = "off"\n')
    own_file = run_cli("init", "--write", "--force", cwd=root)
    assert own_file.returncode == 2
    assert "layerguard.toml configures this project" in own_file.stderr


def test_an_edit_that_would_change_the_rest_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool]\nlayerguard.naming = "off"\n')
    before = pyproject.read_text()
    result = run_cli("init", "--write", "--force", cwd=root)
    assert result.returncode == 2
    assert "edit the file by hand" in result.stderr
    assert pyproject.read_text() == before


# --- What `init` proposes on real-app shapes (issue 13, pattern 6): print, --write, then check. ---

FIXTURES = FIXTURE.parent


def init_then_check(tmp_path: Path, name: str) -> tuple[str, list[tuple[str, str]]]:
    """The section `init` prints for a copy of the fixture, and `check`'s (path, code) list
    once `init --write` has put that section into pyproject.toml."""
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    printed = run_cli("init", cwd=root)
    assert printed.returncode == 0, printed.stderr
    written = run_cli("init", "--write", cwd=root)
    assert written.returncode == 0, written.stderr
    assert written.stdout == printed.stdout
    checked = run_cli("check", "--format", "concise", "--no-cache", cwd=root)
    assert checked.returncode in (0, 1), checked.stderr
    found = [(line.split(":")[0], line.split(" ")[1]) for line in checked.stdout.splitlines()]
    return printed.stdout, found


def test_a_glob_never_takes_a_data_access_module_and_query_modules_are_the_repository(tmp_path: Path) -> None:
    section, found = init_then_check(tmp_path, "init_overmatch")
    # Two route modules named `users`: `**.users` would take app.db.users, a data-access module.
    assert '"**.users"' not in section
    assert '"app.admin.users",  # route handlers' in section
    assert '"app.web.users",  # route handlers' in section
    # app/db: functions taking a session and querying it; the session module is no repository.
    assert '"app.db.orders",  # functions that query the DB session they take' in section
    assert '"app.db.users",  # functions that query the DB session they take' in section
    assert "app.db.**" not in section and "app.db.session" not in section
    assert "repository  none found" not in section
    assert found == [("app/web/users.py", "LG102")]  # the route imports the data-access layer


def test_migrations_and_scripts_are_excluded_not_layered(tmp_path: Path) -> None:
    section, found = init_then_check(tmp_path, "init_migrations_scripts")
    assert 'extend-exclude = ["app/db_migrations/**", "dev/**", "load_tests/**", "scripts/**"]' in section
    assert "#   app/db_migrations/**: alembic migrations" in section
    assert "#   scripts/**: scripts/: code run beside the app" in section
    assert "db_migrations" not in section.split("extend-exclude = ")[1].split("\n", 1)[1]
    assert "[tool.layerguard.layers.model]" not in section  # revision modules are no model glob
    assert found == []  # the blocking calls in scripts/, dev/ and load_tests/ are not checked


def test_a_schema_package_of_any_name_mixed_modules_and_what_init_is_unsure_of(tmp_path: Path) -> None:
    section, found = init_then_check(tmp_path, "init_schema_package")
    assert '"app.schema.**",  # 3 modules with Pydantic models that endpoints or services import' in section
    assert "schema      none found" not in section
    assert "the SQLModel idiom): app.tables." in section
    assert '"app.tables",  # SQLAlchemy/SQLModel table classes' in section
    # app.core.models defines no ORM class: the model table is written without it (it was an
    # "unsure" line while the preset's `**.models.**` was kept as it is).
    assert "left out: defines no ORM class: app.core.models" in comments(section)
    assert "**.models.**" not in layer_modules(section, "model")
    assert found == [("app/schema/team/create.py", "LG101")]  # a schema imports a service


def test_a_composition_root_is_wiring_and_a_newtype_session_provider_is_found(tmp_path: Path) -> None:
    section, found = init_then_check(tmp_path, "init_app_root")
    assert (
        'wiring = ["**.deps", "**.dependencies", "**.deps.**", "**.dependencies.**", "**.main", '
        '"**.container", "app.core.setup"]'
    ) in " ".join(section.split())
    assert 'app.core.setup",' not in section  # not an endpoint glob
    assert "provide_db (app.db) returns an AsyncSession" in section
    assert 'extend-session-providers = ["provide_db"]' in section
    # Both handlers take a `NewType` of AsyncSession (one through an `Annotated` alias); the
    # docs route of the composition root is no endpoint.
    assert found == [("app/boards/views.py", "LG104"), ("app/boards/views.py", "LG104")]


# --- The preset's globs checked against content (issue 13, patterns N1, N2, N5, N6, N7, N9). ---


def comments(section: str) -> str:
    """The section's comments as one line (unwrapped)."""
    return " ".join(line.lstrip("# ") for line in section.splitlines() if line.startswith("#"))


def layer_modules(section: str, layer: str) -> list[str]:
    """The globs of one written [layers] table, without comments."""
    table = section.split(f"[tool.layerguard.layers.{layer}]\nmodules = [\n", 1)[1].split("\n]", 1)[0]
    return [
        glob.strip(' ",')
        for line in table.splitlines()
        for glob in line.split("#")[0].split(",")
        if glob.strip(' ",')
    ]


def test_preset_globs_that_take_modules_of_another_role_are_narrowed(tmp_path: Path) -> None:
    section, found = init_then_check(tmp_path, "init_preset_content")
    # endpoint: `**.api.**` took a client SDK (app.sdk.api), authorization policies and data
    # loaders; what it rightly took is listed, and the data loaders are the repository layer.
    endpoint = layer_modules(section, "endpoint")
    assert "**.api.**" not in endpoint and "**.routers.**" not in endpoint
    assert endpoint == [
        "**.endpoints.**", "**.routes.**", "**.router", "**.controllers.**", "app.api", "app.api.queries"
    ]  # fmt: skip
    assert "app.api.policies (3), app.sdk.api (3)" in comments(section)
    assert layer_modules(section, "repository") == [
        "**.repositories.**", "**.repository", "**.crud.**", "app.api.dataloaders.**"
    ]  # fmt: skip
    # service: a services package that never touches data, and a CLI's, are left out.
    assert layer_modules(section, "service") == ["**.service", "app.services.**"]
    assert "never reaches a repository, model, session or sqlalchemy: app.daemons.services (3)" in comments(
        section
    )
    assert 'extend-exclude = ["app/cli/**"]' in comments(section)
    # schema/model inverted (SQLModel tables in schemas/, Pydantic DTOs in models/), and the
    # GraphQL schema assembly is wiring.
    assert layer_modules(section, "model") == ["**.model", "app.schemas.**", "app.db.tables"]
    assert "**.schemas.**" not in layer_modules(section, "schema")
    assert '"app.models.run_filter",  # Pydantic models, defines no ORM class' in section
    assert (
        'wiring = ["**.deps", "**.dependencies", "**.deps.**", "**.dependencies.**", "**.main", '
        '"**.container", "app.api.schema"]'
    ) in " ".join(section.split())
    # Only the route importing a data loader is a layer finding: the enums in models/ folders,
    # the SDK client, the policies, the DTO building a query and the schema assembly are clean.
    assert found == [
        ("app/api/routes/items.py", "LG102"), ("app/api/routes/items.py", "LG104"),
        ("app/api/routes/items.py", "LG104"),
    ]  # fmt: skip


def test_a_service_layer_under_another_name_generated_code_and_test_helpers(tmp_path: Path) -> None:
    section, found = init_then_check(tmp_path, "init_contexts_service")
    assert layer_modules(section, "service") == ["**.services.**", "**.service", "app.contexts.**"]
    said = comments(section)
    assert "unsure: app.contexts is the service layer by content" in said
    assert 'move "app.contexts.**" to [tool.layerguard.layers.repository] modules' in said
    assert (
        "unsure: app.client is generated code: left out of every layer. To leave it out of the check" in said
    )
    assert 'extend-exclude = ["app/testing/**"]' in said
    # The handlers reach the models through the service layer: no LG103 chain.
    assert found == [("app/api/handlers/datasets.py", "LG104"), ("app/api/handlers/datasets.py", "LG104")]
