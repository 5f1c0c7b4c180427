"""How the facts cache is stored, decided by measurement: four layouts of the same facts.

    python bench/cache_layouts.py [--rounds 7] [--work DIR]

The facts are prefect 3.9.1's (864 files), parsed by the installed layerguard; every layout
stores them signed (HMAC-SHA256) as the real cache does. Measured in one process: writing every
entry (a cold run), reading every entry back as FileFacts (a warm run), and rewriting after one
changed file. The collector is paused while reading, as `layerguard.api` does.
"""

from __future__ import annotations

import argparse
import gc
import hmac
import os
import pickle
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from run import APPS, fetch  # bench/ is a folder of scripts, not a package

from layerguard.facts.cache import entry_key, write_atomically
from layerguard.facts.workers import ParseJob, parse_files
from layerguard.model import FileFacts

KEY = os.urandom(32)


def mac(payload: bytes) -> bytes:
    return hmac.digest(KEY, payload, "sha256")


def signed(payload: bytes) -> bytes:
    return mac(payload) + payload


def verified(data: bytes) -> bytes:
    assert hmac.compare_digest(mac(data[32:]), data[:32])
    return data[32:]


class Layout:
    """One way to store `{entry key: FileFacts}` under `folder`."""

    name = ""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def write_all(self, facts: dict[bytes, FileFacts]) -> None:
        raise NotImplementedError

    def read_all(self, keys: Sequence[bytes]) -> list[FileFacts]:
        raise NotImplementedError

    def rewrite_one(self, keys: Sequence[bytes], key: bytes, facts: FileFacts) -> None:
        raise NotImplementedError


class OnePickle(Layout):
    name = "one file: one pickle of all facts"

    def write_all(self, facts: dict[bytes, FileFacts]) -> None:
        write_atomically(self.folder / "facts.pickle", signed(pickle.dumps(facts, protocol=5)))

    def read_all(self, keys: Sequence[bytes]) -> list[FileFacts]:
        entries = pickle.loads(verified((self.folder / "facts.pickle").read_bytes()))
        return [entries[k] for k in keys]

    def rewrite_one(self, keys: Sequence[bytes], key: bytes, facts: FileFacts) -> None:
        entries = pickle.loads(verified((self.folder / "facts.pickle").read_bytes()))
        entries[key] = facts
        self.write_all(entries)


class OneFileOfEntries(Layout):
    name = "one file: dict of per-file pickles (chosen)"

    def write_all(self, facts: dict[bytes, FileFacts]) -> None:
        entries = {k: pickle.dumps(f, protocol=5) for k, f in facts.items()}
        write_atomically(self.folder / "facts.pickle", signed(pickle.dumps(entries, protocol=5)))

    def read_all(self, keys: Sequence[bytes]) -> list[FileFacts]:
        entries = pickle.loads(verified((self.folder / "facts.pickle").read_bytes()))
        return [pickle.loads(entries[k]) for k in keys]

    def rewrite_one(self, keys: Sequence[bytes], key: bytes, facts: FileFacts) -> None:
        entries = pickle.loads(verified((self.folder / "facts.pickle").read_bytes()))
        entries[key] = pickle.dumps(facts, protocol=5)  # the others are reused as bytes
        write_atomically(self.folder / "facts.pickle", signed(pickle.dumps(entries, protocol=5)))


class FilePerSource(Layout):
    name = "one file per source file"

    def path(self, key: bytes) -> Path:
        return self.folder / key.hex()[:2] / key.hex()[2:]

    def write_all(self, facts: dict[bytes, FileFacts]) -> None:
        for key, one in facts.items():
            self.write(key, one)

    def write(self, key: bytes, facts: FileFacts) -> None:
        self.path(key).parent.mkdir(exist_ok=True)
        write_atomically(self.path(key), signed(pickle.dumps(facts, protocol=5)))

    def read_all(self, keys: Sequence[bytes]) -> list[FileFacts]:
        return [pickle.loads(verified(self.path(k).read_bytes())) for k in keys]

    def rewrite_one(self, keys: Sequence[bytes], key: bytes, facts: FileFacts) -> None:
        self.write(key, facts)


class Sqlite(Layout):
    name = "sqlite (WAL), one row per source file"

    def connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.folder / "facts.db")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS facts (k BLOB PRIMARY KEY, v BLOB)")
        return db

    def write_all(self, facts: dict[bytes, FileFacts]) -> None:
        db = self.connect()
        with db:
            db.executemany(
                "INSERT OR REPLACE INTO facts VALUES (?, ?)",
                [(k, signed(pickle.dumps(f, protocol=5))) for k, f in facts.items()],
            )
        db.close()

    def read_all(self, keys: Sequence[bytes]) -> list[FileFacts]:
        db = self.connect()
        rows = dict(db.execute("SELECT k, v FROM facts"))
        db.close()
        return [pickle.loads(verified(rows[k])) for k in keys]

    def rewrite_one(self, keys: Sequence[bytes], key: bytes, facts: FileFacts) -> None:
        db = self.connect()
        with db:
            row = (key, signed(pickle.dumps(facts, protocol=5)))
            db.execute("INSERT OR REPLACE INTO facts VALUES (?, ?)", row)
        db.close()


def median_seconds(rounds: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        gc.disable()
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
        del result
        gc.enable()
    return statistics.median(times)


def facts_of(root: Path, package: str) -> dict[bytes, FileFacts]:
    files = sorted((root / package).rglob("*.py"))
    modules = [".".join(p.relative_to(root).with_suffix("").parts) for p in files]
    jobs = [ParseJob(p, m, False, p.read_bytes()) for p, m in zip(files, modules, strict=True)]
    parsed = parse_files(jobs, workers=os.cpu_count() or 1, timeout=60)
    return {entry_key(j.path, j.module, False, j.data or b""): f for j, f in zip(jobs, parsed, strict=True)}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "layerguard-bench")
    args = parser.parse_args(argv)
    app = APPS[0]
    facts = facts_of(fetch(app, args.work), app.package)
    keys = list(facts)
    size = len(pickle.dumps(facts, protocol=5)) / 1e6
    load = os.getloadavg()[0]
    print(f"{app.name} {app.version}: {len(keys)} files, {size:.1f} MB of pickled facts, load {load:.2f}")
    print("| layout | write all (cold) | read all (warm) | one file changed | on disk |")
    print("|---|---|---|---|---|")
    for layout_type in (OnePickle, OneFileOfEntries, FilePerSource, Sqlite):
        folder = Path(tempfile.mkdtemp(dir=args.work))
        layout = layout_type(folder)
        write = median_seconds(3, lambda: layout.write_all(facts))  # noqa: B023
        read = median_seconds(args.rounds, lambda: layout.read_all(keys))  # noqa: B023
        one = median_seconds(args.rounds, lambda: layout.rewrite_one(keys, keys[0], facts[keys[0]]))  # noqa: B023
        disk = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
        timings = " | ".join(f"{seconds * 1000:.0f} ms" for seconds in (write, read, one))
        print(f"| {layout.name} | {timings} | {disk:.1f} MB |")
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
