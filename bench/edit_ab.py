"""The CLI's edit path, two installations interleaved: a warm run and a run after one file changed.

    python bench/edit_ab.py /tmp/layerguard-bench/prefect-3.9.1 prefect/server/api/flows.py \
        --rounds 5 [--edit code] /tmp/venv-old/bin/python /tmp/venv-new/bin/python

Each round, for each interpreter (its own layerguard installed, from a wheel: an editable
install's import hooks add ~0.08 s): one run to warm the cache, a timed warm run, the file
edited, a timed run, the file restored and the cache warmed again. Every run is a whole
`layerguard check --format concise` process in the project root. Prints the medians, the ratio
the issue states its target in (one file changed / warm) and the load average.

`--edit comment` (the default) appends a comment, which changes no fact of the file;
`--edit code` appends a statement (`edited_N = N`), which does: the rules must run again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path


def timed(python: str, root: Path) -> float:
    started = time.perf_counter()
    command = [python, "-m", "layerguard", "check", "--format", "concise"]
    subprocess.run(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("file", help="the file to change, relative to root")
    parser.add_argument("pythons", nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--edit", choices=["comment", "code"], default="comment")
    args = parser.parse_args()
    target = args.root / args.file
    original = target.read_bytes()
    warm: dict[str, list[float]] = {python: [] for python in args.pythons}
    edited: dict[str, list[float]] = {python: [] for python in args.pythons}
    print(f"load average at start: {os.getloadavg()}")
    try:
        for number in range(args.rounds):
            for python in args.pythons:
                timed(python, args.root)
                warm[python].append(timed(python, args.root))
                edit = (
                    f"\n# edited {number}\n" if args.edit == "comment" else f"\nedited_{number} = {number}\n"
                )
                target.write_bytes(original + edit.encode())
                edited[python].append(timed(python, args.root))
                target.write_bytes(original)
                timed(python, args.root)
    finally:
        target.write_bytes(original)
    print(f"load average at end: {os.getloadavg()}; edit: {args.edit}")
    print("| python | warm | one file changed (min–max) | ratio |\n|---|---|---|---|")
    for python in args.pythons:
        w, e = statistics.median(warm[python]), statistics.median(edited[python])
        spread = f"{min(edited[python]):.2f}–{max(edited[python]):.2f}"
        print(f"| {python} | {w:.2f} s | {e:.2f} s ({spread}) | {e / w:.1f}× |")


if __name__ == "__main__":
    main()
