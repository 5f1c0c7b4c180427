"""The real CLI with the facts cache: `--no-cache`, `--jobs`, `layerguard clean`, byte-identical
output whatever the worker count or cache state, a corrupt cache and concurrent runs survived.

Runs on a copy of the fortress fixture app, so the repository's fixture never sees these caches.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from layerguard.facts.workers import POOL_MIN_FILES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FORMATS = ["text", "concise", "json", "sarif", "github"]
CACHE = ".layerguard_cache"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    copy = tmp_path / "fortress_app"
    shutil.copytree(FIXTURES / "fortress_app", copy, ignore=shutil.ignore_patterns(CACHE))
    return copy


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """No colour switches; the cache's signing key in a folder of this test's own."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    return {**base, "XDG_CACHE_HOME": str(tmp_path / "xdg")}


def run_cli(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layerguard", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def cache_files(root: Path, kind: str = "facts") -> list[Path]:
    return sorted((root / CACHE).glob(f"{kind}-*.pickle"))


def forget_findings(root: Path) -> None:
    """Drop the recorded findings of earlier runs, so that the next run works from the facts."""
    for path in cache_files(root, "findings"):
        path.unlink()


def checked(app: Path, env: dict[str, str], *args: str) -> str:
    result = run_cli("check", *args, cwd=app, env=env)
    assert result.returncode == 1, result.stderr  # the fixture has planted findings
    assert result.stderr == ""
    return result.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_byte_identical_across_jobs_and_cache_states(
    app: Path, env: dict[str, str], fmt: str
) -> None:
    outputs = {
        "jobs 1, --no-cache": checked(app, env, "--format", fmt, "--jobs", "1", "--no-cache"),
        "jobs 2, --no-cache": checked(app, env, "--format", fmt, "--jobs", "2", "--no-cache"),
        "jobs 2, cache cleared (cold)": checked(app, env, "--format", fmt, "--jobs", "2"),
        "jobs 2, warm": checked(app, env, "--format", fmt, "--jobs", "2"),
        "jobs 1, warm": checked(app, env, "--format", fmt, "--jobs", "1"),
    }
    assert cache_files(app, "findings")
    forget_findings(app)
    outputs["jobs 2, warm from the facts"] = checked(app, env, "--format", fmt, "--jobs", "2")
    assert cache_files(app)
    shutil.rmtree(app / CACHE)
    outputs["jobs 1, cache cleared (cold)"] = checked(app, env, "--format", fmt, "--jobs", "1")
    outputs["default jobs, warm"] = checked(app, env, "--format", fmt)
    first = outputs["jobs 1, --no-cache"]
    assert first
    assert {name: out for name, out in outputs.items() if out != first} == {}


def pool_sized_project(root: Path) -> Path:
    """Enough files that `--jobs 2` really runs worker processes (small runs parse in-process),
    each layer importing the next and some importing upward, with typing findings throughout."""
    pyproject = '[project]\nrequires-python = ">=3.11"\n\n[tool.layerguard]\n'
    files = {"pyproject.toml": pyproject, "app/__init__.py": ""}
    layers = ["api", "services", "repositories", "models"]
    per_layer = POOL_MIN_FILES // len(layers) + 5
    for depth, layer in enumerate(layers):
        files[f"app/{layer}/__init__.py"] = ""
        below = layers[depth + 1] if depth + 1 < len(layers) else None
        above = layers[depth - 1] if depth else None
        for number in range(per_layer):
            lines = ["from typing import Optional, Union"]
            if below:
                lines.append(f"from app.{below} import m{number}")
            if above and number % 7 == 0:
                lines.append(f"from app.{above} import m{number}")
            lines.append(f"def f{number}(x: Optional[int], y: Union[int, str]) -> Optional[str]:")
            lines.append("    return None")
            files[f"app/{layer}/m{number}.py"] = "\n".join(lines) + "\n"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize("fmt", ["concise", "json"])
def test_worker_processes_give_the_same_output(tmp_path: Path, env: dict[str, str], fmt: str) -> None:
    project = pool_sized_project(tmp_path / "big")
    outputs = {
        jobs: checked(project, env, "--format", fmt, "--jobs", jobs, "--no-cache") for jobs in ("1", "2")
    }
    outputs["2, cold"] = checked(project, env, "--format", fmt, "--jobs", "2")
    outputs["2, warm"] = checked(project, env, "--format", fmt, "--jobs", "2")
    assert "LG101" in outputs["1"]
    assert {name: out for name, out in outputs.items() if out != outputs["1"]} == {}


def test_the_cache_is_git_ignored_and_no_cache_writes_nothing(app: Path, env: dict[str, str]) -> None:
    checked(app, env, "--no-cache")
    assert not (app / CACHE).exists()
    checked(app, env)
    assert (app / CACHE / ".gitignore").read_text().splitlines()[-1] == "*"
    [cache] = cache_files(app)
    before = cache.read_bytes()
    (app / "app" / "core" / "config.py").write_text("X = 1\n")
    checked(app, env, "--no-cache")
    assert cache.read_bytes() == before


def test_no_cache_does_not_read_a_cache(app: Path, env: dict[str, str]) -> None:
    expected = checked(app, env, "--format", "concise")
    [cache] = cache_files(app)
    cache.write_bytes(b"garbage")
    assert checked(app, env, "--format", "concise", "--no-cache") == expected
    assert cache.read_bytes() == b"garbage"


@pytest.mark.parametrize("kind", ["facts", "findings", "file-findings", "parts"])
def test_a_corrupt_cache_is_ignored_and_rebuilt(app: Path, env: dict[str, str], kind: str) -> None:
    expected = checked(app, env, "--format", "concise")
    [cache] = cache_files(app, kind)
    good = cache.read_bytes()
    for damaged in (good[: len(good) // 2], b"", os.urandom(len(good)), good[:-1] + b"\0"):
        cache.write_bytes(damaged)
        if kind != "findings":  # otherwise the recorded findings answer without reading the rest
            forget_findings(app)
        assert checked(app, env, "--format", "concise") == expected
        assert cache.read_bytes() != damaged  # rebuilt
    assert checked(app, env, "--format", "concise") == expected


def test_concurrent_runs_agree_and_leave_a_valid_cache(app: Path, env: dict[str, str]) -> None:
    """pre-commit and an editor at once: every run is right, the cache stays readable."""
    expected = checked(app, env, "--format", "concise", "--no-cache")
    for round_ in range(3):
        # A change per round, so every run misses and rewrites the cache at the same time.
        (app / "app" / "core" / "config.py").write_text(f"ROUND = {round_}\n")
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "layerguard", "check", "--format", "concise", "--jobs", "1"],
                cwd=app,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        for run in runs:
            stdout, stderr = run.communicate(timeout=120)
            assert (run.returncode, stderr) == (1, "")
            assert stdout == expected
    assert not [p.name for p in (app / CACHE).iterdir() if p.name.startswith(".tmp-")]
    assert checked(app, env, "--format", "concise") == expected


def test_clean_deletes_the_cache_of_the_project(app: Path, env: dict[str, str]) -> None:
    checked(app, env)
    assert (app / CACHE).is_dir()
    result = run_cli("clean", cwd=app / "app" / "api", env=env)  # found upward, as `check` does
    assert result.returncode == 0, result.stderr
    assert str(app / CACHE) in result.stdout
    assert not (app / CACHE).exists()
    again = run_cli("clean", cwd=app, env=env)
    assert again.returncode == 0
    assert "No cache" in again.stdout


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_a_bad_jobs_value_is_a_usage_error(app: Path, env: dict[str, str], value: str) -> None:
    result = run_cli("check", "--jobs", value, cwd=app, env=env)
    assert result.returncode == 2
    assert "--jobs" in result.stderr
    assert "Traceback" not in result.stderr


USERS = "app/api/v1/endpoints/users.py"
SERVICE = "app/services/UserService.py"


def original(relative: str) -> Callable[[str], str]:
    return lambda text: (FIXTURES / "fortress_app" / relative).read_text()


# Each edit after the one before it, as a user makes them. The comments leave every file's
# facts as they were, so their runs reuse the findings recorded by the run before.
EDITS: list[tuple[str, str, Callable[[str], str]]] = [
    ("comment appended", USERS, lambda text: text + "# a comment\n"),
    ("response model dropped: LG702 goes in another file", USERS, lambda text: text.replace(
        "response_model=UserResponse", "response_model=None")),
    ("noqa added", SERVICE, lambda text: text.replace(
        "import format_user_name\n", "import format_user_name  # noqa: LG101\n")),
    ("blank line at the top: every line moves", SERVICE, lambda text: "\n" + text),
    ("comment edited", SERVICE, lambda text: text.replace("UserService:", "UserService:  # edited")),
    ("users.py as it was", USERS, original(USERS)),
    ("service as it was", SERVICE, original(SERVICE)),
    ("service class renamed: the answers its importers' rules got change", SERVICE, lambda text: text.replace(
        "class UserService:", "class UserServiceRenamed:")),
    ("service as it was again", SERVICE, original(SERVICE)),
]  # fmt: skip


def test_each_edit_gives_the_findings_of_a_run_without_cache(app: Path, env: dict[str, str]) -> None:
    """A run after an edit, working from the cache (the recorded findings of the run before,
    the facts of the other files), says what a run from scratch says."""
    outputs = [checked(app, env)]
    for name, relative, edit in EDITS:
        path = app / relative
        path.write_text(edit(path.read_text()))
        outputs.append(checked(app, env))
        assert outputs[-1] == checked(app, env, "--no-cache"), name
    assert outputs[1] == outputs[0]  # the comment changed nothing
    assert outputs[5] == outputs[4]
    assert outputs[9] == outputs[7]
    assert len(set(outputs)) == 6  # every other edit changed the findings


MODEL = "app/models/User.py"
ROUTER = "app/api/v1/router.py"
ORDERS = "app/api/v1/endpoints/orders.py"
PYDANTIC_USER = "from pydantic import BaseModel\n\n\nclass User(BaseModel):\n    id: int\n"


def lines_in(output: str, relative: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(relative + ":")]


def test_an_edit_changes_the_findings_of_other_files_as_a_run_without_cache(
    app: Path, env: dict[str, str]
) -> None:
    """Edits whose findings land in files that did not change, each after a warm run: the cached
    run (the other files' facts, their file findings replayed) must see them."""
    before = checked(app, env, "--format", "concise")
    assert any(" LG102 " in line for line in lines_in(before, USERS))
    assert not lines_in(before, ORDERS)

    # The model module's class becomes a Pydantic model: what its importer brings in moves from
    # the model layer to the schema layer, and the endpoint's LG102 and LG704 on it go.
    (app / MODEL).write_text(PYDANTIC_USER)
    moved = checked(app, env, "--format", "concise")
    assert moved == checked(app, env, "--format", "concise", "--no-cache")
    assert not any("`app.models.User`" in line or " LG704 " in line for line in lines_in(moved, USERS))
    assert any("`app.models.User`" in line for line in lines_in(before, USERS))

    # The router registration of `orders` is removed: LG804 in the endpoint module.
    router = app / ROUTER
    router.write_text(
        "".join(line for line in router.read_text().splitlines(True) if "orders.router" not in line)
    )
    unregistered = checked(app, env, "--format", "concise")
    assert unregistered == checked(app, env, "--format", "concise", "--no-cache")
    assert [line.split()[1] for line in lines_in(unregistered, ORDERS)] == ["LG804"]

    # Both as they were: the first run's findings again.
    shutil.copy(FIXTURES / "fortress_app" / MODEL, app / MODEL)
    shutil.copy(FIXTURES / "fortress_app" / ROUTER, router)
    assert checked(app, env, "--format", "concise") == before


def test_stored_project_parts_follow_edits_in_other_files_as_a_run_without_cache(
    app: Path, env: dict[str, str]
) -> None:
    """The project tables' per-file parts stored by one run (`parts-*.pickle`) and resumed by
    the next: an edit in one file changes findings in files whose stored parts looked it up."""
    (app / "app/models/common.py").write_text(
        "from pydantic import BaseModel\n\n\nclass Common(BaseModel):\n    pass\n"
    )
    (app / "app/models/Extra.py").write_text(
        "from app.models.common import Common\n\n\nclass Extra(Common):\n    id: int\n"
    )
    users = app / USERS
    users.write_text("from app.models.Extra import Extra\n" + users.read_text())
    before = checked(app, env, "--format", "concise")
    assert [part.stat().st_size > 0 for part in cache_files(app, "parts")] == [True]
    assert not any(line.startswith(f"{USERS}:1:") for line in lines_in(before, USERS))

    # `Extra`'s base class becomes an ORM base in its own file: `Extra` is a model class, and the
    # endpoint importing it bypasses the service layer.
    (app / "app/models/common.py").write_text(
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Common(DeclarativeBase):\n    pass\n"
    )
    orm = checked(app, env, "--format", "concise")
    assert orm == checked(app, env, "--format", "concise", "--no-cache")
    assert any(line.startswith(f"{USERS}:1:") and " LG102 " in line for line in lines_in(orm, USERS))

    # The response schema is renamed: the handlers that name it no longer respond with it.
    schema = app / "app/schemas/UserSchema.py"
    assert any(" LG702 " in line for line in lines_in(orm, "app/schemas/UserSchema.py"))
    schema.write_text(schema.read_text().replace("class UserResponse(", "class UserPublic("))
    renamed = checked(app, env, "--format", "concise")
    assert renamed == checked(app, env, "--format", "concise", "--no-cache")
    assert not any(" LG702 " in line for line in lines_in(renamed, "app/schemas/UserSchema.py"))


def parts_files(app: Path) -> tuple[Path, Path]:
    """The parts file and the small file of the entries added since it was written whole."""
    [parts] = cache_files(app, "parts")
    return parts, parts.with_name("added-" + parts.name)


EXTRA_SERVICE = """from app.repositories.UserRepository import UserRepository
from app.schemas.UserSchema import UserResponse


class Extra{n}Service:
    def __init__(self, repository: UserRepository) -> None:
        self.repository = repository

    async def find(self, user_id: int) -> UserResponse | None:
        return await self.repository.get(user_id)
"""


def with_extra_services(app: Path, count: int = 60) -> list[Path]:
    """Service modules added to the app: the index of every file's parts is then a small share
    of the parts file, as in a real project (in the fixture alone, one edit outgrows it)."""
    package = app / "app/services/extra"
    package.mkdir()
    (package / "__init__.py").write_text("")
    paths = [package / f"extra_{n}.py" for n in range(count)]
    for n, path in enumerate(paths):
        path.write_text(EXTRA_SERVICE.format(n=n))
    return paths


def test_an_edit_writes_only_the_parts_it_changed_until_they_are_merged(
    app: Path, env: dict[str, str]
) -> None:
    """After an edit, the parts computed again (and the index of every file's parts) go to the
    small file beside the parts file, which is not written again; once they outgrow their
    share it is written whole. Every run's findings are those of a run without cache."""
    extra = with_extra_services(app)
    checked(app, env, "--format", "concise")
    parts, added = parts_files(app)
    whole = parts.read_bytes()
    assert not added.exists()
    schema = app / "app/schemas/UserSchema.py"
    for number, path in enumerate([*extra[:2], schema, *extra[2:10]]):
        if path == schema:  # every extra service looked its name up
            path.write_text(path.read_text().replace("class UserResponse(", "class UserPublic("))
        else:
            path.write_text(path.read_text() + f"\nedited_{number} = {number}\n")
        assert checked(app, env, "--format", "concise") == checked(
            app, env, "--format", "concise", "--no-cache"
        )
        if parts.read_bytes() != whole:
            break
        assert added.exists(), number
        assert added.stat().st_size < len(whole) // 8, number
    assert number > 0
    assert parts.read_bytes() != whole, "never written whole again"
    assert not added.exists()
    merged = parts.read_bytes()
    extra[-1].write_text(extra[-1].read_text() + "\nedited = 1\n")
    assert checked(app, env, "--format", "concise") == checked(app, env, "--format", "concise", "--no-cache")
    assert (parts.read_bytes(), added.exists()) == (merged, True)


def test_a_damaged_file_of_added_parts_is_ignored(app: Path, env: dict[str, str]) -> None:
    extra = with_extra_services(app)
    checked(app, env, "--format", "concise")
    extra[0].write_text(extra[0].read_text() + "\nedited = 1\n")
    expected = checked(app, env, "--format", "concise", "--no-cache")
    assert checked(app, env, "--format", "concise") == expected
    _, added = parts_files(app)
    good = added.read_bytes()
    for damaged in (good[: len(good) // 2], b"", os.urandom(len(good)), good[:-1] + b"\0"):
        added.write_bytes(damaged)
        forget_findings(app)
        assert checked(app, env, "--format", "concise") == expected
        assert added.read_bytes() != damaged  # written again
    assert checked(app, env, "--format", "concise") == expected


def test_an_edit_leaves_the_unchanged_files_definitions_pickled(
    app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After one edit, a run unpickles the functions, classes, calls and assignments only of the
    files it needs them from (`facts.stored`): not of the services the edit does not touch,
    whose stored parts answer for them. Findings are those of a run without cache."""
    from layerguard import api
    from layerguard.facts import stored

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    extra = with_extra_services(app)
    api.check([app])  # the cache warmed, as by an earlier process
    read: set[tuple[str, tuple[str, ...]]] = set()
    load_group = stored.DeferredFileFacts._load_group

    def counted(facts: stored.DeferredFileFacts, index: int) -> None:
        if facts._deferred[index] is not None:
            read.add((facts.path.name, stored.DEFERRED_GROUPS[index]))
        load_group(facts, index)

    monkeypatch.setattr(stored.DeferredFileFacts, "_load_group", counted)
    extra[0].write_text(extra[0].read_text() + "\nedited = 1\n")
    findings = api.check([app]).findings
    untouched = {path.name for path in extra[1:]}
    for group in (("functions",), ("classes",), ("calls",), ("assignments",)):
        assert not {name for name, loaded in read if loaded == group} & untouched, group
    assert read, "the edit run read no group at all: the counting is broken"
    monkeypatch.setattr(stored.DeferredFileFacts, "_load_group", load_group)
    assert findings == api.check([app], cache=False).findings
