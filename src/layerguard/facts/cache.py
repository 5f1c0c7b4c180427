"""The cache: a warm run on an unchanged tree reads one small file and parses nothing.

It holds three things, in `.layerguard_cache/` under the project root:

* Facts per file (`facts-<cache key>.pickle`). Rules, the import graph and every
  configuration-dependent decision are computed from them, so one changed file costs one parse
  and cross-file rules stay right (STYLE.md: "the cache stores facts, not findings").
* The findings in every project file for its last few states, one file each
  (`findings-<cache key>-<run key>.pickle`). The run key covers the configuration, layerguard's
  code and the entry key of every project file. A run whose key is known is answered from its
  record, narrowed to the files asked for, without unpickling any facts (issue 6: "findings
  come from a content-hash cache"; unpickling prefect's facts alone takes longer than the whole
  warm-run budget). Any change to any file, the configuration or the code is a new run key.
  `runs-<cache key>.pickle` lists the recorded runs with their files' entry keys: a run whose
  changed files have the same facts as in one of them (a comment edited) takes its findings,
  loading only the changed files' facts (`engine.Workspace._recorded_run_findings`); any other
  change falls back to the facts.
* Each file's parts of the project rules' tables (`parts-<cache key>.pickle`, and
  `added-parts-...` as for facts below), as the last run that computed them left them
  (`incremental.FileMemo.stored_state`): under its `rules_key`, an index naming each file's
  entry key and the key of its parts' entry; each file's parts under a digest of their bytes.
  A one-edit run computes only the parts the edit invalidates, and writes only those and the
  index.
* The file rules' findings per file (`file-findings-<cache key>.pickle`, and
  `added-file-findings-...` as for facts below), with every lookup
  those rules made in other files (`symbols.RecordingSymbols`); `api.FileFindingsMemo` reuses
  them while the file and those answers are unchanged. Project rules always run on the facts.

Key of one facts entry: the file's bytes (blake2b), its path, dotted module name and
`is_package` — everything `parse_file` reads, so a hit is exactly what a parse would return. The
configuration is not in the key because facts do not depend on it: `parse_file(path, module,
is_package, data)` takes no `Config`, and the parts of the configuration that shape a file's
identity (`packages`, source roots) reach it only through `module`/`is_package`, which are in the
key. An LG001 is stored only when it follows from the bytes (a syntax error, undecodable bytes, a
NUL byte); one that depends on the machine or the configuration (a parse that timed out under
`parse-timeout`, crashed, ran out of memory or recursion, a read error) is never stored, so that
file is parsed again on the next run — and a run with such a file records no findings either.
A moved or renamed file is a miss (its path is in its facts).

Key of the whole cache: layerguard's version, the running Python (the ast grammar depends on
it) and libcst's version (it parses what that Python cannot), a fingerprint of the `FileFacts`
schema computed at import, and a digest of the source of the fact extractor, so an editable
install whose version never changes still drops facts made by older code. It names the cache
files, so several layerguard versions can share a project. Run keys add a digest of all of
layerguard's source (rules included).

Layout (measured against one file per source file and sqlite, see bench/README.md): one file
holding a dict entry key -> the pickled facts of one file. A run that needs facts does one read
and unpickles each entry it uses; a run with misses keeps the entries it used (old entries drop
out), re-pickling nothing: workers send facts pickled, and those bytes are stored as they are.
A few new entries go to a small file beside it (`added-facts-<cache key>.pickle`), so one edit
does not rewrite the whole cache; the facts file is written whole again once they, and its
unused entries, are an eighth of it. One file's entry keeps the fields that only file rules read
pickled apart, unpickled when first read (`facts.stored`): after one edit, the other files'
facts are unpickled for the project rules, which never read those fields. The file findings
and the project parts are kept the same way; there an entry may change under the same key (a
file's findings computed again, the parts' index): its new bytes count as added and its old
ones as unused.

Safety: files are written to a temporary file in the same folder and moved into place with
`os.replace`, so a concurrent reader sees the old file or the new one, never half of one.
Each starts with a MAC (keyed BLAKE3; HMAC-SHA256 where the `blake3` wheel is not installed)
whose key lives in the user's cache folder, outside the project: a truncated or corrupt file,
or one committed to the checked repository (pickle would run code from it, and forged facts or
findings could hide findings), fails the check and is ignored and rebuilt. Without a usable
key folder the cache is off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import hmac
import os
import pickle
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from layerguard import files, known_paths
from layerguard.facts.stored import pickle_facts
from layerguard.files import write_atomically
from layerguard.model import Config, FileFacts, Finding
from layerguard.version import __version__

if TYPE_CHECKING:
    from layerguard.symbols import Lookup

try:
    from blake3 import blake3

    KEYED_BLAKE3 = True
except ImportError:  # a platform without its wheel (pyproject.toml says which have one)
    KEYED_BLAKE3 = False

CACHE_DIR_NAME = ".layerguard_cache"
# Names the MAC too: a file signed the other way is ignored and rebuilt, never misread.
MAGIC = b"LGFACTS2" if KEYED_BLAKE3 else b"LGFACTS1"
MAC_SIZE = 32
KEY_SIZE = 32
ENTRY_KEY_SIZE = 20
KEEP_OTHER_CACHES = 2
RECENT_RUNS = 8  # runs whose findings are remembered
# The facts file is written whole again once the entries added since, and its own entries no
# longer used, are this share of it (one in ...).
LAYERED_SHARE = 8
ABANDONED_AFTER = 600  # seconds: a temporary file older than this belongs to no live run
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# --- What invalidates the whole cache. ---


def schema_fingerprint(root: type) -> str:
    """A digest of the field names and declared types of `root` and of every dataclass and enum
    its fields mention, recursively: it changes whenever the shape of stored facts changes."""
    seen: dict[str, str] = {}
    _describe(root, seen)
    text = "\n".join(f"{name}: {shape}" for name, shape in sorted(seen.items()))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _describe(kind: type, seen: dict[str, str]) -> None:
    name = f"{kind.__module__}.{kind.__qualname__}"
    if name in seen:
        return
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        seen[name] = "enum(" + ", ".join(f"{m.name}={m.value!r}" for m in kind) + ")"
        return
    fields = dataclasses.fields(kind)  # type: ignore[arg-type]
    seen[name] = "(" + ", ".join(f"{f.name}: {f.type}" for f in fields) + ")"
    # With `from __future__ import annotations` the types are strings: the names in them are
    # looked up where the dataclass is defined.
    namespace = vars(sys.modules[kind.__module__])
    for field in fields:
        text = field.type if isinstance(field.type, str) else repr(field.type)
        for word in _IDENTIFIER.findall(text):
            found = namespace.get(word)
            if isinstance(found, type) and (dataclasses.is_dataclass(found) or issubclass(found, enum.Enum)):
                _describe(found, seen)


def _extractor_digest() -> str:
    """The source of everything that turns bytes into facts: this package and the model."""
    digest = hashlib.blake2b(digest_size=16)
    package = Path(__file__).parent
    for source in [*sorted(package.glob("*.py")), package.parent / "model.py"]:
        # Not on disk (a zip import): the version alone has to do.
        with contextlib.suppress(OSError):
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def _code_digest() -> str:
    """The source of all of layerguard: what turns facts into findings, too."""
    digest = hashlib.blake2b(digest_size=16)
    package = Path(__file__).parent.parent
    for source in sorted(package.rglob("*.py")):
        with contextlib.suppress(OSError):
            digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


FACTS_SCHEMA = schema_fingerprint(FileFacts)


def _libcst_version() -> str:
    """Which libcst is installed, without importing it or `importlib.metadata` (10 ms a run):
    its location and the size and time of its `__init__`, which any reinstall changes."""
    from importlib.util import find_spec

    spec = find_spec("libcst")
    if spec is None or spec.origin is None:
        return ""
    try:
        status = os.stat(spec.origin)
    except OSError:
        return spec.origin
    return f"{spec.origin}:{status.st_size}:{status.st_mtime_ns}"


def cache_key() -> str:
    """Names the cache file: facts from another version, parser, schema or extractor never match."""
    parts = (
        __version__,
        sys.implementation.cache_tag or "",
        _libcst_version(),
        FACTS_SCHEMA,
        _extractor_digest(),
    )
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=12).hexdigest()


def is_reproducible(facts: FileFacts) -> bool:
    """Parsing the same bytes again would give the same facts."""
    return facts.reproducible


# --- What identifies one file's facts. ---


def entry_key(path: Path, module: str, is_package: bool, data: bytes, calls: bytes = b"") -> bytes:
    """Everything `parse_file` reads: a hit is exactly what parsing would give. `calls`: the
    fingerprint of the call filter the facts were extracted with."""
    digest = hashlib.blake2b(digest_size=ENTRY_KEY_SIZE)
    digest.update(f"{path}\0{module}\0{int(is_package)}\0".encode("utf-8", "surrogateescape"))
    digest.update(calls + b"\0")
    digest.update(data)
    return digest.digest()


def read_regular_file(path: Path, *, follow_symlinks: bool = True) -> bytes | None:
    """The bytes of a regular file, or None for anything else or when it cannot be read."""
    try:
        return files.read_regular_file(path, follow_symlinks=follow_symlinks)
    except OSError:
        return None


def rules_key(config: Config) -> bytes:
    """What turns facts into findings: layerguard's code and the effective configuration
    (command-line options merged in). `repr` of the frozen `Config` is stable: tuples, strings,
    numbers and paths only."""
    text = f"{_code_digest()}\0{config!r}"
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).digest()


def run_key(config: Config, entry_keys: Sequence[bytes]) -> bytes:
    """Everything the findings of a whole project follow from: `rules_key` and every project
    file's entry key (path, module and bytes)."""
    digest = hashlib.blake2b(rules_key(config), digest_size=20)
    for key in entry_keys:
        digest.update(key)
    return digest.digest()


@dataclasses.dataclass(frozen=True)
class RecordedRun:
    """A run whose findings were recorded: what it ran with (`rules_key`), its run key, and its
    files' entry keys, so that a later run can tell which files changed since."""

    rules_key: bytes
    run_key: bytes
    entry_keys: frozenset[bytes]


# --- The MAC key, kept outside every project. ---


def _key_path() -> Path | None:
    """`$XDG_CACHE_HOME/layerguard/cache-key`, else `~/.cache/layerguard/cache-key`; None when
    there is no home folder to put it in."""
    xdg_cache_home = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec: a relative path is invalid and is ignored (taken as is, it would put the
    # key in the folder layerguard runs in, often the project, where a commit could forge it).
    if os.path.isabs(xdg_cache_home):
        return Path(xdg_cache_home) / "layerguard" / "cache-key"
    try:
        home = Path.home()
    except RuntimeError:  # no home folder known
        return None
    # A home that does not exist (HOME=/nonexistent in containers and CI) is not created.
    if not home.is_absolute() or not home.is_dir():
        return None
    return home / ".cache" / "layerguard" / "cache-key"


def load_mac_key() -> bytes | None:
    """This user's secret for signing cache files, created on first use; None if impossible."""
    path = _key_path()
    if path is None:
        return None
    key = read_regular_file(path, follow_symlinks=False)
    if key is not None and len(key) == KEY_SIZE:
        return key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if key is None:
            _create_exclusively(path, os.urandom(KEY_SIZE))
        else:  # damaged: replaced, which only costs the caches it signed
            write_atomically(path, os.urandom(KEY_SIZE), mode=0o600)
    except OSError:
        return None
    # Whoever created it first won the race; everyone uses that key.
    key = read_regular_file(path, follow_symlinks=False)
    return key if key is not None and len(key) == KEY_SIZE else None


def _create_exclusively(path: Path, data: bytes) -> None:
    """Write `data` to a new file at `path`, complete or not at all; keep a file already there."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # 0o600
    try:
        with open(descriptor, "wb") as file:
            file.write(data)
        os.link(temporary, path)  # atomic, and fails if `path` exists
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


# --- The cache itself. ---


class FactsCache:
    """The facts of one project's files, by entry key, and the findings of its last runs, by
    run key; `save()` writes the facts this run used."""

    def __init__(self, folder: Path, mac_key: bytes) -> None:
        self.folder = folder
        key = cache_key()
        self.file = folder / f"facts-{key}.pickle"
        # The entries added since the facts file was last written whole (`_write_layered`).
        self.added_file = folder / f"added-facts-{key}.pickle"
        self._base: dict[bytes, bytes] = {}  # what the facts file itself holds
        self.key = key
        self.file_findings_file = folder / f"file-findings-{key}.pickle"
        self.added_file_findings_file = folder / f"added-file-findings-{key}.pickle"
        self._file_findings_base: dict[bytes, bytes] = {}
        self.runs_file = folder / f"runs-{key}.pickle"
        self.parts_file = folder / f"parts-{key}.pickle"
        self.added_parts_file = folder / f"added-parts-{key}.pickle"
        self._parts_base: dict[bytes, bytes] = {}
        self.mac_key = mac_key
        self._stored: dict[bytes, bytes] | None = None  # read when first needed
        self.used: dict[bytes, bytes] = {}  # what this run looked up or parsed: what `save` keeps
        self.changed = False
        self._stored_file_findings: dict[bytes, bytes] | None = None
        self.used_file_findings: dict[bytes, bytes] = {}
        self.file_findings_changed = False

    @classmethod
    def open(cls, project_root: Path) -> FactsCache | None:
        """The project's cache, empty if missing or invalid; None if caching is impossible."""
        folder = project_root / CACHE_DIR_NAME
        if folder.is_symlink():  # a committed link could make us write anywhere
            return None
        mac_key = load_mac_key()
        if mac_key is None:
            return None
        return cls(folder, mac_key)

    @property
    def stored(self) -> dict[bytes, bytes]:
        """Entry key -> pickled FileFacts, as read from the facts file."""
        if self._stored is None:
            self._base = self._read(self.file)
            self._stored = {**self._base, **self._read(self.added_file)}
        return self._stored

    def _mac(self, payload: bytes | memoryview) -> bytes:
        # Keyed BLAKE3: 30 ms for the 233 MB of facts of the 10,000-file tree, where HMAC-SHA256
        # takes 113 ms and keyed blake2b 165 ms (AVX-512, SHA-NI; an edit run reads 330 MB).
        if KEYED_BLAKE3:
            return blake3(payload, key=self.mac_key).digest()
        return hmac.digest(self.mac_key, payload, "sha256")

    def _read(self, file: Path) -> dict[bytes, bytes]:
        """The dict a cache file holds; empty if it is missing, not ours or damaged."""
        data = read_regular_file(file, follow_symlinks=False)
        header = len(MAGIC) + MAC_SIZE
        if data is None or len(data) < header or not data.startswith(MAGIC):
            return {}
        payload = memoryview(data)[header:]
        if not hmac.compare_digest(self._mac(payload), data[len(MAGIC) : header]):
            return {}
        try:
            entries = pickle.loads(payload)
        except Exception:  # signed by us but unreadable (another pickle protocol ...): rebuild
            return {}
        return entries if isinstance(entries, dict) else {}

    def _write(self, file: Path, entries: dict[bytes, bytes]) -> None:
        """Sign and write a dict atomically; best effort (a read-only project is still checked)."""
        payload = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.folder.mkdir(exist_ok=True)
            ignore_file = self.folder / ".gitignore"
            if not ignore_file.exists():
                write_atomically(
                    ignore_file, b"# Created by layerguard; the cache is never committed.\n*\n", mode=0o600
                )
            write_atomically(file, MAGIC + self._mac(payload), payload, mode=0o600)
        except OSError:
            pass

    def recorded_findings(self, key: bytes) -> tuple[Finding, ...] | None:
        """The findings in every project file of an earlier run with this run key."""
        record = self._record_file(key)
        findings = _unpickled(self._read(record).get(key))
        if not isinstance(findings, tuple) or not all(isinstance(f, Finding) for f in findings):
            return None
        with contextlib.suppress(OSError):
            os.utime(record)  # recently used: the last to be dropped
        return findings

    def record_findings(
        self, key: bytes, findings: Sequence[Finding], rules: bytes, entry_keys: Sequence[bytes]
    ) -> None:
        """Remember the findings of a whole project, in a file of its own, so a run reads only
        the record it needs; the `RECENT_RUNS` most recently used are kept (an editor's unsaved
        buffer is a state of its own). `rules` and `entry_keys`: what the run key was made of."""
        self._write(self._record_file(key), {key: known_paths.dumps(tuple(findings))})
        self._remember_run(rules, key, entry_keys)
        with contextlib.suppress(OSError):
            records = sorted(self.folder.glob("findings-*.pickle"), key=_modified, reverse=True)
            for path in records[RECENT_RUNS:]:
                path.unlink(missing_ok=True)

    def _record_file(self, key: bytes) -> Path:
        return self.folder / f"findings-{self.key}-{key.hex()}.pickle"

    def recent_runs(self) -> list[RecordedRun]:
        """The runs whose findings were recorded most recently, oldest first (their records may
        have been dropped since)."""
        runs = []
        for run, pickled in self._read(self.runs_file).items():
            entry = _unpickled(pickled)
            if isinstance(entry, tuple) and len(entry) == 2 and all(isinstance(p, bytes) for p in entry):
                rules, keys = entry
                runs.append(RecordedRun(rules, run, _split_keys(keys)))
        return runs

    def _remember_run(self, rules: bytes, run: bytes, entry_keys: Sequence[bytes]) -> None:
        """Add a recorded run to `recent_runs`: what it ran with and its files' entry keys."""
        runs = self._read(self.runs_file)
        runs.pop(run, None)
        runs[run] = pickle.dumps((rules, b"".join(entry_keys)), protocol=pickle.HIGHEST_PROTOCOL)
        self._write(self.runs_file, dict(list(runs.items())[-RECENT_RUNS:]))

    def project_parts(self, rules: bytes) -> tuple[object, dict[bytes, bytes]]:
        """The project tables' per-file parts the last run stored with this `rules_key`: its
        index, unpickled (or None), and every stored entry by key, pickled (the reader checks
        the shape of both)."""
        self._parts_base = self._read(self.parts_file)
        stored = {**self._parts_base, **self._read(self.added_parts_file)}
        return _unpickled(stored.get(rules)), stored

    def store_project_parts(self, rules: bytes, parts: tuple[object, dict[bytes, bytes]]) -> None:
        """Keep one run's parts for the next run with the same `rules_key`: its index and the
        entries it names (`FileMemo.stored_state`). The entries `project_parts` read and this
        run kept are not written again while the new ones are a small share (`_write_layered`)."""
        index, entries = parts
        used = {**entries, rules: pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)}
        self._write_layered(self.parts_file, self.added_parts_file, self._parts_base, used)

    @property
    def stored_file_findings(self) -> dict[bytes, bytes]:
        """File key -> pickled (findings, lookups) of the file rules on one file."""
        if self._stored_file_findings is None:
            self._file_findings_base = self._read(self.file_findings_file)
            added = self._read(self.added_file_findings_file)
            self._stored_file_findings = {**self._file_findings_base, **added}
        return self._stored_file_findings

    def file_findings(self, key: bytes) -> tuple[tuple[Finding, ...], tuple[Lookup, ...]] | None:
        """What the file rules found in one file, and the lookups in other files that it took
        (see `api.FileFindingsMemo`); the caller checks that those give the same answers."""
        pickled = self.stored_file_findings.get(key)
        entry = _unpickled(pickled)
        if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], tuple)):
            return None
        findings, lookups = entry
        if pickled is None or not all(isinstance(f, Finding) for f in findings):
            return None
        self.used_file_findings[key] = pickled
        return tuple(findings), lookups

    def store_file_findings(self, key: bytes, findings: Sequence[Finding], lookups: Sequence[Lookup]) -> None:
        self.used_file_findings[key] = known_paths.dumps((tuple(findings), tuple(lookups)))
        self.file_findings_changed = True

    def has(self, key: bytes | None) -> bool:
        """An entry is stored for this key (it may still fail to unpickle)."""
        return key is not None and key in self.stored

    def lookup(self, keys: Sequence[bytes | None], *, keep: bool = True) -> list[FileFacts | None]:
        """The cached facts for each key, None for a miss (or a None key). `keep`: the entries
        found are kept at the next `save`."""
        return [self._get(key, keep) if key is not None else None for key in keys]

    def _get(self, key: bytes, keep: bool) -> FileFacts | None:
        pickled = self.stored.get(key)
        facts = _unpickled(pickled)
        if pickled is None or not isinstance(facts, FileFacts):
            return None
        if keep:
            self.used[key] = pickled
        return facts

    def store(self, key: bytes, facts: FileFacts, pickled: bytes | None = None) -> None:
        """Remember freshly parsed facts, unless parsing them again could turn out otherwise.
        `pickled`: the same facts already pickled (by a worker), stored as they are."""
        if is_reproducible(facts):
            self.used[key] = pickled if pickled is not None else pickle_facts(facts)
            self.changed = True

    def save(self) -> None:
        """Write the facts this run used, if that differs from what was read; best effort."""
        if not self.changed and self.used.keys() == self.stored.keys():
            return
        self._write_layered(self.file, self.added_file, self._base, self.used)
        with contextlib.suppress(OSError):
            self._drop_stale_caches()

    def _write_layered(
        self, file: Path, added_file: Path, base: dict[bytes, bytes], used: dict[bytes, bytes]
    ) -> None:
        """Keep `used`: as a small file of the entries `file` lacks, while those and the unused
        entries of `file` are a small share of it; else as a new `file`. One edited file then
        costs a write of its entry, not of the whole cache (facts: 20 MB for prefect, 246 MB
        for the 10,000-file tree), and the cache grows by at most that share before it is
        written whole again. A reader may combine a `file` and an `added_file` written by
        different runs: entries are keyed by content, so any mix holds only right answers (the
        parts' index, keyed by `rules_key`, names its entries by content). An entry whose bytes
        differ from `file`'s under the same key is added, and `file`'s bytes count as unused."""
        # `is` first: an entry kept is the very bytes object read from `file`.
        added = {
            key: pickled
            for key, pickled in used.items()
            if (old := base.get(key)) is not pickled and old != pickled
        }
        unused = sum(
            len(pickled)
            for key, pickled in base.items()
            if (new := used.get(key)) is not pickled and new != pickled
        )
        whole = sum(len(pickled) for pickled in base.values())
        if base and sum(map(len, added.values())) + unused <= whole // LAYERED_SHARE:
            self._write(added_file, added)
            return
        self._write(file, used)
        with contextlib.suppress(OSError):
            added_file.unlink(missing_ok=True)

    def save_file_findings(self) -> None:
        """Write the file rules' findings this run used or made, if that differs from what was read."""
        used, stored = self.used_file_findings, self.stored_file_findings
        if self.file_findings_changed or used.keys() != stored.keys():
            self._write_layered(
                self.file_findings_file, self.added_file_findings_file, self._file_findings_base, used
            )

    def _drop_stale_caches(self) -> None:
        """Every new layerguard version (or, in a checkout, every edit of the extractor) starts a
        new cache file; the few most recently written survive for versions used side by side.
        Temporary files left by a run that was killed mid-write go too, once no run could still
        be writing them."""
        for kind, current in (
            ("facts", self.file),
            ("added-facts", self.added_file),
            ("added-file-findings", self.added_file_findings_file),
            ("file-findings", self.file_findings_file),
            ("runs", self.runs_file),
            ("parts", self.parts_file),
            ("added-parts", self.added_parts_file),
        ):
            others = [path for path in self.folder.glob(f"{kind}-*.pickle") if path != current]
            others.sort(key=_modified, reverse=True)
            for path in others[KEEP_OTHER_CACHES:]:
                path.unlink(missing_ok=True)
        for path in self.folder.glob(".tmp-*"):
            if time.time() - path.stat().st_mtime > ABANDONED_AFTER:
                path.unlink(missing_ok=True)


def _split_keys(joined: bytes) -> frozenset[bytes]:
    return frozenset(joined[i : i + ENTRY_KEY_SIZE] for i in range(0, len(joined), ENTRY_KEY_SIZE))


def _modified(path: Path) -> int:
    return path.stat().st_mtime_ns


def _unpickled(pickled: bytes | None) -> object:
    """One stored entry, or None if there is none; a corrupt entry is a miss, never a crash."""
    if pickled is None:
        return None
    try:
        return pickle.loads(pickled)
    except Exception:
        return None


def remove_cache(project_root: Path) -> Path | None:
    """Delete the project's cache folder; the path removed, or None if there was none."""
    import shutil

    folder = project_root / CACHE_DIR_NAME
    if folder.is_symlink():  # only the link goes, never what it points to
        folder.unlink()
        return folder
    if folder.is_dir():
        shutil.rmtree(folder)
        return folder
    return None
