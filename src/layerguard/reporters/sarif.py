"""SARIF 2.1.0 for GitHub code scanning: valid against the OASIS schema, with what GitHub requires."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from importlib.metadata import PackageNotFoundError, metadata, version
from pathlib import Path
from typing import Any
from urllib.parse import quote

from layerguard.cards import card_summary, card_text
from layerguard.checks import lookup
from layerguard.model import Finding, Report, RuleMeta
from layerguard.reporters.escapes import json_safe
from layerguard.reporters.rule_properties import rule_properties
from layerguard.reporters.source import source_line, source_lines

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
# The base every artifact URI is relative to: GitHub resolves a relative URI against the
# repository's checkout, so URIs relative to the repository root land on the right file.
SOURCE_ROOT_ID = "%SRCROOT%"
# GitHub's documented limit for a rule's short and full description.
DESCRIPTION_LIMIT = 1024
# `[project.urls]` labels naming the project's home, most specific first.
HOME_LABELS = ("repository", "source", "source code", "homepage", "home", "documentation")


def _tool_version() -> str:
    try:
        return version("layerguard")
    except PackageNotFoundError:
        return "0+unknown"


def information_uri() -> str | None:
    """The project's home page as the installed package declares it (`[project.urls]`), or
    None: a made-up address would send code scanning's readers to a page that is not there."""
    try:
        declared = metadata("layerguard").get_all("Project-URL") or []
    except PackageNotFoundError:
        return None
    urls: dict[str, str] = {}
    for entry in declared:
        label, _, url = entry.partition(",")
        urls.setdefault(label.strip().lower(), url.strip())
    return next((urls[label] for label in HOME_LABELS if urls.get(label)), None)


def _limit(text: str) -> str:
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


def rule_descriptor(meta: RuleMeta) -> dict[str, Any]:
    """A `reportingDescriptor` whose descriptions and help come from the rule card."""
    card = card_text(meta.code)
    full = (card_summary(card) if card else "") or meta.summary
    level = meta.severity.value
    return {
        "id": meta.code,
        "name": meta.name,
        "shortDescription": {"text": _limit(meta.summary)},
        "fullDescription": {"text": _limit(full)},
        "help": {"text": card or meta.summary, "markdown": card or meta.summary},
        "defaultConfiguration": {"level": level},
        "properties": {"problem.severity": level, **rule_properties(meta.code).as_sarif()},
    }


def _rules_for(report: Report) -> list[RuleMeta]:
    """The rules that ran, plus any rule a finding names that is not among them (LG000, LG001)."""
    rules = list(report.rules)
    known = {meta.code for meta in rules}
    for finding in report.findings:
        if finding.code not in known:
            known.add(finding.code)
            meta = lookup(finding.code)
            rules.append(meta or RuleMeta(finding.code, finding.name, finding.severity, finding.name))
    return rules


def line_hash(finding: Finding, uri: str, line: str | None, seen: Counter[str]) -> str:
    """`primaryLocationLineHash`: rule, file and the line's text without whitespace, numbered.

    The line number is left out so an alert survives code moving above it, whitespace so it
    survives re-indenting; the `:n` suffix tells apart identical lines and repeated findings.
    """
    normalized = "".join((line or "").split())
    digest = hashlib.sha256(f"{finding.code}\0{uri}\0{normalized}".encode()).hexdigest()[:16]
    seen[digest] += 1
    return f"{digest}:{seen[digest]}"


def _region(finding: Finding) -> dict[str, int]:
    # Clamped so a bad span still gives a valid, non-negative region; SARIF's endColumn is exclusive.
    end_line = max(finding.end_line, finding.line)
    end_column = finding.end_column if end_line > finding.line else max(finding.end_column, finding.column)
    return {
        "startLine": finding.line,
        "startColumn": finding.column + 1,
        "endLine": end_line,
        "endColumn": end_column + 1,
    }


def artifact_location(path: Path, source_root: Path) -> dict[str, str]:
    """Where `path` is: a URI relative to `source_root` under `%SRCROOT%`, or an absolute
    `file:` URI for a file outside it (a path named on the command line beyond the repository)."""
    try:
        relative = Path(os.path.relpath(path, source_root))
    except ValueError:  # Windows: no relative path leads to another drive
        return {"uri": Path(path).as_uri()}
    if relative.parts[:1] == ("..",):
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    # A name that is not UTF-8 (its bytes kept as surrogates by Python) is percent-encoded byte
    # for byte, so the URI still names the file.
    uri = quote(relative.as_posix(), safe="/", errors="surrogateescape")
    return {"uri": uri, "uriBaseId": SOURCE_ROOT_ID}


def root_uri(source_root: Path) -> str:
    """`source_root` as an absolute `file:` URI ending in `/`, as SARIF wants a base URI."""
    uri = Path(os.path.abspath(source_root)).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _results(report: Report, rule_index: dict[str, int], source_root: Path) -> list[dict[str, Any]]:
    sources: dict[Path, list[str] | None] = {}
    locations: dict[Path, dict[str, str]] = {}
    seen: Counter[str] = Counter()
    results = []
    for finding in report.findings:
        if finding.path not in sources:
            sources[finding.path] = source_lines(report.sources.get(finding.path))
            locations[finding.path] = artifact_location(finding.path, source_root)
        location = locations[finding.path]
        uri = location["uri"]
        line = source_line(sources[finding.path], finding.line)
        results.append(
            {
                "ruleId": finding.code,
                "ruleIndex": rule_index[finding.code],
                "level": finding.severity.value,
                "message": {"text": finding.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": dict(location),
                            "region": _region(finding),
                        }
                    }
                ],
                "partialFingerprints": {"primaryLocationLineHash": line_hash(finding, uri, line, seen)},
            }
        )
    return results


def sarif_log(report: Report, source_root: Path | None = None) -> dict[str, Any]:
    """The SARIF log as JSON-ready data: one run, every rule that ran, one result per finding,
    file URIs relative to `source_root` (the repository root; default the current directory)."""
    source_root = Path(os.path.abspath(source_root or os.getcwd()))
    rules = _rules_for(report)
    rule_index: dict[str, int] = {}
    for index, meta in enumerate(rules):
        rule_index.setdefault(meta.code, index)
    driver: dict[str, Any] = {"name": "layerguard", "version": _tool_version()}
    home = information_uri()
    if home is not None:
        driver["informationUri"] = home
    driver["rules"] = [rule_descriptor(meta) for meta in rules]
    run = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {SOURCE_ROOT_ID: {"uri": root_uri(source_root)}},
        "columnKind": "unicodeCodePoints",
        "results": _results(report, rule_index, source_root),
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, source_root: Path | None = None) -> str:
    """The SARIF log, indented, with a trailing newline."""
    log = sarif_log(report, source_root)
    return json_safe(json.dumps(log, indent=2, ensure_ascii=False)) + "\n"
