"""Output formats: each turns a Report into text; the CLI picks one and writes it."""

from __future__ import annotations

from layerguard.model import Report
from layerguard.reporters import concise, github, json, sarif, text

FORMATS = ("text", "concise", "json", "sarif", "github")


def render(report: Report, fmt: str, *, color: bool = False, statistics: bool = False) -> str:
    """`report` in format `fmt`; `statistics` adds the per-rule table to text and concise."""
    if fmt == "text":
        return text.render(report, color=color, statistics=statistics)
    if fmt == "concise":
        return concise.render(report, statistics=statistics)
    if fmt == "json":
        return json.render(report)
    if fmt == "sarif":
        return sarif.render(report)
    if fmt == "github":
        return github.render(report)
    raise ValueError(f"Unknown output format {fmt!r}: use one of {', '.join(FORMATS)}.")


__all__ = ["FORMATS", "render"]
