"""The facts cache: keys, invalidation, corruption, forgery, atomic writes, and what `check()`
parses on cold, warm and one-file-changed runs (counted by wrapping `parse_files`)."""

from __future__ import annotations

import hmac
import importlib.util
import os
import pickle
import sys
import textwrap
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

import layerguard.engine
from layerguard.api import check
from layerguard.checks import FileRule, Rule
from layerguard.facts import cache as cache_module
from layerguard.facts.cache import (
    CACHE_DIR_NAME,
    MAGIC,
    FactsCache,
    RecordedRun,
    entry_key,
    read_regular_file,
    remove_cache,
    run_key,
    schema_fingerprint,
)
from layerguard.facts.parse import parse_file
from layerguard.facts.workers import ParsedFile, ParseJob
from layerguard.files import _read_to_end
from layerguard.model import Config, FileFacts, Finding, ImportFact, Severity, Span

sys.path.insert(0, str(Path(__file__).parents[1] / "checks"))
from tmp_project import write_project

SPAN = Span(1, 0, 1, 10)


@pytest.fixture(autouse=True)
def private_key_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test signs with its own key, never the developer's real one."""
    folder = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


def facts_for(path: Path, module: str = "app.x", imported: str = "os") -> FileFacts:
    fact = ImportFact(
        module=imported,
        name=None,
        alias=None,
        level=0,
        span=SPAN,
        statement=SPAN,
        type_checking=False,
    )
    return FileFacts(path=path, module=module, is_package=False, imports=(fact,))


def unparsable(path: Path, message: str) -> FileFacts:
    error = Finding(path, 1, 0, 1, 1, "LG001", "parse-error", Severity.ERROR, message)
    return FileFacts(path=path, module="app.a", is_package=False, parse_error=error)


def cache_file(root: Path) -> Path:
    [found] = (root / CACHE_DIR_NAME).glob("facts-*.pickle")
    return found


def stored(root: Path, entries: dict[bytes, FileFacts]) -> None:
    cache = FactsCache.open(root)
    assert cache is not None
    for key, facts in entries.items():
        cache.store(key, facts)
    cache.save()


def looked_up(root: Path, keys: Sequence[bytes]) -> list[FileFacts | None]:
    cache = FactsCache.open(root)
    assert cache is not None
    return cache.lookup(keys)


# --- the schema fingerprint -------------------------------------------------------------


def schema_module(source: str) -> type:
    """`Root` from `source`, defined in a module registered under one fixed name, so that two
    versions of a schema differ only by their fields."""
    module = types.ModuleType("layerguard_schema_under_test")
    sys.modules[module.__name__] = module
    exec(textwrap.dedent(source), vars(module))  # the source is this test's own constant
    root = vars(module)["Root"]
    assert isinstance(root, type)
    return root


SCHEMA = """\
    from __future__ import annotations
    import enum
    from dataclasses import dataclass

    class Kind(enum.Enum):
        A = "a"

    @dataclass(frozen=True)
    class Leaf:
        line: int
        kind: Kind

    @dataclass(frozen=True)
    class Root:
        leaves: tuple[Leaf, ...]
        parent: Leaf | None = None
    """


def test_schema_fingerprint_is_stable() -> None:
    assert schema_fingerprint(schema_module(SCHEMA)) == schema_fingerprint(schema_module(SCHEMA))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    line: int\n", "    line: int\n    column: int\n"),  # a field added
        ("    line: int\n", "    line: str\n"),  # a field's type changed
        ("    parent: Leaf | None = None\n", ""),  # a field removed
        ('    A = "a"\n', '    A = "a"\n    B = "b"\n'),  # an enum member added
    ],
)
def test_schema_fingerprint_changes_with_nested_fields(old: str, new: str) -> None:
    source = textwrap.dedent(SCHEMA)
    assert old in source
    assert schema_fingerprint(schema_module(source)) != schema_fingerprint(
        schema_module(source.replace(old, new))
    )


def test_real_schema_fingerprint_covers_nested_fact_classes(monkeypatch: pytest.MonkeyPatch) -> None:
    before = schema_fingerprint(FileFacts)
    monkeypatch.setattr(ImportFact, "__dataclass_fields__", {**ImportFact.__dataclass_fields__})
    del ImportFact.__dataclass_fields__["type_checking"]
    assert schema_fingerprint(FileFacts) != before


# --- keys -------------------------------------------------------------------------------


def test_entry_key_covers_everything_parse_file_reads() -> None:
    base = entry_key(Path("/p/a.py"), "app.a", False, b"x = 1\n")
    assert entry_key(Path("/p/a.py"), "app.a", False, b"x = 1\n") == base
    assert entry_key(Path("/p/a.py"), "app.a", False, b"x = 2\n") != base  # content
    assert entry_key(Path("/p/b.py"), "app.a", False, b"x = 1\n") != base  # path
    assert entry_key(Path("/p/a.py"), "app.b", False, b"x = 1\n") != base  # module
    assert entry_key(Path("/p/a.py"), "app.a", True, b"x = 1\n") != base  # is_package


def test_run_key_covers_configuration_code_and_every_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Config(root=tmp_path)
    entries = [b"a" * 20, b"b" * 20]
    base = run_key(config, entries)
    assert run_key(Config(root=tmp_path), list(entries)) == base
    assert run_key(Config(root=tmp_path, ignore=("LG401",)), entries) != base  # config
    assert run_key(config, [b"a" * 20, b"c" * 20]) != base  # any project file
    assert run_key(config, entries[:1]) != base  # a file gone
    monkeypatch.setattr(cache_module, "_code_digest", lambda: "edited rules")
    assert run_key(config, entries) != base  # layerguard's code


# --- storing and reading ----------------------------------------------------------------


def test_round_trip_and_git_ignore(tmp_path: Path) -> None:
    key = entry_key(tmp_path / "a.py", "app.a", False, b"import os\n")
    facts = facts_for(tmp_path / "a.py")
    stored(tmp_path, {key: facts})
    assert looked_up(tmp_path, [key, b"missing", key]) == [facts, None, facts]
    ignore = (tmp_path / CACHE_DIR_NAME / ".gitignore").read_text().splitlines()
    assert "*" in ignore


def test_a_new_layerguard_version_misses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = b"k" * 20
    stored(tmp_path, {key: facts_for(tmp_path / "a.py")})
    monkeypatch.setattr(cache_module, "__version__", "999.0")
    assert looked_up(tmp_path, [key]) == [None]


def test_a_new_schema_misses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = b"k" * 20
    stored(tmp_path, {key: facts_for(tmp_path / "a.py")})
    monkeypatch.setattr(cache_module, "FACTS_SCHEMA", "another-schema")
    assert looked_up(tmp_path, [key]) == [None]


def _machine_dependent_failures(path: Path) -> dict[str, FileFacts]:
    """Each way parsing fails for a reason other than the bytes, made by the code that makes it."""
    from layerguard.facts.parse import UnparsableFile, unparsable_facts
    from layerguard.facts.workers import _internal_error, _parse_error

    job = ParseJob(path, "app.a", False, b"x = 1\n")
    try:
        raise ValueError("a bug")
    except ValueError as bug:
        internal = _internal_error(job, bug)
    return {
        "crash": _parse_error(job, "parser crashed (signal 11, SIGSEGV)"),
        "time-out": _parse_error(job, "parse took longer than 10 s"),
        "recursion": unparsable_facts(
            path, "app.a", False, UnparsableFile("too deeply nested for the parser")
        ),
        "read error": parse_file(path.with_name("missing.py"), "app.a", False),
        "internal error": internal,
    }


@pytest.mark.parametrize("kind", ["crash", "time-out", "recursion", "read error", "internal error"])
def test_parse_errors_that_depend_on_the_machine_are_not_stored(tmp_path: Path, kind: str) -> None:
    """A time-out depends on `parse-timeout` and the load, a crash or a read error on the machine:
    the facts say so themselves (`FileFacts.reproducible`), whatever their message."""
    facts = _machine_dependent_failures(tmp_path / "a.py")[kind]
    assert facts.parse_error is not None
    assert not facts.reproducible
    stored(tmp_path, {b"k" * 20: facts})
    assert looked_up(tmp_path, [b"k" * 20]) == [None]


@pytest.mark.parametrize(
    "source", [b"def broken(:\n", b"x = '\xff'\n", b"# -*- coding: klingon -*-\n", b"x = 1\0\n"]
)
def test_parse_errors_that_follow_from_the_bytes_are_stored(tmp_path: Path, source: bytes) -> None:
    path = tmp_path / "a.py"
    facts = parse_file(path, "app.a", False, source)
    assert facts.parse_error is not None
    assert facts.reproducible
    stored(tmp_path, {b"k" * 20: facts})
    assert looked_up(tmp_path, [b"k" * 20]) == [facts]


def test_entries_not_used_by_a_run_are_dropped(tmp_path: Path) -> None:
    old, new = b"o" * 20, b"n" * 20
    stored(tmp_path, {old: facts_for(tmp_path / "a.py")})
    cache = FactsCache.open(tmp_path)
    assert cache is not None
    cache.lookup([new])
    cache.store(new, facts_for(tmp_path / "a.py", imported="sys"))
    cache.save()
    assert looked_up(tmp_path, [old, new])[0] is None


def test_one_changed_entry_is_written_beside_the_facts_file_until_they_drift_apart(tmp_path: Path) -> None:
    """An edit writes the one new entry, not the whole cache; once the added entries and the
    facts file's unused ones are an eighth of it, it is written whole with what is used."""
    keys = [bytes([n]) * 20 for n in range(32)]
    stored(tmp_path, {key: facts_for(tmp_path / f"m{n}.py") for n, key in enumerate(keys)})
    whole = cache_file(tmp_path).read_bytes()
    added = tmp_path / CACHE_DIR_NAME / f"added-facts-{cache_module.cache_key()}.pickle"
    for edited in range(6):
        cache = FactsCache.open(tmp_path)
        assert cache is not None
        keys[edited] = bytes([100 + edited]) * 20
        assert cache.lookup(keys)[edited] is None
        cache.store(keys[edited], facts_for(tmp_path / f"m{edited}.py", imported="sys"))
        cache.save()
        assert None not in looked_up(tmp_path, keys)
        if edited == 0:
            assert cache_file(tmp_path).read_bytes() == whole
            assert added.exists()
    assert cache_file(tmp_path).read_bytes() != whole
    assert not added.exists()
    assert looked_up(tmp_path, [bytes([0]) * 20]) == [None]  # the old entry of an edited file is gone


def test_project_parts_of_an_edit_are_written_beside_the_parts_file_until_they_drift_apart(
    tmp_path: Path,
) -> None:
    """The parts' index changes under the same key at every edit, with one file's parts: both
    go to the small file beside the parts file, the other files' parts are not written again,
    and once the new entries and the parts file's unused ones are an eighth of it, it is
    written whole with what the last run used."""
    rules = b"r" * 20
    entries = {bytes([n]) * 16: bytes([n]) * 1000 for n in range(32)}
    cache = FactsCache.open(tmp_path)
    assert cache is not None
    cache.store_project_parts(rules, (("index", 0), dict(entries)))
    parts_file = tmp_path / CACHE_DIR_NAME / f"parts-{cache_module.cache_key()}.pickle"
    added = tmp_path / CACHE_DIR_NAME / f"added-parts-{cache_module.cache_key()}.pickle"
    whole = parts_file.read_bytes()
    assert not added.exists()
    for edited in range(1, 6):
        cache = FactsCache.open(tmp_path)
        assert cache is not None
        index, stored = cache.project_parts(rules)
        assert index == ("index", edited - 1)
        assert {key: stored[key] for key in entries} == entries
        del entries[bytes([edited]) * 16]
        entries[bytes([100 + edited]) * 16] = bytes([100 + edited]) * 1000
        kept = {key: stored.get(key, value) for key, value in entries.items()}  # the bytes read
        cache.store_project_parts(rules, (("index", edited), kept))
        if parts_file.read_bytes() != whole:
            break
        assert added.exists()
    # Two new entries of 1000 bytes and a new index, as many unused: more than 32 * 1000 / 8.
    assert edited == 2
    assert not added.exists()
    cache = FactsCache.open(tmp_path)
    assert cache is not None
    index, stored = cache.project_parts(rules)
    assert index == ("index", 2)
    assert stored.keys() == {rules, *entries}  # the parts of the edited files' old contents are gone


def test_a_file_findings_entry_computed_again_under_its_key_is_stored(tmp_path: Path) -> None:
    """A file's findings are computed again under the same key when an answer from another
    file changed: the new ones are written, not left out because the key was stored."""
    keys = [bytes([n]) * 20 for n in range(32)]
    cache = FactsCache.open(tmp_path)
    assert cache is not None
    for key in keys:
        cache.store_file_findings(key, [], [])
    cache.save_file_findings()
    cache = FactsCache.open(tmp_path)
    assert cache is not None
    for key in keys:
        assert cache.file_findings(key) == ((), ())
    finding = Finding(tmp_path / "a.py", 1, 0, 1, 1, "LG101", "layer-import", Severity.ERROR, "m")
    cache.store_file_findings(keys[0], [finding], [])
    cache.save_file_findings()
    cache = FactsCache.open(tmp_path)
    assert cache is not None
    assert cache.file_findings(keys[0]) == ((finding,), ())


def test_an_unchanged_run_does_not_rewrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = b"k" * 20
    stored(tmp_path, {key: facts_for(tmp_path / "a.py")})
    writes: list[Path] = []
    monkeypatch.setattr(cache_module, "write_atomically", lambda path, data: writes.append(path))
    cache = FactsCache.open(tmp_path)
    assert cache is not None
    cache.lookup([key])
    cache.save()
    assert writes == []


def test_only_the_newest_caches_of_other_versions_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(5):
        monkeypatch.setattr(cache_module, "__version__", f"0.{number}")
        stored(tmp_path, {b"k" * 20: facts_for(tmp_path / "a.py")})
        os.utime(cache_file_named(tmp_path, number), (number, number))  # written in this order
    left = sorted((tmp_path / CACHE_DIR_NAME).glob("facts-*.pickle"))
    assert len(left) == 1 + cache_module.KEEP_OTHER_CACHES
    assert looked_up(tmp_path, [b"k" * 20]) != [None]  # the current version's is one of them


def recorded_cache(root: Path) -> FactsCache:
    cache = FactsCache.open(root)
    assert cache is not None
    return cache


def test_recorded_findings_round_trip_and_only_recent_runs_are_kept(tmp_path: Path) -> None:
    finding = Finding(tmp_path / "a.py", 1, 0, 1, 4, "LG101", "upward-import", Severity.ERROR, "m")
    runs = [bytes([n]) * 20 for n in range(cache_module.RECENT_RUNS + 2)]
    for number, run in enumerate(runs):
        recorded_cache(tmp_path).record_findings(run, [finding] * number, b"r" * 20, [run])
    cache = recorded_cache(tmp_path)
    assert cache.recorded_findings(runs[-1]) == (finding,) * (len(runs) - 1)
    assert [cache.recorded_findings(run) is not None for run in runs] == [False, False] + [True] * (
        len(runs) - 2
    )
    assert cache.recent_runs() == [RecordedRun(b"r" * 20, run, frozenset([run])) for run in runs[2:]]


def test_recorded_findings_of_another_version_are_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded_cache(tmp_path).record_findings(b"r" * 20, [], b"k" * 20, [])
    assert recorded_cache(tmp_path).recorded_findings(b"r" * 20) == ()
    monkeypatch.setattr(cache_module, "__version__", "999.0")
    assert recorded_cache(tmp_path).recorded_findings(b"r" * 20) is None


def cache_file_named(root: Path, number: int) -> Path:
    return root / CACHE_DIR_NAME / f"facts-{cache_module.cache_key()}.pickle"


# --- corruption and forgery: ignored and rebuilt, never a crash ---------------------------


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0xFF])


CORRUPTIONS: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda data: b"",
    "truncated": _truncate,
    "header only": lambda data: data[: len(MAGIC) + 10],
    "bit flipped": _flip_last_byte,
    "wrong magic": lambda data: b"NOTFACTS" + data[len(MAGIC) :],
    "garbage": lambda data: os.urandom(len(data)),
    "bare pickle": lambda data: pickle.dumps({b"k" * 20: b"x"}),
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_corrupt_cache_file_is_ignored_and_rebuilt(
    tmp_path: Path, corrupt: Callable[[bytes], bytes]
) -> None:
    key = b"k" * 20
    facts = facts_for(tmp_path / "a.py")
    stored(tmp_path, {key: facts})
    path = cache_file(tmp_path)
    path.write_bytes(corrupt(path.read_bytes()))
    assert looked_up(tmp_path, [key]) == [None]
    stored(tmp_path, {key: facts})
    assert looked_up(tmp_path, [key]) == [facts]


class _Payload:
    """Unpickling this runs a command that creates a file: what a forged cache would try."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.touch, (self.marker,))


def test_a_forged_cache_is_never_unpickled(tmp_path: Path, private_key_folder: Path) -> None:
    """A cache committed to the checked repository is not signed with this user's key."""
    stored(tmp_path, {b"k" * 20: facts_for(tmp_path / "a.py")})
    marker = tmp_path / "executed"
    payload = pickle.dumps({b"k" * 20: pickle.dumps(_Payload(marker))})
    forged_mac = b"\0" * cache_module.MAC_SIZE
    cache_file(tmp_path).write_bytes(MAGIC + forged_mac + payload)
    assert looked_up(tmp_path, [b"k" * 20]) == [None]
    assert not marker.exists()


def signature(root: Path) -> tuple[bytes, bytes, bytes]:
    """The facts file's magic, MAC and signed payload."""
    data = cache_file(root).read_bytes()
    magic, rest = data[: len(MAGIC)], data[len(MAGIC) :]
    return magic, rest[: cache_module.MAC_SIZE], rest[cache_module.MAC_SIZE :]


def test_without_blake3_the_cache_is_signed_with_hmac_sha256(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the `blake3` wheel is missing. A file signed the other way is ignored (its magic
    names the other MAC), never misread."""
    key = b"k" * 20
    facts = facts_for(tmp_path / "a.py")
    monkeypatch.setattr(cache_module, "KEYED_BLAKE3", False)
    monkeypatch.setattr(cache_module, "MAGIC", b"LGFACTS1")
    stored(tmp_path, {key: facts})
    magic, mac, payload = signature(tmp_path)
    mac_key = cache_module.load_mac_key()
    assert mac_key is not None
    assert (magic, mac) == (b"LGFACTS1", hmac.digest(mac_key, payload, "sha256"))
    assert looked_up(tmp_path, [key]) == [facts]
    monkeypatch.setattr(cache_module, "KEYED_BLAKE3", True)
    monkeypatch.setattr(cache_module, "MAGIC", b"LGFACTS2")
    if importlib.util.find_spec("blake3") is not None:
        assert looked_up(tmp_path, [key]) == [None]


def test_the_mac_is_keyed_blake3_where_it_is_installed(tmp_path: Path) -> None:
    blake3 = pytest.importorskip("blake3")
    stored(tmp_path, {b"k" * 20: facts_for(tmp_path / "a.py")})
    magic, mac, payload = signature(tmp_path)
    mac_key = cache_module.load_mac_key()
    assert mac_key is not None
    assert (magic, mac) == (b"LGFACTS2", blake3.blake3(payload, key=mac_key).digest())


def test_another_users_key_does_not_verify(
    tmp_path: Path, private_key_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = b"k" * 20
    stored(tmp_path, {key: facts_for(tmp_path / "a.py")})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other-user"))
    assert looked_up(tmp_path, [key]) == [None]


def test_a_damaged_key_is_replaced(tmp_path: Path, private_key_folder: Path) -> None:
    stored(tmp_path, {b"k" * 20: facts_for(tmp_path / "a.py")})
    key_file = private_key_folder / "layerguard" / "cache-key"
    key_file.write_bytes(b"short")
    assert looked_up(tmp_path, [b"k" * 20]) == [None]  # signed with the lost key
    assert len(key_file.read_bytes()) == cache_module.KEY_SIZE
    stored(tmp_path, {b"k" * 20: facts_for(tmp_path / "a.py")})
    assert looked_up(tmp_path, [b"k" * 20]) != [None]


def test_abandoned_temporary_files_are_removed(tmp_path: Path) -> None:
    stored(tmp_path, {b"k" * 20: facts_for(tmp_path / "a.py")})
    old, fresh = tmp_path / CACHE_DIR_NAME / ".tmp-old", tmp_path / CACHE_DIR_NAME / ".tmp-fresh"
    old.write_bytes(b"half a cache")
    fresh.write_bytes(b"being written by a live run")
    os.utime(old, (0, 0))
    stored(tmp_path, {b"j" * 20: facts_for(tmp_path / "a.py")})
    assert not old.exists()
    assert fresh.exists()


def test_no_cache_without_a_key_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert FactsCache.open(tmp_path) is None


def test_a_symlinked_cache_folder_is_not_used(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / CACHE_DIR_NAME).symlink_to(elsewhere)
    assert FactsCache.open(project) is None
    assert remove_cache(project) == project / CACHE_DIR_NAME
    assert elsewhere.is_dir()


def test_a_read_only_project_is_checked_without_a_cache(tmp_path: Path) -> None:
    (tmp_path / CACHE_DIR_NAME).write_text("a file where the folder would go")
    stored(tmp_path, {b"k" * 20: facts_for(tmp_path / "a.py")})  # save() must not raise


def test_concurrent_writers_never_leave_a_partial_file(tmp_path: Path) -> None:
    facts = {bytes([i]) * 20: facts_for(tmp_path / f"m{i}.py", imported=f"m{i}") for i in range(200)}
    failures: list[str] = []
    done = threading.Event()

    def write(offset: int) -> None:
        for round_ in range(15):
            chosen = dict(list(facts.items())[(offset + round_) % 50 :][:150])
            stored(tmp_path, chosen)

    def read() -> None:
        while not done.is_set():
            if (tmp_path / CACHE_DIR_NAME).is_dir() and list((tmp_path / CACHE_DIR_NAME).glob("facts-*")):
                cache = FactsCache.open(tmp_path)
                assert cache is not None
                if not cache.stored:
                    failures.append("a reader saw an unreadable cache file")

    writers = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()
    assert failures == []
    assert not [p for p in (tmp_path / CACHE_DIR_NAME).iterdir() if p.name.startswith(".tmp-")]


# --- reading source files safely ------------------------------------------------------------


def test_read_regular_file_refuses_what_would_block_or_never_end(tmp_path: Path) -> None:
    regular = tmp_path / "a.py"
    regular.write_bytes(b"x = 1\n")
    assert read_regular_file(regular) == b"x = 1\n"
    assert read_regular_file(tmp_path) is None  # a folder
    assert read_regular_file(tmp_path / "missing.py") is None
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    assert read_regular_file(fifo) is None  # a plain read would wait for a writer forever
    endless = tmp_path / "zero.py"
    endless.symlink_to("/dev/zero")
    assert read_regular_file(endless) is None
    link = tmp_path / "link.py"
    link.symlink_to(regular)
    assert read_regular_file(link) == b"x = 1\n"
    assert read_regular_file(link, follow_symlinks=False) is None


@pytest.mark.parametrize("size_seen", [0, 1, 5, 70_000, 102_400, 200_000])
def test_a_file_is_read_to_its_end_whatever_its_size_was_seen_to_be(tmp_path: Path, size_seen: int) -> None:
    """The size from fstat is a hint: a file that grew or shrank since is read to its real end."""
    data = bytes(range(256)) * 400  # 102,400 bytes: more than one read past a stale size
    path = tmp_path / "a.py"
    path.write_bytes(data)
    descriptor = os.open(path, os.O_RDONLY)
    try:
        assert _read_to_end(descriptor, size_seen) == data
    finally:
        os.close(descriptor)


def test_an_empty_file_is_read_as_no_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(b"")
    assert read_regular_file(tmp_path / "a.py") == b""


# --- what check() parses ------------------------------------------------------------------------

PROJECT = {
    "pyproject.toml": '[project]\nrequires-python = ">=3.11"\n',
    "app/__init__.py": "",
    "app/api/__init__.py": "",
    "app/api/users.py": "from app.services.UserService import UserService\n",
    "app/services/__init__.py": "",
    "app/services/UserService.py": "class UserService:\n    pass\n",
    "app/models/__init__.py": "",
    "app/models/User.py": "from typing import Optional\n\nclass User:\n    name: Optional[str] = None\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    for name, text in PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


class ParseCounter:
    """Wraps `_parse_files` in `layerguard.engine`, recording the files each call parses."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[list[Path]] = []
        real = layerguard.engine._parse_files

        def counting(jobs: Sequence[ParseJob], *, workers: int, timeout: float) -> list[ParsedFile]:
            self.calls.append([job.path for job in jobs])
            return real(jobs, workers=workers, timeout=timeout)

        monkeypatch.setattr(layerguard.engine, "_parse_files", counting)

    def parsed(self) -> list[Path]:
        files = [path for call in self.calls for path in call]
        self.calls.clear()
        return files


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> Iterator[ParseCounter]:
    yield ParseCounter(monkeypatch)


def codes(root: Path, **options: object) -> list[tuple[str, str, int]]:
    report = check([root], jobs=1, **options)  # type: ignore[arg-type]
    return [(f.path.relative_to(root).as_posix(), f.code, f.line) for f in report.findings]


def test_a_warm_run_parses_nothing(project: Path, counter: ParseCounter) -> None:
    cold = codes(project)
    assert len(counter.parsed()) == 7  # every .py file
    assert codes(project) == cold
    assert counter.calls == []


def test_one_changed_file_is_the_only_one_parsed_and_graph_rules_follow(
    project: Path, counter: ParseCounter
) -> None:
    assert ("app/services/UserService.py", "LG101", 1) not in codes(project)
    counter.parsed()
    service = project / "app/services/UserService.py"
    service.write_text("from app.api import users\n\nclass UserService:\n    pass\n")
    assert ("app/services/UserService.py", "LG101", 1) in codes(project)
    assert counter.parsed() == [service]
    service.write_text(PROJECT["app/services/UserService.py"] + "# edited\n")
    assert ("app/services/UserService.py", "LG101", 1) not in codes(project)
    assert counter.parsed() == [service]


def test_a_tree_seen_before_is_answered_from_recorded_findings(project: Path, counter: ParseCounter) -> None:
    """Back to a state an earlier run saw: its findings are reused and no facts are needed,
    not even from the cache; any difference in a file is a new run."""
    first = codes(project)
    service = project / "app/services/UserService.py"
    service.write_text("from app.api import users\n\nclass UserService:\n    pass\n")
    assert codes(project) != first
    service.write_text(PROJECT["app/services/UserService.py"])
    counter.parsed()
    looked_up = []
    real_lookup = FactsCache.lookup

    def lookup(self: FactsCache, keys: Sequence[bytes | None]) -> list[FileFacts | None]:
        looked_up.append(len(keys))
        return real_lookup(self, keys)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FactsCache, "lookup", lookup)
        assert codes(project) == first
    assert counter.parsed() == []
    assert looked_up == []


def test_a_config_change_reuses_the_facts(project: Path, counter: ParseCounter) -> None:
    """Facts do not depend on the configuration: findings follow it without a parse."""
    assert ("app/models/User.py", "LG401", 4) in codes(project)
    counter.parsed()
    pyproject = project / "pyproject.toml"
    pyproject.write_text(PROJECT["pyproject.toml"] + '[tool.layerguard]\nextend-ignore = ["LG401"]\n')
    assert ("app/models/User.py", "LG401", 4) not in codes(project)
    pyproject.write_text(
        PROJECT["pyproject.toml"]
        + '[tool.layerguard.layers.endpoint]\nmodules = ["app.api.**"]\nmay-import = ["schema"]\n'
    )
    assert ("app/api/users.py", "LG102", 1) in codes(project)
    assert counter.calls == []


def test_a_moved_file_is_parsed_again(project: Path, counter: ParseCounter) -> None:
    """Its path and module name are part of its facts, so they are part of its key."""
    codes(project)
    counter.parsed()
    moved = project / "app/schemas/User.py"
    moved.parent.mkdir()
    (project / "app/models/User.py").rename(moved)
    assert ("app/schemas/User.py", "LG401", 4) in codes(project)
    assert counter.parsed() == [moved]


def test_a_file_with_a_syntax_error_is_not_parsed_again(project: Path, counter: ParseCounter) -> None:
    broken = project / "app/models/Broken.py"
    broken.write_text("def broken(:\n")
    assert ("app/models/Broken.py", "LG001", 1) in codes(project)
    counter.parsed()
    assert ("app/models/Broken.py", "LG001", 1) in codes(project)
    assert counter.calls == []


def test_a_run_with_a_timed_out_file_is_not_recorded(
    project: Path, counter: ParseCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A time-out depends on the machine: the next run must parse that file again, so it
    cannot be answered from the recorded findings of this one."""
    slow = project / "app/models/Slow.py"
    slow.write_text("x = 1\n")
    real = layerguard.engine._parse_files

    def timing_out(jobs: Sequence[ParseJob], *, workers: int, timeout: float) -> list[ParsedFile]:
        from layerguard.facts.workers import _parse_error  # what the pool gives a file past its time

        parsed = real(jobs, workers=workers, timeout=timeout)
        job = ParseJob(slow, "app.models.Slow", False, None)
        timed_out = _parse_error(job, "parse took longer than 10 s")
        return [ParsedFile(timed_out, None) if p.facts.path == slow else p for p in parsed]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layerguard.engine, "_parse_files", timing_out)
        assert ("app/models/Slow.py", "LG001", 1) in codes(project)
    counter.parsed()
    assert ("app/models/Slow.py", "LG001", 1) not in codes(project)
    assert counter.parsed() == [slow]


def test_a_file_that_cannot_be_read_is_parsed_every_run(project: Path, counter: ParseCounter) -> None:
    """It goes to the parser unread, which reports why; nothing is stored for it."""
    dangling = project / "app/models/Gone.py"
    dangling.symlink_to(project / "nowhere.py")
    assert ("app/models/Gone.py", "LG001", 1) in codes(project)
    counter.parsed()
    assert ("app/models/Gone.py", "LG001", 1) in codes(project)
    assert counter.parsed() == [dangling]


def test_no_cache_neither_reads_nor_writes(project: Path, counter: ParseCounter) -> None:
    codes(project, cache=False)
    assert not (project / CACHE_DIR_NAME).exists()
    codes(project)
    counter.parsed()
    codes(project, cache=False)
    assert len(counter.parsed()) == 7  # not read
    service = project / "app/services/UserService.py"
    service.write_text("from app.api import users\n")
    codes(project, cache=False)
    counter.parsed()
    codes(project)
    assert counter.parsed() == [service]  # not written by the --no-cache run


def test_an_editor_buffer_is_checked_and_cached_by_its_content(project: Path, counter: ParseCounter) -> None:
    service = project / "app/services/UserService.py"
    buffer = b"from app.api import users\n"
    assert "LG101" in [f.code for f in check([service], jobs=1, sources={service: buffer}).findings]
    counter.parsed()
    check([service], jobs=1, sources={service: buffer})
    assert counter.calls == []
    assert "LG101" not in [f.code for f in check([service], jobs=1).findings]  # the file on disk
    assert counter.parsed() == [service]


# --- file rules' findings per file ---------------------------------------------------------------


class FileRuleCounter:
    """Records the files each file rule runs on (through `api._guarded`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: set[str] = set()
        real = layerguard.engine._guarded

        def counting(
            rule: Rule, facts: FileFacts, run: Callable[..., object], *args: object
        ) -> list[Finding]:
            if isinstance(rule, FileRule):
                self.files.add(facts.path.name)
            return real(rule, facts, run, *args)  # type: ignore[arg-type]

        monkeypatch.setattr(layerguard.engine, "_guarded", counting)

    def checked(self) -> set[str]:
        files, self.files = self.files, set()
        return files


def test_after_one_edit_file_rules_re_check_only_that_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = FileRuleCounter(monkeypatch)
    first = codes(project)
    assert counter.checked() == {"__init__.py", "users.py", "UserService.py", "User.py"}
    model = project / "app/models/User.py"
    model.write_text(PROJECT["app/models/User.py"] + "edited = 1\n")
    assert codes(project) == first
    assert counter.checked() == {"User.py"}
    model.write_text(PROJECT["app/models/User.py"].replace("Optional[str]", "str | None"))
    assert ("app/models/User.py", "LG401", 4) not in codes(project)
    assert counter.checked() == {"User.py"}


def test_an_edit_that_leaves_the_facts_as_they_were_reuses_the_findings(
    project: Path, counter: ParseCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A comment changes no fact, so the findings of the run before stand: the edited file is
    parsed and compared with its facts then, and no other file's facts are loaded, no rule runs."""
    rules = FileRuleCounter(monkeypatch)
    first = codes(project)
    counter.parsed()
    rules.checked()
    model = project / "app/models/User.py"
    for edit in ("# edited\n", "# edited again\n"):  # each compared with the run before
        model.write_text(PROJECT["app/models/User.py"] + edit)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(layerguard.engine, "run_rules", lambda *args, **kwargs: pytest.fail("rules ran"))
            assert codes(project) == first
        assert counter.parsed() == [model]
    model.write_text(PROJECT["app/models/User.py"].replace("Optional[str]", "str | None") + "# edited\n")
    assert ("app/models/User.py", "LG401", 4) not in codes(project)
    assert rules.checked() == {"User.py"}
    assert codes(project) == codes(project, cache=False)


SESSION_ALIAS = """\
from typing import Annotated
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

def get_db() -> AsyncSession: ...

SessionDep = Annotated[AsyncSession, Depends(get_db)]
"""
HANDLER = """\
from fastapi import APIRouter
from app.deps import SessionDep

router = APIRouter()

@router.get("/items")
async def items(db: SessionDep) -> list[int]:
    return []
"""


def test_a_remembered_file_is_re_checked_when_what_it_resolved_elsewhere_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """items.py is unchanged, but the alias it imports stops being a session in deps.py:
    its recorded lookup answers differently, so its LG104 goes."""
    root = write_project(tmp_path, {"app/deps.py": SESSION_ALIAS, "app/api/items.py": HANDLER})
    counter = FileRuleCounter(monkeypatch)
    assert ("app/api/items.py", "LG104", 7) in codes(root)
    counter.checked()
    not_a_session = SESSION_ALIAS.replace("Annotated[AsyncSession, Depends(get_db)]", "int")
    (root / "app/deps.py").write_text(not_a_session)
    assert ("app/api/items.py", "LG104", 7) not in codes(root)
    assert counter.checked() == {"deps.py", "items.py"}
    assert codes(root) == codes(root, cache=False)
    (root / "app/deps.py").write_text(SESSION_ALIAS + "# edited\n")
    assert ("app/api/items.py", "LG104", 7) in codes(root)


# --- partial runs ---------------------------------------------------------------------------------


def subset_codes(root: Path, *relative: str, **options: object) -> list[tuple[str, str, int]]:
    report = check([root / name for name in relative], jobs=1, **options)  # type: ignore[arg-type]
    assert report.files_checked == len(relative)
    return [(f.path.relative_to(root).as_posix(), f.code, f.line) for f in report.findings]


def test_a_partial_run_is_the_whole_project_narrowed_to_its_files(
    project: Path, counter: ParseCounter
) -> None:
    """pre-commit's staged files, or flake8's one file: after one run of the whole project,
    each is answered from its record, without facts, and as a run of those files alone."""
    whole = codes(project)
    counter.parsed()
    for files in (["app/models/User.py"], ["app/api/users.py", "app/models/User.py"]):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(FactsCache, "lookup", lambda self, keys: pytest.fail("facts were loaded"))
            narrowed = subset_codes(project, *files)
        assert counter.parsed() == []
        assert narrowed == [finding for finding in whole if finding[0] in files]
        assert narrowed == subset_codes(project, *files, cache=False)
        counter.parsed()


def test_a_project_rule_crash_in_a_partial_run_is_reported_as_without_the_cache(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project rule's LG000 lands on the first file checked: narrowing the whole project's
    findings would lose it, so such a partial run is computed as asked."""
    from layerguard.checks.upward_import import UpwardImport

    def crash(self: object, project: object) -> list[Finding]:
        raise RuntimeError("boom")

    monkeypatch.setattr(UpwardImport, "check_project", crash)
    codes(project)
    for _ in range(2):  # the second run has the whole project's findings recorded
        narrowed = subset_codes(project, "app/models/User.py")
        assert ("app/models/User.py", "LG000", 1) in narrowed
        assert narrowed == subset_codes(project, "app/models/User.py", cache=False)
