"""`check()`: the one entry point the CLI, the flake8 plugin and the tests all call."""

from __future__ import annotations

import gc
import hashlib
import os
import signal
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from layerguard.checks import ALL_RULES, FileRule, ProjectRule, Rule
from layerguard.checks.base import INTERNAL_ERROR, PARSE_ERROR, make_finding
from layerguard.config import is_rule_enabled, load_config, per_file_ignored_codes
from layerguard.facts.cache import (
    FactsCache,
    entry_key,
    is_reproducible,
    read_regular_file,
    rules_key,
    run_key,
)
from layerguard.facts.jobs import ParseJob
from layerguard.model import Config, FileFacts, Finding, Report, Span
from layerguard.project import FileFinder, FileView, Project, find_source_roots, module_name
from layerguard.suppress import without_noqa
from layerguard.symbols import Lookup, RecordingSymbols, Symbols, answers_unchanged

if TYPE_CHECKING:
    from layerguard.facts.workers import ParsedFile


def check(
    paths: Sequence[str | Path] = (),
    *,
    config: Config | None = None,
    config_file: str | Path | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    sources: Mapping[Path, bytes] | None = None,
    jobs: int | None = None,
    cache: bool = True,
) -> Report:
    """Check `paths` (files or folders; default: the current directory) against the whole
    project's import graph and return the sorted findings located in those paths.

    `sources` replaces the bytes of files on disk (an editor's unsaved buffer). `jobs` is the
    number of parser processes (default: one per core); `cache=False` neither reads nor writes
    the facts cache. Raises `ConfigError` for a bad configuration.
    """
    given = _normalised(paths)
    if config is None:
        config = load_config(
            given,
            config_file=Path(config_file) if config_file is not None else None,
            select=select,
            ignore=ignore,
        )
    enabled = [rule for rule in ALL_RULES if is_rule_enabled(config, rule.meta)]
    with _collector_paused():
        findings, files_checked, parsed = _findings(
            config, given, sources or {}, enabled, jobs=jobs, use_cache=cache
        )
    pipeline_rules = tuple(m for m in (INTERNAL_ERROR, PARSE_ERROR) if is_rule_enabled(config, m))
    with_findings = {finding.path for finding in findings}
    return Report(
        findings=findings,
        rules=pipeline_rules + tuple(rule.meta for rule in enabled),
        files_checked=files_checked,
        sources={path: data for path in with_findings if (data := parsed.get(path)) is not None},
    )


def _findings(
    config: Config,
    paths: Sequence[Path],
    sources: Mapping[Path, bytes],
    rules: Sequence[Rule],
    *,
    jobs: int | None,
    use_cache: bool,
) -> tuple[tuple[Finding, ...], int, dict[Path, bytes | None]]:
    """The sorted findings in the checked files, how many files were checked, and the bytes
    each file was parsed from (None: it could not be read; the parser reports why).

    With the cache, the findings of every project file are computed (file rules reuse what the
    cache remembers per file) and recorded under the run key, then narrowed to the files asked
    for: a partial run gives the same answer for its files as a full one (SPEC §4), so one
    record serves `check`, pre-commit's staged files and flake8's one file at a time."""
    checked, parse_jobs = _parse_jobs(config, paths, sources)
    # Read here, with or without the cache, so that reports show the bytes that were parsed.
    parse_jobs, keys = _read_and_keyed(parse_jobs)
    parsed = {job.path: job.data for job in parse_jobs}
    cache = FactsCache.open(config.root) if use_cache else None
    if cache is None:
        files = _parse_files(parse_jobs, workers=_workers(jobs), timeout=config.parse_timeout)
        project = Project(config, tuple(file.facts for file in files), frozenset(checked))
        return (*_checked(project, rules), parsed)
    known = [key for key in keys if key is not None]
    run = run_key(config, known) if len(known) == len(keys) else None
    everything = cache.recorded_findings(run) if run is not None else None
    facts: list[FileFacts] | None = None
    if everything is None:
        facts = _cached_facts(cache, parse_jobs, keys, _workers(jobs), config.parse_timeout)
        entry_keys = {job.path: key for job, key in zip(parse_jobs, keys, strict=True) if key is not None}
        every_file = frozenset(job.path for job in parse_jobs)
        project = Project(config, tuple(facts), every_file)
        memo = FileFindingsMemo(cache, config, entry_keys)
        everything, _ = _checked(project, rules, memo)
        cache.save_file_findings()
        # A run with a file whose facts depend on the machine (a parse that timed out) or a rule
        # stopped for taking too long is not recorded: the next run must try again.
        if run is not None and memo.reproducible and all(is_reproducible(f) for f in facts):
            cache.record_findings(run, everything)
    wanted = frozenset(checked)
    if len(wanted) < len(parse_jobs) and any(f.code == INTERNAL_ERROR.code for f in everything):
        # A project rule's crash is reported on the first file checked, which narrowing would
        # lose: this partial run is computed as asked.
        if facts is None:
            facts = _cached_facts(cache, parse_jobs, keys, _workers(jobs), config.parse_timeout)
        return (*_checked(Project(config, tuple(facts), wanted), rules), parsed)
    return tuple(f for f in everything if f.path in wanted), len(checked), parsed


def _checked(
    project: Project, rules: Sequence[Rule], memo: FileFindingsMemo | None = None
) -> tuple[tuple[Finding, ...], int]:
    config_filter = _ConfigFilter(project.config)
    findings = [f for f in run_rules(project, rules, memo) if not config_filter.ignores(f)]
    return tuple(sorted(findings, key=Finding.sort_key)), len(project.checked)


def load_project(
    config: Config,
    paths: Sequence[Path],
    sources: Mapping[Path, bytes],
    *,
    jobs: int | None = None,
    use_cache: bool = True,
) -> Project:
    """Every project file's facts (the graph needs them all), and which of them to report on."""
    checked, parse_jobs = _parse_jobs(config, _normalised(paths), sources)
    cache = FactsCache.open(config.root) if use_cache else None
    return Project(config, tuple(_facts(config, parse_jobs, jobs, cache)), frozenset(checked))


def _normalised(paths: Sequence[str | Path]) -> list[Path]:
    """The paths absolute and without `..` (default: the current folder), as every step after
    compares them with the project's: `sub/../app/x.py` must be `app/x.py` to get its module name."""
    return [Path(os.path.abspath(path)) for path in paths] or [Path.cwd()]


def _parse_jobs(
    config: Config, paths: Sequence[Path], sources: Mapping[Path, bytes]
) -> tuple[list[Path], list[ParseJob]]:
    """The files to report on, and a parse job for every project file (the graph needs them all)."""
    finder = FileFinder(config)
    project_files = finder.files([config.root])
    checked = finder.files(paths, project_files)
    every_file = sorted(set(project_files) | set(checked))
    roots = find_source_roots(config)
    overrides = {Path(os.path.abspath(path)): data for path, data in sources.items()}
    return checked, [
        ParseJob(path, *module_name(path, roots, config.root), overrides.get(path), finder.refused.get(path))
        for path in every_file
    ]


def _workers(jobs: int | None) -> int:
    return jobs if jobs is not None else os.cpu_count() or 1


def _facts(
    config: Config, parse_jobs: Sequence[ParseJob], jobs: int | None, cache: FactsCache | None
) -> list[FileFacts]:
    if cache is None:
        parsed = _parse_files(parse_jobs, workers=_workers(jobs), timeout=config.parse_timeout)
        return [file.facts for file in parsed]
    with_bytes, keys = _read_and_keyed(parse_jobs)
    return _cached_facts(cache, with_bytes, keys, _workers(jobs), config.parse_timeout)


def _read_and_keyed(parse_jobs: Sequence[ParseJob]) -> tuple[list[ParseJob], list[bytes | None]]:
    """Each job with the file's bytes, and its cache entry key.

    The bytes are read here, hashed, and handed to the parser, so stored facts always belong to
    the bytes they are keyed by, even if the file changes meanwhile. A file that cannot be read
    as a regular file goes to the parser unread (key None): it reports why, as LG001. A refused
    entry is not even opened."""
    with_bytes = [
        job
        if job.data is not None or job.refused is not None
        else replace(job, data=read_regular_file(job.path))
        for job in parse_jobs
    ]
    keys = [
        entry_key(job.path, job.module, job.is_package, job.data) if job.data is not None else None
        for job in with_bytes
    ]
    return with_bytes, keys


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A run builds or unpickles a few hundred thousand small objects (prefect: ~660k). With the
    cyclic collector on, it rescans them as they arrive and on every later collection (0.4 s of
    a 1 s warm run on prefect, the rules slowed by as much again, 2 s more to unpickle a cold
    run's facts). Facts are immutable and acyclic, so refcounting frees them; the cycles parsing
    leaves are collected file by file (`workers.parse_job`). When the run ends the facts are
    gone, so the first collection afterwards has little to scan."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _cached_facts(
    cache: FactsCache,
    parse_jobs: Sequence[ParseJob],
    keys: Sequence[bytes | None],
    workers: int,
    timeout: float,
) -> list[FileFacts]:
    """Facts from the cache where the file's bytes are known; the misses parsed and stored."""
    facts: list[FileFacts | None] = [None] * len(keys)
    # Misses are parsed before hits are unpickled: parsing a file ends with a collection of the
    # youngest generation, which would otherwise scan every unpickled fact (prefect: 0.3 s for
    # one changed file). An entry that turns out unreadable is parsed in a second round.
    to_parse = [i for i, key in enumerate(keys) if not cache.has(key)]
    while True:
        if to_parse:
            jobs = [parse_jobs[i] for i in to_parse]
            parsed = _parse_files(jobs, workers=min(workers, len(jobs)), timeout=timeout)
            for index, file in zip(to_parse, parsed, strict=True):
                facts[index] = _remembered(cache, keys[index], file)
        to_look_up = [i for i, found in enumerate(facts) if found is None]
        for index, found in zip(to_look_up, cache.lookup([keys[i] for i in to_look_up]), strict=True):
            facts[index] = found
        to_parse = [i for i in to_look_up if facts[i] is None]
        if not to_parse:
            break
    cache.save()
    return [found for found in facts if found is not None]


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


def _remembered(cache: FactsCache, key: bytes | None, parsed: ParsedFile) -> FileFacts:
    if key is not None:
        cache.store(key, parsed.facts, parsed.pickled)
    return parsed.facts


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

    def describe(self, facts: FileFacts) -> str:
        """A file, for a recorded answer: its path and content key."""
        key = self.entry_keys.get(facts.path)
        return f"{facts.path}\0{key.hex() if key is not None else ''}"

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
    project: Project,
    rules: Sequence[Rule],
    memo: FileFindingsMemo | None = None,
    *,
    time_limit: float | None = None,
) -> Iterable[Finding]:
    """Every finding in the checked files, `# noqa` applied: LG001 for unparsable files,
    file rules on the others (or their findings from `memo`), project rules once. A rule that
    runs longer than `time_limit` seconds on one file (a project rule: on the project) is
    stopped and reported as an LG000 (default: `rule_time_limit`)."""
    checked = [facts for facts in project.files if project.is_checked(facts)]
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
            view = FileView(project.config, project.layers, symbols)
            stopped_before = clock.stopped
            file_findings = [
                finding
                for rule in file_rules
                for finding in _guarded(
                    rule, facts, partial(clock.run, partial(rule.check_file, facts, view))
                )
            ]
            if isinstance(symbols, RecordingSymbols) and memo is not None and clock.stopped == stopped_before:
                memo.remember(facts, file_findings, symbols.lookups)
            found[facts.path] += file_findings
        for rule in rules:
            if isinstance(rule, ProjectRule):
                # A crash has no file of its own: it is reported on the first checked file.
                run = partial(clock.run, partial(rule.check_project, project))
                for finding in _guarded(rule, checked[0], run):
                    if finding.path in found:  # only the checked files are reported on
                        found[finding.path].append(finding)
    if clock.stopped and memo is not None:
        memo.reproducible = False
    for facts in checked:
        yield from without_noqa(found[facts.path], facts)


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


class _RuleTimeout(BaseException):
    """A rule ran past its time. A BaseException: a rule's own `except Exception` must not stop it."""

    def __init__(self, limit: float) -> None:
        super().__init__(limit)
        self.limit = limit


class _RuleClock:
    """Stops a rule that runs past `limit` seconds: SIGALRM, whose handler raises `_RuleTimeout`
    in the rule (rules are pure Python, so the handler runs between two of its bytecodes). Only
    where a signal can be had: the main thread, with the process's real-time timer unused by
    the caller; elsewhere (a language server's worker thread) rules run unbounded."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.active = False
        self.in_rule = False
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
        try:
            yield
        finally:
            self.active = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def run(self, rule_run: Callable[[], Iterable[Finding]]) -> list[Finding]:
        """The rule's findings; raises `_RuleTimeout` if it runs past the limit."""
        if not self.active:
            return list(rule_run())
        # The handler raises only while `in_rule`, set before the timer starts and cleared
        # before it stops: a late signal can never escape past the caller's `except`.
        self.in_rule = True
        try:
            signal.setitimer(signal.ITIMER_REAL, self.limit)
            return list(rule_run())
        finally:
            self.in_rule = False
            signal.setitimer(signal.ITIMER_REAL, 0)

    def _expire(self, signum: int, frame: object) -> None:
        if self.in_rule:
            self.in_rule = False
            self.stopped += 1
            raise _RuleTimeout(self.limit)


def _guarded(rule: Rule, facts: FileFacts, run: Callable[[], Iterable[Finding]]) -> list[Finding]:
    """Run a rule; a crash, or a run past its time, becomes an LG000 finding naming the rule
    instead of ending the run."""
    try:
        return list(run())
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


class _ConfigFilter:
    """`per-file-ignores`, and LG000/LG001 when the configuration ignores them. The codes
    ignored in a file are worked out once per file, not once per finding."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.pipeline_off = {
            meta.code for meta in (INTERNAL_ERROR, PARSE_ERROR) if not is_rule_enabled(config, meta)
        }
        self.per_file: dict[Path, tuple[str, ...]] = {}

    def ignores(self, finding: Finding) -> bool:
        if finding.code in self.pipeline_off:
            return True
        ignored = self.per_file.get(finding.path)
        if ignored is None:
            ignored = self.per_file[finding.path] = self._ignored_in(finding.path)
        return bool(ignored) and finding.code.startswith(ignored)

    def _ignored_in(self, path: Path) -> tuple[str, ...]:
        try:
            relative = path.relative_to(self.config.root).as_posix()
        except ValueError:
            relative = path.as_posix()
        return per_file_ignored_codes(self.config, relative)
