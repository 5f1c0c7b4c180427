"""layerguard's layer rules report what import-linter reports, on prefect's server.

prefect 3.9.1's server (FastAPI + SQLAlchemy) with a four-layer table, api > models > database >
schemas, each layer allowed to import every layer below it. import-linter gets the equivalent
contracts, and the two tools run on the same unpacked wheel:

- `forbidden` contracts (direct imports only) against LG101 + LG102: the module pairs are equal.
- the `layers` contract against LG101 + LG103. Where it maps — upward chains, direct or through
  modules of no layer (grimp's layer check excludes the other layers' modules from chains, as
  LG103 does; no wiring modules are configured) — the direct pairs are equal and every chain
  start import-linter reports (a lower-layer module, the first module of a route's middle, the
  higher layer) is an LG103 finding. LG103 reports more chain starts, for two documented
  reasons, and every one of them is accounted for below:
  1. `NAMESPACE`: grimp's own graph skips folders without `__init__.py` (prefect's migration
     versions); layerguard's graph includes them (SPEC §1).
  2. `ROUTE_SAMPLING`: import-linter lists routes, not chain starts: it takes the shortest chain,
     excludes that chain's imports, and repeats, so a start whose paths share an import with a
     route already found is never shown. Each such start is verified on grimp's own graph of the
     tree: the start's import exists there and leads, avoiding the other layers, to the layer.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import grimp
import pytest

from layerguard.api import check

from .conftest import PREFECT

pytestmark = pytest.mark.slow

# Top to bottom, with what each layer may import.
LAYERS = {
    "api": ("prefect.server.api", ["models", "database", "schemas"]),
    "models": ("prefect.server.models", ["database", "schemas"]),
    "database": ("prefect.server.database", ["schemas"]),
    "schemas": ("prefect.server.schemas", []),
}
PACKAGE_LAYER = {package: name for name, (package, _) in LAYERS.items()}

# Module pairs the two tools may legitimately disagree on, with the reason. Empty: none so far.
DOCUMENTED_DIFFERENCES: dict[tuple[str, str], str] = {}
NAMESPACE = "grimp.build_graph skips namespace folders, layerguard includes them"
ROUTE_SAMPLING = "import-linter shows one route per edge-disjoint shortest chain, not every chain start"

PAIR_RE = re.compile(r"^-\s+(?P<importer>[\w.]+)\s+->\s+(?P<imported>[\w.]+)\s+\(l\.", re.M)
BROKEN_RE = re.compile(r"^(?P<lower>[\w.]+) is not allowed to import (?P<higher>[\w.]+):$", re.M)
ROUTE_LINE_RE = re.compile(r"^[-&]?\s*(?P<module>[\w.]+)(?: -> (?P<next>[\w.]+))? \(l\.")

ChainStart = tuple[str, str, str]  # (importer, first module of the chain, forbidden layer)


def layerguard_config(select: list[str]) -> str:
    lines = [
        'preset = "none"',
        "wiring = []",
        "select = [" + ", ".join(f'"{code}"' for code in select) + "]",
        "exclude = []",
        "respect-gitignore = false",
    ]
    for name, (package, may_import) in LAYERS.items():
        lines += [
            f"[layers.{name}]",
            f'modules = ["{package}", "{package}.**"]',
            "may-import = [" + ", ".join(f'"{m}"' for m in may_import) + "]",
        ]
    return "\n".join(lines) + "\n"


def forbidden_contracts() -> str:
    sections = ["[importlinter]\nroot_package = prefect\n"]
    for number, (name, (package, may_import)) in enumerate(LAYERS.items()):
        forbidden = [pkg for other, (pkg, _) in LAYERS.items() if other != name and other not in may_import]
        if forbidden:
            sections.append(
                f"[importlinter:contract:{number}]\nname = {name}\ntype = forbidden\n"
                f"source_modules = {package}\nforbidden_modules =\n    "
                + "\n    ".join(forbidden)
                + "\nallow_indirect_imports = True\n"
            )
    return "\n".join(sections)


def layers_contract() -> str:
    packages = "\n    ".join(package for package, _ in LAYERS.values())
    return (
        "[importlinter]\nroot_package = prefect\n\n[importlinter:contract:layers]\n"
        f"name = layers\ntype = layers\nlayers =\n    {packages}\n"
    )


def run_import_linter(root: Path, config: str) -> str:
    # The one installed beside this interpreter (a venv run without activating it), else PATH's.
    beside = Path(sys.executable).parent / "lint-imports"
    lint_imports = str(beside) if beside.is_file() else shutil.which("lint-imports")
    if lint_imports is None:
        pytest.skip("import-linter is not installed (it is in the test extras)")
    (root / "contracts.ini").write_text(config)
    env = {"PYTHONPATH": str(root), "PATH": str(Path(lint_imports).parent), "COLUMNS": "10000"}
    result = subprocess.run(
        [lint_imports, "--no-cache", "--config", "contracts.ini"], cwd=root, capture_output=True,
        text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr  # contracts are broken in prefect
    return result.stdout


def layerguard_findings(root: Path, select: list[str]) -> list[tuple[str, str]]:
    (root / "layerguard.toml").write_text(layerguard_config(select))
    report = check([root / "prefect"])
    assert {f.code for f in report.findings} <= set(select)
    return [(f.code, f.message) for f in report.findings]


def test_same_module_pairs_as_import_linter_forbidden_contracts(
    real_project: Callable[[str, str], Path],
) -> None:
    root = real_project(*PREFECT).resolve()
    ours = {imported_modules(message) for _, message in layerguard_findings(root, ["LG101", "LG102"])}
    theirs = {
        (m["importer"], m["imported"])
        for m in PAIR_RE.finditer(run_import_linter(root, forbidden_contracts()))
    }

    assert len(theirs) >= 5, "import-linter reported too few pairs: the parsing of its output broke"
    assert {p for p in ours - theirs if p not in DOCUMENTED_DIFFERENCES} == set()
    assert {p for p in theirs - ours if p not in DOCUMENTED_DIFFERENCES} == set()


def parse_layers_output(output: str) -> tuple[set[tuple[str, str]], set[ChainStart], set[tuple[str, str]]]:
    """import-linter's broken `layers` contract: direct pairs, chain starts, broken layer pairs."""
    direct: set[tuple[str, str]] = set()
    starts: set[ChainStart] = set()
    broken: set[tuple[str, str]] = set()
    parts = BROKEN_RE.split(output)
    for lower, higher, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        broken.add((PACKAGE_LAYER[lower], PACKAGE_LAYER[higher]))
        for route in re.split(r"\n(?=- )", body.strip()):
            heads: list[str] = []
            first = ""
            for line in route.splitlines():
                match = ROUTE_LINE_RE.match(line.strip())
                assert match, f"unexpected import-linter output line: {line!r}"
                heads.append(match["module"])
                if match["next"]:
                    first = match["next"]
                    break
            if first == higher or first.startswith(higher + "."):
                direct |= {(head, first) for head in heads}
            else:
                starts |= {(head, first, PACKAGE_LAYER[higher]) for head in heads}
    return direct, starts, broken


def imported_modules(message: str) -> tuple[str, str]:
    """(importer, imported module) of an LG101/LG102 message: "module `a` imports ... module `b`"
    or, naming the imported symbol, "module `a` imports function `f` from `b`"."""
    importer = re.findall(r"`([\w.]+)`", message)[0]
    named = re.search(r" from `([\w.]+)`", message)
    return importer, named[1] if named else re.findall(r"`([\w.]+)`", message)[1]


def parse_layerguard(findings: list[tuple[str, str]]) -> tuple[set[tuple[str, str]], set[ChainStart]]:
    direct: set[tuple[str, str]] = set()
    starts: set[ChainStart] = set()
    for code, message in findings:
        if code == "LG101":
            direct.add(imported_modules(message))
            continue
        chain = message.split("through unlayered modules: ", 1)[1].split(" (and ", 1)[0].split(" -> ")
        layers = [re.search(r"reaches (\w+) module", message)[1]]  # type: ignore[index]
        more = re.search(r"more forbidden modules? in ([\w, ]+)\)$", message)
        layers += more[1].split(", ") if more else []
        starts |= {(chain[0], chain[1], layer) for layer in layers}
    return direct, starts


def verified_on_grimps_graph(
    graph: grimp.ImportGraph, restricted: grimp.ImportGraph, start: ChainStart
) -> bool:
    """The start's import exists in grimp's graph, and from its first module the forbidden layer
    is reachable in `restricted`, where the other layers' modules are removed."""
    importer, first, layer = start
    if not graph.direct_import_exists(importer=importer, imported=first):
        return False
    package = LAYERS[layer][0]
    return any(m == package or m.startswith(package + ".") for m in restricted.find_upstream_modules(first))


def without_other_layers(graph: grimp.ImportGraph, layer: str) -> grimp.ImportGraph:
    """A copy of the graph where only the given layer's modules remain of all layered ones."""
    restricted = copy.deepcopy(graph)
    for name, (package, _) in LAYERS.items():
        if name != layer and package in restricted.modules:
            for module in {package, *restricted.find_descendants(package)}:
                restricted.remove_module(module)
    return restricted


def layer_of(module: str) -> str:
    return next(
        name for name, (package, _) in LAYERS.items() if module == package or module.startswith(package + ".")
    )


def test_layers_contract_maps_to_lg101_and_lg103(
    real_project: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = real_project(*PREFECT).resolve()
    ours_direct, ours_starts = parse_layerguard(layerguard_findings(root, ["LG101", "LG103"]))
    theirs_direct, theirs_starts, broken = parse_layers_output(run_import_linter(root, layers_contract()))
    monkeypatch.syspath_prepend(str(root))
    graph = grimp.build_graph("prefect", cache_dir=None)  # what import-linter analysed
    visible = {s for s in ours_starts if s[0] in graph.modules and s[1] in graph.modules}

    assert len(theirs_starts) >= 20, "import-linter reported too few chains: the parsing of its output broke"
    assert ours_direct == theirs_direct
    assert theirs_starts <= ours_starts
    assert broken == {(layer_of(a), layer_of(b)) for a, b in ours_direct} | {
        (layer_of(importer), layer) for importer, _, layer in visible
    }
    restricted = {name: without_other_layers(graph, name) for name in LAYERS}
    explained = {s: NAMESPACE for s in ours_starts - visible}
    explained |= {
        s: ROUTE_SAMPLING
        for s in visible - theirs_starts
        if verified_on_grimps_graph(graph, restricted[s[2]], s)
    }
    assert sorted(ours_starts - theirs_starts - explained.keys()) == []
    reasons = list(explained.values())
    print(  # the agreement figures, for `pytest -s`
        f"\nlayers contract on prefect {PREFECT[1]}: direct pairs {len(ours_direct)} = {len(theirs_direct)}; "
        f"import-linter's {len(theirs_starts)} chain starts are all among LG103's {len(ours_starts)}; "
        f"LG103 only: {reasons.count(NAMESPACE)} in namespace folders, {reasons.count(ROUTE_SAMPLING)} "
        "not sampled by import-linter's routes (verified on its graph)"
    )
