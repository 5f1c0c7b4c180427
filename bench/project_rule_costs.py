"""What each project rule costs on a real app, in process: CPU seconds per rule, medians over
`--rounds` fresh loads of the project.

    python bench/project_rule_costs.py /tmp/layerguard-bench/prefect-3.9.1
    python bench/project_rule_costs.py /tmp/layerguard-bench/prefect-3.9.1 --rounds 7 --only LG101 LG103

Run it with the installation to measure (compare two versions by running it from each venv),
in a project with a `[tool.layerguard]` section (`layerguard init --write` first) and a warm
cache. Each round loads the project afresh (not timed) and runs the selected project rules in
the engine's order, so a rule's row includes the shared tables (layer map, import edges,
symbols) it is the first to build: that is what it adds to a run. `--only` runs just those
rules, so the first of them pays for the tables; the "all" row is the sum.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from layerguard import api
from layerguard.checks import ALL_RULES, ProjectRule
from layerguard.config import is_rule_enabled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", nargs="+", metavar="CODE", help="run only these project rules")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    known = {rule.meta.code for rule in ALL_RULES if isinstance(rule, ProjectRule)}
    unknown = sorted(set(args.only or ()) - known)
    if unknown:
        parser.error(f"not project rules: {', '.join(unknown)} (project rules: {', '.join(sorted(known))})")
    root = args.root.resolve()
    config = api.load_config([root])
    rules = [
        rule
        for rule in ALL_RULES
        if isinstance(rule, ProjectRule)
        and (args.only is None or rule.meta.code in args.only)
        and is_rule_enabled(config, rule.meta)
    ]
    spent: dict[str, list[float]] = {rule.meta.code: [] for rule in rules}
    findings: dict[str, int] = {}
    for _ in range(args.rounds):
        project = api.load_project(config, [root])
        for rule in rules:
            started = time.process_time()
            found = list(rule.check_project(project))
            spent[rule.meta.code].append(time.process_time() - started)
            findings[rule.meta.code] = len(found)
    print(f"{root.name}: {len(project.files)} files, {args.rounds} rounds, CPU medians")
    print(f"{'rule':<8}{'ms':>9}{'findings':>10}")
    for code, times in spent.items():
        print(f"{code:<8}{statistics.median(times) * 1000:>9.1f}{findings[code]:>10}")
    total = [sum(times[i] for times in spent.values()) for i in range(args.rounds)]
    print(f"{'all':<8}{statistics.median(total) * 1000:>9.1f}")


if __name__ == "__main__":
    main()
