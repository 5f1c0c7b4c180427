"""The CLI's edit path, two installations interleaved: a warm run and a run after one file changed.

    python bench/edit_ab.py /tmp/layerguard-bench/prefect-3.9.1 prefect/server/api/flows.py \
        --rounds 5 [--edit code] /tmp/venv-old/bin/python /tmp/venv-new/bin/python

Each interpreter (its own layerguard installed, from a wheel: an editable install's import
hooks add ~0.08 s) works in its own copy of the project, made beside it and removed at the
end: with one shared copy, each one's cache would serve the other (the edited file's facts
parsed by one, the run recorded by the other). Each round, for each interpreter: one run to
warm the cache, a timed warm run, the file edited, a timed run, the file restored and the
cache warmed again. Every run is a whole `layerguard check --format concise` process in its
copy's root, timed in wall seconds and in CPU seconds (user + system of the process, from
`wait4`): on a shared machine the CPU time is the firmer number. Prints the medians, the
ratio the issue states its target in (one file changed / warm) and the load average.

`--edit comment` (the default) appends a comment, which changes no fact of the file;
`--edit code` appends a statement (`edited_N = N`), which does: the rules must run again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path


def timed(python: str, root: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `layerguard check` process in `root`."""
    started = time.perf_counter()
    command = [python, "-m", "layerguard", "check", "--format", "concise"]
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped by `wait4`: Popen must not wait for it again
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def median_row(python: str, warm: list[tuple[float, float]], edited: list[tuple[float, float]]) -> str:
    w, e = statistics.median(t for t, _ in warm), statistics.median(t for t, _ in edited)
    wc, ec = statistics.median(c for _, c in warm), statistics.median(c for _, c in edited)
    spread = f"{min(t for t, _ in edited):.2f}–{max(t for t, _ in edited):.2f}"
    cpu = f"{wc:.2f} s | {ec:.2f} s | {ec / wc:.1f}×"
    return f"| {python} | {w:.2f} s | {e:.2f} s ({spread}) | {e / w:.1f}× | {cpu} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("file", help="the file to change, relative to root")
    parser.add_argument("pythons", nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--edit", choices=["comment", "code"], default="comment")
    args = parser.parse_args()
    root: Path = args.root.resolve()
    copies: dict[str, Path] = {}
    warm: dict[str, list[tuple[float, float]]] = {python: [] for python in args.pythons}
    edited: dict[str, list[tuple[float, float]]] = {python: [] for python in args.pythons}
    try:
        for python in args.pythons:
            copy = Path(tempfile.mkdtemp(prefix=f"{root.name}-ab-", dir=root.parent)) / root.name
            shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".layerguard_cache"))
            copies[python] = copy
        original = (root / args.file).read_bytes()
        print(f"load average at start: {os.getloadavg()}")
        for number in range(args.rounds):
            for python in args.pythons:
                copy, target = copies[python], copies[python] / args.file
                timed(python, copy)
                warm[python].append(timed(python, copy))
                edit = (
                    f"\n# edited {number}\n" if args.edit == "comment" else f"\nedited_{number} = {number}\n"
                )
                target.write_bytes(original + edit.encode())
                edited[python].append(timed(python, copy))
                target.write_bytes(original)
                timed(python, copy)
    finally:
        for copy in copies.values():
            shutil.rmtree(copy.parent, ignore_errors=True)
    print(f"load average at end: {os.getloadavg()}; edit: {args.edit}; {args.rounds} rounds; medians")
    print("| python | warm | one file changed (min–max) | ratio | warm CPU | changed CPU | CPU ratio |")
    print("|---|---|---|---|---|---|---|")
    for python in args.pythons:
        print(median_row(python, warm[python], edited[python]))


if __name__ == "__main__":
    main()
