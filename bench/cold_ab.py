"""Cold runs of two layerguard installations, interleaved, next to the `ast` floor.

    python bench/cold_ab.py OLD_PYTHON NEW_PYTHON PROJECT_ROOT [--rounds 7]

Each interpreter has its own layerguard installed (one venv per revision). Every round runs
each command once, in turn: the `ast` floor over the project's files (the ones layerguard
checks, listed by NEW_PYTHON's layerguard), then `layerguard check --no-cache --format concise`
with each interpreter and the default `--jobs`, `--jobs 1` and `--jobs 2`. On a shared machine
whose load drifts over minutes, interleaving keeps old and new under the same load, which two
separate `bench/run.py` runs cannot. Prints a markdown table of medians: wall time, CPU time
(user + system, parser workers included: `wait4` counts the children a process reaped) and
both against the floor's. See bench/README.md, "Cold runs".
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import AST_FLOOR  # the same floor as bench/run.py

LIST_FILES = """
import sys
from pathlib import Path
from layerguard.api import load_config
from layerguard.engine import Workspace
root = Path.cwd()
_, jobs = Workspace(load_config([root]))._parse_jobs([root])
print("\\n".join(str(job.path) for job in jobs))
"""


def run_once(command: Sequence[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one process, its reaped children included."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old_python")
    parser.add_argument("new_python")
    parser.add_argument("root", type=Path, help="a project layerguard is configured for")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    listing = subprocess.run(
        [args.new_python, "-c", LIST_FILES], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".files", delete=False) as files:
        files.write(listing)
    commands = {"ast floor": [args.new_python, "-c", AST_FLOOR, files.name]}
    for name, python in (("old", args.old_python), ("new", args.new_python)):
        check = [python, "-m", "layerguard", "check", "--no-cache", "--format", "concise"]
        commands[f"{name} default"] = check
        commands[f"{name} --jobs 1"] = [*check, "--jobs", "1"]
        commands[f"{name} --jobs 2"] = [*check, "--jobs", "2"]
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    loads = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for name, command in commands.items():
            samples[name].append(run_once(command, root))
        loads.append(os.getloadavg()[0])
    os.unlink(files.name)
    floor_wall = statistics.median(wall for wall, _ in samples["ast floor"])
    floor_cpu = statistics.median(cpu for _, cpu in samples["ast floor"])
    print(f"{root.name}: {len(listing.split())} files, {args.rounds} rounds, "
          f"{os.cpu_count()} cores, load average (1 min) {min(loads):.1f}-{max(loads):.1f}")  # fmt: skip
    print("| command | wall median (min-max) | CPU median | wall / floor | CPU / floor |")
    print("| --- | --- | --- | --- | --- |")
    for name, runs in samples.items():
        walls, cpus = [wall for wall, _ in runs], [cpu for _, cpu in runs]
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        print(
            f"| {name} | {wall:.2f} s ({min(walls):.2f}-{max(walls):.2f}) | {cpu:.2f} s "
            f"| {wall / floor_wall:.2f}x | {cpu / floor_cpu:.2f}x |"
        )


if __name__ == "__main__":
    main()
