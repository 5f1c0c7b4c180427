"""Parse files so that a parser crash, hang or runaway recursion costs one file, never the run.

Two paths, chosen by `parse_files_pickled` (`parse_files` gives just the facts):

* In process (`workers <= 1`, or fewer than `POOL_MIN_FILES` files, e.g. a warm run's few cache
  misses): `ast` parses each file here. It is safe in-process: it raises RecursionError or
  MemoryError, it does not segfault or hang. The files `ast` rejects (syntax newer than the
  running Python) need libcst, whose native parser can segfault (~1,300 nested parentheses or
  10,000 `elif`s overflow its stack) or run for minutes (a 30,000-term sum), so those go to
  isolated worker processes. libcst is never even imported by the caller. So do the files big
  enough that their parse could approach the timeout (`ISOLATE_BYTES_PER_SECOND`): `ast` cannot
  be interrupted in process, and the findings must not depend on the number of workers.
* Otherwise this process and a pool of `workers - 1` long-lived processes, fed chunks of
  files; `workers` is capped at one per file and `MAX_WORKERS_PER_CPU` per core. This process
  parses chunks with `ast` too (the files above go to the workers), taking the workers' answers
  between two files: only the workers' share of the facts is pickled and sent, one process
  fewer is started, and on a machine whose other cores are busy the workers get few chunks and
  this process does most of the work, so the run is never much slower than `workers=1`.

Workers end with the process that started them, however it ends (`_die_with_parent`), and hold
neither its stdout nor its stderr; so they may be started from a daemonic process too (a flake8
worker under `flake8 --jobs`), which multiprocessing otherwise forbids (`_children_allowed`).

Whatever runs out of process goes through `_Pool`. A worker answers once per chunk, with the
chunk's facts (never syntax trees); before each file it writes which file it is on, and since
when, to a small shared array (`_Progress`). So the main process, sleeping until a worker
answers or dies or a file may have run out of time, knows without a message per file:
* a worker that died was on that file: the suspect is re-run alone in a fresh worker (telling a
  bad file from a worker killed for another reason, e.g. by the OOM killer); a second death is
  an LG001 "parser crashed (signal 11, SIGSEGV)". The rest of the chunk is queued again.
* a file past `timeout`: its worker is killed, the file gets LG001 "parse took longer than N s",
  the rest of the chunk is queued again.
Results are stored by job index, so the output order is the job order, whatever the number of
workers or the order they finish in.

Measured on the 2-core development machine (Python 3.11, libcst 1.9), which other sessions kept
loaded (load average 1.3-10), so wall times are noisy and CPU times are the firmer numbers:
* Starting a worker and one round trip: fork 2-7 ms for one worker, 3-40 ms for two; spawn
  110-135 ms per worker (it re-imports layerguard: 290-460 ms for two); forkserver 95-300 ms.
  So: fork on Linux when no other thread runs, spawn elsewhere (`_process_context`).
* Per-file cost of the pool: 55 µs of CPU for a one-line file (1,000 files: 66 ms in process,
  120 ms in a pool of one, fork included). On real code the facts dominate: prefect's 864 files
  give ~20 MB of pickled facts (~2,800 objects per file). With the cyclic collector running,
  pickling them cost 2.3 s and extracting 5.7 s in one process; workers turn it off (each file's
  cycles are collected by `parse_job`) and the caller pauses it while facts arrive: 0.4 s and
  3.2 s. Each file's facts are pickled on their own, so the cache stores the bytes as sent.
* Hence the crossover: in process below `POOL_MIN_FILES` = 50 files (a pool of two was 1.1-2x
  slower up to 50 files at load 1.3-1.7), the pool above it, where two cores nearly halve the
  extraction (prefect: 3.5 s cold with two workers against 3.2 s CPU for the extraction alone,
  interpreter start, rules and output included). Small runs and warm runs (a few cache misses)
  stay fork-free.
* Two workers and an idle main process (before issue 16) cost 0.6 s more CPU than one process
  on dstack's 641 files (2.3 s against 1.7 s): every file's facts pickled, sent and unpickled
  (~0.45 s for 10.8 MB), a second fork. With this process as one of the two, half the facts
  cross the pipe: 1.95 s. See bench/README.md, "Cold runs".
"""

from __future__ import annotations

import faulthandler
import gc
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from layerguard.facts.jobs import ParseJob
from layerguard.facts.parse import NeedsLibcst, UnparsableFile, parse_file, unparsable_facts
from layerguard.facts.stored import pickle_facts
from layerguard.model import INTERNAL_ERROR, FileFacts, Span, make_finding

if TYPE_CHECKING:
    # multiprocessing is imported where a worker is started: a run that parses a few files in
    # this process (every edit) does without it (5 ms of imports).
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkContext, SpawnContext
    from multiprocessing.process import BaseProcess

# Below this many files, parse in process (see the crossover in the module docstring).
POOL_MIN_FILES = 50
# Most files per chunk: big enough that per-chunk round trips vanish, small enough that the
# last chunks still spread over the workers.
MAX_CHUNK = 16
# Python frames a parse may use, wherever it is called from: `ast` (on 3.11) and the fact
# extractor count recursion from the caller's depth, so without a fixed budget a file nested
# close to the limit could parse in a shallow worker and fail in the deeper main process.
RECURSION_BUDGET = 1000
# Files at least this many bytes per second of `timeout` are parsed in an isolated worker even
# on the in-process path, so that the timeout applies to every file that could reach it whatever
# the number of workers (`--jobs 1` and `--jobs 2` give the same findings). The slowest content
# measured (short statements, `x = 1` or `f(a, b)` lines) parses and extracts at 200-250 KB/s on
# the development machine: a tenth of that keeps a margin for slower or busier machines, and
# still keeps ordinary files in process (default timeout 10 s: 200 KB and up are isolated).
ISOLATE_BYTES_PER_SECOND = 20_000
# Most workers, whatever is asked (`--jobs 99999`): parsing is CPU-bound, so more than a few per
# core only costs memory and start-up.
MAX_WORKERS_PER_CPU = 4
MAX_WORKERS = 64
# Longest single sleep of the main process while waiting for workers: `wait` cannot take an
# arbitrarily long timeout (`parse-timeout = 1e300` would overflow it).
_LONGEST_WAIT = 3600.0
# How often a worker checks that the process that started it is still there (see `_die_with_parent`).
_PARENT_CHECK_INTERVAL = 0.5
# How long a worker asked to stop may take before it is killed.
_STOP_GRACE = 1.0
# Workers in a row that may die before their first file before parsing is given up.
_MAX_START_FAILURES = 3
_NOT_STARTED = -1
# A worker importing libcst, which takes 0.3-0.6 s once per worker: that is not the file's time.
_IMPORTING_LIBCST = -2
# How often the main process looks whether a worker loading libcst has started its file's clock.
_LIBCST_IMPORT_POLL = 0.05


class WorkerError(RuntimeError):
    """Parser processes cannot run at all: a broken installation, not a bad file."""


class ParsedFile(NamedTuple):
    facts: FileFacts
    # The facts as a worker pickled them to send them here, so the cache stores these bytes as
    # they are instead of pickling the facts a second time; None when parsed in this process.
    pickled: bytes | None
    # Seconds the libcst fallback took for this file (loading libcst included): 0 for `ast`.
    libcst_seconds: float = 0.0


def parse_files_pickled(jobs: Sequence[ParseJob], *, workers: int, timeout: float) -> list[ParsedFile]:
    """Facts for every job, in the order of `jobs`. Never raises for a bad file: a file whose
    parse crashes the process (segfault), raises RecursionError/MemoryError, or exceeds `timeout`
    seconds becomes FileFacts with an LG001 parse_error whose message says why ("parser
    crashed", "parse took longer than 10 s", ...). workers <= 1 still isolates the files that
    need libcst. Raises `WorkerError` only when parser processes cannot run at all (they die
    again and again before their first file)."""
    workers = worker_count(workers, len(jobs))
    if workers <= 1 or len(jobs) < POOL_MIN_FILES:
        return _parse_in_process(jobs, workers=workers, timeout=timeout)
    # This process is one of the `workers`: it parses chunks too, between collecting answers.
    return _Pool(jobs, workers=workers - 1, timeout=timeout, shared=True).run()


def worker_count(requested: int, files: int) -> int:
    """The workers to start for `files` files when `requested` are asked for: at least one, at
    most one per file and `MAX_WORKERS_PER_CPU` per core (never more than `MAX_WORKERS`)."""
    cap = min(MAX_WORKERS_PER_CPU * (os.cpu_count() or 1), MAX_WORKERS)
    return max(1, min(requested, files, cap))


def parse_job(job: ParseJob, *, libcst_fallback: bool = True) -> FileFacts:
    """`parse_file` with a fixed recursion budget; exhausted recursion or memory is an LG001, a
    bug in the extractor an LG000, so no exception but `NeedsLibcst` leaves."""
    try:
        with _fixed_recursion_budget():
            return parse_file(
                job.path,
                job.module,
                job.is_package,
                job.data,
                libcst_fallback=libcst_fallback,
                calls=job.calls,
            )
    except NeedsLibcst:
        raise
    except RecursionError:
        return _parse_error(job, "too deeply nested to analyse")
    except MemoryError:
        return _parse_error(job, "out of memory while parsing")
    except Exception as error:  # a bug in layerguard must cost one file, not the run
        return _internal_error(job, error)
    finally:
        # Each file leaves its syntax tree in reference cycles (the extractor and its bound
        # methods; a caught exception and its frames), which only the cyclic collector frees,
        # and callers pause it while facts pile up. Collecting the youngest generation frees
        # them and scans only this file's new objects: on prefect, 308 MB -> 93 MB for +2-7%
        # CPU (a full collection every 16 files instead: 3x slower).
        gc.collect(0)


def _parse_in_process(jobs: Sequence[ParseJob], *, workers: int, timeout: float) -> list[ParsedFile]:
    """`ast` here; in isolated workers the files only libcst can parse, and the files big enough
    that their parse could approach `timeout` (`ast` cannot be interrupted in process)."""
    results: list[ParsedFile | None] = []
    isolated: list[int] = []
    for index, job in enumerate(jobs):
        facts = _parse_here(job, timeout)
        results.append(ParsedFile(facts, None) if facts is not None else None)
        if facts is None:
            isolated.append(index)
    if isolated:
        answers = _Pool([jobs[i] for i in isolated], workers=workers, timeout=timeout).run()
        for index, parsed in zip(isolated, answers, strict=True):
            results[index] = parsed
    return [parsed for parsed in results if parsed is not None]


def _parse_here(job: ParseJob, timeout: float) -> FileFacts | None:
    """The file's facts parsed in this process with `ast`; None for a file that must go to a
    worker (newer syntax for libcst, or big enough that its parse could approach `timeout`)."""
    if _size(job) >= timeout * ISOLATE_BYTES_PER_SECOND:
        return None
    try:
        return parse_job(job, libcst_fallback=False)
    except NeedsLibcst:
        return None


def _size(job: ParseJob) -> int:
    """The file's size in bytes; 0 if it cannot be told (its parse then says why)."""
    if job.data is not None:
        return len(job.data)
    try:
        return os.stat(job.path).st_size
    except (OSError, ValueError):
        return 0


# --- The pool ---------------------------------------------------------------------------------


class _Progress:
    """Which file of its chunk a worker is on, and since when: shared memory the worker writes
    before each file, so the main process needs no message per file to time files out or to
    name the file a dead worker was on. Position -1: the chunk is sent but no file started;
    `len(chunk)`: every file is parsed."""

    def __init__(self, context: ForkContext | SpawnContext) -> None:
        self.shared = context.Array("d", 2)

    def set(self, position: int) -> None:
        with self.shared.get_lock():
            self.shared[0], self.shared[1] = position, time.monotonic()

    def get(self) -> tuple[int, float]:
        with self.shared.get_lock():
            return int(self.shared[0]), self.shared[1]


@dataclass(eq=False)
class _Worker:
    """One worker process and the chunk of job indices it is working through, in order."""

    process: BaseProcess
    connection: Connection
    progress: _Progress
    chunk: list[int] = field(default_factory=list)
    alone: bool = False  # running a suspect on its own, to confirm a crash


class _Pool:
    """Long-lived worker processes fed chunks of jobs; see the module docstring.

    `shared`: this process parses chunks too, with `ast`, whenever no answer is waiting, and
    hands the files only a worker may parse (`_parse_here`) to the workers. Only the workers'
    share of the facts is pickled and sent, and a worker that gets little CPU on a busy machine
    gets few chunks, so the run is never much slower than one process."""

    def __init__(
        self, jobs: Sequence[ParseJob], *, workers: int, timeout: float, shared: bool = False
    ) -> None:
        self.jobs = jobs
        self.size = worker_count(workers, len(jobs))
        self.timeout = timeout
        self.shared = shared
        self.context = _process_context()
        self.results: list[ParsedFile | None] = [None] * len(jobs)  # by job index
        self.remaining = len(jobs)
        size = _chunk_size(len(jobs), self.size + shared)
        self.pending = deque(list(range(i, min(i + size, len(jobs)))) for i in range(0, len(jobs), size))
        self.for_workers: deque[list[int]] = deque()  # chunks this process may not parse
        self.workers: list[_Worker] = []
        self.start_failures = 0  # workers in a row that died before their first file

    def run(self) -> list[ParsedFile]:
        """The facts of every job, in job order."""
        try:
            while self.remaining:
                self._hand_out_chunks()
                if self.shared and self.pending:
                    self._parse_chunk_here(self.pending.popleft())
                else:
                    self._wait_for_progress()
        finally:
            # Done: the workers are idle and exit when told. Interrupted (Ctrl-C, WorkerError):
            # they may be busy, and nobody wants their answers.
            self._stop_all(kill=self.remaining > 0)
        return [parsed for parsed in self.results if parsed is not None]

    def _parse_chunk_here(self, chunk: list[int]) -> None:
        """Parse a chunk in this process, taking the workers' answers after each file, so that
        a worker never waits for its next chunk while this process parses."""
        for_workers = []
        for index in chunk:
            facts = _parse_here(self.jobs[index], self.timeout)
            if facts is None:
                for_workers.append(index)
            else:
                self._finish(index, ParsedFile(facts, None))
            self._wait_for_progress(block=False)
        if for_workers:
            self.for_workers.append(for_workers)
            self._hand_out_chunks()

    def _next_chunk(self) -> list[int] | None:
        queue = self.for_workers or self.pending
        return queue.popleft() if queue else None

    def _hand_out_chunks(self) -> None:
        for worker in self.workers:
            if not worker.chunk and (chunk := self._next_chunk()) is not None:
                self._send(worker, chunk)
        while len(self.workers) < self.size and (chunk := self._next_chunk()) is not None:
            self._send(self._start_worker(), chunk)

    def _start_worker(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        progress = _Progress(self.context)
        process = self.context.Process(target=_serve, args=(theirs, progress, os.getpid()), daemon=True)
        with _children_allowed():
            process.start()
        theirs.close()  # so that the worker's death reads as end-of-file here
        worker = _Worker(process, ours, progress)
        self.workers.append(worker)
        return worker

    def _send(self, worker: _Worker, chunk: list[int], *, alone: bool = False) -> None:
        worker.chunk, worker.alone = chunk, alone
        worker.progress.set(_NOT_STARTED)  # the clock starts now, not when the worker gets to it
        # A worker only waits for work when its chunk is done, so this never blocks on a worker
        # that is itself blocked sending results. A worker that died meanwhile shows up as a
        # broken pipe here and as a dead process in `_wait_for_progress`.
        with suppress(OSError):
            worker.connection.send([self.jobs[i] for i in chunk])

    def _wait_for_progress(self, *, block: bool = True) -> None:
        """Sleep until a worker answers or dies, or a file may have run out of time; with
        `block=False`, only take what is there already."""
        from multiprocessing.connection import wait

        busy = [w for w in self.workers if w.chunk]
        clocks = [clock[1] for w in busy if (clock := self._clock(w)) is not None]
        if not block:
            timeout: float | None = 0
        elif any(w.progress.get()[0] == _IMPORTING_LIBCST for w in busy):
            # Its file's clock starts when libcst is loaded, and nothing wakes this process then.
            timeout = _LIBCST_IMPORT_POLL
        elif clocks:
            timeout = min(max(min(clocks) + self.timeout - time.monotonic(), 0), _LONGEST_WAIT)
        else:
            timeout = None
        ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy], timeout=timeout)
        for worker in busy:
            if worker.connection in ready or worker.process.sentinel in ready:
                self._collect(worker)
        for worker in [w for w in busy if w.chunk and w in self.workers]:
            clock = self._clock(worker)
            if clock is not None and time.monotonic() - clock[1] >= self.timeout:
                self._give_up_on_hang(worker, clock[0])

    @staticmethod
    def _clock(worker: _Worker) -> tuple[int, float] | None:
        """The worker's position in its chunk and since when it is there; None once every file
        is parsed: answering is layerguard's own work, not a parser's, and is not timed."""
        position, started = worker.progress.get()
        return None if position >= len(worker.chunk) or position == _IMPORTING_LIBCST else (position, started)

    def _collect(self, worker: _Worker) -> None:
        """Take the chunk's results if the worker sent them; then, if it has died, deal with that."""
        try:
            if worker.connection.poll():
                payload = worker.connection.recv_bytes()
                done, worker.chunk = worker.chunk, []
                self.start_failures = 0
                # Unpickling a chunk's facts takes milliseconds: the worker gets its next chunk
                # first, so that it does not wait for them.
                self._hand_out_chunks()
                for index, (pickled, libcst_seconds) in zip(done, pickle.loads(payload), strict=True):
                    self._finish(index, ParsedFile(pickle.loads(pickled), pickled, libcst_seconds))
        except (EOFError, OSError):
            pass  # died, perhaps in the middle of the message
        if worker.process.is_alive():
            return
        self._retire(worker)
        if worker.chunk:
            self._handle_crash(worker)

    def _handle_crash(self, worker: _Worker) -> None:
        """The file the worker was on is the suspect; the rest of its chunk is parsed again."""
        position, _ = worker.progress.get()
        if position in (_NOT_STARTED, _IMPORTING_LIBCST):
            self._count_start_failure(_death(worker.process))
        if not 0 <= position < len(worker.chunk):  # died before or after parsing: no suspect
            self.pending.appendleft(worker.chunk)
            return
        suspect = worker.chunk.pop(position)
        if worker.chunk:
            self.pending.appendleft(worker.chunk)
        if worker.alone:
            self._finish(
                suspect,
                ParsedFile(
                    _parse_error(self.jobs[suspect], f"parser crashed ({_death(worker.process)})"), None
                ),
            )
        else:
            self._send(self._start_worker(), [suspect], alone=True)

    def _count_start_failure(self, reason: str) -> None:
        """Workers that die before their first file are not the files' fault; when it happens
        again and again, the installation is broken and parsing cannot go on."""
        self.start_failures += 1
        if self.start_failures >= _MAX_START_FAILURES:
            raise WorkerError(f"parser processes stop before parsing anything ({reason})")

    def _give_up_on_hang(self, worker: _Worker, position: int) -> None:
        worker.process.kill()
        self._retire(worker)
        if position == _NOT_STARTED:  # never got to its chunk
            self.pending.appendleft(worker.chunk)
            self._count_start_failure(f"none started within {self.timeout:g} s")
            return
        hung = worker.chunk.pop(position)
        if worker.chunk:
            self.pending.appendleft(worker.chunk)
        self._finish(
            hung,
            ParsedFile(_parse_error(self.jobs[hung], f"parse took longer than {self.timeout:g} s"), None),
        )

    def _finish(self, index: int, parsed: ParsedFile) -> None:
        self.results[index] = parsed
        self.remaining -= 1

    def _retire(self, worker: _Worker) -> None:
        self.workers.remove(worker)
        worker.process.join()
        worker.connection.close()

    def _stop_all(self, *, kill: bool) -> None:
        for worker in self.workers:
            if kill:
                worker.process.kill()
            with suppress(OSError):
                worker.connection.send(None)
        for worker in self.workers:
            worker.process.join(_STOP_GRACE)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self.workers.clear()


def _serve(connection: Connection, progress: _Progress, parent: int) -> None:
    """A worker: parse each chunk it is sent and answer with the chunk's facts, until told to
    stop. Before each file it records which one it is on, for the main process to see."""
    _die_with_parent(parent)
    # Ctrl-C is the main process's to handle (it stops the workers); libcst's panic messages and
    # a dying parser's last words (faulthandler's, if the caller enabled it) would only garble
    # the report on stderr. stdout is not the worker's either: holding it open would keep a
    # reader (`layerguard check | tee`) waiting for as long as the worker lives.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faulthandler.disable()
    # A forked worker inherits the main process's objects: freezing them keeps `parse_job`'s
    # collections from scanning, and so copying, every inherited page. The automatic collector
    # is off: `parse_job` collects each file's cycles itself, and automatic collections
    # triggered while facts are built and pickled only rescan them (prefect, one process:
    # extracting 5.7 s -> 4.2 s, pickling 2.3 s -> 0.4 s).
    gc.freeze()
    gc.disable()
    with suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(null)
    while True:
        try:
            chunk: list[ParseJob] | None = connection.recv()
        except EOFError:  # the main process is gone
            return
        if chunk is None:
            return
        _answer(connection, chunk, _parse_chunk(chunk, progress))


def _parse_chunk(chunk: list[ParseJob], progress: _Progress) -> list[tuple[FileFacts, float]]:
    """Each file's facts, and the seconds libcst took for it (0 for `ast`)."""
    results = []
    for position, job in enumerate(chunk):
        progress.set(position)
        results.append(_parse_or_report(job, partial(_load_libcst, progress, position)))
    progress.set(len(chunk))
    return results


def _answer(connection: Connection, chunk: list[ParseJob], results: list[tuple[FileFacts, float]]) -> None:
    """Each file's facts pickled on their own (the main process keeps those bytes for the cache),
    with the seconds libcst took for it."""
    connection.send(
        [
            (_pickled_or_report(job, facts), seconds)
            for job, (facts, seconds) in zip(chunk, results, strict=True)
        ]
    )


def _pickled_or_report(job: ParseJob, facts: FileFacts) -> bytes:
    """Facts that cannot be pickled are a bug in the extractor: an LG000, not a parser crash."""
    try:
        return _pickle(facts)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        return _pickle(_internal_error(job, error))


def _pickle(facts: FileFacts) -> bytes:
    return pickle_facts(facts)


def _parse_or_report(job: ParseJob, import_libcst: Callable[[], None]) -> tuple[FileFacts, float]:
    """`parse_job` with libcst, plus what only an isolated parser may raise: libcst's Rust panics
    arrive as `pyo3_runtime.PanicException`, a BaseException. libcst is loaded, untimed, when the
    first file that needs it comes. With the facts, the seconds the fallback took (CPU, loading
    libcst included), which the user is told about when they add up (`cli`)."""
    started = None
    try:
        try:
            return parse_job(job, libcst_fallback=False), 0.0
        except NeedsLibcst:
            started = time.process_time()
            import_libcst()
        return parse_job(job), time.process_time() - started
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        spent = time.process_time() - started if started is not None else 0.0
        return _parse_error(job, f"parser crashed ({type(error).__name__}: {error})"), spent


def _die_with_parent(parent: int) -> None:
    """End this worker as soon as the process that started it is gone, however it went (SIGTERM,
    SIGKILL, the OOM killer): nobody would ever ask it to stop. Its pipe cannot tell, since the
    workers forked after it inherit the main process's end; its parent pid can. On Linux the
    kernel kills it at once (PR_SET_PDEATHSIG, even in the middle of a parse); elsewhere a thread
    polls the parent pid, and ends the process at the latest when the current file is parsed."""
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # gone before the request above could take effect
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent,), daemon=True, name="layerguard-parent-watch"
    ).start()


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_INTERVAL)
    os._exit(1)


@contextmanager
def _children_allowed() -> Iterator[None]:
    """Let a daemonic process (a flake8 worker under `flake8 --jobs`, or any
    `multiprocessing.Pool` worker) start parser workers. multiprocessing forbids it because a
    daemonic process's children would be orphaned when it is terminated; parser workers end
    with their parent (`_die_with_parent`), so they cannot be."""
    import multiprocessing

    current = multiprocessing.current_process()
    daemon = current.daemon
    if daemon:
        current.daemon = False
    try:
        yield
    finally:
        if daemon:
            current.daemon = True


def _load_libcst(progress: _Progress, position: int) -> None:
    """Load libcst with the file's clock stopped, then restart the clock: importing it and its
    first parse, which loads the rest of it, take 0.3-0.6 s, and a busy machine must not make a
    file time out in one run and not in another."""
    if not _warm_libcst.cache_info().currsize:
        progress.set(_IMPORTING_LIBCST)
        _warm_libcst()
    progress.set(position)


@cache
def _warm_libcst() -> None:
    from layerguard.facts.cst_to_ast import parse_with_libcst

    parse_with_libcst("pass\n")


# --- Helpers ------------------------------------------------------------------------------------


def _process_context() -> ForkContext | SpawnContext:
    """fork where it is safe and cheap (Linux, no other thread that a fork could catch holding a
    lock); spawn elsewhere."""
    import multiprocessing

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _chunk_size(files: int, workers: int) -> int:
    """About four chunks per worker, at most `MAX_CHUNK` files each."""
    return max(1, min(MAX_CHUNK, -(-files // (workers * 4))))


@contextmanager
def _fixed_recursion_budget() -> Iterator[None]:
    """Allow `RECURSION_BUDGET` more frames than the current depth, whatever that depth is."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(_frame_depth() + RECURSION_BUDGET)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def _frame_depth() -> int:
    depth, frame = 0, sys._getframe()
    while frame.f_back is not None:
        depth, frame = depth + 1, frame.f_back
    return depth


def _death(process: BaseProcess) -> str:
    """How a worker died: "signal 11, SIGSEGV" or "exit code 3"."""
    code = process.exitcode
    if code is not None and code < 0:
        try:
            return f"signal {-code}, {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _parse_error(job: ParseJob, reason: str) -> FileFacts:
    return unparsable_facts(job.path, job.module, job.is_package, UnparsableFile(reason))


def _internal_error(job: ParseJob, error: Exception) -> FileFacts:
    """An LG000 in the place of the file's facts: the run goes on and exits 2 (SPEC §2)."""
    facts = FileFacts(path=job.path, module=job.module, is_package=job.is_package)
    where = traceback.extract_tb(error.__traceback__)[-1]
    message = (
        f"Internal error while reading this file's facts: {type(error).__name__}: {error} "
        f"at {Path(where.filename).name}:{where.lineno}; please report it to layerguard's issue tracker"
    )
    finding = make_finding(INTERNAL_ERROR, facts, Span(1, 0, 1, 0), message)
    return FileFacts(
        path=job.path, module=job.module, is_package=job.is_package, parse_error=finding, reproducible=False
    )
