"""A line of progress on a terminal's stderr when a run takes long (`cd / && layerguard check`
must not look hung), erased when the run ends. Nothing when stderr is not a terminal, so logs,
pipes and CI output stay exactly the report."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

# Seconds before the first line: a normal run ends well before it and shows nothing.
# `LAYERGUARD_PROGRESS_DELAY` changes it (the tests use it to see the line without a slow run).
DEFAULT_DELAY = 2.0
INTERVAL = 0.5


@contextmanager
def progress_on_terminal(stream: TextIO, what: str) -> Iterator[None]:
    """While the block runs, after the delay, `layerguard: checking WHAT … 3 s` on `stream`
    (updated in place) when it is a terminal; the line is erased at the end."""
    if not _is_terminal(stream):
        yield
        return
    done = threading.Event()
    shown = threading.Event()
    started = time.monotonic()

    def show() -> None:
        if done.wait(_delay()):
            return
        while not done.is_set():
            elapsed = int(time.monotonic() - started)
            _write(stream, f"\rlayerguard: checking {what} … {elapsed} s (Ctrl-C stops)\x1b[K")
            shown.set()
            done.wait(INTERVAL)

    thread = threading.Thread(target=show, name="layerguard-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        if shown.is_set():
            _write(stream, "\r\x1b[K")


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def _delay() -> float:
    try:
        return max(0.0, float(os.environ.get("LAYERGUARD_PROGRESS_DELAY", DEFAULT_DELAY)))
    except ValueError:
        return DEFAULT_DELAY


def _write(stream: TextIO, text: str) -> None:
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):  # the terminal went away: progress is not worth an error
        pass
