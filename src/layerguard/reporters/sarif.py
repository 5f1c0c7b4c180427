"""SARIF 2.1.0 for GitHub code scanning: valid against the OASIS schema, with what GitHub requires."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from layerguard.cards import card_summary, card_text
from layerguard.checks import lookup
from layerguard.model import Finding, Report, RuleMeta
from layerguard.reporters.escapes import json_safe
from layerguard.reporters.paths import uri_reference
from layerguard.reporters.source import source_line, source_lines

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/layerguard/"
# GitHub's documented limit for a rule's short and full description.
DESCRIPTION_LIMIT = 1024


def _tool_version() -> str:
    try:
        return version("layerguard")
    except PackageNotFoundError:
        return "0+unknown"


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
        "properties": {"problem.severity": level},
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


def _results(report: Report, rule_index: dict[str, int]) -> list[dict[str, Any]]:
    sources: dict[Path, list[str] | None] = {}
    seen: Counter[str] = Counter()
    results = []
    for finding in report.findings:
        if finding.path not in sources:
            sources[finding.path] = source_lines(report.sources.get(finding.path))
        uri = uri_reference(finding.path)
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
                            "artifactLocation": {"uri": uri},
                            "region": _region(finding),
                        }
                    }
                ],
                "partialFingerprints": {"primaryLocationLineHash": line_hash(finding, uri, line, seen)},
            }
        )
    return results


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log as JSON-ready data: one run, every rule that ran, one result per finding."""
    rules = _rules_for(report)
    rule_index: dict[str, int] = {}
    for index, meta in enumerate(rules):
        rule_index.setdefault(meta.code, index)
    driver = {
        "name": "layerguard",
        "version": _tool_version(),
        "informationUri": INFORMATION_URI,
        "rules": [rule_descriptor(meta) for meta in rules],
    }
    run = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": _results(report, rule_index),
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    """The SARIF log, indented, with a trailing newline."""
    return json_safe(json.dumps(sarif_log(report), indent=2, ensure_ascii=False)) + "\n"
