"""The engine: a `Workspace` holds one project's configuration, files, facts and findings.

One pipeline, read top to bottom (STYLE "The shape"): discovery (files, module names) -> facts
(read once, parsed once per content, cached by content hash) -> the rules' views (layers,
symbols, import edges) -> rules -> the one suppression stage -> a `Report`.

A Workspace is stateful across calls in one process: a file's bytes are read and hashed once,
its facts extracted once per content, and `update(path, text)` / `remove(path)` change only
that file, so the next `check` re-parses that file alone and re-runs file rules only where the
answers they got about other files changed. The CLI is one Workspace and one check; the flake8
plugin, `graph`, `init` and `layerguard.check` go through it too.
"""

from __future__ import annotations

import gc
import hashlib
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from layerguard.checks import ALL_RULES, CALL_MODULES, CALL_NAMES, FileRule, ProjectRule, Rule
from layerguard.config import is_rule_enabled
from layerguard.context import FileView, ProjectView
from layerguard.discovery import FileFinder, MemoryTree, ModuleNames, find_source_roots
from layerguard.facts.cache import (
    FactsCache,
    entry_key,
    is_reproducible,
    read_regular_file,
    rules_key,
    run_key,
)
from layerguard.facts.jobs import ParseJob
from layerguard.incremental import FileMemo, MemoProjectView
from layerguard.known_paths import known
from layerguard.model import (
    INTERNAL_ERROR,
    PIPELINE_RULES,
    CallFilter,
    Config,
    FileFacts,
    Finding,
    Report,
    RuleMeta,
    Span,
    make_finding,
)
from layerguard.suppress import Suppression
from layerguard.symbols import Lookup, RecordingSymbols, Symbols, answers_unchanged

if TYPE_CHECKING:
    from types import FrameType

    from layerguard.baseline import Baseline, BaselineOutcome
    from layerguard.facts.workers import ParsedFile

# The extractor records the calls some rule declared it reads (and `init`'s): the registry decides.
CALLS_READ = CallFilter(CALL_NAMES, CALL_MODULES)
_CALLS_FINGERPRINT = CALLS_READ.fingerprint()
# A run whose files changed since the last recorded one compares at most this many files'
# facts before and after: beyond, it is quicker to run the rules.
MAX_CHANGED_FILES_REUSED = 16


class Workspace:
    """One project's engine. `update`/`remove` change files in memory; `check` reports."""

    def __init__(
        self, config: Config, *, jobs: int | None = None, cache: bool = True, discover: bool = True
    ) -> None:
        """`jobs`: parser processes (default: one per idle core, `default_jobs`); `cache=False`
        neither reads nor writes the on-disk cache (`.layerguard_cache/`); facts are still kept in memory.
        `discover=False`: no walk of the disk (see `in_memory`)."""
        self.config = config
        self.rules: tuple[Rule, ...] = tuple(rule for rule in ALL_RULES if is_rule_enabled(config, rule.meta))
        self.jobs = jobs
        self.use_cache = cache
        self._finder = FileFinder(config) if discover else None
        self._memory: MemoryTree | None = None  # set by `in_memory`: the only files there are
        self._discovered: list[Path] | None = None  # the project's files, walked once
        self._texts: dict[Path, bytes] = {}  # given by `update`, in place of the disk's bytes
        self._read: dict[Path, ParseJob] = {}  # each file's job with the bytes read, once
        self._keys: dict[Path, bytes | None] = {}  # each file's entry key (None: unreadable)
        self._facts: dict[bytes, FileFacts] = {}  # facts by entry key, for this process
        # Each file's part of the project-wide tables, kept while its facts are unchanged.
        self._memo = FileMemo()
        # Files parsed with the libcst fallback (syntax newer than this Python), and its seconds.
        self.libcst_files = 0
        self.libcst_seconds = 0.0

    @classmethod
    def in_memory(cls, config: Config, sources: Mapping[str | Path, str | bytes]) -> Workspace:
        """A Workspace whose project is exactly `sources` (paths under `config.root`): nothing is
        read from disk, no ignore file, no git, no cache. For rule tests that read like cards."""
        workspace = cls(config, jobs=1, cache=False, discover=False)
        for path, text in sources.items():
            workspace.update(config.root / path, text)
        workspace._memory = MemoryTree(workspace._texts)
        return workspace

    def update(self, path: str | Path, text: str | bytes) -> None:
        """Check `text` as the content of `path` (an editor's buffer, or a file just written)."""
        path = Path(os.path.abspath(path))
        self._texts[path] = text.encode("utf-8") if isinstance(text, str) else text
        self._forget(path)
        if self._discovered is not None and path not in self._discovered:
            self._discovered = None  # a new file: walk again
        if self._memory is not None and path not in self._memory.files:
            self._memory = MemoryTree(self._texts)

    def remove(self, path: str | Path) -> None:
        """`path` is gone: its text, bytes and facts are forgotten."""
        path = Path(os.path.abspath(path))
        self._texts.pop(path, None)
        self._forget(path)
        self._discovered = None
        if self._memory is not None:
            self._memory = MemoryTree(self._texts)

    def reread(self, path: str | Path) -> None:
        """Read `path` from disk again at the next check: its editor buffer was closed, or the file
        changed on disk."""
        path = Path(os.path.abspath(path))
        self._texts.pop(path, None)
        self._forget(path)

    def _forget(self, path: Path) -> None:
        self._read.pop(path, None)
        self._keys.pop(path, None)

    def check(self, paths: Sequence[str | Path] = (), *, narrow: bool = False) -> Report:
        """The sorted findings located in `paths` (files or folders; default: the current
        directory), computed against the whole project's import graph.

        `narrow`: file rules run on the files in `paths` alone and nothing is recorded in the
        cache: the same findings for those files, for a caller that asks again after every edit
        (the language server, for its open files), where the full run's per-file memo and record
        would cost more than they save."""
        given = [Path(os.path.abspath(p)) for p in paths] or [Path.cwd()]
        libcst_before = self.libcst_files, self.libcst_seconds
        with collector_paused():
            findings, files_checked = self._narrow_findings(given) if narrow else self._findings(given)
            outcome = self.baselined(findings, given) if self.config.baseline is not None else None
        if outcome is not None:
            findings = outcome.findings
        # Reports quote the bytes that were parsed, never a second read of the disk.
        parsed = {path: job.data for path in {f.path for f in findings} if (job := self._read.get(path))}
        return Report(
            findings=findings,
            rules=self._enabled_metas(),
            files_checked=files_checked,
            sources={path: data for path, data in parsed.items() if data is not None},
            baseline_matched=outcome.matched if outcome is not None else 0,
            baseline_fixed=outcome.fixed if outcome is not None else 0,
            libcst_files=self.libcst_files - libcst_before[0],
            libcst_seconds=self.libcst_seconds - libcst_before[1],
        )

    def _enabled_metas(self) -> tuple[RuleMeta, ...]:
        pipeline = tuple(meta for meta in PIPELINE_RULES if is_rule_enabled(self.config, meta))
        return pipeline + tuple(rule.meta for rule in self.rules)

    # --- The baseline: the last step of the suppression stage (`suppress`), applied to a run's
    # findings as a whole because its counts and renamed files span them. ---

    def baselined(self, findings: Sequence[Finding], paths: Sequence[Path]) -> BaselineOutcome:
        """`findings` (sorted, in `paths`) less those the configured baseline matches."""
        from layerguard import baseline  # only runs with a baseline pay for its import

        path = self.config.baseline
        if path is None:
            return baseline.BaselineOutcome(tuple(findings), 0, 0)
        recorded = baseline.read(path, self.config.root)
        facts = self._facts_for({finding.path for finding in findings})
        return baseline.apply(
            recorded,
            findings,
            root=self.config.root,
            project_files={baseline.relative_path(file, self.config.root) for file in self._read},
            judged=baseline.covered_by([baseline.relative_path(p, self.config.root) for p in paths]),
            enabled_codes={meta.code for meta in self._enabled_metas()},
            facts_of=facts.get,
            data_of=self._data_of,
        )

    def recorded_baseline(self, paths: Sequence[str | Path] = ()) -> tuple[Baseline, Report]:
        """Today's findings in `paths` as a baseline (the configured one is not applied), and the
        report they came from."""
        from layerguard import baseline

        given = [Path(os.path.abspath(p)) for p in paths] or [Path.cwd()]
        with collector_paused():
            findings, files_checked = self._findings(given)
            facts = self._facts_for({finding.path for finding in findings})
            recorded = baseline.record(findings, self.config.root, facts.get, self._data_of)
        return recorded, Report(findings=findings, rules=self._enabled_metas(), files_checked=files_checked)

    def _facts_for(self, paths: Iterable[Path]) -> dict[Path, FileFacts]:
        """The facts of these files (read already): from memory or the cache, else parsed."""
        jobs = [self._read[path] for path in sorted(paths) if self._keys.get(path) is not None]
        cache = FactsCache.open(self.config.root) if self.use_cache else None
        return {facts.path: facts for facts in self._facts_of(jobs, cache)}

    def _data_of(self, path: Path) -> bytes | None:
        job = self._read.get(path)
        return job.data if job is not None else None

    def project(self, paths: Sequence[str | Path] = ()) -> ProjectView:
        """Every project file's facts and which of them `paths` name: what `graph` and `init` read."""
        given = [Path(os.path.abspath(p)) for p in paths] or [Path.cwd()]
        checked, jobs = self._parse_jobs(given)
        with collector_paused():
            cache = FactsCache.open(self.config.root) if self.use_cache else None
            facts = self._facts_of(jobs, cache)
        return ProjectView(self.config, tuple(facts), frozenset(checked))

    # --- Discovery and reading. ---

    def _parse_jobs(self, paths: Sequence[Path]) -> tuple[list[Path], list[ParseJob]]:
        """The files to report on, and a parse job for every project file (the graph needs them
        all), with its bytes: read once per Workspace, or the text `update` gave."""
        if self._finder is None:
            files = self._memory.files if self._memory is not None else frozenset(self._texts)
            checked = sorted(f for f in files if any(f == p or f.is_relative_to(p) for p in paths))
            roots = find_source_roots(self.config, self._memory or MemoryTree(files))
            names = ModuleNames(roots, self.config.root)
            return checked, [self._job(path, names) for path in sorted(files)]
        if self._discovered is None:
            self._discovered = self._finder.files([self.config.root])
        checked = self._finder.files(paths, self._discovered)
        # The walk's list is sorted already: sorting it again after every edit costs the
        # language server 0.1 s on 10,000 files (Path comparisons).
        known = set(self._discovered)
        every_file = self._discovered if known.issuperset(checked) else sorted(known | set(checked))
        names = ModuleNames(find_source_roots(self.config), self.config.root)
        return checked, [self._job(path, names) for path in every_file]

    def _job(self, path: Path, names: ModuleNames) -> ParseJob:
        job = self._read.get(path)
        if job is None:
            known(path)  # what the cache's facts and findings unpickle as this file's path
            module, is_package = names.of(path)
            data = self._texts.get(path)
            # A file that cannot be read as a regular file goes to the parser unread (key None):
            # it reports why, as LG001.
            # A link out of the project is never opened.
            refused = self._finder.refused.get(path) if self._finder is not None else None
            if data is None and refused is None:
                data = read_regular_file(path)
            job = ParseJob(path, module, is_package, data, refused, CALLS_READ)
            self._read[path] = job
            self._keys[path] = (
                entry_key(path, module, is_package, data, _CALLS_FINGERPRINT) if data is not None else None
            )
        return job

    # --- Facts. ---

    def _facts_of(
        self, jobs: Sequence[ParseJob], cache: FactsCache | None, *, save: bool = True
    ) -> list[FileFacts]:
        """Each job's facts: from memory, else from the disk cache, else parsed (and stored,
        unless `save` is false: the cache is then left as it was)."""
        keys = [self._keys[job.path] for job in jobs]
        facts: list[FileFacts | None] = [self._facts.get(key) if key is not None else None for key in keys]
        # Misses are parsed before cached entries are unpickled: parsing a file ends with a
        # collection of the youngest generation, which would otherwise scan every unpickled
        # fact (prefect: 0.3 s for one changed file). An entry that turns out unreadable is
        # parsed in a second round.
        to_parse = [
            i for i, found in enumerate(facts) if found is None and (cache is None or not cache.has(keys[i]))
        ]
        while True:
            if to_parse:
                parsed = _parse_files(
                    [jobs[i] for i in to_parse],
                    workers=self._workers(len(to_parse)),
                    timeout=self.config.parse_timeout,
                )
                for index, file in zip(to_parse, parsed, strict=True):
                    facts[index] = self._remember(cache, keys[index], file)
                    if file.libcst_seconds:
                        self.libcst_files += 1
                        self.libcst_seconds += file.libcst_seconds
            to_look_up = [i for i, found in enumerate(facts) if found is None]
            if cache is not None:
                for index, found in zip(to_look_up, cache.lookup([keys[i] for i in to_look_up]), strict=True):
                    facts[index] = found
                    key = keys[index]
                    if found is not None and key is not None:
                        self._facts[key] = found
            to_parse = [i for i in to_look_up if facts[i] is None]
            if not to_parse:
                break
        if cache is not None and save:
            cache.save()
        return [found for found in facts if found is not None]

    def _remember(self, cache: FactsCache | None, key: bytes | None, parsed: ParsedFile) -> FileFacts:
        if key is not None:
            if is_reproducible(parsed.facts):
                self._facts[key] = parsed.facts
            if cache is not None:
                cache.store(key, parsed.facts, parsed.pickled)
        return parsed.facts

    def _workers(self, files: int) -> int:
        wanted = self.jobs if self.jobs is not None else default_jobs()
        return max(1, min(wanted, files))

    # --- Findings. ---

    def _findings(self, paths: Sequence[Path]) -> tuple[tuple[Finding, ...], int]:
        """The sorted findings in the checked files, and how many files were checked.

        With the cache, the findings of every project file are computed (file rules reuse what
        the cache remembers per file) and recorded under the run key, then narrowed to the files
        asked for: a partial run gives the same answer for its files as a full one (SPEC §4), so
        one record serves `check`, pre-commit's staged files and flake8's one file at a time."""
        checked, jobs = self._parse_jobs(paths)
        cache = FactsCache.open(self.config.root) if self.use_cache else None
        if cache is None:
            return self._run(ProjectView(self.config, tuple(self._facts_of(jobs, None)), frozenset(checked)))
        keys = [self._keys[job.path] for job in jobs]
        known = [key for key in keys if key is not None]
        run = run_key(self.config, known) if len(known) == len(keys) else None
        everything = cache.recorded_findings(run) if run is not None else None
        facts: list[FileFacts] | None = None
        if everything is None and run is not None:
            everything = self._recorded_run_findings(cache, jobs, known)
            if everything is not None:
                cache.record_findings(run, everything, rules_key(self.config), known)
        if everything is None:
            facts = self._facts_of(jobs, cache)
            entry_keys = {job.path: key for job, key in zip(jobs, keys, strict=True) if key is not None}
            every_file = frozenset(job.path for job in jobs)
            rules = rules_key(self.config)
            # The project tables' per-file parts the last run stored: after one edit, only the
            # parts it invalidates are computed again (`incremental`).
            parts = FileMemo()
            parts.resume(facts, entry_keys, cache.project_parts(rules))
            project = MemoProjectView(self.config, tuple(facts), every_file, parts)
            memo = FileFindingsMemo(cache, self.config, entry_keys)
            everything, _ = self._run(project, memo)
            cache.save_file_findings()
            # A run with a file whose facts depend on the machine (a parse that timed out) or a
            # rule stopped for taking too long is not recorded: the next run must try again.
            if memo.reproducible and all(is_reproducible(f) for f in facts):
                state = parts.stored_state(entry_keys)
                if state is not None:
                    cache.store_project_parts(rules, state)
                if run is not None:
                    cache.record_findings(run, everything, rules, known)
        wanted = frozenset(checked)
        if len(wanted) < len(jobs) and any(f.code == INTERNAL_ERROR.code for f in everything):
            # A project rule's crash is reported on the first file checked, which narrowing
            # would lose: this partial run is computed as asked.
            if facts is None:
                facts = self._facts_of(jobs, cache)
            return self._run(ProjectView(self.config, tuple(facts), wanted))
        return tuple(f for f in everything if f.path in wanted), len(checked)

    def _recorded_run_findings(
        self, cache: FactsCache, jobs: Sequence[ParseJob], keys: Sequence[bytes]
    ) -> tuple[Finding, ...] | None:
        """The findings of a recent recorded run, if the files changed since then have the same
        facts as they had then (a comment edited without adding or removing a line):
        rules read facts and the configuration alone, so their findings are the same, and
        neither the other files' facts nor any rule are needed. None when that cannot be shown."""
        rules = rules_key(self.config)
        current = frozenset(keys)
        # The run with the fewest files changed since whose facts of those files are still in
        # the cache (a tie: the most recent).
        candidates = sorted(
            (len(current - run.entry_keys), age, run)
            for age, run in enumerate(reversed(cache.recent_runs()))
            if run.rules_key == rules
        )
        closest = next(
            (run for _, _, run in candidates if all(cache.has(key) for key in run.entry_keys - current)), None
        )
        if closest is None:
            return None
        changed = [(job, key) for job, key in zip(jobs, keys, strict=True) if key not in closest.entry_keys]
        gone = closest.entry_keys - current
        if len(changed) != len(gone) or len(changed) > MAX_CHANGED_FILES_REUSED:
            return None  # a file added or removed changes module names: never the same facts
        before = cache.lookup(sorted(gone), keep=False)
        if any(facts is None for facts in before):
            return None
        # The cache is not written when the findings are reused: it keeps the facts they were
        # computed from, for the next edit to compare with, and rewriting it (20 MB for
        # prefect) would cost more than the rest of this run.
        after = self._facts_of([job for job, _ in changed], cache, save=False)
        if {f.path: f for f in before if f is not None} != {f.path: f for f in after}:
            return None
        # Read only now: when the facts differ (any code edit) the record cannot be reused,
        # and reading it (every finding of the project, unpickled) would be wasted.
        return cache.recorded_findings(closest.run_key)

    def _narrow_findings(self, paths: Sequence[Path]) -> tuple[tuple[Finding, ...], int]:
        checked, jobs = self._parse_jobs(paths)
        # Once the facts are loaded, only edited buffers' facts are not in memory, and they are
        # new content: the cache (20 MB for prefect, signed) is read only when a file read from
        # disk lacks its facts. It is never written here: the cache keeps the entries a run
        # used, and a narrow check looks up few of them.
        missing = any(
            self._facts.get(key) is None
            for path, key in self._keys.items()
            if key is not None and path not in self._texts
        )
        cache = FactsCache.open(self.config.root) if self.use_cache and missing else None
        facts = self._facts_of(jobs, cache, save=False)
        # Asked again after every edit: the per-file parts of the project tables are kept from
        # the previous narrow check (`incremental`). A whole run is one check, and keeping
        # them would cost it 10 % of its project rules' time (the names they look up).
        return self._run(MemoProjectView(self.config, tuple(facts), frozenset(checked), self._memo))

    def _run(
        self, project: ProjectView, memo: FileFindingsMemo | None = None
    ) -> tuple[tuple[Finding, ...], int]:
        findings = run_rules(project, self.rules, memo)
        return tuple(sorted(findings, key=Finding.sort_key)), len(project.checked)


def default_jobs() -> int:
    """Parser processes when `--jobs` is not given: one per core that no other process is
    running on right now, at least one. A worker on a busy core makes the run slower, not
    faster: it competes with the other process for that core, and its facts cost CPU to send
    (dstack, 641 files, load 3-6 on 2 cores: two processes took 1.6-2.4 s, one 1.7 s; see
    bench/README.md, "Cold runs")."""
    return jobs_for(_usable_cores(), _other_runnable_tasks())


def jobs_for(cores: int, busy: int | None) -> int:
    """One process per core that `busy` other runnable tasks leave free (all cores when unknown)."""
    return max(1, cores - (busy or 0))


def _usable_cores() -> int:
    """The cores this process may run on (a container's or `taskset`'s limit included)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _other_runnable_tasks() -> int | None:
    """Tasks running or waiting for a core right now, this one left out (Linux's
    `procs_running`); None where it cannot be read. The load average would not do: it is a
    one-minute mean that counts this user's own previous runs as competition."""
    try:
        with open("/proc/stat", "rb") as stat:
            for line in stat:
                if line.startswith(b"procs_running "):
                    return max(0, int(line.split()[1]) - 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block (nested blocks keep it off).

    A run builds or unpickles a few hundred thousand small objects (prefect: ~660k). With the
    cyclic collector on, it rescans them as they arrive and on every later collection (0.4 s of
    a 1 s warm run on prefect, the rules slowed by as much again, 2 s more to unpickle a cold
    run's facts). Facts are immutable and acyclic, so refcounting frees them; the cycles parsing
    leaves are collected file by file (`workers.parse_job`). Callers keep it paused until the
    facts are gone (`api.check`: the Workspace's lifetime; the CLI: the whole command), so the
    first collection afterwards has little to walk. The CLI never frees them: its process ends
    with them alive, frozen out of the collector's sight (`cli._keep_until_exit`)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_files(jobs: Sequence[ParseJob], *, workers: int, timeout: float) -> list[ParsedFile]:
    """`workers.parse_files_pickled`, imported when first needed: a run answered from the cache
    parses nothing, and the parser and multiprocessing cost 25 ms to import. A refused entry
    never reaches the parser: its facts are the LG001 saying why."""
    from layerguard.facts.parse import refused_facts
    from layerguard.facts.workers import ParsedFile, parse_files_pickled

    readable = [job for job in jobs if job.refused is None]
    parsed = iter(parse_files_pickled(readable, workers=workers, timeout=timeout) if readable else ())
    return [
        next(parsed)
        if job.refused is None
        else ParsedFile(refused_facts(job.path, job.module, job.is_package, job.refused), None)
        for job in jobs
    ]


class FileFindingsMemo:
    """The file rules' findings in each file, from earlier runs. They are reused while the file,
    the configuration, layerguard's code and every answer the rules got about other files
    (`RecordingSymbols`) are unchanged: after one edit, file rules re-check that file and the
    few files whose lookups reach it, not the whole project."""

    def __init__(self, cache: FactsCache, config: Config, entry_keys: Mapping[Path, bytes]) -> None:
        self.cache = cache
        self.rules_key = rules_key(config)
        self.entry_keys = entry_keys
        # False once a rule was stopped for its time: the findings depend on the machine.
        self.reproducible = True

    def describe(self, facts: FileFacts) -> str | bytes:
        """A file, for a recorded answer: its entry key, which covers its path, module and bytes
        (20 bytes: every file's stored findings repeat the answers of its lookups, and a run
        replays them all); its path when it has none (it could not be read)."""
        key = self.entry_keys.get(facts.path)
        return key if key is not None else str(facts.path)

    def _key(self, facts: FileFacts) -> bytes | None:
        entry = self.entry_keys.get(facts.path)
        return hashlib.blake2b(self.rules_key + entry, digest_size=20).digest() if entry is not None else None

    def findings(self, facts: FileFacts, symbols: Symbols) -> list[Finding] | None:
        key = self._key(facts)
        found = self.cache.file_findings(key) if key is not None else None
        if found is None or not answers_unchanged(symbols, found[1], self.describe):
            return None
        return list(found[0])

    def remember(self, facts: FileFacts, findings: Sequence[Finding], lookups: Sequence[Lookup]) -> None:
        key = self._key(facts)
        if key is not None:
            self.cache.store_file_findings(key, findings, lookups)


def run_rules(
    project: ProjectView,
    rules: Sequence[Rule],
    memo: FileFindingsMemo | None = None,
    *,
    time_limit: float | None = None,
) -> Iterable[Finding]:
    """Every reported finding in the checked files (after the one suppression stage): LG001 for
    unparsable files, file rules on the others (or their findings from `memo`), project rules
    once. A rule that
    runs longer than `time_limit` seconds on one file (a project rule: on the project) is
    stopped and reported as an LG000 (default: `rule_time_limit`)."""
    checked = project.checked_files
    if not checked:
        return
    found: dict[Path, list[Finding]] = {facts.path: [] for facts in checked}
    file_rules = [rule for rule in rules if isinstance(rule, FileRule)]
    clock = _RuleClock(time_limit if time_limit is not None else rule_time_limit(project.config))
    with clock.installed():
        for facts in checked:
            if facts.parse_error is not None:
                found[facts.path].append(facts.parse_error)
                continue
            remembered = memo.findings(facts, project.symbols) if memo is not None and file_rules else None
            if remembered is not None:
                found[facts.path] += remembered
                continue
            symbols = (
                RecordingSymbols(project.symbols, memo.describe) if memo is not None else project.symbols
            )
            view = FileView(project.config, project.glob_layers, symbols)
            stopped_before = clock.stopped
            file_findings = [
                finding
                for rule in file_rules
                for finding in _guarded(rule, facts, clock.run, rule.check_file, facts, view)
            ]
            if isinstance(symbols, RecordingSymbols) and memo is not None and clock.stopped == stopped_before:
                memo.remember(facts, file_findings, symbols.lookups)
            found[facts.path] += file_findings
        for rule in rules:
            if isinstance(rule, ProjectRule):
                # A crash has no file of its own: it is reported on the first checked file.
                for finding in _guarded(rule, checked[0], clock.run, rule.check_project, project):
                    if finding.path in found:  # only the checked files are reported on
                        found[finding.path].append(finding)
    if clock.stopped and memo is not None:
        memo.reproducible = False
    ran = [meta.code for meta in PIPELINE_RULES if is_rule_enabled(project.config, meta)]
    suppression = Suppression(project.config, ran=ran + [rule.meta.code for rule in rules])
    for facts in checked:
        yield from suppression.reported(found[facts.path], facts)


# A rule may take this many times `parse-timeout` on one file (a project rule on the project),
# and at least `MIN_RULE_TIME` seconds: rules are linear in the project and take well under a
# second on a 1,000-file project, so only a pathological input (or a bug) reaches the limit.
RULE_TIME_PER_PARSE_TIMEOUT = 6
MIN_RULE_TIME = 60.0
# Beyond this (days), the real-time timer cannot be set on every platform: no limit.
_LONGEST_RULE_TIME = 1e6


def rule_time_limit(config: Config) -> float:
    """How long a rule may run on one file, or a project rule on the project, in seconds."""
    return max(MIN_RULE_TIME, RULE_TIME_PER_PARSE_TIMEOUT * config.parse_timeout)


# After a rule's time is up, how soon the timeout is raised again if the first raise was lost.
_RULE_TIMEOUT_RETRY = 0.01


class _RuleTimeout(BaseException):
    """A rule ran past its time. A BaseException: a rule's own `except Exception` must not stop it."""

    def __init__(self, limit: float) -> None:
        super().__init__(limit)
        self.limit = limit


class _RuleClock:
    """Stops a rule that runs past `limit` seconds: SIGALRM, whose handler raises `_RuleTimeout`
    in the rule (rules are pure Python, so the handler runs between two of its bytecodes). Only
    where a signal can be had: the main thread, with the process's real-time timer unused by
    the caller; elsewhere (a language server's worker thread) rules run unbounded.

    The timer is set once for the run, not around each rule (two system calls per rule and
    file: 16,000 rule runs on dstack): each rule notes its deadline, and a signal that comes
    before the running rule's deadline (an earlier rule's, or between rules) sets the timer
    again for what is left. The timer never goes off later than the running rule's deadline,
    since every rule starts after the timer was last set, and it is never set for more than
    `limit`."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.active = False
        self.in_rule = False
        self.deadline = 0.0  # `time.monotonic()` past which the running rule is stopped
        self.expired = False  # the running rule is past its time
        self.stopped = 0  # rules stopped so far

    @contextmanager
    def installed(self) -> Iterator[None]:
        """The SIGALRM handler, for the time of the block (installing it costs 5 µs: once per run)."""
        usable = (
            hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
            and self.limit < _LONGEST_RULE_TIME
            and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        )
        if not usable:
            yield
            return
        previous = signal.signal(signal.SIGALRM, self._expire)
        self.active = True
        signal.setitimer(signal.ITIMER_REAL, self.limit)
        try:
            yield
        finally:
            self.active = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def run(self, rule_run: Callable[..., Iterable[Finding]], *args: object) -> list[Finding]:
        """The findings of `rule_run(*args)`; raises `_RuleTimeout` if it runs past the limit."""
        if not self.active:
            return list(rule_run(*args))
        # The handler raises only while `in_rule`, set once the deadline is and cleared when
        # the rule returns: a late signal can never escape past the caller's `except`.
        self.expired = False
        self.deadline = time.monotonic() + self.limit
        self.in_rule = True
        try:
            findings = list(rule_run(*args))
        finally:
            self.in_rule = False
        if self.expired:  # every raise was swallowed, and the rule finished past its time
            raise _RuleTimeout(self.limit)
        return findings

    def _expire(self, signum: int, frame: FrameType | None) -> None:
        if not self.in_rule:  # between two rules: the next one's deadline is `limit` away or more
            signal.setitimer(signal.ITIMER_REAL, self.limit)
            return
        left = self.deadline - time.monotonic()
        if left > 0 and not self.expired:  # an earlier rule's deadline: this one has time left
            signal.setitimer(signal.ITIMER_REAL, left)
            return
        if not self.expired:
            self.expired = True
            self.stopped += 1
        # Raised inside a garbage-collector callback (hypothesis installs one), a `__del__`
        # or the unraisable hook, the exception would be swallowed (and, raised in a Python
        # unraisable hook such as pytest's, break it): ask again soon, from the rule's code.
        # Never later than `limit`: the next rule may start at once and must be stopped in time.
        signal.setitimer(signal.ITIMER_REAL, min(_RULE_TIMEOUT_RETRY, self.limit))
        if not _in_swallowing_code(frame):
            raise _RuleTimeout(self.limit)


def _in_swallowing_code(frame: FrameType | None) -> bool:
    """Whether `frame` runs, directly or through the calls it made, inside code whose exceptions
    Python swallows: a garbage-collector callback, a `__del__`, or the unraisable hook."""
    hook = sys.unraisablehook
    hook = getattr(hook, "func", hook)  # pytest's is a functools.partial
    swallowing = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    swallowing.add(getattr(hook, "__code__", None))
    while frame is not None:
        if frame.f_code in swallowing or frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


def _guarded(rule: Rule, facts: FileFacts, run: Callable[..., list[Finding]], *args: object) -> list[Finding]:
    """`run(*args)`, running a rule; a crash, or a run past its time, becomes an LG000 finding
    naming the rule instead of ending the run. Arguments rather than `partial`s: called for
    every rule on every file (16,000 times on dstack)."""
    try:
        return run(*args)
    except _RuleTimeout as timeout:
        message = (
            f"Internal error in {rule.meta.code} ({rule.meta.name}): stopped after {timeout.limit:g} s "
            f"(the limit is {RULE_TIME_PER_PARSE_TIMEOUT} x parse-timeout, at least {MIN_RULE_TIME:g} s); "
            "please report it to layerguard's issue tracker"
        )
        return [make_finding(INTERNAL_ERROR, facts, Span(1, 0, 1, 0), message)]
    except Exception as error:  # any bug in a rule must not end the run
        where = traceback.extract_tb(error.__traceback__)[-1]
        message = (
            f"Internal error in {rule.meta.code} ({rule.meta.name}): {type(error).__name__}: {error} "
            f"at {Path(where.filename).name}:{where.lineno}; please report it to layerguard's issue tracker"
        )
        return [make_finding(INTERNAL_ERROR, facts, Span(1, 0, 1, 0), message)]
