"""Parser isolation (`layerguard.facts.workers`): order, determinism, and containment of real
libcst crashes and hangs.

The crash is real: libcst 1.9's native parser overflows its stack and segfaults on ~1,300
nested parentheses. The hang is real too: libcst runs for minutes on a 30,000-term sum. Since
`cst_to_ast` now refuses the inputs it knows libcst cannot survive (`_check_nesting`), the tests
that need libcst to meet them switch that guard off (`unguarded_libcst`): the crash and the hang
are then libcst's own, in a real worker, standing for the inputs the guard does not know (the
CLI corpus, tests/fixtures/bad_input, holds a crash and a slow parse that get past it today).
Stand-ins are used only where no real input can do it, and say so: a worker killed from outside
(as the OOM killer would), a bug in the extractor, a slow parse.
"""

from __future__ import annotations

import ast
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from layerguard.facts import cst_to_ast, workers
from layerguard.facts.parse import NeedsLibcst
from layerguard.facts.type_params import parse_type_params
from layerguard.facts.workers import POOL_MIN_FILES, ParseJob, parse_files_pickled
from layerguard.model import FileFacts


def parse_files(jobs: Sequence[ParseJob], *, workers: int, timeout: float) -> list[FileFacts]:
    """The facts of every job, in job order."""
    return [parsed.facts for parsed in parse_files_pickled(jobs, workers=workers, timeout=timeout)]


TIMEOUT = 2.0
# A first line that CPython's ast rejects on every version (too many nested parentheses) and
# libcst parses, once `cst_to_ast`'s guard is off: the rest of the file is libcst's.
LIBCST_ONLY = "_ = " + "(" * 201 + "1" + ")" * 201 + "\n"
SEGFAULTS_LIBCST = LIBCST_ONLY + "x = " + "(" * 3000 + "1" + ")" * 3000 + "\n"
HANGS_LIBCST = LIBCST_ONLY + "x = " + " + ".join(["1"] * 30_000) + "\n"
# Syntax newer than the running Python, which only libcst parses (guard or no guard).
NEWER_SYNTAX_CANDIDATES = (
    "type Alias = list[int]\n",  # PEP 695, Python 3.12
    "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",  # PEP 758, Python 3.14
)


def newer_syntax() -> str:
    for line in NEWER_SYNTAX_CANDIDATES:
        try:
            ast.parse(line)
        except SyntaxError:
            if parse_type_params(line, "newer.py") is None:  # PEP 695 alone needs no libcst
                return "from app.newer import thing\n" + line
    pytest.skip("the running Python's ast accepts all the newer syntax libcst knows")


@pytest.fixture
def unguarded_libcst(monkeypatch: pytest.MonkeyPatch) -> None:
    """libcst meets what `cst_to_ast` would refuse. The workers are forked, so they inherit it."""
    if workers._process_context().get_start_method() != "fork":
        pytest.skip("the guard is switched off by a patch, which only forked workers inherit")
    monkeypatch.setattr(cst_to_ast, "_check_nesting", lambda source: None)


def fine_source(index: int) -> str:
    return f"import mod_{index}\nfrom typing import Optional\n\nx: Optional[int] = None\n"


def write(folder: Path, name: str, source: str) -> ParseJob:
    path = folder / name
    path.write_text(source, encoding="utf-8")
    return ParseJob(path, name.removesuffix(".py"), False, None)


def fine_jobs(folder: Path, count: int, start: int = 0) -> list[ParseJob]:
    return [write(folder, f"fine_{i}.py", fine_source(i)) for i in range(start, start + count)]


def assert_fine(facts: FileFacts, index: int) -> None:
    """The facts of `fine_source(index)`, really extracted."""
    assert facts.parse_error is None, facts.parse_error
    assert [i.module for i in facts.imports] == [f"mod_{index}", "typing"]
    assert len(facts.typing_subscripts) == 1


def message(facts: FileFacts) -> str:
    assert facts.parse_error is not None
    return facts.parse_error.message


def pool_sized(folder: Path, *special: ParseJob) -> tuple[list[ParseJob], list[int]]:
    """Enough fine files for the pool path, with `special` spread among them; and, per job, the
    number of its fine file (-1 for the special ones)."""
    jobs = fine_jobs(folder, POOL_MIN_FILES)
    for offset, job in enumerate(special):
        jobs.insert(7 + offset * 17, job)
    numbers = [int(j.path.stem.split("_")[1]) if j.path.stem.startswith("fine_") else -1 for j in jobs]
    return jobs, numbers


# --- order and determinism --------------------------------------------------------------------


@pytest.mark.parametrize("worker_count", [1, 2])
def test_facts_come_back_in_job_order(tmp_path: Path, worker_count: int) -> None:
    jobs = fine_jobs(tmp_path, POOL_MIN_FILES + 10)
    jobs.reverse()  # not the order the files were written in, nor sorted
    results = parse_files(jobs, workers=worker_count, timeout=TIMEOUT)
    assert [f.path for f in results] == [j.path for j in jobs]
    for facts, job in zip(results, jobs, strict=True):
        assert_fine(facts, int(job.path.stem.split("_")[1]))


@pytest.mark.usefixtures("unguarded_libcst")
def test_same_facts_whatever_the_worker_count(tmp_path: Path) -> None:
    jobs, _ = pool_sized(
        tmp_path,
        write(tmp_path, "syntax_error.py", "def f(:\n"),
        write(tmp_path, "newer.py", newer_syntax()),
        write(tmp_path, "segfault.py", SEGFAULTS_LIBCST),
        write(tmp_path, "deep.py", "x = " + "-" * 10_000 + "1\n"),
    )
    one = parse_files(jobs, workers=1, timeout=TIMEOUT)
    two = parse_files(jobs, workers=2, timeout=TIMEOUT)
    assert one == two


def test_spawned_workers_give_the_same_facts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where fork is not used (macOS, Windows, a caller with threads), workers are spawned."""
    jobs, _ = pool_sized(
        tmp_path,
        write(tmp_path, "syntax_error.py", "def f(:\n"),
        ParseJob(tmp_path / "gone.py", "gone", False, None),
    )
    forked = parse_files(jobs, workers=2, timeout=10)
    monkeypatch.setattr(workers, "_process_context", lambda: multiprocessing.get_context("spawn"))
    assert parse_files(jobs, workers=2, timeout=10) == forked


def test_small_projects_and_one_worker_parse_in_process(tmp_path: Path) -> None:
    """Files ast can parse never leave the process; no worker is started for them."""
    jobs = fine_jobs(tmp_path, POOL_MIN_FILES - 1)
    before = set(multiprocessing.active_children())
    started: list[object] = []
    original = workers._Pool._start_worker

    def counting(pool: workers._Pool) -> workers._Worker:
        started.append(pool)
        return original(pool)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers._Pool, "_start_worker", counting)
        parse_files(jobs, workers=2, timeout=TIMEOUT)
        parse_files(jobs + fine_jobs(tmp_path, 5, start=100), workers=1, timeout=TIMEOUT)
    assert started == []
    assert set(multiprocessing.active_children()) == before


def test_the_calling_process_is_one_of_the_workers(tmp_path: Path) -> None:
    """`workers=2` is this process and one worker: both parse, and only the worker's facts
    cross a pipe (they come with their pickled bytes, for the cache)."""
    jobs = fine_jobs(tmp_path, POOL_MIN_FILES + 30)
    started: list[object] = []
    original = workers._Pool._start_worker

    def counting(pool: workers._Pool) -> workers._Worker:
        started.append(pool)
        return original(pool)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers._Pool, "_start_worker", counting)
        parsed = parse_files_pickled(jobs, workers=2, timeout=TIMEOUT)
    assert len(started) == 1
    here = [p for p in parsed if p.pickled is None]
    sent = [p for p in parsed if p.pickled is not None]
    assert here and sent  # the worker is given the first chunk before this process parses any
    for result in sent:
        assert result.pickled is not None and pickle.loads(result.pickled) == result.facts
    for facts, job in zip((p.facts for p in parsed), jobs, strict=True):
        assert_fine(facts, int(job.path.stem.split("_")[1]))


def test_libcst_never_runs_in_the_calling_process(tmp_path: Path) -> None:
    """With one worker, ast runs here, but newer syntax goes to a subprocess: libcst (the
    parser that can segfault) is never even imported by the caller."""
    newer = tmp_path / "newer.py"
    newer.write_text(newer_syntax(), encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from layerguard.facts.workers import ParseJob, parse_files_pickled
        job = ParseJob(Path({str(newer)!r}), "newer", False, None)
        [parsed] = parse_files_pickled([job], workers=1, timeout=10)
        facts = parsed.facts
        assert facts.parse_error is None, facts.parse_error
        assert parsed.libcst_seconds > 0, "the fallback's cost is counted"
        assert [i.module for i in facts.imports] == ["app.newer"], facts.imports
        assert "libcst" not in sys.modules, "libcst was imported by the caller"
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_same_facts_when_called_from_deep_in_the_stack(tmp_path: Path) -> None:
    """ast on 3.11 and a recursive extractor count recursion from the caller's depth: a file nested
    near the limit must not parse in a shallow worker and fail in a deep caller."""
    job = write(tmp_path, "nested.py", "x = " + "-" * 900 + "1\n")

    def at_depth(depth: int, run: Callable[[], list[FileFacts]]) -> list[FileFacts]:
        return run() if depth == 0 else at_depth(depth - 1, run)

    shallow = parse_files([job], workers=1, timeout=TIMEOUT)
    deep = at_depth(sys.getrecursionlimit() - 150, lambda: parse_files([job], workers=1, timeout=TIMEOUT))
    assert deep == shallow


# --- containment ------------------------------------------------------------------------------


@pytest.mark.usefixtures("unguarded_libcst")
@pytest.mark.parametrize("worker_count", [1, 2])
def test_a_real_libcst_segfault_costs_only_that_file(tmp_path: Path, worker_count: int) -> None:
    crash = write(tmp_path, "segfault.py", SEGFAULTS_LIBCST)
    newer = write(tmp_path, "newer.py", newer_syntax())  # also libcst's, after the crash
    jobs, numbers = pool_sized(tmp_path, crash, newer)
    results = parse_files(jobs, workers=worker_count, timeout=TIMEOUT)
    assert len(results) == len(jobs)
    for facts, job, number in zip(results, jobs, numbers, strict=True):
        if job is crash:
            assert message(facts) == "Cannot check this file: parser crashed (signal 11, SIGSEGV)"
        elif job is newer:
            assert facts.parse_error is None
            assert [i.module for i in facts.imports] == ["app.newer"]
        else:
            assert_fine(facts, number)
    assert multiprocessing.active_children() == []


@pytest.mark.usefixtures("unguarded_libcst")
@pytest.mark.parametrize("worker_count", [1, 2])
def test_a_real_libcst_hang_is_stopped_by_the_timeout(tmp_path: Path, worker_count: int) -> None:
    hang = write(tmp_path, "hang.py", HANGS_LIBCST)
    newer = write(tmp_path, "newer.py", newer_syntax())
    jobs, numbers = pool_sized(tmp_path, hang, newer)
    started = time.monotonic()
    results = parse_files(jobs, workers=worker_count, timeout=TIMEOUT)
    elapsed = time.monotonic() - started
    for facts, job, number in zip(results, jobs, numbers, strict=True):
        if job is hang:
            assert message(facts) == "Cannot check this file: parse took longer than 2 s"
        elif job is newer:
            assert facts.parse_error is None
        else:
            assert_fine(facts, number)
    assert elapsed < 30  # libcst alone runs for minutes on this file
    assert multiprocessing.active_children() == []


@pytest.mark.usefixtures("unguarded_libcst")
def test_crashes_and_hangs_next_to_each_other_in_one_chunk(tmp_path: Path) -> None:
    specials = [
        write(tmp_path, "crash_a.py", SEGFAULTS_LIBCST),
        write(tmp_path, "crash_b.py", SEGFAULTS_LIBCST),
        write(tmp_path, "hang.py", HANGS_LIBCST),
        write(tmp_path, "crash_c.py", SEGFAULTS_LIBCST),
    ]
    jobs = fine_jobs(tmp_path, 3) + specials + fine_jobs(tmp_path, 3, start=3)
    results = parse_files(jobs, workers=1, timeout=TIMEOUT)
    reasons = [message(f).removeprefix("Cannot check this file: ") for f in results[3:7]]
    assert reasons == ["parser crashed (signal 11, SIGSEGV)"] * 2 + [
        "parse took longer than 2 s",
        "parser crashed (signal 11, SIGSEGV)",
    ]
    for index, facts in enumerate(results[:3] + results[7:]):
        assert_fine(facts, index)


@pytest.mark.usefixtures("unguarded_libcst")
def test_ctrl_c_stops_busy_workers_at_once(tmp_path: Path) -> None:
    hang = write(tmp_path, "hang.py", HANGS_LIBCST)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            parse_files([hang, hang], workers=2, timeout=60)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 5
    assert multiprocessing.active_children() == []


def test_recursion_in_ast_is_an_lg001_in_process(tmp_path: Path) -> None:
    chain = write(tmp_path, "chain.py", "x = a" + ".b()" * 5000 + "\n")
    [facts] = parse_files([chain], workers=1, timeout=TIMEOUT)
    # Python 3.10's parser takes the chain and the fact extractor runs out of recursion instead.
    assert message(facts) in (
        "Cannot check this file: too deeply nested for the parser",
        "Cannot check this file: too deeply nested to analyse",
    )


def test_a_long_module_level_elif_chain_is_analysed(tmp_path: Path) -> None:
    # Each `elif` nests one level deeper; the owners of top-level code (`DefinitionFact`) once
    # cost every level two more frames, and 197 branches were "too deeply nested to analyse".
    branches = "".join(f'elif x == "{i}":\n    y = {i}\n' for i in range(1, 250))
    source = f'import os\nx = os.environ.get("X")\nif x == "0":\n    y = 0\n{branches}'
    chain = write(tmp_path, "chain.py", source)
    [facts] = parse_files([chain], workers=1, timeout=TIMEOUT)
    assert facts.parse_error is None and {d.name for d in facts.definitions} == {"", "x", "y"}


def test_a_file_that_vanished_before_its_parse(tmp_path: Path) -> None:
    gone = ParseJob(tmp_path / "deleted after discovery.py", "gone", False, None)
    jobs, _ = pool_sized(tmp_path, gone)
    for worker_count in (1, 2):
        results = parse_files(jobs, workers=worker_count, timeout=TIMEOUT)
        [facts] = [f for f in results if f.path == gone.path]
        assert message(facts) == "Cannot check this file: cannot read: No such file or directory"


def test_given_bytes_are_parsed_instead_of_the_file(tmp_path: Path) -> None:
    on_disk = write(tmp_path, "edited.py", "def f(:\n")
    unsaved = ParseJob(on_disk.path, on_disk.module, False, fine_source(5).encode())
    jobs, _ = pool_sized(tmp_path, unsaved)
    for worker_count in (1, 2):
        [facts] = [
            f for f in parse_files(jobs, workers=worker_count, timeout=TIMEOUT) if f.path == on_disk.path
        ]
        assert_fine(facts, 5)


def test_a_fifo_named_py_is_refused_not_read_forever(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    [facts] = parse_files([ParseJob(fifo, "fifo", False, None)], workers=1, timeout=TIMEOUT)
    assert message(facts) == "Cannot check this file: cannot read: not a regular file"


def test_no_parse_no_workers() -> None:
    assert parse_files([], workers=2, timeout=TIMEOUT) == []


# --- stand-ins, where no real input can do it ---------------------------------------------------


def test_a_worker_killed_from_outside_is_retried_and_the_file_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stand-in for the OOM killer: the first parse of `victim.py` SIGKILLs its own worker (the
    patch reaches the forked workers). Alone in a fresh worker the file parses: no LG001. The
    main process, which parses files too, hands the victim to a worker as it would newer syntax."""
    victim = write(tmp_path, "victim.py", fine_source(99))
    marker = tmp_path / "killed once"
    real = workers.parse_job
    main = os.getpid()

    def killed_once(job: ParseJob, *, libcst_fallback: bool = True) -> FileFacts:
        if job.path == victim.path and os.getpid() == main:
            raise NeedsLibcst(str(job.path))
        if job.path == victim.path and not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return real(job, libcst_fallback=libcst_fallback)

    monkeypatch.setattr(workers, "parse_job", killed_once)
    jobs, numbers = pool_sized(tmp_path, victim)
    results = parse_files(jobs, workers=2, timeout=TIMEOUT)
    assert marker.exists()
    for facts, number in zip(results, numbers, strict=True):
        assert_fine(facts, 99 if number == -1 else number)


def test_the_timeout_is_per_file_not_per_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-in for a slow parse: each file takes 0.25 s, a chunk of 7 takes 1.75 s, the limit is
    1 s per file: nothing times out."""
    real = workers.parse_job

    def slow(job: ParseJob, *, libcst_fallback: bool = True) -> FileFacts:
        time.sleep(0.25)
        return real(job, libcst_fallback=libcst_fallback)

    monkeypatch.setattr(workers, "parse_job", slow)
    monkeypatch.setattr(workers, "_chunk_size", lambda files, count: files)
    jobs = fine_jobs(tmp_path, 7)
    results = workers._Pool(jobs, workers=1, timeout=1.0).run()
    for index, parsed in enumerate(results):
        assert parsed.pickled is not None and pickle.loads(parsed.pickled) == parsed.facts
        assert_fine(parsed.facts, index)


def test_a_bug_in_the_extractor_is_an_internal_error_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stand-in for a bug: the extractor raises. That file gets LG000 naming the error; the
    others are parsed, in process and in the pool."""
    from layerguard.facts import parse

    real = parse.extract_facts

    def broken_on_one_file(source: str, tree: object, path: Path, *args: object) -> FileFacts:
        if path.name == "trigger.py":
            raise ValueError("boom")
        return real(source, tree, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(parse, "extract_facts", broken_on_one_file)
    trigger = write(tmp_path, "trigger.py", "x = 1\n")
    jobs, numbers = pool_sized(tmp_path, trigger)
    for worker_count in (1, 2):
        results = parse_files(jobs, workers=worker_count, timeout=TIMEOUT)
        for facts, number in zip(results, numbers, strict=True):
            if number == -1:
                assert facts.parse_error is not None
                assert facts.parse_error.code == "LG000"
                assert "ValueError: boom" in facts.parse_error.message
                assert "please report it" in facts.parse_error.message
            else:
                assert_fine(facts, number)


def test_workers_that_cannot_start_stop_the_run_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stand-in for a broken installation: every worker exits before its first file. That is no
    file's fault, so no file gets an LG001; after a few such deaths the run stops. (The main
    process parses what `ast` can; the file with newer syntax needs a worker.)"""

    def exit_at_once(chunk: object, progress: object) -> list[FileFacts]:
        os._exit(3)

    monkeypatch.setattr(workers, "_parse_chunk", exit_at_once)
    jobs, _ = pool_sized(tmp_path, write(tmp_path, "newer.py", newer_syntax()))
    with pytest.raises(workers.WorkerError, match=r"stop before parsing anything \(exit code 3\)"):
        parse_files(jobs, workers=2, timeout=TIMEOUT)
    assert multiprocessing.active_children() == []
