"""Output formats: each turns a Report into text; the CLI picks one and writes it."""

from __future__ import annotations

from pathlib import Path

from layerguard.model import Report

FORMATS = ("text", "concise", "json", "sarif", "github")
# Formats with a per-rule table for `--statistics` (json gives it as a list, as ruff does); a
# SARIF log and workflow commands have fixed shapes with no place for one.
STATISTICS_FORMATS = ("text", "concise", "json")


def render(
    report: Report,
    fmt: str,
    *,
    color: bool = False,
    statistics: bool = False,
    source_root: Path | None = None,
) -> str:
    """`report` in format `fmt`, as valid Unicode (see `_printable`); `statistics` adds the
    per-rule table to text and concise, and makes json that table instead of the findings;
    `source_root` is the folder SARIF's URIs are relative to (default the current directory)."""
    return _printable(_render(report, fmt, color=color, statistics=statistics, source_root=source_root))


def _printable(text: str) -> str:
    """A file name that is not UTF-8 reaches Python with its bytes kept as lone surrogates;
    written out they would make JSON and SARIF invalid UTF-8 (or stop the write). They are
    shown as U+FFFD, as ruff shows such names; SARIF's URIs keep the exact bytes, %-encoded."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def _render(report: Report, fmt: str, *, color: bool, statistics: bool, source_root: Path | None) -> str:
    # Only the chosen reporter is imported: the CLI imports this module on every run, and
    # text's rich alone costs 15 ms.
    if fmt == "text":
        from layerguard.reporters import text

        return text.render(report, color=color, statistics=statistics)
    if fmt == "concise":
        from layerguard.reporters import concise

        return concise.render(report, statistics=statistics)
    if fmt == "json":
        from layerguard.reporters import json

        return json.render_statistics(report) if statistics else json.render(report)
    if fmt == "sarif":
        from layerguard.reporters import sarif

        return sarif.render(report, source_root)
    if fmt == "github":
        from layerguard.reporters import github

        return github.render(report)
    raise ValueError(f"Unknown output format {fmt!r}: use one of {', '.join(FORMATS)}.")


__all__ = ["FORMATS", "render"]
