"""layerguard's layer rules report what import-linter reports, on prefect's server.

prefect 3.9.1's server (FastAPI + SQLAlchemy) with a four-layer table, api > models > database >
schemas, each layer allowed to import every layer below it. import-linter gets the equivalent
contracts, and the two tools run on the same unpacked wheel. import-linter counts every import,
so layerguard counts type-only ones here too (`type-checking-imports = "count"`):

- `forbidden` contracts (direct imports only) against LG101 + LG102: the module pairs are equal.
- the `layers` contract against LG101 + LG103. Where it maps — upward chains, direct or through
  modules of no layer (grimp's layer check excludes the other layers' modules from chains, as
  LG103 does; no wiring modules are configured) — the direct pairs are equal, and the last
  module of every indirect route import-linter shows (the one importing the higher layer) is an
  LG103 bridge for that layer, unless the route runs through an import inside a function body,
  which carries no chain for LG103 (`DEFERRED`: checked on layerguard's facts at the route's own
  line numbers). LG103 reports more bridges, for two documented reasons, each accounted for:
  1. `NAMESPACE`: grimp's own graph skips folders without `__init__.py` (prefect's migration
     versions); layerguard's graph includes them (SPEC §1).
  2. `ROUTE_SAMPLING`: import-linter lists routes, not bridges: it takes the shortest chain,
     excludes that chain's imports, and repeats, so a bridge whose chains share an import with a
     route already found is never shown. Each such bridge is verified on grimp's own graph of
     the tree: it imports the layer, and a module of a lower layer reaches it avoiding the
     other layers.
"""

from __future__ import annotations

import copy
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import grimp
import pytest

from layerguard.api import check, load_config, load_project

from .conftest import PREFECT, installed_tool

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
ROUTE_SAMPLING = "import-linter shows one route per edge-disjoint shortest chain, not every bridge"
DEFERRED = "the route runs through an import inside a function body, which carries no LG103 chain"

PAIR_RE = re.compile(r"^-\s+(?P<importer>[\w.]+)\s+->\s+(?P<imported>[\w.]+)\s+\(l\.", re.M)
BROKEN_RE = re.compile(r"^(?P<lower>[\w.]+) is not allowed to import (?P<higher>[\w.]+):$", re.M)
ROUTE_LINE_RE = re.compile(
    r"^[-&]?\s*(?P<module>[\w.]+)(?: -> (?P<next>[\w.]+))? \((?P<lines>l\.[\d, l.]+)\)"
)
BRIDGE_RE = re.compile(r"unlayered `(?P<bridge>[\w.]+)` imports (?P<layer>\w+) ")

Bridge = tuple[str, str]  # (unlayered module, the layer it lets a lower layer reach)
# One step of a route: the modules that import `next`, each with the lines of those imports.
Hop = tuple[tuple[tuple[str, tuple[int, ...]], ...], str]


def layerguard_config(select: list[str]) -> str:
    lines = [
        'preset = "none"',
        "wiring = []",
        "select = [" + ", ".join(f'"{code}"' for code in select) + "]",
        "exclude = []",
        "respect-gitignore = false",
        # import-linter counts every import, also those used only as types: so does layerguard here.
        'type-checking-imports = "count"',
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
    lint_imports = installed_tool("lint-imports")
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


def parse_layers_output(
    output: str,
) -> tuple[set[tuple[str, str]], list[tuple[list[Hop], str]], set[tuple[str, str]]]:
    """import-linter's broken `layers` contract: direct pairs, indirect routes (their hops and
    the higher layer), broken layer pairs."""
    direct: set[tuple[str, str]] = set()
    routes: list[tuple[list[Hop], str]] = []
    broken: set[tuple[str, str]] = set()
    parts = BROKEN_RE.split(output)
    for lower, higher, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        broken.add((PACKAGE_LAYER[lower], PACKAGE_LAYER[higher]))
        for route in re.split(r"\n(?=- )", body.strip()):
            hops: list[Hop] = []
            sources: list[tuple[str, tuple[int, ...]]] = []
            for line in route.splitlines():
                match = ROUTE_LINE_RE.match(line.strip())
                assert match, f"unexpected import-linter output line: {line!r}"
                sources.append((match["module"], tuple(int(n) for n in re.findall(r"\d+", match["lines"]))))
                if match["next"]:
                    hops.append((tuple(sources), match["next"]))
                    sources = []
            assert hops, f"unexpected import-linter route: {route!r}"
            if sources:  # `& module (l.N)` after the last hop: the same importer, another target
                (*heads, (last, lines)), target = hops[-1]
                hops[-1] = ((*heads, (last, lines + tuple(n for _, more in sources for n in more))), target)
            if len(hops) == 1:
                direct |= {(module, hops[0][1]) for module, _ in hops[0][0]}
            else:
                routes.append((hops, PACKAGE_LAYER[higher]))
    return direct, routes, broken


def imported_modules(message: str) -> tuple[str, str]:
    """(importer, imported module) of an LG101/LG102 message: "module `a` imports ... module `b`"
    or, naming the imported symbol, "module `a` imports function `f` from `b`"."""
    importer = re.findall(r"`([\w.]+)`", message)[0]
    named = re.search(r" from `([\w.]+)`", message)
    return importer, named[1] if named else re.findall(r"`([\w.]+)`", message)[1]


def parse_layerguard(findings: list[tuple[str, str]]) -> tuple[set[tuple[str, str]], set[Bridge]]:
    direct: set[tuple[str, str]] = set()
    bridges: set[Bridge] = set()
    for code, message in findings:
        if code == "LG101":
            direct.add(imported_modules(message))
            continue
        match = BRIDGE_RE.search(message)
        assert match, message
        bridges.add((match["bridge"], match["layer"]))
    return direct, bridges


def module_level_import_lines(root: Path) -> set[tuple[str, int]]:
    """(module, line) of every import statement outside a function body, from layerguard's facts:
    those carry LG103 chains with `type-checking-imports = "count"` (`if TYPE_CHECKING:` ones too)."""
    project = load_project(load_config([root]), [root / "prefect"], {})
    return {
        (facts.module, fact.statement.line)
        for facts in project.files
        for fact in facts.imports
        if not fact.deferred
    }


def route_bridges(hops: list[Hop], layer: str, module_level: set[tuple[str, int]]) -> set[Bridge] | None:
    """The bridges LG103 must report for a route: the modules of its last hop that import the
    layer at module level; None when a hop has no module-level import (a deferred route)."""
    for sources, _ in hops:
        if not any((module, line) in module_level for module, lines in sources for line in lines):
            return None
    last_sources, _ = hops[-1]
    return {(m, layer) for m, lines in last_sources if any((m, line) in module_level for line in lines)}


def verified_on_grimps_graph(graph: grimp.ImportGraph, bridge: Bridge) -> bool:
    """On grimp's graph: the bridge imports a module of the layer, and a module of a lower layer
    reaches the bridge through modules of no layer."""
    module, layer = bridge
    package = LAYERS[layer][0]
    if not any(
        m == package or m.startswith(package + ".") for m in graph.find_modules_directly_imported_by(module)
    ):
        return False
    lower = list(LAYERS)[list(LAYERS).index(layer) + 1 :]
    restricted = copy.deepcopy(graph)
    for name, (other, _) in LAYERS.items():
        if name not in lower and other in restricted.modules:
            for removed in {other, *restricted.find_descendants(other)}:
                restricted.remove_module(removed)
    return any(layer_of_or_none(m) in lower for m in restricted.find_upstream_modules(module))


def layer_of_or_none(module: str) -> str | None:
    return next(
        (
            name
            for name, (package, _) in LAYERS.items()
            if module == package or module.startswith(package + ".")
        ),
        None,
    )


def layer_of(module: str) -> str:
    found = layer_of_or_none(module)
    assert found is not None, module
    return found


def test_layers_contract_maps_to_lg101_and_lg103(
    real_project: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = real_project(*PREFECT).resolve()
    ours_direct, ours_bridges = parse_layerguard(layerguard_findings(root, ["LG101", "LG103"]))
    theirs_direct, routes, broken = parse_layers_output(run_import_linter(root, layers_contract()))
    module_level = module_level_import_lines(root)
    monkeypatch.syspath_prepend(str(root))
    graph = grimp.build_graph("prefect", cache_dir=None)  # what import-linter analysed

    assert len(routes) >= 10, "import-linter reported too few routes: the parsing of its output broke"
    assert ours_direct == theirs_direct
    theirs_bridges: set[Bridge] = set()
    deferred_routes = 0
    for hops, layer in routes:
        expected = route_bridges(hops, layer, module_level)
        if expected is None:
            deferred_routes += 1
        else:
            theirs_bridges |= expected
    assert theirs_bridges <= ours_bridges
    visible = {b for b in ours_bridges if b[0] in graph.modules}
    explained = {b: NAMESPACE for b in ours_bridges - visible}
    explained |= {b: ROUTE_SAMPLING for b in visible - theirs_bridges if verified_on_grimps_graph(graph, b)}
    assert sorted(ours_bridges - theirs_bridges - explained.keys()) == []
    assert {(layer_of(a), layer_of(b)) for a, b in ours_direct} <= broken
    reasons = list(explained.values())
    print(  # the agreement figures, for `pytest -s`
        f"\nlayers contract on prefect {PREFECT[1]}: direct pairs {len(ours_direct)} = {len(theirs_direct)}; "
        f"{len(routes)} indirect routes, {deferred_routes} through a deferred import ({DEFERRED}); "
        f"their {len(theirs_bridges)} bridges are all among LG103's {len(ours_bridges)}; LG103 only: "
        f"{reasons.count(NAMESPACE)} in namespace folders, {reasons.count(ROUTE_SAMPLING)} not sampled by "
        "import-linter's routes (verified on its graph)"
    )
