"""Benchmark layerguard against the `ast` floor, ruff and import-linter on real FastAPI apps.

    python bench/run.py                 # 3 rounds, prefect + lnbits + dstack + a 10,000-file tree
    python bench/run.py --rounds 5 --no-scale
    python bench/run.py --rounds 5 --no-scale --apps dstack

Downloads pinned wheels from PyPI (`pip download`) into a work folder outside the repository,
unpacks them, writes equivalent layer contracts for layerguard and import-linter, then times
every tool in the same run as whole processes (interpreter start and imports included), several
rounds, and prints a markdown table of medians and ratios. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

RUFF_RULES = "FAST,UP007,UP045,S608,ASYNC,ANN"
COLD = "layerguard cold, --no-cache"
WARM = "layerguard warm"
LINT_WARM = "lint-imports warm"
AST_FLOOR_NAME = "ast floor: parse + one NodeVisitor pass"
LAYER_ORDER = ("endpoint", "service", "repository", "schema")


@dataclass(frozen=True)
class App:
    """A pinned FastAPI application and the layers its code is organised in."""

    name: str
    version: str
    package: str
    layers: dict[str, str]  # layer -> package; each may import the layers below it
    changed_file: str  # edited for the one-file-changed measurement


APPS = (
    App(
        "prefect",
        "3.9.1",
        "prefect",
        {
            "endpoint": "prefect.server.api",
            "service": "prefect.server.models",
            "repository": "prefect.server.database",
            "schema": "prefect.server.schemas",
        },
        "prefect/server/api/flows.py",
    ),
    App(
        "lnbits",
        "1.6.2",
        "lnbits",
        {
            "endpoint": "lnbits.core.views",
            "service": "lnbits.core.services",
            "repository": "lnbits.core.crud",
            "schema": "lnbits.core.models",
        },
        "lnbits/core/views/payment_api.py",
    ),
    App(  # about the size of the apps issue 16 measured (619 and 658 files)
        "dstack",
        "0.22.5",
        "dstack",
        {
            "endpoint": "dstack._internal.server.routers",
            "service": "dstack._internal.server.services",
            "repository": "dstack._internal.server.db",
            "schema": "dstack._internal.server.schemas",
        },
        "dstack/_internal/server/routers/runs.py",
    ),
)


@dataclass
class Sample:
    """One measured command: wall seconds, CPU seconds (user + system, its waited-for children
    included) and peak RSS (KiB) per round, and failed rounds."""

    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def peak_rss_mib(self) -> float:
        return max(self.rss_kib) / 1024


# --- fetching and preparing projects ------------------------------------------------------


def fetch(app: App, work: Path) -> Path:
    """The unpacked wheel of `app` under `work`, downloaded once and reused."""
    target = work / f"{app.name}-{app.version}"
    if (target / app.package).is_dir():
        return target
    download = work / "wheels"
    download.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
         "--quiet", "-d", str(download), f"{app.name}=={app.version}"],
        check=True,
    )  # fmt: skip
    [wheel] = download.glob(f"{app.name}-{app.version}-*.whl")
    unpacking = Path(tempfile.mkdtemp(dir=work))
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacking)
    unpacking.rename(target)
    return target


def layerguard_toml(layers: dict[str, str]) -> str:
    """preset none with the preset's layer names, so every layer-bound rule runs too."""
    lines = ['preset = "none"', "wiring = []", "exclude = []", "respect-gitignore = false"]
    for index, name in enumerate(LAYER_ORDER):
        pattern = layers[name]
        lines += [
            f"[layers.{name}]",
            f'modules = ["{pattern}", "{pattern}.**"]',
            "may-import = [" + ", ".join(f'"{lower}"' for lower in LAYER_ORDER[index + 1 :]) + "]",
        ]
    return "\n".join(lines) + "\n"


def importlinter_ini(package: str, layers: dict[str, str]) -> str:
    """The same table as `forbidden` contracts on direct imports: each layer may not import a
    higher one (what LG101 checks; LG102 has nothing to add when every lower layer is allowed)."""
    sections = [f"[importlinter]\nroot_package = {package}\n"]
    for index, name in enumerate(LAYER_ORDER[1:], start=1):
        higher = [layers[above] for above in LAYER_ORDER[:index]]
        sections.append(
            f"[importlinter:contract:{name}]\nname = {name} imports no higher layer\ntype = forbidden\n"
            f"source_modules = {layers[name]}\nforbidden_modules =\n    "
            + "\n    ".join(higher)
            + "\nallow_indirect_imports = True\n"
        )
    return "\n".join(sections)


def prepare(app: App, work: Path) -> Path:
    root = fetch(app, work)
    (root / "layerguard.toml").write_text(layerguard_toml(app.layers))
    (root / ".importlinter").write_text(importlinter_ini(app.package, app.layers))
    return root


def scale_tree(app: App, source: Path, work: Path, copies: int) -> tuple[Path, App]:
    """`copies` copies of the app's package under different top-level names, imports renamed."""
    root = work / f"{app.name}-x{copies}"
    wildcard = {name: "*" + pattern[len(app.package) :] for name, pattern in app.layers.items()}
    scaled = App(
        app.name,
        app.version,
        f"{app.package}0",
        wildcard,
        f"{app.package}0/" + app.changed_file.split("/", 1)[1],
    )
    if not (root / f"{app.package}{copies - 1}").is_dir():
        shutil.rmtree(root, ignore_errors=True)
        word = re.compile(rb"\b" + re.escape(app.package.encode()) + rb"\b")
        for number in range(copies):
            for path in (source / app.package).rglob("*.py"):
                relative = path.relative_to(source / app.package)
                target = root / f"{app.package}{number}" / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(word.sub(f"{app.package}{number}".encode(), path.read_bytes()))
    (root / "layerguard.toml").write_text(layerguard_toml(wildcard))
    return root, scaled


def cache_files(root: Path) -> list[tuple[str, int]]:
    return sorted((p.name, p.stat().st_mtime_ns) for p in (root / ".layerguard_cache").glob("facts-*"))


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if ".layerguard_cache" not in p.parts)


# --- measuring ------------------------------------------------------------------------------


def run_once(command: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall time, CPU time and peak RSS (KiB) of one process, its waited-for children included
    (Linux's `wait4` counts the children the process reaped, such as parser workers)."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in (0, 1):  # 1: findings
            stderr.seek(0)
            message = stderr.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(command)} exited {process.returncode}: {message}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def measure(
    rounds: int,
    command: Sequence[str],
    cwd: Path,
    env: dict[str, str],
    before: Callable[[int], None] = lambda round_: None,
    after: Callable[[int], None] = lambda round_: None,
) -> Sample:
    """`rounds` timed runs; `before`/`after` prepare each one outside the timing."""
    sample = Sample()
    for round_ in range(rounds):
        before(round_)
        try:
            seconds, cpu, rss = run_once(command, cwd, env)
        except RuntimeError as error:  # reported under the table; the other rounds still count
            sample.failures.append(str(error))
            continue
        finally:
            after(round_)
        sample.seconds.append(seconds)
        sample.cpu.append(cpu)
        sample.rss_kib.append(rss)
    return sample


AST_FLOOR = """
import ast, sys
class Visit(ast.NodeVisitor):
    nodes = 0
    def generic_visit(self, node):
        Visit.nodes += 1
        super().generic_visit(node)
failed = 0
for name in open(sys.argv[1]).read().splitlines():
    with open(name, "rb") as f:
        data = f.read()
    try:
        Visit().visit(ast.parse(data, name))
    except (SyntaxError, RecursionError, ValueError):
        failed += 1
print(Visit.nodes, failed)
"""


def tool(name: str) -> str:
    """A console script from this Python's own bin folder (a pyenv shim would add ~0.2 s)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed: pip install -e '.[test]'")
    return found


@dataclass
class Results:
    files: int
    lines: int
    samples: dict[str, Sample] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def bench_layerguard(root: Path, app: App, rounds: int, env: dict[str, str], results: Results) -> None:
    check = [sys.executable, "-m", "layerguard", "check", "--format", "concise", "--verbose"]
    cache = root / ".layerguard_cache"
    clear = lambda round_: shutil.rmtree(cache, ignore_errors=True)  # noqa: E731
    results.samples[COLD] = measure(rounds, [*check, "--no-cache"], root, env, clear)
    # The default `--jobs` must never be slower than one process (issue 16).
    for jobs in (1, 2):
        results.samples[f"{COLD}, --jobs {jobs}"] = measure(
            rounds, [*check, "--no-cache", "--jobs", str(jobs)], root, env, clear
        )
    results.samples["layerguard cold, cache cleared"] = measure(rounds, check, root, env, clear)
    run_once(check, root, env)
    before = cache_files(root)
    results.samples[WARM] = measure(rounds, check, root, env)
    if cache_files(root) != before:
        results.warnings.append(f"{root.name}: the cache was rewritten during the warm rounds")
    changed = root / app.changed_file
    original = changed.read_bytes()

    def edit(round_: int) -> None:
        changed.write_bytes(original + f"\n# bench edit {round_} {time.time()}\n".encode())

    def restore(round_: int) -> None:
        changed.write_bytes(original)
        with contextlib.suppress(RuntimeError):
            run_once(check, root, env)  # warm again for the next round

    results.samples["layerguard one file changed"] = measure(rounds, check, root, env, edit, restore)
    if {name for name, _ in cache_files(root)} != {name for name, _ in before}:
        results.warnings.append(f"{root.name}: the cache key changed during the one-file-changed rounds")


def bench_peers(root: Path, app: App, rounds: int, env: dict[str, str], results: Results) -> None:
    ruff = [tool("ruff"), "check", "--isolated", "--select", RUFF_RULES, "--target-version", "py310",
            "--output-format", "concise", "--cache-dir", str(root / ".ruff_cache"), app.package]  # fmt: skip
    results.samples["ruff cold (--no-cache)"] = measure(rounds, [*ruff, "--no-cache"], root, env)
    run_once(ruff, root, env)
    results.samples["ruff warm"] = measure(rounds, ruff, root, env)
    lint_imports = [tool("lint-imports")]
    linter_env = {**env, "PYTHONPATH": str(root)}
    results.samples["lint-imports cold (--no-cache)"] = measure(
        rounds, [*lint_imports, "--no-cache"], root, linter_env
    )
    run_once(lint_imports, root, linter_env)
    results.samples[LINT_WARM] = measure(rounds, lint_imports, root, linter_env)


def bench_ast_floor(root: Path, package: str, rounds: int, env: dict[str, str], results: Results) -> None:
    listing = root.parent / f"{root.name}.files"
    listing.write_text("\n".join(str(p) for p in python_files(root / package)))
    command = [sys.executable, "-c", AST_FLOOR, str(listing)]
    results.samples[AST_FLOOR_NAME] = measure(rounds, command, root, env)


def project_results(root: Path, packages: Sequence[str]) -> Results:
    files = [p for package in packages for p in python_files(root / package)]
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    return Results(len(files), lines)


# --- reporting ------------------------------------------------------------------------------


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )  # fmt: skip
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores (nproc), {cpu}, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.release()}; "
        f"load average {load}"
    )


def seconds(sample: Sample | None) -> str:
    if sample is None:
        return "—"
    if not sample.seconds:
        return "failed"
    failed = f" ({len(sample.failures)} of {len(sample.failures) + len(sample.seconds)} failed)"
    return f"{sample.median:.2f} s" + (failed if sample.failures else "")


def table(columns: dict[str, Results], rounds: int) -> str:
    names = list(columns)
    header = [f"measurement (median of {rounds}, whole process)"] + [
        f"{name} ({r.files:,} files, {r.lines // 1000:,}k lines)" for name, r in columns.items()
    ]
    rows = [header, ["---"] * len(header)]
    measurements = list(dict.fromkeys(m for r in columns.values() for m in r.samples))
    for measurement in measurements:
        rows.append([measurement] + [seconds(columns[n].samples.get(measurement)) for n in names])
    rows.append(["peak RSS, layerguard cold / warm"] + [rss(columns[n]) for n in names])
    rows.append(
        ["**cold / ast floor** (target ≤ 2)"] + [ratio(columns[n], COLD, AST_FLOOR_NAME) for n in names]
    )
    rows.append(["CPU: ast floor"] + [cpu_seconds(columns[n].samples.get(AST_FLOOR_NAME)) for n in names])
    for measurement in (COLD, f"{COLD}, --jobs 1", f"{COLD}, --jobs 2"):
        cpu = [cpu_seconds(columns[n].samples.get(measurement)) for n in names]
        rows.append([f"CPU: {measurement}", *cpu])
    rows.append(
        ["**cold CPU / ast floor CPU** (target ≤ 2)"]
        + [cpu_ratio(columns[n], COLD, AST_FLOOR_NAME) for n in names]
    )
    rows.append(
        ["**warm / lint-imports warm** (target ≤ 2)"] + [ratio(columns[n], WARM, LINT_WARM) for n in names]
    )
    rows.append(["cold, ms per file"] + [per_file(columns[n], COLD) for n in names])
    rows.append(["warm, ms per file"] + [per_file(columns[n], WARM) for n in names])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def cpu_seconds(sample: Sample | None) -> str:
    return f"{sample.cpu_median:.2f} s" if sample and sample.cpu else "—"


def cpu_ratio(results: Results, top: str, bottom: str) -> str:
    a, b = results.samples.get(top), results.samples.get(bottom)
    return f"**{a.cpu_median / b.cpu_median:.2f}×**" if a and b and a.cpu and b.cpu else "—"


def rss(results: Results) -> str:
    cold = results.samples.get(COLD)
    warm = results.samples.get(WARM)
    if not cold or not warm or not cold.rss_kib or not warm.rss_kib:
        return "—"
    return f"{cold.peak_rss_mib:.0f} / {warm.peak_rss_mib:.0f} MiB"


def ratio(results: Results, top: str, bottom: str) -> str:
    a, b = results.samples.get(top), results.samples.get(bottom)
    return f"**{a.median / b.median:.2f}×**" if a and b and a.seconds and b.seconds else "—"


def per_file(results: Results, name: str) -> str:
    sample = results.samples.get(name)
    return f"{1000 * sample.median / results.files:.2f}" if sample and sample.seconds else "—"


# --- main -----------------------------------------------------------------------------------


def snapshot_layerguard(work: Path, env: dict[str, str]) -> dict[str, str]:
    """Run a copy of the layerguard being measured: the cache key covers the fact extractor's
    source, so an edit to the working tree mid-run would turn warm rounds into cold ones."""
    spec = importlib.util.find_spec("layerguard")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("layerguard is not importable: pip install -e .")
    source = Path(next(iter(spec.submodule_search_locations)))
    target = work / "layerguard-snapshot"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target / "layerguard", ignore=shutil.ignore_patterns("__pycache__"))
    return {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(target), env.get("PYTHONPATH")]))}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed runs per measurement (median)")
    parser.add_argument("--scale-copies", type=int, default=12, help="copies of prefect in the scale tree")
    parser.add_argument("--no-scale", action="store_true", help="skip the ≥10,000-file tree")
    parser.add_argument(
        "--apps", nargs="+", choices=[app.name for app in APPS], default=[app.name for app in APPS],
        help="which apps to measure (default: all)",
    )  # fmt: skip
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "layerguard-bench",
        help="where wheels are downloaded and unpacked (outside the repository)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    args.work.mkdir(parents=True, exist_ok=True)
    env = snapshot_layerguard(args.work, env)
    print(f"machine: {machine()}", flush=True)
    columns: dict[str, Results] = {}
    for app in (app for app in APPS if app.name in args.apps):
        root = prepare(app, args.work)
        results = project_results(root, [app.package])
        print(f"{app.name} {app.version}: {results.files} files", flush=True)
        bench_ast_floor(root, app.package, args.rounds, env, results)
        bench_layerguard(root, app, args.rounds, env, results)
        bench_peers(root, app, args.rounds, env, results)
        columns[f"{app.name} {app.version}"] = results
        if app.name == "prefect" and not args.no_scale:
            scaled_root, scaled = scale_tree(app, root, args.work, args.scale_copies)
            packages = [f"{app.package}{n}" for n in range(args.scale_copies)]
            scale = project_results(scaled_root, packages)
            print(f"scale tree: {scale.files} files", flush=True)
            bench_layerguard(scaled_root, scaled, args.rounds, env, scale)
            columns[f"prefect ×{args.scale_copies}"] = scale
    print()
    print(f"Machine: {machine()}")
    print(f"Command: python bench/run.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    print()
    print(table(columns, args.rounds))
    for warning in (w for r in columns.values() for w in r.warnings):
        print(f"WARNING: {warning}")
    for name, results in columns.items():
        for measurement, sample in results.samples.items():
            for failure in sample.failures:
                print(f"FAILED ROUND ({name}, {measurement}): {failure}")
    rss_note = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    print(f"\nLargest child process of the whole run: {rss_note} MiB peak RSS.")


if __name__ == "__main__":
    main()
