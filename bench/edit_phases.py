"""Where the CLI's edit path goes, in process: one `layerguard check --format concise` after a
code edit, its phases timed in CPU seconds, medians over `--edits` edits.

    python bench/edit_phases.py /tmp/layerguard-bench/prefect-3.9.1 prefect/server/api/flows.py --edits 5

Run it with the installation to measure, in a project whose cache is warm (one `layerguard
check` first). Each edit appends a statement no earlier edit made (`edited_<pid>_N = N`): the
edited file's facts change, so no recorded run is reused and the rules run. The file is
restored at the end. Phases nest: the rules' row includes the file findings' and the project
rules'; `api.check` less `Workspace.check` is mostly freeing the facts.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from layerguard import api, cli, engine, incremental
from layerguard.checks import ALL_RULES, ProjectRule
from layerguard.facts import cache

spent: dict[str, float] = {}


def timed(owner: object, name: str, label: str, *, consume: bool = False) -> None:
    """Charge the CPU time of `owner.name` to `label` (`consume`: it returns an iterator, run it)."""
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        started = time.process_time()
        try:
            result = original(*args, **kwargs)
            return list(result) if consume else result
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - started

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("file", help="the file to edit, relative to root")
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    # The CLI's check: `api.check` until issue 16's seventh pass, then `cli._checked` (which, in a
    # process that goes on as this one, frees the Workspace as `api.check` does).
    if hasattr(cli, "_checked"):
        timed(cli, "_checked", "api.check (Workspace.check, then the facts freed)")
    else:
        timed(api, "check", "api.check (Workspace.check, then the facts freed)")
    timed(engine.Workspace, "check", "Workspace.check")
    timed(engine.Workspace, "_parse_jobs", "discovery, read and hash")
    timed(cache.FactsCache, "_read", "cache files read and verified")
    timed(cache, "_unpickled", "unpickling (facts, file findings)")
    timed(engine, "_parse_files", "parse the edited file")
    timed(engine.Workspace, "_run", "rules (file rules, project rules, suppression, sort)")
    timed(engine.FileFindingsMemo, "findings", "file findings reused (unpickled, lookups replayed)")
    for rule in ALL_RULES:
        if isinstance(rule, ProjectRule):
            timed(rule, "check_project", f"project rule {rule.meta.code}", consume=True)
    timed(cache.FactsCache, "record_findings", "run recorded")
    # The stored project parts (issue 16, fifth pass): absent from older versions.
    if hasattr(cache.FactsCache, "project_parts"):
        timed(cache.FactsCache, "project_parts", "project parts read (verified, unpickled)")
        timed(cache.FactsCache, "store_project_parts", "project parts written")
        timed(incremental.FileMemo, "resume", "project parts resumed (what the edit invalidates)")
        timed(incremental.FileMemo, "stored_state", "project parts pickled")
        timed(incremental.FileMemo, "_stored_results", "project parts unpickled (file by file)")
    root = args.root.resolve()
    os.chdir(root)
    target = root / args.file
    original = target.read_bytes()
    rows: list[dict[str, float]] = []
    try:
        for number in range(args.edits):
            target.write_bytes(original + f"\nedited_{os.getpid()}_{number} = {number}\n".encode())
            spent.clear()
            started = time.process_time()
            with contextlib.redirect_stdout(io.StringIO()):
                cli.run(["check", "--format", "concise"])
            spent["whole check command (in process)"] = time.process_time() - started
            rows.append(dict(spent))
    finally:
        target.write_bytes(original)
    medians = {label: statistics.median(row.get(label, 0.0) for row in rows) for label in rows[-1]}
    for label, seconds in sorted(medians.items(), key=lambda item: -item[1]):
        print(f"| {label} | {seconds:.3f} s |")


if __name__ == "__main__":
    main()
