"""After an edit, a Workspace that kept each file's parts of the project tables (`incremental`)
reports what a fresh run on the same content reports, also where the edit changes findings in
other files: through imports, the layers modules get by content, routers and response models."""

from __future__ import annotations

import io
import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

import layerguard.engine
from layerguard import incremental
from layerguard.api import load_config
from layerguard.context import ProjectView
from layerguard.engine import Workspace
from layerguard.facts.jobs import ParseJob
from layerguard.facts.workers import ParsedFile
from layerguard.incremental import FileMemo, MemoProjectView
from layerguard.model import Config, FileFacts, Finding
from layerguard.symbols import star_sources

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
        assert_indexes_whole(self.workspace._memo)
        assert_collections_whole(self.workspace._memo)
        return narrow

    def replaced(self, name: str, old: str, new: str) -> list[Finding]:
        assert old in self.sources[name]
        return self.edit(name, self.sources[name].replace(old, new))


def assert_indexes_whole(memo: FileMemo) -> None:
    """The memo's indexes, once made, are what they would be if made now: a row for each name
    each part of a live entry looked up, and no other; each file of the view importing `*`."""
    if memo._lookers is not None:
        lookers: dict[str, set[tuple[int, str]]] = {}
        for key, (_, results) in memo._entries.items():
            for what, part in results.items():
                if isinstance(part, incremental._Looked):
                    for name in part.names:
                        lookers.setdefault(name, set()).add((key, what))
        assert memo._lookers == lookers
    if memo._star_importers is not None:
        importers: dict[str, set[Path]] = {}
        for path, facts in memo._files.items():
            for module in star_sources(facts):
                importers.setdefault(module, set()).add(path)
        assert memo._star_importers == importers


def assert_collections_whole(memo: FileMemo) -> None:
    """Each kept collection (`FileMemo.collected`) holds every file's part as the memo keeps it
    now, where it is not empty, in file order; a file whose part may have changed since it was
    last asked (edited, or a name the part looked up changed) is marked stale instead."""
    for what, collection in memo._collections.items():
        expected = []
        for facts in memo._order:
            if facts.path in collection.stale:
                continue
            entry = memo._entries.get(id(facts))
            assert entry is not None and entry[0] is facts, (what, facts.path)
            part = entry[1][what]
            value = part.value if isinstance(part, incremental._Looked) else part
            if value:
                expected.append((facts, value))
        kept = sorted(
            (item for item in collection.parts.values() if item[0].path not in collection.stale),
            key=lambda item: memo._order.index(item[0]),
        )
        assert len(kept) == len(expected), what
        for (facts, value), (want_facts, want_value) in zip(kept, expected, strict=True):
            assert facts is want_facts and value is want_value, (what, facts.path)
        if collection.ordered is not None and not collection.stale:
            assert collection.ordered == expected, what


def looked_parts(memo: FileMemo, name: str, prefix: str) -> dict[tuple[Path, str], object]:
    """The parts of each file's entry that looked up a name starting with `prefix`."""
    return {
        (facts.path, what): part
        for facts, results in memo._entries.values()
        for what, part in results.items()
        if isinstance(part, incremental._Looked) and any(n.startswith(prefix) for n in part.names)
        if facts.path != ROOT / name
    }


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


def test_parts_that_looked_up_a_name_are_computed_again_when_its_file_changes_edits_later(
    config: Config,
) -> None:
    editing = Editing(config, fortress_sources())
    memo = editing.workspace._memo
    # The first edit makes the index of the names looked up; users.py's parts are then made
    # again, and enter it as they are.
    editing.replaced(USERS, "router = APIRouter()", "router = APIRouter()\nedited = 1")
    assert memo._lookers is not None
    editing.replaced("app/core/database.py", "def get_db", "def get_database")
    looked = looked_parts(memo, USER_MODEL, "app.models.User.")
    assert ROOT / USERS in {path for path, _ in looked}
    editing.replaced(USER_MODEL, "class User(", "class Person(")
    now = {
        (facts.path, what): part
        for facts, results in memo._entries.values()
        for what, part in results.items()
    }
    assert all(now.get(key) is not part for key, part in looked.items())


def test_the_index_of_names_looked_up_keeps_no_row_of_parts_dropped(config: Config) -> None:
    editing = Editing(config, fortress_sources())
    memo = editing.workspace._memo
    texts = {name: editing.sources[name] for name in (USERS, USER_MODEL)}
    sizes = []
    for n in range(50):
        name = (USERS, USER_MODEL)[n % 2]
        editing.edit(name, texts[name] + ("\nedited = 1\n" if n % 4 < 2 else ""))  # `check` compares
        assert memo._lookers is not None
        assert len(memo._entries) == len(editing.sources)
        sizes.append(sum(len(rows) for rows in memo._lookers.values()))
    assert max(sizes[-8:]) == max(sizes[:8])


def test_parts_of_facts_not_in_the_view_are_dropped_at_the_next_check(config: Config) -> None:
    editing = Editing(config, fortress_sources())
    memo = editing.workspace._memo
    other = Workspace.in_memory(config, editing.sources)
    _, jobs = other._parse_jobs([ROOT])
    stray = other._facts_of(jobs, None)[0]  # the same content, other objects
    editing.replaced(USERS, "router = APIRouter()", "router = APIRouter()\nedited = 1")
    for check in (editing.check, lambda: editing.replaced(USERS, "\nedited = 1", "")):
        memo.of("probe", stray, lambda facts: 1)
        assert id(stray) in memo._entries
        check()
        assert id(stray) not in memo._entries


def test_a_star_import_added_after_the_first_edit_is_followed(config: Config) -> None:
    sources = fortress_sources()
    tables = "app/models/tables.py"
    sources[tables] = "from app.models.User import User\n"
    sources[USERS] = sources[USERS].replace(
        "from app.models.User import User", "from app.models.tables import User"
    )
    editing = Editing(config, sources)
    memo = editing.workspace._memo
    editing.replaced(USERS, "router = APIRouter()", "router = APIRouter()\nedited = 1")
    assert memo._star_importers is not None  # made by the first edit, without `import *`
    editing.edit(tables, "from app.models.User import *\n")
    assert memo._star_importers["app.models.User"] == {ROOT / tables}
    # users.py's parts looked up `app.models.tables.User`, which User.py does not define.
    after = editing.edit(USER_MODEL, "class User:\n    pass\n")
    assert not any("model class `User`" in f.message for f in after if f.path == ROOT / USERS)
    editing.edit(tables, None)  # a file removed: the index follows too
    assert "app.models.User" not in memo._star_importers


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


# --- Between processes: the parts a CLI run stores in the cache and the next one resumes. ---


class StoredEditing:
    """Each check is a new process: fresh facts (new objects), the parts the previous check
    stored (pickled, as the cache holds them) resumed; its findings must equal a run without."""

    def __init__(self, config: Config, sources: dict[str, str]) -> None:
        self.config = config
        self.sources = dict(sources)
        self.state: object = None
        self.reused = 0  # files whose stored parts the last check unpickled
        self.first = self.check()

    def check(self) -> list[Finding]:
        workspace = Workspace.in_memory(self.config, self.sources)
        checked, jobs = workspace._parse_jobs([ROOT])
        facts = tuple(workspace._facts_of(jobs, None))
        keys = {path: key for path, key in workspace._keys.items() if key is not None}
        memo = FileMemo()
        memo.resume(facts, keys, self.state)
        resumed, _ = workspace._run(MemoProjectView(self.config, facts, frozenset(checked), memo))
        fresh, _ = workspace._run(ProjectView(self.config, facts, frozenset(checked)))
        assert resumed == fresh
        self.reused = len(memo._unchanged)
        self.given = self.state
        self.stored = memo.stored_state(keys)
        self.state = pickle.loads(pickle.dumps(self.stored))
        return list(resumed)

    def replaced(self, name: str, old: str, new: str) -> list[Finding]:
        assert old in self.sources[name]
        self.sources[name] = self.sources[name].replace(old, new)
        return self.check()


def test_stored_parts_are_reused_by_the_next_process(config: Config) -> None:
    editing = StoredEditing(config, fortress_sources())
    assert editing.reused == 0  # nothing stored yet
    assert editing.check() == editing.first
    assert editing.reused == len(fortress_sources())  # every file's parts, none computed again


def test_stored_parts_refer_to_the_facts_of_this_process(config: Config) -> None:
    editing = StoredEditing(config, fortress_sources())
    workspace = Workspace.in_memory(config, editing.sources)
    checked, jobs = workspace._parse_jobs([ROOT])
    facts = tuple(workspace._facts_of(jobs, None))
    keys = {path: key for path, key in workspace._keys.items() if key is not None}
    memo = FileMemo()
    memo.resume(facts, keys, editing.state)
    view = MemoProjectView(config, facts, frozenset(checked), memo)
    by_path = {f.path: f for f in facts}
    for name, (symbol, where) in view.symbols.definitions.items():
        assert where is by_path[where.path], name
        assert any(symbol is item for item in (*where.classes, *where.functions, *where.assignments)), name


def test_an_orm_class_removed_in_another_process_changes_layers_in_its_importers(config: Config) -> None:
    editing = StoredEditing(config, fortress_sources())
    assert any(f.path == ROOT / USERS and "model class `User`" in f.message for f in editing.first)
    editing.sources[USER_MODEL] = "class User:\n    pass\n"
    after = editing.check()
    assert not any(f.path == ROOT / USERS and "model class `User`" in f.message for f in after)


def test_a_registration_removed_in_another_process_reports_lg804(config: Config) -> None:
    editing = StoredEditing(config, fortress_sources())
    registration = 'api_router.include_router(users.router, prefix="/users", tags=["users"])\n'
    assert found(editing.replaced("app/api/v1/router.py", registration, ""), USERS, "LG804") == [11]


def test_a_response_schema_renamed_in_another_process(config: Config) -> None:
    editing = StoredEditing(config, fortress_sources())
    schema = "app/schemas/UserSchema.py"
    assert found(editing.first, schema, "LG702") != []
    assert found(editing.replaced(schema, "class UserResponse(", "class UserPublic("), schema, "LG702") == []


def stored_parts(
    names: object, stars: object, looked: object, places: tuple[object, ...], body: bytes
) -> bytes:
    return pickle.dumps((names, stars, looked, pickle.dumps((places, body))))


def body_naming_place_0() -> bytes:
    """A part pickled as `_pickled_by_reference` pickles it, naming the place numbered 0."""

    class Naming(pickle.Pickler):
        def persistent_id(self, obj: object) -> int | None:
            return 0 if obj == "a fact" else None

    buffer = io.BytesIO()
    Naming(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump({"edges": ("a fact",)})
    return buffer.getvalue()


def test_stored_parts_of_another_shape_are_ignored(config: Config) -> None:
    editing = StoredEditing(config, fortress_sources())
    good = editing.state
    assert isinstance(good, tuple)
    index, entries = good
    for state in (
        None,
        "garbage",
        (),
        (index,),
        (index, "not a mapping"),
        ((1, *index[1:]), entries),  # the layout before the index and the entries were apart
        (index[:4], entries),
        ((*index[:3], index[3][1:], index[4]), entries),
        ((*index[:3], index[3], (*index[4][:-1], "key")), entries),
        ((index[0], b"modules", *index[2:]), entries),
        ((*index[:2], b"paths", *index[3:]), entries),
    ):
        editing.state = state
        assert editing.check() == editing.first
        assert editing.reused == 0
    # One file's entry missing, of another shape or damaged: that file's parts are computed
    # again, the rest reused.
    counts = Counter(index[4])
    damaged_key = next(key for key in index[4] if counts[key] == 1)
    names, stars, looked, _ = pickle.loads(entries[damaged_key])
    for damaged in (
        None,
        b"garbage",
        "not bytes",
        pickle.dumps(("not", "parts")),
        pickle.dumps((names, stars, looked, b"\x80\x05garbage")),
        # The places a part refers to: fewer than it names, or not a place of this run.
        stored_parts(names, stars, looked, (), body_naming_place_0()),
        stored_parts(
            names, stars, looked, (("item", "/nowhere.py", b"k", "classes", 0),), body_naming_place_0()
        ),
        stored_parts(names, stars, looked, (("what", str(ROOT / USERS), b"", "", 0),), body_naming_place_0()),
    ):
        changed = {key: entry for key, entry in entries.items() if key != damaged_key}
        if damaged is not None:
            changed[damaged_key] = damaged
        editing.state = (index, changed)
        assert editing.check() == editing.first
        assert editing.reused == len(fortress_sources()) - 1, damaged


def test_after_one_edit_only_the_parts_computed_again_are_new(config: Config) -> None:
    """The next process is given the entries it read back, as the same bytes: no file's parts
    but those the edit invalidated are pickled again, so the cache writes only those."""
    editing = StoredEditing(config, fortress_sources())
    editing.check()
    editing.replaced(USER_MODEL, "class User(", "class Person(")
    assert isinstance(editing.given, tuple)
    assert editing.stored is not None
    (_, entries), (new_index, new_entries) = editing.given, editing.stored
    parts_keys = new_index[4]  # in path order
    new = {path for path, key in zip(sorted(editing.sources), parts_keys, strict=True) if key not in entries}
    assert USER_MODEL in new
    assert len(new) == len(fortress_sources()) - editing.reused
    assert len(new) < len(fortress_sources()) // 2
    assert all(new_entries[key] is entries[key] for key in parts_keys if key in entries)


PYDANTIC_COMMON = "from pydantic import BaseModel\n\n\nclass Common(BaseModel):\n    pass\n"
EXTRA = "from app.models.common import Common\n\n\nclass Extra(Common):\n    id: int\n"


def test_a_base_class_changed_in_another_process_changes_the_kind_of_its_subclasses(config: Config) -> None:
    """`Extra`'s module is unchanged, and its stored kinds hold no reference to its base class's
    file: only the names they looked up say they no longer hold."""
    sources = fortress_sources()
    sources["app/models/common.py"] = (
        "from pydantic import BaseModel\n\n\nclass Common(BaseModel):\n    pass\n"
    )
    sources["app/models/Extra.py"] = (
        "from app.models.common import Common\n\n\nclass Extra(Common):\n    id: int\n"
    )
    sources[USERS] = "from app.models.Extra import Extra\n" + sources[USERS]
    editing = StoredEditing(config, sources)
    assert found(editing.first, USERS, "LG102") == [7, 8]  # a Pydantic class: no model imported
    after = editing.replaced(
        "app/models/common.py",
        "from pydantic import BaseModel\n\n\nclass Common(BaseModel):",
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Common(DeclarativeBase):",
    )
    assert found(after, USERS, "LG102") == [1, 7, 8]  # `Extra` is an ORM class now
    assert editing.reused == len(sources) - 2  # all but the edited file and `Extra`'s, which looked it up


ORM_COMMON = "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Common(DeclarativeBase):\n    pass\n"
NO_COMMON = "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Other(DeclarativeBase):\n    pass\n"


@pytest.mark.parametrize(
    ("before", "after", "lines_before", "lines_after"),
    [(ORM_COMMON, NO_COMMON, [1, 7, 8], [7, 8]), (NO_COMMON, ORM_COMMON, [7, 8], [1, 7, 8])],
    ids=["a name the edit removes", "a name the edit adds"],
)
def test_stored_parts_that_looked_up_a_name_the_edit_removes_or_adds(
    config: Config, before: str, after: str, lines_before: list[int], lines_after: list[int]
) -> None:
    """Names from both sides of the edit invalidate stored parts: `Extra`'s kinds looked up
    `Common`, which the edited file defined before or defines after."""
    sources = fortress_sources()
    sources["app/models/common.py"] = before
    sources["app/models/Extra.py"] = (
        "from app.models.common import Common\n\n\nclass Extra(Common):\n    id: int\n"
    )
    sources[USERS] = "from app.models.Extra import Extra\n" + sources[USERS]
    editing = StoredEditing(config, sources)
    assert found(editing.first, USERS, "LG102") == lines_before
    assert found(editing.replaced("app/models/common.py", before, after), USERS, "LG102") == lines_after


def test_stored_parts_are_those_pickled_with_every_file_mapped(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file's facts are mapped for references only when parts that may hold them are pickled
    (`_References.expect`): the stored parts are the bytes they are with every file mapped."""

    def edited() -> list[object]:
        editing = StoredEditing(config, fortress_sources())
        stored = [editing.stored]
        editing.replaced(USER_MODEL, "class User(", "class Person(")
        stored.append(editing.stored)
        editing.replaced("app/schemas/UserSchema.py", "class UserResponse(", "class UserPublic(")
        return [*stored, editing.stored]

    lazily = edited()
    mapped_when_made = incremental._References.__init__

    def mapping_everything(
        references: incremental._References, files: dict[Path, FileFacts], keys: dict[Path, bytes]
    ) -> None:
        mapped_when_made(references, files, keys)
        for facts in files.values():
            references._map(facts)

    monkeypatch.setattr(incremental._References, "__init__", mapping_everything)
    assert lazily == edited()


def test_a_fact_of_a_file_not_expected_is_still_referred_to(config: Config) -> None:
    """Pickled by value, it would come back as a copy: every file is mapped instead."""
    workspace = Workspace.in_memory(config, fortress_sources())
    _, jobs = workspace._parse_jobs([ROOT])
    facts = {f.path: f for f in workspace._facts_of(jobs, None)}
    keys = {path: key for path, key in workspace._keys.items() if key is not None}
    model, schema = facts[ROOT / USER_MODEL], facts[ROOT / "app/schemas/UserSchema.py"]
    references = incremental._References(facts, keys)
    references.expect(model, [])
    assert references.get(model.classes[0]) == ("item", str(model.path), keys[model.path], "classes", 0)
    assert not references.complete
    last = len(schema.classes) - 1
    assert references.get(schema.classes[-1]) == (
        "item",
        str(schema.path),
        keys[schema.path],
        "classes",
        last,
    )
    assert references.complete
    assert references.get(schema) == ("facts", str(schema.path), keys[schema.path], "", 0)
    assert references.get("not a fact") is None


def symbol_tables(editing: Editing) -> incremental._SymbolTables:
    tables = editing.workspace._memo._tables
    assert tables is not None
    return tables


def assert_tables_as_merged_anew(editing: Editing) -> None:
    """The kept tables name the same defining file for every name, and the same re-exports,
    as tables merged from scratch for the same files."""
    files = editing.workspace.project([ROOT]).files
    kept = MemoProjectView(editing.config, files, frozenset(), editing.workspace._memo).symbols
    plain = ProjectView(editing.config, files, frozenset()).symbols
    owners = {name: found[1] for name, found in plain.definitions.items()}
    assert owners == dict(symbol_tables(editing).owners)
    assert kept.reexports == plain.reexports


def test_an_edit_adding_a_definition_changes_the_symbol_tables_where_the_file_does(config: Config) -> None:
    editing = Editing(config, fortress_sources())
    before = symbol_tables(editing)
    editing.edit(USERS, editing.sources[USERS] + "\nedited = 1\n")
    after = symbol_tables(editing)
    assert after is not before and after.bound is before.bound  # advanced, not merged anew
    assert "app.api.v1.endpoints.users.edited" in after.owners
    assert "app.api.v1.endpoints.users.edited" not in before.owners
    assert_tables_as_merged_anew(editing)


def test_the_symbol_tables_kept_or_merged_anew_after_each_kind_of_edit(config: Config) -> None:
    sources = {
        **fortress_sources(),
        "app/tools.py": "def helper() -> int:\n    return 1\n",
        "app/tools.pyi": "def helper() -> int: ...\ndef stubbed() -> int: ...\n",
    }
    editing = Editing(config, sources)
    assert_tables_as_merged_anew(editing)
    for name, text, merged_anew in [
        (
            USERS,
            editing.sources[USERS].replace("def ", "def renamed_", 1),
            False,
        ),  # a name its module's alone
        # A module whose stub defines names too: which file wins is file order's to say.
        ("app/tools.py", "def other() -> int:\n    return 2\n", True),
        ("app/tools.pyi", "def helper() -> int: ...\ndef other() -> int: ...\n", True),
        ("app/tools.py", "def helper() -> int:\n    return 1\ndef other() -> int:\n    return 3\n", True),
        (USERS, editing.sources[USERS].replace("import", "import os\nimport", 1), True),  # a re-export more
        ("app/tools.pyi", None, True),
    ]:
        before = symbol_tables(editing)
        editing.edit(name, text)
        assert (symbol_tables(editing).bound is not before.bound) == merged_anew, name
        assert_tables_as_merged_anew(editing)
