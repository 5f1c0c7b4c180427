"""The layer diagram: layers as nodes, allowed imports as plain edges, violated ones in red.

Pure functions over a project: `layer_edges` computes what to draw, `render_mermaid` and
`render_dot` turn it into text a team can paste into a README or a pull request.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from layerguard.checks.indirect_layer_violation import IndirectLayerViolation, bridges
from layerguard.checks.layer_bypass import LayerBypass
from layerguard.checks.layer_imports import forbidden_imports
from layerguard.checks.upward_import import UpwardImport
from layerguard.model import FileFacts, Finding, RuleMeta, Span, make_finding
from layerguard.suppress import Suppression

if TYPE_CHECKING:
    from layerguard.context import ProjectView

FORMATS = ("mermaid", "dot")
VIOLATION_COLOR = "#d62728"
# The findings a baseline leaves of those given (sorted): `Workspace.baselined`.
Baselined = Callable[[Sequence[Finding]], Sequence[Finding]]


@dataclass(frozen=True)
class LayerEdge:
    """`importer` -> `imported`: allowed by `may-import`, or violated `violations` times."""

    importer: str
    imported: str
    allowed: bool
    violations: int = 0

    @property
    def label(self) -> str:
        return f"{self.violations} violation{'s' if self.violations != 1 else ''}"


def layer_edges(project: ProjectView, baselined: Baselined | None = None) -> list[LayerEdge]:
    """The allowed edges in layer-table order, then the violated ones, most violations first.

    A violation is an LG101, LG102 or LG103 finding that `check` would report on this project:
    rules that are off, `# noqa`, `per-file-ignores` and the baseline (`baselined`: the findings
    it leaves) are respected."""
    allowed = [
        LayerEdge(layer.name, imported, allowed=True)
        for layer in project.config.layers
        for imported in layer.may_import
        if imported != layer.name
    ]
    counts = Counter(_violations(project, baselined))
    violated = [
        LayerEdge(importer, imported, allowed=False, violations=count)
        for (importer, imported), count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return allowed + violated


def _violations(project: ProjectView, baselined: Baselined | None) -> Iterator[tuple[str, str]]:
    found = list(_reported_violations(project))
    left = Counter(baselined(sorted((f for f, _ in found), key=Finding.sort_key))) if baselined else None
    for finding, layers in found:
        if left is not None:
            if left[finding] <= 0:
                continue
            left[finding] -= 1
        yield from layers


def _reported_violations(project: ProjectView) -> Iterator[tuple[Finding, list[tuple[str, str]]]]:
    """Each violation `check` would report before the baseline, with the layer edges it stands for."""
    suppression = Suppression(project.config)
    direct = {meta.code: meta for meta in (UpwardImport.meta, LayerBypass.meta)}
    for violation in forbidden_imports(project):
        meta = direct["LG101" if violation.upward else "LG102"]
        finding = _reported(suppression, meta, violation.edge.importer, violation.span)
        if finding is not None:
            yield finding, [(violation.importer_layer, violation.imported_layer)]
    if suppression.is_enabled(IndirectLayerViolation.meta):
        for bridge in bridges(project):
            finding = _reported(
                suppression, IndirectLayerViolation.meta, bridge.edge.importer, bridge.edge.fact.statement
            )
            if finding is not None:
                # One LG103 finding stands for every layer that reaches through the bridge.
                yield finding, [(layer, bridge.forbidden_layer) for layer in bridge.importer_layers]


def _reported(suppression: Suppression, meta: RuleMeta, facts: FileFacts, span: Span) -> Finding | None:
    """The finding of `meta` there, if `check` would report it."""
    finding = make_finding(meta, facts, span, "")
    return finding if suppression.is_enabled(meta) and suppression.reports(finding, facts) else None


def render_mermaid(project: ProjectView, baselined: Baselined | None = None) -> str:
    """A Mermaid flowchart, top layer first."""
    ids = _node_ids(project)
    lines = ["flowchart TD"]
    lines += [f"    {ids[layer.name]}[{_quoted(layer.name)}]" for layer in project.config.layers]
    red: list[str] = []
    for number, edge in enumerate(layer_edges(project, baselined)):
        if edge.allowed:
            lines.append(f"    {ids[edge.importer]} --> {ids[edge.imported]}")
        else:
            lines.append(f"    {ids[edge.importer]} -->|{_quoted(edge.label)}| {ids[edge.imported]}")
            red.append(str(number))
    if red:
        lines.append(f"    linkStyle {','.join(red)} stroke:{VIOLATION_COLOR},color:{VIOLATION_COLOR}")
    return "\n".join(lines) + "\n"


def render_dot(project: ProjectView, baselined: Baselined | None = None) -> str:
    """A Graphviz digraph, top layer first."""
    lines = ["digraph layers {", "    rankdir=TB;", "    node [shape=box];"]
    lines += [f"    {_quoted(layer.name)};" for layer in project.config.layers]
    for edge in layer_edges(project, baselined):
        arrow = f"    {_quoted(edge.importer)} -> {_quoted(edge.imported)}"
        if edge.allowed:
            lines.append(f"{arrow};")
        else:
            style = f'color="{VIOLATION_COLOR}", fontcolor="{VIOLATION_COLOR}"'
            lines.append(f"{arrow} [{style}, label={_quoted(edge.label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(project: ProjectView, output_format: str, baselined: Baselined | None = None) -> str:
    if output_format == "dot":
        return render_dot(project, baselined)
    return render_mermaid(project, baselined)


def _node_ids(project: ProjectView) -> dict[str, str]:
    """Layer names are free text; Mermaid node ids must be plain words."""
    return {layer.name: f"L{index}" for index, layer in enumerate(project.config.layers)}


def _quoted(text: str) -> str:
    """A double-quoted string, valid in Mermaid labels and in dot (JSON escapes are a subset)."""
    return json.dumps(text)
