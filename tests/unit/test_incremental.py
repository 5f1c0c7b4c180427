"""After an edit, a Workspace that kept each file's parts of the project tables (`incremental`)
reports what a fresh run on the same content reports, also where the edit changes findings in
other files: through imports, the layers modules get by content, routers and response models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

import layerguard.engine
from layerguard.api import load_config
from layerguard.engine import Workspace
from layerguard.facts.jobs import ParseJob
from layerguard.facts.workers import ParsedFile
from layerguard.model import Config, FileFacts, Finding

FIXTURE = Path(__file__).parents[1] / "fixtures" / "fortress_app"
ROOT = Path("/project")


def fortress_sources() -> dict[str, str]:
    return {
        str(path.relative_to(FIXTURE)): path.read_text()
        for path in sorted(FIXTURE.rglob("*.py"))
        if "scripts" not in path.parts
    }


@pytest.fixture(scope="module")
def config() -> Config:
    return replace(load_config([FIXTURE]), root=ROOT)


class Editing:
    """One long-lived Workspace that is given edits, next to a fresh one per check."""

    def __init__(self, config: Config, sources: dict[str, str]) -> None:
        self.config = config
        self.sources = dict(sources)
        self.workspace = Workspace.in_memory(config, self.sources)
        self.first = self.check()

    def edit(self, name: str, text: str | None) -> list[Finding]:
        """Give the edit (None: the file is deleted); the findings of the narrow check, which
        must equal a fresh Workspace's on the same sources."""
        if text is None:
            del self.sources[name]
            self.workspace.remove(ROOT / name)
        else:
            self.sources[name] = text
            self.workspace.update(ROOT / name, text)
        return self.check()

    def check(self) -> list[Finding]:
        narrow = list(self.workspace.check([ROOT], narrow=True).findings)
        fresh = list(Workspace.in_memory(self.config, self.sources).check([ROOT]).findings)
        assert narrow == fresh
        return narrow

    def replaced(self, name: str, old: str, new: str) -> list[Finding]:
        assert old in self.sources[name]
        return self.edit(name, self.sources[name].replace(old, new))


def found(findings: Sequence[Finding], name: str, code: str) -> list[int]:
    return [f.line for f in findings if f.path == ROOT / name and f.code == code]


USERS = "app/api/v1/endpoints/users.py"
USER_MODEL = "app/models/User.py"


def test_an_edit_adding_an_import_creates_an_lg101_in_that_file(config: Config) -> None:
    editing = Editing(config, fortress_sources())
    assert found(editing.first, USER_MODEL, "LG101") == []
    text = editing.sources[USER_MODEL]
    after = editing.edit(USER_MODEL, "from app.services.UserService import UserService\n" + text)
    assert found(after, USER_MODEL, "LG101") == [1]
    # Lines below moved: the project rules' findings in other files are where they were.
    assert [f for f in after if f.path != ROOT / USER_MODEL] == [
        f for f in editing.first if f.path != ROOT / USER_MODEL
    ]


def test_removing_a_router_registration_reports_lg804_in_the_endpoint_module(config: Config) -> None:
    editing = Editing(config, fortress_sources())
    assert found(editing.first, USERS, "LG804") == []
    registration = 'api_router.include_router(users.router, prefix="/users", tags=["users"])\n'
    after = editing.replaced("app/api/v1/router.py", registration, "")
    assert found(after, USERS, "LG804") == [11]
    restored = editing.replaced(
        "app/api/v1/router.py", "api_router = APIRouter()\n", "api_router = APIRouter()\n" + registration
    )
    assert found(restored, USERS, "LG804") == []


def test_a_module_that_stops_defining_an_orm_class_changes_layers_in_its_importers(config: Config) -> None:
    editing = Editing(config, fortress_sources())
    bypass = [f.message for f in editing.first if f.path == ROOT / USERS and f.code == "LG102"]
    assert any("model class `User`" in message for message in bypass)
    # No ORM class left: `app.models.User` is no model module (SPEC §1), and what users.py
    # imports from it brings in no model.
    text = editing.sources[USER_MODEL]
    after = editing.edit(USER_MODEL, "class User:\n    pass\n")
    assert not any("model class `User`" in f.message for f in after if f.path == ROOT / USERS)
    back = editing.edit(USER_MODEL, text)
    assert back == editing.first


def test_a_provider_that_is_no_longer_used_makes_its_module_a_layer_again(config: Config) -> None:
    sources = fortress_sources()
    providers = "app/api/providers.py"
    sources[providers] = (
        "from app.repositories.UserRepository import UserRepository\n\n\n"
        "def get_repository() -> UserRepository: ...\n"
    )
    sources[USERS] = (
        sources[USERS]
        .replace(
            "from app.api.deps import get_user_service\n",
            "from app.api.deps import get_user_service\nfrom app.api.providers import get_repository\n",
        )
        .replace("Depends()]", "Depends(get_repository)]")
    )
    editing = Editing(config, sources)
    # A module whose every public function is a `Depends()` provider is wiring (SPEC §1) ...
    assert found(editing.first, providers, "LG102") == []
    # ... until users.py, the only file naming it, stops: an endpoint module importing a
    # repository.
    after = editing.replaced(USERS, "Depends(get_repository)]", "Depends()]")
    assert found(after, providers, "LG102") == [1]


def test_renaming_a_response_schema_is_seen_by_the_handlers_that_name_it(config: Config) -> None:
    editing = Editing(config, fortress_sources())
    schema = "app/schemas/UserSchema.py"
    assert found(editing.first, schema, "LG702") != []
    # users.py's response models resolved `UserResponse` in the edited file: looked up again.
    after = editing.replaced(schema, "class UserResponse(", "class UserPublic(")
    assert "UserResponse" in editing.sources[USERS]
    assert found(after, schema, "LG702") == []


def test_a_sequence_of_edits_and_files_added_and_removed(config: Config) -> None:
    editing = Editing(config, fortress_sources())
    editing.edit("app/services/Extra.py", "from app.api.deps import get_db\n\n\ndef extra() -> None: ...\n")
    editing.replaced(USERS, "router = APIRouter()", "router = APIRouter()\nother_router = APIRouter()")
    editing.replaced("app/core/database.py", "def get_db", "def get_database")
    editing.edit("app/services/Extra.py", None)
    editing.replaced("app/core/database.py", "def get_database", "def get_db")
    editing.replaced(USERS, "router = APIRouter()\nother_router = APIRouter()", "router = APIRouter()")
    assert editing.check() == editing.first


def test_a_file_created_makes_the_imports_of_it_in_other_files_count(config: Config) -> None:
    editing = Editing(config, fortress_sources())
    order = "app/models/Order.py"
    before = editing.edit(order, "from app.billing.service import extra\n" + editing.sources[order])
    assert found(before, order, "LG101") == [22]  # `app.billing` is no project module yet
    after = editing.edit("app/billing/service.py", "def extra() -> None: ...\n")
    assert found(after, order, "LG101") == [1, 22]
    gone = editing.edit("app/billing/service.py", None)
    assert found(gone, order, "LG101") == [22]


def test_a_narrow_check_leaves_the_facts_cache_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, text in fortress_sources().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "pyproject.toml").write_text((FIXTURE / "pyproject.toml").read_text())
    monkeypatch.chdir(tmp_path)
    config = load_config([tmp_path])
    editor = Workspace(config, jobs=1)
    editor.check([tmp_path])
    editor.update(tmp_path / USERS, (tmp_path / USERS).read_text() + "\nedited = 1\n")
    editor.check([tmp_path / USERS], narrow=True)
    parsed: list[Path] = []
    real_parse = layerguard.engine._parse_files

    def parsing(jobs: Sequence[ParseJob], *, workers: int, timeout: float) -> list[ParsedFile]:
        parsed.extend(job.path for job in jobs)
        return real_parse(jobs, workers=workers, timeout=timeout)

    monkeypatch.setattr(layerguard.engine, "_parse_files", parsing)
    Workspace(config, jobs=1).project([tmp_path])  # every file's facts, from the cache
    assert parsed == []


def test_what_a_star_import_binds_follows_edits_of_either_file(config: Config) -> None:
    # `from app.models.User import *` binds the names User.py defines: a part that looked up
    # `app.models.tables.User` must be dropped when User.py changes, though tables.py did not.
    sources = fortress_sources()
    sources["app/models/tables.py"] = "from app.models.User import *\n"
    sources[USERS] = sources[USERS].replace(
        "from app.models.User import User", "from app.models.tables import User"
    )
    editing = Editing(config, sources)
    assert any("model class `User`" in f.message for f in editing.first if f.path == ROOT / USERS)
    text = editing.sources[USER_MODEL]
    after = editing.edit(USER_MODEL, "class User:\n    pass\n")
    assert not any("model class `User`" in f.message for f in after if f.path == ROOT / USERS)
    assert editing.edit(USER_MODEL, text) == editing.first
    editing.edit(USER_MODEL, "class Person:\n    pass\n")  # the star binds no `User` now
    assert editing.edit(USER_MODEL, text) == editing.first
    emptied = editing.edit("app/models/tables.py", "")
    assert not any("model class `User`" in f.message for f in emptied if f.path == ROOT / USERS)


def test_an_edit_reads_the_star_imports_of_the_edited_file_only(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Which modules a file imports `*` from is kept with its parts: asked of every file at
    # every edit, it cost 0.1 s an edit on 10,000 files.
    import layerguard.incremental

    read: list[Path] = []
    real = layerguard.incremental.star_sources

    def star_sources(facts: FileFacts) -> list[str]:
        read.append(facts.path)
        return real(facts)

    monkeypatch.setattr(layerguard.incremental, "star_sources", star_sources)
    editing = Editing(config, fortress_sources())
    editing.replaced(USER_MODEL, "class User(", "class Person(")  # the first edit reads them all
    read.clear()
    editing.replaced(USER_MODEL, "class Person(", "class User(")
    assert set(read) == {ROOT / USER_MODEL}
