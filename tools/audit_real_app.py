"""Run layerguard on a published app as a new user would; print a sample of layer findings to audit.

Usage: python tools/audit_real_app.py NAME==VERSION [--seed N] [--sample 25] [--workdir DIR] [--python PY]
       [--json-out FILE]. Downloads the pinned wheel (cached in --workdir), unpacks a fresh copy, runs
`PY -m layerguard init --write` and `check --format json` there, and prints the written section, counts
per code, modules per layer and a seeded, numbered sample of LG101-LG103 (all LG804) with their source.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

SAMPLED = ("LG101", "LG102", "LG103")
ALL_OF = ("LG804",)
CONTEXT = 4
PIP_DOWNLOAD = ("-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-d")

# Runs inside PY: the module -> layer map of the written config, by layerguard's own code.
LAYER_SCRIPT = """
import json, sys
from pathlib import Path
from layerguard import api
root = Path(sys.argv[1])
config = api.load_config([root])
view = api.load_project(config, [root])
wiring = lambda module: "(wiring)" if view.layers.is_wiring(module) else "(unlayered)"
out = {f.module: view.layers.layer_of(f.module) or wiring(f.module) for f in view.files}
print(json.dumps({"order": [layer.name for layer in config.layers], "modules": out}))
"""


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command in `cwd`, capturing text output."""
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def fetch(requirement: str, workdir: Path) -> Path:
    """The wheel for `requirement`, downloaded once into workdir/cache."""
    name, version = requirement.split("==")
    cache = workdir / "cache"
    prefix = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}-"
    if not (found := [w for w in cache.glob("*.whl") if w.name.lower().startswith(prefix)]):
        result = run([sys.executable, *PIP_DOWNLOAD, str(cache), requirement], workdir)
        if not (found := [w for w in cache.glob("*.whl") if w.name.lower().startswith(prefix)]):
            sys.exit(f"cannot download {requirement}: {result.stderr.strip()[-500:]}")
    return found[0]


def unpack(wheel: Path, workdir: Path, requirement: str) -> Path:
    """A fresh copy of the wheel's files (no pyproject.toml of ours yet)."""
    target = workdir / requirement.replace("==", "-")
    shutil.rmtree(target, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def layer_table(python: str, root: Path) -> dict[str, Any]:
    """{"order": layer names, "modules": {module: layer}} computed by PY's layerguard."""
    if (result := run([python, "-c", LAYER_SCRIPT, str(root)], root)).returncode != 0:
        return {"order": [], "modules": {}, "error": result.stderr.strip()[-800:]}
    table: dict[str, Any] = json.loads(result.stdout)
    return table


def print_layers(table: dict[str, Any]) -> None:
    """Per layer: module count, then counts per parent package."""
    if "error" in table:
        print(f"  (could not compute layers: {table['error']})")
        return
    by_layer: dict[str, list[str]] = defaultdict(list)
    for module, layer in sorted(table["modules"].items()):
        by_layer[layer].append(module)
    for layer in [*table["order"], "(wiring)", "(unlayered)"]:
        members = by_layer.get(layer, [])
        print(f"  {layer:<12} {len(members)} modules")
        if layer != "(unlayered)" and len(members) <= 30:
            print("".join(f"      {module}\n" for module in members), end="")
            continue
        parents = Counter(m.rsplit(".", 1)[0] if "." in m else m for m in members)
        for parent, count in sorted(parents.items()):
            if layer != "(unlayered)" or count >= 3:  # the unlayered long tail is noise
                print(f"      {parent}.* ({count})")


def source_lines(path: Path, first: int, last: int) -> list[str]:
    """Lines first-CONTEXT .. last+CONTEXT of `path`, numbered, the finding's lines marked."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    start, stop = max(1, first - CONTEXT), min(len(lines), last + CONTEXT)
    return [f"{'>' if first <= n <= last else ' '}{n:5} | {lines[n - 1]}" for n in range(start, stop + 1)]


def module_file(root: Path, module: str) -> Path | None:
    """The file of a dotted module inside the unpacked tree, if any."""
    base = root / Path(*module.split("."))
    for file in (base.with_suffix(".py"), base / "__init__.py"):
        if file.is_file():
            return file
    return None


def import_base(root: Path, file: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom in `file` names (relative imports resolved)."""
    package = list(file.relative_to(root).parts[:-1])  # for a.py and for __init__.py alike
    base = package[: len(package) - node.level + 1] if node.level else []
    return ".".join([*base, *(node.module.split(".") if node.module else [])])


def module_level(tree: ast.Module) -> list[ast.stmt]:
    """Module-level statements, including those nested in if/try blocks (not in functions)."""
    found, pending = [], list(tree.body)
    while pending:
        found.append(node := pending.pop(0))
        if isinstance(node, (ast.If, ast.Try)):
            handlers = [stmt for handler in getattr(node, "handlers", []) for stmt in handler.body]
            pending += [*node.body, *node.orelse, *getattr(node, "finalbody", []), *handlers]
    return found


def parse(file: Path) -> ast.Module | None:
    """The file's syntax tree, or None if it does not parse."""
    try:
        return ast.parse(file.read_text(encoding="utf-8", errors="replace"))
    except (SyntaxError, ValueError):
        return None


def imported_names(root: Path, path: Path, line: int) -> tuple[str | None, list[str]]:
    """The `from X import a, b` statement covering `line`: its absolute module and names."""
    tree = parse(path)
    for node in ast.walk(tree) if tree else []:
        if isinstance(node, ast.ImportFrom) and node.lineno <= line <= (node.end_lineno or node.lineno):
            return import_base(root, path, node), [alias.name for alias in node.names]
    return None, []


def definition(root: Path, module: str, name: str, hops: int = 4) -> str:
    """Where `name` is defined: the `class`/`def`/assignment line, following re-exports."""
    if module_file(root, f"{module}.{name}"):
        return f"(submodule {module}.{name})"
    file = module_file(root, module)
    tree = parse(file) if file else None
    if file is None or tree is None:
        return f"(not in the tree: {module})"
    lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    for node in module_level(tree):
        targets = [getattr(node, "name", None)] + [
            t.id
            for t in [*getattr(node, "targets", []), getattr(node, "target", None)]
            if isinstance(t, ast.Name)
        ]
        if name in targets:
            return f"{file.relative_to(root)}:{node.lineno}: {lines[node.lineno - 1].strip()[:140]}"
        if isinstance(node, ast.ImportFrom) and hops > 0:
            source = import_base(root, file, node)
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return definition(root, source, alias.name, hops - 1)
                star = definition(root, source, name, hops - 1) if alias.name == "*" else "("
                if not star.startswith("("):  # found through `from X import *`
                    return star
    return f"(not found in {file.relative_to(root)})"


def sample(findings: list[dict[str, Any]], seed: int, size: int) -> list[dict[str, Any]]:
    """Up to `size` findings per SAMPLED code (seeded), and every finding of ALL_OF codes."""
    rng = random.Random(seed)
    chosen: list[dict[str, Any]] = []
    for code in SAMPLED:
        pool = [f for f in findings if f["code"] == code]
        chosen += sorted(rng.sample(pool, min(size, len(pool))), key=lambda f: (f["path"], f["line"]))
    chosen += [f for f in findings if f["code"] in ALL_OF]
    return chosen


def describe(root: Path, finding: dict[str, Any]) -> dict[str, Any]:
    """The finding plus its source and, for LG101/LG102, the imported names' definitions."""
    path = root / str(finding["path"])
    line, end = int(finding["line"]), int(finding.get("end_line") or finding["line"])
    item: dict[str, Any] = {**finding, "source": source_lines(path, line, end)}
    if finding["code"] in ("LG101", "LG102") and (imported := imported_names(root, path, line))[0]:
        item["definitions"] = {name: definition(root, str(imported[0]), name) for name in imported[1]}
    return item


def main() -> int:
    """Parse arguments, run init and check, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requirement", help="NAME==VERSION of a wheel on PyPI")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sample", type=int, default=25)
    parser.add_argument("--workdir", type=Path, default=Path("/work/tmp/apps"))
    parser.add_argument("--python", default=sys.executable, help="the Python whose layerguard runs")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    if "==" not in args.requirement:
        parser.error("give a pinned NAME==VERSION")
    (workdir := args.workdir.resolve()).mkdir(parents=True, exist_ok=True)
    root = unpack(fetch(args.requirement, workdir), workdir, args.requirement)
    files = sum(1 for _ in root.rglob("*.py"))
    print(f"# {args.requirement}: {files} .py files, unpacked in {root}")

    init = run([args.python, "-m", "layerguard", "init", "--write"], root)
    print("\n## (a) init --write\n" + init.stdout + init.stderr)
    section = (root / "pyproject.toml").read_text() if (root / "pyproject.toml").exists() else "(none)"
    print("## written pyproject.toml\n" + section)

    check = run([args.python, "-m", "layerguard", "check", "--format", "json", "--exit-zero"], root)
    if check.returncode not in (0, 1):
        sys.exit(f"check failed ({check.returncode}): {check.stderr.strip()[-800:]}")
    findings: list[dict[str, Any]] = json.loads(check.stdout)
    counts = Counter(str(f["code"]) for f in findings)
    print(
        "## (b) findings per code\n"
        + "".join(f"  {code} {count}\n" for code, count in sorted(counts.items()))
    )

    print("## (c) modules per layer (written config)")
    print_layers(table := layer_table(args.python, root))

    chosen = [describe(root, f) for f in sample(findings, args.seed, args.sample)]
    print(f"\n## (d) sample (seed {args.seed}; up to {args.sample} of each of LG101-LG103; all LG804)")
    for number, item in enumerate(chosen, 1):
        print(f"\n[{number}] {item['code']} {item['path']}:{item['line']}  verdict: ___")
        print(f"    {item['message']}")
        print("\n".join(f"    {text}" for text in item["source"]))
        for name, where in dict(item.get("definitions", {})).items():
            print(f"    -> {name}: {where}")
    if args.json_out:
        report = {"requirement": args.requirement, "files": files, "seed": args.seed, "counts": dict(counts),
                  "config": section, "layers": table, "sample": chosen}  # fmt: skip
        args.json_out.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
